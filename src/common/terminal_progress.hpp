// The live progress display: one line at the bottom of a terminal, redrawn in place, which log
// lines written meanwhile pass above without garbling it, and which is removed at the end.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "common/log.hpp"
#include "common/progress.hpp"

namespace pgexport {

class TerminalProgress : public ProgressReporter, public log::LineOutput {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // Bytes for the terminal, written as given (one call per redraw, so a line never tears).
  using Sink = std::function<void(std::string_view)>;

  // At most 4 redraws a second: faster is unreadable flicker, and each redraw is terminal
  // traffic (over ssh, or a recorded session) that tells nobody anything new.
  static constexpr std::chrono::milliseconds kMinRedrawInterval{250};

  // `width` is the terminal's columns: the line is cut to fit, since a wrapped line could no
  // longer be erased with one carriage return.
  TerminalProgress(Sink sink, Clock clock, size_t width,
                   std::chrono::milliseconds min_redraw_interval = kMinRedrawInterval);

  // Redraws with these counts unless the last redraw was less than the interval ago.
  void update(const ProgressCounts& counts) override;
  // Erases the line; nothing is drawn after this.
  void finish() override;
  // A log line: erase the display, write the line, draw the display again below it.
  void write_line(std::string_view line) override;

  // A sink that writes to stderr, and the width of the terminal on stderr (80 if unknown).
  static Sink stderr_sink();
  static size_t stderr_width();

 private:
  void draw();

  Sink sink_;
  Clock clock_;
  size_t width_;
  std::chrono::milliseconds min_redraw_interval_;
  std::mutex mutex_;
  std::string text_;
  bool shown_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace pgexport
