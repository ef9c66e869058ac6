#include "storage/s3/credentials.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"

namespace pgexport::s3 {

namespace {
// An access key id is not a secret (it appears in CloudTrail and in S3's own error
// bodies), but showing only its ends is enough to tell two identities apart.
std::string masked_key_id(const std::string& id) {
  // Eight characters or fewer would be shown almost whole: hide them entirely.
  constexpr size_t kShown = 4;
  if (id.size() <= 2 * kShown) return "****";
  return id.substr(0, kShown) + "…" + id.substr(id.size() - kShown);
}
}  // namespace

std::string redacted(const Credentials& credentials) {
  std::string out = masked_key_id(credentials.access_key_id);
  out += " (secret redacted";
  if (!credentials.session_token.empty()) out += ", session token redacted";
  if (credentials.expiration) {
    out += ", expires " + format_utc_timestamp(*credentials.expiration);
  }
  if (!credentials.source.empty()) out += ", from " + credentials.source;
  out += ')';
  return out;
}

std::optional<std::chrono::system_clock::time_point> parse_aws_timestamp(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(static_cast<size_t>(consumed));
  if (rest.starts_with('.')) {
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
      rest.remove_prefix(1);
    }
  }
  if (rest != "Z" && rest != "+00:00" && rest != "z") return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year},
                            std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return sys_days{date} + hours{hour} + minutes{minute} + seconds{second};
}

EnvironmentLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;  // set-but-empty means unset
    return std::string(value);
  };
}

CachingCredentialsProvider::CachingCredentialsProvider(
    std::vector<std::unique_ptr<CredentialsSource>> sources, std::chrono::seconds refresh_margin,
    Clock clock)
    : sources_(std::move(sources)),
      refresh_margin_(refresh_margin),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

bool CachingCredentialsProvider::fresh_locked(std::chrono::system_clock::time_point now) const {
  if (!cached_) return false;
  if (!cached_->expiration) return true;
  return now + refresh_margin_ < *cached_->expiration;
}

Credentials CachingCredentialsProvider::get() {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  if (fresh_locked(now)) return *cached_;
  try {
    cached_ = fetch_locked();
  } catch (const Error& error) {
    // Still valid, just inside the refresh margin: keep working and try again next time.
    if (cached_ && cached_->expiration && now < *cached_->expiration) {
      log::warn("credentials refresh failed; using the current ones until they expire",
                {log::field("error", error.what()), log::field("credentials", redacted(*cached_))});
      return *cached_;
    }
    throw;
  }
  log::info("credentials loaded", {log::field("credentials", redacted(*cached_))});
  return *cached_;
}

void CachingCredentialsProvider::invalidate() {
  std::lock_guard lock(mutex_);
  cached_.reset();
}

Credentials CachingCredentialsProvider::fetch_locked() {
  if (chosen_ != nullptr) {
    std::string why_not;
    if (auto credentials = chosen_->fetch(why_not)) {
      if (credentials->source.empty()) credentials->source = chosen_->name();
      return *credentials;
    }
    fail(ErrorKind::credentials_error, "credentials from {} are no longer available: {}",
         chosen_->name(), why_not);
  }
  std::string tried;
  for (const auto& source : sources_) {
    std::string why_not;
    if (auto credentials = source->fetch(why_not)) {
      chosen_ = source.get();
      if (credentials->source.empty()) credentials->source = source->name();
      return *credentials;
    }
    if (!tried.empty()) tried += "; ";
    tried += source->name() + ": " + why_not;
  }
  fail(ErrorKind::credentials_error,
       "no AWS credentials found (tried {}); set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
       "AWS_PROFILE, or run with an IAM role (ECS task role, EC2 instance profile, web identity)",
       tried);
}

}  // namespace pgexport::s3
