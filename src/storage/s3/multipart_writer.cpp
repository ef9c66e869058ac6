#include "storage/s3/multipart_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "common/error.hpp"
#include "common/log.hpp"

namespace pgexport::s3 {

namespace {
// The first allocation for a part buffer; the buffer grows geometrically from here up to
// the part size, so a 300-byte manifest does not allocate 8 MiB.
constexpr uint64_t kInitialBufferCapacity = 64 * 1024;
}  // namespace

uint64_t part_size_for(int number, const MultipartConfig& config) {
  const int step = (std::max(number, 1) - 1) / std::max(config.parts_per_size_step, 1);
  uint64_t size = config.initial_part_size;
  for (int i = 0; i < step && size < config.max_part_size; ++i) size *= 2;
  return std::min(size, config.max_part_size);
}

uint64_t largest_object_bytes(const MultipartConfig& config, uint64_t budget_bytes) {
  uint64_t total = 0;
  for (int number = 1; number <= kMaxParts; ++number) {
    const uint64_t part = part_size_for(number, config);
    if (part > budget_bytes) break;
    total += part;
    if (total >= kMaxObjectBytes) return kMaxObjectBytes;
  }
  return total;
}

MultipartObjectWriter::MultipartObjectWriter(std::shared_ptr<S3Client> client, std::string key,
                                             std::string reported_key, MultipartConfig config,
                                             std::shared_ptr<MemoryBudget> budget)
    : client_(std::move(client)),
      key_(std::move(key)),
      reported_key_(std::move(reported_key)),
      config_(config),
      budget_(std::move(budget)) {}

MultipartObjectWriter::~MultipartObjectWriter() {
  if (state_ != State::open) return;
  try {
    log::warn("S3 object abandoned without commit; discarding it",
              {log::field("object", client_->describe(key_))});
  } catch (...) {
    // Logging failed (out of memory): the abort below matters more.
  }
  abort();
}

void MultipartObjectWriter::ensure_open() const {
  if (state_ != State::open) {
    fail(ErrorKind::internal, "{}: write or commit after {}", client_->describe(key_),
         state_ == State::committed ? "commit" : "abort or failure");
  }
}

void MultipartObjectWriter::write(std::string_view bytes) {
  ensure_open();
  try {
    append(bytes);
  } catch (...) {
    abort();
    throw;
  }
}

void MultipartObjectWriter::append(std::string_view bytes) {
  while (!bytes.empty()) {
    if (buffer_limit_ == 0) {
      // A new part: lease its full size before filling it. Leasing up front (rather than as
      // the buffer grows) means a writer never holds part of a buffer while waiting for the
      // rest, which is how budgets shared by many writers deadlock.
      buffer_limit_ = part_size_for(parts_sent_ + 1, config_);
      if (budget_ != nullptr) buffer_lease_ = budget_->acquire(buffer_limit_);
    }
    const size_t take =
        static_cast<size_t>(std::min<uint64_t>(bytes.size(), buffer_limit_ - buffer_.size()));
    if (buffer_.capacity() < buffer_.size() + take) {
      // Grow geometrically but never past the part size, so the buffer stays within the lease.
      const uint64_t wanted = std::max<uint64_t>(
          {buffer_.size() + take, 2 * uint64_t{buffer_.capacity()}, kInitialBufferCapacity});
      buffer_.reserve(static_cast<size_t>(std::min(wanted, buffer_limit_)));
    }
    const std::string_view piece = bytes.substr(0, take);
    buffer_.append(piece);
    sha256_.update(piece);
    size_ += take;
    bytes.remove_prefix(take);
    if (buffer_.size() == buffer_limit_) send_buffer_as_part();
  }
}

void MultipartObjectWriter::send_buffer_as_part() {
  if (upload_id_.empty()) upload_id_ = client_->create_multipart_upload(key_);
  collect_finished_parts();
  while (in_flight_.size() >= static_cast<size_t>(std::max(config_.max_parts_in_flight, 1))) {
    collect_oldest_part();
  }
  const int number = ++parts_sent_;
  if (number > kMaxParts) {
    fail(ErrorKind::internal, "{}: more than {} parts; the part size schedule is wrong",
         client_->describe(key_), kMaxParts);
  }
  // The task owns the buffer and its lease. It moves them into locals so they are freed the
  // moment the upload ends, successfully or not: the callable itself lives in the future's
  // shared state until the writer collects the result, which may be much later, and a
  // writer blocked on the budget must not wait for memory its own finished parts hold.
  // Exceptions travel back through the future.
  in_flight_.push_back(
      {number, std::async(std::launch::async, [client = client_, key = key_, upload_id = upload_id_,
                                               number, buffer = std::move(buffer_),
                                               lease = std::move(buffer_lease_)]() mutable {
         const std::string part = std::move(buffer);
         const MemoryLease held = std::move(lease);
         return client->upload_part(key, upload_id, number, part);
       })});
  buffer_ = std::string();
  buffer_lease_ = MemoryLease();
  buffer_limit_ = 0;
}

void MultipartObjectWriter::collect_oldest_part() {
  PartInFlight part = std::move(in_flight_.front());
  in_flight_.pop_front();
  completed_.push_back(part.result.get());  // rethrows the upload's error
}

void MultipartObjectWriter::collect_finished_parts() {
  while (!in_flight_.empty() &&
         in_flight_.front().result.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    collect_oldest_part();
  }
}

void MultipartObjectWriter::finish_upload() {
  if (!buffer_.empty()) send_buffer_as_part();  // the last part may be small
  while (!in_flight_.empty()) collect_oldest_part();
  std::sort(completed_.begin(), completed_.end(),
            [](const CompletedPart& a, const CompletedPart& b) { return a.number < b.number; });
  client_->complete_multipart_upload(key_, upload_id_, completed_);
}

storage::ObjectInfo MultipartObjectWriter::commit() {
  ensure_open();
  const std::string sha256_hex = hex_encode(sha256_.finish());
  try {
    if (upload_id_.empty()) {
      // Fits in one part: one request, nothing to abort. The object's hash is also the
      // payload's, so a signed request needs no second pass over the bytes.
      client_->put_object(key_, buffer_, sha256_hex);
    } else {
      finish_upload();
    }
  } catch (...) {
    abort();
    throw;
  }
  state_ = State::committed;
  buffer_ = std::string();
  buffer_lease_.release();
  log::debug("S3 object committed", {log::field("object", client_->describe(key_)),
                                     log::field("bytes", size_), log::field("parts", parts_sent_)});
  return storage::ObjectInfo{reported_key_, size_, sha256_hex};
}

void MultipartObjectWriter::abort() noexcept {
  if (state_ != State::open) return;
  state_ = State::aborted;
  // Let running part uploads end first: a part that lands after the abort would be
  // stored (and billed) until a lifecycle rule removes it.
  for (auto& part : in_flight_) {
    try {
      part.result.get();
    } catch (...) {
      // The upload is being abandoned; its own error no longer matters.
    }
  }
  in_flight_.clear();
  buffer_ = std::string();
  buffer_lease_.release();
  if (upload_id_.empty()) return;
  try {
    client_->abort_multipart_upload(key_, upload_id_);
    log::info("S3 multipart upload aborted", {log::field("object", client_->describe(key_))});
  } catch (const std::exception& error) {
    try {
      log::warn(
          "could not abort S3 multipart upload; 'cleanup' or a bucket lifecycle rule "
          "(AbortIncompleteMultipartUpload) will remove its parts",
          {log::field("object", client_->describe(key_)), log::field("upload_id", upload_id_),
           log::field("error", error.what())});
    } catch (...) {
      // Nothing more can be done from a noexcept path.
    }
  } catch (...) {
    // Not a std::exception: nothing to report, and abort() must not throw.
  }
}

}  // namespace pgexport::s3
