// AwsClient on a fake transport: signing, retries on the injected clock, error mapping,
// pagination, --debug redaction.
#include "aws/client.h"

#include <gtest/gtest.h>

#include "aws/autoscaling.h"
#include "aws/cloudformation.h"
#include "core/strings.h"
#include "fakes/fake_transport.h"

namespace rotor::aws {
namespace {

using namespace std::chrono_literals;

const char kThrottle[] =
    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded"
    "</Message></Error><RequestId>r-9</RequestId></ErrorResponse>";
const char kOk[] =
    "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups/>"
    "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>";

class ClientTest : public ::testing::Test {
 protected:
  ClientTest()
      : clock_(*core::ParseIso8601("2026-11-22T10:00:00Z")),
        creds_(Credentials{"AKIDTEST", "secret-never-shown", "token-never-shown", {}, "test"}),
        rng_(1.0) {}

  AwsClient MakeClient(const ServiceInfo& service = kAutoScaling,
                       cloud::RequestPacer* pacer = nullptr) {
    context_ = std::make_unique<ClientContext>(ClientContext{
        transport_, creds_, clock_, rng_, quota_, EndpointConfig{"eu-west-1", "", {}}, "", 0,
        [this](const std::string& line) { debug_ += line + "\n"; }, &counts_, pacer});
    auto c = AwsClient::Create(service, *context_);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return std::move(c).value();
  }

  testing::FakeTransport transport_;
  core::ManualClock clock_;
  StaticProvider creds_;
  core::FixedRng rng_;
  RetryQuota quota_;
  std::unique_ptr<ClientContext> context_;
  std::string debug_;
  std::map<std::string, int> counts_;
};

// Answers every request with success and records, in ms since the start, when each was sent.
class PacedClientTest : public ClientTest {
 protected:
  PacedClientTest() : start_(clock_.Now()) {
    transport_.SetFallback([this](const HttpRequest&) -> core::Result<HttpResponse> {
      sent_ms_.push_back((clock_.Now() - start_).count());
      clock_.Advance(latency_);
      return HttpResponse{200, {}, kOk};
    });
  }

  // Calls DescribeAutoScalingGroups `n` times, 10 ms apart on the clock.
  void QuickCalls(AwsClient& c, int n) {
    for (int i = 0; i < n; ++i) {
      if (i > 0) clock_.Advance(10ms);
      ASSERT_TRUE(c.Query("DescribeAutoScalingGroups", Params()).ok());
    }
  }

