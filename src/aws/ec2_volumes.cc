#include "aws/ec2_volumes.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>
#include <tuple>

#include "aws/ec2.h"
#include "core/strings.h"

namespace rotor::aws::ec2 {
namespace {

// EC2 takes MaxResults 5..500 for DescribeVolumes and 5..1000 for DescribeSnapshots, and refuses
// it together with VolumeId.N / SnapshotId.N (all the ids asked for come in one answer then).
constexpr char kVolumesPerPage[] = "500";
constexpr char kSnapshotsPerPage[] = "1000";
constexpr size_t kIdsPerCall = 200;

// EC2's answers for a volume or snapshot id it does not know (or cannot: a malformed one).
bool NoVolume(const std::string& code) {
  return IsOneOf(code, {"InvalidVolume.NotFound", "InvalidVolumeID.Malformed"});
}
bool NoSnapshot(const std::string& code) {
  return IsOneOf(code, {"InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed"});
}

// kNotFound for a volume or instance id EC2 does not know; other errors unchanged.
core::Status NotFoundIds(const core::Status& s, const std::string& volume,
                         const std::string& instance) {
  const std::string& code = s.aws_code();
  if (NoVolume(code)) return NotFound(s, fmt::format("no volume {} in this region", volume));
  if (IsOneOf(code, {"InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"})) {
    return NotFound(s, fmt::format("no instance {} in this region", instance));
  }
  return s;
}

// EC2's refusals of AttachVolume: the volume, its zone or the device is in the way.
core::Status AttachRefused(const core::Status& s, const std::string& volume,
                           const std::string& instance, const std::string& device) {
  const std::string& code = s.aws_code();
  if (IsOneOf(code, {"VolumeInUse", "IncorrectState"})) {
    return Refused(s, fmt::format("volume {} is not available (attached, or changing); detach it "
                                  "and wait until it is available, then attach it again",
                                  volume));
  }
  if (code == "InvalidVolume.ZoneMismatch") {
    return Refused(s, fmt::format("volume {} is in another availability zone than instance {}; "
                                  "attach it to an instance in its zone, or snapshot it and "
                                  "create a volume from the snapshot in the instance's zone",
                                  volume, instance));
  }
  if (code == "InvalidParameterValue") {
    return Refused(s, fmt::format("instance {} cannot take a volume at {} (in use, or not a "
                                  "device name); pick a device the instance does not use yet",
                                  instance, device));
  }
  return NotFoundIds(s, volume, instance);
}

// EC2's refusals of DetachVolume: the volume is not attached there, or is busy changing.
core::Status DetachRefused(const core::Status& s, const std::string& volume,
                           const std::string& instance) {
  const std::string& code = s.aws_code();
  if (code == "InvalidAttachment.NotFound") {
    return Refused(s, fmt::format("volume {} is not attached to instance {}; describe the volume "
                                  "to see where it is attached",
                                  volume, instance));
  }
  if (code == "IncorrectState") {  // available already, or still attaching or detaching
    return Refused(s, fmt::format("volume {} is not attached to instance {} now (detached "
                                  "already, or changing); describe it to see its state",
                                  volume, instance));
  }
  return NotFoundIds(s, volume, instance);
}

std::map<std::string, std::string> DecodeTags(const pugi::xml_node& n) {
  std::map<std::string, std::string> tags;
  for (const pugi::xml_node& tag : ListItems(n, "tagSet")) {
    tags[Text(tag, "key")] = Text(tag, "value");
  }
  return tags;
}

// Multi-attach aside (which rotor does not move), a volume has at most one attachment; a
// detached one may linger in the answer with status "detached" for a moment.
std::optional<cloud::VolumeAttachment> DecodeAttachment(const pugi::xml_node& v) {
  for (const pugi::xml_node& a : ListItems(v, "attachmentSet")) {
    if (Text(a, "status") == "detached") continue;
    return cloud::VolumeAttachment{Text(a, "instanceId"), Text(a, "device"), Text(a, "status"),
                                   BoolText(a, "deleteOnTermination")};
  }
  return std::nullopt;
}

cloud::Volume DecodeVolume(const pugi::xml_node& v) {
  cloud::Volume out;
  out.id = Text(v, "volumeId");
  out.zone = Text(v, "availabilityZone");
  out.size_gib = IntText(v, "size");
  out.volume_type = Text(v, "volumeType");
  out.encrypted = BoolText(v, "encrypted");
  out.state = Text(v, "status");
  out.attachment = DecodeAttachment(v);
  out.tags = DecodeTags(v);
  out.iops = IntText(v, "iops");
  out.snapshot_id = Text(v, "snapshotId");
  return out;
}

// "45%" -> 45; EC2 leaves progress out for some pending snapshots.
int Percent(const std::string& text) {
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') break;
    n = std::min(n * 10 + (c - '0'), 1000);  // bounded whatever EC2 sends
  }
  return std::min(n, 100);
}

void AddTagFilter(Params& p, const std::string& key, const std::string& value) {
  if (key.empty()) return;
  if (value.empty()) {
    p.AddFilter("tag-key", {key});
  } else {
    p.AddFilter("tag:" + key, {value});
  }
}

// Calls `fn` once with no ids for a query without ids, else once per batch of ids.
core::Status ForIdBatches(const std::vector<std::string>& ids,
                          const std::function<core::Status(const std::vector<std::string>&)>& fn) {
  if (ids.empty()) return fn({});
  return ForEachBatch(ids, kIdsPerCall, fn);
}

// What to ask again to learn which ids EC2 does not know.
struct IdLookup {
  const char* action;
  const char* filter;  // e.g. volume-id: unlike VolumeId.N it answers without the missing ones
  const char* set;
  const char* id;
  bool own = false;  // Owner self, as the first call asked
};
constexpr IdLookup kVolumeLookup{"DescribeVolumes", "volume-id", "volumeSet", "volumeId", false};
constexpr IdLookup kSnapshotLookup{"DescribeSnapshots", "snapshot-id", "snapshotSet", "snapshotId",
                                   true};

// The first of `ids` EC2 does not know. Its message cannot tell (EC2 leaves it empty for
// snapshots; moto names every id asked for), so with several ids this asks again by filter.
// All of `ids` when that fails too, or finds them all (created meanwhile).
std::string FirstMissing(AwsClient& client, const IdLookup& lookup,
                         const std::vector<std::string>& ids) {
  if (ids.size() == 1) return ids[0];
  Params p;
  if (lookup.own) p.Add("Owner.1", "self");
  p.AddFilter(lookup.filter, ids);
  std::set<std::string> known;
  auto s = ForEachPage(client, lookup.action, p, [&](const pugi::xml_node& root) {
    for (const pugi::xml_node& item : Find(root, lookup.set).children("item")) {
      known.insert(Text(item, lookup.id));
    }
  });
  for (const std::string& id : ids) {
    if (s.ok() && !known.contains(id)) return id;
  }
  return core::Join(ids, ", ");
}

}  // namespace

