#include "export/spooled_export.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "common/cancellation.hpp"
#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "export/commit.hpp"
#include "export/layout.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::exporter {

namespace fs = std::filesystem;

namespace {

// Files are streamed to the destination in pieces of this size, so an upload needs no more
// memory than the destination's own part buffers.
constexpr size_t kUploadChunk = 4 << 20;

// The run a spool holds, if its export phase completed (its manifest is there).
std::optional<std::string> completed_spool_run(storage::LocalStorage& spool) {
  for (const auto& key : spool.list("runs/")) {
    if (key.ends_with("/_manifest.json")) {
      return key.substr(5, key.size() - 5 - std::string_view("/_manifest.json").size());
    }
  }
  return std::nullopt;
}

// Copies one spooled file to the destination, checking as it goes that the bytes match what
// the manifest recorded when the file was written: a damaged spool is never published, since
// the object is aborted before it becomes visible.
void upload_file(storage::LocalStorage& spool, storage::Storage& destination,
                 const std::string& key, const std::string& expected_sha256) {
  std::ifstream file(spool.root() / key, std::ios::binary);
  if (!file) {
    fail(ErrorKind::storage_error, "spooled file {} is missing; remove the spool {} and run again",
         (spool.root() / key).string(), spool.root().string());
  }
  auto writer = destination.create(key);
  Sha256 hash;
  std::string buffer(kUploadChunk, '\0');
  while (file) {
    throw_if_stop_requested();
    file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::string_view piece(buffer.data(), static_cast<size_t>(file.gcount()));
    if (piece.empty()) continue;
    hash.update(piece);
    writer->write(piece);
  }
  if (file.bad()) {
    fail(ErrorKind::storage_error, "cannot read spooled file {}", (spool.root() / key).string());
  }
  if (hex_encode(hash.finish()) != expected_sha256) {
    writer->abort();
    fail(ErrorKind::storage_error,
         "spooled file {} does not match the checksum recorded when it was written; remove the "
         "spool {} and run again",
         (spool.root() / key).string(), spool.root().string());
  }
  writer->commit();
}

// Uploads every file of the spooled run that the destination does not have yet, with `jobs`
// parallel uploads, then creates the manifest (once) and moves the latest pointer. Every
// state a crash can leave is completed: files partly uploaded, the manifest created but
// latest.json not moved, or everything published but the spool not yet emptied.
// Returns whether latest.json now names the run.
bool publish(storage::LocalStorage& spool, storage::Storage& destination, const std::string& run_id,
             int jobs, std::chrono::seconds cleanup_timeout) {
  const std::string manifest_text = *spool.read(manifest_key(run_id));
  const auto manifest = nlohmann::json::parse(manifest_text);
  const std::string attempt = manifest.value("attempt", std::string());
  if (attempt.empty()) {
    fail(ErrorKind::usage,
         "the spool {} holds a run written by an older pgexport; remove it and run again",
         spool.root().string());
  }
  if (auto published = destination.read(manifest_key(run_id))) {
    if (*published != manifest_text) {
      fail(ErrorKind::run_exists,
           "{} already holds run '{}' from another export; remove the spool {} or choose another "
           "--run-id",
           destination.describe(), run_id, spool.root().string());
    }
    log::info("the spooled run is already published", {{"run_id", run_id}});
  } else {
    // Objects become visible only when complete, so a key that exists is fully uploaded.
    auto present_keys = destination.list(attempt_prefix(run_id, attempt));
    std::set<std::string> present(present_keys.begin(), present_keys.end());
    std::vector<std::pair<std::string, std::string>> pending;
    const std::optional<uint64_t> largest_object = destination.largest_object_bytes();
    for (const auto& table : manifest["tables"]) {
      for (const auto& file : table["files"]) {
        std::string key = file["key"];
        if (present.count(key)) continue;
        // The export rolled its files at the destination's largest object, but a resumed
        // upload may run with settings that make it smaller (a lower --memory-limit leases
        // fewer part buffers): refuse before uploading anything rather than fail mid-way.
        const uint64_t bytes = file["bytes"];
        if (largest_object && bytes > *largest_object) {
          fail(ErrorKind::usage,
               "spooled file {} is {} bytes, more than the {} bytes {} can store as one object "
               "with these settings; run again with the --memory-limit and --part-size the export "
               "ran with, or remove the spool {} and run again",
               key, bytes, *largest_object, destination.describe(), spool.root().string());
        }
        pending.emplace_back(key, file["sha256"]);
      }
    }
    log::info("uploading spooled run", {{"run_id", run_id},
                                        log::field("files", pending.size()),
                                        log::field("already_uploaded", present.size())});
    std::atomic<size_t> next{0};
    std::mutex mutex;
    std::exception_ptr error;
    std::vector<std::thread> threads;
    for (int i = 0; i < std::max(1, jobs); ++i) {
      threads.emplace_back([&] {
        try {
          for (size_t index = next++; index < pending.size(); index = next++) {
            {
              std::lock_guard lock(mutex);
              if (error) return;
            }
            upload_file(spool, destination, pending[index].first, pending[index].second);
          }
        } catch (...) {
          std::lock_guard lock(mutex);
          if (!error) error = std::current_exception();
        }
      });
    }
    for (auto& thread : threads) thread.join();
    // What was uploaded stays: the spool still holds the run, and a re-run resumes from it.
    if (error) std::rethrow_exception(error);
    if (create_manifest(destination, run_id, manifest_text) == ManifestOutcome::already_exists) {
      CleanupWindow window(cleanup_timeout);
      destination.remove_prefix(attempt_prefix(run_id, attempt));
      fail(ErrorKind::run_exists,
           "another export committed run '{}' in {} first; the spooled attempt's uploads were "
           "removed; remove the spool {} or choose another --run-id",
           run_id, destination.describe(), spool.root().string());
    }
  }
  return publish_latest_pointer(destination, run_id, manifest.value("snapshot_at", std::string()),
                                manifest.value("finished_at", std::string()));
}

ExportSummary summary_from_manifest(const std::string& run_id, const std::string& manifest_text) {
  auto manifest = nlohmann::json::parse(manifest_text);
  ExportSummary summary;
  summary.run_id = run_id;
  summary.manifest_key = manifest_key(run_id);
  summary.snapshot = manifest["source"]["snapshot"]["snapshot_id"];
  for (const auto& table : manifest["tables"]) {
    ++summary.tables;
    summary.rows += table["rows"].get<uint64_t>();
    for (const auto& file : table["files"]) {
      ++summary.files;
      summary.stored_bytes += file["bytes"].get<uint64_t>();
    }
  }
  return summary;
}

}  // namespace

