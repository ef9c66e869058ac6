// --rds-iam end to end against a PostgreSQL stand-in that checks the password it receives, as
// RDS does: it asks for a cleartext password over TLS (RDS's method for IAM logins) and
// accepts only a token signed with the test's keys, for its host, port and user, and not
// expired. The client side is pgexport's own: plan_rds_iam_login, the token source and
// pg::Connection::open through libpq.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "cli/rds_iam_login.hpp"
#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/time_format.hpp"
#include "pg/connection.hpp"

namespace pgexport::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

constexpr std::string_view kAccessKey = "ASIASTANDINEXAMPLE";
constexpr std::string_view kSecretKey = "stand-in-secret-key";
constexpr std::string_view kSessionToken = "stand/in+session==";
constexpr std::string_view kRegion = "us-gov-west-1";
constexpr std::string_view kUser = "exporter";
// PostgreSQL's request codes: SSLRequest and GSSENCRequest (protocol.html).
constexpr uint32_t kSslRequest = 80877103;
constexpr uint32_t kGssEncRequest = 80877104;

// A self-signed certificate for "localhost", made for this test run.
struct TestCertificate {
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  TestCertificate() {
    key = EVP_EC_gen("P-256");
    certificate = X509_new();
    X509_set_version(certificate, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
    X509_gmtime_adj(X509_getm_notBefore(certificate), -3600);
    X509_gmtime_adj(X509_getm_notAfter(certificate), 24 * 3600);
    X509_set_pubkey(certificate, key);
    X509_NAME* name = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(certificate, name);
    X509V3_CTX context;
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost"},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
      X509_add_ext(certificate, extension, -1);
      X509_EXTENSION_free(extension);
    }
    X509_sign(certificate, key, EVP_sha256());
  }
  ~TestCertificate() {
    X509_free(certificate);
    EVP_PKEY_free(key);
  }
  void write_pem(const fs::path& path) const {
    FILE* file = std::fopen(path.c_str(), "w");
    PEM_write_X509(file, certificate);
    std::fclose(file);
  }
};

std::string be32(uint32_t value) {
  const uint32_t network = htonl(value);
  return std::string(reinterpret_cast<const char*>(&network), 4);
}

uint32_t read_be32(const std::string& bytes, size_t at) {
  uint32_t network = 0;
  std::memcpy(&network, bytes.data() + at, 4);
  return ntohl(network);
}

// A backend message: type byte, length (itself included), body.
std::string message(char type, const std::string& body) {
  return std::string(1, type) + be32(static_cast<uint32_t>(body.size() + 4)) + body;
}

// The parameters of a token, in their order, still encoded.
std::vector<std::pair<std::string, std::string>> query_pairs(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::stringstream stream{std::string(query)};
  std::string pair;
  while (std::getline(stream, pair, '&')) {
    const size_t equals = pair.find('=');
    pairs.emplace_back(pair.substr(0, equals),
                       equals == std::string::npos ? "" : pair.substr(equals + 1));
  }
  return pairs;
}

// RDS's check of a token, written out independently of pgexport's signer: the empty string
// when it is good, else why not.
std::string check_token(const std::string& token, const std::string& host_port,
                        const std::string& user, Clock::time_point now) {
  const std::string prefix = host_port + "/?";
  if (!token.starts_with(prefix)) return "signed for another host or port";
  const std::string query = token.substr(prefix.size());
  const size_t signature_at = query.rfind("&X-Amz-Signature=");
  if (signature_at == std::string::npos) return "no signature";
  const std::string signed_query = query.substr(0, signature_at);
  const std::string signature = query.substr(signature_at + std::strlen("&X-Amz-Signature="));
  const auto pairs = query_pairs(signed_query);
  if (!std::is_sorted(pairs.begin(), pairs.end())) return "parameters not in canonical order";
  std::map<std::string, std::string> values(pairs.begin(), pairs.end());
  if (values["Action"] != "connect") return "not a connect token";
  if (values["DBUser"] != user) return "signed for another user";
  if (values["X-Amz-Expires"] != "900") return "not valid for 900 s";
  if (values["X-Amz-Security-Token"] != "stand%2Fin%2Bsession%3D%3D") return "no session token";
  const std::string timestamp = values["X-Amz-Date"];
  const std::string date = timestamp.substr(0, 8);
  const std::string scope = date + "/" + std::string(kRegion) + "/rds-db/aws4_request";
  if (values["X-Amz-Credential"] != std::string(kAccessKey) + "%2F" + date + "%2F" +
                                        std::string(kRegion) + "%2Frds-db%2Faws4_request") {
    return "another key or scope";
  }
  const auto signed_at = parse_utc_timestamp(
      timestamp.substr(0, 4) + "-" + timestamp.substr(4, 2) + "-" + timestamp.substr(6, 2) + "T" +
      timestamp.substr(9, 2) + ":" + timestamp.substr(11, 2) + ":" + timestamp.substr(13, 2) + "Z");
  if (!signed_at || now < *signed_at || now > *signed_at + std::chrono::seconds(900)) {
    return "expired";
  }
  const std::string canonical =
      "GET\n/\n" + signed_query + "\nhost:" + host_port + "\n\nhost\n" + hex_encode(sha256(""));
  const std::string to_sign =
      "AWS4-HMAC-SHA256\n" + timestamp + "\n" + scope + "\n" + hex_encode(sha256(canonical));
  auto key = hmac_sha256("AWS4" + std::string(kSecretKey), date);
  for (std::string_view part :
       {kRegion, std::string_view("rds-db"), std::string_view("aws4_request")}) {
    key =
        hmac_sha256(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), part);
  }
  const std::string expected = hex_encode(hmac_sha256(
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), to_sign));
  return expected == signature ? "" : "signature does not match";
}

