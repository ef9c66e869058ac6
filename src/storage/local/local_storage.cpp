#include "storage/local/local_storage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/digest.hpp"
#include "common/error.hpp"

namespace pgexport::storage {

namespace fs = std::filesystem;

namespace {

// Writes reach the kernel in blocks of this size: few syscalls, and little memory per file.
constexpr size_t kWriteBuffer = 1 << 20;

std::string errno_text(int error) {
  return std::strerror(error);
}

void fsync_directory(const fs::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // Some file systems cannot open directories; the rename still happened.
  ::fsync(fd);
  ::close(fd);
}

class LocalObjectWriter final : public ObjectWriter {
 public:
  LocalObjectWriter(fs::path final_path, std::string key)
      : final_(std::move(final_path)), key_(std::move(key)) {
    static std::atomic<uint64_t> counter{0};
    temporary_ = final_.parent_path() /
                 ("." + final_.filename().string() + "." + std::to_string(::getpid()) + "." +
                  std::to_string(counter++) + std::string(kPartialSuffix));
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
    hash_.update(bytes);
    size_ += bytes.size();
    if (buffer_.size() + bytes.size() > kWriteBuffer) flush();
    if (bytes.size() >= kWriteBuffer) {
      write_all(bytes);
    } else {
      buffer_.append(bytes);
    }
  }

  ObjectInfo commit() override {
    flush();
    if (::fsync(fd_) != 0) fail_io("fsync");
    ::close(fd_);
    fd_ = -1;
    if (::rename(temporary_.c_str(), final_.c_str()) != 0) fail_io("rename");
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
    write_all(buffer_);
    buffer_.clear();
  }

  void write_all(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t written = ::write(fd_, bytes.data(), bytes.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        fail_io("write");
      }
      bytes.remove_prefix(static_cast<size_t>(written));
    }
  }

  [[noreturn]] void fail_io(const char* operation) {
    int error = errno;
    fail(ErrorKind::storage_error, "{} of {} failed: {}", operation, final_.string(),
         errno_text(error));
  }

  fs::path final_;
  fs::path temporary_;
  std::string key_;
  int fd_ = -1;
  std::string buffer_;
  Sha256 hash_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace

LocalStorage::LocalStorage(fs::path root, std::string option)
    : root_(std::move(root)), option_(std::move(option)) {}

void LocalStorage::check_writable() {
  std::error_code error;
  fs::create_directories(root_, error);
  if (error) {
    fail(ErrorKind::destination_unwritable,
         "cannot create the directory {}: {} (choose a writable {})", root_.string(),
         error.message(), option_);
  }
  fs::path probe = root_ / (".pgexport-probe." + std::to_string(::getpid()));
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail(ErrorKind::destination_unwritable,
         "cannot write to the directory {}: {} (choose a writable {})", root_.string(),
         errno_text(errno), option_);
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

std::unique_ptr<ObjectWriter> LocalStorage::create(const std::string& key) {
  return std::make_unique<LocalObjectWriter>(root_ / key, key);
}

std::optional<std::string> LocalStorage::read(const std::string& key) {
  std::ifstream file(root_ / key, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::vector<std::string> LocalStorage::list(const std::string& prefix) {
  std::vector<std::string> keys;
  // A prefix may end inside a name ("runs/2026"); walk its directory and filter by text.
  fs::path start = root_ / prefix;
  fs::path directory = prefix.empty() || prefix.back() == '/' ? start : start.parent_path();
  std::error_code error;
  if (!fs::is_directory(directory, error)) return keys;
  for (auto it = fs::recursive_directory_iterator(directory, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file()) continue;
    std::string name = it->path().filename().string();
    if (name.size() > kPartialSuffix.size() && name.ends_with(kPartialSuffix)) continue;
    std::string key = fs::relative(it->path(), root_).generic_string();
    if (key.starts_with(prefix)) keys.push_back(std::move(key));
  }
  return keys;
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
    return;
  }
  for (const auto& key : list(prefix)) remove(key);
}

}  // namespace pgexport::storage
