// relocate: the plan (which volume, in place or by a swap, how its file system grows), checked
// before anything changes, and its lines.
#include "ops/relocate.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "ops/host_plan.h"
#include "ops/replace_instance.h"

namespace rotor::ops {
namespace {

// EBS changes a volume's type in place within a family; across families (SSD and HDD) rotor
// moves the data to a new volume instead, and a magnetic volume cannot be changed at all.
std::string Family(const std::string& type) {
  if (type == "gp2" || type == "gp3" || type == "io1" || type == "io2") return "SSD";
  if (type == "st1" || type == "sc1") return "HDD";
  return type;  // "standard": magnetic
}
bool TakesIops(const std::string& type) { return type == "gp3" || type == "io1" || type == "io2"; }
bool NeedsIops(const std::string& type) { return type == "io1" || type == "io2"; }
constexpr auto kRecentChange = std::chrono::hours(6);

core::Status CheckRequest(const RelocateRequest& r) {
  if (r.size_gib <= 0) return core::InvalidArgument("--size GIB is required (the new size)");
  if (r.iops < 0) return core::InvalidArgument("--iops is a positive number");
  for (const std::string& c : r.stop) RETURN_IF_ERROR(CheckNoSecret("--stop", c));
  for (const std::string& c : r.start) RETURN_IF_ERROR(CheckNoSecret("--start", c));
  return core::Status::Ok();
}

// The volume --volume names (a device or an id), attached to the host.
core::Result<cloud::Volume> FindVolume(cloud::Volumes& volumes, const cloud::Host& host,
                                       const std::string& which, std::string* device) {
  const cloud::BlockDevice* found = nullptr;
  for (const cloud::BlockDevice& d : host.devices) {
    if (d.volume_id == which || cloud::AttachmentPoint(d.device) == cloud::AttachmentPoint(which))
      found = &d;
  }
  if (!found) {
    std::vector<std::string> have;
    for (const cloud::BlockDevice& d : host.devices) have.push_back(d.device + " " + d.volume_id);
    return core::InvalidArgument(fmt::format("--volume {}: not attached to {} (it has {})", which,
                                             host.instance.id, core::Join(have, ", ")));
  }
  *device = found->device;
  cloud::VolumeQuery q;
  q.ids = {found->volume_id};
  ASSIGN_OR_RETURN(std::vector<cloud::Volume> v, volumes.DescribeVolumes(q));
  if (v.empty()) return core::NotFound(found->volume_id + " is not in this region");
  return v[0];
}

// The size, type and IOPS afterwards, all set; refuses a shrink, a change to nothing, and IOPS
// the type does not take.
core::Result<cloud::VolumeChange> Target(const RelocateRequest& r, const cloud::Volume& v) {
  cloud::VolumeChange t{r.size_gib, r.volume_type.empty() ? v.volume_type : r.volume_type,
                        r.iops > 0 ? r.iops : 0};
  if (t.size_gib < v.size_gib) {
    return core::InvalidArgument(fmt::format(
        "--size {}: {} holds {} GiB and EBS never shrinks a volume; copy the data to a smaller "
        "volume yourself",
        r.size_gib, v.id, v.size_gib));
  }
  if (r.iops > 0 && !TakesIops(t.volume_type)) {
    return core::InvalidArgument(
        fmt::format("--iops: a {} volume has no provisioned IOPS", t.volume_type));
  }
  if (t.iops == 0 && t.volume_type == v.volume_type) t.iops = v.iops;
  if (t.iops == 0 && NeedsIops(t.volume_type)) {
    return core::InvalidArgument(fmt::format("--type {} needs --iops N", t.volume_type));
  }
  if (t.size_gib == v.size_gib && t.volume_type == v.volume_type && t.iops == v.iops) {
    return core::InvalidArgument(
        fmt::format("{} is {} GiB {} already: give a larger --size or another --type", v.id,
                    v.size_gib, v.volume_type));
  }
  return t;
}

// Refuses while a change of the volume is under way (EBS takes the next only once it
// completed); a recent one is noted (EBS allows a few a day, fewer on older accounts).
core::Status CheckChanges(cloud::Volumes& volumes, core::Time now, RelocatePlan& p) {
  ASSIGN_OR_RETURN(std::vector<cloud::VolumeModification> mods,
                   volumes.DescribeModifications({p.volume.id}));
  for (const cloud::VolumeModification& m : mods) {
    if (m.state == "modifying" || m.state == "optimizing") {
      return core::Status(core::Code::kFailedPrecondition,
                          fmt::format("a change of {} is under way ({}, {}%): relocate once it "
                                      "completed (`aws ec2 describe-volumes-modifications`)",
                                      p.volume.id, m.state, m.progress_percent));
    }
    if (!p.swap && now - m.started < kRecentChange) {
      p.notes.push_back(fmt::format(
          "{} was last changed at {}: EBS may refuse another change this soon (then nothing "
          "changes; try again later)",
          p.volume.id, core::FormatIso8601(m.started)));
    }
  }
  return core::Status::Ok();
}

// The file system on the volume as the host shows it, and how it grows.
core::Status FindFileSystem(remote::Runner& runner, const RelocateRequest& r, RelocatePlan& p) {
  remote::SshTarget target{p.host.instance.id, AddressOf(p.host, r.address), false};
  ASSIGN_OR_RETURN(remote::CommandResult out,
                   runner.Run(target, remote::ListDisksCommand(), kDiskTimeout));
  if (out.exit_status != 0) {
    return core::InvalidArgument(fmt::format("lsblk on {} failed ({}): {}", target.name,
                                             out.exit_status, core::Trim(out.err)));
  }
  ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, remote::ParseDisks(out.out));
  std::vector<remote::Disk> mine = remote::DisksOfVolume(disks, p.volume.id, p.device);
  if (mine.empty()) {
    return core::InvalidArgument(fmt::format(
        "{} (at {}) does not show on {}: lsblk lists neither its serial nor its device; nothing "
        "changed (--grow none leaves the file system to you)",
        p.volume.id, p.device, target.name));
  }
  std::vector<remote::Disk> fs;
  for (const remote::Disk& d : mine) {
    if (!d.fstype.empty() && (d.parent.empty() || d.parent == mine[0].name)) fs.push_back(d);
  }
  if (fs.size() != 1) {
    return core::InvalidArgument(fmt::format(
        "{} on {} holds {} file systems: rotor grows one that fills the disk or its one "
        "partition; use --grow none and grow them yourself",
        mine[0].name, target.name, fs.size()));
  }
  const remote::Disk& d = fs[0];
  p.grow.fstype = d.fstype;
  p.grow.mountpoint = d.mountpoint;
  p.grow.node = d.name.substr(mine[0].name.size());
  p.grow.partition = remote::PartitionNumber(mine[0].name, d.name);
  if (!d.parent.empty() && p.grow.partition == 0) {
    return core::InvalidArgument(
        fmt::format("cannot tell {}'s partition number: --grow none", d.name));
  }
  p.grow.how = remote::GrowFor(d.fstype, !d.mountpoint.empty());
  return core::Status::Ok();
}

// In place or by a swap, and why.
void ChoosePath(const RelocateRequest& r, RelocatePlan& p) {
  const std::string& from = p.volume.volume_type;
  if (r.new_volume) {
    p.why_swap = "--new-volume";
  } else if (Family(from) == "standard") {
    p.why_swap = "EBS cannot change a magnetic (standard) volume in place";
  } else if (Family(from) != Family(p.target.volume_type)) {
    p.why_swap = fmt::format("{} ({}) to {} ({}) is another family of volume", from, Family(from),
                             p.target.volume_type, Family(p.target.volume_type));
  } else if (r.grow && p.grow.fstype == "ext2" && !p.grow.mountpoint.empty()) {
    p.why_swap = "ext2 grows only while not mounted";
  }
  p.swap = !p.why_swap.empty();
}

// Whether the file system can grow the way the path goes (a swap grows it offline before
// mounting when it must).
core::Status CheckGrow(const RelocateRequest& r, RelocatePlan& p) {
  if (!r.grow) {
    p.grow.how = remote::FsGrow::kNone;
    return core::Status::Ok();
  }
  if (p.swap && p.grow.fstype == "ext2") p.grow.how = remote::FsGrow::kExtOffline;
  if (p.grow.how != remote::FsGrow::kNone) return core::Status::Ok();
  std::string where = p.grow.mountpoint.empty() ? "not mounted" : "at " + p.grow.mountpoint;
  std::string why = p.grow.fstype == "xfs" || p.grow.fstype == "btrfs"
                        ? fmt::format("{} grows only while mounted: mount it first", p.grow.fstype)
                        : fmt::format("rotor cannot grow {}", p.grow.fstype);
  return core::InvalidArgument(
      fmt::format("the file system on {} is {} ({}): {}, or use --grow "
                  "none and grow it yourself",
                  p.volume.id, p.grow.fstype, where, why));
}

// The swap as a restore --replace of the volume by one made from the final snapshot.
core::Result<RestorePlan> SwapPlan(remote::Runner& runner, const RelocateRequest& r,
                                   const RelocatePlan& p) {
  if (p.device == p.host.root_device) {
    return core::InvalidArgument(fmt::format(
        "{} is {}'s root volume, which a swap cannot detach while it runs: relocate it in place "
        "(same volume family, without --new-volume)",
        p.volume.id, p.host.instance.id));
  }
  RestorePlan s;
  s.operation_id = p.operation_id;
  s.snapshot.volume_id = p.volume.id;
  s.snapshot.size_gib = p.volume.size_gib;
  s.host = p.host;
  s.device = p.device;
  s.volume = {p.volume.zone,      "", p.target.size_gib, p.target.volume_type, p.target.iops,
              p.volume.encrypted, {}, p.operation_id};
  for (const auto& [k, value] : p.volume.tags) {
    if (!k.starts_with("rotor:") && !k.starts_with("aws:")) s.volume.tags[k] = value;
  }
  s.volume.tags["rotor:operation"] = p.operation_id;
  s.volume.tags["rotor:relocated-from"] = p.volume.id;
  s.replace = true;
  s.stop = r.stop;
  s.start = r.start;
  s.address = r.address;
  std::vector<MovedVolume> old = {MovedVolume{p.volume, p.device, {}}};
  RETURN_IF_ERROR(FindMounts(runner, p.host, r.address, old));
  s.old = old[0];
  ASSIGN_OR_RETURN(s.riders, FindRiders(runner, s.host, r.address, *s.old));
  return s;
}

}  // namespace

