#include "cloud/retry.h"

#include <gtest/gtest.h>

namespace rotor::cloud {
namespace {

using namespace std::chrono_literals;

TEST(ClassifyAttempt, Table) {
  struct Row {
    const char* name;
    AttemptOutcome outcome;
    ErrorKind want;
  };
  const Row rows[] = {
      {"success", {200, "", false, false, {}}, ErrorKind::kNone},
      {"Throttling (autoscaling, 400)",
       {400, "Throttling", false, false, {}},
       ErrorKind::kThrottling},
      {"RequestLimitExceeded (ec2, 503)",
       {503, "RequestLimitExceeded", false, false, {}},
       ErrorKind::kThrottling},
      {"ThrottlingException",
       {400, "ThrottlingException", false, false, {}},
       ErrorKind::kThrottling},
      {"TooManyRequestsException",
       {429, "TooManyRequestsException", false, false, {}},
       ErrorKind::kThrottling},
      {"RequestThrottled", {400, "RequestThrottled", false, false, {}}, ErrorKind::kThrottling},
      {"RequestTimeout", {400, "RequestTimeout", false, false, {}}, ErrorKind::kTransient},
      {"InternalError", {500, "InternalError", false, false, {}}, ErrorKind::kTransient},
      {"bare 500", {500, "", false, false, {}}, ErrorKind::kTransient},
      {"bare 502", {502, "", false, false, {}}, ErrorKind::kTransient},
      {"bare 503", {503, "", false, false, {}}, ErrorKind::kTransient},
      {"bare 504", {504, "", false, false, {}}, ErrorKind::kTransient},
      {"connection refused", {0, "", true, false, {}}, ErrorKind::kTransient},
      {"timeout", {0, "", false, true, {}}, ErrorKind::kTimeout},
      {"ValidationError", {400, "ValidationError", false, false, {}}, ErrorKind::kFatal},
      {"AccessDenied", {403, "AccessDenied", false, false, {}}, ErrorKind::kFatal},
      {"SignatureDoesNotMatch",
       {403, "SignatureDoesNotMatch", false, false, {}},
       ErrorKind::kFatal},
      {"bare 400", {400, "", false, false, {}}, ErrorKind::kFatal},
      {"bare 501", {501, "", false, false, {}}, ErrorKind::kFatal},
  };
  for (const Row& r : rows) EXPECT_EQ(ClassifyAttempt(r.outcome), r.want) << r.name;
}

TEST(BackoffDelay, ExponentialCappedWithJitter) {
  RetryConfig c;
  struct Row {
    const char* name;
    ErrorKind kind;
    int attempt;
    double rand;
    core::Duration want;
  };
  const Row rows[] = {
      {"throttle 1st, full jitter", ErrorKind::kThrottling, 1, 1.0, 1000ms},
      {"throttle 1st, half", ErrorKind::kThrottling, 1, 0.5, 500ms},
      {"throttle 2nd", ErrorKind::kThrottling, 2, 1.0, 2000ms},
      {"throttle 5th", ErrorKind::kThrottling, 5, 1.0, 16000ms},
      {"throttle 6th capped at 20 s", ErrorKind::kThrottling, 6, 1.0, 20000ms},
      {"throttle 10th capped", ErrorKind::kThrottling, 10, 0.5, 10000ms},
      {"transient 1st", ErrorKind::kTransient, 1, 1.0, 50ms},
      {"transient 3rd", ErrorKind::kTransient, 3, 1.0, 200ms},
      {"timeout backs off as transient", ErrorKind::kTimeout, 2, 1.0, 100ms},
      {"transient 10th capped", ErrorKind::kTransient, 10, 1.0, 20000ms},
      {"zero jitter", ErrorKind::kThrottling, 3, 0.0, 0ms},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(BackoffDelay(c, r.kind, r.attempt, r.rand, std::nullopt), r.want) << r.name;
  }
}

TEST(BackoffDelay, DynamoDbTransientScaleIs25ms) {
  auto c = MakeRetryConfig("dynamodb", "", 0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(BackoffDelay(*c, ErrorKind::kTransient, 1, 1.0, std::nullopt), 25ms);
  EXPECT_EQ(BackoffDelay(*c, ErrorKind::kThrottling, 1, 1.0, std::nullopt), 1000ms);
}

TEST(BackoffDelay, RetryAfterHeaderIsHonouredUpToFiveSecondsMore) {
  RetryConfig c;
  // computed 500 ms; server asks 2 s -> 2 s
  EXPECT_EQ(BackoffDelay(c, ErrorKind::kThrottling, 1, 0.5, 2000ms), 2000ms);
  // server asks 60 s -> at most computed + 5 s
  EXPECT_EQ(BackoffDelay(c, ErrorKind::kThrottling, 1, 0.5, 60000ms), 5500ms);
  // server asks less than computed -> computed
  EXPECT_EQ(BackoffDelay(c, ErrorKind::kThrottling, 2, 1.0, 100ms), 2000ms);
}

TEST(MakeRetryConfig, ModesAndAttempts) {
  EXPECT_EQ(MakeRetryConfig("ec2", "", 0)->max_attempts, 3);
  EXPECT_EQ(MakeRetryConfig("ec2", "standard", 0)->max_attempts, 3);
  EXPECT_EQ(MakeRetryConfig("ec2", "legacy", 0)->max_attempts, 5);
  EXPECT_EQ(MakeRetryConfig("ec2", "adaptive", 7)->max_attempts, 7);
  EXPECT_EQ(MakeRetryConfig("ec2", "standard", 1)->max_attempts, 1);
  EXPECT_EQ(MakeRetryConfig("ec2", "turbo", 0).status().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(MakeRetryConfig("ec2", "", 51).status().code(), core::Code::kInvalidArgument);
}

TEST(RetryQuota, CostsAndRefunds) {
  RetryQuota q;
  EXPECT_EQ(q.Acquire(ErrorKind::kThrottling), 5);
  EXPECT_EQ(q.Acquire(ErrorKind::kTimeout), 10);
  EXPECT_EQ(q.available(), 485);
  q.Release(5);
  EXPECT_EQ(q.available(), 490);
  q.Release(RetryQuota::kNoRetryIncrement);
  q.Release(1000);
  EXPECT_EQ(q.available(), 500);  // never above capacity
  for (int i = 0; i < 100; ++i) ASSERT_EQ(q.Acquire(ErrorKind::kTransient), 5);
  EXPECT_EQ(q.Acquire(ErrorKind::kTransient), 0);  // exhausted
}

// Codes × attempts: does attempt n's failure lead to another attempt (3 attempts allowed)?
TEST(DecideRetry, CodesTimesAttempts) {
  RetryConfig c;
  struct Row {
    const char* code;
    int status;
    bool retry[3];
  };
  const Row rows[] = {
      {"Throttling", 400, {true, true, false}},
      {"RequestLimitExceeded", 503, {true, true, false}},
      {"InternalError", 500, {true, true, false}},
      {"", 503, {true, true, false}},
      {"ValidationError", 400, {false, false, false}},
      {"AuthFailure", 401, {false, false, false}},
      {"UnauthorizedOperation", 403, {false, false, false}},
  };
  for (const Row& r : rows) {
    for (int attempt = 1; attempt <= 3; ++attempt) {
      RetryQuota q;
      core::FixedRng rng(0.5);
      AttemptOutcome o{r.status, r.code, false, false, {}};
      RetryDecision d = DecideRetry(c, q, rng, o, attempt);
      EXPECT_EQ(d.retry, r.retry[attempt - 1])
          << r.code << " " << r.status << " attempt " << attempt;
      if (d.retry)
        EXPECT_EQ(d.tokens, 5);
      else
        EXPECT_FALSE(d.why_not.empty());
    }
  }
}

TEST(DecideRetry, StopsWhenQuotaIsExhausted) {
  RetryConfig c;
  c.max_attempts = 1000;
  RetryQuota q;
  core::FixedRng rng(0.0);
  AttemptOutcome o{503, "", false, false, {}};
  int retries = 0;
  while (DecideRetry(c, q, rng, o, 1).retry) ++retries;
  EXPECT_EQ(retries, 100);  // 500 tokens / 5
  EXPECT_EQ(DecideRetry(c, q, rng, o, 1).why_not, "retry quota exhausted");
}

}  // namespace
}  // namespace rotor::cloud
