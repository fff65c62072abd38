// AwsCloud on a scripted fake AWS: one observation of several groups is a bounded number of
// batched calls, versions are resolved, and health counts members only.
#include "aws/aws_cloud.h"

#include <gtest/gtest.h>

#include "aws/aws_launch_specs.h"
#include "core/strings.h"
#include "fakes/fake_transport.h"

namespace rotor::aws {
namespace {

const char kTemplates[] = R"(<DescribeLaunchTemplatesResponse><launchTemplates>
  <item><launchTemplateId>lt-0abc</launchTemplateId><launchTemplateName>web-1-lt</launchTemplateName>
    <defaultVersionNumber>1</defaultVersionNumber><latestVersionNumber>2</latestVersionNumber></item>
  <item><launchTemplateId>lt-0mix</launchTemplateId><launchTemplateName>mixed-lt</launchTemplateName>
    <defaultVersionNumber>4</defaultVersionNumber><latestVersionNumber>5</latestVersionNumber></item>
</launchTemplates></DescribeLaunchTemplatesResponse>)";

const char kVersions[] = R"(<DescribeLaunchTemplateVersionsResponse><launchTemplateVersionSet>
  <item><versionNumber>1</versionNumber><launchTemplateData><imageId>ami-0old</imageId>
    <instanceType>t3.micro</instanceType></launchTemplateData></item>
  <item><versionNumber>2</versionNumber><launchTemplateData><imageId>ami-0new</imageId>
    <instanceType>t3.micro</instanceType></launchTemplateData></item>
</launchTemplateVersionSet></DescribeLaunchTemplateVersionsResponse>)";

const char kMixedVersions[] = R"(<DescribeLaunchTemplateVersionsResponse><launchTemplateVersionSet>
  <item><versionNumber>4</versionNumber><launchTemplateData>
    <imageId>resolve:ssm:/app/ami</imageId></launchTemplateData></item>
</launchTemplateVersionSet></DescribeLaunchTemplateVersionsResponse>)";

const char kConfigs[] =
    R"(<DescribeLaunchConfigurationsResponse><DescribeLaunchConfigurationsResult>
  <LaunchConfigurations><member><LaunchConfigurationName>db-2-lc</LaunchConfigurationName>
    <ImageId>ami-0new</ImageId><InstanceType>t3.small</InstanceType></member></LaunchConfigurations>
</DescribeLaunchConfigurationsResult></DescribeLaunchConfigurationsResponse>)";

const char kInstancesPage2[] = R"(<DescribeInstancesResponse><reservationSet><item><instancesSet>
  <item><instanceId>i-0101</instanceId><imageId>ami-0old</imageId>
    <instanceState><name>running</name></instanceState>
    <launchTime>2026-09-02T00:00:00.000Z</launchTime></item>
</instancesSet></item></reservationSet></DescribeInstancesResponse>)";

class AwsCloudTest : public ::testing::Test {
 protected:
  AwsCloudTest()
      : clock_(*core::ParseIso8601("2026-11-22T10:00:00Z")),
        creds_(Credentials{"AK", "S", "", {}, "test"}),
        rng_(0.0),
        context_{transport_, creds_, clock_,  rng_,    quota_, EndpointConfig{"eu-west-1", "", {}},
                 "",         0,      nullptr, &counts_} {
    transport_.SetFallback([this](const HttpRequest& r) { return Answer(r); });
  }

