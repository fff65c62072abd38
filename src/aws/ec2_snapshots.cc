#include "aws/ec2_snapshots.h"

#include <fmt/format.h>

#include <algorithm>

#include "aws/ec2.h"
#include "aws/ec2_volumes.h"

namespace rotor::aws::ec2 {
namespace {

constexpr size_t kMaxExcluded = 40;  // EC2's limit on ExcludeDataVolumeId.N

core::Status SetRefused(const core::Status& s, const SnapshotSetRequest& r) {
  if (IsOneOf(s.aws_code(), {"InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"})) {
    return NotFound(s, fmt::format("no instance {} in this region", r.instance_id));
  }
  if (IsOneOf(s.aws_code(), {"IncorrectState", "IncorrectInstanceState"})) {
    return Refused(s, fmt::format("instance {} or one of its volumes is changing; wait until "
                                  "it is running or stopped and its volumes are in use, then "
                                  "back it up again",
                                  r.instance_id));
  }
  if (IsOneOf(s.aws_code(), {"InvalidParameterValue", "InvalidParameterCombination"})) {
    return Refused(s, fmt::format("EC2 refused the volumes to leave out of instance {}'s "
                                  "snapshot set; each must be one of its data volumes",
                                  r.instance_id));
  }
  return s;
}

}  // namespace

Params CreateSnapshotSetParams(const SnapshotSetRequest& r) {
  Params p;
  p.Add("InstanceSpecification.InstanceId", r.instance_id);
  p.Add("InstanceSpecification.ExcludeBootVolume", r.include_root ? "false" : "true");
  for (size_t i = 0; i < r.exclude.size(); ++i) {
    p.Add(fmt::format("InstanceSpecification.ExcludeDataVolumeId.{}", i + 1), r.exclude[i]);
  }
  if (!r.description.empty()) p.Add("Description", r.description);
  AddSnapshotTags(p, r.tags);
  if (r.copy_volume_tags) p.Add("CopyTagsFromSource", "volume");
  return p;
}

std::vector<cloud::Snapshot> DecodeCreatedSnapshots(const pugi::xml_node& root) {
  std::vector<cloud::Snapshot> out;
  for (const pugi::xml_node& s : Find(root, "snapshotSet").children("item")) {
    out.push_back(DecodeSnapshot(s));
    if (out.back().state.empty()) out.back().state = "pending";  // just created (moto omits it)
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.volume_id < b.volume_id; });
  return out;
}

core::Result<std::vector<cloud::Snapshot>> CreateSnapshotSet(AwsClient& client,
                                                             const SnapshotSetRequest& request) {
  if (request.exclude.size() > kMaxExcluded) {
    return core::InvalidArgument(
        fmt::format("instance {}: {} volumes to leave out of one snapshot set; EC2 takes at most "
                    "{}: name the volumes to back up instead",
                    request.instance_id, request.exclude.size(), kMaxExcluded));
  }
  auto r = client.Query("CreateSnapshots", CreateSnapshotSetParams(request));
  if (!r.ok()) {
    return SetRefused(r.status(), request).WithContext("snapshot set of " + request.instance_id);
  }
  return DecodeCreatedSnapshots((*r)->document_element());
}

core::Status DeleteSnapshot(AwsClient& client, const std::string& snapshot_id) {
  Params p;
  p.Add("SnapshotId", snapshot_id);
  auto r = client.Query("DeleteSnapshot", p);
  if (r.ok()) return core::Status::Ok();
  const core::Status& s = r.status();
  if (IsOneOf(s.aws_code(), {"InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed"})) {
    return NotFound(s, fmt::format("no snapshot {} of this account in this region", snapshot_id));
  }
  if (IsOneOf(s.aws_code(), {"InvalidSnapshot.InUse"})) {
    return Refused(s, fmt::format("snapshot {} is in use (an image is registered from it); "
                                  "deregister the image first, or keep the snapshot",
                                  snapshot_id));
  }
  return s.WithContext("delete " + snapshot_id);
}