  core::Time start_;
  core::Duration latency_{0};  // from sending to the answer
  std::vector<int64_t> sent_ms_;
};

TEST_F(PacedClientTest, TwelveQuickCallsAtTenPerSecondWaitForTheWindow) {
  cloud::RequestPacer pacer(10);
  AwsClient c = MakeClient(kAutoScaling, &pacer);
  QuickCalls(c, 12);
  // Ten go at once; the 11th, asked at +100 ms, waits until the 1st is 1 s old; the 12th, asked
  // at +1010 ms, is already 1 s after the 2nd.
  EXPECT_EQ(sent_ms_, (std::vector<int64_t>{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 1000, 1010}));
  EXPECT_EQ(clock_.sleeps(), (std::vector<core::Duration>{900ms}));
  EXPECT_GE(sent_ms_[10] - sent_ms_[0], 1000);
  EXPECT_GE(sent_ms_[11] - sent_ms_[1], 1000);
}

TEST_F(PacedClientTest, WithoutAPacerNothingSleeps) {
  AwsClient c = MakeClient();
  QuickCalls(c, 12);
  EXPECT_EQ(sent_ms_.size(), 12u);
  EXPECT_EQ(sent_ms_.back(), 110);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(PacedClientTest, RetriesArePacedToo) {
  cloud::RequestPacer pacer(0.5);  // one request per 2 s
  AwsClient c = MakeClient(kAutoScaling, &pacer);
  transport_.PushXml(400, kThrottle);
  ASSERT_TRUE(c.Query("DescribeAutoScalingGroups", Params()).ok());
  EXPECT_EQ(transport_.requests().size(), 2u);
  // The back-off (1 s at rand = 1.0), then the pacer's remaining second.
  EXPECT_EQ(clock_.sleeps(), (std::vector<core::Duration>{1000ms, 1000ms}));
  EXPECT_EQ(sent_ms_, (std::vector<int64_t>{2000}));
}

// A request reaches AWS somewhere between sending and its answer: the window counts from the
// answer, so a slow first request cannot share a second with the next at AWS's end.
TEST_F(PacedClientTest, TheWindowCountsFromTheAnswer) {
  cloud::RequestPacer pacer(1);
  AwsClient c = MakeClient(kAutoScaling, &pacer);
  latency_ = 300ms;
  ASSERT_TRUE(c.Query("DescribeAutoScalingGroups", Params()).ok());
  ASSERT_TRUE(c.Query("DescribeAutoScalingGroups", Params()).ok());
  EXPECT_EQ(sent_ms_, (std::vector<int64_t>{0, 1300}));
  EXPECT_EQ(clock_.sleeps(), (std::vector<core::Duration>{1000ms}));
}

TEST_F(PacedClientTest, ServicesArePacedApart) {
  cloud::RequestPacer pacer(1);
  AwsClient autoscaling = MakeClient(kAutoScaling, &pacer);
  auto ec2 = AwsClient::Create(kEc2, *context_);
  ASSERT_TRUE(ec2.ok());
  ASSERT_TRUE(autoscaling.Query("DescribeAutoScalingGroups", Params()).ok());
  ASSERT_TRUE(ec2->Query("DescribeInstances", Params()).ok());
  EXPECT_EQ(sent_ms_, (std::vector<int64_t>{0, 0}));
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(ClientTest, SignsWithTheClockAndTheServiceScope) {
  AwsClient c = MakeClient();
  transport_.PushXml(200, kOk);
  ASSERT_TRUE(c.Query("DescribeAutoScalingGroups", Params()).ok());
  const HttpRequest& r = transport_.requests().at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://autoscaling.eu-west-1.amazonaws.com/");
  EXPECT_EQ(HeaderValue(r.headers, "X-Amz-Date"), "20261122T100000Z");
  EXPECT_EQ(HeaderValue(r.headers, "X-Amz-Security-Token"), "token-never-shown");
  std::string auth = HeaderValue(r.headers, "Authorization");
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDTEST/20261122/eu-west-1/autoscaling/"
                       "aws4_request, SignedHeaders=content-type;host;x-amz-date;"
                       "x-amz-security-token, Signature=",
                       0),
            0u)
      << auth;
  EXPECT_EQ(transport_.Param(0, "Action"), "DescribeAutoScalingGroups");
  EXPECT_EQ(transport_.Param(0, "Version"), "2011-01-01");
  EXPECT_EQ(counts_["autoscaling:DescribeAutoScalingGroups"], 1);
}

TEST_F(ClientTest, ThrottlingIsRetriedWithBackoffOnTheClock) {
  AwsClient c = MakeClient();
  transport_.PushXml(400, kThrottle);
  transport_.PushXml(400, kThrottle);
  transport_.PushXml(200, kOk);
  ASSERT_TRUE(c.Query("DescribeAutoScalingGroups", Params()).ok());
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(clock_.sleeps(), (std::vector<core::Duration>{1000ms, 2000ms}));  // rand = 1.0
  EXPECT_EQ(quota_.available(), 500 - 10 + 5);  // two retries taken, the last refunded on success
}

TEST_F(ClientTest, ThrottledBeyondRetriesNamesCodeAndAttempts) {
  AwsClient c = MakeClient();
  for (int i = 0; i < 3; ++i) transport_.PushXml(400, kThrottle);
  auto r = c.Query("DescribeAutoScalingGroups", Params());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::kThrottled);
  EXPECT_EQ(r.status().aws_code(), "Throttling");
  EXPECT_EQ(r.status().request_id(), "r-9");
  EXPECT_NE(r.status().message().find("gave up after 3 attempts"), std::string::npos);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(transport_.requests().size(), 3u);
}

TEST_F(ClientTest, ConnectionErrorsAreRetriedThenReported) {
  AwsClient c = MakeClient();
  for (int i = 0; i < 3; ++i) {
    transport_.Push(core::Status(core::Code::kUnavailable, "cannot reach https://x: refused")
                        .set_retryable(true));
  }
  auto r = c.Query("DescribeAutoScalingGroups", Params());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::kUnavailable);
  EXPECT_EQ(clock_.sleeps(), (std::vector<core::Duration>{50ms, 100ms}));
}