  core::Result<HttpResponse> Answer(const HttpRequest& r) {
    size_t n = transport_.requests().size() - 1;
    std::string action = transport_.Param(n, "Action");
    std::string token = transport_.Param(n, "NextToken");
    auto ok = [](std::string body) { return HttpResponse{200, {}, std::move(body)}; };
    if (action == "DescribeAutoScalingGroups") {
      return ok(testing::ReadTestdata(token.empty()
                                          ? "aws/describe_auto_scaling_groups_page1.xml"
                                          : "aws/describe_auto_scaling_groups_page2.xml"));
    }
    if (action == "DescribeLaunchTemplates") return ok(kTemplates);
    if (action == "DescribeLaunchTemplateVersions") {
      return ok(transport_.Param(n, "LaunchTemplateId") == "lt-0mix" ? kMixedVersions : kVersions);
    }
    if (action == "DescribeLaunchConfigurations") return ok(kConfigs);
    if (action == "DescribeInstances") {
      return ok(token.empty() ? testing::ReadTestdata("aws/describe_instances.xml")
                              : kInstancesPage2);
    }
    if (action == "DescribeTargetHealth")
      return ok(testing::ReadTestdata("aws/describe_target_health.xml"));
    if (action == "DescribeInstanceHealth") {
      return ok(testing::ReadTestdata("aws/describe_instance_health.xml"));
    }
    return HttpResponse{400,
                        {},
                        "<ErrorResponse><Error><Code>Unexpected</Code><Message>" + action + " " +
                            r.url + "</Message></Error></ErrorResponse>"};
  }

  testing::FakeTransport transport_;
  core::ManualClock clock_;
  StaticProvider creds_;
  core::FixedRng rng_;
  RetryQuota quota_;
  std::map<std::string, int> counts_;
  ClientContext context_;
};

TEST_F(AwsCloudTest, ObserveResolvesVersionsImagesAndMemberHealth) {
  auto cloud = AwsCloud::Create(context_);
  ASSERT_TRUE(cloud.ok());
  auto groups = (*cloud)->cloud().groups.ObserveGroups({"web-1-AppServer", "db-2-Db", "mixed"});
  ASSERT_TRUE(groups.ok()) << groups.status().message();
  ASSERT_EQ(groups->size(), 3u);
  const cloud::Group& web = (*groups)[0];
  EXPECT_EQ(web.spec.resolved_version, "2");  // $Latest
  EXPECT_EQ(web.spec.image_id, "ami-0new");
  ASSERT_EQ(web.instances.size(), 2u);
  const cloud::Instance& old = web.instances[0];
  EXPECT_EQ(old.spec.resolved_version, "1");
  EXPECT_EQ(old.image_id, "ami-0old");
  EXPECT_EQ(old.ec2_state, "running");
  ASSERT_EQ(old.health.size(), 1u);
  EXPECT_EQ(old.health[0].state, "healthy");
  EXPECT_TRUE(cloud::IsOutOfDate(web, old));
  const cloud::Instance& fresh = web.instances[1];
  EXPECT_EQ(fresh.spec.version, "$Latest");
  EXPECT_EQ(fresh.spec.resolved_version, "2");  // from the aws:ec2launchtemplate:version tag
  EXPECT_EQ(fresh.health[0].state, "initial");
  EXPECT_FALSE(cloud::IsOutOfDate(web, fresh));

  const cloud::Group& db = (*groups)[1];
  EXPECT_EQ(db.spec.image_id, "ami-0new");
  ASSERT_EQ(db.instances.size(), 1u);
  EXPECT_EQ(db.instances[0].health[0].state, "InService");
  EXPECT_TRUE(cloud::IsOutOfDate(db, db.instances[0]));  // launched from db-2-lc-old

  const cloud::Group& mixed = (*groups)[2];
  EXPECT_EQ(mixed.spec.resolved_version, "4");  // $Default
  EXPECT_EQ(mixed.spec.image_id, "");           // an SSM parameter is not an image id

  for (const cloud::Group& g : *groups) {
    for (const cloud::Instance& i : g.instances) EXPECT_NE(i.id, "i-0dead");
  }
}

TEST_F(AwsCloudTest, ObservationIsBatched) {
  auto cloud = AwsCloud::Create(context_);
  ASSERT_TRUE((*cloud)->cloud().groups.ObserveGroups({"web-1-AppServer", "db-2-Db", "mixed"}).ok());
  std::map<std::string, int> want = {
      {"autoscaling:DescribeAutoScalingGroups", 2},  // two pages
      {"ec2:DescribeLaunchTemplates", 1},            // all templates at once
      {"ec2:DescribeLaunchTemplateVersions", 2},     // one per template
      {"autoscaling:DescribeLaunchConfigurations", 1},
      {"ec2:DescribeInstances", 2},  // all members, two pages
      {"elasticloadbalancing:DescribeTargetHealth", 1},
      {"elasticloadbalancing:DescribeInstanceHealth", 1},
  };
  EXPECT_EQ(counts_, want);
}

