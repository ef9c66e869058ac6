// The destination seam. A Storage is a flat namespace of objects under one root (a directory
// or an s3://bucket/prefix); keys are relative to that root and use '/' as separator.
// An ObjectWriter becomes visible under its key only when commit() returns; an object that
// is aborted, or destroyed without commit, is never visible to readers.
//
// Besides plain writes the seam has the verbs that commits need (create-if-absent and
// replace-if-unchanged, as S3's If-None-Match / If-Match give them), stat, and listings with
// times for housekeeping. "Not found" is always a value (nullopt, false), never an exception;
// every other failure throws pgexport::Error.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_sink.hpp"

namespace pgexport::storage {

using TimePoint = std::chrono::system_clock::time_point;

// What a committed object is, as recorded in the manifest.
struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string sha256_hex;  // of the stored bytes
};

// An object as the store describes it. `version` identifies this state of the object for
// replace_if_unchanged(): S3's ETag, or for a directory the file's inode, modification time
// and size (cheap for large files; see storage/local/local_storage.cpp).
struct ObjectStat {
  std::string key;
  uint64_t size = 0;
  std::string version;
  TimePoint modified;
};

// A small object read together with the version it was read at.
struct VersionedObject {
  std::string bytes;
  std::string version;
};

// Something started and never finished: an S3 multipart upload, or a directory's hidden
// temporary file. Housekeeping aborts those older than a grace period.
struct PendingUpload {
  std::string key;  // the key it would have become
  std::string id;   // what abort_pending_upload() needs (upload id, temporary file name)
  TimePoint started;
};

// The outcome of a conditional write: the object was written, or the condition did not hold
// (an object exists already / the object changed or vanished) and nothing was changed.
enum class ConditionalWrite { written, condition_failed };

class ObjectWriter : public ByteSink {
 public:
  // Destructors must not throw; an uncommitted writer aborts itself.
  ~ObjectWriter() override = default;
  // Makes the object visible, atomically. After commit, no other call is allowed.
  virtual ObjectInfo commit() = 0;
  // Discards everything written; safe to call more than once and after a failed write.
  virtual void abort() noexcept = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // A URL-like description for logs and errors: "/data/exports" or "s3://bucket/prefix".
  virtual std::string describe() const = 0;

  // Fails early, with destination_unwritable, when objects cannot be created at all. Also
  // learns whether the store honours conditional writes (see supports_conditional_writes).
  virtual void check_writable() = 0;

  // Whether create_if_absent/replace_if_unchanged are enforced by the store. A directory
  // always does; an S3-compatible store that ignores If-None-Match does not, and then the
  // conditional verbs behave as plain writes (documented in docs/s3.md). Known only after
  // check_writable(); true before it.
  virtual bool supports_conditional_writes() const = 0;

  // Starts a new object. Nothing is visible until commit().
  virtual std::unique_ptr<ObjectWriter> create(const std::string& key) = 0;
  // The largest object one writer of create() can store, or nullopt when only the file system
  // bounds it. Writers of data files roll to a new file before they reach it.
  virtual std::optional<uint64_t> largest_object_bytes() const { return std::nullopt; }

  // Writes a small object only if no object has `key`; returns condition_failed, changing
  // nothing, when one exists. Exactly one of several concurrent callers gets `written`.
  virtual ConditionalWrite create_if_absent(const std::string& key, std::string_view bytes) = 0;

  // Replaces a small object only if it is still at `expected_version` (from stat() or
  // read_versioned()); returns condition_failed, changing nothing, when it has changed or
  // vanished meanwhile.
  virtual ConditionalWrite replace_if_unchanged(const std::string& key, std::string_view bytes,
                                                const std::string& expected_version) = 0;

  // Reads a whole (small) object, or nullopt if it does not exist.
  virtual std::optional<std::string> read(const std::string& key) = 0;

  // Reads a whole (small) object with its version, or nullopt if it does not exist.
  virtual std::optional<VersionedObject> read_versioned(const std::string& key) = 0;

  // Streams a whole object of any size into `sink`; false (nothing written) if it does not
  // exist. Memory does not grow with the object's size.
  virtual bool read_into(const std::string& key, ByteSink& sink) = 0;

  // Size, version and time of one object, or nullopt if it does not exist.
  virtual std::optional<ObjectStat> stat(const std::string& key) = 0;

  // Keys of committed objects under a prefix, in no particular order.
  virtual std::vector<std::string> list(const std::string& prefix) = 0;

  // Committed objects under a prefix with size, version and time, in no particular order.
  virtual std::vector<ObjectStat> list_detailed(const std::string& prefix) = 0;

  // Uploads under a prefix that were started and never committed or aborted.
  virtual std::vector<PendingUpload> list_pending_uploads(const std::string& prefix) = 0;

  // Discards one pending upload; one that no longer exists is not an error.
  virtual void abort_pending_upload(const PendingUpload& upload) = 0;

  // Removes an object; removing a missing object is not an error.
  virtual void remove(const std::string& key) = 0;

  // Removes everything under a prefix that a failed run may have left behind, including
  // unfinished uploads where the backend has them.
  virtual void remove_prefix(const std::string& prefix) = 0;
};

// create_if_absent() for a commit point (a manifest, a log entry), whose outcome must be known:
// when the store fails in a way that may hide it (a timeout after the request was sent), the
// object is read back: `written` if it holds `bytes` (the earlier request acted), and
// condition_failed if it holds other bytes; if it is absent the original error is rethrown. If
// even the read fails, `unknown(create_error, read_error)` is called, and must throw.
// Interruptions are rethrown at once.
ConditionalWrite create_commit_point(
    Storage& storage, const std::string& key, std::string_view bytes,
    const std::function<void(const std::exception& create_error, const std::exception& read_error)>&
        unknown);

// Writes a small object in one go (manifests, pointers) and commits it.
ObjectInfo put_object(Storage& storage, const std::string& key, std::string_view bytes);

}  // namespace pgexport::storage
