#include "common/terminal_progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace pgexport {

namespace {
// Carriage return, then "erase to the end of the line" (ECMA-48 EL): what every terminal
// emulator since the VT100 understands.
constexpr std::string_view kEraseLine = "\r\x1b[K";
}  // namespace

TerminalProgress::TerminalProgress(Sink sink, Clock clock, size_t width,
                                   std::chrono::milliseconds min_redraw_interval)
    : sink_(std::move(sink)),
      clock_(std::move(clock)),
      width_(width < 2 ? 2 : width),
      min_redraw_interval_(min_redraw_interval) {}

void TerminalProgress::draw() {
  std::string bytes(kEraseLine);
  bytes += text_;
  sink_(bytes);
  shown_ = true;
  last_draw_ = clock_();
}

void TerminalProgress::update(const ProgressCounts& counts) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  // The last column stays free: writing into it makes some terminals wrap at once.
  text_ = progress_line(counts).substr(0, width_ - 1);
  if (shown_ && clock_() - last_draw_ < min_redraw_interval_) return;
  draw();
}

void TerminalProgress::finish() {
  std::lock_guard lock(mutex_);
  if (shown_) sink_(kEraseLine);
  shown_ = false;
  finished_ = true;
}

void TerminalProgress::write_line(std::string_view line) {
  std::lock_guard lock(mutex_);
  if (!shown_) {
    sink_(line);
    return;
  }
  // One write: erase, the log line, the display again (not counted as a redraw: it shows
  // nothing new).
  std::string bytes(kEraseLine);
  bytes += line;
  bytes += kEraseLine;
  bytes += text_;
  sink_(bytes);
}

TerminalProgress::Sink TerminalProgress::stderr_sink() {
  return [](std::string_view bytes) {
    std::fwrite(bytes.data(), 1, bytes.size(), stderr);
    std::fflush(stderr);
  };
}

size_t TerminalProgress::stderr_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace pgexport