TEST_F(AwsCloudTest, MissingGroupIsNotFound) {
  auto cloud = AwsCloud::Create(context_);
  auto groups = (*cloud)->cloud().groups.ObserveGroups({"web-1-AppServer", "ghost"});
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(groups.status().code(), core::Code::kNotFound);
  EXPECT_NE(groups.status().message().find("'ghost' does not exist in region eu-west-1"),
            std::string::npos);
}

// Auto Scaling's words for an instance in no group become kNotFound here, once.
TEST_F(AwsCloudTest, TerminatingAMemberThatIsGoneIsNotFound) {
  auto cloud = AwsCloud::Create(context_);
  ASSERT_TRUE(cloud.ok());
  transport_.PushXml(400, R"(<ErrorResponse><Error><Type>Sender</Type>
    <Code>ValidationError</Code><Message>Instance Id not found - No managed instance found for
    instance ID: i-0gone</Message></Error><RequestId>r-1</RequestId></ErrorResponse>)");
  core::Status gone = (*cloud)->cloud().group_changes.TerminateInstance("i-0gone", false);
  EXPECT_EQ(gone.code(), core::Code::kNotFound) << gone.ToString();
  EXPECT_NE(gone.message().find("i-0gone is in no Auto Scaling group"), std::string::npos);
  transport_.PushXml(400, R"(<ErrorResponse><Error><Type>Sender</Type>
    <Code>ValidationError</Code><Message>Currently, desiredSize equals minSize (1).</Message>
    </Error><RequestId>r-2</RequestId></ErrorResponse>)");
  EXPECT_EQ((*cloud)->cloud().group_changes.TerminateInstance("i-0abc", true).code(),
            core::Code::kFailedPrecondition);
}

}  // namespace
// Rows from the EC2 model (botocore's ResponseLaunchTemplateData against
// RequestLaunchTemplateData).
TEST(TemplateRequestName, AsTheEc2ModelNamesThem) {
  struct Row {
    const char* response;
    const char* request;
  };
  const Row rows[] = {
      {"keyName", "KeyName"},
      {"securityGroupIdSet.1", "SecurityGroupId.1"},
      {"blockDeviceMappingSet.2.ebs.volumeSize", "BlockDeviceMapping.2.Ebs.VolumeSize"},
      {"tagSpecificationSet.1.tagSet.3.key", "TagSpecification.1.Tag.3.Key"},
      {"iamInstanceProfile.arn", "IamInstanceProfile.Arn"},
      {"metadataOptions.httpTokens", "MetadataOptions.HttpTokens"},
      {"licenseSet.1.licenseConfigurationArn", "LicenseSpecification.1.LicenseConfigurationArn"},
      {"networkInterfaceSet.1.groupSet.2", "NetworkInterface.1.SecurityGroupId.2"},
      {"networkInterfaceSet.1.ipv6AddressesSet.1.ipv6Address",
       "NetworkInterface.1.Ipv6Addresses.1.Ipv6Address"},
      {"secondaryInterfaceSet.1.privateIpAddressesSet.1.privateIpAddress",
       "SecondaryInterface.1.PrivateIpAddress.1.PrivateIpAddress"},
      {"instanceRequirements.vCpuCount.min", "InstanceRequirements.VCpuCount.Min"},
      {"metadataOptions.state", ""},
      {"operator.managed", ""},
      {"networkInterfaceSet.1.ipv6AddressesSet.1.isPrimaryIpv6", ""},
  };
  for (const Row& r : rows) EXPECT_EQ(TemplateRequestName(r.response), r.request) << r.response;
}

}  // namespace rotor::aws
