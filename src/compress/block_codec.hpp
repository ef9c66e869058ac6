// Block codecs: compress one whole buffer at a time into a self-contained block, as Parquet
// compresses each page. (Whole-file stream compression is stream_compressor.hpp.)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pgexport::compress {

// The block codecs pgexport writes. The names follow Parquet's CompressionCodec; the framing of
// each is what Parquet's Compression.md requires (raw Snappy block, one RFC 1952 gzip member,
// one RFC 8878 zstd frame).
enum class BlockCodecKind { uncompressed, snappy, gzip, zstd };

// "uncompressed", "snappy", "gzip", "zstd".
std::string_view block_codec_name(BlockCodecKind kind);

class BlockCodec {
 public:
  virtual ~BlockCodec() = default;
  virtual BlockCodecKind kind() const = 0;
  // Replaces `output` with the compressed form of `input`. The codec keeps its working state
  // between calls, so reuse one instance per thread. Throws pgexport::Error (internal) if the
  // library fails, which only happens on allocation failure or a bug.
  virtual void compress(std::string_view input, std::string& output) = 0;
};

// A codec of the given kind. `level` is the compression level (zstd: the library's full range,
// negative levels included, nullopt its default; gzip: 0-9, mapped onto igzip or zlib as in
// gzip_level.hpp, nullopt igzip's level 1). Snappy and uncompressed have no levels and ignore
// it. Throws pgexport::Error (usage) for a level out of range.
std::unique_ptr<BlockCodec> make_block_codec(BlockCodecKind kind,
                                             std::optional<int> level = std::nullopt);

// What an estimate of a codec's memory adds for the codec object itself and the allocator's
// headers on the library's blocks.
inline constexpr uint64_t kCodecAllocationSlack = 16u << 10;

// The most memory a codec of make_block_codec(kind, level) holds for its working state, for
// blocks of any size (zstd's context grows with the block up to its level's window): what a
// writer leases from --memory-limit for it. Output buffers are the caller's and not included.
// Throws as make_block_codec does for a level out of range.
uint64_t block_codec_memory_bytes(BlockCodecKind kind, std::optional<int> level = std::nullopt);

}  // namespace pgexport::compress
