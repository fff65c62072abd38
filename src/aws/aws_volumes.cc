// TODO(issue 13): the EC2 calls; until then every verb says it is not there.
#include "aws/aws_volumes.h"

namespace rotor::aws {
namespace {

core::Status NotYet() {
  return core::Status(core::Code::kInternal, "EBS volumes are not reachable in this build yet");
}

}  // namespace

core::Result<std::vector<cloud::Volume>> AwsVolumes::DescribeVolumes(const cloud::VolumeQuery&) {
  return NotYet();
}
core::Status AwsVolumes::Attach(const std::string&, const std::string&, const std::string&) {
  return NotYet();
}
core::Status AwsVolumes::Detach(const std::string&, const std::string&) { return NotYet(); }
core::Result<std::string> AwsVolumes::CreateSnapshot(const std::string&, const std::string&,
                                                     const std::map<std::string, std::string>&) {
  return NotYet();
}
core::Result<std::vector<cloud::Snapshot>> AwsVolumes::DescribeSnapshots(
    const cloud::SnapshotQuery&) {
  return NotYet();
}

}  // namespace rotor::aws
