#include "cloud/pacer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace rotor::cloud {
namespace {

using namespace std::chrono_literals;

const core::Time kT0 = core::Time(std::chrono::hours(24 * 365 * 56));  // any fixed instant

core::Time At(int64_t ms) { return kT0 + core::Duration(ms); }

struct Call {
  std::string service;
  int64_t at_ms;  // "now" for Reserve, the send time for RateViolations
  // For Reserve: the answer comes this long after the turn (Answered); 0: not called.
  int64_t latency_ms = 0;
};

std::vector<Call> Burst(const std::string& service, int n, int64_t from_ms, int64_t step_ms) {
  std::vector<Call> calls;
  for (int i = 0; i < n; ++i) calls.push_back({service, from_ms + i * step_ms});
  return calls;
}

std::vector<Call> Concat(std::vector<Call> a, const std::vector<Call>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<int64_t> Repeat(int64_t ms, int n) { return std::vector<int64_t>(n, ms); }

std::vector<int64_t> Concat(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(RateRuleFor, Table) {
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  struct Row {
    const char* name;
    double ceiling;
    size_t limit;
    core::Duration window;
  };
  const Row rows[] = {
      {"default 10 per second", 10, 10, 1s},
      {"a fraction floors: 10.9 allows 10", 10.9, 10, 1s},
      {"exactly 1", 1, 1, 1s},
      {"0.5: one per 2 s", 0.5, 1, 2s},
      {"0.3: one per 3334 ms, rounded up", 0.3, 1, 3334ms},
      {"above the maximum: the maximum", 5000, 1000, 1s},
      {"zero: no ceiling", 0, 0, 0ms},
      {"negative: no ceiling", -3, 0, 0ms},
      {"NaN: no ceiling", kNan, 0, 0ms},
      {"infinite: no ceiling", kInf, 0, 0ms},
  };
  for (const Row& r : rows) {
    RateRule rule = RateRuleFor(r.ceiling);
    EXPECT_EQ(rule.limit, r.limit) << r.name;
    EXPECT_EQ(rule.window, r.window) << r.name;
  }
}

TEST(RequestPacer, Reserve) {
  struct Row {
    const char* name;
    double ceiling;
    std::vector<Call> calls;       // Reserve(service, At(at_ms)) in this order
    std::vector<int64_t> want_ms;  // what each returned, as At(ms)
  };
  const Row rows[] = {
      {"burst of 10 at one instant passes", 10, Burst("autoscaling", 10, 0, 0), Repeat(0, 10)},
      {"the 11th waits exactly until the first + 1 s", 10, Burst("autoscaling", 11, 0, 0),
       Concat(Repeat(0, 10), {1000})},
      {"the 12th waits until the second + 1 s",
       10,
       Burst("autoscaling", 12, 0, 90),
       {0, 90, 180, 270, 360, 450, 540, 630, 720, 810, 1000, 1090}},
      {"a quiet second lets the next go at once", 10,
       Concat(Burst("ec2", 10, 0, 0), {{"ec2", 1500}}), Concat(Repeat(0, 10), {1500})},
      {"two services are paced independently", 10,
       Concat(Burst("autoscaling", 10, 0, 0), {{"ec2", 0}, {"autoscaling", 0}, {"ec2", 0}}),
       Concat(Repeat(0, 10), {0, 1000, 0})},
      {"a caller arriving while the 11th waits queues behind it", 10,
       Concat(Burst("ec2", 11, 0, 0), {{"ec2", 500}, {"ec2", 2500}}),
       Concat(Repeat(0, 10), {1000, 1000, 2500})},
      {"never ahead of an earlier reservation, even with an earlier now", 10,
       Concat(Burst("ec2", 10, 0, 0), {{"ec2", 5000}, {"ec2", 100}}),
       Concat(Repeat(0, 10), {5000, 5000})},
      {"ceiling 0.5: 2 s apart", 0.5, Burst("sts", 3, 0, 0), {0, 2000, 4000}},
      {"ceiling 0.5: a late call goes at once", 0.5, {{"sts", 0}, {"sts", 2700}}, {0, 2700}},
      {"no ceiling", 0, Burst("autoscaling", 50, 0, 0), Repeat(0, 50)},
      {"windows count from the answer", 1, {{"ec2", 0, 300}, {"ec2", 400}}, {0, 1300}},
      {"the oldest answer opens the window",
       2,
       {{"ec2", 0, 200}, {"ec2", 250, 10}, {"ec2", 300}},
       {0, 250, 1200}},
      {"an answer for another service moves nothing",
       1,
       {{"ec2", 0}, {"autoscaling", 0, 700}, {"ec2", 100}},
       {0, 0, 1000}},
  };
  for (const Row& r : rows) {
    RequestPacer pacer(r.ceiling);
    std::vector<int64_t> got;
    for (const Call& c : r.calls) {
      core::Time turn = pacer.Reserve(c.service, At(c.at_ms));
      if (c.latency_ms > 0) pacer.Answered(c.service, turn, turn + core::Duration(c.latency_ms));
      got.push_back((turn - kT0).count());
    }
    EXPECT_EQ(got, r.want_ms) << r.name;
  }
}

// Whatever the callers do, what the pacer grants passes the checker.
TEST(RequestPacer, ItsScheduleHoldsI9) {
  for (double ceiling : {0.5, 1.0, 3.0, 10.0, 25.0}) {
    RequestPacer pacer(ceiling);
    const char* services[] = {"autoscaling", "ec2", "elasticloadbalancing"};
    std::vector<TimedCall> sent;
    core::Time now = kT0;
    for (int i = 0; i < 600; ++i) {
      now += core::Duration((i * 37) % 50);  // callers arrive 0 to 49 ms apart
      core::Time at = pacer.Reserve(services[i % 3], now);
      ASSERT_GE(at, now);
      now = at;  // the caller slept until then
      sent.emplace_back(services[i % 3], at);
    }
    EXPECT_EQ(RateViolations(sent, ceiling), std::vector<std::string>()) << ceiling;
  }
}

TEST(RateViolations, Table) {
  struct Row {
    const char* name;
    double ceiling;
    std::vector<Call> calls;
    std::vector<std::string> want;
    std::optional<int64_t> origin_ms = std::nullopt;
  };
  const Row rows[] = {
      {"10 in a second is within 10", 10, Burst("autoscaling", 10, 0, 99), {}},
      {"11 in a second is flagged",
       10,
       Burst("autoscaling", 11, 0, 99),
       {"I9: 11 autoscaling requests in the second from +0.000s, ceiling 10"}},
      {"the window is half open: the 11th at +1 s passes",
       10,
       Concat(Burst("autoscaling", 10, 0, 0), {{"autoscaling", 1000}}),
       {}},
      {"the window is named relative to the first call",
       10,
       Concat({{"ec2", 0}}, Burst("autoscaling", 12, 31200, 80)),
       {"I9: 12 autoscaling requests in the second from +31.200s, ceiling 10"}},
      {"relative to an origin when given",
       10,
       Burst("autoscaling", 12, 31200, 80),
       {"I9: 12 autoscaling requests in the second from +31.200s, ceiling 10"},
       0},
      {"each service once, with its worst window",
       10,
       Concat(Burst("ec2", 11, 0, 10), Burst("ec2", 13, 5000, 10)),
       {"I9: 13 ec2 requests in the second from +5.000s, ceiling 10"}},
      {"services are counted apart",
       10,
       Concat(Burst("autoscaling", 10, 0, 10), Burst("ec2", 10, 0, 10)),
       {}},
      {"several services flagged, sorted by name",
       10,
       Concat(Burst("ec2", 11, 0, 10), Burst("autoscaling", 12, 0, 10)),
       {"I9: 12 autoscaling requests in the second from +0.000s, ceiling 10",
        "I9: 11 ec2 requests in the second from +0.000s, ceiling 10"}},
      {"ceiling 0.5: 2 s apart is within", 0.5, Burst("sts", 3, 0, 2000), {}},
      {"ceiling 0.5: 1.999 s apart is flagged",
       0.5,
       Burst("sts", 2, 0, 1999),
       {"I9: 2 sts requests in the 2.000s from +0.000s, ceiling 0.5"}},
      {"no ceiling", 0, Burst("autoscaling", 100, 0, 0), {}},
      {"no calls", 10, {}, {}},
  };
  for (const Row& r : rows) {
    std::vector<TimedCall> calls;
    for (const Call& c : r.calls) calls.emplace_back(c.service, At(c.at_ms));
    std::optional<core::Time> origin;
    if (r.origin_ms) origin = At(*r.origin_ms);
    EXPECT_EQ(RateViolations(calls, r.ceiling, origin), r.want) << r.name;
  }
}

}  // namespace
}  // namespace rotor::cloud
