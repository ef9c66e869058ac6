// COPY (FORMAT binary) tuples as the Parquet encoder reads them: the tuple walk and every value
// decoder (numeric, dates and times, arrays, text) behind it, in both reader profiles.
#include <algorithm>

#include "format/parquet/parquet_format.hpp"
#include "fuzz_tables.hpp"
#include "fuzz_target.hpp"

// Input: one selector byte (fuzz_tables.hpp; its top bit picks the exact profile), then rows,
// each a 16-bit big-endian length and that many bytes of tuple.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pgexport;
  if (size < 1) return 0;
  format::parquet::ParquetOptions options;
  options.compression = format::Compression::none;
  options.profile = (data[0] & 0x80) ? format::parquet::ParquetProfile::exact
                                     : format::parquet::ParquetProfile::portable;
  const auto table = fuzz::table_for(data[0] & 0x7f);
  std::string_view rest = fuzz::as_text(data + 1, size - 1);
  fuzz::refusal_allowed([&] {
    format::parquet::ParquetEncoder encoder(table, options);
    fuzz::DiscardSink sink;
    encoder.start(sink);
    while (rest.size() >= 2) {
      size_t length = (static_cast<uint8_t>(rest[0]) << 8) | static_cast<uint8_t>(rest[1]);
      rest.remove_prefix(2);
      length = std::min(length, rest.size());
      encoder.write_row(rest.substr(0, length));
      rest.remove_prefix(length);
    }
    encoder.finish();
  });
  return 0;
}
