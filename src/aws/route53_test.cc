// Route 53 on the rest-xml wire, from recorded answers on a fake transport: paging, name
// decoding, the change batch document, GetChange, errors, retries and signing.
#include "aws/route53.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "aws/crypto.h"
#include "core/strings.h"
#include "fakes/fake_transport.h"

namespace rotor::aws {
namespace {

using namespace std::chrono_literals;

constexpr char kBase[] = "https://route53.amazonaws.com/2013-04-01";

class Route53Test : public ::testing::Test {
 protected:
  Route53Test()
      : clock_(*core::ParseIso8601("2026-11-22T10:00:00Z")),
        creds_(Credentials{"AKIDTEST", "secret", "", {}, "test"}),
        rng_(1.0) {}

  // A client whose own region is eu-west-1: Route 53 must still be signed for us-east-1.
  AwsClient MakeClient(EndpointConfig endpoints = {"eu-west-1", "", {}}) {
    context_ = std::make_unique<ClientContext>(ClientContext{
        transport_, creds_, clock_, rng_, quota_, std::move(endpoints), "", 0, nullptr, nullptr});
    auto c = AwsClient::Create(kRoute53, *context_);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return std::move(c).value();
  }
  void Answer(int status, const std::string& testdata) {
    transport_.PushXml(status, testing::ReadTestdata("aws/" + testdata));
  }
  const HttpRequest& Sent(size_t n) { return transport_.requests().at(n); }

