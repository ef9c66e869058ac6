// The storage seam's commit verbs over S3 (conditional writes, stat, versioned and ranged
// reads, detailed listings, pending uploads), against the in-memory FakeS3 and, where the
// exact bytes of an answer matter, a ScriptedTransport.

#include <gtest/gtest.h>

#include <regex>

#include "common/digest.hpp"
#include "fake_s3.hpp"
#include "scripted_transport.hpp"
#include "storage/s3/s3_storage.hpp"

namespace pgexport::s3 {
namespace {

using storage::ConditionalWrite;
using testing::FakeS3;
using testing::Injection;
using testing::ScriptedTransport;
using namespace std::chrono_literals;

std::unique_ptr<S3Storage> storage_over(std::shared_ptr<http::HttpTransport> transport) {
  return std::make_unique<S3Storage>(testing::make_test_client(std::move(transport)), "exports",
                                     MultipartConfig{}, nullptr);
}

std::vector<testing::RecordedCall> calls_of(const FakeS3& fake, const std::string& operation) {
  std::vector<testing::RecordedCall> found;
  for (auto& call : fake.calls()) {
    if (call.operation == operation) found.push_back(call);
  }
  return found;
}

std::string header(const testing::RecordedCall& call, std::string_view name) {
  return std::string(http::find_header(call.headers, name).value_or("<absent>"));
}

std::string quoted_md5(std::string_view bytes) {
  return "\"" + hex_encode(md5(bytes)) + "\"";
}

http::Response answer(long status, std::string body = "", http::Headers headers = {}) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

storage::TimePoint utc(int year, unsigned month, unsigned day, int hour, int minute, int second) {
  using namespace std::chrono;
  return sys_days{std::chrono::year{year} / month / day} + hours{hour} + minutes{minute} +
         seconds{second};
}

TEST(S3StorageVerbs, CreateIfAbsentSendsASignedIfNoneMatch) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  EXPECT_EQ(storage->create_if_absent("runs/r1/_manifest.json", "first"),
            ConditionalWrite::written);
  EXPECT_EQ(storage->create_if_absent("runs/r1/_manifest.json", "second"),
            ConditionalWrite::condition_failed);
  EXPECT_EQ(fake->objects().at("exports/runs/r1/_manifest.json"), "first");

  const auto puts = calls_of(*fake, "PutObject");
  ASSERT_EQ(puts.size(), 2u);
  for (const auto& put : puts) {
    EXPECT_EQ(header(put, "if-none-match"), "*");
    EXPECT_NE(header(put, "authorization").find("if-none-match"), std::string::npos);
  }
  // The refusal is read back: other bytes than ours, so another writer's object.
  EXPECT_EQ(fake->count("GetObject"), 1);
}

TEST(S3StorageVerbs, ReplaceIfUnchangedSendsTheEtagInIfMatch) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  storage::put_object(*storage, "latest.json", "v1");
  const auto current = storage->read_versioned("latest.json");
  ASSERT_TRUE(current);
  EXPECT_EQ(current->bytes, "v1");
  EXPECT_EQ(current->version, hex_encode(md5("v1")));
  EXPECT_EQ(storage->stat("latest.json")->version, current->version);

  EXPECT_EQ(storage->replace_if_unchanged("latest.json", "stale", "0123"),
            ConditionalWrite::condition_failed);
  EXPECT_EQ(fake->objects().at("exports/latest.json"), "v1");
  EXPECT_EQ(header(calls_of(*fake, "PutObject").back(), "if-match"), "\"0123\"");

  EXPECT_EQ(storage->replace_if_unchanged("latest.json", "v2", current->version),
            ConditionalWrite::written);
  EXPECT_EQ(fake->objects().at("exports/latest.json"), "v2");
  const auto last_put = calls_of(*fake, "PutObject").back();
  EXPECT_EQ(header(last_put, "if-match"), quoted_md5("v1"));
  EXPECT_NE(header(last_put, "authorization").find("if-match"), std::string::npos);

  // AWS answers If-Match on a missing key with 404 NoSuchKey: the object vanished.
  EXPECT_EQ(storage->replace_if_unchanged("gone.json", "x", current->version),
            ConditionalWrite::condition_failed);
  EXPECT_EQ(fake->objects().count("exports/gone.json"), 0u);
}

