#include "storage/local/local_storage.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <functional>
#include <utility>

#include "common/digest.hpp"
#include "common/error.hpp"

namespace pgexport::storage {

namespace fs = std::filesystem;

namespace {

// Writes reach the kernel in blocks of this size: few syscalls, and little memory per file.
constexpr size_t kWriteBuffer = 1 << 20;
// read_into() streams in pieces of this size, for the same reasons.
constexpr size_t kReadPiece = 1 << 20;

// One per directory that holds conditionally replaced objects; replace_if_unchanged() holds
// an exclusive flock() on it while it compares and renames. It is never removed: unlinking a
// lock file while another process waits on it would let a third lock a new file of the same
// name, and the two would no longer exclude each other.
constexpr std::string_view kLockName = ".pgexport.lock";
// check_writable()'s probe files.
constexpr std::string_view kProbePrefix = ".pgexport-probe.";

std::string errno_text(int error) {
  return std::strerror(error);
}

[[noreturn]] void fail_errno(const char* operation, const fs::path& path, int error) {
  // A full file system is the one cause the user can fix on the spot (a spool on a small
  // volume, most often), so it gets its own advice.
  const char* advice = (error == ENOSPC || error == EDQUOT)
                           ? " (the file system is full: give the directory more room, or, for a "
                             "--spool, export without one)"
                           : "";
  fail(ErrorKind::storage_error, "{} of {} failed: {}{}", operation, path.string(),
       errno_text(error), advice);
}

// ENOENT: nothing has the name. ENOTDIR: a component of the path is a file, so nothing can.
bool names_nothing(int error) {
  return error == ENOENT || error == ENOTDIR;
}

// pgexport's own hidden files, which are never objects.
bool is_internal_name(std::string_view name) {
  return (name.size() > kPartialSuffix.size() && name.ends_with(kPartialSuffix)) ||
         name == kLockName || name.starts_with(kProbePrefix);
}

// ".<name>.<pid>.<n>.partial" beside the final file: hidden, unique among the threads and
// processes of one host, and the final name can be read back from it.
fs::path temporary_path(const fs::path& final_path) {
  static std::atomic<uint64_t> counter{0};
  return final_path.parent_path() /
         ("." + final_path.filename().string() + "." + std::to_string(::getpid()) + "." +
          std::to_string(counter++) + std::string(kPartialSuffix));
}

// The final name a temporary file was made for, or nullopt when the name is not one.
std::optional<std::string> final_name_of_temporary(std::string_view name) {
  if (!name.starts_with('.') || !name.ends_with(kPartialSuffix)) return std::nullopt;
  name.remove_prefix(1);
  name.remove_suffix(kPartialSuffix.size());
  for (int number = 0; number < 2; ++number) {  // ".<n>", then ".<pid>"
    const size_t dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return std::nullopt;
    for (char c : name.substr(dot + 1)) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    name = name.substr(0, dot);
  }
  return std::string(name);
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

int64_t mtime_ns(const struct stat& status) {
  return int64_t{status.st_mtim.tv_sec} * 1'000'000'000 + status.st_mtim.tv_nsec;
}

TimePoint modified_time(const struct stat& status) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(mtime_ns(status))));
}

// The version replace_if_unchanged() compares. A content digest would read every byte of a
// large file; this costs one stat(). It changes on every replace: the new file is a new
// inode, created while the old one still exists, so the inode differs from the one it
// replaces. An inode number freed by a replace may be reused by a later one, so
// replace_if_unchanged() also makes each replacement's mtime later than its predecessor's:
// an old version can then never come back (no ABA).
std::string version_of(const struct stat& status) {
  return fmt::format("{}-{}-{}", static_cast<uint64_t>(status.st_ino), mtime_ns(status),
                     static_cast<uint64_t>(status.st_size));
}

void fsync_directory(const fs::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // Some file systems cannot open directories; the rename still happened.
  ::fsync(fd);
  ::close(fd);
}

