// Exit codes of DESIGN.md section 7, and the mapping from a Status to one.
#pragma once

#include "core/status.h"

namespace rotor::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,   // failed (and rolled back); for reads: AWS unreachable, throttled, bad answer
  kExitUsage = 2,    // usage or input error: flags, files, names, credentials, permissions
  kExitBlocked = 3,  // blocked by pre-flight or a lease
  kExitPaused = 4,   // paused for a person
  kExitInternal = 70,  // a bug in rotor
};

int ExitCodeFor(const core::Status& status);

}  // namespace rotor::cli
