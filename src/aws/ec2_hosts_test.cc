// EC2 host and elastic IP verbs on a fake transport: the RunInstances parameters, a host
// described from recorded answers (IPv6, block devices, volumes, termination protection), ids
// EC2 does not know, and calls skipped when there is nothing to do.
#include "aws/ec2_hosts.h"

#include <gtest/gtest.h>

#include "aws/aws_cloud.h"
#include "core/strings.h"
#include "fakes/fake_transport.h"

namespace rotor::aws {
namespace {

using ParamList = std::vector<std::pair<std::string, std::string>>;

const char kVolumes[] = R"(<DescribeVolumesResponse><volumeSet>
  <item><volumeId>vol-0root</volumeId><size>16</size><volumeType>gp3</volumeType>
    <encrypted>true</encrypted></item>
  <item><volumeId>vol-0data</volumeId><size>200</size><volumeType>io2</volumeType>
    <encrypted>false</encrypted></item>
</volumeSet></DescribeVolumesResponse>)";

// "#cloud-config\nhostname: bastion\n", as EC2 returns user data: base64.
const char kUserData[] =
    "<DescribeInstanceAttributeResponse><instanceId>i-0bastion</instanceId><userData><value>"
    "I2Nsb3VkLWNvbmZpZwpob3N0bmFtZTogYmFzdGlvbgo=</value></userData>"
    "</DescribeInstanceAttributeResponse>";
const char kProtected[] = R"(<DescribeInstanceAttributeResponse><instanceId>i-0bastion</instanceId>
  <disableApiTermination><value>true</value></disableApiTermination>
</DescribeInstanceAttributeResponse>)";

const char kRunning[] = R"(<RunInstancesResponse><reservationId>r-1</reservationId>
  <instancesSet><item><instanceId>i-0new</instanceId></item></instancesSet>
</RunInstancesResponse>)";

std::string Ec2Error(const std::string& code) {
  return "<Response><Errors><Error><Code>" + code + "</Code><Message>The instance ID 'i-zz' " +
         "is malformed</Message></Error></Errors><RequestID>r</RequestID></Response>";
}

class Ec2HostsTest : public ::testing::Test {
 protected:
  Ec2HostsTest()
      : clock_(*core::ParseIso8601("2026-11-22T10:00:00Z")),
        creds_(Credentials{"AK", "S", "", {}, "test"}),
        rng_(0.0),
        context_{transport_, creds_, clock_,  rng_,    quota_, EndpointConfig{"eu-west-1", "", {}},
                 "",         0,      nullptr, &counts_} {
    auto c = AwsCloud::Create(context_);
    EXPECT_TRUE(c.ok()) << c.status().message();
    cloud_ = std::move(c).value();
  }
  cloud::Cloud& c() { return cloud_->cloud(); }
  std::string Action(size_t n) { return transport_.Param(n, "Action"); }

  testing::FakeTransport transport_;
  core::ManualClock clock_;
  StaticProvider creds_;
  core::FixedRng rng_;
  RetryQuota quota_;
  std::map<std::string, int> counts_;
  ClientContext context_;
  std::unique_ptr<AwsCloud> cloud_;
};

cloud::LaunchLike FullLaunch() {
  cloud::LaunchLike l;
  l.image_id = "ami-0app202611";
  l.instance_type = "t3.micro";
  l.subnet_id = "subnet-0aaa";
  l.security_groups = {"sg-0ssh", "sg-0mon"};
  l.key_name = "ops";
  l.profile_arn = "arn:aws:iam::123456789012:instance-profile/bastion";
  // A key EC2 reserves, copied along from the old instance's tags, is never sent.
  l.tags = {
      {"Name", "bastion"}, {"rotor:operation", "op-7"}, {"aws:cloudformation:stack-name", "x"}};
  l.ipv6_count = 1;
  l.root = cloud::RootVolume{"/dev/xvda", 16, "gp3", true};
  l.user_data = "#!/bin/sh\necho hi\n";
  l.termination_protection = true;
  l.client_token = "rotor-op-7-launch";
  return l;
}

