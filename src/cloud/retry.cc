#include "cloud/retry.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace rotor::cloud {
namespace {

constexpr std::array<std::string_view, 14> kThrottlingCodes = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

constexpr std::array<std::string_view, 7> kTransientCodes = {
    "RequestTimeout",  "RequestTimeoutException", "PriorRequestNotComplete", "InternalError",
    "InternalFailure", "ServiceUnavailable",      "InternalServerError",
};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view code) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

constexpr core::Duration kRetryAfterMaxAdditional = std::chrono::seconds(5);

}  // namespace

bool IsThrottlingCode(std::string_view code) { return Contains(kThrottlingCodes, code); }

ErrorKind ClassifyAttempt(const AttemptOutcome& o) {
  if (o.timeout) return ErrorKind::kTimeout;
  if (o.connection_error) return ErrorKind::kTransient;
  if (o.http_status >= 200 && o.http_status < 300 && o.error_code.empty()) return ErrorKind::kNone;
  if (IsThrottlingCode(o.error_code)) return ErrorKind::kThrottling;
  if (Contains(kTransientCodes, o.error_code)) return ErrorKind::kTransient;
  int s = o.http_status;
  if (s == 500 || s == 502 || s == 503 || s == 504) return ErrorKind::kTransient;
  return ErrorKind::kFatal;
}

core::Result<RetryConfig> MakeRetryConfig(std::string_view service, std::string_view mode,
                                          int max_attempts) {
  RetryConfig config;
  if (mode == "legacy") {
    config.max_attempts = 5;
  } else if (!mode.empty() && mode != "standard" && mode != "adaptive") {
    return core::InvalidArgument(fmt::format(
        "retry mode '{}' is not known (AWS_RETRY_MODE or retry_mode: standard, legacy or "
        "adaptive)",
        mode));
  }
  if (max_attempts > 50) {
    return core::InvalidArgument(
        fmt::format("max_attempts {} is too large (AWS_MAX_ATTEMPTS: 1 to 50)", max_attempts));
  }
  if (max_attempts > 0) config.max_attempts = max_attempts;
  if (service == "dynamodb") config.transient_scale = std::chrono::milliseconds(25);
  return config;
}

core::Duration BackoffDelay(const RetryConfig& config, ErrorKind kind, int attempt, double rand,
                            std::optional<core::Duration> retry_after) {
  // Worked numbers (throttling, scale 1 s): attempt 1 → rand × 1 s, 2 → rand × 2 s,
  // 5 → rand × 16 s, 6 and later → rand × 20 s. Transient (50 ms): 50, 100, 200 ms, ...
  core::Duration scale =
      kind == ErrorKind::kThrottling ? config.throttling_scale : config.transient_scale;
  double cap_ms = static_cast<double>(config.max_backoff.count());
  double base_ms = static_cast<double>(scale.count()) * std::pow(2.0, attempt - 1);
  auto delay = core::Duration(static_cast<int64_t>(rand * std::min(base_ms, cap_ms)));
  if (retry_after) {
    // Honour the server's wish, but never more than 5 s beyond our own delay.
    delay = std::max(delay, std::min(*retry_after, delay + kRetryAfterMaxAdditional));
  }
  return delay;
}

int RetryQuota::Acquire(ErrorKind kind) {
  int cost = kind == ErrorKind::kTimeout ? kTimeoutRetryCost : kRetryCost;
  if (available_ < cost) return 0;
  available_ -= cost;
  return cost;
}

void RetryQuota::Release(int tokens) { available_ = std::min(kCapacity, available_ + tokens); }

RetryDecision DecideRetry(const RetryConfig& config, RetryQuota& quota, core::Rng& rng,
                          const AttemptOutcome& outcome, int attempt) {
  RetryDecision d;
  ErrorKind kind = ClassifyAttempt(outcome);
  if (kind == ErrorKind::kNone || kind == ErrorKind::kFatal) {
    d.why_not = "not retryable";
    return d;
  }
  d.retryable_error = true;
  if (attempt >= config.max_attempts) {
    d.why_not = fmt::format("gave up after {} attempts", attempt);
    return d;
  }
  d.tokens = quota.Acquire(kind);
  if (d.tokens == 0) {
    d.why_not = "retry quota exhausted";
    return d;
  }
  d.retry = true;
  d.delay = BackoffDelay(config, kind, attempt, rng.Uniform01(), outcome.retry_after);
  return d;
}

}  // namespace rotor::cloud
