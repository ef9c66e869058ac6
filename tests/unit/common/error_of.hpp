// The pgexport::Error an action throws, so a test can check its kind and message; a test
// failure when it throws none.
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "common/error.hpp"

namespace pgexport::test_support {

inline Error error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no error was thrown";
  return Error(ErrorKind::internal, "");
}

}  // namespace pgexport::test_support
