// restore: the plan (what is restored where, checked before anything changes), its lines, and
// how the journal keeps it.
#include "ops/restore.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "ops/host_codec.h"
#include "ops/replace_instance.h"
#include "remote/disks.h"

namespace rotor::ops {
namespace {

using nlohmann::json;

const cloud::BlockDevice* At(const cloud::Host& host, const std::string& device) {
  for (const cloud::BlockDevice& d : host.devices) {
    if (cloud::AttachmentPoint(d.device) == cloud::AttachmentPoint(device)) return &d;
  }
  return nullptr;
}

core::Status CheckRequest(const RestoreRequest& r) {
  if (!r.replace && (!r.stop.empty() || !r.start.empty())) {
    return core::InvalidArgument(
        "--stop and --start go with --replace (a plain restore attaches the volume and leaves "
        "the host alone)");
  }
  if (r.size_gib < 0 || r.iops < 0) {
    return core::InvalidArgument("--size and --iops are positive numbers");
  }
  for (const std::string& c : r.stop) RETURN_IF_ERROR(CheckNoSecret("--stop", c));
  for (const std::string& c : r.start) RETURN_IF_ERROR(CheckNoSecret("--start", c));
  return core::Status::Ok();
}

core::Result<cloud::Snapshot> CompletedSnapshot(cloud::Volumes& volumes, const std::string& id) {
  cloud::SnapshotQuery q;
  q.ids = {id};
  ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> found, volumes.DescribeSnapshots(q));
  if (found.empty()) return core::NotFound(fmt::format("no snapshot {} in this region", id));
  if (found[0].state != "completed") {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("{} is {} ({}%): restore it once it completed", id,
                                    found[0].state, found[0].progress_percent));
  }
  return found[0];
}

// The device the volume goes to: --device, else where the snapshot's volume is on the host.
core::Result<std::string> ChooseDevice(const RestoreRequest& r, const cloud::Snapshot& snap,
                                       const cloud::Host& host) {
  if (!r.device.empty()) return r.device;
  for (const cloud::BlockDevice& d : host.devices) {
    if (d.volume_id == snap.volume_id) return d.device;
  }
  return core::InvalidArgument(
      fmt::format("{} was taken of {}, which is not attached to {}: name the device with --device",
                  snap.id, snap.volume_id, host.instance.id));
}

// What the new volume is: the snapshot's own tags (the old volume's Name and the like, not
// rotor's or AWS's), rotor's, and the operation's id as the idempotency token.
cloud::NewVolume NewVolumeFor(cloud::Volumes& volumes, const RestoreRequest& r,
                              const cloud::Snapshot& snap, const cloud::Host& host,
                              const std::string& operation_id) {
  cloud::NewVolume v;
  v.zone = host.instance.zone;
  v.snapshot_id = snap.id;
  v.size_gib = r.size_gib > 0 ? r.size_gib : snap.size_gib;
  v.volume_type = r.volume_type;
  v.iops = r.iops;
  if (v.volume_type.empty()) {
    cloud::VolumeQuery q;
    q.ids = {snap.volume_id};
    auto source = volumes.DescribeVolumes(q);  // gone (NotFound) is fine: gp3
    v.volume_type = source.ok() && !source->empty() ? (*source)[0].volume_type : "gp3";
    if (r.iops == 0 && source.ok() && !source->empty()) v.iops = (*source)[0].iops;
  }
  for (const auto& [k, value] : snap.tags) {
    if (!k.starts_with("rotor:") && !k.starts_with("aws:")) v.tags[k] = value;
  }
  v.tags["rotor:operation"] = operation_id;
  v.tags["rotor:restored-from"] = snap.id;
  v.client_token = operation_id;
  return v;
}

// --replace: the volume at the device, with where it is mounted (lsblk over ssh).
core::Result<MovedVolume> OldVolume(cloud::Cloud& cloud, remote::Runner& runner,
                                    const RestorePlan& p) {
  const cloud::BlockDevice* d = At(p.host, p.device);
  if (!d) {
    return core::InvalidArgument(fmt::format(
        "--replace: {} has no volume at {} to replace; without --replace the restored volume is "
        "attached there",
        p.host.instance.id, p.device));
  }
  if (d->device == p.host.root_device) {
    return core::InvalidArgument(
        fmt::format("--replace: {} is {}'s root volume; rotor replaces data volumes only",
                    d->volume_id, p.host.instance.id));
  }
  cloud::VolumeQuery q;
  q.ids = {d->volume_id};
  ASSIGN_OR_RETURN(std::vector<cloud::Volume> v, cloud.volumes.DescribeVolumes(q));
  if (v.empty()) return core::NotFound(d->volume_id + " is not in this region");
  std::vector<MovedVolume> old = {MovedVolume{v[0], d->device, {}}};
  if (p.unmount) RETURN_IF_ERROR(FindMounts(runner, p.host, p.address, old));
  return old[0];
}

}  // namespace

