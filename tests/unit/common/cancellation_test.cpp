// What a stop signal does to requests (interrupt_requested) with and without a StopGrace or a
// CleanupWindow. The stop state is process-wide and a signal cannot be taken back, so each case
// runs in a child process of its own (a gtest death test) and reports through its exit code.
#include "common/cancellation.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

namespace pgexport {
namespace {

using namespace std::chrono_literals;

// Exits 0 when `check` holds, 1 otherwise: the child's answer.
template <typename Check>
[[noreturn]] void answer(Check check) {
  std::exit(check() ? 0 : 1);
}

TEST(CancellationDeathTest, WithoutGraceASignalInterruptsAtOnce) {
  EXPECT_EXIT(answer([] {
                install_stop_signal_handlers();
                if (interrupt_requested()) return false;
                std::raise(SIGTERM);
                return stop_requested() && interrupt_requested() && stop_signal() == SIGTERM;
              }),
              ::testing::ExitedWithCode(0), "");
}

TEST(CancellationDeathTest, AStopGraceLetsRequestsRunUntilItsBudgetAfterTheSignal) {
  EXPECT_EXIT(answer([] {
                install_stop_signal_handlers();
                StopGrace grace(1h);
                std::raise(SIGTERM);
                return stop_requested() && !interrupt_requested();
              }),
              ::testing::ExitedWithCode(0), "");
  // A budget of one tick has passed by the time anything is asked.
  EXPECT_EXIT(answer([] {
                install_stop_signal_handlers();
                StopGrace grace(std::chrono::steady_clock::duration(1));
                std::raise(SIGTERM);
                return interrupt_requested();
              }),
              ::testing::ExitedWithCode(0), "");
}

TEST(CancellationDeathTest, AStopWithoutASignalIsNotDelayedByAGrace) {
  EXPECT_EXIT(answer([] {
                StopGrace grace(1h);
                request_stop();
                return interrupt_requested();
              }),
              ::testing::ExitedWithCode(0), "");
}

TEST(CancellationDeathTest, TheGraceEndsWithItsScopeAndACleanupWindowTakesPrecedence) {
  EXPECT_EXIT(answer([] {
                install_stop_signal_handlers();
                { StopGrace grace(1h); }
                std::raise(SIGTERM);
                if (!interrupt_requested()) return false;
                StopGrace grace(1h);
                // A window whose budget is spent interrupts, whatever the grace allows.
                CleanupWindow window(0s);
                return interrupt_requested();
              }),
              ::testing::ExitedWithCode(0), "");
}

TEST(CancellationDeathTest, AStopWithoutASignalCanBeClearedForTheNextJob) {
  EXPECT_EXIT(answer([] {
                install_stop_signal_handlers();
                request_stop();
                if (!stop_requested()) return false;
                return clear_stop_request() && !stop_requested() && !interrupt_requested();
              }),
              ::testing::ExitedWithCode(0), "");
}

TEST(CancellationDeathTest, ASignalsStopStaysWhenCleared) {
  EXPECT_EXIT(answer([] {
                install_stop_signal_handlers();
                std::raise(SIGTERM);
                return !clear_stop_request() && stop_requested() && interrupt_requested();
              }),
              ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace pgexport