class RdsStandIn {
 public:
  explicit RdsStandIn(const TestCertificate& certificate) {
    context_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(context_, certificate.certificate);
    SSL_CTX_use_PrivateKey(context_, certificate.key);
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // 127.0.0.1 only
    address.sin_port = 0;                              // an ephemeral port
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~RdsStandIn() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
    SSL_CTX_free(context_);
  }

  int port() const { return port_; }
  // The server's clock, which judges expiry.
  std::atomic<Clock::time_point> now{Clock::now()};

  struct Login {
    std::string token;
    std::string verdict;  // empty: accepted
    bool over_tls = false;
  };
  std::vector<Login> logins() {
    std::lock_guard lock(mutex_);
    return logins_;
  }

 private:
  void serve() {
    std::vector<std::thread> sessions;
    while (!stop_) {
      pollfd ready{listener_, POLLIN, 0};
      // Wakes up to notice stop_; a connection is served as soon as it arrives.
      if (::poll(&ready, 1, 50) <= 0) continue;
      const int socket = ::accept(listener_, nullptr, nullptr);
      if (socket < 0) continue;
      // One thread per session: a command holds several open at once (coordinator, workers).
      sessions.emplace_back([this, socket] {
        handle(socket);
        ::close(socket);
      });
    }
    // Each ends when its client closes the connection, which the tests do before stopping.
    for (auto& session : sessions) session.join();
  }

  static bool read_exactly(int socket, std::string& out, size_t size) {
    out.resize(size);
    size_t done = 0;
    while (done < size) {
      const ssize_t got = ::recv(socket, out.data() + done, size - done, 0);
      if (got <= 0) return false;
      done += static_cast<size_t>(got);
    }
    return true;
  }
  static bool read_exactly(SSL* ssl, std::string& out, size_t size) {
    out.resize(size);
    size_t done = 0;
    while (done < size) {
      const int got = SSL_read(ssl, out.data() + done, static_cast<int>(size - done));
      if (got <= 0) return false;
      done += static_cast<size_t>(got);
    }
    return true;
  }

  void record(Login login) {
    std::lock_guard lock(mutex_);
    logins_.push_back(std::move(login));
  }

  void handle(int socket) {
    std::string request;
    // The client asks for TLS first (and may ask for GSS encryption, which we refuse).
    for (;;) {
      if (!read_exactly(socket, request, 8)) return;
      const uint32_t code = read_be32(request, 4);
      if (code == kGssEncRequest) {
        ::send(socket, "N", 1, 0);
        continue;
      }
      if (code != kSslRequest) {
        record({"", "the client did not ask for TLS", false});
        return;
      }
      ::send(socket, "S", 1, 0);
      break;
    }
    SSL* ssl = SSL_new(context_);
    SSL_set_fd(ssl, socket);
    if (SSL_accept(ssl) == 1) converse(ssl);
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }

  void converse(SSL* ssl) {
    auto send = [&](const std::string& bytes) {
      SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
    };
    std::string bytes;
    if (!read_exactly(ssl, bytes, 4)) return;
    std::string startup;
    if (!read_exactly(ssl, startup, read_be32(bytes, 0) - 4)) return;
    std::map<std::string, std::string> parameters;
    for (size_t at = 4; at < startup.size() && startup[at] != '\0';) {
      const std::string key(startup.c_str() + at);
      at += key.size() + 1;
      const std::string value(startup.c_str() + at);
      at += value.size() + 1;
      parameters[key] = value;
    }
    send(message('R', be32(3)));  // AuthenticationCleartextPassword, as RDS asks for IAM
    std::string header;
    if (!read_exactly(ssl, header, 5) || header[0] != 'p') return;
    std::string body;
    if (!read_exactly(ssl, body, read_be32(header, 1) - 4)) return;
    const std::string token(body.c_str());
    const std::string verdict =
        check_token(token, "localhost:" + std::to_string(port_), parameters["user"], now.load());
    record({token, verdict, true});
    if (!verdict.empty()) {
      // RDS's own wording for a refused token.
      send(message('E', std::string("SFATAL\0VFATAL\0C28P01\0", 21) +
                            "MPAM authentication failed for user \"" + parameters["user"] + "\"" +
                            std::string(2, '\0')));
      return;
    }
    send(message('R', be32(0)));  // AuthenticationOk
    send(message('S', std::string("server_version\0"
                                  "16.4\0",
                                  20)));
    send(message('K', be32(4242) + be32(99)));
    send(message('Z', "I"));
    // Answers every simple query (pgexport sets its search_path) with one empty row.
    for (;;) {
      if (!read_exactly(ssl, header, 5)) return;
      if (!read_exactly(ssl, body, read_be32(header, 1) - 4)) return;
      if (header[0] == 'X') return;
      if (header[0] != 'Q') continue;
      std::string field = "set_config";
      field += '\0';
      field += be32(0) + std::string(2, '\0') + be32(25) + std::string("\xff\xff", 2) +
               be32(0xffffffff) + std::string(2, '\0');
      send(message('T', std::string("\0\1", 2) + field));
      send(message('D', std::string("\0\1", 2) + be32(0)));
      send(message('C', std::string("SELECT 1\0", 9)));
      send(message('Z', "I"));
    }
  }