TEST(RunInstancesParams, FullLaunchLike) {
  const ParamList want = {
      {"ImageId", "ami-0app202611"},
      {"InstanceType", "t3.micro"},
      {"MinCount", "1"},
      {"MaxCount", "1"},
      {"SubnetId", "subnet-0aaa"},
      {"SecurityGroupId.1", "sg-0ssh"},
      {"SecurityGroupId.2", "sg-0mon"},
      {"KeyName", "ops"},
      {"IamInstanceProfile.Arn", "arn:aws:iam::123456789012:instance-profile/bastion"},
      {"Ipv6AddressCount", "1"},
      {"BlockDeviceMapping.1.DeviceName", "/dev/xvda"},
      {"BlockDeviceMapping.1.Ebs.VolumeSize", "16"},
      {"BlockDeviceMapping.1.Ebs.VolumeType", "gp3"},
      {"BlockDeviceMapping.1.Ebs.Encrypted", "true"},
      {"BlockDeviceMapping.1.Ebs.DeleteOnTermination", "true"},
      {"UserData", "IyEvYmluL3NoCmVjaG8gaGkK"},
      {"DisableApiTermination", "true"},
      {"ClientToken", "rotor-op-7-launch"},
      {"TagSpecification.1.ResourceType", "instance"},
      {"TagSpecification.1.Tag.1.Key", "Name"},
      {"TagSpecification.1.Tag.1.Value", "bastion"},
      {"TagSpecification.1.Tag.2.Key", "rotor:operation"},
      {"TagSpecification.1.Tag.2.Value", "op-7"},
      {"TagSpecification.2.ResourceType", "volume"},
      {"TagSpecification.2.Tag.1.Key", "Name"},
      {"TagSpecification.2.Tag.1.Value", "bastion"},
      {"TagSpecification.2.Tag.2.Key", "rotor:operation"},
      {"TagSpecification.2.Tag.2.Value", "op-7"},
  };
  EXPECT_EQ(ec2::RunInstancesParams(FullLaunch()).items(), want);
}

TEST(RunInstancesParams, MinimalLaunchLeavesOutWhatIsUnset) {
  cloud::LaunchLike l;
  l.image_id = "ami-1";
  l.instance_type = "t3.nano";
  const ParamList want = {{"ImageId", "ami-1"},
                          {"InstanceType", "t3.nano"},
                          {"MinCount", "1"},
                          {"MaxCount", "1"},
                          {"DisableApiTermination", "false"}};
  EXPECT_EQ(ec2::RunInstancesParams(l).items(), want);
}

TEST_F(Ec2HostsTest, RunInstanceReturnsTheNewId) {
  transport_.PushXml(200, kRunning);
  auto id = c().instances.RunInstance(FullLaunch());
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(*id, "i-0new");
  EXPECT_EQ(Action(0), "RunInstances");
  EXPECT_EQ(transport_.Param(0, "ClientToken"), "rotor-op-7-launch");
}

TEST_F(Ec2HostsTest, DescribeHostByNameFromRecordedAnswers) {
  transport_.PushXml(200, testing::ReadTestdata("aws/describe_instances_host.xml"));
  transport_.PushXml(200, kVolumes);
  transport_.PushXml(200, kProtected);
  transport_.PushXml(200, kUserData);
  auto h = c().instances.DescribeHost("bastion");
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(transport_.requests().size(), 4u);
  EXPECT_EQ(Action(0), "DescribeInstances");
  EXPECT_EQ(transport_.Param(0, "Filter.1.Name"), "tag:Name");
  EXPECT_EQ(transport_.Param(0, "Filter.1.Value.1"), "bastion");
  EXPECT_EQ(transport_.Param(0, "Filter.2.Name"), "instance-state-name");
  EXPECT_EQ(transport_.Param(0, "Filter.2.Value.5"), "stopped");
  EXPECT_EQ(transport_.Param(0, "Filter.2.Value.6"), "");  // never terminated
  EXPECT_EQ(Action(1), "DescribeVolumes");
  EXPECT_EQ(transport_.Param(1, "Filter.1.Value.2"), "vol-0data");
  EXPECT_EQ(Action(2), "DescribeInstanceAttribute");
  EXPECT_EQ(transport_.Param(2, "Attribute"), "disableApiTermination");
  EXPECT_EQ(Action(3), "DescribeInstanceAttribute");
  EXPECT_EQ(transport_.Param(3, "Attribute"), "userData");
  EXPECT_EQ(h->user_data, "#cloud-config\nhostname: bastion\n");

  EXPECT_EQ(h->instance.id, "i-0bastion");
  EXPECT_EQ(h->name, "bastion");
  EXPECT_EQ(h->group, "bastion-asg");
  EXPECT_EQ(h->launch_template_id, "lt-0bastion");
  EXPECT_EQ(h->subnet_id, "subnet-0aaa");
  EXPECT_EQ(h->vpc_id, "vpc-0bbb");
  EXPECT_EQ(h->security_groups, (std::vector<std::string>{"sg-0ssh", "sg-0mon"}));
  EXPECT_EQ(h->key_name, "ops");
  EXPECT_EQ(h->profile_arn, "arn:aws:iam::123456789012:instance-profile/bastion");
  EXPECT_EQ(h->root_device, "/dev/xvda");
  EXPECT_TRUE(h->termination_protection);
  EXPECT_EQ(h->instance.tags.at("team"), "ops");
  EXPECT_EQ(h->instance.public_ip, "198.51.100.10");
  // The primary interface's (device index 0) addresses only.
  EXPECT_EQ(h->instance.ipv6_addresses,
            (std::vector<std::string>{"2001:db8:1:1::10", "2001:db8:1:1::11"}));
  ASSERT_EQ(h->devices.size(), 2u);
  EXPECT_EQ(h->devices[0].device, "/dev/xvda");
  EXPECT_EQ(h->devices[0].volume_id, "vol-0root");
  EXPECT_EQ(h->devices[0].size_gib, 16);
  EXPECT_EQ(h->devices[0].volume_type, "gp3");
  EXPECT_TRUE(h->devices[0].encrypted);
  EXPECT_TRUE(h->devices[0].delete_on_termination);
  EXPECT_EQ(h->devices[1].size_gib, 200);
  EXPECT_EQ(h->devices[1].volume_type, "io2");
  EXPECT_FALSE(h->devices[1].encrypted);
  EXPECT_FALSE(h->devices[1].delete_on_termination);
}