ExportSummary run_spooled_export(const ExportConfig& config, const format::Format& format,
                                 const fs::path& spool_directory, storage::Storage& destination) {
  auto started = std::chrono::steady_clock::now();
  // The spool reports the destination's largest object, so the export rolls its files there
  // (file_roll.hpp) and each spooled file uploads as one object.
  storage::LocalStorage spool(spool_directory, "--spool", destination.largest_object_bytes());
  spool.check_writable();
  destination.check_writable();

  ExportSummary summary;
  std::optional<std::string> run_id = completed_spool_run(spool);
  if (run_id) {
    log::info("resuming the upload of a spooled run; the database is not read again",
              {{"run_id", *run_id}, {"spool", spool_directory.string()}});
    summary = summary_from_manifest(*run_id, *spool.read(manifest_key(*run_id)));
  } else {
    // Leftovers of an export phase that died before its manifest are useless: its snapshot
    // is gone. Start over.
    spool.remove_prefix("runs/");
    spool.remove(std::string(kLatestKey));
    check_run_is_new(destination, config.run_id);
    ExportConfig into_spool = config;
    into_spool.move_latest_pointer = false;  // the destination's pointer moves on publish
    summary = run_export(into_spool, format, spool);
    run_id = config.run_id;
  }
  summary.latest_moved = publish(spool, destination, *run_id, config.jobs, config.cleanup_timeout);
  spool.remove_prefix("runs/");
  spool.remove(std::string(kLatestKey));
  // Export and upload together: what the job took, resumed or not.
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace pgexport::exporter
