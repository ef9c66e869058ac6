// Runs a fuzz target over files, as libFuzzer would replay them, without libFuzzer: the build
// CTest uses (gcc) has none. Each argument is a file or a directory of files. Exits non-zero
// if a directory holds no file, so an emptied corpus cannot pass unnoticed; a crash or an
// escaping exception ends the process as it would under the fuzzer.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void replay(const std::filesystem::path& path) {
  std::string bytes = read_file(path);
  // A copy in a buffer of its own size, so that AddressSanitizer (when the build has it)
  // catches a read one byte past the input.
  std::vector<uint8_t> input(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(input.data(), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  size_t files = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      size_t in_directory = 0;
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (!entry.is_regular_file()) continue;
        replay(entry.path());
        ++in_directory;
      }
      if (in_directory == 0) {
        std::fprintf(stderr, "%s holds no input\n", argv[i]);
        return 1;
      }
      files += in_directory;
    } else {
      replay(path);
      ++files;
    }
  }
  std::printf("replayed %zu inputs\n", files);
  return files > 0 ? 0 : 1;
}
