// SimVolumes: EBS volumes and snapshots on the world, each verb one EC2 call as AwsCloud makes
// it, refusing what EC2 refuses with its error codes.
#include "sim/sim_volumes.h"

#include <fmt/format.h>

#include <algorithm>

#include "sim/world.h"

namespace rotor::sim {
namespace {

core::Status NoVolume(const std::string& id) {
  return core::Status(core::Code::kNotFound, fmt::format("The volume '{}' does not exist.", id))
      .set_aws_code("InvalidVolume.NotFound");
}

core::Status NoSnapshot(const std::string& id) {
  return core::Status(core::Code::kNotFound, fmt::format("The snapshot '{}' does not exist.", id))
      .set_aws_code("InvalidSnapshot.NotFound");
}

core::Status NoInstance(const std::string& id) {
  return core::Status(core::Code::kNotFound, fmt::format("The instance ID '{}' does not exist", id))
      .set_aws_code("InvalidInstanceID.NotFound");
}

core::Status Refused(const std::string& aws_code, const std::string& message) {
  return core::Status(core::Code::kFailedPrecondition, message).set_aws_code(aws_code);
}

bool Tagged(const std::map<std::string, std::string>& tags, const std::string& key,
            const std::string& value) {
  if (key.empty()) return true;
  auto it = tags.find(key);
  return it != tags.end() && (value.empty() || it->second == value);
}

// Why EC2 refuses to attach `v` to `in` at `device` (Ok: it does not).
core::Status AttachRefusal(const World& w, const Vol& v, const Inst& in, const std::string& device,
                           core::Time now) {
  if (v.inst >= 0) {
    return Refused("VolumeInUse", fmt::format("{} is already attached to an instance", v.id));
  }
  if (now < v.available_at) {
    return Refused("IncorrectState", fmt::format("Volume '{}' is in the 'creating' state.", v.id));
  }
  if (in.state != Ec2State::kRunning && in.state != Ec2State::kStopped) {
    return Refused("IncorrectState", fmt::format("Instance '{}' is not 'running' or 'stopped' "
                                                 "(it is {}).",
                                                 in.id, StateName(in.state)));
  }
  if (v.zone != in.zone) {
    return Refused("InvalidVolume.ZoneMismatch",
                   fmt::format("The volume '{}' is not in the same availability zone as instance "
                               "'{}' ({} and {}).",
                               v.id, in.id, v.zone, in.zone));
  }
  for (int other : in.volumes) {
    if (cloud::AttachmentPoint(w.vols_[other]->device) != cloud::AttachmentPoint(device)) continue;
    return Refused("InvalidParameterValue",
                   fmt::format("Invalid value '{}' for unixDevice. Attachment point {} is already "
                               "in use",
                               device, device));
  }
  return core::Status::Ok();
}

// Why EC2 refuses to detach `v` from the instance `id` (Ok: it does not).
core::Status DetachRefusal(const World& w, const Vol& v, const std::string& id) {
  if (v.inst < 0) {
    return Refused("IncorrectState", fmt::format("Volume '{}' is in the 'available' state.", v.id));
  }
  const Inst& in = *w.insts_[v.inst];
  if (in.id != id) {
    return Refused("InvalidAttachment.NotFound",
                   fmt::format("Attachment point not found: volume '{}' is not attached to "
                               "instance '{}'",
                               v.id, id));
  }
  if (v.root && in.state != Ec2State::kStopped) {
    return Refused("IncorrectState",
                   fmt::format("Unable to detach root volume '{}' from instance '{}'", v.id, id));
  }
  return core::Status::Ok();
}

}  // namespace

// DescribeVolumes with VolumeIds, or filters attachment.instance-id and tag / tag-key.
core::Result<std::vector<cloud::Volume>> SimVolumes::DescribeVolumes(const cloud::VolumeQuery& q) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeVolumes", false));
  for (const std::string& id : q.ids) {
    if (world_.VolumeIndex(id) < 0) return NoVolume(id);
  }
  std::vector<cloud::Volume> out;
  for (size_t i = 0; i < world_.vols_.size(); ++i) {
    const Vol& v = *world_.vols_[i];
    if (v.deleted || !Tagged(v.tags, q.tag_key, q.tag_value)) continue;
    if (!q.ids.empty() && std::find(q.ids.begin(), q.ids.end(), v.id) == q.ids.end()) continue;
    if (!q.instance_id.empty() && (v.inst < 0 || world_.insts_[v.inst]->id != q.instance_id)) {
      continue;
    }
    out.push_back(world_.DescribeVolume(static_cast<int>(i), world_.clock_.Now()));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

core::Status SimVolumes::Attach(const std::string& volume_id, const std::string& instance_id,
                                const std::string& device) {
  RETURN_IF_ERROR(world_.Api(kEc2, "AttachVolume", true));
  int vol = world_.VolumeIndex(volume_id);
  if (vol < 0) return NoVolume(volume_id);
  int inst = world_.InstanceIndex(instance_id);
  if (inst < 0 || world_.insts_[inst]->state == Ec2State::kTerminated) {
    return NoInstance(instance_id);
  }
  RETURN_IF_ERROR(
      AttachRefusal(world_, *world_.vols_[vol], *world_.insts_[inst], device, world_.clock_.Now()));
  world_.BeginAttach(vol, inst, device);
  return core::Status::Ok();
}

// A second detach of a volume already detaching from the instance changes nothing.
core::Status SimVolumes::Detach(const std::string& volume_id, const std::string& instance_id) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DetachVolume", true));
  int vol = world_.VolumeIndex(volume_id);
  if (vol < 0) return NoVolume(volume_id);
  if (world_.InstanceIndex(instance_id) < 0) return NoInstance(instance_id);
  const Vol& v = *world_.vols_[vol];
  RETURN_IF_ERROR(DetachRefusal(world_, v, instance_id));
  if (v.attach_state != "detaching") world_.BeginDetach(vol);
  return core::Status::Ok();
}

// CreateSnapshot with TagSpecifications: tagged at creation, in one call.
core::Result<std::string> SimVolumes::CreateSnapshot(
    const std::string& volume_id, const std::string& description,
    const std::map<std::string, std::string>& tags) {
  RETURN_IF_ERROR(world_.Api(kEc2, "CreateSnapshot", true));
  int vol = world_.VolumeIndex(volume_id);
  if (vol < 0) return NoVolume(volume_id);
  return world_.StartSnapshot(vol, description, tags);
}

// DescribeSnapshots with OwnerIds=self, and SnapshotIds or filters volume-id and tag / tag-key.
core::Result<std::vector<cloud::Snapshot>> SimVolumes::DescribeSnapshots(
    const cloud::SnapshotQuery& q) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeSnapshots", false));
  auto listed = [&](const std::string& id) {
    return std::any_of(world_.snaps_.begin(), world_.snaps_.end(),
                       [&](const Snap& s) { return s.id == id; });
  };
  for (const std::string& id : q.ids) {
    if (!listed(id)) return NoSnapshot(id);
  }
  std::vector<cloud::Snapshot> out;
  core::Time now = world_.clock_.Now();
  for (const Snap& s : world_.snaps_) {  // in creation order: oldest first
    if (!q.ids.empty() && std::find(q.ids.begin(), q.ids.end(), s.id) == q.ids.end()) continue;
    if (!q.volume_id.empty() && s.volume_id != q.volume_id) continue;
    if (Tagged(s.tags, q.tag_key, q.tag_value)) out.push_back(world_.DescribeSnapshot(s, now));
  }
  return out;
}

