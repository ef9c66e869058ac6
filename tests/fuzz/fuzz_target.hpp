// What every fuzz target shares. A target is one LLVMFuzzerTestOneInput: scripts/fuzz.sh links
// it with libFuzzer (clang, -fsanitize=fuzzer,address,undefined) to search for inputs, and the
// ordinary build links it with replay_main.cpp, so CTest runs it over its kept corpus
// (tests/fuzz/corpus/<target>/: seeds and every input that once crashed) on every test run.
//
// A target feeds untrusted bytes to one parser. The parser may refuse them with
// pgexport::Error, the error every caller handles; anything else that escapes (another
// exception, a crash, a sanitizer report, a hang) is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/byte_sink.hpp"
#include "common/error.hpp"

namespace pgexport::fuzz {

// Where encoders write: the bytes are counted and dropped (the targets look for crashes, not
// for the output).
class DiscardSink final : public ByteSink {
 public:
  void write(std::string_view bytes) override { written_ += bytes.size(); }

 private:
  size_t written_ = 0;
};

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `parse`; a pgexport::Error is a refusal, the expected answer to bad bytes. With
// PGEXPORT_FUZZ_VERBOSE set, each refusal is printed: a seed that is refused where it should be
// accepted would only test the error path.
template <typename Parse>
void refusal_allowed(Parse&& parse) {
  try {
    parse();
  } catch (const Error& error) {
    static const bool verbose = std::getenv("PGEXPORT_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "refused: %s\n", error.what());
  }
}

}  // namespace pgexport::fuzz
