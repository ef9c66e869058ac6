#include "storage/s3/rds_auth_token.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

namespace pgexport::s3 {
namespace {

std::chrono::system_clock::time_point utc(int year, unsigned month, unsigned day, int hour,
                                          int minute, int second) {
  using namespace std::chrono;
  return sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}} +
         hours{hour} + minutes{minute} + seconds{second};
}

Credentials keys(std::string id, std::string secret, std::string token = "") {
  Credentials credentials;
  credentials.access_key_id = std::move(id);
  credentials.secret_access_key = std::move(secret);
  credentials.session_token = std::move(token);
  return credentials;
}

// The query parameters of a token, by name (still encoded).
std::map<std::string, std::string> parameters(const std::string& token) {
  std::map<std::string, std::string> out;
  std::stringstream query(token.substr(token.find('?') + 1));
  std::string pair;
  while (std::getline(query, pair, '&')) {
    const size_t equals = pair.find('=');
    out[pair.substr(0, equals)] = pair.substr(equals + 1);
  }
  return out;
}

// The AWS SDK for Rust's worked example: smithy-rs,
// aws/rust-runtime/aws-inlineable/src/rds_auth_token.rs, test `signing_works` (credentials
// "akid"/"secret", 1724709600 = 2024-08-26T22:00:00Z). Its expected token, byte for byte.
TEST(RdsAuthToken, MatchesTheAwsSdkForRustWorkedExample) {
  const RdsTokenRequest request{"prod-instance.us-east-1.rds.amazonaws.com", 3306, "peccy",
                                "us-east-1"};
  EXPECT_EQ(rds_auth_token(request, keys("akid", "secret"), utc(2024, 8, 26, 22, 0, 0)),
            "prod-instance.us-east-1.rds.amazonaws.com:3306/?Action=connect&DBUser=peccy&"
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=akid%2F20240826%2Fus-east-1%"
            "2Frds-db%2Faws4_request&X-Amz-Date=20240826T220000Z&X-Amz-Expires=900&"
            "X-Amz-SignedHeaders=host&X-Amz-Signature="
            "dd0cba843009474347af724090233265628ace491ea17ce3eb3da098b983ad89");
}

