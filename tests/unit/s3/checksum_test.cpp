#include "storage/s3/checksum.hpp"

#include <gtest/gtest.h>

namespace pgexport::s3 {
namespace {

TEST(Crc32c, CheckValue) {
  Crc32c crc;
  crc.update("123456789");
  EXPECT_EQ(crc.value(), 0xe3069283u);
  EXPECT_EQ(crc.base64(), "4waSgw==");  // bytes e3 06 92 83
}

TEST(Crc32c, IncrementalEqualsWhole) {
  std::string data(100'000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  Crc32c pieces;
  for (size_t offset = 0; offset < data.size(); offset += 777)
    pieces.update(data.substr(offset, 777));
  EXPECT_EQ(pieces.base64(), crc32c_base64(data));
}

TEST(Crc32c, EmptyInput) {
  EXPECT_EQ(crc32c_base64(""), "AAAAAA==");
}

TEST(ContentMd5, Base64OfTheDigest) {
  EXPECT_EQ(md5_base64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(md5_base64("hello"), "XUFAKrxLKna5cZ2REBfFkg==");
}

}  // namespace
}  // namespace pgexport::s3