  testing::FakeTransport transport_;
  core::ManualClock clock_;
  StaticProvider creds_;
  core::FixedRng rng_;
  RetryQuota quota_;
  std::unique_ptr<ClientContext> context_;
};

TEST_F(Route53Test, RecordSetsPageOnNextRecordNameTypeAndIdentifier) {
  AwsClient c = MakeClient();
  Answer(200, "route53_list_rrsets_page1.xml");
  Answer(200, "route53_list_rrsets_page2.xml");
  auto records = route53::ListResourceRecordSets(c, "/hostedzone/Z0PUBLIC111");
  ASSERT_TRUE(records.ok()) << records.status().message();
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(Sent(0).method, "GET");
  EXPECT_EQ(Sent(0).url, std::string(kBase) + "/hostedzone/Z0PUBLIC111/rrset");
  EXPECT_EQ(Sent(1).url, std::string(kBase) +
                             "/hostedzone/Z0PUBLIC111/rrset?name=bastion.example.org.&type=A"
                             "&identifier=blue");
  ASSERT_EQ(records->size(), 5u);
  const cloud::DnsRecord& ns = (*records)[0];
  EXPECT_EQ(ns.zone_id, "Z0PUBLIC111");
  EXPECT_EQ(ns.ttl, 172800);
  EXPECT_EQ(ns.values, (std::vector<std::string>{"ns-1.awsdns-01.org.", "ns-2.awsdns-02.com."}));
  EXPECT_EQ((*records)[1].name, "*.example.org.");  // "\052.example.org." on the wire
  EXPECT_TRUE((*records)[2].alias);
  EXPECT_TRUE((*records)[2].values.empty());
  cloud::DnsRecord blue{"Z0PUBLIC111", "bastion.example.org.", "A", 60, {"203.0.113.7"}, "blue",
                        false};
  EXPECT_EQ((*records)[3], blue);
  EXPECT_EQ((*records)[4].type, "AAAA");
}

TEST_F(Route53Test, ZonesPageOnMarkerAndLoseTheirPrefix) {
  AwsClient c = MakeClient();
  Answer(200, "route53_list_zones_page1.xml");
  Answer(200, "route53_list_zones_page2.xml");
  auto zones = route53::ListHostedZones(c);
  ASSERT_TRUE(zones.ok()) << zones.status().message();
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(Sent(0).url, std::string(kBase) + "/hostedzone");
  EXPECT_EQ(Sent(1).url, std::string(kBase) + "/hostedzone?marker=Z0PRIVATE222");
  ASSERT_EQ(zones->size(), 2u);
  EXPECT_EQ((*zones)[0].id, "Z0PUBLIC111");
  EXPECT_EQ((*zones)[0].name, "example.org.");
  EXPECT_FALSE((*zones)[0].private_zone);
  EXPECT_EQ((*zones)[1].id, "Z0PRIVATE222");
  EXPECT_TRUE((*zones)[1].private_zone);
}

TEST(Route53DecodeName, OctalEscapes) {
  struct Row {
    const char* name;
    const char* wire;
    const char* want;
  };
  const Row rows[] = {
      {"plain", "bastion.example.org.", "bastion.example.org."},
      {"wildcard", "\\052.example.org.", "*.example.org."},
      {"inside a label", "a\\100b.example.org.", "a@b.example.org."},
      {"two escapes", "\\052\\052.", "**."},
      {"too short to be one", "x\\05", "x\\05"},
      {"not octal digits", "x\\089.", "x\\089."},
  };
  for (const Row& r : rows) EXPECT_EQ(route53::DecodeName(r.wire), r.want) << r.name;
}

std::vector<cloud::RecordChange> ThreeChanges() {
  using Action = cloud::RecordChange::Action;
  return {
      {Action::kUpsert, {"", "bastion.example.org.", "A", 60, {"198.51.100.20"}, "", false}},
      {Action::kUpsert,
       {"", "*.example.org.", "AAAA", 300, {"2001:db8::1", "2001:db8::2"}, "", false}},
      {Action::kDelete, {"", "old.example.org.", "A", 60, {"203.0.113.7"}, "blue", false}},
  };
}

TEST_F(Route53Test, ChangeBatchIsPostedAsTheGoldenDocument) {
  AwsClient c = MakeClient();
  Answer(200, "route53_change_info.xml");
  auto id = route53::ChangeResourceRecordSets(c, "Z0PUBLIC111", ThreeChanges(),
                                              "rotor: bastion & friends <op-7>");
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(*id, "C2682N5HXP0BZ4");
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(Sent(0).method, "POST");
  EXPECT_EQ(Sent(0).url, std::string(kBase) + "/hostedzone/Z0PUBLIC111/rrset/");
  EXPECT_EQ(Sent(0).body, testing::ReadTestdata("aws/route53_change_batch_request.xml"));
  EXPECT_EQ(HeaderValue(Sent(0).headers, "x-amz-content-sha256"), Sha256Hex(Sent(0).body));
}

TEST_F(Route53Test, AliasAndEmptyBatchesAreRefusedBeforeSending) {
  AwsClient c = MakeClient();
  cloud::RecordChange alias{cloud::RecordChange::Action::kUpsert, {}};
  alias.record = {"", "api.example.org.", "A", 0, {}, "", true};
  auto a = route53::ChangeResourceRecordSets(c, "Z0PUBLIC111", {alias}, "");
  EXPECT_EQ(a.status().code(), core::Code::kInvalidArgument);
  auto none = route53::ChangeResourceRecordSets(c, "Z0PUBLIC111", {}, "");
  EXPECT_EQ(none.status().code(), core::Code::kInvalidArgument);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(Route53Test, GetChangeInSyncAndPending) {
  AwsClient c = MakeClient();
  Answer(200, "route53_get_change_insync.xml");
  transport_.PushXml(200,
                     "<GetChangeResponse><ChangeInfo><Id>/change/C2</Id><Status>PENDING</Status>"
                     "</ChangeInfo></GetChangeResponse>");
  auto insync = route53::ChangeInSync(c, "/change/C2682N5HXP0BZ4");
  ASSERT_TRUE(insync.ok()) << insync.status().message();
  EXPECT_TRUE(*insync);
  EXPECT_EQ(Sent(0).url, std::string(kBase) + "/change/C2682N5HXP0BZ4");
  auto pending = route53::ChangeInSync(c, "C2");
  ASSERT_TRUE(pending.ok()) << pending.status().message();
  EXPECT_FALSE(*pending);
  EXPECT_EQ(Sent(1).url, std::string(kBase) + "/change/C2");
}

TEST_F(Route53Test, ErrorsAreTranslatedOnce) {
  struct Row {
    const char* name;
    int status;
    std::string body;
    core::Code want;
    const char* aws_code;
    std::vector<std::string> in_message;
  };
  const Row rows[] = {
      {"unknown zone",
       404,
       testing::ReadTestdata("aws/route53_no_such_hosted_zone.xml"),
       core::Code::kNotFound,
       "NoSuchHostedZone",
       {"No hosted zone found with ID: Z0NOSUCH"}},
      {"refused batch, two reasons",
       400,
       testing::ReadTestdata("aws/route53_invalid_change_batch.xml"),
       core::Code::kInvalidArgument,
       "InvalidChangeBatch",
       {"values provided do not match the current values", "encountered with 'not-an-ip'"}},
      {"unknown change",
       404,
       "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchChange</Code><Message>A change with "
       "the specified change ID does not exist.</Message></Error><RequestId>r</RequestId>"
       "</ErrorResponse>",
       core::Code::kNotFound,
       "NoSuchChange",
       {"does not exist"}},
  };
  for (const Row& r : rows) {
    AwsClient c = MakeClient();
    transport_.PushXml(r.status, r.body);
    auto got = route53::ListResourceRecordSets(c, "Z0NOSUCH");
    EXPECT_EQ(got.status().code(), r.want) << r.name;
    EXPECT_EQ(got.status().aws_code(), r.aws_code) << r.name;
    for (const std::string& part : r.in_message) {
      EXPECT_NE(got.status().message().find(part), std::string::npos)
          << r.name << ": " << got.status().message();
    }
  }
  EXPECT_EQ(transport_.requests().size(), 3u);  // none retried
}

TEST_F(Route53Test, ThrottlingAndPriorRequestNotCompleteAreRetried) {
  for (const char* code : {"Throttling", "PriorRequestNotComplete"}) {
    AwsClient c = MakeClient();
    transport_.PushXml(400, fmt::format("<ErrorResponse><Error><Type>Sender</Type><Code>{}</Code>"
                                        "<Message>Rate exceeded</Message></Error></ErrorResponse>",
                                        code));
    Answer(200, "route53_get_change_insync.xml");
    auto insync = route53::ChangeInSync(c, "C2682N5HXP0BZ4");
    ASSERT_TRUE(insync.ok()) << code << ": " << insync.status().message();
    EXPECT_TRUE(*insync);
  }
  EXPECT_EQ(transport_.requests().size(), 4u);
  // Throttling back-off: random (1.0 here) × min(1 s × 2^0, 20 s), on the injected clock.
  EXPECT_EQ(clock_.sleeps(), (std::vector<core::Duration>{1000ms, 1000ms}));
}

TEST_F(Route53Test, SignedForUsEast1AndRoute53WithTheContentHash) {
  AwsClient c = MakeClient();
  Answer(200, "route53_get_change_insync.xml");
  ASSERT_TRUE(route53::ChangeInSync(c, "C2682N5HXP0BZ4").ok());
  std::string auth = HeaderValue(Sent(0).headers, "Authorization");
  EXPECT_NE(auth.find("Credential=AKIDTEST/20261122/us-east-1/route53/aws4_request"),
            std::string::npos)
      << auth;
  EXPECT_NE(auth.find("x-amz-content-sha256"), std::string::npos) << auth;
  EXPECT_EQ(HeaderValue(Sent(0).headers, "x-amz-content-sha256"), Sha256Hex(""));
  EXPECT_EQ(HeaderValue(Sent(0).headers, "Host"), "route53.amazonaws.com");
}

TEST_F(Route53Test, EndpointOverridesAsForTheOtherServices) {
  struct Row {
    const char* name;
    EndpointConfig config;
    const char* want_url;
  };
  const Row rows[] = {
      {"standard", {"eu-west-1", "", {}}, "https://route53.amazonaws.com"},
      {"no region needed", {"", "", {}}, "https://route53.amazonaws.com"},
      {"--endpoint-url", {"eu-west-1", "http://127.0.0.1:5000", {}}, "http://127.0.0.1:5000"},
      {"AWS_ENDPOINT_URL_ROUTE_53 wins",
       {"eu-west-1", "http://127.0.0.1:5000", {{"ROUTE_53", "http://127.0.0.1:6000/"}}},
       "http://127.0.0.1:6000"},
  };
  for (const Row& r : rows) {
    AwsClient c = MakeClient(r.config);
    EXPECT_EQ(c.endpoint().url, r.want_url) << r.name;
    EXPECT_EQ(c.endpoint().signing_region, "us-east-1") << r.name;
  }
}

}  // namespace
}  // namespace rotor::aws