void write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      fail_errno("write", path, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
}

// Makes the file's mtime later than `previous_ns`. Steps: 1 ns for file systems that keep
// nanoseconds (ext4, xfs, NFSv4/EFS), then whole seconds, then FAT's two seconds, so a file
// system that rounds the time still ends up later.
void make_mtime_later_than(int fd, int64_t previous_ns, const fs::path& path) {
  static constexpr std::array<int64_t, 3> kSteps = {1, 1'000'000'000, 2'000'000'000};
  for (int64_t step : kSteps) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) fail_errno("stat", path, errno);
    if (mtime_ns(status) > previous_ns) return;
    const int64_t wanted = previous_ns + step;
    const std::array<timespec, 2> times = {
        timespec{0, UTIME_OMIT}, timespec{wanted / 1'000'000'000, wanted % 1'000'000'000}};
    if (::futimens(fd, times.data()) != 0) fail_errno("futimens", path, errno);
  }
  struct stat status {};
  if (::fstat(fd, &status) != 0 || mtime_ns(status) <= previous_ns) {
    fail(ErrorKind::storage_error,
         "cannot give {} a later modification time than the file it replaces", path.string());
  }
}

// Creates `path` (which must not exist) with `bytes`, durably. With `replaces_mtime_ns`, its
// mtime is made later than that.
void write_new_file(const fs::path& path, std::string_view bytes,
                    std::optional<int64_t> replaces_mtime_ns = std::nullopt) {
  FileDescriptor file(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!file.valid()) {
    fail(ErrorKind::destination_unwritable, "cannot create {}: {}", path.string(),
         errno_text(errno));
  }
  try {
    write_all(file.get(), bytes, path);
    if (replaces_mtime_ns) make_mtime_later_than(file.get(), *replaces_mtime_ns, path);
    if (::fsync(file.get()) != 0) fail_errno("fsync", path, errno);
  } catch (...) {
    ::unlink(path.c_str());
    throw;
  }
}

[[noreturn]] void fail_not_a_file(const fs::path& path, const struct stat& status) {
  fail(ErrorKind::storage_error, "{} is {}, not an object file", path.string(),
       S_ISDIR(status.st_mode) ? "a directory" : "a special file");
}

// Opens an object for reading: nullopt when the key names nothing; throws for every other
// failure, including a key that names a directory.
std::optional<FileDescriptor> open_object(const fs::path& path, struct stat& status) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (names_nothing(error)) return std::nullopt;
    fail_errno("open", path, error);
  }
  std::optional<FileDescriptor> file(std::in_place, fd);
  if (::fstat(fd, &status) != 0) fail_errno("stat", path, errno);
  if (!S_ISREG(status.st_mode)) fail_not_a_file(path, status);
  return file;
}

// Reads from `fd` to its end, handing each piece to `consume`.
void read_pieces(int fd, const fs::path& path, const std::function<void(std::string_view)>& consume,
                 size_t piece_size) {
  std::string buffer(piece_size, '\0');
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      fail_errno("read", path, errno);
    }
    if (got == 0) return;
    consume(std::string_view(buffer.data(), static_cast<size_t>(got)));
  }
}

std::string read_whole(int fd, const fs::path& path, const struct stat& status) {
  std::string contents;
  contents.reserve(static_cast<size_t>(status.st_size));
  read_pieces(
      fd, path, [&](std::string_view piece) { contents.append(piece); }, kReadPiece);
  return contents;
}

using Visit =
    std::function<void(const fs::path& path, const std::string& name, const std::string& key)>;

