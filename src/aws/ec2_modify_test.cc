// Changing a volume in place on a fake transport: ModifyVolume's parameters and EC2's refusals
// translated; DescribeVolumesModifications decoded, the latest change per volume.
#include "aws/ec2_modify.h"

#include <gtest/gtest.h>

#include "fakes/fake_aws.h"

namespace rotor::aws {
namespace {

using ParamList = std::vector<std::pair<std::string, std::string>>;

// As EC2 answers DescribeVolumesModifications: vol-0a changed twice (the older one listed
// last), vol-0b once and failed.
const char kModifications[] =
    R"(<DescribeVolumesModificationsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <volumeModificationSet>
    <item><volumeId>vol-0a</volumeId><modificationState>optimizing</modificationState>
      <targetSize>200</targetSize><targetVolumeType>gp3</targetVolumeType><targetIops>3000</targetIops>
      <originalSize>100</originalSize><progress>40</progress>
      <startTime>2026-12-01T03:00:00.000Z</startTime></item>
    <item><volumeId>vol-0b</volumeId><modificationState>failed</modificationState>
      <statusMessage>Volume type io2 is not supported here</statusMessage>
      <targetSize>50</targetSize><targetVolumeType>io2</targetVolumeType><progress>0</progress>
      <startTime>2026-11-30T03:00:00.000Z</startTime></item>
    <item><volumeId>vol-0a</volumeId><modificationState>completed</modificationState>
      <targetSize>100</targetSize><targetVolumeType>gp3</targetVolumeType><progress>100</progress>
      <startTime>2026-11-20T03:00:00.000Z</startTime></item>
  </volumeModificationSet>
</DescribeVolumesModificationsResponse>)";

class Ec2ModifyTest : public ::testing::Test {
 protected:
  AwsClient Client() {
    auto c = AwsClient::Create(kEc2, aws_.context);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return std::move(c).value();
  }
  testing::FakeAws aws_{"2026-12-01T03:10:00Z", "eu-west-1"};
  testing::FakeTransport& transport_ = aws_.transport;
};

TEST_F(Ec2ModifyTest, AChangeSendsOnlyWhatChanges) {
  transport_.PushXml(200, "<ModifyVolumeResponse><volumeModification/></ModifyVolumeResponse>");
  AwsClient client = Client();
  cloud::VolumeChange change;
  change.size_gib = 200;
  EXPECT_TRUE(ec2::ModifyVolume(client, "vol-0a", change).ok());
  EXPECT_EQ(transport_.FormParams(0),
            (ParamList{{"Action", "ModifyVolume"}, {"VolumeId", "vol-0a"}, {"Size", "200"}}));
  change.volume_type = "io2";
  change.iops = 6000;
  EXPECT_EQ(ec2::ModifyVolumeParams("vol-0a", change).items(),
            (ParamList{
                {"VolumeId", "vol-0a"}, {"Size", "200"}, {"VolumeType", "io2"}, {"Iops", "6000"}}));
}

TEST_F(Ec2ModifyTest, RefusalsAreTranslatedOnce) {
  struct Row {
    const char* code;
    core::Code want;
    const char* says;
  };
  const Row rows[] = {
      {"InvalidVolume.NotFound", core::Code::kNotFound, "no volume vol-0a"},
      {"InvalidParameterValue", core::Code::kInvalidArgument, "EBS refuses that change of vol-0a"},
      {"IncorrectModificationState", core::Code::kFailedPrecondition, "being changed already"},
      {"VolumeModificationRateExceeded", core::Code::kFailedPrecondition, "6 hours"},
  };
  for (const Row& r : rows) {
    transport_.PushXml(400, testing::Ec2ErrorXml(r.code, "New size cannot be smaller"));
    AwsClient client = Client();
    core::Status s = ec2::ModifyVolume(client, "vol-0a", {100, "", 0});
    EXPECT_EQ(s.code(), r.want) << r.code;
    EXPECT_EQ(s.aws_code(), r.code);
    EXPECT_NE(s.message().find(r.says), std::string::npos) << s.message();
  }
}

TEST_F(Ec2ModifyTest, TheLatestChangeOfEachVolume) {
  transport_.PushXml(200, kModifications);
  AwsClient client = Client();
  auto m = ec2::DescribeModifications(client, {"vol-0a", "vol-0b"});
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].volume_id, "vol-0a");
  EXPECT_EQ((*m)[0].state, "optimizing") << "the newer of its two";
  EXPECT_EQ((*m)[0].target_size_gib, 200);
  EXPECT_EQ((*m)[0].target_iops, 3000);
  EXPECT_EQ((*m)[0].progress_percent, 40);
  EXPECT_EQ((*m)[1].state, "failed");
  EXPECT_EQ((*m)[1].message, "Volume type io2 is not supported here");
  EXPECT_EQ(transport_.FormParams(0), (ParamList{{"Action", "DescribeVolumesModifications"},
                                                 {"VolumeId.1", "vol-0a"},
                                                 {"VolumeId.2", "vol-0b"}}));
}

}  // namespace
}  // namespace rotor::aws
