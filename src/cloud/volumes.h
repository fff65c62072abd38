// Volumes: EBS volumes and their snapshots — finding the data volumes of a host, moving a volume
// from one instance to another (detach, attach at a device), and snapshots taken on the way.
// Every verb returns once the provider accepted the change; callers follow the state with
// DescribeVolumes / DescribeSnapshots (a detach or attach takes seconds, a snapshot minutes).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace rotor::cloud {

// Where a volume is attached. EBS allows one attachment per volume (multi-attach aside, which
// rotor does not move).
struct VolumeAttachment {
  std::string instance_id;
  std::string device;  // "/dev/sdf" as the instance's block device mapping names it
  std::string state;   // attaching | attached | detaching | busy
  bool delete_on_termination = false;
  bool operator==(const VolumeAttachment&) const = default;
};

struct Volume {
  std::string id;    // vol-...
  std::string zone;  // an attachment never crosses zones
  int size_gib = 0;
  std::string volume_type;  // gp3, io2, ...
  bool encrypted = false;
  std::string state;  // creating | available | in-use | deleting | deleted | error
  std::optional<VolumeAttachment> attachment;  // none while available
  std::map<std::string, std::string> tags;
  int iops = 0;             // provisioned (io1, io2, gp3); 0 when the type has none
  std::string snapshot_id;  // the snapshot it was created from ("" if none)
};

struct Snapshot {
  std::string id;  // snap-...
  std::string volume_id;
  std::string state;  // pending | completed | error
  int progress_percent = 0;
  core::Time started{};
  std::string description;
  std::map<std::string, std::string> tags;
  int size_gib = 0;  // the volume's size when it was taken
};

// EC2 takes /dev/sdf and /dev/xvdf for the same attachment point: its /dev/sd form, to compare.
inline std::string AttachmentPoint(const std::string& device) {
  if (device.starts_with("/dev/xvd")) return "/dev/sd" + device.substr(8);
  return device;
}

// Which volumes or snapshots to list: every field given must match (none: the whole region).
struct VolumeQuery {
  std::vector<std::string> ids;  // exactly these; kNotFound naming the first that is missing
  std::string instance_id;       // attached (in any attachment state) to this instance
  std::string tag_key;           // carrying this tag ...
  std::string tag_value;         // ... with this value ("" : any value)
};

struct SnapshotQuery {
  std::vector<std::string> ids;  // exactly these; kNotFound naming the first that is missing
  std::string volume_id;         // taken of this volume
  std::string tag_key;           // carrying this tag ...
  std::string tag_value;         // ... with this value ("" : any value)
};

// Which of an instance's volumes one snapshot set takes, and how its snapshots are tagged.
struct SnapshotSetRequest {
  std::string instance_id;
  bool include_root = false;
  std::vector<std::string> exclude;  // data volumes left out (EC2 takes at most 40)
  std::string description;
  std::map<std::string, std::string> tags;  // on every snapshot, at creation
  bool copy_volume_tags = true;             // each snapshot also gets its own volume's tags
};

// A volume to create: from a snapshot (a restore), or empty.
struct NewVolume {
  std::string zone;
  std::string snapshot_id;  // "" : an empty volume of size_gib
  int size_gib = 0;         // 0: the snapshot's size
  std::string volume_type;  // "" : gp3
  int iops = 0;             // 0: the type's baseline
  bool encrypted = false;   // a volume of an encrypted snapshot is encrypted whatever this says
  std::map<std::string, std::string> tags;  // at creation
  std::string client_token;  // the same token again returns the same volume (a retried call)
};

// A change of a volume's size, type or IOPS while it is in use (EBS Elastic Volumes).
struct VolumeChange {
  int size_gib = 0;         // 0: unchanged
  std::string volume_type;  // "": unchanged
  int iops = 0;             // 0: unchanged
};

// How a volume's latest change is going: modifying, then optimizing (the new size is usable
// once here), then completed; or failed.
struct VolumeModification {
  std::string volume_id;
  std::string state;  // modifying | optimizing | completed | failed
  int progress_percent = 0;
  int target_size_gib = 0;
  std::string target_type;
  int target_iops = 0;
  core::Time started{};
  std::string message;  // why it failed ("" otherwise)
};

class Volumes {
 public:
  virtual ~Volumes() = default;

  // The volumes the query selects, in id order. kNotFound for an id that does not exist.
  virtual core::Result<std::vector<Volume>> DescribeVolumes(const VolumeQuery& query) = 0;

  // Attaches an available volume to an instance at `device`. The provider refuses (its refusal
  // as kFailedPrecondition, with its reason) a volume that is attached or in another zone than
  // the instance, and a device the instance already uses; callers check first, because not
  // every provider refuses (moto attaches across zones).
  virtual core::Status Attach(const std::string& volume_id, const std::string& instance_id,
                              const std::string& device) = 0;

  // Starts detaching a volume from `instance_id`. kFailedPrecondition when it is not attached
  // there (already detached or detaching elsewhere); kNotFound when the volume does not exist.
  // The instance's file systems on it should be unmounted first: EBS does not check.
  virtual core::Status Detach(const std::string& volume_id, const std::string& instance_id) = 0;