// Calls visit(path, name, key) for every regular file in root/relative and below it,
// recursively (not following links to directories, as std::filesystem's recursive
// iteration does not either); key is the file's path relative to root, with '/'.
// A directory that vanishes meanwhile (a concurrent remove_prefix) reads as empty; every
// other failure throws, so a listing is never silently short.
void walk_directory(const fs::path& root, const fs::path& relative, const Visit& visit) {
  const fs::path directory = relative.empty() ? root : root / relative;
  std::error_code error;
  fs::directory_iterator it(directory, error);
  for (const fs::directory_iterator end;; it.increment(error)) {
    if (error) {
      if (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory) {
        return;
      }
      fail(ErrorKind::storage_error, "cannot list {}: {}", directory.string(), error.message());
    }
    if (it == end) return;
    const std::string name = it->path().filename().string();
    const fs::path key = relative.empty() ? fs::path(name) : relative / name;
    std::error_code type_error;
    const fs::file_status link_status = it->symlink_status(type_error);
    if (type_error) continue;  // vanished since the directory was read
    if (fs::is_directory(link_status)) {
      walk_directory(root, key, visit);
    } else if (it->is_regular_file(type_error)) {
      visit(it->path(), name, key.generic_string());
    }
  }
}

// Every file under the directory a prefix lives in. A prefix may end inside a name
// ("runs/2026"): its directory is walked, and the caller filters keys by text.
void walk_prefix(const fs::path& root, const std::string& prefix, const Visit& visit) {
  const fs::path start(prefix);
  const fs::path relative = prefix.empty() || prefix.back() == '/' ? start : start.parent_path();
  walk_directory(root, relative, visit);
}

class LocalObjectWriter final : public ObjectWriter {
 public:
  LocalObjectWriter(fs::path final_path, std::string key, std::optional<uint64_t> largest_object,
                    const std::string& option)
      : final_(std::move(final_path)),
        temporary_(temporary_path(final_)),
        key_(std::move(key)),
        largest_object_(largest_object),
        option_(option) {
    std::error_code error;
    fs::create_directories(final_.parent_path(), error);
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      fail(ErrorKind::destination_unwritable, "cannot create {}: {}", temporary_.string(),
           errno_text(errno));
    }
    buffer_.reserve(kWriteBuffer);
  }

  ~LocalObjectWriter() override { abort(); }

  void write(std::string_view bytes) override {
    if (largest_object_ && size_ + bytes.size() > *largest_object_) {
      fail(ErrorKind::storage_error,
           "{} would grow past {} bytes, the largest object this {} may hold (for a --spool: "
           "the largest object its destination stores)",
           final_.string(), *largest_object_, option_);
    }
    hash_.update(bytes);
    size_ += bytes.size();
    if (buffer_.size() + bytes.size() > kWriteBuffer) flush();
    if (bytes.size() >= kWriteBuffer) {
      write_all(fd_, bytes, final_);
    } else {
      buffer_.append(bytes);
    }
  }

  ObjectInfo commit() override {
    flush();
    if (::fsync(fd_) != 0) fail_errno("fsync", final_, errno);
    ::close(fd_);
    fd_ = -1;
    if (::rename(temporary_.c_str(), final_.c_str()) != 0) fail_errno("rename", final_, errno);
    fsync_directory(final_.parent_path());
    committed_ = true;
    return ObjectInfo{key_, size_, hex_encode(hash_.finish())};
  }

  void abort() noexcept override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!committed_) ::unlink(temporary_.c_str());
  }

 private:
  void flush() {
    write_all(fd_, buffer_, final_);
    buffer_.clear();
  }

  fs::path final_;
  fs::path temporary_;
  std::string key_;
  std::optional<uint64_t> largest_object_;
  std::string option_;
  int fd_ = -1;
  std::string buffer_;
  Sha256 hash_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace

LocalStorage::LocalStorage(fs::path root, std::string option,
                           std::optional<uint64_t> largest_object)
    : root_(std::move(root)), option_(std::move(option)), largest_object_(largest_object) {}

