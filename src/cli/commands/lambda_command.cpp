#include "cli/commands/lambda_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <numeric>

#include "cli/commands/command_setup.hpp"
#include "cli/export_reporting.hpp"
#include "cli/export_settings.hpp"
#include "cli/lambda_event.hpp"
#include "common/cancellation.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "export/commit.hpp"
#include "http/curl_transport.hpp"
#include "lambda/deadline.hpp"
#include "lambda/deadline_stop.hpp"
#include "lambda/runtime_api.hpp"

namespace pgexport::cli {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using SystemClock = std::chrono::system_clock;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kWhereInstead =
    "run it as an ECS task (the recommended way: no time limit) or with fewer tables "
    "(include/exclude)";

std::string runtime_api_host() {
  const char* host = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (host == nullptr || *host == '\0') {
    fail(ErrorKind::usage,
         "AWS_LAMBDA_RUNTIME_API is not set: `pgexport lambda` is the entrypoint of a Lambda "
         "function (ImageConfig Command [\"lambda\"]); elsewhere run `pgexport export`");
  }
  return host;
}

lambda::FunctionError function_error(const Error& error) {
  return {"pgexport." + std::string(error_kind_info(error.kind()).name), error.what()};
}

double seconds(milliseconds duration) {
  return static_cast<double>(duration.count()) / 1000;
}

lambda::DeadlineRules deadline_rules(const Settings& settings) {
  lambda::DeadlineRules rules;
  rules.bytes_per_second_per_job = settings.size("lambda-rate");
  rules.jobs = static_cast<int>(settings.integer("jobs"));
  rules.cleanup_timeout = settings.duration("cleanup-timeout");
  rules.margin = settings.duration("lambda-margin");
  return rules;
}

// Refuses an export the catalog says will not fit; called before anything is written.
void check_estimate(const lambda::Invocation& invocation, const lambda::DeadlineRules& rules,
                    const std::vector<exporter::ExportTask>& tasks, size_t tables) {
  const uint64_t bytes = std::accumulate(
      tasks.begin(), tasks.end(), uint64_t{0},
      [](uint64_t sum, const exporter::ExportTask& task) { return sum + task.estimated_bytes; });
  const auto plan =
      lambda::plan_deadline(invocation.deadline, SystemClock::now(), bytes, tasks.size(), rules);
  log::info("deadline estimate", {log::field("tables", tables), log::field("catalog_bytes", bytes),
                                  log::field("estimate_seconds", seconds(plan.estimate)),
                                  log::field("reserve_seconds", seconds(plan.reserve)),
                                  log::field("remaining_seconds", seconds(plan.remaining))});
  if (!plan.fits()) {
    fail(ErrorKind::deadline,
         "the export cannot finish before the invocation deadline, so it was not started and "
         "nothing was written: {} tables of {} need about {:.0f} s at --lambda-rate {} B/s per "
         "job, plus {:.0f} s kept for --cleanup-timeout and --lambda-margin, but {:.0f} s are "
         "left; {}",
         tables, human_bytes(bytes), seconds(plan.estimate), rules.bytes_per_second_per_job,
         seconds(plan.reserve), seconds(plan.remaining), kWhereInstead);
  }
}

// Runs one invocation's export; returns the committed run's summary.
nlohmann::json run_invocation(const lambda::Invocation& invocation, const Settings& settings) {
  const auto rules = deadline_rules(settings);
  const auto opening = lambda::plan_deadline(invocation.deadline, SystemClock::now(), rules);
  if (opening.stop_after() <= milliseconds(0)) {
    fail(ErrorKind::deadline,
         "the invocation has {:.1f} s left, not more than the {:.0f} s kept for "
         "--cleanup-timeout and --lambda-margin, so no export was started and nothing was "
         "written; give the function a longer timeout, or {}",
         seconds(opening.remaining), seconds(opening.reserve), kWhereInstead);
  }
  auto run = prepare_export(settings);
  // From here the deadline stops the export as SIGTERM would: statements cancelled, this
  // attempt's objects removed within the cleanup timeout, nothing published.
  lambda::DeadlineStop deadline_stop(SteadyClock::now() + opening.stop_after());
  run.config.before_writing = [&](const std::vector<pg::CatalogTable>& tables,
                                  const std::vector<exporter::ExportTask>& tasks) {
    check_estimate(invocation, rules, tasks, tables.size());
  };
  // Progress events every --progress-interval show in CloudWatch that a long invocation is
  // alive (a function has no terminal, so never the live display).
  ExportReporting reporting(settings, "lambda", run.config.run_id);
  run.config.progress = reporting.progress();
  try {
    auto summary = exporter::run_export(run.config, *run.format, *run.storage);
    reporting.report_committed(summary, run.config, *run.storage);
    return summary_document(summary, *run.storage);
  } catch (const exporter::CommitUncertain&) {
    throw;  // the run may be committed: its own message says what to do
  } catch (const std::exception&) {
    if (!deadline_stop.fired()) throw;
    fail(ErrorKind::deadline,
         "the export could not finish before the invocation deadline: it was stopped {:.0f} s "
         "before it, its partial objects were removed and nothing was published; {}",
         seconds(opening.reserve), kWhereInstead);
  }
}

// Answers one invocation; only a failure to reach the Runtime API escapes.
void handle(lambda::RuntimeApiClient& client, const lambda::Invocation& invocation,
            const std::vector<OptionSpec>& specs, const Settings& defaults) {
  log::info(
      "invocation received",
      {{"request_id", invocation.request_id},
       log::field("remaining_seconds",
                  seconds(duration_cast<milliseconds>(invocation.deadline - SystemClock::now())))});
  std::optional<lambda::FunctionError> failure;
  std::string response;
  try {
    // The event is never logged: it may carry a connection string with a password.
    const Settings settings = settings_from_event(invocation.event, specs, defaults);
    response = run_invocation(invocation, settings).dump();
  } catch (const Error& error) {
    failure = function_error(error);
  } catch (const std::exception& error) {
    failure = function_error(Error(ErrorKind::internal, error.what()));
  }
  if (failure) {
    log::error(failure->message, {{"error", failure->type.substr(failure->type.find('.') + 1)},
                                  {"request_id", invocation.request_id}});
    client.respond_error(invocation, *failure);
    return;
  }
  client.respond(invocation, response);
  log::info("invocation answered", {{"request_id", invocation.request_id}});
}

}  // namespace

