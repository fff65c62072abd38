// Decoding recorded AWS answers (tests/testdata/aws) into cloud model values.
#include <gtest/gtest.h>

#include "aws/autoscaling.h"
#include "aws/ec2.h"
#include "aws/elb.h"
#include "core/strings.h"
#include "fakes/fake_transport.h"

namespace rotor::aws {
namespace {

XmlDoc Load(const std::string& name) {
  auto doc = ParseXml(testing::ReadTestdata("aws/" + name), name);
  EXPECT_TRUE(doc.ok()) << doc.status().message();
  return *doc;
}

TEST(DecodeGroups, LaunchTemplateGroupWithMembersHealthAndTags) {
  std::vector<cloud::Group> groups;
  autoscaling::DecodeGroups(*Load("describe_auto_scaling_groups_page1.xml"), groups);
  ASSERT_EQ(groups.size(), 1u);
  const cloud::Group& g = groups[0];
  EXPECT_EQ(g.name, "web-1-AppServer");
  EXPECT_EQ(g.min_size, 3);
  EXPECT_EQ(g.max_size, 12);
  EXPECT_EQ(g.desired, 6);
  EXPECT_EQ(g.spec.kind, cloud::LaunchSpec::Kind::kTemplate);
  EXPECT_EQ(g.spec.template_id, "lt-0abc");
  EXPECT_EQ(g.spec.version, "$Latest");
  EXPECT_EQ(g.zones, (std::vector<std::string>{"eu-west-1a", "eu-west-1b"}));
  EXPECT_TRUE(g.classic_elbs.empty());
  ASSERT_EQ(g.target_groups.size(), 1u);
  EXPECT_EQ(g.suspended_processes, std::vector<std::string>{"AZRebalance"});
  EXPECT_EQ(g.health_check_type, "ELB");
  EXPECT_EQ(g.health_check_grace, std::chrono::seconds(300));
  EXPECT_EQ(g.stack_name, "web-1");
  ASSERT_EQ(g.instances.size(), 2u);
  EXPECT_EQ(g.instances[0].id, "i-0001");
  EXPECT_EQ(g.instances[0].lifecycle_state, "InService");
  EXPECT_EQ(g.instances[0].spec.version, "1");
  EXPECT_FALSE(g.instances[0].protected_from_scale_in);
  EXPECT_EQ(g.instances[1].lifecycle_state, "Pending");
  EXPECT_EQ(g.instances[1].spec.version, "$Latest");
  EXPECT_TRUE(g.instances[1].protected_from_scale_in);
}

TEST(DecodeGroups, LaunchConfigurationAndMixedInstancesPolicy) {
  std::vector<cloud::Group> groups;
  autoscaling::DecodeGroups(*Load("describe_auto_scaling_groups_page2.xml"), groups);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].spec.kind, cloud::LaunchSpec::Kind::kConfiguration);
  EXPECT_EQ(groups[0].spec.configuration_name, "db-2-lc");
  EXPECT_EQ(groups[0].classic_elbs, std::vector<std::string>{"db-2-elb"});
  EXPECT_EQ(groups[0].instances[0].spec.configuration_name, "db-2-lc-old");
  EXPECT_EQ(groups[1].spec.kind, cloud::LaunchSpec::Kind::kTemplate);
  EXPECT_EQ(groups[1].spec.template_id, "lt-0mix");
  EXPECT_EQ(groups[1].spec.version, "$Default");
  EXPECT_TRUE(groups[1].instances.empty());
}

TEST(DecodeInstances, StateImageTimesAddressesTags) {
  std::vector<cloud::Instance> out;
  ec2::DecodeInstances(*Load("describe_instances.xml"), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, "i-0001");
  EXPECT_EQ(out[0].image_id, "ami-0old");
  EXPECT_EQ(out[0].ec2_state, "running");
  EXPECT_EQ(out[0].zone, "eu-west-1a");
  EXPECT_EQ(core::FormatIso8601(out[0].launch_time), "2026-10-23T08:15:00Z");
  EXPECT_EQ(out[0].private_ip, "10.0.0.12");
  EXPECT_EQ(out[0].public_ip, "54.0.0.12");
  EXPECT_EQ(out[0].tags.at("aws:cloudformation:stack-name"), "web-1");
  EXPECT_EQ(out[1].ec2_state, "pending");
  EXPECT_EQ(out[1].public_ip, "");
}

TEST(DecodeHealth, TargetGroupKeepsEveryTargetListed) {
  std::map<std::string, cloud::LbHealth> out;
  elb::DecodeTargetHealth(*Load("describe_target_health.xml"), "arn:tg", out);
  ASSERT_EQ(out.size(), 3u);  // the caller drops non-members such as i-0dead
  EXPECT_EQ(out["i-0001"].state, "healthy");
  EXPECT_TRUE(out["i-0001"].Ready());
  EXPECT_EQ(out["i-0002"].state, "initial");
  EXPECT_EQ(out["i-0002"].reason, "Elb.RegistrationInProgress");
  EXPECT_FALSE(out["i-0002"].Ready());
  EXPECT_EQ(out["i-0002"].kind, cloud::LbKind::kTargetGroup);
}

TEST(DecodeHealth, ClassicElb) {
  std::map<std::string, cloud::LbHealth> out;
  elb::DecodeInstanceHealth(*Load("describe_instance_health.xml"), "db-2-elb", out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out["i-0101"].Ready());
  EXPECT_EQ(out["i-0101"].reason, "N/A");
  EXPECT_EQ(out["i-0102"].state, "OutOfService");
  EXPECT_NE(out["i-0102"].reason.find("Instance: "), std::string::npos);
  EXPECT_EQ(out["i-0102"].kind, cloud::LbKind::kClassic);
}

}  // namespace
}  // namespace rotor::aws
