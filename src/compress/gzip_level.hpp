// Which deflate implementation writes gzip at a given pgexport compression level. gzip output
// is the same format either way (RFC 1952 members that gzip -d, zlib, Python, Spark and
// Athena read); what differs is speed and ratio.
//
//   level        library  its level  why
//   1 (default)  ISA-L    1          igzip: 6-8x faster than zlib -1 on COPY text, and smaller
//   2, 3         ISA-L    2, 3       igzip's stronger levels; 3 compresses about as zlib 4
//   4-9          zlib     4-9        ratio beyond any igzip level, at zlib's speed
//   0            zlib     0          stored blocks (no compression), as zlib and gzip mean 0
//
// Measured on pgbench and the sample database (docs/output.md, "Compression").
#pragma once

#include <cstdint>
#include <optional>

namespace pgexport::compress {

enum class DeflateLibrary { isal, zlib };

struct GzipSetting {
  DeflateLibrary library;
  int level;  // the library's own level
};

// The level used when none is asked for: igzip's level 1.
inline constexpr int kDefaultGzipLevel = 1;

// What zlib's deflate state costs with windowBits 15 and memLevel 8, the settings pgexport
// uses: (1 << (windowBits + 2)) + (1 << (memLevel + 9)) as zlib's zconf.h gives it, plus the
// state structure itself (rounded up to 8 KiB).
inline constexpr uint64_t kZlibDeflateBytes = (1u << 17) + (1u << 17) + (8u << 10);

// The library and its level for a pgexport gzip level (nullopt: the default). Throws
// pgexport::Error (usage) for a level outside 0-9.
GzipSetting gzip_setting(std::optional<int> level);

}  // namespace pgexport::compress