TEST(S3StorageVerbs, ReplaceLearnsThatTheStoreWantsTheBareEtag) {
  auto fake = std::make_shared<FakeS3>();
  fake->set_bare_if_match(true);
  auto storage = storage_over(fake);
  storage::put_object(*storage, "latest.json", "v1");
  const std::string v1 = storage->stat("latest.json")->version;
  EXPECT_EQ(storage->replace_if_unchanged("latest.json", "v2", v1), ConditionalWrite::written);
  EXPECT_EQ(fake->objects().at("exports/latest.json"), "v2");
  auto puts = calls_of(*fake, "PutObject");
  ASSERT_EQ(puts.size(), 3u);
  EXPECT_EQ(header(puts[1], "if-match"), "\"" + v1 + "\"");  // refused although unchanged
  EXPECT_EQ(header(puts[2], "if-match"), v1);

  // Learned once: the next replace sends the bare ETag at once, and a stale one still fails.
  const std::string v2 = storage->stat("latest.json")->version;
  EXPECT_EQ(storage->replace_if_unchanged("latest.json", "v3", v1),
            ConditionalWrite::condition_failed);
  EXPECT_EQ(storage->replace_if_unchanged("latest.json", "v3", v2), ConditionalWrite::written);
  puts = calls_of(*fake, "PutObject");
  ASSERT_EQ(puts.size(), 5u);
  EXPECT_EQ(header(puts[3], "if-match"), v1);
  EXPECT_EQ(header(puts[4], "if-match"), v2);
  EXPECT_EQ(fake->objects().at("exports/latest.json"), "v3");
}

TEST(S3StorageVerbs, AStaleQuotedEtagIsNotResentBare) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  storage::put_object(*storage, "latest.json", "v1");
  EXPECT_EQ(storage->replace_if_unchanged("latest.json", "v2", hex_encode(md5("v0"))),
            ConditionalWrite::condition_failed);
  EXPECT_EQ(fake->count("PutObject"), 2);  // the HEAD showed another ETag: a real conflict
  EXPECT_EQ(fake->objects().at("exports/latest.json"), "v1");
}

TEST(S3StorageVerbs, ConditionalRequestConflictIsRetried) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  fake->inject(Injection::answer("PutObject", 2, 409, "ConditionalRequestConflict"));
  EXPECT_EQ(storage->create_if_absent("k", "ours"), ConditionalWrite::written);
  EXPECT_EQ(fake->count("PutObject"), 3);
  EXPECT_EQ(fake->objects().at("exports/k"), "ours");
}

TEST(S3StorageVerbs, A412OnTheFirstAttemptSeenIsOurWriteWhenTheObjectHoldsOurBytes) {
  // libcurl resends a PUT on a reused connection that died before any answer, and reports only
  // the second answer: the first send may have written the object, so a 412 on the first
  // attempt this client sees can be its own write (a cdc run took its own commit log entry
  // for another writer's and removed the change files the entry lists).
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  fake->put("exports/changes/_log/00000000000000000041.json", "entry 41 of attempt a1");
  EXPECT_EQ(
      storage->create_if_absent("changes/_log/00000000000000000041.json", "entry 41 of attempt a1"),
      ConditionalWrite::written);
  EXPECT_EQ(fake->count("PutObject"), 1);
  EXPECT_EQ(fake->count("GetObject"), 1);
  // Other bytes there: another writer's object.
  EXPECT_EQ(
      storage->create_if_absent("changes/_log/00000000000000000041.json", "entry 41 of attempt b2"),
      ConditionalWrite::condition_failed);
}

TEST(S3StorageVerbs, LostAnswerThen412WithOurBytesIsWritten) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  fake->inject(Injection::lost_answer("PutObject", 1));  // written, but we never hear so
  EXPECT_EQ(storage->create_if_absent("runs/r1/_manifest.json", "ours"), ConditionalWrite::written);
  EXPECT_EQ(fake->count("PutObject"), 2);
  EXPECT_EQ(fake->count("GetObject"), 1);  // read back to tell our write from another's
  EXPECT_EQ(fake->objects().at("exports/runs/r1/_manifest.json"), "ours");
}

TEST(S3StorageVerbs, LostAttemptThen412WithOtherBytesIsConditionFailed) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  fake->put("exports/runs/r1/_manifest.json", "theirs");
  fake->inject(Injection::connection_reset("PutObject", 1));
  EXPECT_EQ(storage->create_if_absent("runs/r1/_manifest.json", "ours"),
            ConditionalWrite::condition_failed);
  EXPECT_EQ(fake->count("GetObject"), 1);
  EXPECT_EQ(fake->objects().at("exports/runs/r1/_manifest.json"), "theirs");
}

