// Hashes and byte encodings over OpenSSL: SHA-256 for manifests and SigV4, MD5 for S3's
// Content-MD5, HMAC-SHA256 for SigV4 keys, hex and base64 renderings.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pgexport {

using Sha256Digest = std::array<unsigned char, 32>;
using Md5Digest = std::array<unsigned char, 16>;

// Incremental SHA-256 (files are hashed as they stream past).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  Sha256Digest finish();

 private:
  EVP_MD_CTX* context_;
};

// Incremental MD5; used only where S3 demands it (Content-MD5), never for security.
class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void update(std::string_view bytes);
  Md5Digest finish();

 private:
  EVP_MD_CTX* context_;
};

Sha256Digest sha256(std::string_view bytes);
Md5Digest md5(std::string_view bytes);
Sha256Digest hmac_sha256(std::string_view key, std::string_view message);

std::string hex_encode(std::string_view bytes);
template <size_t N>
std::string hex_encode(const std::array<unsigned char, N>& digest) {
  return hex_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), N));
}
std::string base64_encode(std::string_view bytes);
template <size_t N>
std::string base64_encode(const std::array<unsigned char, N>& digest) {
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), N));
}

}  // namespace pgexport
