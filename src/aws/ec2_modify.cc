#include "aws/ec2_modify.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "aws/ec2.h"
#include "aws/ec2_volumes.h"
#include "core/strings.h"

namespace rotor::aws::ec2 {
namespace {

core::Status ModifyRefused(const core::Status& s, const std::string& id) {
  if (IsOneOf(s.aws_code(), {"InvalidVolume.NotFound", "InvalidVolumeID.Malformed"})) {
    return NotFound(s, fmt::format("no volume {} in this region", id));
  }
  if (IsOneOf(s.aws_code(), {"InvalidParameterValue", "InvalidParameterCombination"})) {
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("EBS refuses that change of {}: {}", id, s.message()))
        .set_aws_code(s.aws_code());
  }
  if (IsOneOf(s.aws_code(), {"IncorrectModificationState"})) {
    return Refused(s, fmt::format("{} is being changed already; wait until that completes", id));
  }
  if (s.aws_code().find("RateExceeded") != std::string::npos &&
      s.aws_code() != "RequestLimitExceeded") {
    return Refused(s, fmt::format("{} was changed less than 6 hours ago; EBS allows one change "
                                  "per volume in 6 hours",
                                  id));
  }
  return s.WithContext("modify " + id);
}

}  // namespace

Params ModifyVolumeParams(const std::string& volume_id, const cloud::VolumeChange& change) {
  Params p;
  p.Add("VolumeId", volume_id);
  if (change.size_gib > 0) p.Add("Size", std::to_string(change.size_gib));
  if (!change.volume_type.empty()) p.Add("VolumeType", change.volume_type);
  if (change.iops > 0) p.Add("Iops", std::to_string(change.iops));
  return p;
}

core::Status ModifyVolume(AwsClient& client, const std::string& volume_id,
                          const cloud::VolumeChange& change) {
  auto r = client.Query("ModifyVolume", ModifyVolumeParams(volume_id, change));
  return r.ok() ? core::Status::Ok() : ModifyRefused(r.status(), volume_id);
}

cloud::VolumeModification DecodeModification(const pugi::xml_node& item) {
  cloud::VolumeModification m;
  m.volume_id = Text(item, "volumeId");
  m.state = Text(item, "modificationState");
  m.progress_percent = IntText(item, "progress");
  m.target_size_gib = IntText(item, "targetSize");
  m.target_type = Text(item, "targetVolumeType");
  m.target_iops = IntText(item, "targetIops");
  if (auto t = core::ParseIso8601(Text(item, "startTime")); t.ok()) m.started = *t;
  m.message = Text(item, "statusMessage");
  return m;
}

core::Result<std::vector<cloud::VolumeModification>> DescribeModifications(
    AwsClient& client, const std::vector<std::string>& volume_ids) {
  // The latest per volume: EC2 lists a volume's modifications, newest not necessarily last.
  std::map<std::string, cloud::VolumeModification> latest;
  Params p;
  p.AddIndexedList("VolumeId", volume_ids);
  auto s = ForEachPage(client, "DescribeVolumesModifications", p, [&](const pugi::xml_node& root) {
    for (const pugi::xml_node& item : Find(root, "volumeModificationSet").children("item")) {
      cloud::VolumeModification m = DecodeModification(item);
      auto it = latest.find(m.volume_id);
      if (it == latest.end() || it->second.started <= m.started) latest[m.volume_id] = m;
    }
  });
  if (!s.ok()) {
    return ModifyRefused(s, core::Join(volume_ids, ", ")).WithContext("describe modifications");
  }
  std::vector<cloud::VolumeModification> out;
  for (auto& [id, m] : latest) out.push_back(std::move(m));
  return out;
}

}  // namespace rotor::aws::ec2
