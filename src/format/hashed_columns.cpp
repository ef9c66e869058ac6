#include "format/hashed_columns.hpp"

#include <cstring>

#include "common/digest.hpp"
#include "common/error.hpp"

namespace pgexport::format {

namespace {

constexpr pg::Oid kBoolOid = pg::oid::kBool;

pg::TypeDesc text_type() {
  pg::TypeDesc type;
  type.oid = pg::oid::kText;
  type.declared_oid = pg::oid::kText;
  type.name = "text";
  type.base_name = "text";
  return type;
}

uint32_t read_be32(const char* bytes) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

void append_be32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
}

[[noreturn]] void malformed_row(std::string_view what) {
  fail(ErrorKind::internal, "a COPY row to hash is malformed: {}", what);
}

class HashingEncoder final : public Encoder {
 public:
  HashingEncoder(std::unique_ptr<Encoder> inner, WireFormat wire, std::vector<size_t> positions,
                 std::string key)
      : inner_(std::move(inner)), rewriter_(wire, std::move(positions), std::move(key)) {}

  void start(ByteSink& out) override { inner_->start(out); }
  void write_row(std::string_view wire_row) override {
    inner_->write_row(rewriter_.rewrite(wire_row));
  }
  void write_filled() override { inner_->write_filled(); }
  void finish() override { inner_->finish(); }

 private:
  std::unique_ptr<Encoder> inner_;
  HashedFieldRewriter rewriter_;
};

}  // namespace

std::string hash_text(std::string_view key, std::string_view text) {
  return hex_encode(hmac_sha256(key, text));
}

pg::Column as_hashed(pg::Column column) {
  column.hashed_from = std::move(column.type);
  column.type = text_type();
  return column;
}

std::vector<size_t> hashed_column_positions(const pg::TableSchema& table) {
  std::vector<size_t> positions;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (table.columns[i].hashed_from) positions.push_back(i);
  }
  return positions;
}

void select_hashed_as_text(const pg::TableSchema& table, CopySpec& spec) {
  for (size_t position : hashed_column_positions(table)) {
    spec.select_list.at(position) =
        pg::quote_identifier(table.columns[position].name) + "::pg_catalog.text";
  }
}

std::string text_cast_of_output(const pg::TypeDesc& type, std::string_view output_text) {
  if (type.kind != pg::TypeKind::base) return std::string(output_text);
  switch (type.oid) {
    case kBoolOid:
      if (output_text == "t") return "true";
      if (output_text == "f") return "false";
      break;
    case pg::oid::kBpchar:
      while (!output_text.empty() && output_text.back() == ' ') output_text.remove_suffix(1);
      break;
    case pg::oid::kInet:
      // inet's output leaves out the mask of a host address; its cast to text never does.
      if (output_text.find('/') == std::string_view::npos) {
        return std::string(output_text) +
               (output_text.find(':') == std::string_view::npos ? "/32" : "/128");
      }
      break;
    default:
      break;
  }
  return std::string(output_text);
}

std::unique_ptr<Encoder> hashing_encoder(std::unique_ptr<Encoder> inner, WireFormat wire,
                                         std::vector<size_t> positions, std::string key) {
  return std::make_unique<HashingEncoder>(std::move(inner), wire, std::move(positions),
                                          std::move(key));
}

HashedFieldRewriter::HashedFieldRewriter(WireFormat wire, std::vector<size_t> positions,
                                         std::string key)
    : wire_(wire), key_(std::move(key)) {
  for (size_t position : positions) {
    if (position >= hashed_.size()) hashed_.resize(position + 1, false);
    hashed_[position] = true;
  }
}

std::string_view HashedFieldRewriter::rewrite(std::string_view row) {
  return wire_ == WireFormat::binary ? rewrite_binary(row) : rewrite_delimited(row);
}

// A binary COPY tuple: a 16-bit field count, then per field a 32-bit length (-1: NULL) and
// that many bytes; a text value's bytes are its UTF-8 text.
std::string_view HashedFieldRewriter::rewrite_binary(std::string_view row) {
  if (row.size() < 2) malformed_row("a binary tuple shorter than its field count");
  const size_t fields =
      (static_cast<unsigned char>(row[0]) << 8) | static_cast<unsigned char>(row[1]);
  row_.assign(row.substr(0, 2));
  size_t offset = 2;
  for (size_t field = 0; field < fields; ++field) {
    if (offset + 4 > row.size()) malformed_row("a binary tuple ends inside a field length");
    const uint32_t length = read_be32(row.data() + offset);
    offset += 4;
    if (length == 0xffffffffu) {
      append_be32(row_, length);
      continue;
    }
    if (offset + length > row.size()) malformed_row("a binary field overruns its tuple");
    std::string_view value = row.substr(offset, length);
    offset += length;
    if (field < hashed_.size() && hashed_[field]) {
      std::string hash = hash_text(key_, value);
      append_be32(row_, static_cast<uint32_t>(hash.size()));
      row_ += hash;
    } else {
      append_be32(row_, length);
      row_ += value;
    }
  }
  if (offset != row.size()) malformed_row("bytes after the last field of a binary tuple");
  return row_;
}

// COPY TEXT (tab separated, backslash escapes, \N for NULL) and COPY CSV (comma separated,
// '"' quoting with '""' inside, NULL an unquoted empty field). A hash is hex, which neither
// needs to escape or quote, so only the hashed fields are decoded; the others are copied.
std::string_view HashedFieldRewriter::rewrite_delimited(std::string_view row) {
  const bool csv = wire_ == WireFormat::csv;
  const char delimiter = csv ? ',' : '\t';
  row_.clear();
  size_t offset = 0;
  size_t field = 0;
  for (;;) {
    const size_t start = offset;
    const bool hashed = field < hashed_.size() && hashed_[field];
    bool is_null = false;
    scratch_.clear();
    if (csv && offset < row.size() && row[offset] == '"') {
      ++offset;
      for (;;) {
        if (offset >= row.size()) malformed_row("a CSV field's quote is not closed");
        if (row[offset] == '"') {
          if (offset + 1 < row.size() && row[offset + 1] == '"') {
            scratch_ += '"';
            offset += 2;
            continue;
          }
          ++offset;
          break;
        }
        scratch_ += row[offset++];
      }
    } else {
      while (offset < row.size() && row[offset] != delimiter && row[offset] != '\n') ++offset;
      std::string_view raw = row.substr(start, offset - start);
      if (csv) {
        is_null = raw.empty();
        scratch_.assign(raw);
      } else if (hashed) {
        is_null = raw == "\\N";
        if (!is_null) {
          auto parsed = text_parser_.parse(raw);
          if (parsed.size() != 1) malformed_row("a COPY TEXT field splits");
          scratch_.assign(parsed[0].value);
        }
      }
    }
    if (hashed && !is_null) {
      row_ += hash_text(key_, scratch_);
    } else {
      row_ += row.substr(start, offset - start);
    }
    if (offset >= row.size()) break;
    const char next = row[offset];
    if (next == delimiter) {
      row_ += delimiter;
      ++offset;
      ++field;
      continue;
    }
    if (next != '\n') malformed_row("a field is followed by neither a delimiter nor the row's end");
    row_ += row.substr(offset);
    break;
  }
  return row_;
}

}  // namespace pgexport::format
