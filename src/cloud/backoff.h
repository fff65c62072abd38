// How a driver persists while the cloud keeps failing (DESIGN.md section 3): a failed act or
// observation is tried again after a wait that doubles with each failure in a row — 5 s, 10 s,
// 20 s, ... at most 5 min — until a bound: `--unreachable-timeout` after the first failure of
// the streak, or the operation's deadline. Past the bound the driver stops (paused, resumable).
// Shared by every engine that acts on the cloud (rollout/, runbook/). Pure: the caller passes the
// time and sleeps on its own Clock. Not thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"

namespace rotor::cloud {

struct BackoffPolicy {
  core::Duration first = std::chrono::seconds(5);
  core::Duration cap = std::chrono::minutes(5);
  core::Duration give_up_after = std::chrono::minutes(30);  // --unreachable-timeout
};

struct BackoffDecision {
  bool give_up = false;
  core::Time retry_at{};  // when to try again (never past the bound)
  core::Duration delay{0};
  int attempt = 0;  // the number of the attempt that comes next (2 after the first failure)
};

// AWS out of reach or overloaded (connection refused, timeouts, 5xx or throttling after the
// SDK's own retries), as opposed to a refusal that repeating will not change.
bool Unreachable(const core::Status& error);

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {}) : policy_(policy) {}

  // Records one more failure at `now`. Gives up once the bound has passed; otherwise the next
  // attempt comes `first × 2^(failures−1)` (capped) later, or at the bound if that is sooner,
  // so the last attempt is made right at the bound.
  BackoffDecision Failed(core::Time now, std::optional<core::Time> deadline);
  // Ends the streak: the next failure starts again from `first`.
  void Succeeded() { failures_ = 0; }

  bool failing() const { return failures_ > 0; }
  int failures() const { return failures_; }
  core::Time since() const { return since_; }  // the streak's first failure
  const BackoffPolicy& policy() const { return policy_; }

  // What the user sees and the journal keeps, the same for every engine. `cause` names the act
  // and the error ("terminate drained i-1: cannot reach ..."), already bounded by the caller.
  //   "CAUSE: retrying in 40s (attempt 5); Ctrl-C to pause"
  static std::string RetryLine(const std::string& cause, const BackoffDecision& decision);
  //   "AWS unreachable since 14:02:10 UTC (CAUSE); nothing more was changed; run `rotor rollout
  //   resume ID` when it is back" (or "the --deadline passed with AWS unreachable since ...");
  //   for a refusal: "CAUSE failed 3 times since ...; ... fix the cause and run ...".
  std::string GiveUpReason(const std::string& cause, const std::string& operation_id,
                           bool deadline_passed, bool refused) const;

 private:
  BackoffPolicy policy_;
  int failures_ = 0;
  core::Time since_{};
};

}  // namespace rotor::cloud