bool IsOneOf(const std::string& code, std::initializer_list<const char*> codes) {
  return std::any_of(codes.begin(), codes.end(), [&](const char* c) { return code == c; });
}

// kNotFound naming what EC2 does not know; EC2's code stays on it.
core::Status NotFound(const core::Status& s, const std::string& text) {
  return core::Status(core::Code::kNotFound, fmt::format("{} ({})", text, s.aws_code()))
      .set_aws_code(s.aws_code())
      .set_request_id(s.request_id());
}

// kFailedPrecondition: what is in the way and what to do, then EC2's own words.
core::Status Refused(const core::Status& s, const std::string& text) {
  return core::Status(core::Code::kFailedPrecondition, fmt::format("{} ({})", text, s.message()))
      .set_aws_code(s.aws_code())
      .set_request_id(s.request_id());
}

void AddSnapshotTags(Params& p, const std::map<std::string, std::string>& tags) {
  if (tags.empty()) return;
  p.Add("TagSpecification.1.ResourceType", "snapshot");
  int n = 0;
  for (const auto& [k, v] : tags) {
    ++n;
    p.Add(fmt::format("TagSpecification.1.Tag.{}.Key", n), k);
    p.Add(fmt::format("TagSpecification.1.Tag.{}.Value", n), v);
  }
}

Params DescribeVolumesParams(const cloud::VolumeQuery& query) {
  Params p;
  p.AddIndexedList("VolumeId", query.ids);
  if (!query.instance_id.empty()) p.AddFilter("attachment.instance-id", {query.instance_id});
  AddTagFilter(p, query.tag_key, query.tag_value);
  if (query.ids.empty()) p.Add("MaxResults", kVolumesPerPage);
  return p;
}

Params DescribeSnapshotsParams(const cloud::SnapshotQuery& query) {
  Params p;
  p.Add("Owner.1", "self");
  p.AddIndexedList("SnapshotId", query.ids);
  if (!query.volume_id.empty()) p.AddFilter("volume-id", {query.volume_id});
  AddTagFilter(p, query.tag_key, query.tag_value);
  if (query.ids.empty()) p.Add("MaxResults", kSnapshotsPerPage);
  return p;
}

