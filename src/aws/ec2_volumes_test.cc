// EBS volume and snapshot verbs on a fake transport: DescribeVolumes over two recorded pages (an
// attached volume with tags, one detaching, one available), the parameters of each query,
// snapshots with their progress oldest first, and EC2's refusals translated to Status codes.
#include "aws/ec2_volumes.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "aws/aws_cloud.h"
#include "core/strings.h"
#include "fakes/fake_aws.h"

namespace rotor::aws {
namespace {

using ParamList = std::vector<std::pair<std::string, std::string>>;

const char kAttached[] = R"(<AttachVolumeResponse><volumeId>vol-0data</volumeId>
  <instanceId>i-0new</instanceId><device>/dev/sdf</device><status>attaching</status>
</AttachVolumeResponse>)";

const char kSnapshotStarted[] = R"(<CreateSnapshotResponse><snapshotId>snap-0new</snapshotId>
  <volumeId>vol-0data</volumeId><status>pending</status>
  <startTime>2026-11-22T10:00:00.000Z</startTime><progress/>
</CreateSnapshotResponse>)";

class Ec2VolumesTest : public ::testing::Test {
 protected:
  Ec2VolumesTest() {
    auto c = AwsCloud::Create(aws_.context);
    EXPECT_TRUE(c.ok()) << c.status().message();
    cloud_ = std::move(c).value();
  }
  cloud::Volumes& v() { return cloud_->cloud().volumes; }
  std::string Action(size_t n) { return transport_.Param(n, "Action"); }
  // Request `n`'s parameters but Action and Version, in order.
  ParamList Sent(size_t n) {
    ParamList out = transport_.FormParams(n);
    std::erase_if(out, [](const auto& kv) { return kv.first == "Action"; });
    return out;
  }

  testing::FakeAws aws_{"2026-11-22T10:00:00Z", "us-east-1"};
  testing::FakeTransport& transport_ = aws_.transport;
  std::unique_ptr<AwsCloud> cloud_;
};

TEST_F(Ec2VolumesTest, VolumesOverTwoPagesInIdOrder) {
  transport_.PushXml(200, testing::ReadTestdata("aws/describe_volumes_page1.xml"));
  transport_.PushXml(200, testing::ReadTestdata("aws/describe_volumes_page2.xml"));
  auto vols = v().DescribeVolumes({});
  ASSERT_TRUE(vols.ok()) << vols.status().message();
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(Sent(0), (ParamList{{"MaxResults", "500"}}));
  EXPECT_EQ(Sent(1),
            (ParamList{{"MaxResults", "500"}, {"NextToken", "eyJ2IjoiMiIsImMiOiJwYWdlMiJ9"}}));
  std::vector<std::string> ids;
  for (const cloud::Volume& vol : *vols) ids.push_back(vol.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"vol-0data", "vol-0logs", "vol-0root", "vol-0spare"}));

  const cloud::Volume& data = (*vols)[0];
  EXPECT_EQ(data.zone, "us-east-1a");
  EXPECT_EQ(data.size_gib, 100);
  EXPECT_EQ(data.volume_type, "gp3");
  EXPECT_TRUE(data.encrypted);
  EXPECT_EQ(data.state, "in-use");
  EXPECT_EQ(data.attachment, (cloud::VolumeAttachment{"i-0db", "/dev/sdf", "attached", false}));
  EXPECT_EQ(data.tags, (std::map<std::string, std::string>{{"Name", "db-data"}, {"role", "data"}}));

  EXPECT_EQ((*vols)[1].attachment->state, "detaching");
  EXPECT_TRUE((*vols)[2].attachment->delete_on_termination);
  EXPECT_TRUE((*vols)[2].tags.empty());

  const cloud::Volume& spare = (*vols)[3];
  EXPECT_EQ(spare.state, "available");
  EXPECT_EQ(spare.zone, "us-east-1b");
  EXPECT_EQ(spare.volume_type, "io2");
  EXPECT_FALSE(spare.encrypted);
  EXPECT_FALSE(spare.attachment.has_value());
}

