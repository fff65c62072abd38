#include "cloud/template.h"

#include <gtest/gtest.h>

namespace rotor::cloud {
namespace {

constexpr char kYaml[] = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ImageId: {Type: "AWS::EC2::Image::Id"}
  Size: {Type: Number, Default: 3}
  Password: {Type: String, NoEcho: true, Default: hunter2}
Resources:
  Role: {Type: "AWS::IAM::Role", Properties: {AssumeRolePolicyDocument: {}}}
  App:
    Type: AWS::AutoScaling::AutoScalingGroup
    UpdatePolicy: {AutoScalingRollingUpdate: {MinInstancesInService: 1}}
    Properties: {MinSize: !Ref Size}
  Worker: {Type: AWS::AutoScaling::AutoScalingGroup}
)";

TEST(Template, ReadsParametersCapabilitiesAndSelfRollingGroups) {
  auto t = ReadTemplate(kYaml);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->summary.parameters.size(), 3u);
  EXPECT_EQ(t->summary.parameters[0].key, "ImageId");
  EXPECT_FALSE(t->summary.parameters[0].default_value);
  EXPECT_EQ(t->summary.parameters[1].default_value, "3");
  EXPECT_TRUE(t->summary.parameters[2].no_echo);
  // A NoEcho default is never read back.
  EXPECT_EQ(t->summary.parameters[2].default_value, kMasked);
  EXPECT_EQ(t->summary.capabilities, std::vector<std::string>{"CAPABILITY_IAM"});
  EXPECT_EQ(t->self_rolling, std::vector<std::string>{"App"});
}

TEST(Template, NamedIamAndMacrosNeedTheirCapabilities) {
  auto t = ReadTemplate(R"({"Transform": "AWS::Serverless-2016-10-31", "Resources": {
      "R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "x"}}}})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->summary.capabilities,
            (std::vector<std::string>{"CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"}));
}

TEST(Template, RefusesWhatIsNoTemplate) {
  struct Row {
    const char* name;
    const char* body;
    const char* says;
  };
  const Row rows[] = {
      {"not yaml", "Resources: [", "not JSON or YAML"},
      {"a list", "- a\n- b", "not a map"},
      {"no resources", "Parameters: {}", "At least one Resources member"},
      {"parameter without type", "Parameters: {X: {Default: 1}}\nResources: {R: {Type: T}}",
       "must contain a Type member (X)"},
      {"resource without type", "Resources: {R: {Properties: {}}}", "/Resources/R"},
  };
  for (const Row& r : rows) {
    auto t = ReadTemplate(r.body);
    ASSERT_FALSE(t.ok()) << r.name;
    EXPECT_EQ(t.status().code(), core::Code::kInvalidArgument) << r.name;
    EXPECT_NE(t.status().message().find(r.says), std::string::npos)
        << r.name << ": " << t.status().message();
  }
}

}  // namespace
}  // namespace rotor::cloud
