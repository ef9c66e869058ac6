#include "cli/rds_iam_login.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <map>
#include <string>

#include "cli/database_connection.hpp"
#include "common/error.hpp"

namespace pgexport::cli {
namespace {

using Environment = std::map<std::string, std::string>;

s3::EnvironmentLookup lookup(Environment environment) {
  return [environment](const std::string& name) -> std::optional<std::string> {
    auto found = environment.find(name);
    if (found == environment.end()) return std::nullopt;
    return found->second;
  };
}

const s3::AwsConfigFiles kNoFiles = s3::AwsConfigFiles::from_text("", "", "default");

RdsIamLogin plan(const std::string& source, const Environment& environment = {},
                 const std::string& region = "", const s3::AwsConfigFiles& files = kNoFiles) {
  return plan_rds_iam_login(source, region, lookup(environment), files);
}

std::string usage_error_of(const std::string& source, const Environment& environment = {}) {
  try {
    plan(source, environment);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "expected a usage error for " << source;
  return "";
}

std::map<std::string, std::string> parsed(const std::string& conninfo) {
  std::map<std::string, std::string> values;
  for (const auto& [keyword, value] : parse_connection_string(conninfo)) values[keyword] = value;
  return values;
}

constexpr const char* kHost = "mydb.c1fycpveg7nf.us-gov-west-1.rds.amazonaws.com";

TEST(RdsIamLogin, TakesHostPortAndUserFromAUri) {
  const auto login = plan(std::string("postgresql://exporter@") + kHost + ":5433/app");
  EXPECT_EQ(login.token.host, kHost);
  EXPECT_EQ(login.token.port, 5433);
  EXPECT_EQ(login.token.user, "exporter");
  EXPECT_EQ(login.token.region, "us-gov-west-1");
  EXPECT_EQ(parsed(login.conninfo)["dbname"], "app");
}

TEST(RdsIamLogin, TakesThemFromKeyValuePairsAndThenFromTheEnvironment) {
  auto login = plan(std::string("host=") + kHost + " user=exporter dbname=app");
  EXPECT_EQ(login.token.host, kHost);
  EXPECT_EQ(login.token.port, 5432);  // libpq's default
  EXPECT_EQ(login.token.user, "exporter");

  login = plan("dbname=app", {{"PGHOST", kHost}, {"PGPORT", "6543"}, {"PGUSER", "from-env"}});
  EXPECT_EQ(login.token.host, kHost);
  EXPECT_EQ(login.token.port, 6543);
  EXPECT_EQ(login.token.user, "from-env");
  // The connection string wins over the environment, as in libpq.
  login = plan(std::string("host=") + kHost + " user=given", {{"PGUSER", "from-env"}});
  EXPECT_EQ(login.token.user, "given");
}

TEST(RdsIamLogin, SslModeIsAtLeastRequire) {
  const std::string base = std::string("host=") + kHost + " user=u";
  EXPECT_EQ(plan(base).sslmode, "require");
  EXPECT_EQ(parsed(plan(base).conninfo)["sslmode"], "require");
  // A root certificate asks for verification: of the chain and of the host name.
  EXPECT_EQ(parsed(plan(base + " sslrootcert=/etc/rds-ca.pem").conninfo)["sslmode"], "verify-full");
  EXPECT_EQ(plan(base, {{"PGSSLROOTCERT", "/etc/rds-ca.pem"}}).sslmode, "verify-full");
  // Given modes that encrypt are kept.
  EXPECT_EQ(plan(base + " sslmode=verify-ca").sslmode, "verify-ca");
  EXPECT_EQ(plan(base, {{"PGSSLMODE", "verify-full"}}).sslmode, "verify-full");
  // The others could send the token in the clear.
  for (const std::string mode : {"disable", "allow", "prefer"}) {
    std::string message = usage_error_of(base + " sslmode=" + mode);
    EXPECT_NE(message.find("sslmode=" + mode), std::string::npos) << message;
    EXPECT_NE(message.find("verify-full"), std::string::npos) << message;
    message = usage_error_of(base, {{"PGSSLMODE", mode}});
    EXPECT_NE(message.find("sslmode=" + mode), std::string::npos) << message;
  }
}

TEST(RdsIamLogin, RefusesAPasswordInTheSourceWithoutShowingIt) {
  for (const std::string& source : {std::string("host=") + kHost + " user=u password=hunter2",
                                    std::string("postgresql://u:hunter2@") + kHost + "/db"}) {
    const std::string message = usage_error_of(source);
    EXPECT_NE(message.find("remove the password"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
}

TEST(RdsIamLogin, NeedsOneTcpHostAndPort) {
  EXPECT_NE(usage_error_of("user=u").find("host name"), std::string::npos);
  EXPECT_NE(usage_error_of("hostaddr=10.0.0.5 user=u").find("hostaddr"), std::string::npos);
  EXPECT_NE(usage_error_of("host=/var/run/postgresql user=u").find("Unix socket"),
            std::string::npos);
  EXPECT_NE(usage_error_of("host=a.example,b.example user=u").find("single host"),
            std::string::npos);
  EXPECT_NE(usage_error_of(std::string("host=") + kHost + " port=5432,5433 user=u")
                .find("not a port number"),
            std::string::npos);
}

TEST(RdsIamLogin, ResolvesTheRegion) {
  const std::string rds = std::string("host=") + kHost + " user=u";
  const std::string alias = "host=db.internal.example user=u";
  // The option first, then the RDS host name (the database's own region), then the AWS
  // settings the S3 side reads too.
  EXPECT_EQ(plan(rds, {{"AWS_REGION", "us-east-1"}}, "us-gov-east-1").token.region,
            "us-gov-east-1");
  EXPECT_EQ(plan(rds, {{"AWS_REGION", "us-east-1"}}).token.region, "us-gov-west-1");
  EXPECT_EQ(
      plan(alias, {{"AWS_REGION", "us-gov-east-1"}, {"AWS_DEFAULT_REGION", "x"}}).token.region,
      "us-gov-east-1");
  EXPECT_EQ(plan(alias, {{"AWS_DEFAULT_REGION", "us-gov-west-1"}}).token.region, "us-gov-west-1");
  const auto files =
      s3::AwsConfigFiles::from_text("", "[profile ops]\nregion = us-gov-east-1\n", "ops");
  EXPECT_EQ(plan(alias, {}, "", files).token.region, "us-gov-east-1");
  const std::string message = usage_error_of(alias);
  EXPECT_NE(message.find("--rds-region"), std::string::npos) << message;
}

TEST(RdsIamLogin, TheLoginAdviceNamesTheRegionsPartition) {
  const auto login = plan(std::string("host=") + kHost + " user=exporter");
  const auto source = rds_iam_connection_source(
      login,
      std::make_shared<s3::StaticCredentialsProvider>(s3::Credentials{"AKID", "S", "", {}, ""}));
  EXPECT_NE(source.login_advice.find("arn:aws-us-gov:rds-db:us-gov-west-1:"), std::string::npos)
      << source.login_advice;
  EXPECT_NE(source.login_advice.find("dbuser:<DbiResourceId>/exporter"), std::string::npos);
  EXPECT_NE(source.login_advice.find("rds_iam"), std::string::npos);
}

TEST(RdsIamLogin, EverySessionGetsATokenMadeWhenItOpens) {
  const auto login = plan(std::string("host=") + kHost + " user=exporter");
  std::chrono::system_clock::time_point now =
      std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + std::chrono::hours{12};
  const auto source =
      rds_iam_connection_source(login,
                                std::make_shared<s3::StaticCredentialsProvider>(
                                    s3::Credentials{"ASIAEXAMPLE", "secret", "session", {}, ""}),
                                [&] { return now; });
  ASSERT_TRUE(source.password);
  const std::string first = source.password();
  now += std::chrono::minutes(20);  // a worker or a reconnect, after the first token expired
  const std::string second = source.password();
  EXPECT_NE(first.find("X-Amz-Date=20260301T120000Z"), std::string::npos) << first;
  EXPECT_NE(second.find("X-Amz-Date=20260301T122000Z"), std::string::npos) << second;
  EXPECT_TRUE(first.starts_with(std::string(kHost) + ":5432/?Action=connect&DBUser=exporter&"));
  EXPECT_NE(first.find("X-Amz-Security-Token=session"), std::string::npos);
  // The connection string itself never holds a token.
  EXPECT_EQ(source.conninfo.find("X-Amz"), std::string::npos);
}

TEST(DatabaseConnection, RdsIamWithAPasswordFileIsAUsageError) {
  Settings settings;
  settings.values["source"] = std::string("host=") + kHost + " user=u";
  settings.values["password-file"] = "/run/secrets/password";
  settings.flags["rds-iam"] = true;
  try {
    database_connection(settings);
    ADD_FAILURE() << "expected a usage error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(error.what()).find("--password-file"), std::string::npos);
  }
  settings.flags["rds-iam"] = false;
  settings.values.erase("password-file");
  const auto source = database_connection(settings);
  EXPECT_FALSE(source.password);
  EXPECT_EQ(source.conninfo, std::string("host=") + kHost + " user=u");
}

}  // namespace
}  // namespace pgexport::cli