// CreateSnapshots with InstanceSpecification, TagSpecifications and CopyTagsFromSource=volume.
core::Result<std::vector<cloud::Snapshot>> SimVolumes::CreateSnapshotSet(
    const cloud::SnapshotSetRequest& r) {
  if (r.exclude.size() > 40) {
    return core::InvalidArgument("at most 40 volumes may be left out of a snapshot set");
  }
  RETURN_IF_ERROR(world_.Api(kEc2, "CreateSnapshots", true));
  int inst = world_.InstanceIndex(r.instance_id);
  if (inst < 0 || world_.insts_[inst]->state == Ec2State::kTerminated) {
    return NoInstance(r.instance_id);
  }
  const std::vector<int>& attached = world_.insts_[inst]->volumes;
  for (const std::string& id : r.exclude) {
    int vol = world_.VolumeIndex(id);
    if (vol < 0 || world_.vols_[vol]->root ||
        std::find(attached.begin(), attached.end(), vol) == attached.end()) {
      return Refused(
          "InvalidParameterValue",
          fmt::format("Volume {} is not a data volume of instance {}.", id, r.instance_id));
    }
  }
  std::vector<cloud::Snapshot> out;
  for (int vol : attached) {
    const Vol& v = *world_.vols_[vol];
    if ((v.root && !r.include_root) ||
        std::find(r.exclude.begin(), r.exclude.end(), v.id) != r.exclude.end()) {
      continue;
    }
    std::map<std::string, std::string> tags = r.tags;
    if (r.copy_volume_tags) tags.insert(v.tags.begin(), v.tags.end());  // the request's first
    world_.StartSnapshot(vol, r.description, tags);
    out.push_back(world_.DescribeSnapshot(world_.snaps_.back(), world_.clock_.Now()));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.volume_id < b.volume_id; });
  return out;
}

