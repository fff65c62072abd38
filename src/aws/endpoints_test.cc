#include "aws/endpoints.h"

#include <gtest/gtest.h>

namespace rotor::aws {
namespace {

TEST(ResolveEndpoint, Table) {
  struct Row {
    const char* name;
    const ServiceInfo* service;
    EndpointConfig config;
    const char* url;
    const char* signing_region;
  };
  ServiceInfo route53{"route53", "route53", "ROUTE_53", "2013-04-01", Protocol::kRestXml, true};
  const Row rows[] = {
      {"standard regional",
       &kEc2,
       {"eu-west-1", "", {}},
       "https://ec2.eu-west-1.amazonaws.com",
       "eu-west-1"},
      {"autoscaling",
       &kAutoScaling,
       {"us-east-2", "", {}},
       "https://autoscaling.us-east-2.amazonaws.com",
       "us-east-2"},
      {"elbv2 shares the elb host",
       &kElbV2,
       {"eu-central-1", "", {}},
       "https://elasticloadbalancing.eu-central-1.amazonaws.com",
       "eu-central-1"},
      {"china partition",
       &kCloudFormation,
       {"cn-north-1", "", {}},
       "https://cloudformation.cn-north-1.amazonaws.com.cn",
       "cn-north-1"},
      {"route53 is global, signed us-east-1",
       &route53,
       {"eu-west-1", "", {}},
       "https://route53.amazonaws.com",
       "us-east-1"},
      {"global override",
       &kEc2,
       {"eu-west-1", "http://127.0.0.1:5000/", {}},
       "http://127.0.0.1:5000",
       "eu-west-1"},
      {"per-service override wins over global",
       &kEc2,
       {"eu-west-1", "http://global:1", {{"EC2", "http://ec2-only:2"}}},
       "http://ec2-only:2",
       "eu-west-1"},
      {"other service's override does not apply",
       &kAutoScaling,
       {"eu-west-1", "", {{"EC2", "http://ec2-only:2"}}},
       "https://autoscaling.eu-west-1.amazonaws.com",
       "eu-west-1"},
      {"unknown region allowed with an override",
       &kEc2,
       {"local-1", "http://127.0.0.1:1", {}},
       "http://127.0.0.1:1",
       "local-1"},
  };
  for (const Row& r : rows) {
    auto e = ResolveEndpoint(*r.service, r.config);
    ASSERT_TRUE(e.ok()) << r.name << ": " << e.status().message();
    EXPECT_EQ(e->url, r.url) << r.name;
    EXPECT_EQ(e->signing_region, r.signing_region) << r.name;
  }
}

TEST(ResolveEndpoint, UnknownOrMissingRegionIsAnInputError) {
  auto e = ResolveEndpoint(kEc2, {"eu-wst-1", "", {}});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("unknown region 'eu-wst-1'"), std::string::npos);
  auto none = ResolveEndpoint(kEc2, {"", "", {}});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no region set"), std::string::npos);
}

}  // namespace
}  // namespace rotor::aws
