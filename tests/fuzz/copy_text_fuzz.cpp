// COPY (FORMAT text) rows: the field parser with its escapes, and the JSON Lines encoder that
// renders each PostgreSQL text form (numbers, arrays, json, ranges, ...) as JSON.
#include "format/copy_text.hpp"
#include "format/jsonl/jsonl_format.hpp"
#include "fuzz_tables.hpp"
#include "fuzz_target.hpp"

// Input: one selector byte (fuzz_tables.hpp), then rows separated by '\n', as COPY sends them.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pgexport;
  if (size < 1) return 0;
  std::string_view rows = fuzz::as_text(data + 1, size - 1);
  fuzz::refusal_allowed([&] {
    format::CopyTextParser parser;
    for (std::string_view rest = rows; !rest.empty();) {
      size_t end = rest.find('\n');
      size_t length = end == std::string_view::npos ? rest.size() : end + 1;
      auto fields = parser.parse(rest.substr(0, length));
      volatile size_t count = fields.size();
      (void)count;
      rest.remove_prefix(length);
    }
  });
  const auto table = fuzz::table_for(data[0]);
  format::JsonlFormat format;
  fuzz::refusal_allowed([&] {
    auto encoder = format.make_encoder(table);
    fuzz::DiscardSink sink;
    encoder->start(sink);
    for (std::string_view rest = rows; !rest.empty();) {
      size_t end = rest.find('\n');
      size_t length = end == std::string_view::npos ? rest.size() : end + 1;
      encoder->write_row(rest.substr(0, length));
      rest.remove_prefix(length);
    }
    encoder->finish();
  });
  return 0;
}