TEST(DescribeParams, EachQueryAsEc2TakesIt) {
  struct Row {
    const char* name;
    cloud::VolumeQuery query;
    ParamList want;
  };
  const Row rows[] = {
      {"by ids: no MaxResults beside VolumeId.N",
       {{"vol-0a", "vol-0b"}, "", "", ""},
       {{"VolumeId.1", "vol-0a"}, {"VolumeId.2", "vol-0b"}}},
      {"by instance",
       {{}, "i-0db", "", ""},
       {{"Filter.1.Name", "attachment.instance-id"},
        {"Filter.1.Value.1", "i-0db"},
        {"MaxResults", "500"}}},
      {"by tag and value",
       {{}, "", "role", "data"},
       {{"Filter.1.Name", "tag:role"}, {"Filter.1.Value.1", "data"}, {"MaxResults", "500"}}},
      {"by tag, any value",
       {{}, "", "role", ""},
       {{"Filter.1.Name", "tag-key"}, {"Filter.1.Value.1", "role"}, {"MaxResults", "500"}}},
      {"every field",
       {{"vol-0a"}, "i-0db", "role", "data"},
       {{"VolumeId.1", "vol-0a"},
        {"Filter.1.Name", "attachment.instance-id"},
        {"Filter.1.Value.1", "i-0db"},
        {"Filter.2.Name", "tag:role"},
        {"Filter.2.Value.1", "data"}}},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(ec2::DescribeVolumesParams(r.query).items(), r.want) << r.name;
  }
  const ParamList by_volume = {{"Owner.1", "self"},
                               {"Filter.1.Name", "volume-id"},
                               {"Filter.1.Value.1", "vol-0data"},
                               {"Filter.2.Name", "tag-key"},
                               {"Filter.2.Value.1", "rotor:operation"},
                               {"MaxResults", "1000"}};
  EXPECT_EQ(ec2::DescribeSnapshotsParams({{}, "vol-0data", "rotor:operation", ""}).items(),
            by_volume);
  const ParamList by_id = {{"Owner.1", "self"}, {"SnapshotId.1", "snap-0old"}};
  EXPECT_EQ(ec2::DescribeSnapshotsParams({{"snap-0old"}, "", "", ""}).items(), by_id);
}

TEST_F(Ec2VolumesTest, SnapshotsOldestFirstWithProgress) {
  transport_.PushXml(200, testing::ReadTestdata("aws/describe_snapshots.xml"));
  auto snaps = v().DescribeSnapshots({{}, "vol-0data", "", ""});
  ASSERT_TRUE(snaps.ok()) << snaps.status().message();
  ASSERT_EQ(snaps->size(), 2u);
  EXPECT_EQ(Action(0), "DescribeSnapshots");
  const cloud::Snapshot& old_one = (*snaps)[0];
  EXPECT_EQ(old_one.id, "snap-0old");
  EXPECT_EQ(old_one.state, "completed");
  EXPECT_EQ(old_one.progress_percent, 100);
  EXPECT_EQ(old_one.started, *core::ParseIso8601("2026-11-01T03:00:00Z"));
  EXPECT_TRUE(old_one.tags.empty());
  const cloud::Snapshot& new_one = (*snaps)[1];
  EXPECT_EQ(new_one.id, "snap-0new");
  EXPECT_EQ(new_one.volume_id, "vol-0data");
  EXPECT_EQ(new_one.state, "pending");
  EXPECT_EQ(new_one.progress_percent, 45);
  EXPECT_EQ(new_one.description, "rotor: before moving db's data");
  EXPECT_EQ(new_one.tags.at("rotor:operation"), "op-9");
}

TEST_F(Ec2VolumesTest, AttachDetachAndSnapshotSendWhatEc2Expects) {
  transport_.PushXml(200, kAttached);
  transport_.PushXml(200, kAttached);
  transport_.PushXml(200, kSnapshotStarted);
  transport_.PushXml(200, kSnapshotStarted);
  ASSERT_TRUE(v().Attach("vol-0data", "i-0new", "/dev/sdf").ok());
  ASSERT_TRUE(v().Detach("vol-0data", "i-0db").ok());
  auto tagged = v().CreateSnapshot("vol-0data", "before the move",
                                   {{"rotor:operation", "op-9"}, {"Name", "db-data"}});
  ASSERT_TRUE(tagged.ok()) << tagged.status().message();
  EXPECT_EQ(*tagged, "snap-0new");
  ASSERT_TRUE(v().CreateSnapshot("vol-0data", "", {}).ok());

  EXPECT_EQ(Action(0), "AttachVolume");
  EXPECT_EQ(
      Sent(0),
      (ParamList{{"VolumeId", "vol-0data"}, {"InstanceId", "i-0new"}, {"Device", "/dev/sdf"}}));
  EXPECT_EQ(Action(1), "DetachVolume");
  EXPECT_EQ(Sent(1), (ParamList{{"VolumeId", "vol-0data"}, {"InstanceId", "i-0db"}}));
  EXPECT_EQ(Action(2), "CreateSnapshot");
  EXPECT_EQ(Sent(2), (ParamList{{"VolumeId", "vol-0data"},
                                {"Description", "before the move"},
                                {"TagSpecification.1.ResourceType", "snapshot"},
                                {"TagSpecification.1.Tag.1.Key", "Name"},
                                {"TagSpecification.1.Tag.1.Value", "db-data"},
                                {"TagSpecification.1.Tag.2.Key", "rotor:operation"},
                                {"TagSpecification.1.Tag.2.Value", "op-9"}}));
  EXPECT_EQ(Sent(3), (ParamList{{"VolumeId", "vol-0data"}}));  // no empty tag specification
}

