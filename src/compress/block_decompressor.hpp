// Block decompression, the reading half of block_codec.hpp: one self-contained block (a Parquet
// page) back into its bytes, whose size the caller knows from the page header.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "compress/block_codec.hpp"

namespace pgexport::compress {

class BlockDecompressor {
 public:
  virtual ~BlockDecompressor() = default;
  // Replaces `output` with the `uncompressed_size` bytes that `input` decompresses to. Throws
  // pgexport::Error (data_error) when the block is damaged or decompresses to another size.
  virtual void decompress(std::string_view input, size_t uncompressed_size,
                          std::string& output) = 0;
};

// A decompressor for blocks written by make_block_codec(kind); reuse one per thread.
std::unique_ptr<BlockDecompressor> make_block_decompressor(BlockCodecKind kind);

}  // namespace pgexport::compress
