// cloud::Volumes on the simulated world: the scenario's EBS volumes (attached to hosts, or
// available), attachments that take `timing` to settle (volume_stuck holds one in attaching or
// detaching), and snapshots that complete after a while (snapshot_slow); each verb costs the
// one EC2 call AwsCloud would make (DescribeVolumes, AttachVolume, DetachVolume, CreateSnapshot,
// DescribeSnapshots, CreateSnapshots, DeleteSnapshot), with the gate's latency, throttling and
// injected errors. A snapshot set takes every volume attached to the instance (the root only
// when asked; a volume left out must be one of its data volumes, else InvalidParameterValue),
// each tagged with the request's tags over its volume's own.
// Refusals are EC2's, as kFailedPrecondition with its error code (aws_code): attaching a
// volume that is not available (VolumeInUse), to an instance neither running nor stopped
// (IncorrectState), in another zone (InvalidVolume.ZoneMismatch) or at a device the instance
// uses (InvalidParameterValue); detaching a volume that is available (IncorrectState), attached
// elsewhere (InvalidAttachment.NotFound), or the root of an instance not stopped
// (IncorrectState). Unknown ids are kNotFound (InvalidVolume.NotFound, InvalidSnapshot.NotFound,
// InvalidInstanceID.NotFound). Detaching a volume already detaching from that instance is Ok.
// Every change is traced.
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
  core::Result<std::vector<cloud::Snapshot>> CreateSnapshotSet(
      const cloud::SnapshotSetRequest& request) override;
  core::Status DeleteSnapshot(const std::string& snapshot_id) override;
  // A copy within the world's region (its only one); another source region is refused.
  core::Result<std::string> CopySnapshot(const std::string& source_region,
                                         const std::string& snapshot_id,
                                         const std::string& description,
                                         const std::map<std::string, std::string>& tags) override;
  // EC2's checks: the zone in the region, the snapshot completed and no larger than the size,
  // IOPS only for io1, io2 and gp3; the same ClientToken returns the first volume.
  core::Result<std::string> CreateVolume(const cloud::NewVolume& volume) override;
  // EBS's checks (no shrink, no standard volumes, IOPS only for io1, io2 and gp3, one change
  // at a time and one per 6 hours); the size, type and IOPS take effect once optimizing.
  core::Status ModifyVolume(const std::string& volume_id,
                            const cloud::VolumeChange& change) override;
  core::Result<std::vector<cloud::VolumeModification>> DescribeModifications(
      const std::vector<std::string>& volume_ids) override;

 private:
  World& world_;
};

}  // namespace rotor::sim