core::Result<std::string> CopySnapshot(AwsClient& client, const std::string& source_region,
                                       const std::string& snapshot_id,
                                       const std::string& description,
                                       const std::map<std::string, std::string>& tags) {
  Params p;
  p.Add("SourceRegion", source_region).Add("SourceSnapshotId", snapshot_id);
  if (!description.empty()) p.Add("Description", description);
  AddSnapshotTags(p, tags);
  auto r = client.Query("CopySnapshot", p);
  if (!r.ok()) {
    const core::Status& s = r.status();
    if (IsOneOf(s.aws_code(), {"InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed"})) {
      return NotFound(
          s, fmt::format("no snapshot {} of this account in {}", snapshot_id, source_region));
    }
    if (IsOneOf(s.aws_code(), {"IncorrectState"})) {
      return Refused(s, fmt::format("{} cannot be copied yet (it is not completed)", snapshot_id));
    }
    return s.WithContext(fmt::format("copy {} from {}", snapshot_id, source_region));
  }
  std::string id = Text((*r)->document_element(), "snapshotId");
  if (id.empty()) return core::Malformed("ec2 CopySnapshot: the answer names no snapshot");
  return id;
}

Params CreateVolumeParams(const cloud::NewVolume& v) {
  Params p;
  p.Add("AvailabilityZone", v.zone);
  if (!v.snapshot_id.empty()) p.Add("SnapshotId", v.snapshot_id);
  if (v.size_gib > 0) p.Add("Size", std::to_string(v.size_gib));
  p.Add("VolumeType", v.volume_type.empty() ? "gp3" : v.volume_type);
  if (v.iops > 0) p.Add("Iops", std::to_string(v.iops));
  if (v.encrypted) p.Add("Encrypted", "true");
  if (!v.client_token.empty()) p.Add("ClientToken", v.client_token);
  if (!v.tags.empty()) {
    p.Add("TagSpecification.1.ResourceType", "volume");
    int n = 0;
    for (const auto& [key, value] : v.tags) {
      ++n;
      p.Add(fmt::format("TagSpecification.1.Tag.{}.Key", n), key);
      p.Add(fmt::format("TagSpecification.1.Tag.{}.Value", n), value);
    }
  }
  return p;
}

core::Result<std::string> CreateVolume(AwsClient& client, const cloud::NewVolume& volume) {
  auto r = client.Query("CreateVolume", CreateVolumeParams(volume));
  if (!r.ok()) {
    const core::Status& s = r.status();
    std::string what =
        volume.snapshot_id.empty() ? "an empty volume" : "a volume of " + volume.snapshot_id;
    if (IsOneOf(s.aws_code(), {"InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed"})) {
      return NotFound(s, fmt::format("no snapshot {} in this region", volume.snapshot_id));
    }
    if (IsOneOf(s.aws_code(), {"InvalidZone.NotFound", "InvalidAvailabilityZone"})) {
      return NotFound(s, fmt::format("no availability zone {} in this region", volume.zone));
    }
    if (IsOneOf(s.aws_code(), {"InvalidParameterValue", "InvalidParameterCombination"})) {
      return core::Status(core::Code::kInvalidArgument,
                          fmt::format("EC2 refuses {} in {}: {}", what, volume.zone, s.message()))
          .set_aws_code(s.aws_code());
    }
    if (IsOneOf(s.aws_code(), {"IncorrectState"})) {
      return Refused(s, fmt::format("{} is not completed yet", volume.snapshot_id));
    }
    return s.WithContext("create " + what + " in " + volume.zone);
  }
  std::string id = Text((*r)->document_element(), "volumeId");
  if (id.empty()) return core::Malformed("ec2 CreateVolume: the answer names no volume");
  return id;
}

}  // namespace rotor::aws::ec2
