#include "storage/s3/sigv4.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <tuple>

#include "common/digest.hpp"
#include "common/time_format.hpp"

namespace pgexport::s3 {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string_view as_view(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

bool unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims the value and folds each run of spaces into one, as the canonical form requires.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// RFC 3986 dot-segment removal plus collapsing of empty segments.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> kept;
  auto segments = split_segments(path);
  bool trailing_slash = false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto segment = segments[i];
    const bool last = i + 1 == segments.size();
    if (segment.empty() || segment == ".") {
      if (last) trailing_slash = true;
    } else if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
      if (last) trailing_slash = true;
    } else {
      kept.push_back(segment);
    }
  }
  std::string out;
  for (auto segment : kept) {
    out += '/';
    out += uri_encode(segment, false);
  }
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

// Derives the signing key; cached because the four HMACs depend only on the secret, the
// day, the region and the service. The cache is keyed by a hash of the secret so that no
// second copy of the secret lives in it.
Sha256Digest signing_key(std::string_view secret, std::string_view date, std::string_view region,
                         std::string_view service) {
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  // A process signs with a handful of identities over a day or two; more entries mean
  // rotated credentials, and dropping the lot then costs four HMACs per identity.
  constexpr size_t kMaxEntries = 64;
  static std::mutex mutex;
  static std::map<Key, Sha256Digest> cache;

  Key key{hex_encode(sha256(secret)), std::string(date), std::string(region), std::string(service)};
  {
    std::lock_guard lock(mutex);
    if (auto found = cache.find(key); found != cache.end()) return found->second;
  }
  const std::string seed = fmt::format("AWS4{}", secret);
  Sha256Digest derived = hmac_sha256(seed, date);
  derived = hmac_sha256(as_view(derived), region);
  derived = hmac_sha256(as_view(derived), service);
  derived = hmac_sha256(as_view(derived), "aws4_request");
  std::lock_guard lock(mutex);
  if (cache.size() >= kMaxEntries) cache.clear();
  cache.emplace(std::move(key), derived);
  return derived;
}

std::string credential_scope(std::string_view date, std::string_view region,
                             std::string_view service) {
  return fmt::format("{}/{}/{}/aws4_request", date, region, service);
}

std::string string_to_sign(std::string_view timestamp, std::string_view scope,
                           std::string_view canonical_request) {
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, timestamp, scope,
                     hex_encode(sha256(canonical_request)));
}

std::string signature_of(std::string_view string_to_sign, const Credentials& credentials,
                         std::string_view date, std::string_view region, std::string_view service) {
  const Sha256Digest key = signing_key(credentials.secret_access_key, date, region, service);
  return hex_encode(hmac_sha256(as_view(key), string_to_sign));
}

}  // namespace

std::string uri_encode(std::string_view bytes, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string canonical_uri(std::string_view decoded_path, PathRules rules) {
  if (rules == PathRules::normalize) return normalize_path(decoded_path);
  if (decoded_path.empty()) return "/";
  return uri_encode(decoded_path, true);
}

std::string canonical_query_string(const std::vector<NameValue>& query) {
  std::vector<NameValue> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

SigningResult sign_v4(const SigningInput& input, const Credentials& credentials) {
  SigningResult result;
  const std::string timestamp = format_utc_compact(input.time);  // 20150830T123600Z
  const std::string date = timestamp.substr(0, 8);

  result.headers.emplace_back("x-amz-date", timestamp);
  if (input.add_content_sha256_header) {
    result.headers.emplace_back("x-amz-content-sha256", std::string(input.payload_sha256));
  }
  const bool has_token = !credentials.session_token.empty();
  if (has_token && input.sign_session_token) {
    result.headers.emplace_back("x-amz-security-token", credentials.session_token);
  }

  // Canonical headers: lowercase names, sorted; repeated names joined with ',' in order.
  std::vector<NameValue> headers;
  for (const auto& [name, value] : input.headers) headers.emplace_back(lowercase(name), value);
  for (const auto& [name, value] : result.headers) headers.emplace_back(name, value);
  std::stable_sort(headers.begin(), headers.end(),
                   [](const NameValue& a, const NameValue& b) { return a.first < b.first; });
  std::string canonical_headers;
  std::string signed_headers;
  for (size_t i = 0; i < headers.size(); ++i) {
    const auto& name = headers[i].first;
    if (i > 0 && headers[i - 1].first == name) {
      canonical_headers.back() = ',';  // replaces the newline of the previous value
    } else {
      if (!signed_headers.empty()) signed_headers += ';';
      signed_headers += name;
      canonical_headers += name;
      canonical_headers += ':';
    }
    canonical_headers += canonical_header_value(headers[i].second);
    canonical_headers += '\n';
  }

  result.canonical_request = fmt::format(
      "{}\n{}\n{}\n{}\n{}\n{}", input.method, canonical_uri(input.path, input.path_rules),
      canonical_query_string(input.query), canonical_headers, signed_headers, input.payload_sha256);

  const std::string scope = credential_scope(date, input.region, input.service);
  result.string_to_sign = string_to_sign(timestamp, scope, result.canonical_request);
  const std::string signature =
      signature_of(result.string_to_sign, credentials, date, input.region, input.service);
  result.authorization =
      fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                  credentials.access_key_id, scope, signed_headers, signature);

  if (has_token && !input.sign_session_token) {
    result.headers.emplace_back("x-amz-security-token", credentials.session_token);
  }
  result.headers.emplace_back("authorization", result.authorization);
  return result;
}

PresignResult presign_v4(const PresignInput& input, const Credentials& credentials) {
  PresignResult result;
  const std::string timestamp = format_utc_compact(input.time);
  const std::string date = timestamp.substr(0, 8);
  const std::string scope = credential_scope(date, input.region, input.service);

  std::vector<NameValue> query = input.query;
  query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  query.emplace_back("X-Amz-Credential", fmt::format("{}/{}", credentials.access_key_id, scope));
  query.emplace_back("X-Amz-Date", timestamp);
  query.emplace_back("X-Amz-Expires", std::to_string(input.expires.count()));
  // Signed, as every SDK does for a presigned URL: the token is part of what the URL grants.
  if (!credentials.session_token.empty()) {
    query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  query.emplace_back("X-Amz-SignedHeaders", "host");
  const std::string canonical_query = canonical_query_string(query);

  result.canonical_request =
      fmt::format("{}\n{}\n{}\nhost:{}\n\nhost\n{}", input.method,
                  canonical_uri(input.path, PathRules::normalize), canonical_query,
                  canonical_header_value(input.host), input.payload_sha256);
  result.string_to_sign = string_to_sign(timestamp, scope, result.canonical_request);
  result.query = fmt::format(
      "{}&X-Amz-Signature={}", canonical_query,
      signature_of(result.string_to_sign, credentials, date, input.region, input.service));
  return result;
}

}  // namespace pgexport::s3
