// The destination seam. A Storage is a flat namespace of objects under one root (a directory
// or an s3://bucket/prefix); keys are relative to that root and use '/' as separator.
// An ObjectWriter becomes visible under its key only when commit() returns; an object that
// is aborted, or destroyed without commit, is never visible to readers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/byte_sink.hpp"

namespace pgexport::storage {

// What a committed object is, as recorded in the manifest.
struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string sha256_hex;  // of the stored bytes
};

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

  // Fails early, with destination_unwritable, when objects cannot be created at all.
  virtual void check_writable() = 0;

  // Starts a new object. Nothing is visible until commit().
  virtual std::unique_ptr<ObjectWriter> create(const std::string& key) = 0;

  // Reads a whole (small) object, or nullopt if it does not exist.
  virtual std::optional<std::string> read(const std::string& key) = 0;

  // Keys of committed objects under a prefix, in no particular order.
  virtual std::vector<std::string> list(const std::string& prefix) = 0;

  // Removes an object; removing a missing object is not an error.
  virtual void remove(const std::string& key) = 0;

  // Removes everything under a prefix that a failed run may have left behind, including
  // unfinished uploads where the backend has them.
  virtual void remove_prefix(const std::string& prefix) = 0;
};

// Writes a small object in one go (manifests, pointers) and commits it.
ObjectInfo put_object(Storage& storage, const std::string& key, std::string_view bytes);

}  // namespace pgexport::storage
