// The replication stream: a CopyData payload of START_REPLICATION (XLogData or keepalive), and
// the pgoutput message an XLogData carries.
#include "fuzz_target.hpp"
#include "pg/replication/pgoutput.hpp"
#include "pg/replication/replication_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bytes = pgexport::fuzz::as_text(data, size);
  pgexport::fuzz::refusal_allowed([&] {
    auto message = pgexport::pg::replication::decode_replication_message(bytes);
    if (auto* xlog = std::get_if<pgexport::pg::replication::XLogData>(&message)) {
      auto decoded = pgexport::pg::replication::decode_pgoutput(xlog->data);
      (void)pgexport::pg::replication::message_type_name(decoded);
    }
  });
  // The same bytes as a pgoutput message on its own, so the fuzzer need not learn the
  // XLogData header first.
  pgexport::fuzz::refusal_allowed([&] {
    auto decoded = pgexport::pg::replication::decode_pgoutput(bytes);
    (void)pgexport::pg::replication::message_type_name(decoded);
  });
  return 0;
}
