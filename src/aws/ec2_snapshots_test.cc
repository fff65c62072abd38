// The backup verbs on a fake transport: CreateSnapshots' parameters and its answer (its state
// in <state>, unlike DescribeSnapshots), DeleteSnapshot and CopySnapshot, and EC2's refusals
// translated to Status codes.
#include "aws/ec2_snapshots.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/strings.h"
#include "fakes/fake_aws.h"

namespace rotor::aws {
namespace {

using ParamList = std::vector<std::pair<std::string, std::string>>;

// As EC2 answers CreateSnapshots (botocore's CreateSnapshotsResult: snapshotSet of SnapshotInfo).
const char kSetStarted[] =
    R"(<CreateSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
  <snapshotSet>
    <item><description>rotor backup r-1</description><tagSet>
        <item><key>rotor:backup-of</key><value>i-0db</value></item>
        <item><key>Name</key><value>db-wal</value></item></tagSet>
      <encrypted>true</encrypted><volumeId>vol-0wal</volumeId><state>pending</state>
      <volumeSize>50</volumeSize><startTime>2026-11-30T03:00:00.000Z</startTime>
      <progress></progress><ownerId>123456789012</ownerId><snapshotId>snap-0b</snapshotId></item>
    <item><description>rotor backup r-1</description><tagSet>
        <item><key>rotor:backup-of</key><value>i-0db</value></item></tagSet>
      <encrypted>true</encrypted><volumeId>vol-0data</volumeId><state>pending</state>
      <volumeSize>500</volumeSize><startTime>2026-11-30T03:00:00.000Z</startTime>
      <progress>0%</progress><ownerId>123456789012</ownerId><snapshotId>snap-0a</snapshotId></item>
  </snapshotSet>
</CreateSnapshotsResponse>)";

class Ec2SnapshotsTest : public ::testing::Test {
 protected:
  AwsClient Client() {
    auto c = AwsClient::Create(kEc2, aws_.context);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return std::move(c).value();
  }
  ParamList Sent(size_t n) { return transport_.FormParams(n); }

