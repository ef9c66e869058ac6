// A directory as a destination. Objects are written to a hidden temporary file beside their
// final name, fsynced, and renamed into place on commit, so a reader (or a crash) never sees a
// partial file under a final name.
#pragma once

#include <filesystem>

#include "storage/storage.hpp"

namespace pgexport::storage {

class LocalStorage final : public Storage {
 public:
  // `option` names the setting that chose the directory, for error messages.
  explicit LocalStorage(std::filesystem::path root, std::string option = "--destination");

  std::string describe() const override { return root_.string(); }
  void check_writable() override;
  std::unique_ptr<ObjectWriter> create(const std::string& key) override;
  std::optional<std::string> read(const std::string& key) override;
  std::vector<std::string> list(const std::string& prefix) override;
  void remove(const std::string& key) override;
  void remove_prefix(const std::string& prefix) override;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  std::string option_;
};

// Marks temporary files so list() can skip them and a cleanup can find them.
inline constexpr std::string_view kPartialSuffix = ".partial";

}  // namespace pgexport::storage
