// An S3 object written as a stream: bytes are buffered up to one part; an object that fits
// in one part is sent with a single PutObject at commit, a larger one as a multipart upload
// started lazily, with a bounded number of parts uploading in the background. Part buffers
// are leased from a MemoryBudget, so all writers together stay under --memory-limit.
// Nothing is visible until commit(); a failure, abort() or destruction without commit
// aborts the multipart upload.
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "common/digest.hpp"
#include "common/memory_budget.hpp"
#include "storage/s3/s3_client.hpp"
#include "storage/storage.hpp"

namespace pgexport::s3 {

inline constexpr uint64_t kMebibyte = uint64_t{1} << 20;

struct MultipartConfig {
  // 8 MiB: comfortably above S3's 5 MiB minimum for non-last parts, the AWS CLI's default,
  // and small enough that most tables go up as one PutObject and a writer with four parts in
  // flight holds about 40 MiB.
  uint64_t initial_part_size = 8 * kMebibyte;
  // The part size doubles every this many parts. With 8 MiB to start, 10,000 parts hold
  // 8 MiB × 1000 × (1 + 2 + … + 512) ≈ 7.8 TiB, beyond S3's 5 TiB object limit, so the
  // 10,000-part limit is never reached; objects below 8 GB never see a part above 8 MiB.
  int parts_per_size_step = 1000;
  // S3's largest part.
  uint64_t max_part_size = 5 * 1024 * kMebibyte;
  // Parts uploading at once per object: four keep one connection's worth of latency hidden
  // behind the others without letting one writer take the whole memory budget.
  int max_parts_in_flight = 4;
};

// S3's largest part number.
inline constexpr int kMaxParts = 10'000;

// S3's largest object: 5 TiB.
inline constexpr uint64_t kMaxObjectBytes = uint64_t{5} << 40;

// The size of part `number` (1-based) under the config's growth schedule.
uint64_t part_size_for(int number, const MultipartConfig& config);

// The largest object one writer can upload when every part buffer is leased from a budget of
// `budget_bytes`: the sum of the schedule's parts up to the first that does not fit in the
// budget (or up to S3's 10,000 parts), at most S3's 5 TiB. With 8 MiB parts to start and a
// 64 MiB budget: 1000 parts each of 8, 16, 32 and 64 MiB, about 117 GiB.
uint64_t largest_object_bytes(const MultipartConfig& config, uint64_t budget_bytes);

class MultipartObjectWriter final : public storage::ObjectWriter {
 public:
  // `key` is the full S3 key; `reported_key` is what commit() reports (the key relative to
  // the storage root). `budget` may be null: then only parts in flight bound the memory.
  MultipartObjectWriter(std::shared_ptr<S3Client> client, std::string key, std::string reported_key,
                        MultipartConfig config, std::shared_ptr<MemoryBudget> budget);
  ~MultipartObjectWriter() override;
  MultipartObjectWriter(const MultipartObjectWriter&) = delete;
  MultipartObjectWriter& operator=(const MultipartObjectWriter&) = delete;

  void write(std::string_view bytes) override;
  storage::ObjectInfo commit() override;
  void abort() noexcept override;

 private:
  enum class State { open, committed, aborted };

  struct PartInFlight {
    int number;
    std::future<CompletedPart> result;
  };

  void append(std::string_view bytes);
  void send_buffer_as_part();
  void collect_oldest_part();
  void collect_finished_parts();
  void finish_upload();
  void ensure_open() const;

  std::shared_ptr<S3Client> client_;
  const std::string key_;
  const std::string reported_key_;
  const MultipartConfig config_;
  std::shared_ptr<MemoryBudget> budget_;

  State state_ = State::open;
  std::string buffer_;         // the part being filled
  MemoryLease buffer_lease_;   // covers buffer_'s capacity (the whole part, leased up front)
  uint64_t buffer_limit_ = 0;  // size of the part being filled
  std::string upload_id_;      // empty until the first part is sent
  int parts_sent_ = 0;
  std::deque<PartInFlight> in_flight_;
  std::vector<CompletedPart> completed_;
  Sha256 sha256_;
  uint64_t size_ = 0;
};

}  // namespace pgexport::s3
