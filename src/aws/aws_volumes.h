// cloud::Volumes on EC2: DescribeVolumes, AttachVolume, DetachVolume, CreateSnapshot,
// DescribeSnapshots (OwnerIds=self, paged), CreateSnapshots and DeleteSnapshot; EC2's refusals
// translated to Status codes in ec2_volumes and ec2_snapshots.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aws/aws_clients.h"
#include "cloud/volumes.h"

namespace rotor::aws {

class AwsVolumes final : public cloud::Volumes {
 public:
  // REQUIRES: `clients` outlives this object.
  explicit AwsVolumes(AwsClients& clients) : ec2_(clients.ec2) {}
  core::Result<std::vector<cloud::Volume>> DescribeVolumes(
      const cloud::VolumeQuery& query) override;
  core::Status Attach(const std::string& volume_id, const std::string& instance_id,
                      const std::string& device) override;
  core::Status Detach(const std::string& volume_id, const std::string& instance_id) override;
  core::Result<std::string> CreateSnapshot(const std::string& volume_id,
                                           const std::string& description,
                                           const std::map<std::string, std::string>& tags) override;
  core::Result<std::string> CreateVolume(const cloud::NewVolume& volume) override;
  core::Status ModifyVolume(const std::string& volume_id,
                            const cloud::VolumeChange& change) override;
  core::Result<std::vector<cloud::VolumeModification>> DescribeModifications(
      const std::vector<std::string>& volume_ids) override;
  core::Result<std::vector<cloud::Snapshot>> DescribeSnapshots(
      const cloud::SnapshotQuery& query) override;
  core::Result<std::vector<cloud::Snapshot>> CreateSnapshotSet(
      const cloud::SnapshotSetRequest& request) override;
  core::Status DeleteSnapshot(const std::string& snapshot_id) override;
  core::Result<std::string> CopySnapshot(const std::string& source_region,
                                         const std::string& snapshot_id,
                                         const std::string& description,
                                         const std::map<std::string, std::string>& tags) override;

 private:
  AwsClient& ec2_;
};

}  // namespace rotor::aws
