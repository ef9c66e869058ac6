// --rds-iam: every session logs in with an RDS IAM token made for it as it opens, signed with
// the AWS credentials of the standard chain (the ECS task role on Fargate). The token is sent
// as a cleartext password, so the session must be encrypted: sslmode is at least `require`.
#pragma once

#include <memory>
#include <string>

#include "cli/options.hpp"
#include "pg/connection_source.hpp"
#include "storage/s3/aws_config.hpp"
#include "storage/s3/credentials.hpp"
#include "storage/s3/rds_auth_token.hpp"

namespace pgexport::cli {

struct RdsIamLogin {
  // --source as key=value pairs, with sslmode set: as given when it encrypts; `verify-full`
  // when unset and a root certificate (sslrootcert / PGSSLROOTCERT) is given, else `require`.
  std::string conninfo;
  // Host, port and user as libpq will use them (--source, else PGHOST, PGPORT, PGUSER, else
  // libpq's defaults), and the region the token is signed for.
  s3::RdsTokenRequest token;
  std::string sslmode;  // the one in `conninfo`
};

// Works out how --rds-iam logs in to `source`. The region is the first of `region_option`
// (--rds-region), the one in an RDS host name, AWS_REGION, AWS_DEFAULT_REGION and the
// profile's region. Throws Error(usage), without quoting `source`, when: `source` holds a
// password; sslmode is disable, allow or prefer; there is no host name (a Unix socket, only
// hostaddr), or several hosts or ports; the port is not a number; no region can be found.
RdsIamLogin plan_rds_iam_login(const std::string& source, const std::string& region_option,
                               const s3::EnvironmentLookup& environment,
                               const s3::AwsConfigFiles& files);

// The sessions' source: `login.conninfo`, and a token made from `credentials` at `clock`'s
// time for every session opened. `clock` null: the system clock.
pg::ConnectionSource rds_iam_connection_source(const RdsIamLogin& login,
                                               std::shared_ptr<s3::CredentialsProvider> credentials,
                                               s3::RdsTokenSource::Clock clock = nullptr);

// The two above with --source, --rds-region and the process environment, and the standard
// AWS credentials chain (without --assume-role, which is the bucket's).
pg::ConnectionSource rds_iam_connection(const Settings& settings);

}  // namespace pgexport::cli
