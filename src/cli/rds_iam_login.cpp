#include "cli/rds_iam_login.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <memory>
#include <optional>

#include "cli/database_connection.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "http/curl_transport.hpp"
#include "storage/s3/credential_sources.hpp"

namespace pgexport::cli {

namespace {

std::optional<std::string> find(const ConnectionOptions& options, std::string_view keyword) {
  for (const auto& [name, value] : options) {
    if (name == keyword && !value.empty()) return value;
  }
  return std::nullopt;
}

// The value libpq will use: the connection string's, else its environment variable's.
std::optional<std::string> setting(const ConnectionOptions& options, std::string_view keyword,
                                   const std::string& variable,
                                   const s3::EnvironmentLookup& environment) {
  if (auto value = find(options, keyword)) return value;
  return environment(variable);
}

// libpq's default for a keyword when neither the connection string nor the environment (looked
// up by the caller, through its own seam) sets it: the compiled-in default (the port), else
// what libpq works out itself (the user: the operating system's user name).
std::optional<std::string> libpq_default(std::string_view keyword) {
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> defaults(PQconndefaults(),
                                                                        &PQconninfoFree);
  if (!defaults) return std::nullopt;
  for (const PQconninfoOption* option = defaults.get(); option->keyword != nullptr; ++option) {
    if (keyword != option->keyword) continue;
    // `val` would also hold the process's PG* variables, which the caller's lookup decides.
    if (option->compiled != nullptr && *option->compiled != '\0')
      return std::string(option->compiled);
    if (option->val != nullptr && *option->val != '\0') return std::string(option->val);
  }
  return std::nullopt;
}

void set(ConnectionOptions& options, const std::string& keyword, const std::string& value) {
  for (auto& [name, current] : options) {
    if (name == keyword) {
      current = value;
      return;
    }
  }
  options.emplace_back(keyword, value);
}

std::string host_name(const ConnectionOptions& options, const s3::EnvironmentLookup& environment) {
  const auto host = setting(options, "host", "PGHOST", environment);
  if (!host) {
    fail(ErrorKind::usage,
         "--rds-iam needs the database's host name, which the token is signed for: give host= "
         "in --source (or PGHOST){}",
         find(options, "hostaddr") ? "; hostaddr= alone is not enough" : "");
  }
  if (host->find(',') != std::string::npos) {
    fail(ErrorKind::usage,
         "--rds-iam signs its token for one host: give a single host in --source (or PGHOST)");
  }
  if (host->starts_with('/') || host->starts_with('@')) {
    fail(ErrorKind::usage,
         "--rds-iam needs a TCP host name, not the Unix socket {}: give the RDS endpoint in "
         "host= of --source (or PGHOST)",
         *host);
  }
  return *host;
}

int port_number(const ConnectionOptions& options, const s3::EnvironmentLookup& environment) {
  const std::string port = setting(options, "port", "PGPORT", environment)
                               .value_or(libpq_default("port").value_or("5432"));
  int number = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (error != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535) {
    fail(ErrorKind::usage,
         "--rds-iam signs its token for one port: port '{}' in --source (or PGPORT) is not a "
         "port number",
         port);
  }
  return number;
}

std::string token_region(const std::string& option, const std::string& host,
                         const s3::EnvironmentLookup& environment,
                         const s3::AwsConfigFiles& files) {
  if (!option.empty()) return option;
  // The database's own region comes first: a task may run in one region and reach a
  // database in another, and AWS_REGION names the task's.
  if (auto region = s3::region_from_rds_host(host)) return *region;
  if (auto region = environment("AWS_REGION")) return *region;
  if (auto region = environment("AWS_DEFAULT_REGION")) return *region;
  if (auto settings = files.settings(files.profile())) {
    if (auto found = settings->find("region"); found != settings->end() && !found->second.empty()) {
      return found->second;
    }
  }
  fail(ErrorKind::usage,
       "--rds-iam cannot tell the database's region from host {}: pass --rds-region (for "
       "GovCloud, e.g. us-gov-west-1) or set AWS_REGION",
       host);
}

}  // namespace

RdsIamLogin plan_rds_iam_login(const std::string& source, const std::string& region_option,
                               const s3::EnvironmentLookup& environment,
                               const s3::AwsConfigFiles& files) {
  ConnectionOptions options = parse_connection_string(source);
  if (find(options, "password")) {
    fail(ErrorKind::usage,
         "--source (or PGEXPORT_SOURCE) holds a password and --rds-iam logs in with a token; "
         "remove the password from --source");
  }

  RdsIamLogin login;
  // The token is a cleartext password valid for 15 minutes: it must never travel unencrypted.
  const auto sslmode = setting(options, "sslmode", "PGSSLMODE", environment);
  if (sslmode == "disable" || sslmode == "allow" || sslmode == "prefer") {
    fail(ErrorKind::usage,
         "--rds-iam sends its token as the password, which sslmode={} could send unencrypted: "
         "use sslmode=verify-full with sslrootcert=<the RDS CA bundle> (or at least "
         "sslmode=require) in --source or PGSSLMODE",
         *sslmode);
  }
  if (sslmode) {
    login.sslmode = *sslmode;
  } else {
    // A root certificate given says that the server's certificate is to be checked; RDS
    // certificates name the endpoint, so the host name can be checked too.
    login.sslmode =
        setting(options, "sslrootcert", "PGSSLROOTCERT", environment) ? "verify-full" : "require";
  }
  set(options, "sslmode", login.sslmode);

  login.token.host = host_name(options, environment);
  login.token.port = port_number(options, environment);
  const auto user = setting(options, "user", "PGUSER", environment);
  login.token.user = user ? *user : libpq_default("user").value_or("");
  if (login.token.user.empty()) {
    fail(ErrorKind::usage, "--rds-iam needs the database user: give user= in --source (or PGUSER)");
  }
  login.token.region = token_region(region_option, login.token.host, environment, files);
  login.conninfo = connection_string(options);
  return login;
}

pg::ConnectionSource rds_iam_connection_source(const RdsIamLogin& login,
                                               std::shared_ptr<s3::CredentialsProvider> credentials,
                                               s3::RdsTokenSource::Clock clock) {
  auto tokens =
      std::make_shared<const s3::RdsTokenSource>(login.token, std::move(credentials), clock);
  pg::ConnectionSource source;
  source.conninfo = login.conninfo;
  source.password = [tokens] { return tokens->token(); };
  source.login_advice = fmt::format(
      "RDS refused the IAM token: check that the database user {} is granted rds_iam, that the "
      "task's IAM role may rds-db:connect on "
      "arn:{}:rds-db:{}:<account>:dbuser:<DbiResourceId>/{}, and that the database is in {} "
      "(--rds-region)",
      login.token.user, s3::partition_of_region(login.token.region), login.token.region,
      login.token.user, login.token.region);
  return source;
}

pg::ConnectionSource rds_iam_connection(const Settings& settings) {
  const s3::EnvironmentLookup environment = s3::process_environment();
  auto files = std::make_shared<const s3::AwsConfigFiles>(s3::AwsConfigFiles::load(environment));
  const RdsIamLogin login =
      plan_rds_iam_login(settings.text("source").value_or(""),
                         settings.text("rds-region").value_or(""), environment, *files);
  if (environment("PGPASSWORD")) {
    log::warn("PGPASSWORD is set but not used: --rds-iam logs in with a token", {});
  }

  http::CurlOptions curl;
  curl.ca_bundle = settings.text("ca-bundle").value_or(environment("AWS_CA_BUNDLE").value_or(""));
  s3::CredentialsChainOptions chain;
  chain.environment = environment;
  chain.transport = std::make_shared<http::CurlTransport>(curl);
  chain.files = files;
  chain.region = login.token.region;  // for web identity's STS call
  auto credentials = s3::make_default_credentials_provider(chain);

  log::info("logging in with RDS IAM tokens",
            {log::field("host", login.token.host), log::field("port", login.token.port),
             log::field("user", login.token.user), log::field("region", login.token.region),
             log::field("sslmode", login.sslmode)});
  if (login.sslmode != "verify-full") {
    warn_if_tls_unverified({{"host", login.token.host}, {"sslmode", login.sslmode}});
  }
  return rds_iam_connection_source(login, std::move(credentials));
}

}  // namespace pgexport::cli