TEST(S3StorageVerbs, ReplaceAfterALostAnswerRecognisesItsOwnWrite) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  storage::put_object(*storage, "latest.json", "v1");
  const std::string version = storage->stat("latest.json")->version;
  fake->inject(Injection::lost_answer("PutObject", 1));
  EXPECT_EQ(storage->replace_if_unchanged("latest.json", "v2", version), ConditionalWrite::written);
  EXPECT_EQ(fake->objects().at("exports/latest.json"), "v2");

  // The same after a 500, which S3 may send after having acted, and with other bytes there.
  const std::string version2 = storage->stat("latest.json")->version;
  fake->inject(Injection::answer("PutObject", 1, 500, "InternalError"));
  fake->put("exports/latest.json", "v3 by someone else");
  EXPECT_EQ(storage->replace_if_unchanged("latest.json", "v4", version2),
            ConditionalWrite::condition_failed);
  EXPECT_EQ(fake->objects().at("exports/latest.json"), "v3 by someone else");
}

TEST(S3StorageVerbs, ListDetailedParsesTimesEtagsAndUrlEncodedKeys) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("GET", "list-type=2", 200,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                "<Name>bucket</Name><Prefix>exports%2Fruns%2F</Prefix>"
                "<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
                "<Contents><Key>exports/runs/my+table/part%2B1%25.csv</Key>"
                "<LastModified>2026-03-01T12:34:56.789Z</LastModified>"
                "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>42</Size>"
                "<StorageClass>STANDARD</StorageClass></Contents>"
                "<Contents><Key>exports/runs/ctl%01char</Key>"
                "<LastModified>2026-02-28T23:59:01.000Z</LastModified>"
                "<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e-3&quot;</ETag><Size>0</Size>"
                "</Contents></ListBucketResult>");
  auto storage = storage_over(transport);
  const auto objects = storage->list_detailed("runs/");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].key, "runs/my table/part+1%.csv");
  EXPECT_EQ(objects[0].size, 42u);
  EXPECT_EQ(objects[0].version, "9b2cf535f27731c974343645a3985328");
  EXPECT_EQ(std::chrono::floor<std::chrono::seconds>(objects[0].modified),
            utc(2026, 3, 1, 12, 34, 56));
  EXPECT_EQ(objects[1].key, std::string("runs/ctl\x01") + "char");
  EXPECT_EQ(objects[1].version, "d41d8cd98f00b204e9800998ecf8427e-3");
  EXPECT_EQ(objects[1].modified, utc(2026, 2, 28, 23, 59, 1));

  const auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].url.find("encoding-type=url"), std::string::npos) << requests[0].url;
  EXPECT_NE(requests[0].url.find("prefix=exports%2Fruns%2F"), std::string::npos);
}

TEST(S3StorageVerbs, KeysOfAServerThatIgnoresUrlEncodingAreTakenAsTheyAre) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("GET", "list-type=2", 200,
                "<ListBucketResult><IsTruncated>false</IsTruncated>"
                "<Contents><Key>exports/100%25 a+b</Key><Size>1</Size><ETag>&quot;e&quot;</ETag>"
                "<LastModified>2026-03-01T12:00:00Z</LastModified></Contents>"
                "</ListBucketResult>");
  auto storage = storage_over(transport);
  EXPECT_EQ(storage->list(""), std::vector<std::string>{"100%25 a+b"});
}

TEST(S3StorageVerbs, ListingWithoutTimesIsAnErrorForHousekeeping) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("GET", "list-type=2", 200,
                "<ListBucketResult><IsTruncated>false</IsTruncated>"
                "<Contents><Key>exports/k</Key><Size>1</Size><LastModified>yesterday"
                "</LastModified></Contents></ListBucketResult>");
  auto storage = storage_over(transport);
  EXPECT_EQ(storage->list(""), std::vector<std::string>{"k"});  // names alone are fine
  EXPECT_THROW(storage->list_detailed(""), Error);
}

