#include "common/digest.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pgexport {
namespace {

std::string bytes(size_t count, unsigned char value) {
  return std::string(count, static_cast<char>(value));
}

std::string hmac_hex(std::string_view key, std::string_view message) {
  return hex_encode(hmac_sha256(key, message));
}

// RFC 4231, section 4: the HMAC-SHA-256 test vectors. Hashed personal data columns
// (format/hashed_columns.hpp) are this function's output, so a warehouse that reproduces a
// hash with another implementation gets the same digits.
TEST(HmacSha256, MatchesRfc4231TestVectors) {
  EXPECT_EQ(hmac_hex(bytes(20, 0x0b), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hmac_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmac_hex(bytes(20, 0xaa), bytes(50, 0xdd)),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  std::string counting_key;
  for (int i = 1; i <= 25; ++i) counting_key += static_cast<char>(i);
  EXPECT_EQ(hmac_hex(counting_key, bytes(50, 0xcd)),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  // Test case 5 publishes only the first 128 bits.
  EXPECT_EQ(hmac_hex(bytes(20, 0x0c), "Test With Truncation").substr(0, 32),
            "a3b6167473100ee06e0c796c2955552b");
  // Keys longer than SHA-256's 64-byte block are hashed first.
  EXPECT_EQ(hmac_hex(bytes(131, 0xaa), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(hmac_hex(bytes(131, 0xaa),
                     "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the HMAC "
                     "algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256, AnEmptyMessageAndAKeyDifferingInOneByteGiveOtherDigests) {
  const std::string key = "0123456789abcdef0123456789abcdef";
  std::string other = key;
  other.back() = 'e';
  EXPECT_NE(hmac_hex(key, ""), hmac_hex(other, ""));
  EXPECT_EQ(hmac_hex(key, "x"), hmac_hex(key, "x"));
  EXPECT_EQ(hmac_hex(key, "").size(), 64u);
}

}  // namespace
}  // namespace pgexport