core::Status SimVolumes::DeleteSnapshot(const std::string& snapshot_id) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DeleteSnapshot", true));
  auto it = std::find_if(world_.snaps_.begin(), world_.snaps_.end(),
                         [&](const Snap& s) { return s.id == snapshot_id; });
  if (it == world_.snaps_.end()) return NoSnapshot(snapshot_id);
  world_.Trace("delete_snapshot", snapshot_id + " of " + it->volume_id);
  world_.snaps_.erase(it);
  return core::Status::Ok();
}

}  // namespace rotor::sim

namespace rotor::sim {

core::Result<std::string> SimVolumes::CopySnapshot(const std::string& source_region,
                                                   const std::string& snapshot_id,
                                                   const std::string& description,
                                                   const std::map<std::string, std::string>& tags) {
  RETURN_IF_ERROR(world_.Api(kEc2, "CopySnapshot", true));
  if (source_region != world_.region_) {
    return Refused("InvalidParameterValue",
                   fmt::format("the simulated cloud has one region ({}); it cannot copy from {}",
                               world_.region_, source_region));
  }
  auto it = std::find_if(world_.snaps_.begin(), world_.snaps_.end(),
                         [&](const Snap& s) { return s.id == snapshot_id; });
  if (it == world_.snaps_.end()) return NoSnapshot(snapshot_id);
  if (world_.clock_.Now() < it->completes) {
    return Refused("IncorrectState",
                   fmt::format("Snapshot '{}' is not in the 'completed' state.", snapshot_id));
  }
  return world_.StartCopy(*it, description, tags);
}

}  // namespace rotor::sim

