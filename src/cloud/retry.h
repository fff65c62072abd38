// The AWS SDK "standard" retry mode, as current botocore implements it (DESIGN.md section 5).
// Every decision is a pure function of its inputs; the caller sleeps on its own Clock. It lives
// in cloud/ so that the real wire (aws/) and the simulator (sim/), which answers errors the way
// AWS does, make the same decisions.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/rng.h"
#include "core/status.h"

namespace rotor::cloud {

enum class ErrorKind {
  kNone,        // success
  kThrottling,  // Throttling, RequestLimitExceeded, ...: back off from 1 s
  kTransient,   // 5xx, RequestTimeout, connection errors: back off from 50 ms
  kTimeout,     // a transport timeout: transient, but costs more retry quota
  kFatal,       // anything else: never retried
};

// What one attempt produced, as seen by the retry layer.
struct AttemptOutcome {
  int http_status = 0;     // 0 when no answer arrived
  std::string error_code;  // the AWS error code from the body, if any
  bool connection_error = false;
  bool timeout = false;
  std::optional<core::Duration> retry_after;  // from x-amz-retry-after (milliseconds)
};

ErrorKind ClassifyAttempt(const AttemptOutcome& outcome);
bool IsThrottlingCode(std::string_view code);

struct RetryConfig {
  int max_attempts = 3;  // total attempts, the first included
  core::Duration throttling_scale = std::chrono::seconds(1);
  core::Duration transient_scale = std::chrono::milliseconds(50);
  core::Duration max_backoff = std::chrono::seconds(20);
};

// The configuration for a service ("dynamodb" backs off transient errors from 25 ms).
// `mode` is AWS_RETRY_MODE / retry_mode: "standard" (default), "legacy" (5 attempts by
// default) or "adaptive" (treated as standard: rotor paces itself). `max_attempts` <= 0 means
// the mode's default. kInvalidArgument for another mode or a max_attempts above 50.
core::Result<RetryConfig> MakeRetryConfig(std::string_view service, std::string_view mode,
                                          int max_attempts);

// Delay before retry n (n = the 1-based number of the attempt that just failed):
// rand × min(scale × 2^(n−1), max_backoff), stretched up to x-amz-retry-after but at most 5 s
// beyond the computed delay.
core::Duration BackoffDelay(const RetryConfig& config, ErrorKind kind, int attempt, double rand,
                            std::optional<core::Duration> retry_after);

// The client-side retry token bucket: 500 tokens, 5 per retry, 10 per retry after a timeout,
// success gives back what its retries took, or 1 when there were none. Shared by all clients
// of one rotor process. Not thread-safe.
class RetryQuota {
 public:
  static constexpr int kCapacity = 500;
  static constexpr int kRetryCost = 5;
  static constexpr int kTimeoutRetryCost = 10;
  static constexpr int kNoRetryIncrement = 1;

  // Returns the tokens taken, or 0 when the quota is exhausted (do not retry).
  int Acquire(ErrorKind kind);
  void Release(int tokens);
  int available() const { return available_; }

 private:
  int available_ = kCapacity;
};

// The decision after a failed attempt: wait `delay` then retry, or give up.
struct RetryDecision {
  bool retry = false;
  bool retryable_error = false;  // the error was of a retryable kind (even if not retried)
  core::Duration delay{0};
  int tokens = 0;       // quota taken for this retry; give back on success
  std::string why_not;  // when !retry: "not retryable", "max attempts", "retry quota exhausted"
};

RetryDecision DecideRetry(const RetryConfig& config, RetryQuota& quota, core::Rng& rng,
                          const AttemptOutcome& outcome, int attempt);

}  // namespace rotor::cloud