TEST_F(Ec2HostsTest, DescribeHostByIdAsksForThatId) {
  transport_.PushXml(200, testing::ReadTestdata("aws/describe_instances_host.xml"));
  transport_.PushXml(200, kVolumes);
  transport_.PushXml(200, kProtected);
  transport_.PushXml(200, kUserData);
  auto h = c().instances.DescribeHost("i-0bastion");
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(transport_.Param(0, "InstanceId.1"), "i-0bastion");
  EXPECT_EQ(h->name, "bastion");
}

TEST_F(Ec2HostsTest, IdsEc2DoesNotKnowAreNotFoundNamingThem) {
  for (const char* code : {"InvalidInstanceID.Malformed", "InvalidInstanceID.NotFound"}) {
    transport_.PushXml(400, Ec2Error(code));
    auto h = c().instances.DescribeHost("i-zz");
    EXPECT_EQ(h.status().code(), core::Code::kNotFound) << code;
    EXPECT_NE(h.status().message().find("i-zz"), std::string::npos) << h.status().message();
    transport_.PushXml(400, Ec2Error(code));
    core::Status stop = c().instances.SetRunning("i-zz", false);
    EXPECT_EQ(stop.code(), core::Code::kNotFound) << code;
  }
}

TEST_F(Ec2HostsTest, NoNameMatchesListsNamedHostsForSuggestions) {
  transport_.PushXml(200,
                     "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>");
  transport_.PushXml(200, testing::ReadTestdata("aws/describe_instances_host.xml"));
  auto h = c().instances.DescribeHost("bast");
  EXPECT_EQ(h.status().code(), core::Code::kNotFound);
  EXPECT_NE(h.status().message().find("names like it: bastion"), std::string::npos)
      << h.status().message();
  EXPECT_EQ(transport_.Param(1, "Filter.1.Name"), "tag-key");
}

TEST_F(Ec2HostsTest, TagCallsOnlyWhatHasSomethingToDo) {
  struct Row {
    const char* name;
    std::map<std::string, std::string> set;
    std::vector<std::string> remove;
    std::vector<std::string> actions;
  };
  const Row rows[] = {
      {"nothing", {}, {}, {}},
      {"set only", {{"team", "ops"}}, {}, {"CreateTags"}},
      {"remove only", {}, {"old"}, {"DeleteTags"}},
      {"both", {{"team", "ops"}}, {"old"}, {"CreateTags", "DeleteTags"}},
  };
  transport_.SetFallback([](const HttpRequest&) -> core::Result<HttpResponse> {
    return HttpResponse{200, {}, "<R><return>true</return></R>"};
  });
  for (const Row& r : rows) {
    size_t before = transport_.requests().size();
    ASSERT_TRUE(c().instances.Tag("i-0bastion", r.set, r.remove).ok()) << r.name;
    std::vector<std::string> actions;
    for (size_t n = before; n < transport_.requests().size(); ++n) actions.push_back(Action(n));
    EXPECT_EQ(actions, r.actions) << r.name;
  }
  EXPECT_EQ(transport_.Param(0, "ResourceId.1"), "i-0bastion");
  EXPECT_EQ(transport_.Param(0, "Tag.1.Key"), "team");
  EXPECT_EQ(transport_.Param(0, "Tag.1.Value"), "ops");
  EXPECT_EQ(transport_.Param(1, "Tag.1.Key"), "old");
  EXPECT_EQ(transport_.Param(1, "Tag.1.Value"), "");  // DeleteTags by key, whatever the value
}

