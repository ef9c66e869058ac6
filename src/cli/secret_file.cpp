#include "cli/secret_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/error.hpp"

namespace pgexport::cli {

namespace {

// An RDS IAM token is about 1.5 KB and no one types a longer password or key; a larger file is
// the wrong file (a certificate bundle, a log), and reading it whole would be pointless.
constexpr size_t kMaxSecretBytes = 64 * 1024;

}  // namespace

std::string read_secret_file(const std::string& path, const SecretFileRules& rules) {
  std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    fail(ErrorKind::usage, "{} {}: cannot be read: {}; mount the secret there or fix the path",
         rules.option, path, std::strerror(errno));
  }
  std::string content(kMaxSecretBytes + 1, '\0');
  const size_t size = std::fread(content.data(), 1, content.size(), file.get());
  if (std::ferror(file.get())) {
    fail(ErrorKind::usage, "{} {}: cannot be read: {}; give the path of a file", rules.option, path,
         std::strerror(errno));
  }
  if (size > kMaxSecretBytes) {
    fail(ErrorKind::usage, "{} {}: is larger than {} KiB, so it is not a {} file", rules.option,
         path, kMaxSecretBytes / 1024, rules.kind);
  }
  content.resize(size);
  if (content.ends_with('\n')) content.pop_back();
  if (content.ends_with('\r')) content.pop_back();
  if (content.empty()) {
    fail(ErrorKind::usage, "{} {}: is empty; it must hold {}", rules.option, path, rules.holds);
  }
  if (content.find_first_of(std::string_view("\n\r\0", 3)) != std::string::npos) {
    fail(ErrorKind::usage,
         "{} {}: holds more than one line or a NUL byte; it must hold only {} (one trailing "
         "newline is allowed)",
         rules.option, path, rules.holds);
  }
  return content;
}

}  // namespace pgexport::cli