core::Result<std::vector<Rider>> FindRiders(remote::Runner& runner, const cloud::Host& host,
                                            AddressKind address, const MovedVolume& old) {
  if (old.mounts.empty()) return std::vector<Rider>{};
  remote::SshTarget target{host.instance.id, AddressOf(host, address), false};
  ASSIGN_OR_RETURN(remote::CommandResult r,
                   runner.Run(target, remote::ListDisksCommand(), kDiskTimeout));
  if (r.exit_status != 0) {
    return core::InvalidArgument(
        fmt::format("lsblk on {} failed ({}): {}", target.name, r.exit_status, core::Trim(r.err)));
  }
  ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, remote::ParseDisks(r.out));
  std::vector<remote::Disk> own = DisksOf(disks, old);
  std::vector<Rider> out;
  for (const remote::Disk& d : disks) {
    if (d.mountpoint.empty() || std::count(own.begin(), own.end(), d)) continue;
    for (const VolumeMount& m : old.mounts) {
      if (!d.mountpoint.starts_with(m.mountpoint + "/")) continue;
      const std::string& disk = d.parent.empty() ? d.name : d.parent;
      auto whole = std::find_if(disks.begin(), disks.end(),
                                [&](const remote::Disk& x) { return x.name == disk; });
      std::string serial = whole != disks.end() ? whole->serial : "";
      std::string node = d.name.starts_with(disk) ? d.name.substr(disk.size()) : "";
      out.push_back({d.name, d.mountpoint, serial, node});
      break;
    }
  }
  std::sort(out.begin(), out.end(), [](const Rider& a, const Rider& b) {
    return a.mountpoint.size() != b.mountpoint.size() ? a.mountpoint.size() > b.mountpoint.size()
                                                      : a.mountpoint < b.mountpoint;
  });
  return out;
}

std::string RiderDevice(const std::vector<remote::Disk>& disks, const Rider& rider) {
  if (rider.serial.empty()) return rider.device;
  for (const remote::Disk& d : disks) {
    if (d.parent.empty() && d.serial == rider.serial) return d.name + rider.node;
  }
  return rider.device;
}

core::Result<RestorePlan> PlanRestore(cloud::Cloud& cloud, remote::Runner& runner,
                                      const RestoreRequest& r, const std::string& operation_id) {
  RETURN_IF_ERROR(CheckRequest(r));
  ASSIGN_OR_RETURN(cloud::Snapshot snap, CompletedSnapshot(cloud.volumes, r.snapshot));
  RestorePlan p;
  p.operation_id = operation_id;
  p.snapshot = snap;
  ASSIGN_OR_RETURN(p.host, cloud.instances.DescribeHost(r.instance));
  ASSIGN_OR_RETURN(p.device, ChooseDevice(r, snap, p.host));
  if (r.size_gib > 0 && r.size_gib < snap.size_gib) {
    return core::InvalidArgument(fmt::format("--size {}: {} holds {} GiB; give at least that",
                                             r.size_gib, snap.id, snap.size_gib));
  }
  p.volume = NewVolumeFor(cloud.volumes, r, snap, p.host, operation_id);
  p.replace = r.replace;
  p.stop = r.stop;
  p.start = r.start;
  p.unmount = r.unmount;
  p.address = r.address;
  const std::string& state = p.host.instance.ec2_state;
  if (state != "running" && state != "stopped") {
    return core::InvalidArgument(fmt::format("{} is {}: restore to a running or stopped instance",
                                             p.host.instance.id, state));
  }
  if (!r.replace) {
    if (const cloud::BlockDevice* d = At(p.host, p.device)) {
      return core::InvalidArgument(
          fmt::format("{} has {} at {} already: name a free --device, or --replace it",
                      p.host.instance.id, d->volume_id, d->device));
    }
    return p;
  }
  if (state != "running") {
    return core::InvalidArgument(fmt::format(
        "--replace runs commands on {}, which is {}: start it first", p.host.instance.id, state));
  }
  ASSIGN_OR_RETURN(p.old, OldVolume(cloud, runner, p));
  ASSIGN_OR_RETURN(p.riders, FindRiders(runner, p.host, p.address, *p.old));
  return p;
}

