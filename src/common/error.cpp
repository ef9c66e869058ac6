#include "common/error.hpp"

#include <array>

namespace pgexport {

namespace {
constexpr std::array kErrorKindInfos = {
#define PGEXPORT_ERROR_INFO(name, retryable, exit_code, summary) \
  ErrorKindInfo{#name, retryable, exit_code, summary},
    PGEXPORT_ERROR_KINDS(PGEXPORT_ERROR_INFO)
#undef PGEXPORT_ERROR_INFO
};
}  // namespace

const ErrorKindInfo& error_kind_info(ErrorKind kind) {
  return kErrorKindInfos.at(static_cast<size_t>(kind));
}

}  // namespace pgexport