TEST(S3StorageVerbs, PendingUploadsParseInitiatedAndFollowEncodedMarkers) {
  auto transport = std::make_shared<ScriptedTransport>();
  // Earlier rules win: the second page is asked for with the decoded marker, re-encoded.
  transport->on("GET", "key-marker=exports%2Fruns%2Fa%20b", 200,
                "<ListMultipartUploadsResult><EncodingType>url</EncodingType>"
                "<IsTruncated>false</IsTruncated>"
                "<Upload><Key>exports/runs/c%26d</Key><UploadId>u2</UploadId>"
                "<Initiated>2026-03-01T12:00:05.000Z</Initiated></Upload>"
                "</ListMultipartUploadsResult>");
  transport->on("GET", "uploads", 200,
                "<ListMultipartUploadsResult><EncodingType>url</EncodingType>"
                "<IsTruncated>true</IsTruncated><NextKeyMarker>exports/runs/a+b</NextKeyMarker>"
                "<NextUploadIdMarker>u1</NextUploadIdMarker>"
                "<Upload><Key>exports/runs/a+b</Key><UploadId>u1</UploadId>"
                "<Initiated>2026-02-28T23:59:01.000Z</Initiated></Upload>"
                "</ListMultipartUploadsResult>");
  auto storage = storage_over(transport);
  const auto pending = storage->list_pending_uploads("runs/");
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].key, "runs/a b");
  EXPECT_EQ(pending[0].id, "u1");
  EXPECT_EQ(pending[0].started, utc(2026, 2, 28, 23, 59, 1));
  EXPECT_EQ(pending[1].key, "runs/c&d");
  EXPECT_EQ(pending[1].id, "u2");
  EXPECT_EQ(pending[1].started, utc(2026, 3, 1, 12, 0, 5));
  const auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].url.find("encoding-type=url"), std::string::npos) << requests[0].url;
  EXPECT_NE(requests[1].url.find("upload-id-marker=u1"), std::string::npos) << requests[1].url;
}

TEST(S3StorageVerbs, PendingUploadsOfRgwAreDecodedAndPaged) {
  // Ceph RGW 16's shape: keys encoded, but no <EncodingType> and a NextKeyMarker left bare.
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("GET", "key-marker=exports%2Fa%20b%2Bc", 200,
                "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
                "</ListMultipartUploadsResult>");
  transport->on("GET", "uploads", 200,
                "<ListMultipartUploadsResult><Prefix>exports/</Prefix>"
                "<NextKeyMarker>exports/a b+c</NextKeyMarker>"
                "<NextUploadIdMarker>2~x</NextUploadIdMarker><IsTruncated>true</IsTruncated>"
                "<Upload><Key>exports/a%20b%2Bc</Key><UploadId>2~x</UploadId>"
                "<Initiated>2026-12-01T09:57:52.253Z</Initiated></Upload>"
                "</ListMultipartUploadsResult>");
  auto storage = storage_over(transport);
  const auto pending = storage->list_pending_uploads("");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].key, "a b+c");
  EXPECT_EQ(pending[0].id, "2~x");
  EXPECT_EQ(std::chrono::floor<std::chrono::seconds>(pending[0].started),
            utc(2026, 12, 1, 9, 57, 52));
  EXPECT_EQ(transport->requests().size(), 2u);
}

TEST(S3StorageVerbs, PendingUploadsAreAbortedByUploadId) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  fake->set_now(utc(2026, 3, 1, 8, 0, 0));
  storage->client().create_multipart_upload("exports/runs/r1/t/part 0");
  storage->client().create_multipart_upload("exports/runs/r2/t/part-0");
  const auto pending = storage->list_pending_uploads("runs/r1/");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].key, "runs/r1/t/part 0");
  EXPECT_EQ(pending[0].started, utc(2026, 3, 1, 8, 0, 0));
  storage->abort_pending_upload(pending[0]);
  EXPECT_EQ(fake->open_uploads(), 1u);
  EXPECT_TRUE(storage->list_pending_uploads("runs/r1/").empty());
  storage->abort_pending_upload(pending[0]);  // already gone: fine
}

TEST(S3StorageVerbs, StatReadsHeadObject) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  fake->set_now(utc(2026, 3, 1, 12, 34, 56));
  storage::put_object(*storage, "runs/r1/_manifest.json", "{\"a\":1}");
  const auto stat = storage->stat("runs/r1/_manifest.json");
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->key, "runs/r1/_manifest.json");
  EXPECT_EQ(stat->size, 7u);
  EXPECT_EQ(stat->version, hex_encode(md5("{\"a\":1}")));
  EXPECT_EQ(stat->modified, utc(2026, 3, 1, 12, 34, 56));
  EXPECT_FALSE(storage->stat("runs/r1/missing"));
  EXPECT_FALSE(storage->read_versioned("runs/r1/missing"));
}

TEST(S3StorageVerbs, StatWithoutAReadableTimeIsAnError) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("HEAD", "/k", [](const http::Request&) {
    return answer(200, "", {{"Content-Length", "3"}, {"ETag", "\"e\""}});
  });
  auto storage = storage_over(transport);
  EXPECT_THROW(storage->stat("k"), Error);
}

class PieceRecorder final : public ByteSink {
 public:
  void write(std::string_view bytes) override {
    data.append(bytes);
    largest = std::max(largest, bytes.size());
    if (on_write) on_write();
  }
  std::string data;
  size_t largest = 0;
  std::function<void()> on_write;
};