std::vector<std::string> DescribeRestore(const RestorePlan& p) {
  std::string host = p.host.name.empty() ? p.host.instance.id
                                         : fmt::format("{} ({})", p.host.name, p.host.instance.id);
  std::vector<std::string> out;
  out.push_back(fmt::format(
      "create a {} GiB {}{} volume in {} from {} ({} GiB, taken {}{})", p.volume.size_gib,
      p.volume.volume_type, p.volume.iops ? fmt::format(" ({} IOPS)", p.volume.iops) : "",
      p.volume.zone, p.snapshot.id, p.snapshot.size_gib, core::FormatIso8601(p.snapshot.started),
      p.snapshot.volume_id.empty() ? "" : " of " + p.snapshot.volume_id));
  if (!p.replace) {
    out.push_back(
        fmt::format("attach it to {} at {} (not mounted: that is yours)", host, p.device));
    return out;
  }
  out.push_back("outage begins");
  if (!p.stop.empty()) out.push_back("on the host: " + core::Join(p.stop, "; "));
  std::vector<std::string> points, inside;
  for (const VolumeMount& m : p.old->mounts) points.push_back(m.mountpoint);
  for (const Rider& r : p.riders) inside.push_back(fmt::format("{} ({})", r.mountpoint, r.device));
  if (!inside.empty()) {
    out.push_back("unmount " + core::Join(inside, ", ") + ", mounted inside (mounted again after)");
  }
  if (!points.empty()) out.push_back("unmount " + core::Join(points, ", "));
  out.push_back(fmt::format("detach {} from {} (kept)", p.old->volume.id, p.device));
  out.push_back(fmt::format("attach the new volume at {}{}", p.device,
                            points.empty() ? "" : " and mount it at " + core::Join(points, ", ")));
  if (!p.start.empty()) out.push_back("on the host: " + core::Join(p.start, "; "));
  out.push_back("outage ends");
  out.push_back(
      fmt::format("the old volume {} stays, detached: `rotor rollout rollback {}` "
                  "puts it back",
                  p.old->volume.id, p.operation_id));
  return out;
}

std::vector<std::string> RestoreResources(const RestorePlan& p) {
  std::vector<std::string> out = {"instance/" + p.host.instance.id};
  if (p.old) out.push_back("volume/" + p.old->volume.id);
  return out;
}

std::string RestorePlanToJson(const RestorePlan& p) {
  json j{{"operation", p.operation_id},
         {"snapshot",
          {{"id", p.snapshot.id},
           {"volume", p.snapshot.volume_id},
           {"size", p.snapshot.size_gib},
           {"started", core::FormatIso8601(p.snapshot.started)}}},
         {"host", HostJson(p.host)},
         {"device", p.device},
         {"volume",
          {{"zone", p.volume.zone},
           {"snapshot", p.volume.snapshot_id},
           {"size", p.volume.size_gib},
           {"type", p.volume.volume_type},
           {"iops", p.volume.iops},
           {"tags", p.volume.tags},
           {"token", p.volume.client_token}}},
         {"replace", p.replace},
         {"stop", p.stop},
         {"start", p.start},
         {"unmount", p.unmount},
         {"address", static_cast<int>(p.address)}};
  if (p.old) {
    json mounts = json::array();
    for (const VolumeMount& m : p.old->mounts) {
      mounts.push_back({{"node", m.node}, {"at", m.mountpoint}});
    }
    json riders = json::array();
    for (const Rider& r : p.riders) {
      riders.push_back(
          {{"device", r.device}, {"at", r.mountpoint}, {"serial", r.serial}, {"node", r.node}});
    }
    j["riders"] = riders;
    j["old"] = {{"id", p.old->volume.id},
                {"zone", p.old->volume.zone},
                {"size", p.old->volume.size_gib},
                {"device", p.old->device},
                {"mounts", mounts}};
  }
  return j.dump();
}

core::Result<RestorePlan> RestorePlanFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("host") || !j["host"].is_object() || !j.contains("volume")) {
    return core::InvalidArgument("the journaled restore plan cannot be read");
  }
  RestorePlan p;
  p.operation_id = j.value("operation", "");
  const json& s = j["snapshot"];
  p.snapshot.id = s.value("id", "");
  p.snapshot.volume_id = s.value("volume", "");
  p.snapshot.size_gib = s.value("size", 0);
  if (auto t = core::ParseIso8601(s.value("started", "")); t.ok()) p.snapshot.started = *t;
  p.host = HostFrom(j["host"]);
  p.device = j.value("device", "");
  const json& v = j["volume"];
  p.volume.zone = v.value("zone", "");
  p.volume.snapshot_id = v.value("snapshot", "");
  p.volume.size_gib = v.value("size", 0);
  p.volume.volume_type = v.value("type", "");
  p.volume.iops = v.value("iops", 0);
  p.volume.tags = v.value("tags", std::map<std::string, std::string>{});
  p.volume.client_token = v.value("token", "");
  p.replace = j.value("replace", false);
  p.stop = j.value("stop", std::vector<std::string>{});
  p.start = j.value("start", std::vector<std::string>{});
  p.unmount = j.value("unmount", true);
  p.address = static_cast<AddressKind>(j.value("address", 0));
  if (j.contains("old")) {
    const json& o = j["old"];
    MovedVolume m;
    m.volume.id = o.value("id", "");
    m.volume.zone = o.value("zone", "");
    m.volume.size_gib = o.value("size", 0);
    m.device = o.value("device", "");
    for (const json& x : o.value("mounts", json::array())) {
      m.mounts.push_back({x.value("node", ""), x.value("at", "")});
    }
    p.old = m;
  }
  for (const json& r : j.value("riders", json::array())) {
    p.riders.push_back(
        {r.value("device", ""), r.value("at", ""), r.value("serial", ""), r.value("node", "")});
  }
  return p;
}

}  // namespace rotor::ops