void DecodeVolumeSet(const pugi::xml_node& root, std::vector<cloud::Volume>& out) {
  for (const pugi::xml_node& v : Find(root, "volumeSet").children("item")) {
    out.push_back(DecodeVolume(v));
  }
}

cloud::Snapshot DecodeSnapshot(const pugi::xml_node& s) {
  cloud::Snapshot out;
  out.id = Text(s, "snapshotId");
  out.volume_id = Text(s, "volumeId");
  out.state = Text(s, "status");
  if (out.state.empty()) out.state = Text(s, "state");  // CreateSnapshots' name for it
  out.progress_percent = Percent(Text(s, "progress"));
  out.size_gib = std::atoi(Text(s, "volumeSize").c_str());
  if (auto t = core::ParseIso8601(Text(s, "startTime")); t.ok()) out.started = *t;
  out.description = Text(s, "description");
  out.tags = DecodeTags(s);
  return out;
}

void DecodeSnapshotSet(const pugi::xml_node& root, std::vector<cloud::Snapshot>& out) {
  for (const pugi::xml_node& s : Find(root, "snapshotSet").children("item")) {
    out.push_back(DecodeSnapshot(s));
  }
}

core::Result<std::vector<cloud::Volume>> DescribeVolumes(AwsClient& client,
                                                         const cloud::VolumeQuery& query) {
  std::vector<cloud::Volume> out;
  RETURN_IF_ERROR(ForIdBatches(query.ids, [&](const std::vector<std::string>& batch) {
    cloud::VolumeQuery q = query;
    q.ids = batch;
    auto s = ForEachPage(client, "DescribeVolumes", DescribeVolumesParams(q),
                         [&](const pugi::xml_node& root) { DecodeVolumeSet(root, out); });
    if (s.ok() || !NoVolume(s.aws_code())) return s;
    std::string missing = FirstMissing(client, kVolumeLookup, batch);
    return NotFound(s, fmt::format("no volume {} in this region", missing));
  }));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

core::Status AttachVolume(AwsClient& client, const std::string& volume_id,
                          const std::string& instance_id, const std::string& device) {
  Params p;
  p.Add("VolumeId", volume_id).Add("InstanceId", instance_id).Add("Device", device);
  auto r = client.Query("AttachVolume", p);
  if (r.ok()) return core::Status::Ok();
  return AttachRefused(r.status(), volume_id, instance_id, device)
      .WithContext(fmt::format("attach {} to {} at {}", volume_id, instance_id, device));
}

core::Status DetachVolume(AwsClient& client, const std::string& volume_id,
                          const std::string& instance_id) {
  Params p;
  p.Add("VolumeId", volume_id).Add("InstanceId", instance_id);
  auto r = client.Query("DetachVolume", p);
  if (r.ok()) return core::Status::Ok();
  return DetachRefused(r.status(), volume_id, instance_id)
      .WithContext(fmt::format("detach {} from {}", volume_id, instance_id));
}

core::Result<std::string> CreateSnapshot(AwsClient& client, const std::string& volume_id,
                                         const std::string& description,
                                         const std::map<std::string, std::string>& tags) {
  Params p;
  p.Add("VolumeId", volume_id);
  if (!description.empty()) p.Add("Description", description);
  AddSnapshotTags(p, tags);
  auto r = client.Query("CreateSnapshot", p);
  if (!r.ok()) {
    return NotFoundIds(r.status(), volume_id, "").WithContext("snapshot " + volume_id);
  }
  std::string id = Text((*r)->document_element(), "snapshotId");
  if (id.empty()) return core::Malformed("ec2 CreateSnapshot: the answer names no snapshot");
  return id;
}

core::Result<std::vector<cloud::Snapshot>> DescribeSnapshots(AwsClient& client,
                                                             const cloud::SnapshotQuery& query) {
  std::vector<cloud::Snapshot> out;
  RETURN_IF_ERROR(ForIdBatches(query.ids, [&](const std::vector<std::string>& batch) {
    cloud::SnapshotQuery q = query;
    q.ids = batch;
    auto s = ForEachPage(client, "DescribeSnapshots", DescribeSnapshotsParams(q),
                         [&](const pugi::xml_node& root) { DecodeSnapshotSet(root, out); });
    if (s.ok() || !NoSnapshot(s.aws_code())) return s;
    std::string missing = FirstMissing(client, kSnapshotLookup, batch);
    return NotFound(s, fmt::format("no snapshot {} of this account in this region", missing));
  }));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.started, a.id) < std::tie(b.started, b.id);
  });
  return out;
}

}  // namespace rotor::aws::ec2
