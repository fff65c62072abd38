#include "cloud/backoff.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"

namespace rotor::cloud {

namespace {

// "14:02:10 UTC", for messages about when trouble began.
std::string ClockTime(core::Time t) {
  std::string iso = core::FormatIso8601(t);  // 2026-11-22T14:02:10Z
  return iso.size() >= 19 ? iso.substr(11, 8) + " UTC" : iso;
}

}  // namespace

bool Unreachable(const core::Status& e) {
  return e.retryable() || e.code() == core::Code::kUnavailable ||
         e.code() == core::Code::kThrottled || e.code() == core::Code::kDeadlineExceeded;
}

std::string Backoff::RetryLine(const std::string& cause, const BackoffDecision& d) {
  return fmt::format("{}: retrying in {}s (attempt {}); Ctrl-C to pause", cause,
                     std::chrono::duration_cast<std::chrono::seconds>(d.delay).count(), d.attempt);
}

std::string Backoff::GiveUpReason(const std::string& cause, const std::string& operation_id,
                                  bool deadline_passed, bool refused) const {
  std::string resume = fmt::format("run `rotor rollout resume {}`", operation_id);
  if (refused) {
    return fmt::format(
        "{} failed {} times since {}; nothing more was changed; fix the cause and {}", cause,
        failures_, ClockTime(since_), resume);
  }
  return fmt::format(
      "{} since {} ({}); nothing more was changed; {} when it is back",
      deadline_passed ? "the --deadline passed with AWS unreachable" : "AWS unreachable",
      ClockTime(since_), cause, resume);
}

BackoffDecision Backoff::Failed(core::Time now, std::optional<core::Time> deadline) {
  if (failures_ == 0) since_ = now;
  ++failures_;
  core::Time bound = since_ + policy_.give_up_after;
  if (deadline) bound = std::min(bound, *deadline);
  BackoffDecision d;
  d.attempt = failures_ + 1;
  if (now >= bound) {
    d.give_up = true;
    return d;
  }
  // 5 s × 2^(n−1): 5, 10, 20, 40, 80, 160, then 300 s from the seventh failure on. The shift is
  // bounded so that a streak of any length cannot overflow.
  core::Duration delay = policy_.first * (int64_t{1} << std::min(failures_ - 1, 20));
  d.delay = std::min({delay, policy_.cap, bound - now});
  d.retry_at = now + d.delay;
  return d;
}

}  // namespace rotor::cloud