  testing::FakeAws aws_{"2026-11-30T03:00:00Z", "eu-west-1"};
  testing::FakeTransport& transport_ = aws_.transport;
};

TEST_F(Ec2SnapshotsTest, ASetOfTheDataVolumesTaggedAtCreation) {
  transport_.PushXml(200, kSetStarted);
  AwsClient client = Client();
  ec2::SnapshotSetRequest r;
  r.instance_id = "i-0db";
  r.exclude = {"vol-0scratch"};
  r.description = "rotor backup r-1";
  r.tags = {{"rotor:backup-of", "i-0db"}, {"rotor:operation", "r-1"}};
  auto set = ec2::CreateSnapshotSet(client, r);
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(Sent(0), (ParamList{{"Action", "CreateSnapshots"},
                                {"InstanceSpecification.InstanceId", "i-0db"},
                                {"InstanceSpecification.ExcludeBootVolume", "true"},
                                {"InstanceSpecification.ExcludeDataVolumeId.1", "vol-0scratch"},
                                {"Description", "rotor backup r-1"},
                                {"TagSpecification.1.ResourceType", "snapshot"},
                                {"TagSpecification.1.Tag.1.Key", "rotor:backup-of"},
                                {"TagSpecification.1.Tag.1.Value", "i-0db"},
                                {"TagSpecification.1.Tag.2.Key", "rotor:operation"},
                                {"TagSpecification.1.Tag.2.Value", "r-1"},
                                {"CopyTagsFromSource", "volume"}}));
  ASSERT_EQ(set->size(), 2u);
  const cloud::Snapshot& data = (*set)[0];  // in volume id order
  EXPECT_EQ(data.id, "snap-0a");
  EXPECT_EQ(data.volume_id, "vol-0data");
  EXPECT_EQ(data.state, "pending");
  EXPECT_EQ(data.started, *core::ParseIso8601("2026-11-30T03:00:00Z"));
  EXPECT_EQ((*set)[1].id, "snap-0b");
  EXPECT_EQ((*set)[1].tags.at("Name"), "db-wal");
}

TEST_F(Ec2SnapshotsTest, TheRootOnlyWhenAskedAndTooManyExclusionsRefusedBeforeAsking) {
  ec2::SnapshotSetRequest r;
  r.instance_id = "i-0db";
  r.include_root = true;
  r.copy_volume_tags = false;
  EXPECT_EQ(ec2::CreateSnapshotSetParams(r).items(),
            (ParamList{{"InstanceSpecification.InstanceId", "i-0db"},
                       {"InstanceSpecification.ExcludeBootVolume", "false"}}));
  for (int i = 0; i < 41; ++i) r.exclude.push_back("vol-" + std::to_string(i));
  AwsClient client = Client();
  auto set = ec2::CreateSnapshotSet(client, r);
  EXPECT_EQ(set.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(set.status().message().find("at most 40"), std::string::npos) << set.status().message();
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(Ec2SnapshotsTest, RefusalsAreTranslatedOnce) {
  struct Row {
    const char* name;
    std::string code;
    std::function<core::Status(AwsClient&)> call;
    core::Code want;
    std::string says;
  };
  auto set = [](AwsClient& c) {
    ec2::SnapshotSetRequest r;
    r.instance_id = "i-0gone";
    return ec2::CreateSnapshotSet(c, r).status();
  };
  auto del = [](AwsClient& c) { return ec2::DeleteSnapshot(c, "snap-0ami"); };
  auto copy = [](AwsClient& c) {
    return ec2::CopySnapshot(c, "eu-west-1", "snap-0gone", "", {}).status();
  };
  const Row rows[] = {
      {"an unknown instance", "InvalidInstanceID.NotFound", set, core::Code::kNotFound,
       "no instance i-0gone in this region"},
      {"an instance changing", "IncorrectState", set, core::Code::kFailedPrecondition,
       "instance i-0gone or one of its volumes is changing"},
      {"a snapshot an image uses", "InvalidSnapshot.InUse", del, core::Code::kFailedPrecondition,
       "deregister the image first, or keep the snapshot"},
      {"a snapshot already gone", "InvalidSnapshot.NotFound", del, core::Code::kNotFound,
       "no snapshot snap-0ami of this account in this region"},
      {"a copy of nothing", "InvalidSnapshot.NotFound", copy, core::Code::kNotFound,
       "no snapshot snap-0gone of this account in eu-west-1"},
  };
  for (const Row& r : rows) {
    transport_.PushXml(400, testing::Ec2ErrorXml(r.code, "EC2 says no"));
    AwsClient client = Client();
    core::Status s = r.call(client);
    EXPECT_EQ(s.code(), r.want) << r.name << ": " << s.message();
    EXPECT_NE(s.message().find(r.says), std::string::npos) << r.name << ": " << s.message();
    EXPECT_EQ(s.aws_code(), r.code) << r.name;
  }
}

TEST_F(Ec2SnapshotsTest, DeleteAndCopy) {
  transport_.PushXml(200, "<DeleteSnapshotResponse><return>true</return></DeleteSnapshotResponse>");
  transport_.PushXml(200,
                     "<CopySnapshotResponse><snapshotId>snap-0copy</snapshotId>"
                     "<tagSet/></CopySnapshotResponse>");
  AwsClient client = Client();
  EXPECT_TRUE(ec2::DeleteSnapshot(client, "snap-0old").ok());
  EXPECT_EQ(Sent(0), (ParamList{{"Action", "DeleteSnapshot"}, {"SnapshotId", "snap-0old"}}));
  auto copy = ec2::CopySnapshot(client, "us-east-1", "snap-0a", "copy of snap-0a",
                                {{"rotor:backup-of", "i-0db"}});
  ASSERT_TRUE(copy.ok()) << copy.status().message();
  EXPECT_EQ(*copy, "snap-0copy");
  EXPECT_EQ(Sent(1), (ParamList{{"Action", "CopySnapshot"},
                                {"SourceRegion", "us-east-1"},
                                {"SourceSnapshotId", "snap-0a"},
                                {"Description", "copy of snap-0a"},
                                {"TagSpecification.1.ResourceType", "snapshot"},
                                {"TagSpecification.1.Tag.1.Key", "rotor:backup-of"},
                                {"TagSpecification.1.Tag.1.Value", "i-0db"}}));
}

TEST_F(Ec2SnapshotsTest, AVolumeFromASnapshotTaggedAtCreationWithItsToken) {
  transport_.PushXml(200,
                     "<CreateVolumeResponse><volumeId>vol-0new</volumeId><size>600</size>"
                     "<status>creating</status></CreateVolumeResponse>");
  AwsClient client = Client();
  cloud::NewVolume v;
  v.zone = "eu-west-1a";
  v.snapshot_id = "snap-0a";
  v.size_gib = 600;
  v.volume_type = "io2";
  v.iops = 3000;
  v.tags = {{"rotor:operation", "r-1"}};
  v.client_token = "r-1-vol";
  auto id = ec2::CreateVolume(client, v);
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(*id, "vol-0new");
  EXPECT_EQ(Sent(0), (ParamList{{"Action", "CreateVolume"},
                                {"AvailabilityZone", "eu-west-1a"},
                                {"SnapshotId", "snap-0a"},
                                {"Size", "600"},
                                {"VolumeType", "io2"},
                                {"Iops", "3000"},
                                {"ClientToken", "r-1-vol"},
                                {"TagSpecification.1.ResourceType", "volume"},
                                {"TagSpecification.1.Tag.1.Key", "rotor:operation"},
                                {"TagSpecification.1.Tag.1.Value", "r-1"}}));
  cloud::NewVolume plain;
  plain.zone = "eu-west-1a";
  plain.snapshot_id = "snap-0a";
  EXPECT_EQ(ec2::CreateVolumeParams(plain).items(), (ParamList{{"AvailabilityZone", "eu-west-1a"},
                                                               {"SnapshotId", "snap-0a"},
                                                               {"VolumeType", "gp3"}}));
}

TEST_F(Ec2SnapshotsTest, CreateVolumeRefusalsAreTranslated) {
  struct Row {
    const char* code;
    core::Code want;
    const char* says;
  };
  const Row rows[] = {
      {"InvalidSnapshot.NotFound", core::Code::kNotFound, "no snapshot snap-0a"},
      {"InvalidZone.NotFound", core::Code::kNotFound, "no availability zone eu-west-1a"},
      {"InvalidParameterValue", core::Code::kInvalidArgument, "EC2 refuses a volume of snap-0a"},
      {"IncorrectState", core::Code::kFailedPrecondition, "snap-0a is not completed"},
  };
  for (const Row& r : rows) {
    transport_.PushXml(400, testing::Ec2ErrorXml(r.code, "Volume of 5GiB is too small"));
    AwsClient client = Client();
    cloud::NewVolume v;
    v.zone = "eu-west-1a";
    v.snapshot_id = "snap-0a";
    auto id = ec2::CreateVolume(client, v);
    ASSERT_FALSE(id.ok()) << r.code;
    EXPECT_EQ(id.status().code(), r.want) << r.code;
    EXPECT_EQ(id.status().aws_code(), r.code);
    EXPECT_NE(id.status().message().find(r.says), std::string::npos) << id.status().message();
  }
}

}  // namespace
}  // namespace rotor::aws
