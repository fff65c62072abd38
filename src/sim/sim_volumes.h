// cloud::Volumes on the simulated world: the scenario's EBS volumes (attached to hosts, or
// available), attachments that take `timing` to settle (volume_stuck holds one in attaching or
// detaching), and snapshots that complete after a while (snapshot_slow); each verb costs the
// calls AwsCloud would make.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cloud/volumes.h"

namespace rotor::sim {

class World;

class SimVolumes final : public cloud::Volumes {
 public:
  // REQUIRES: `world` outlives this.
  explicit SimVolumes(World& world) : world_(world) {}
  core::Result<std::vector<cloud::Volume>> DescribeVolumes(
      const cloud::VolumeQuery& query) override;
  core::Status Attach(const std::string& volume_id, const std::string& instance_id,
                      const std::string& device) override;
  core::Status Detach(const std::string& volume_id, const std::string& instance_id) override;
  core::Result<std::string> CreateSnapshot(const std::string& volume_id,
                                           const std::string& description,
                                           const std::map<std::string, std::string>& tags) override;
  core::Result<std::vector<cloud::Snapshot>> DescribeSnapshots(
      const cloud::SnapshotQuery& query) override;

 private:
  World& world_;
};

}  // namespace rotor::sim