  // Starts a snapshot of one volume, tagged at creation; returns its id at once (pending). The
  // data is the volume's at the moment of the call, even when the volume is detached after.
  virtual core::Result<std::string> CreateSnapshot(
      const std::string& volume_id, const std::string& description,
      const std::map<std::string, std::string>& tags) = 0;

  // The account's own snapshots the query selects, oldest first.
  virtual core::Result<std::vector<Snapshot>> DescribeSnapshots(const SnapshotQuery& query) = 0;

  // Starts one snapshot of each volume the request selects, all at the same point in time
  // (crash-consistent across the volumes), tagged at creation; returns them (pending) in volume
  // id order. kNotFound for an unknown instance; kFailedPrecondition when the provider refuses
  // the volumes left out (not data volumes of the instance) or the instance is changing;
  // kInvalidArgument for more than 40 left out.
  virtual core::Result<std::vector<Snapshot>> CreateSnapshotSet(
      const SnapshotSetRequest& request) = 0;

  // Deletes a snapshot. kNotFound when it is gone already; kFailedPrecondition when an image is
  // registered from it.
  virtual core::Status DeleteSnapshot(const std::string& snapshot_id) = 0;

  // Starts a copy of `source_region`'s snapshot into this provider's region, tagged at creation
  // (`tags` only: a copy does not inherit the source's); returns the copy's id at once
  // (pending). kNotFound when the source is gone; kFailedPrecondition when it is not completed
  // or the provider cannot copy from that region.
  virtual core::Result<std::string> CopySnapshot(
      const std::string& source_region, const std::string& snapshot_id,
      const std::string& description, const std::map<std::string, std::string>& tags) = 0;

  // Starts creating a volume; returns its id at once (creating, then available). kNotFound for
  // an unknown snapshot or zone; kInvalidArgument for a size below the snapshot's or IOPS the
  // type does not take; kFailedPrecondition for a snapshot not completed yet.
  virtual core::Result<std::string> CreateVolume(const NewVolume& volume) = 0;

  // Starts changing a volume in place (it stays attached and in use). kNotFound for an unknown
  // volume; kInvalidArgument for what EBS refuses as invalid (a smaller size, IOPS the type
  // does not take, a type it cannot change to); kFailedPrecondition when a change is under way
  // or the last one was less than 6 hours ago. Not every provider refuses a shrink: callers
  // check first.
  virtual core::Status ModifyVolume(const std::string& volume_id, const VolumeChange& change) = 0;

  // The latest change of each volume (in id order); none for a volume never changed. kNotFound
  // for an unknown volume.
  virtual core::Result<std::vector<VolumeModification>> DescribeModifications(
      const std::vector<std::string>& volume_ids) = 0;
};

// Forwards every verb to another Volumes; a test overrides only what it cares about.
class VolumesWrapper : public Volumes {
 public:
  explicit VolumesWrapper(Volumes& target) : target_(target) {}
  core::Result<std::vector<Volume>> DescribeVolumes(const VolumeQuery& query) override {
    return target_.DescribeVolumes(query);
  }
  core::Status Attach(const std::string& volume_id, const std::string& instance_id,
                      const std::string& device) override {
    return target_.Attach(volume_id, instance_id, device);
  }
  core::Status Detach(const std::string& volume_id, const std::string& instance_id) override {
    return target_.Detach(volume_id, instance_id);
  }
  core::Result<std::string> CreateSnapshot(
      const std::string& volume_id, const std::string& description,
      const std::map<std::string, std::string>& tags) override {
    return target_.CreateSnapshot(volume_id, description, tags);
  }
  core::Result<std::vector<Snapshot>> DescribeSnapshots(const SnapshotQuery& query) override {
    return target_.DescribeSnapshots(query);
  }
  core::Result<std::vector<Snapshot>> CreateSnapshotSet(
      const SnapshotSetRequest& request) override {
    return target_.CreateSnapshotSet(request);
  }
  core::Status DeleteSnapshot(const std::string& snapshot_id) override {
    return target_.DeleteSnapshot(snapshot_id);
  }
  core::Result<std::string> CopySnapshot(const std::string& source_region,
                                         const std::string& snapshot_id,
                                         const std::string& description,
                                         const std::map<std::string, std::string>& tags) override {
    return target_.CopySnapshot(source_region, snapshot_id, description, tags);
  }
  core::Result<std::string> CreateVolume(const NewVolume& volume) override {
    return target_.CreateVolume(volume);
  }
  core::Status ModifyVolume(const std::string& volume_id, const VolumeChange& change) override {
    return target_.ModifyVolume(volume_id, change);
  }
  core::Result<std::vector<VolumeModification>> DescribeModifications(
      const std::vector<std::string>& volume_ids) override {
    return target_.DescribeModifications(volume_ids);
  }

 private:
  Volumes& target_;
};

}  // namespace rotor::cloud
