#include <gtest/gtest.h>

#include "http/http.hpp"

namespace pgexport::http {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

TEST(HttpDate, ParsesTheImfFixdateOfRfc7231) {
  // RFC 7231's own example; 784111777 is its Unix time.
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            system_clock::time_point(seconds(784111777)));
  EXPECT_EQ(parse_http_date("Sat, 28 Feb 2026 23:59:01 GMT"),
            system_clock::time_point(seconds(1772323141)));
}

TEST(HttpDate, RejectsOtherFormsAndImpossibleDates) {
  for (const char* text : {"", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                           "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT",
                           "Sun, 06 Nov 1994 24:49:37 GMT", "Sun, 06 Nvm 1994 08:49:37 GMT",
                           "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT "}) {
    EXPECT_FALSE(parse_http_date(text)) << text;
  }
}

}  // namespace
}  // namespace pgexport::http
