#include "storage/s3/endpoint.hpp"

#include <gtest/gtest.h>

#include <map>

#include "common/error.hpp"

namespace pgexport::s3 {
namespace {

EnvironmentLookup environment(std::map<std::string, std::string> variables) {
  return [variables](const std::string& name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

Endpoint aws(const std::string& bucket, const std::string& region, bool fips = false,
             std::optional<bool> path_style = std::nullopt) {
  EndpointOptions options;
  options.region = region;
  options.fips = fips;
  options.path_style = path_style;
  return Endpoint(bucket, options);
}

TEST(S3Url, BucketAndPrefix) {
  auto location = parse_s3_url("s3://my-bucket/exports/prod/");
  EXPECT_EQ(location.bucket, "my-bucket");
  EXPECT_EQ(location.prefix, "exports/prod");
  EXPECT_EQ(parse_s3_url("s3://my-bucket").prefix, "");
  EXPECT_EQ(parse_s3_url("s3://my-bucket/").prefix, "");
  EXPECT_EQ(parse_s3_url("s3://my.dotted.bucket//a//").prefix, "a");
}

TEST(S3Url, RejectsWhatIsNotOne) {
  for (const char* url :
       {"https://bucket/x", "bucket/x", "s3://", "s3://ab", "s3:///prefix", "s3://bad bucket/x"}) {
    try {
      parse_s3_url(url);
      FAIL() << url;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::usage);
    }
  }
}

TEST(Endpoint, AwsVirtualHosted) {
  const Endpoint endpoint = aws("warehouse", "us-east-2");
  EXPECT_EQ(endpoint.host(), "warehouse.s3.us-east-2.amazonaws.com");
  EXPECT_FALSE(endpoint.path_style());
  EXPECT_EQ(endpoint.path("runs/a b"), "/runs/a b");
  EXPECT_EQ(endpoint.url("runs/a b", {{"uploadId", "x/y"}}),
            "https://warehouse.s3.us-east-2.amazonaws.com/runs/a%20b?uploadId=x%2Fy");
  EXPECT_EQ(endpoint.path(""), "/");
}

TEST(Endpoint, GovCloud) {
  EXPECT_EQ(aws("warehouse", "us-gov-west-1").host(), "warehouse.s3.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(aws("warehouse", "us-gov-east-1").host(), "warehouse.s3.us-gov-east-1.amazonaws.com");
}

TEST(Endpoint, Fips) {
  EXPECT_EQ(aws("warehouse", "us-gov-west-1", true).host(),
            "warehouse.s3-fips.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(aws("warehouse", "us-gov-east-1", true).host(),
            "warehouse.s3-fips.us-gov-east-1.amazonaws.com");
  EXPECT_EQ(aws("warehouse", "us-east-1", true).host(),
            "warehouse.s3-fips.us-east-1.amazonaws.com");
  EXPECT_EQ(aws("warehouse", "ca-central-1", true).host(),
            "warehouse.s3-fips.ca-central-1.amazonaws.com");
  EXPECT_EQ(aws("warehouse", "us-gov-west-1", true, true).host(),
            "s3-fips.us-gov-west-1.amazonaws.com");
  EXPECT_THROW(aws("warehouse", "eu-west-1", true), Error);
}

TEST(Endpoint, China) {
  EXPECT_EQ(aws("b-1", "cn-north-1").host(), "b-1.s3.cn-north-1.amazonaws.com.cn");
}

TEST(Endpoint, DottedBucketUsesPathStyleOverTls) {
  const Endpoint endpoint = aws("data.example.com", "us-gov-west-1");
  EXPECT_TRUE(endpoint.path_style());
  EXPECT_EQ(endpoint.host(), "s3.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(endpoint.path("k"), "/data.example.com/k");
  EXPECT_EQ(endpoint.url("k", {}), "https://s3.us-gov-west-1.amazonaws.com/data.example.com/k");
  EXPECT_EQ(endpoint.path(""), "/data.example.com");
}

TEST(Endpoint, NonDnsBucketUsesPathStyle) {
  EXPECT_TRUE(aws("Legacy_Bucket", "us-east-1").path_style());
}

TEST(Endpoint, CustomEndpointDefaultsToPathStyle) {
  EndpointOptions options;
  options.region = "us-east-1";
  options.endpoint_url = "http://127.0.0.1:7480";
  const Endpoint endpoint("dev-bucket", options);
  EXPECT_TRUE(endpoint.path_style());
  EXPECT_EQ(endpoint.host(), "127.0.0.1:7480");
  EXPECT_EQ(endpoint.url("a/b", {{"uploads", ""}}),
            "http://127.0.0.1:7480/dev-bucket/a/b?uploads=");

  options.path_style = false;
  EXPECT_EQ(Endpoint("dev-bucket", options).host(), "dev-bucket.127.0.0.1:7480");
  options.endpoint_url = "https://minio.internal/";
  EXPECT_EQ(Endpoint("dev.bucket", options).host(), "minio.internal");  // dots over TLS
}

TEST(Endpoint, CustomEndpointMistakes) {
  EndpointOptions options;
  options.region = "us-east-1";
  options.endpoint_url = "minio.internal:9000";
  EXPECT_THROW(Endpoint("b-1", options), Error);
  options.endpoint_url = "https://minio.internal/s3";
  EXPECT_THROW(Endpoint("b-1", options), Error);
  options.endpoint_url = "https://s3-fips.us-gov-west-1.amazonaws.com";
  options.fips = true;
  EXPECT_THROW(Endpoint("b-1", options), Error);
}

TEST(Region, ResolutionOrder) {
  const auto files =
      AwsConfigFiles::from_text("", "[default]\nregion = us-gov-east-1\n", "default");
  EXPECT_EQ(resolve_region("us-gov-west-1", environment({{"AWS_REGION", "x"}}), files, false),
            "us-gov-west-1");
  EXPECT_EQ(resolve_region("", environment({{"AWS_REGION", "a"}, {"AWS_DEFAULT_REGION", "b"}}),
                           files, false),
            "a");
  EXPECT_EQ(resolve_region("", environment({{"AWS_DEFAULT_REGION", "b"}}), files, false), "b");
  EXPECT_EQ(resolve_region("", environment({}), files, false), "us-gov-east-1");
  const auto empty = AwsConfigFiles::from_text("", "", "default");
  EXPECT_EQ(resolve_region("", environment({}), empty, true), "us-east-1");
  try {
    resolve_region("", environment({}), empty, false);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(error.what()).find("--s3-region"), std::string::npos);
  }
}

TEST(Region, NamedProfile) {
  const auto files = AwsConfigFiles::from_text(
      "", "[default]\nregion = us-east-1\n[profile gov]\nregion = us-gov-west-1\n", "gov");
  EXPECT_EQ(resolve_region("", environment({}), files, false), "us-gov-west-1");
}

TEST(EndpointUrl, ResolutionOrder) {
  EXPECT_EQ(resolve_endpoint_url("http://opt", environment({{"AWS_ENDPOINT_URL", "http://e"}})),
            "http://opt");
  EXPECT_EQ(resolve_endpoint_url("", environment({{"AWS_ENDPOINT_URL_S3", "http://s3"},
                                                  {"AWS_ENDPOINT_URL", "http://e"}})),
            "http://s3");
  EXPECT_EQ(resolve_endpoint_url("", environment({{"AWS_ENDPOINT_URL", "http://e"}})), "http://e");
  EXPECT_EQ(resolve_endpoint_url("", environment({})), "");
}

}  // namespace
}  // namespace pgexport::s3
