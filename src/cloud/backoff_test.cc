#include "cloud/backoff.h"

#include <gtest/gtest.h>

namespace rotor::cloud {
namespace {

using namespace std::chrono_literals;

core::Time T(int seconds) { return core::Time(std::chrono::seconds(seconds)); }

TEST(Backoff, DoublesFromFiveSecondsUpToFiveMinutes) {
  Backoff b;
  core::Time now = T(1000);
  std::vector<int64_t> delays;
  for (int i = 0; i < 9; ++i) {
    BackoffDecision d = b.Failed(now, std::nullopt);
    ASSERT_FALSE(d.give_up) << "failure " << i + 1;
    EXPECT_EQ(d.attempt, i + 2);
    delays.push_back(std::chrono::duration_cast<std::chrono::seconds>(d.delay).count());
    now = d.retry_at;
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{5, 10, 20, 40, 80, 160, 300, 300, 300}));
  EXPECT_EQ(b.since(), T(1000));
}

TEST(Backoff, BoundedByTheTimeoutAndTheDeadline) {
  struct Row {
    const char* name;
    std::optional<core::Time> deadline;
    int last_attempt_at;  // the retry time of the last attempt before giving up
  } rows[] = {
      // 30 min from t=0: 5+10+20+40+80+160 = 315, then every 300 s: 615, 915, 1215, 1515, 1800
      // (clamped to the bound), and the failure at 1800 gives up.
      {"unreachable timeout", std::nullopt, 1800},
      {"deadline sooner", T(100), 100},
  };
  for (const Row& r : rows) {
    Backoff b;
    core::Time now = T(0);
    core::Time last = now;
    while (true) {
      BackoffDecision d = b.Failed(now, r.deadline);
      if (d.give_up) break;
      last = d.retry_at;
      now = d.retry_at;
    }
    EXPECT_EQ(last, T(r.last_attempt_at)) << r.name;
  }
}

TEST(Backoff, SuccessStartsAFreshStreak) {
  Backoff b(BackoffPolicy{5s, 5min, 60s});
  EXPECT_EQ(b.Failed(T(0), std::nullopt).delay, 5s);
  EXPECT_EQ(b.Failed(T(5), std::nullopt).delay, 10s);
  b.Succeeded();
  EXPECT_FALSE(b.failing());
  BackoffDecision d = b.Failed(T(500), std::nullopt);  // long after the first streak's bound
  EXPECT_FALSE(d.give_up);
  EXPECT_EQ(d.delay, 5s);
  EXPECT_EQ(b.since(), T(500));
}

TEST(Backoff, WhatTheUserSees) {
  Backoff b;
  BackoffDecision d = b.Failed(T(14 * 3600 + 2 * 60 + 10), std::nullopt);
  EXPECT_EQ(Backoff::RetryLine("set sizes desired 4: cannot reach", d),
            "set sizes desired 4: cannot reach: retrying in 5s (attempt 2); Ctrl-C to pause");
  EXPECT_EQ(b.GiveUpReason("observe g: cannot reach", "r-1", false, false),
            "AWS unreachable since 14:02:10 UTC (observe g: cannot reach); nothing more was "
            "changed; run `rotor rollout resume r-1` when it is back");
  EXPECT_EQ(b.GiveUpReason("x", "r-1", true, false).rfind("the --deadline passed", 0), 0u);
  EXPECT_EQ(b.GiveUpReason("resume Launch: denied", "r-1", false, true),
            "resume Launch: denied failed 1 times since 14:02:10 UTC; nothing more was changed; "
            "fix the cause and run `rotor rollout resume r-1`");
}

TEST(Unreachable, Table) {
  struct Row {
    const char* name;
    core::Status error;
    bool want;
  } rows[] = {
      {"connection refused", core::Status(core::Code::kUnavailable, "cannot reach"), true},
      {"throttled beyond retries", core::Status(core::Code::kThrottled, "Rate exceeded"), true},
      {"timed out", core::Status(core::Code::kDeadlineExceeded, "timeout"), true},
      {"retryable 400", core::Status(core::Code::kFailedPrecondition, "x").set_retryable(true),
       true},
      {"validation error", core::Status(core::Code::kFailedPrecondition, "ValidationError"), false},
      {"access denied", core::Status(core::Code::kPermissionDenied, "denied"), false},
  };
  for (const Row& r : rows) EXPECT_EQ(Unreachable(r.error), r.want) << r.name;
}

}  // namespace
}  // namespace rotor::cloud
