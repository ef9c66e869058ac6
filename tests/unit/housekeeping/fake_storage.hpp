// An in-memory Storage for housekeeping's unit tests: objects with sizes, versions and
// modified times taken from a settable clock, pending uploads, and a journal of every call
// that changes something, so tests can assert what was (and was not) done, and in what order.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/digest.hpp"
#include "storage/storage.hpp"

namespace pgexport::housekeeping::testing {

using storage::TimePoint;

// Time in tests: starts at a fixed instant and moves only when told to.
struct FakeClock {
  TimePoint now = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 11 / 24));
  void advance(std::chrono::system_clock::duration by) { now += by; }
};

class FakeStorage final : public storage::Storage {
 public:
  explicit FakeStorage(FakeClock& clock) : clock_(clock) {}

  struct Object {
    std::string bytes;
    TimePoint modified;
    std::string version;
  };

  // Test setup, not journaled: an object written at the clock's current time.
  void put(const std::string& key, std::string bytes) {
    objects_[key] = {std::move(bytes), clock_.now, next_version()};
  }
  void start_upload(const std::string& key) {
    pending_.push_back({key, fmt::format("upload-{}", pending_.size() + 1), clock_.now});
  }
  bool has(const std::string& key) const { return objects_.count(key) != 0; }
  std::string& bytes_of(const std::string& key) { return objects_.at(key).bytes; }
  std::vector<std::string> keys() const {
    std::vector<std::string> all;
    for (const auto& [key, object] : objects_) all.push_back(key);
    return all;
  }
  const std::vector<storage::PendingUpload>& pending() const { return pending_; }
  // Every change made through the Storage interface, e.g. "remove runs/a/_manifest.json".
  const std::vector<std::string>& journal() const { return journal_; }

  std::string describe() const override { return "fake://destination"; }
  void check_writable() override {}
  bool supports_conditional_writes() const override { return true; }

  std::unique_ptr<storage::ObjectWriter> create(const std::string& key) override {
    return std::make_unique<Writer>(*this, key);
  }
  storage::ConditionalWrite create_if_absent(const std::string& key,
                                             std::string_view bytes) override {
    if (has(key)) return storage::ConditionalWrite::condition_failed;
    journal_.push_back("create " + key);
    put(key, std::string(bytes));
    return storage::ConditionalWrite::written;
  }
  storage::ConditionalWrite replace_if_unchanged(const std::string& key, std::string_view bytes,
                                                 const std::string& expected_version) override {
    if (!has(key) || objects_[key].version != expected_version) {
      return storage::ConditionalWrite::condition_failed;
    }
    journal_.push_back("replace " + key);
    put(key, std::string(bytes));
    return storage::ConditionalWrite::written;
  }
  std::optional<std::string> read(const std::string& key) override {
    if (!has(key)) return std::nullopt;
    return objects_[key].bytes;
  }
  std::optional<storage::VersionedObject> read_versioned(const std::string& key) override {
    if (!has(key)) return std::nullopt;
    return storage::VersionedObject{objects_[key].bytes, objects_[key].version};
  }
  bool read_into(const std::string& key, ByteSink& sink) override {
    if (!has(key)) return false;
    // Small, odd-sized pieces, so consumers are exercised across chunk boundaries.
    std::string_view bytes = objects_[key].bytes;
    for (size_t at = 0; at < bytes.size(); at += kReadChunk)
      sink.write(bytes.substr(at, kReadChunk));
    return true;
  }
  std::optional<storage::ObjectStat> stat(const std::string& key) override {
    if (!has(key)) return std::nullopt;
    return stat_of(key, objects_[key]);
  }
  std::vector<std::string> list(const std::string& prefix) override {
    std::vector<std::string> found;
    for (const auto& [key, object] : objects_) {
      if (key.starts_with(prefix)) found.push_back(key);
    }
    return found;
  }
  std::vector<storage::ObjectStat> list_detailed(const std::string& prefix) override {
    std::vector<storage::ObjectStat> found;
    for (const auto& [key, object] : objects_) {
      if (key.starts_with(prefix)) found.push_back(stat_of(key, object));
    }
    // The seam promises no order; reversed, so nothing relies on one.
    std::reverse(found.begin(), found.end());
    return found;
  }
  std::vector<storage::PendingUpload> list_pending_uploads(const std::string& prefix) override {
    std::vector<storage::PendingUpload> found;
    for (const auto& upload : pending_) {
      if (upload.key.starts_with(prefix)) found.push_back(upload);
    }
    return found;
  }
  void abort_pending_upload(const storage::PendingUpload& upload) override {
    journal_.push_back("abort " + upload.key + " " + upload.id);
    std::erase_if(pending_, [&](const auto& p) { return p.id == upload.id; });
  }
  void remove(const std::string& key) override {
    journal_.push_back("remove " + key);
    objects_.erase(key);
  }
  void remove_prefix(const std::string& prefix) override {
    journal_.push_back("remove_prefix " + prefix);
    std::erase_if(objects_, [&](const auto& entry) { return entry.first.starts_with(prefix); });
    std::erase_if(pending_, [&](const auto& p) { return p.key.starts_with(prefix); });
  }

 private:
  // A prime, so that no record or frame boundary lines up with a piece boundary by accident.
  static constexpr size_t kReadChunk = 4099;

  class Writer final : public storage::ObjectWriter {
   public:
    Writer(FakeStorage& storage, std::string key) : storage_(storage), key_(std::move(key)) {}
    void write(std::string_view bytes) override { bytes_.append(bytes); }
    storage::ObjectInfo commit() override {
      storage_.journal_.push_back("commit " + key_);
      storage_.put(key_, bytes_);
      return {key_, bytes_.size(), hex_encode(sha256(bytes_))};
    }
    void abort() noexcept override {}

   private:
    FakeStorage& storage_;
    std::string key_;
    std::string bytes_;
  };

  std::string next_version() { return fmt::format("v{}", ++versions_); }
  static storage::ObjectStat stat_of(const std::string& key, const Object& object) {
    return {key, object.bytes.size(), object.version, object.modified};
  }

  FakeClock& clock_;
  std::map<std::string, Object> objects_;
  std::vector<storage::PendingUpload> pending_;
  std::vector<std::string> journal_;
  int versions_ = 0;
};

}  // namespace pgexport::housekeeping::testing
