#include "cli/exit_codes.h"

namespace rotor::cli {

int ExitCodeFor(const core::Status& status) {
  switch (status.code()) {
    case core::Code::kOk:
      return kExitOk;
    case core::Code::kInvalidArgument:
    case core::Code::kNotFound:
    case core::Code::kAmbiguous:
    case core::Code::kUnauthenticated:
    case core::Code::kPermissionDenied:
      return kExitUsage;
    case core::Code::kFailedPrecondition:
    case core::Code::kUnavailable:
    case core::Code::kThrottled:
    case core::Code::kDeadlineExceeded:
    case core::Code::kMalformed:
    case core::Code::kAborted:
      return kExitFailed;
    case core::Code::kBlocked:
      return kExitBlocked;
    case core::Code::kPaused:
      return kExitPaused;
    case core::Code::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

}  // namespace rotor::cli
