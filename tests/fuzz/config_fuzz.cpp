// The --config file (TOML or INI, read by CLI11) with every export option bound, then the
// options table's validation: what pgexport does with a configuration before any work.
#include <CLI/CLI.hpp>

#include <sstream>

#include "cli/options.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pgexport;
  std::istringstream config{std::string(fuzz::as_text(data, size))};
  CLI::App app{"pgexport export", "pgexport"};
  cli::Settings settings;
  cli::bind_options(app, cli::export_options(), settings);
  try {
    app.parse_from_stream(config);
  } catch (const CLI::Error&) {
    return 0;  // main answers these with one usage line and exit 2
  }
  fuzz::refusal_allowed([&] { cli::validate_options(cli::export_options(), settings); });
  return 0;
}