TEST_F(Ec2HostsTest, ProtectionStopStartAndConsole) {
  transport_.SetFallback([](const HttpRequest&) -> core::Result<HttpResponse> {
    return HttpResponse{200, {}, "<R><return>true</return></R>"};
  });
  ASSERT_TRUE(c().instances.SetTerminationProtection("i-0bastion", false).ok());
  EXPECT_EQ(Action(0), "ModifyInstanceAttribute");
  EXPECT_EQ(transport_.Param(0, "DisableApiTermination.Value"), "false");
  ASSERT_TRUE(c().instances.SetRunning("i-0bastion", false).ok());
  ASSERT_TRUE(c().instances.SetRunning("i-0bastion", true).ok());
  EXPECT_EQ(Action(1), "StopInstances");
  EXPECT_EQ(Action(2), "StartInstances");
  EXPECT_EQ(transport_.Param(2, "InstanceId.1"), "i-0bastion");
  transport_.PushXml(200,
                     "<GetConsoleOutputResponse><output>Ym9vdGVkCg==</output>"
                     "</GetConsoleOutputResponse>");
  transport_.PushXml(200,
                     "<GetConsoleOutputResponse><instanceId>i-0bastion</instanceId>"
                     "</GetConsoleOutputResponse>");
  EXPECT_EQ(*c().instances.ConsoleOutput("i-0bastion"), "booted\n");
  EXPECT_EQ(*c().instances.ConsoleOutput("i-0bastion"), "");
}

const char kAddresses[] = R"(<DescribeAddressesResponse><addressesSet>
  <item><publicIp>198.51.100.10</publicIp><allocationId>eipalloc-0a</allocationId>
    <domain>vpc</domain><instanceId>i-0bastion</instanceId><associationId>eipassoc-0a</associationId>
    <privateIpAddress>10.1.1.10</privateIpAddress>
    <tagSet><item><key>Name</key><value>bastion-ip</value></item></tagSet></item>
</addressesSet></DescribeAddressesResponse>)";

TEST_F(Ec2HostsTest, AddressesDecodedAndLookedUpByIdOrIp) {
  transport_.PushXml(200, kAddresses);
  transport_.PushXml(200, kAddresses);
  auto of = c().addresses.AddressesOf("i-0bastion");
  ASSERT_TRUE(of.ok()) << of.status().message();
  ASSERT_EQ(of->size(), 1u);
  EXPECT_EQ(transport_.Param(0, "Filter.1.Name"), "instance-id");
  const cloud::ElasticIp& ip = (*of)[0];
  EXPECT_EQ(ip.allocation_id, "eipalloc-0a");
  EXPECT_EQ(ip.public_ip, "198.51.100.10");
  EXPECT_EQ(ip.association_id, "eipassoc-0a");
  EXPECT_EQ(ip.instance_id, "i-0bastion");
  EXPECT_EQ(ip.private_ip, "10.1.1.10");
  EXPECT_EQ(ip.tags.at("Name"), "bastion-ip");
  ASSERT_TRUE(c().addresses.DescribeAddress("198.51.100.10").ok());
  EXPECT_EQ(transport_.Param(1, "PublicIp.1"), "198.51.100.10");
}

TEST_F(Ec2HostsTest, AddressErrorsAreNotFound) {
  transport_.PushXml(400, Ec2Error("InvalidAllocationID.NotFound"));
  auto by_id = c().addresses.DescribeAddress("eipalloc-0gone");
  EXPECT_EQ(by_id.status().code(), core::Code::kNotFound);
  EXPECT_NE(by_id.status().message().find("eipalloc-0gone"), std::string::npos);
  EXPECT_EQ(transport_.Param(0, "AllocationId.1"), "eipalloc-0gone");
  transport_.PushXml(200, "<DescribeAddressesResponse><addressesSet/></DescribeAddressesResponse>");
  EXPECT_EQ(c().addresses.DescribeAddress("192.0.2.1").status().code(), core::Code::kNotFound);
  transport_.PushXml(400, Ec2Error("InvalidAssociationID.NotFound"));
  EXPECT_EQ(c().addresses.Disassociate("eipassoc-0gone").code(), core::Code::kNotFound);
  transport_.PushXml(200,
                     "<AssociateAddressResponse><associationId>eipassoc-1</associationId>"
                     "</AssociateAddressResponse>");
  ASSERT_TRUE(c().addresses.Associate("eipalloc-0a", "i-0new").ok());
  EXPECT_EQ(transport_.Param(3, "AllowReassociation"), "true");
  EXPECT_EQ(transport_.Param(3, "InstanceId"), "i-0new");
}

}  // namespace
}  // namespace rotor::aws
