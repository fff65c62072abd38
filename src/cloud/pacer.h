// Invariant I9: requests per second to any one service never exceed the run's ceiling, so a
// bug can never hammer an account. RequestPacer decides when each request may go; the caller
// sleeps on its own Clock. RateViolations checks a recorded run afterwards. Both live in
// cloud/ so that the real wire (aws/) and the simulator (sim/) pace and check alike.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace rotor::cloud {

// The ceiling in requests per second, per service, as the command line takes it (--max-rps).
inline constexpr double kDefaultRequestCeiling = 10;
inline constexpr double kMaxRequestCeiling = 1000;

// The rule both the pacer and the checker apply for a ceiling c:
//   c >= 1: at most floor(c) requests in any window [t, t + 1 s)     (c = 10.7: 10 per second)
//   c < 1:  at most 1 request in any window [t, t + 1/c)             (c = 0.5: 2 s apart)
// limit == 0 means no ceiling (c <= 0 or not finite). c above kMaxRequestCeiling is taken as
// kMaxRequestCeiling: pacing harder than asked is safe, a deque of billions is not.
struct RateRule {
  size_t limit = 0;
  core::Duration window{0};
};
RateRule RateRuleFor(double ceiling);

// Paces requests per service. Pure with respect to time: it never reads a clock, it is told
// `now` and answers when to send. Keeps only the latest limit send times per service.
// Not thread-safe; one per process, shared by all clients (like RetryQuota).
class RequestPacer {
 public:
  // `ceiling`: requests per second per service; <= 0 (or not finite) means no ceiling.
  explicit RequestPacer(double ceiling) : rule_(RateRuleFor(ceiling)) {}

  // Returns the earliest time >= now at which a request to `service` ("autoscaling", "ec2")
  // may be sent, and records it as sent then; the caller sleeps until then and sends.
  // Reservations for one service are granted in call order: a request is never paced ahead of
  // an earlier reservation, even when `now` is earlier than that reservation.
  core::Time Reserve(const std::string& service, core::Time now);

  // Optional: moves the record of the request to `service` reserved at `at` (what Reserve
  // returned) to `answered`, when its answer came back. On a real network a request reaches
  // the service some unknown latency after it leaves, but before its answer returns; counting
  // windows from the answer keeps the ceiling at the service's end too. A simulator that
  // answers at once need not call it. Ignored when `answered` <= `at` or the record is gone.
  void Answered(const std::string& service, core::Time at, core::Time answered);

 private:
  RateRule rule_;
  std::map<std::string, std::deque<core::Time>> recent_;  // service -> latest sends, oldest first
};

// A call as recorded: the service it went to and when it was sent.
using TimedCall = std::pair<std::string, core::Time>;

// Checks I9 on every call of a run (in time order). Returns one message per service whose
// busiest window (see RateRule) held more than the limit, with that window, services sorted by
// name; e.g. "I9: 12 autoscaling requests in the second from +31.200s, ceiling 10". Window
// starts are shown relative to `origin` (default: the first call). Empty without a ceiling.
std::vector<std::string> RateViolations(const std::vector<TimedCall>& calls, double ceiling,
                                        std::optional<core::Time> origin = std::nullopt);

}  // namespace rotor::cloud
