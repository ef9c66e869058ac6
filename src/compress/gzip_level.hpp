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

#include <optional>

namespace pgexport::compress {

enum class DeflateLibrary { isal, zlib };

struct GzipSetting {
  DeflateLibrary library;
  int level;  // the library's own level
};

// The level used when none is asked for: igzip's level 1.
inline constexpr int kDefaultGzipLevel = 1;

// The library and its level for a pgexport gzip level (nullopt: the default). Throws
// pgexport::Error (usage) for a level outside 0-9.
GzipSetting gzip_setting(std::optional<int> level);

}  // namespace pgexport::compress