TEST_F(ClientTest, AuthFailuresAreNotRetriedAndNameTheKeySource) {
  AwsClient c = MakeClient(kEc2);
  transport_.PushXml(401,
                     "<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not "
                     "able to validate the provided access credentials</Message></Error>"
                     "</Errors><RequestID>q</RequestID></Response>");
  auto r = c.Query("DescribeInstances", Params());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::kUnauthenticated);
  EXPECT_FALSE(r.status().retryable());
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_NE(r.status().message().find("AKIDTEST from test"), std::string::npos);
  EXPECT_EQ(r.status().message().find("secret-never-shown"), std::string::npos);
}

TEST_F(ClientTest, MissingStackIsNotFound) {
  AwsClient c = MakeClient(kCloudFormation);
  transport_.PushXml(400, testing::ReadTestdata("aws/query_error.xml"));
  auto r = cloudformation::DescribeStack(c, "nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::kNotFound);
  EXPECT_NE(r.status().message().find("stack 'nope' does not exist in region eu-west-1"),
            std::string::npos);
}

TEST_F(ClientTest, PaginationFollowsNextToken) {
  AwsClient c = MakeClient();
  transport_.PushXml(200, testing::ReadTestdata("aws/describe_auto_scaling_groups_page1.xml"));
  transport_.PushXml(200, testing::ReadTestdata("aws/describe_auto_scaling_groups_page2.xml"));
  auto groups = autoscaling::DescribeGroups(c, {});
  ASSERT_TRUE(groups.ok()) << groups.status().message();
  ASSERT_EQ(groups->size(), 3u);
  EXPECT_EQ(transport_.Param(0, "NextToken"), "");
  EXPECT_EQ(transport_.Param(1, "NextToken"), "page-2-token");
}

TEST_F(ClientTest, DebugOutputRedactsSecrets) {
  AwsClient c = MakeClient();
  transport_.PushXml(200, kOk);
  ASSERT_TRUE(c.Query("DescribeAutoScalingGroups", Params()).ok());
  EXPECT_NE(debug_.find("Authorization: <redacted>"), std::string::npos) << debug_;
  EXPECT_NE(debug_.find("X-Amz-Security-Token: <redacted>"), std::string::npos) << debug_;
  EXPECT_EQ(debug_.find("token-never-shown"), std::string::npos);
  EXPECT_EQ(debug_.find("Signature="), std::string::npos);
  EXPECT_NE(debug_.find("Action=DescribeAutoScalingGroups"), std::string::npos);
}

TEST_F(ClientTest, NonXmlSuccessIsMalformed) {
  AwsClient c = MakeClient();
  transport_.PushXml(200, "<html>captive portal");
  auto r = c.Query("DescribeAutoScalingGroups", Params());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::kMalformed);
}

}  // namespace
}  // namespace rotor::aws

namespace rotor::aws {
namespace {

TEST(CodeForAwsError, Table) {
  struct Row {
    const char* code;
    int status;
    core::Code want;
  };
  const Row rows[] = {
      {"ExpiredToken", 400, core::Code::kUnauthenticated},
      {"ExpiredTokenException", 400, core::Code::kUnauthenticated},
      {"InvalidClientTokenId", 403, core::Code::kUnauthenticated},
      {"SignatureDoesNotMatch", 403, core::Code::kUnauthenticated},
      {"AuthFailure", 401, core::Code::kUnauthenticated},
      {"UnauthorizedOperation", 403, core::Code::kPermissionDenied},
      {"AccessDenied", 403, core::Code::kPermissionDenied},
      {"Throttling", 400, core::Code::kThrottled},
      {"InvalidInstanceID.NotFound", 400, core::Code::kNotFound},
      {"InternalError", 500, core::Code::kUnavailable},
      {"ValidationError", 400, core::Code::kFailedPrecondition},
      {"NoSuchHostedZone", 404, core::Code::kNotFound},
      {"NoSuchChange", 404, core::Code::kNotFound},
      {"InvalidChangeBatch", 400, core::Code::kInvalidArgument},
      {"InvalidInput", 400, core::Code::kInvalidArgument},
  };
  for (const Row& r : rows) EXPECT_EQ(CodeForAwsError(r.code, r.status), r.want) << r.code;
}

}  // namespace
}  // namespace rotor::aws
