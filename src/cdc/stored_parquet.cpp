#include "cdc/stored_parquet.hpp"

#include "common/digest.hpp"
#include "common/error.hpp"
#include "format/parquet/footer_reader.hpp"

namespace pgexport::cdc {

namespace {

namespace parquet = format::parquet;

// Footers of pgexport's files are a few kilobytes per row group and column; a larger one is
// fetched with one more pass.
constexpr size_t kTailBytes = 1u << 20;

// Hashes what passes through on its way to `downstream`.
class Hashing final : public ByteSink {
 public:
  explicit Hashing(ByteSink& downstream) : downstream_(downstream) {}
  void write(std::string_view bytes) override {
    hash_.update(bytes);
    downstream_.write(bytes);
  }
  std::string hex() { return hex_encode(hash_.finish()); }

 private:
  ByteSink& downstream_;
  Sha256 hash_;
};

}  // namespace

std::optional<StoredParquetFile> StoredParquetFile::scan(storage::Storage& storage,
                                                         const std::string& key) {
  StoredParquetFile file;
  file.key_ = key;
  parquet::TailSink tail(kTailBytes);
  Hashing hashing(tail);
  if (!storage.read_into(key, hashing)) return std::nullopt;
  file.size_ = tail.size();
  file.sha256_ = hashing.hex();
  file.tail_ = tail.tail();
  return file;
}

void StoredParquetFile::read_rows(
    storage::Storage& storage,
    const std::function<void(const parquet::ParquetTextReader&)>& on_open,
    const parquet::ParquetTextReader::RowCallback& on_row) const {
  const uint32_t length = parquet::footer_length(tail_);
  if (size_ < 12 || length > size_ - 12) {
    fail(ErrorKind::data_error, "parquet: the footer length ({} bytes) is larger than the file",
         length);
  }
  std::string footer;
  if (length + parquet::kFooterTrailerBytes <= tail_.size()) {
    footer = tail_.substr(tail_.size() - parquet::kFooterTrailerBytes - length, length);
  } else {
    parquet::RangeSink range(size_ - parquet::kFooterTrailerBytes - length,
                             size_ - parquet::kFooterTrailerBytes);
    Hashing hashing(range);
    if (!storage.read_into(key_, hashing) || hashing.hex() != sha256_) {
      fail(ErrorKind::data_error, "the file changed between two reads of it");
    }
    footer = range.bytes();
  }
  parquet::ParquetTextReader reader(footer);
  on_open(reader);
  parquet::RowGroupStream rows(reader, on_row);
  Hashing hashing(rows);
  if (!storage.read_into(key_, hashing) || hashing.hex() != sha256_) {
    fail(ErrorKind::data_error, "the file changed between two reads of it");
  }
  rows.finish();
}

}  // namespace pgexport::cdc
