#include "http/url.hpp"

#include <gtest/gtest.h>

#include "http/http.hpp"

namespace pgexport::http {
namespace {

TEST(Url, ParsesHostPortAndPath) {
  auto url = parse_url("HTTPS://S3.us-gov-west-1.amazonaws.com:8443/a/b?c=d");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "s3.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path_and_query, "/a/b?c=d");
  EXPECT_EQ(url->authority(), "s3.us-gov-west-1.amazonaws.com:8443");
}

TEST(Url, DefaultPortIsLeftOutOfTheAuthority) {
  auto url = parse_url("http://127.0.0.1:80");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->authority(), "127.0.0.1");
  EXPECT_EQ(url->effective_port(), 80);
  EXPECT_EQ(parse_url("https://h")->effective_port(), 443);
}

TEST(Url, Ipv6) {
  auto url = parse_url("http://[fd00:ec2::23]:8080/creds");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "fd00:ec2::23");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->origin(), "http://[fd00:ec2::23]:8080");
}

TEST(Url, RejectsWhatIsNotAnHttpUrl) {
  EXPECT_FALSE(parse_url("s3://bucket/prefix"));
  EXPECT_FALSE(parse_url("example.com"));
  EXPECT_FALSE(parse_url("http://"));
  EXPECT_FALSE(parse_url("http://h:0"));
  EXPECT_FALSE(parse_url("http://h:99999"));
  EXPECT_FALSE(parse_url("http://user:pw@h/"));
}

TEST(Headers, LookupIgnoresCase) {
  Headers headers = {{"Content-Type", "a"}, {"x-amz-request-id", "b"}};
  EXPECT_EQ(find_header(headers, "content-type"), "a");
  EXPECT_EQ(find_header(headers, "X-Amz-Request-Id"), "b");
  EXPECT_FALSE(find_header(headers, "etag"));
}

}  // namespace
}  // namespace pgexport::http
