// Running a local program (the system `ssh`) with its output bounded and a time limit: the one
// place rotor starts another process. No shell: the arguments go to exec as they are.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"

namespace rotor::remote {

struct ProcessLimits {
  std::chrono::milliseconds timeout{60000};  // then the process group is killed
  size_t max_output = 64 * 1024;             // bytes kept of stdout, and of stderr; the rest read
                                             // and dropped, so the program never blocks on a pipe
  // When not empty: the program is ended as soon as its stderr shows this text, and the result
  // says so (`stopped`) — for a program that has answered but would go on (ssh -W holding a
  // connection open). The text must come within the first max_output bytes.
  std::string stop_when;
};

struct ProcessResult {
  int exit_status = -1;    // the program's exit status; 128 + N when signal N ended it
  std::string out;         // stdout, at most max_output bytes
  std::string err;         // stderr, likewise
  bool truncated = false;  // either was cut at max_output
  bool stopped = false;    // ended on seeing ProcessLimits::stop_when
};

// Runs argv[0] (looked up in PATH) with argv, stdin from /dev/null, in a process group of its
// own. kDeadlineExceeded when the time limit passed (the group is killed: SIGTERM, then SIGKILL
// a second later), kNotFound when the program cannot be started, kInternal for a failing pipe or
// fork. Thread-compatible.
core::Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                       const ProcessLimits& limits);

}  // namespace rotor::remote
