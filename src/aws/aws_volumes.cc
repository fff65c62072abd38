#include "aws/aws_volumes.h"

#include "aws/ec2_modify.h"
#include "aws/ec2_snapshots.h"
#include "aws/ec2_volumes.h"

namespace rotor::aws {

core::Result<std::vector<cloud::Volume>> AwsVolumes::DescribeVolumes(
    const cloud::VolumeQuery& query) {
  return ec2::DescribeVolumes(ec2_, query);
}

core::Status AwsVolumes::Attach(const std::string& volume_id, const std::string& instance_id,
                                const std::string& device) {
  return ec2::AttachVolume(ec2_, volume_id, instance_id, device);
}

core::Status AwsVolumes::Detach(const std::string& volume_id, const std::string& instance_id) {
  return ec2::DetachVolume(ec2_, volume_id, instance_id);
}

core::Result<std::string> AwsVolumes::CreateSnapshot(
    const std::string& volume_id, const std::string& description,
    const std::map<std::string, std::string>& tags) {
  return ec2::CreateSnapshot(ec2_, volume_id, description, tags);
}

core::Result<std::vector<cloud::Snapshot>> AwsVolumes::DescribeSnapshots(
    const cloud::SnapshotQuery& query) {
  return ec2::DescribeSnapshots(ec2_, query);
}

core::Result<std::vector<cloud::Snapshot>> AwsVolumes::CreateSnapshotSet(
    const cloud::SnapshotSetRequest& request) {
  return ec2::CreateSnapshotSet(ec2_, request);
}

core::Status AwsVolumes::DeleteSnapshot(const std::string& snapshot_id) {
  return ec2::DeleteSnapshot(ec2_, snapshot_id);
}

core::Result<std::string> AwsVolumes::CopySnapshot(const std::string& source_region,
                                                   const std::string& snapshot_id,
                                                   const std::string& description,
                                                   const std::map<std::string, std::string>& tags) {
  return ec2::CopySnapshot(ec2_, source_region, snapshot_id, description, tags);
}

core::Result<std::string> AwsVolumes::CreateVolume(const cloud::NewVolume& volume) {
  return ec2::CreateVolume(ec2_, volume);
}

core::Status AwsVolumes::ModifyVolume(const std::string& volume_id,
                                      const cloud::VolumeChange& change) {
  return ec2::ModifyVolume(ec2_, volume_id, change);
}

core::Result<std::vector<cloud::VolumeModification>> AwsVolumes::DescribeModifications(
    const std::vector<std::string>& volume_ids) {
  return ec2::DescribeModifications(ec2_, volume_ids);
}

}  // namespace rotor::aws