void LocalStorage::check_writable() {
  std::error_code error;
  fs::create_directories(root_, error);
  if (error) {
    fail(ErrorKind::destination_unwritable,
         "cannot create the directory {}: {} (choose a writable {})", root_.string(),
         error.message(), option_);
  }
  static std::atomic<uint64_t> counter{0};
  const std::string name = fmt::format("{}{}.{}", kProbePrefix, ::getpid(), counter.fetch_add(1));
  const fs::path probe = root_ / name;
  const fs::path link = root_ / (name + ".link");
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail(ErrorKind::destination_unwritable,
         "cannot write to the directory {}: {} (choose a writable {})", root_.string(),
         errno_text(errno), option_);
  }
  ::close(fd);
  const int linked = ::link(probe.c_str(), link.c_str());
  const int link_error = errno;
  ::unlink(link.c_str());
  ::unlink(probe.c_str());
  if (linked != 0) {
    fail(ErrorKind::destination_unwritable,
         "the file system of {} cannot make hard links ({}), which pgexport needs to create "
         "objects only once (choose another {})",
         root_.string(), errno_text(link_error), option_);
  }
}

std::unique_ptr<ObjectWriter> LocalStorage::create(const std::string& key) {
  return std::make_unique<LocalObjectWriter>(root_ / key, key, largest_object_, option_);
}

ConditionalWrite LocalStorage::create_if_absent(const std::string& key, std::string_view bytes) {
  const fs::path final_path = root_ / key;
  std::error_code ignored;  // a failure shows when the file is created
  fs::create_directories(final_path.parent_path(), ignored);
  const fs::path temporary = temporary_path(final_path);
  write_new_file(temporary, bytes);
  // link() fails when the name exists, atomically: of several processes or threads, exactly
  // one links, and the file appears complete because it was fsynced first.
  const int linked = ::link(temporary.c_str(), final_path.c_str());
  const int error = errno;
  ::unlink(temporary.c_str());
  if (linked != 0) {
    if (error == EEXIST) return ConditionalWrite::condition_failed;
    fail_errno("link", final_path, error);
  }
  fsync_directory(final_path.parent_path());
  return ConditionalWrite::written;
}

ConditionalWrite LocalStorage::replace_if_unchanged(const std::string& key, std::string_view bytes,
                                                    const std::string& expected_version) {
  const fs::path final_path = root_ / key;
  const fs::path directory = final_path.parent_path();
  const fs::path lock_path = directory / kLockName;
  FileDescriptor lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock.valid()) {
    const int error = errno;
    if (names_nothing(error)) return ConditionalWrite::condition_failed;  // no directory
    fail_errno("open", lock_path, error);
  }
  while (::flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) fail_errno("flock", lock_path, errno);
  }
  // Locked: no other replace_if_unchanged() of this directory can rename in between the
  // comparison and the rename below. The lock goes with the descriptor.
  struct stat current {};
  if (::stat(final_path.c_str(), &current) != 0) {
    const int error = errno;
    if (names_nothing(error)) return ConditionalWrite::condition_failed;
    fail_errno("stat", final_path, error);
  }
  if (!S_ISREG(current.st_mode)) fail_not_a_file(final_path, current);
  if (version_of(current) != expected_version) return ConditionalWrite::condition_failed;
  const fs::path temporary = temporary_path(final_path);
  write_new_file(temporary, bytes, mtime_ns(current));
  if (::rename(temporary.c_str(), final_path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    fail_errno("rename", final_path, error);
  }
  fsync_directory(directory);
  return ConditionalWrite::written;
}

std::optional<std::string> LocalStorage::read(const std::string& key) {
  const fs::path path = root_ / key;
  struct stat status {};
  auto file = open_object(path, status);
  if (!file) return std::nullopt;
  return read_whole(file->get(), path, status);
}

std::optional<VersionedObject> LocalStorage::read_versioned(const std::string& key) {
  const fs::path path = root_ / key;
  struct stat status {};
  // The version comes from the open file, so it is the version of exactly these bytes even
  // when a replacement is renamed over the name meanwhile.
  auto file = open_object(path, status);
  if (!file) return std::nullopt;
  std::string bytes = read_whole(file->get(), path, status);
  return VersionedObject{std::move(bytes), version_of(status)};
}

