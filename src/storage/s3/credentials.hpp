// AWS credentials and where they come from. A CredentialsProvider hands out credentials
// that are valid now; temporary ones are refreshed a few minutes before they expire.
// Secrets never reach logs or error messages: Credentials format themselves redacted.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace pgexport::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  // When temporary credentials stop working; nullopt for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expiration;
  // Which source produced them ("environment", "profile default", "imds", ...), for logs.
  std::string source;
};

// "AKIA…MPLE (secret redacted, session token redacted, expires 2026-…Z, from imds)": the
// only way Credentials are ever rendered.
std::string redacted(const Credentials& credentials);
inline std::ostream& operator<<(std::ostream& out, const Credentials& credentials) {
  return out << redacted(credentials);
}

// Parses the timestamps AWS puts in "Expiration": "2026-11-24T20:35:43Z", optionally with
// fractional seconds or a "+00:00" offset. nullopt when it is not one.
std::optional<std::chrono::system_clock::time_point> parse_aws_timestamp(std::string_view text);

// Reads an environment variable; injectable so tests need not touch the process environment.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvironmentLookup process_environment();

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Credentials valid for at least a few more minutes. Thread-safe. Throws pgexport::Error
  // (credentials_error, or a retryable kind while the source is unreachable).
  virtual Credentials get() = 0;
  // S3 rejected the current credentials as expired: fetch new ones on the next get().
  virtual void invalidate() {}
};

// One place credentials may come from, tried in order by the chain.
class CredentialsSource {
 public:
  virtual ~CredentialsSource() = default;
  // "environment", "web identity", ...: names the source in logs and errors.
  virtual std::string name() const = 0;
  // Fetches credentials, or nullopt when this source is not configured (its environment
  // variables are unset, its file does not exist), with `why_not` saying so. A source that
  // is configured but fails throws pgexport::Error instead of falling through, because
  // silently using other credentials would hide a misconfiguration.
  virtual std::optional<Credentials> fetch(std::string& why_not) = 0;
};

// Serves credentials from the first configured source, caching them and refreshing
// temporary ones `refresh_margin` before they expire. Thread-safe: one refresh at a time,
// other callers wait for it. When a refresh fails while the old credentials are still
// valid, it keeps them (with a warning) and tries again on the next call.
class CachingCredentialsProvider final : public CredentialsProvider {
 public:
  // Five minutes: IMDS and ECS rotate credentials at least that long before expiry, and it
  // comfortably covers a retried part upload that is signed just before the cutoff.
  static constexpr std::chrono::minutes kDefaultRefreshMargin{5};

  using Clock = std::function<std::chrono::system_clock::time_point()>;

  explicit CachingCredentialsProvider(std::vector<std::unique_ptr<CredentialsSource>> sources,
                                      std::chrono::seconds refresh_margin = kDefaultRefreshMargin,
                                      Clock clock = nullptr);
  Credentials get() override;
  void invalidate() override;

 private:
  Credentials fetch_locked();
  bool fresh_locked(std::chrono::system_clock::time_point now) const;

  std::vector<std::unique_ptr<CredentialsSource>> sources_;
  std::chrono::seconds refresh_margin_;
  Clock clock_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
  CredentialsSource* chosen_ = nullptr;  // the source that answered first; sticks for refreshes
};

// Always the same credentials (tests, and explicitly configured keys).
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials)
      : credentials_(std::move(credentials)) {}
  Credentials get() override { return credentials_; }

 private:
  Credentials credentials_;
};

}  // namespace pgexport::s3

template <>
struct fmt::formatter<pgexport::s3::Credentials> : fmt::formatter<std::string> {
  auto format(const pgexport::s3::Credentials& credentials, format_context& context) const {
    return fmt::formatter<std::string>::format(pgexport::s3::redacted(credentials), context);
  }
};