// botocore's worked example: tests/unit/test_signers.py,
// TestGenerateDBAuthToken.test_generate_db_auth_token (credentials "akid"/"skid",
// 2016-11-07T17:39:33Z). botocore compares tokens as parsed URLs, since its parameter order
// differs from the sorted one; so do we, and the signature must be equal.
TEST(RdsAuthToken, MatchesTheBotocoreWorkedExample) {
  const RdsTokenRequest request{"prod-instance.us-east-1.rds.amazonaws.com", 3306, "someusername",
                                "us-east-1"};
  const std::string token =
      rds_auth_token(request, keys("akid", "skid"), utc(2016, 11, 7, 17, 39, 33));
  EXPECT_TRUE(token.starts_with("prod-instance.us-east-1.rds.amazonaws.com:3306/?")) << token;
  const std::map<std::string, std::string> expected = {
      {"Action", "connect"},
      {"DBUser", "someusername"},
      {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
      {"X-Amz-Date", "20161107T173933Z"},
      {"X-Amz-SignedHeaders", "host"},
      {"X-Amz-Expires", "900"},
      {"X-Amz-Credential", "akid%2F20161107%2Fus-east-1%2Frds-db%2Faws4_request"},
      {"X-Amz-Signature", "d1138cdbc0ca63eec012ec0fc6c2267e03642168f5884a7795320d4c18374c61"},
  };
  EXPECT_EQ(parameters(token), expected);
}

// With session credentials (an ECS task role's), the token carries X-Amz-Security-Token,
// encoded, in its sorted place, and signed: the signature differs from the same keys without
// it. The expected token is the one published in carepay's carepool-aws-jdbc,
// AWS4RdsIamTokenGeneratorTest.testGeneratorSignature (no AWS SDK publishes one with a session
// token); it agrees with the two SDK examples above on everything else.
TEST(RdsAuthToken, SignsTheSessionToken) {
  const RdsTokenRequest request{"dbhost.xyz.eu-west-1.amazonaws.com", 3306, "iam_user",
                                "eu-west-1"};
  const auto now = utc(2018, 9, 19, 16, 2, 42);
  const std::string token =
      rds_auth_token(request, keys("IAMKEYINSTANCE", "asdfqwertypolly", "mytoken"), now);
  EXPECT_EQ(token,
            "dbhost.xyz.eu-west-1.amazonaws.com:3306/?Action=connect&DBUser=iam_user&"
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=IAMKEYINSTANCE%2F20180919%"
            "2Feu-west-1%2Frds-db%2Faws4_request&X-Amz-Date=20180919T160242Z&X-Amz-Expires=900&"
            "X-Amz-Security-Token=mytoken&X-Amz-SignedHeaders=host&X-Amz-Signature="
            "8966604a85aa991ef9bed5135aa8565e0e22ae375d2b85892a16e1a642ae0bd1");
  const std::string without =
      rds_auth_token(request, keys("IAMKEYINSTANCE", "asdfqwertypolly"), now);
  EXPECT_NE(parameters(token)["X-Amz-Signature"], parameters(without)["X-Amz-Signature"]);
}

TEST(RdsAuthToken, EncodesTheSessionTokenAndUser) {
  const RdsTokenRequest request{"db.abc.us-gov-west-1.rds.amazonaws.com", 5432, "app+ops@x",
                                "us-gov-west-1"};
  const std::string token =
      rds_auth_token(request, keys("ASIAEXAMPLE", "s", "a/b+c=="), utc(2026, 1, 2, 3, 4, 5));
  const auto found = parameters(token);
  EXPECT_EQ(found.at("X-Amz-Security-Token"), "a%2Fb%2Bc%3D%3D");
  EXPECT_EQ(found.at("DBUser"), "app%2Bops%40x");
  EXPECT_EQ(found.at("X-Amz-Credential"),
            "ASIAEXAMPLE%2F20260102%2Fus-gov-west-1%2Frds-db%2Faws4_request");
}

TEST(RdsAuthToken, FindsTheRegionInRdsHostNames) {
  EXPECT_EQ(region_from_rds_host("mydb.c1fycpveg7nf.us-gov-west-1.rds.amazonaws.com"),
            "us-gov-west-1");
  EXPECT_EQ(region_from_rds_host("My-Cluster.cluster-ro-abc.US-GOV-EAST-1.RDS.amazonaws.com"),
            "us-gov-east-1");
  EXPECT_EQ(region_from_rds_host("proxy.proxy-abc.eu-west-1.rds.amazonaws.com"), "eu-west-1");
  EXPECT_EQ(region_from_rds_host("db.abc.cn-north-1.rds.amazonaws.com.cn"), "cn-north-1");
  EXPECT_EQ(region_from_rds_host("rds.us-east-1.amazonaws.com"), std::nullopt);
  EXPECT_EQ(region_from_rds_host("us-east-1.rds.amazonaws.com"), std::nullopt);
  EXPECT_EQ(region_from_rds_host("db.internal.example.com"), std::nullopt);
  EXPECT_EQ(region_from_rds_host("10.0.0.5"), std::nullopt);
}

TEST(RdsAuthToken, NamesThePartitionOfARegion) {
  EXPECT_EQ(partition_of_region("us-gov-west-1"), "aws-us-gov");
  EXPECT_EQ(partition_of_region("us-gov-east-1"), "aws-us-gov");
  EXPECT_EQ(partition_of_region("cn-northwest-1"), "aws-cn");
  EXPECT_EQ(partition_of_region("us-iso-east-1"), "aws-iso");
  EXPECT_EQ(partition_of_region("us-isob-east-1"), "aws-iso-b");
  EXPECT_EQ(partition_of_region("us-east-1"), "aws");
}

class CountingCredentials final : public CredentialsProvider {
 public:
  Credentials get() override {
    ++calls;
    return keys("AKIDEXAMPLE", "secret");
  }
  int calls = 0;
};

TEST(RdsTokenSource, MakesAFreshTokenOnEveryCallWithTheTimeNow) {
  auto credentials = std::make_shared<CountingCredentials>();
  auto now = utc(2026, 3, 1, 12, 0, 0);
  RdsTokenSource source({"db.abc.us-gov-west-1.rds.amazonaws.com", 5432, "u", "us-gov-west-1"},
                        credentials, [&] { return now; });
  const std::string first = source.token();
  now += std::chrono::minutes(16);  // past the first token's lifetime
  const std::string second = source.token();
  EXPECT_EQ(parameters(first)["X-Amz-Date"], "20260301T120000Z");
  EXPECT_EQ(parameters(second)["X-Amz-Date"], "20260301T121600Z");
  EXPECT_NE(parameters(first)["X-Amz-Signature"], parameters(second)["X-Amz-Signature"]);
  EXPECT_EQ(credentials->calls, 2);  // the provider is asked each time: credentials rotate
}

}  // namespace
}  // namespace pgexport::s3