core::Result<RelocatePlan> PlanRelocate(cloud::Cloud& cloud, remote::Runner& runner,
                                        const RelocateRequest& r, const std::string& operation_id,
                                        core::Time now) {
  RETURN_IF_ERROR(CheckRequest(r));
  RelocatePlan p;
  p.operation_id = operation_id;
  p.address = r.address;
  ASSIGN_OR_RETURN(p.host, cloud.instances.DescribeHost(r.instance));
  ASSIGN_OR_RETURN(p.volume, FindVolume(cloud.volumes, p.host, r.volume, &p.device));
  ASSIGN_OR_RETURN(p.target, Target(r, p.volume));
  bool remote = r.grow || r.new_volume || !r.stop.empty() || !r.start.empty();
  if (remote && p.host.instance.ec2_state != "running") {
    return core::InvalidArgument(
        fmt::format("{} is {}: relocate works on a running host (start it first, or grow in "
                    "place with --grow none)",
                    p.host.instance.id, p.host.instance.ec2_state));
  }
  if (r.grow) RETURN_IF_ERROR(FindFileSystem(runner, r, p));
  ChoosePath(r, p);
  if (!p.swap && (!r.stop.empty() || !r.start.empty())) {
    return core::InvalidArgument(
        "--stop and --start go with a swap (--new-volume, or a change EBS cannot make in "
        "place): in place the volume stays in use");
  }
  RETURN_IF_ERROR(CheckGrow(r, p));
  RETURN_IF_ERROR(CheckChanges(cloud.volumes, now, p));
  if (p.swap) {
    ASSIGN_OR_RETURN(p.restore, SwapPlan(runner, r, p));
    p.notes.push_back(
        "a volume made from a snapshot loads its blocks on first read: the first reads of "
        "cold data are slow until every block was read once");
  }
  return p;
}

std::vector<std::string> RelocateResources(const RelocatePlan& p) {
  return {"instance/" + p.host.instance.id, "volume/" + p.volume.id};
}

}  // namespace rotor::ops
