// A directory as a destination. Objects are written to a hidden temporary file beside their
// final name, fsynced, and renamed into place on commit, so a reader (or a crash) never sees a
// partial file under a final name.
//
// Conditional writes are enforced by the file system, among threads and processes alike:
// create_if_absent() links a fsynced temporary file to the final name (link() fails when the
// name exists), and replace_if_unchanged() compares and renames under an exclusive flock() on
// a hidden lock file of the object's directory. An object's version is
// "<inode>-<mtime ns>-<size>" (see version_of in the .cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "storage/storage.hpp"

namespace pgexport::storage {

class LocalStorage final : public Storage {
 public:
  // `option` names the setting that chose the directory, for error messages. A directory
  // bounds no object itself; `largest_object` is for one that stands in for a destination
  // that does: a --spool reports its destination's largest object, so the export rolls its
  // files at that destination's limit and each spooled file uploads as one object. A writer
  // of create() fails, with storage_error, rather than grow past it.
  explicit LocalStorage(std::filesystem::path root, std::string option = "--destination",
                        std::optional<uint64_t> largest_object = std::nullopt);

  std::string describe() const override { return root_.string(); }
  // Creates the directory and writes, hard-links and removes a probe file: create_if_absent()
  // needs hard links, which a few network file systems lack.
  void check_writable() override;
  bool supports_conditional_writes() const override { return true; }
  std::unique_ptr<ObjectWriter> create(const std::string& key) override;
  std::optional<uint64_t> largest_object_bytes() const override { return largest_object_; }
  ConditionalWrite create_if_absent(const std::string& key, std::string_view bytes) override;
  ConditionalWrite replace_if_unchanged(const std::string& key, std::string_view bytes,
                                        const std::string& expected_version) override;
  // The read verbs and stat() return nullopt (false) when the key names nothing (ENOENT, or
  // ENOTDIR: a path component is a file, so no object can be there). Any other failure, a
  // key that names a directory included, throws storage_error naming the path.
  std::optional<std::string> read(const std::string& key) override;
  std::optional<VersionedObject> read_versioned(const std::string& key) override;
  bool read_into(const std::string& key, ByteSink& sink) override;
  std::optional<ObjectStat> stat(const std::string& key) override;
  // Skips pgexport's hidden files: temporaries, lock files, write probes.
  std::vector<std::string> list(const std::string& prefix) override;
  std::vector<ObjectStat> list_detailed(const std::string& prefix) override;
  // The hidden ".<name>.<pid>.<n>.partial" temporaries: key is the final key, id the
  // temporary's path relative to the root, started its modification time.
  std::vector<PendingUpload> list_pending_uploads(const std::string& prefix) override;
  // Removes the temporary file; the id must be one list_pending_uploads() returned.
  void abort_pending_upload(const PendingUpload& upload) override;
  void remove(const std::string& key) override;
  void remove_prefix(const std::string& prefix) override;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  std::string option_;
  std::optional<uint64_t> largest_object_;
};

// Marks temporary files so list() can skip them and a cleanup can find them.
inline constexpr std::string_view kPartialSuffix = ".partial";

}  // namespace pgexport::storage