  SSL_CTX* context_ = nullptr;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Login> logins_;
};

class RdsIamStandIn : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 ("pgexport-rds-iam-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(directory_);
    certificate_.write_pem(directory_ / "root.pem");
    stand_in_ = std::make_unique<RdsStandIn>(certificate_);
  }
  void TearDown() override {
    stand_in_.reset();
    fs::remove_all(directory_);
  }

  // What --rds-iam makes of this --source: the host name is checked against the certificate
  // (sslrootcert given, so verify-full) and signed into the token; hostaddr says where it is.
  pg::ConnectionSource source(std::string secret) {
    const std::string conninfo =
        "host=localhost hostaddr=127.0.0.1 port=" + std::to_string(stand_in_->port()) +
        " user=" + std::string(kUser) + " dbname=app connect_timeout=30 gssencmode=disable" +
        " sslrootcert=" + (directory_ / "root.pem").string();
    const auto files = s3::AwsConfigFiles::from_text("", "", "default");
    const RdsIamLogin login = plan_rds_iam_login(
        conninfo, std::string(kRegion),
        [](const std::string&) { return std::optional<std::string>(); }, files);
    EXPECT_EQ(login.sslmode, "verify-full");
    s3::Credentials credentials{
        std::string(kAccessKey), std::move(secret), std::string(kSessionToken), {}, "test"};
    return rds_iam_connection_source(login,
                                     std::make_shared<s3::StaticCredentialsProvider>(credentials),
                                     [this] { return token_clock.load(); });
  }

  std::atomic<Clock::time_point> token_clock{Clock::now()};
  TestCertificate certificate_;
  fs::path directory_;
  std::unique_ptr<RdsStandIn> stand_in_;
};

TEST_F(RdsIamStandIn, EachSessionLogsInWithATokenMadeForIt) {
  const auto connection_source = source(std::string(kSecretKey));
  auto first = pg::Connection::open(connection_source, "coordinator");
  EXPECT_EQ(first.server_version(), 160004);
  // Twenty minutes on: the first token has expired, and a new session still gets in.
  token_clock = token_clock.load() + std::chrono::minutes(20);
  stand_in_->now = token_clock.load();
  auto second = pg::Connection::open(connection_source, "worker 1");
  EXPECT_EQ(second.server_version(), 160004);

  const auto logins = stand_in_->logins();
  ASSERT_EQ(logins.size(), 2u);
  for (const auto& login : logins) {
    EXPECT_EQ(login.verdict, "");
    EXPECT_TRUE(login.over_tls);
  }
  EXPECT_NE(logins[0].token, logins[1].token);
  // The first token, shown to the server now, would be refused: a fresh one was needed.
  EXPECT_EQ(check_token(logins[0].token, "localhost:" + std::to_string(stand_in_->port()),
                        std::string(kUser), stand_in_->now.load()),
            "expired");
}

TEST_F(RdsIamStandIn, ATokenSignedWithTheWrongKeyIsAnAuthenticationError) {
  try {
    pg::Connection::open(source("not-the-secret-key"), "coordinator");
    ADD_FAILURE() << "the stand-in accepted a token signed with the wrong key";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::authentication_failed) << error.what();
    const std::string message = error.what();
    EXPECT_NE(message.find("PAM authentication failed for user \"exporter\""), std::string::npos)
        << message;
    EXPECT_NE(message.find("rds_iam"), std::string::npos) << message;
    EXPECT_NE(message.find("arn:aws-us-gov:rds-db:us-gov-west-1:"), std::string::npos) << message;
    EXPECT_EQ(message.find("X-Amz"), std::string::npos) << message;  // never the token
  }
  const auto logins = stand_in_->logins();
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(logins[0].verdict, "signature does not match");
}

TEST_F(RdsIamStandIn, AnExpiredTokenIsRefused) {
  // A token made 16 minutes before the server sees it: what a token made once at start and
  // reused for a later session would be.
  stand_in_->now = token_clock.load() + std::chrono::minutes(16);
  EXPECT_THROW(pg::Connection::open(source(std::string(kSecretKey)), "worker 2"), Error);
  const auto logins = stand_in_->logins();
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(logins[0].verdict, "expired");
}

}  // namespace
}  // namespace pgexport::cli