namespace rotor::sim {

core::Result<std::string> SimVolumes::CreateVolume(const cloud::NewVolume& spec) {
  RETURN_IF_ERROR(world_.Api(kEc2, "CreateVolume", true));
  if (auto it = world_.volume_tokens_.find(spec.client_token);
      !spec.client_token.empty() && it != world_.volume_tokens_.end()) {
    return it->second;  // the same request again: the same volume
  }
  const std::string& region = world_.region_;
  if (spec.zone.size() != region.size() + 1 || !spec.zone.starts_with(region)) {
    return core::Status(core::Code::kNotFound,
                        fmt::format("The zone '{}' does not exist.", spec.zone))
        .set_aws_code("InvalidZone.NotFound");
  }
  int size = spec.size_gib;
  bool encrypted = spec.encrypted;
  if (!spec.snapshot_id.empty()) {
    auto it = std::find_if(world_.snaps_.begin(), world_.snaps_.end(),
                           [&](const Snap& s) { return s.id == spec.snapshot_id; });
    if (it == world_.snaps_.end()) return NoSnapshot(spec.snapshot_id);
    if (world_.clock_.Now() < it->completes) {
      return Refused("IncorrectState",
                     fmt::format("Snapshot is in invalid state - pending ({})", it->id));
    }
    if (size == 0) size = it->size_gib;
    if (size < it->size_gib) {
      return core::Status(
                 core::Code::kInvalidArgument,
                 fmt::format("Volume of {}GiB is too small; minimum is {}GiB.", size, it->size_gib))
          .set_aws_code("InvalidParameterValue");
    }
    encrypted |= it->encrypted;
  }
  if (size < 1) {
    return core::Status(core::Code::kInvalidArgument,
                        "The request must contain the parameter size or snapshotId")
        .set_aws_code("MissingParameter");
  }
  std::string type = spec.volume_type.empty() ? "gp3" : spec.volume_type;
  if (spec.iops > 0 && type != "io1" && type != "io2" && type != "gp3") {
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("The parameter iops is not supported for {} volumes.", type))
        .set_aws_code("InvalidParameterCombination");
  }
  return world_.CreateVolume(spec, size, encrypted);
}

}  // namespace rotor::sim

namespace rotor::sim {

core::Status SimVolumes::ModifyVolume(const std::string& volume_id,
                                      const cloud::VolumeChange& change) {
  RETURN_IF_ERROR(world_.Api(kEc2, "ModifyVolume", true));
  int vol = world_.VolumeIndex(volume_id);
  if (vol < 0) return NoVolume(volume_id);
  const Vol& v = *world_.vols_[vol];
  core::Time now = world_.clock_.Now();
  auto invalid = [](const std::string& code, const std::string& message) {
    return core::Status(core::Code::kInvalidArgument, message).set_aws_code(code);
  };
  if (v.change && now < v.change->completes) {
    return Refused("IncorrectModificationState",
                   fmt::format("Volume {} cannot be modified in modification state {}", v.id,
                               now < v.change->optimizing_at ? "MODIFYING" : "OPTIMIZING"));
  }
  if (v.change && now < v.change->started + std::chrono::hours(6)) {
    return Refused("VolumeModificationRateExceeded",
                   fmt::format("You've reached the maximum modification rate per volume limit. "
                               "Wait at least 6 hours between modifications per EBS volume "
                               "({}).",
                               v.id));
  }
  if (v.type == "standard" || change.volume_type == "standard") {
    return invalid("InvalidParameterValue",
                   fmt::format("Volume {} of type standard cannot be modified.", v.id));
  }
  if (change.size_gib > 0 && change.size_gib < v.size_gib) {
    return invalid("InvalidParameterValue",
                   fmt::format("New size cannot be smaller than existing size ({} < {}).",
                               change.size_gib, v.size_gib));
  }
  std::string type = change.volume_type.empty() ? v.type : change.volume_type;
  if (change.iops > 0 && type != "io1" && type != "io2" && type != "gp3") {
    return invalid("InvalidParameterCombination",
                   fmt::format("The parameter iops is not supported for {} volumes.", type));
  }
  world_.BeginChange(vol, change);
  return core::Status::Ok();
}

core::Result<std::vector<cloud::VolumeModification>> SimVolumes::DescribeModifications(
    const std::vector<std::string>& volume_ids) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeVolumesModifications", false));
  std::vector<std::string> ids = volume_ids;
  std::sort(ids.begin(), ids.end());
  std::vector<cloud::VolumeModification> out;
  for (const std::string& id : ids) {
    int vol = world_.VolumeIndex(id);
    if (vol < 0) return NoVolume(id);
    const Vol& v = *world_.vols_[vol];
    if (v.change) out.push_back(world_.DescribeChange(v, world_.clock_.Now()));
  }
  return out;
}

}  // namespace rotor::sim
