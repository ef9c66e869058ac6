#include "common/digest.hpp"

#include <openssl/hmac.h>

#include <stdexcept>

namespace pgexport {

namespace {
EVP_MD_CTX* new_context(const EVP_MD* algorithm) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (context == nullptr || EVP_DigestInit_ex(context, algorithm, nullptr) != 1) {
    EVP_MD_CTX_free(context);
    throw std::bad_alloc();
  }
  return context;
}

template <size_t N>
std::array<unsigned char, N> finish_context(EVP_MD_CTX* context) {
  std::array<unsigned char, N> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(context, digest.data(), &length);
  return digest;
}
}  // namespace

Sha256::Sha256() : context_(new_context(EVP_sha256())) {}
Sha256::~Sha256() {
  EVP_MD_CTX_free(context_);
}
void Sha256::update(std::string_view bytes) {
  EVP_DigestUpdate(context_, bytes.data(), bytes.size());
}
Sha256Digest Sha256::finish() {
  return finish_context<32>(context_);
}

Md5::Md5() : context_(new_context(EVP_md5())) {}
Md5::~Md5() {
  EVP_MD_CTX_free(context_);
}
void Md5::update(std::string_view bytes) {
  EVP_DigestUpdate(context_, bytes.data(), bytes.size());
}
Md5Digest Md5::finish() {
  return finish_context<16>(context_);
}

Sha256Digest sha256(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.finish();
}

Md5Digest md5(std::string_view bytes) {
  Md5 hash;
  hash.update(bytes);
  return hash.finish();
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) {
  Sha256Digest digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &length);
  return digest;
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

}  // namespace pgexport