TEST_F(Ec2VolumesTest, RefusalsTranslated) {
  struct Row {
    const char* name;
    std::string ec2_code;
    std::string ec2_message;
    std::function<core::Status(cloud::Volumes&)> call;
    core::Code want;
    std::string names;  // the message names this
  };
  auto attach = [](cloud::Volumes& v) { return v.Attach("vol-0data", "i-0new", "/dev/sdf"); };
  auto detach = [](cloud::Volumes& v) { return v.Detach("vol-0data", "i-0new"); };
  const Row rows[] = {
      {"describe an unknown volume", "InvalidVolume.NotFound",
       "The volume 'vol-0gone' does not exist.",
       [](cloud::Volumes& v) {
         return v.DescribeVolumes({{"vol-0gone"}, "", "", ""}).status();
       },
       core::Code::kNotFound, "vol-0gone"},
      {"a snapshot no one has", "InvalidSnapshot.NotFound", "",
       [](cloud::Volumes& v) {
         return v.DescribeSnapshots({{"snap-0gone"}, "", "", ""}).status();
       },
       core::Code::kNotFound, "snap-0gone"},
      {"attach to an unknown instance", "InvalidInstanceID.NotFound",
       "The instance ID 'i-0new' does not exist", attach, core::Code::kNotFound, "i-0new"},
      {"attach a volume in use", "VolumeInUse", "vol-0data is already attached to an instance",
       attach, core::Code::kFailedPrecondition, "detach it"},
      {"attach a volume still detaching", "IncorrectState", "vol-0data is in the 'in-use' state.",
       attach, core::Code::kFailedPrecondition, "vol-0data"},
      {"attach across zones", "InvalidVolume.ZoneMismatch",
       "The volume 'vol-0data' is not in the same availability zone as instance 'i-0new'", attach,
       core::Code::kFailedPrecondition, "availability zone"},
      {"attach at a device in use", "InvalidParameterValue",
       "Invalid value '/dev/sdf' for unixDevice. Attachment point /dev/sdf is already in use",
       attach, core::Code::kFailedPrecondition, "pick a device"},
      {"detach from the wrong instance", "InvalidAttachment.NotFound",
       "Volume 'vol-0data' is not attached to instance 'i-0new'", detach,
       core::Code::kFailedPrecondition, "not attached to instance i-0new"},
      {"detach an available volume", "IncorrectState",
       "Volume 'vol-0data' is in the 'available' "
       "state.",
       detach, core::Code::kFailedPrecondition, "vol-0data"},
      {"detach an unknown volume", "InvalidVolume.NotFound",
       "The volume 'vol-0data' does not "
       "exist.",
       detach, core::Code::kNotFound, "no volume vol-0data"},
      {"a snapshot of an unknown volume", "InvalidVolume.NotFound",
       "The volume 'vol-0data' does not exist.",
       [](cloud::Volumes& v) { return v.CreateSnapshot("vol-0data", "", {}).status(); },
       core::Code::kNotFound, "vol-0data"},
  };
  for (const Row& r : rows) {
    transport_.PushXml(400, testing::Ec2ErrorXml(r.ec2_code, r.ec2_message));
    core::Status s = r.call(v());
    EXPECT_EQ(s.code(), r.want) << r.name << ": " << s.message();
    EXPECT_EQ(s.aws_code(), r.ec2_code) << r.name;
    EXPECT_NE(s.message().find(r.names), std::string::npos) << r.name << ": " << s.message();
  }
}

// EC2's message may name every id asked for (moto does) or none (snapshots): which one is
// missing is learnt by asking again with the id filter, which answers without it.
TEST_F(Ec2VolumesTest, OfSeveralIdsTheUnknownOneIsNamed) {
  transport_.PushXml(
      400, testing::Ec2ErrorXml("InvalidVolume.NotFound",
                                "The volume '{'vol-0logs', 'vol-0gone'}' does not exist."));
  transport_.PushXml(200, testing::ReadTestdata("aws/describe_volumes_page2.xml"));
  auto vols = v().DescribeVolumes({{"vol-0logs", "vol-0gone"}, "", "", ""});
  EXPECT_EQ(vols.status().code(), core::Code::kNotFound);
  EXPECT_EQ(vols.status().message(), "no volume vol-0gone in this region (InvalidVolume.NotFound)");
  EXPECT_EQ(Sent(1), (ParamList{{"Filter.1.Name", "volume-id"},
                                {"Filter.1.Value.1", "vol-0logs"},
                                {"Filter.1.Value.2", "vol-0gone"}}));

  transport_.PushXml(400, testing::Ec2ErrorXml("InvalidSnapshot.NotFound", ""));
  transport_.PushXml(200, testing::ReadTestdata("aws/describe_snapshots.xml"));
  auto snaps = v().DescribeSnapshots({{"snap-0old", "snap-0gone", "snap-0new"}, "", "", ""});
  EXPECT_EQ(snaps.status().code(), core::Code::kNotFound);
  EXPECT_NE(snaps.status().message().find("no snapshot snap-0gone "), std::string::npos)
      << snaps.status().message();
  EXPECT_EQ(transport_.Param(3, "Owner.1"), "self");
  EXPECT_EQ(transport_.Param(3, "Filter.1.Name"), "snapshot-id");
  EXPECT_EQ(transport_.requests().size(), 4u);
}

}  // namespace
}  // namespace rotor::aws