bool LocalStorage::read_into(const std::string& key, ByteSink& sink) {
  const fs::path path = root_ / key;
  struct stat status {};
  auto file = open_object(path, status);
  if (!file) return false;
  read_pieces(
      file->get(), path, [&](std::string_view piece) { sink.write(piece); }, kReadPiece);
  return true;
}

std::optional<ObjectStat> LocalStorage::stat(const std::string& key) {
  const fs::path path = root_ / key;
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    const int error = errno;
    if (names_nothing(error)) return std::nullopt;
    fail_errno("stat", path, error);
  }
  if (!S_ISREG(status.st_mode)) fail_not_a_file(path, status);
  return ObjectStat{key, static_cast<uint64_t>(status.st_size), version_of(status),
                    modified_time(status)};
}

std::vector<std::string> LocalStorage::list(const std::string& prefix) {
  std::vector<std::string> keys;
  walk_prefix(root_, prefix, [&](const fs::path&, const std::string& name, const std::string& key) {
    if (!is_internal_name(name) && key.starts_with(prefix)) keys.push_back(key);
  });
  return keys;
}

std::vector<ObjectStat> LocalStorage::list_detailed(const std::string& prefix) {
  std::vector<ObjectStat> objects;
  walk_prefix(root_, prefix,
              [&](const fs::path& path, const std::string& name, const std::string& key) {
                if (is_internal_name(name) || !key.starts_with(prefix)) return;
                struct stat status {};
                if (::stat(path.c_str(), &status) != 0) {
                  if (names_nothing(errno)) return;  // removed since the directory was read
                  fail_errno("stat", path, errno);
                }
                objects.push_back({key, static_cast<uint64_t>(status.st_size), version_of(status),
                                   modified_time(status)});
              });
  return objects;
}

std::vector<PendingUpload> LocalStorage::list_pending_uploads(const std::string& prefix) {
  std::vector<PendingUpload> pending;
  walk_prefix(root_, prefix,
              [&](const fs::path& path, const std::string& name, const std::string& id) {
                const auto final_name = final_name_of_temporary(name);
                if (!final_name) return;
                const fs::path final_path = path.parent_path() / *final_name;
                std::string key = final_path.lexically_relative(root_).generic_string();
                if (!key.starts_with(prefix)) return;
                struct stat status {};
                if (::stat(path.c_str(), &status) != 0) {
                  if (names_nothing(errno)) return;  // committed or aborted meanwhile
                  fail_errno("stat", path, errno);
                }
                pending.push_back({std::move(key), id, modified_time(status)});
              });
  return pending;
}

void LocalStorage::abort_pending_upload(const PendingUpload& upload) {
  const fs::path relative(upload.id);
  bool escapes = relative.is_absolute();
  for (const auto& part : relative) escapes = escapes || part == "..";
  if (escapes || !final_name_of_temporary(relative.filename().string())) {
    fail(ErrorKind::internal, "'{}' is not a temporary file of {}", upload.id, root_.string());
  }
  const fs::path path = root_ / relative;
  if (::unlink(path.c_str()) != 0 && !names_nothing(errno)) fail_errno("unlink", path, errno);
}

void LocalStorage::remove(const std::string& key) {
  std::error_code error;
  fs::remove(root_ / key, error);
}

void LocalStorage::remove_prefix(const std::string& prefix) {
  std::error_code error;
  fs::path target = root_ / prefix;
  if (!prefix.empty() && prefix.back() == '/') {
    fs::remove_all(target, error);
    // Directories are not objects: an emptied runs/<id>/ would otherwise stay behind for good.
    for (fs::path parent = target.parent_path().parent_path();
         parent != root_ && parent.native().starts_with(root_.native()) &&
         fs::is_empty(parent, error);
         parent = parent.parent_path()) {
      fs::remove(parent, error);
    }
    return;
  }
  for (const auto& key : list(prefix)) remove(key);
}

}  // namespace pgexport::storage