LambdaCommand::LambdaCommand(CLI::App& app)
    : Command(app, "lambda",
              "Run as the entrypoint of an AWS Lambda function: each invocation's event (export "
              "options as JSON) runs one export that must commit before the deadline",
              lambda_options()) {}

int LambdaCommand::run() {
  try {
    validate_options(options_, settings_);
  } catch (const Error& error) {
    // Lambda shows the init error as the invocation's failure, where the user looks first.
    if (const char* host = std::getenv("AWS_LAMBDA_RUNTIME_API"); host && *host) {
      try {
        http::CurlTransport transport;
        lambda::RuntimeApiClient(transport, host).report_init_error(function_error(error));
      } catch (const std::exception& report_error) {
        log::warn("the init error could not be reported to the Lambda Runtime API",
                  {{"error", report_error.what()}});
      }
    }
    throw;
  }
  return execute();
}

int LambdaCommand::execute() {
  configure_logging(settings_);
  const std::string host = runtime_api_host();
  http::CurlTransport transport;
  lambda::RuntimeApiClient client(transport, host);
  log::info("lambda runtime started", {{"runtime_api", host}});
  // One invocation after another, until the Runtime API ends the environment (runtime_api)
  // or a signal stops the process (interrupted).
  while (true) {
    const auto invocation = client.next();
    handle(client, invocation, options_, settings_);
    // A deadline's stop ended that invocation only; a signal's ends the process.
    if (!clear_stop_request()) throw_if_stop_requested();
  }
}

}  // namespace pgexport::cli