std::string pattern(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  return bytes;
}

TEST(S3StorageVerbs, ReadIntoUsesRangedGetsPinnedToOneEtag) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  const std::string data = pattern(2 * kReadRangeSize + 5);
  fake->put("exports/big", data);
  PieceRecorder sink;
  EXPECT_TRUE(storage->read_into("big", sink));
  EXPECT_TRUE(sink.data == data);
  EXPECT_LE(sink.largest, kReadRangeSize);

  EXPECT_EQ(fake->count("HeadObject"), 1);
  const auto gets = calls_of(*fake, "GetObject");
  ASSERT_EQ(gets.size(), 3u);
  EXPECT_EQ(header(gets[0], "range"), "bytes=0-8388607");
  EXPECT_EQ(header(gets[1], "range"), "bytes=8388608-16777215");
  EXPECT_EQ(header(gets[2], "range"), "bytes=16777216-16777220");
  for (const auto& get : gets) EXPECT_EQ(header(get, "if-match"), quoted_md5(data));
}

TEST(S3StorageVerbs, ReadIntoFailsWhenTheObjectChangesMidway) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  fake->put("exports/big", pattern(kReadRangeSize + 1));
  PieceRecorder sink;
  sink.on_write = [&] { fake->put("exports/big", "replaced"); };
  try {
    storage->read_into("big", sink);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::storage_transient);
    EXPECT_NE(std::string(error.what()).find("changed while it was being read"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(sink.data.size(), kReadRangeSize);  // the first range, never a mix
}

TEST(S3StorageVerbs, ReadIntoMissingAndEmptyObjects) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  StringSink sink;
  EXPECT_FALSE(storage->read_into("missing", sink));
  fake->put("exports/empty", "");
  EXPECT_TRUE(storage->read_into("empty", sink));
  EXPECT_TRUE(sink.data.empty());
  EXPECT_EQ(fake->count("GetObject"), 0);  // HEAD says 0 bytes: nothing to fetch
}

TEST(S3StorageVerbs, CheckWritableProbesConditionalWritesUnderAUniqueKey) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = storage_over(fake);
  storage->check_writable();
  EXPECT_TRUE(storage->supports_conditional_writes());
  EXPECT_TRUE(fake->objects().empty());  // probe deleted

  const auto puts = calls_of(*fake, "PutObject");
  ASSERT_EQ(puts.size(), 2u);
  const std::regex probe_url(".*/bucket/exports/_pgexport_probe\\.[0-9a-f]{16}");
  EXPECT_TRUE(std::regex_match(puts[0].url, probe_url)) << puts[0].url;
  EXPECT_EQ(puts[1].url, puts[0].url);
  EXPECT_EQ(header(puts[0], "if-none-match"), "<absent>");
  EXPECT_EQ(header(puts[1], "if-none-match"), "*");
  ASSERT_EQ(calls_of(*fake, "DeleteObject").size(), 1u);
  EXPECT_EQ(calls_of(*fake, "DeleteObject")[0].url, puts[0].url);

  storage->check_writable();  // another run's probe has another name
  EXPECT_NE(calls_of(*fake, "PutObject")[2].url, puts[0].url);
}

TEST(S3StorageVerbs, CheckWritableLearnsThatAStoreIgnoresConditions) {
  auto fake = std::make_shared<FakeS3>();
  fake->set_ignore_conditions(true);
  auto storage = storage_over(fake);
  EXPECT_TRUE(storage->supports_conditional_writes());  // not known yet
  storage->check_writable();
  EXPECT_FALSE(storage->supports_conditional_writes());
  EXPECT_TRUE(fake->objects().empty());
}

TEST(S3StorageVerbs, CheckWritableFailsOnAStoreThatRejectsConditions) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("PUT", "_pgexport_probe", [](const http::Request& request) {
    if (http::find_header(request.headers, "if-none-match")) {
      return answer(501,
                    "<Error><Code>NotImplemented</Code><Message>If-None-Match</Message>"
                    "</Error>");
    }
    return answer(200, "", {{"ETag", "\"e\""}});
  });
  transport->on("DELETE", "_pgexport_probe", 204, "");
  auto storage = storage_over(transport);
  try {
    storage->check_writable();
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::destination_unwritable);
    EXPECT_NE(std::string(error.what()).find("NotImplemented"), std::string::npos) << error.what();
  }
  const auto requests = transport->requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests.back().method, "DELETE");  // the probe is cleaned up all the same
}

}  // namespace
}  // namespace pgexport::s3
