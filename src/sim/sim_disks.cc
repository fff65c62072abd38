// Disks on simulated hosts, as their OS sees them: the block devices of the attached volumes
// under Nitro's NVMe names, and the mounts. No API call: rotor reaches the host itself (the
// remote commands that list, unmount and mount are acted out through these).
#include <fmt/format.h>

#include <algorithm>

#include "sim/sim_cloud.h"
#include "sim/world.h"

namespace rotor::sim {
namespace {

// Nitro's names: the NVMe controller's index, namespace 1.
std::string NvmeName(int nvme) { return fmt::format("/dev/nvme{}n1", nvme); }

std::string Serial(const std::string& volume_id) {
  std::string serial = volume_id;
  serial.erase(std::remove(serial.begin(), serial.end(), '-'), serial.end());
  return serial;
}

core::Status Refused(const std::string& message) {
  return core::Status(core::Code::kFailedPrecondition, message);
}

// The instance with this address when it answers on port 22 now.
core::Result<int> Answering(const World& w, const std::string& address) {
  int i = w.InstanceByAddress(address);
  RETURN_IF_ERROR(w.Reachable(i, 22, w.clock_.now()));
  return i;
}

// The instance's volumes its OS sees (attached, or detaching but not gone yet), in NVMe order.
std::vector<Vol*> Visible(const World& w, int inst) {
  std::vector<Vol*> out;
  for (int vol : w.insts_[inst]->volumes) {
    if (w.vols_[vol]->nvme >= 0) out.push_back(w.vols_[vol].get());
  }
  std::sort(out.begin(), out.end(), [](const Vol* a, const Vol* b) { return a->nvme < b->nvme; });
  return out;
}

// Why mounting `device` at `mountpoint` fails ("" : it does not); `disk` the volume whose disk
// has that name, if any.
std::string MountRefusal(const std::vector<Vol*>& visible, const Vol* disk,
                         const std::string& device, const std::string& mountpoint) {
  for (const Vol* v : visible) {
    if ((v->root ? "/" : v->mounted) == mountpoint) {
      return fmt::format("mount: {}: {} already mounted on {}.", mountpoint, NvmeName(v->nvme),
                         mountpoint);
    }
  }
  if (disk == nullptr || disk->attach_state != "attached") {
    return fmt::format("mount: {}: special device {} does not exist.", mountpoint, device);
  }
  if (disk->root || !disk->mounted.empty()) {
    return fmt::format("mount: {}: {} already mounted on {}.", mountpoint, device,
                       disk->root ? "/" : disk->mounted);
  }
  return "";
}

}  // namespace

core::Result<std::vector<HostDisk>> SimCloud::HostDisks(const std::string& address) const {
  ASSIGN_OR_RETURN(int i, Answering(*world_, address));
  std::vector<HostDisk> out;
  for (const Vol* v : Visible(*world_, i)) {
    std::string name = NvmeName(v->nvme);
    std::int64_t bytes = std::int64_t{v->size_gib} << 30;
    if (!v->root) {
      out.push_back(
          HostDisk{name, "", Serial(v->id), v->mounted, "disk", v->fstype, bytes, v->fs_gib});
      continue;
    }
    out.push_back(HostDisk{name, "", Serial(v->id), "", "disk", "", bytes, 0});
    out.push_back(
        HostDisk{name + "p1", name, "", "/", "part", v->fstype, bytes - (1 << 20), v->fs_gib});
  }
  return out;
}

core::Status SimCloud::Unmount(const std::string& address, const std::string& mountpoint) {
  World& w = *world_;
  ASSIGN_OR_RETURN(int i, Answering(w, address));
  if (mountpoint == "/") return Refused("umount: /: target is busy.");
  for (int vol : w.insts_[i]->volumes) {  // a file system mounted inside it keeps it busy
    const std::string& inside = w.vols_[vol]->mounted;
    if (inside.size() > mountpoint.size() && inside.starts_with(mountpoint + "/")) {
      return Refused(fmt::format("umount: {}: target is busy.", mountpoint));
    }
  }
  for (int vol : w.insts_[i]->volumes) {
    Vol& v = *w.vols_[vol];
    if (v.mounted != mountpoint) continue;
    v.mounted.clear();
    w.Trace("unmount", fmt::format("{} at {} on {}", v.id, mountpoint, w.insts_[i]->id));
    return core::Status::Ok();
  }
  return Refused(fmt::format("umount: {}: not mounted.", mountpoint));
}

core::Status SimCloud::Mount(const std::string& address, const std::string& device,
                             const std::string& mountpoint) {
  World& w = *world_;
  ASSIGN_OR_RETURN(int i, Answering(w, address));
  std::vector<Vol*> visible = Visible(w, i);
  Vol* disk = nullptr;
  for (Vol* v : visible) {
    std::string name = NvmeName(v->nvme);
    if (device == name || (v->root && device == name + "p1")) disk = v;
  }
  std::string refusal = MountRefusal(visible, disk, device, mountpoint);
  if (!refusal.empty()) return Refused(refusal);
  disk->mounted = mountpoint;
  w.Trace("mount", fmt::format("{} at {} on {}", disk->id, mountpoint, w.insts_[i]->id));
  return core::Status::Ok();
}

core::Result<DiskAnswer> SimCloud::GrowPart(const std::string& address, const std::string& disk,
                                            int partition) {
  World& w = *world_;
  ASSIGN_OR_RETURN(int i, Answering(w, address));
  for (const Vol* v : Visible(w, i)) {
    if (NvmeName(v->nvme) != disk) continue;
    if (v->root && partition == 1) {
      return DiskAnswer{1,
                        fmt::format("NOCHANGE: partition 1 is size {}. it cannot be grown\n",
                                    ((std::int64_t{v->size_gib} << 30) >> 9) - 2048),
                        ""};
    }
    return DiskAnswer{2, "",
                      fmt::format("FAILED: {}: partition {} does not exist\n", disk, partition)};
  }
  return DiskAnswer{2, "", fmt::format("FAILED: {}: does not exist\n", disk)};
}

namespace {

// The volume whose file system is `device` (a data disk, or the root's p1) on the host.
Vol* FileSystemOn(const std::vector<Vol*>& visible, const std::string& device) {
  for (Vol* v : visible) {
    std::string name = NvmeName(v->nvme) + (v->root ? "p1" : "");
    if (name == device) return v;
  }
  return nullptr;
}

bool Ext(const std::string& fstype) { return fstype.starts_with("ext"); }

}  // namespace

core::Result<DiskAnswer> SimCloud::CheckFs(const std::string& address, const std::string& device) {
  World& w = *world_;
  ASSIGN_OR_RETURN(int i, Answering(w, address));
  Vol* v = FileSystemOn(Visible(w, i), device);
  if (v == nullptr || !Ext(v->fstype)) {
    return DiskAnswer{8, "",
                      fmt::format("e2fsck: Bad magic number in super-block while trying "
                                  "to open {}\n",
                                  device)};
  }
  if (v->root || !v->mounted.empty()) {
    return DiskAnswer{8, "",
                      fmt::format("{} is mounted.\ne2fsck: Cannot continue, aborting.\n", device)};
  }
  w.Trace("check_fs", fmt::format("{} on {}", v->id, w.insts_[i]->id));
  return DiskAnswer{0, "", ""};
}

core::Result<DiskAnswer> SimCloud::GrowFs(const std::string& address, const std::string& device,
                                          const std::string& mountpoint) {
  World& w = *world_;
  ASSIGN_OR_RETURN(int i, Answering(w, address));
  std::vector<Vol*> visible = Visible(w, i);
  Vol* v = nullptr;
  if (!device.empty()) {
    v = FileSystemOn(visible, device);
    bool online_ok = v && (v->mounted.empty() || v->fstype != "ext2");
    if (!v || !Ext(v->fstype) || !online_ok) {
      return DiskAnswer{1, "",
                        fmt::format("resize2fs: cannot grow {} ({})\n", device,
                                    v ? v->fstype : "no such device")};
    }
  } else {
    for (Vol* x : visible) {
      if ((x->root ? "/" : x->mounted) == mountpoint) v = x;
    }
    if (!v || (v->fstype != "xfs" && v->fstype != "btrfs")) {
      return DiskAnswer{1, "",
                        fmt::format("{} is not a mounted XFS or btrfs file system\n", mountpoint)};
    }
  }
  int before = v->fs_gib;
  v->fs_gib = v->size_gib;  // what the OS sees: the new size once the change is optimizing
  w.Trace("grow_fs",
          fmt::format("{} on {} from {} to {} GiB", v->id, w.insts_[i]->id, before, v->fs_gib));
  return DiskAnswer{
      0, before == v->fs_gib ? "The filesystem is already as large as it can be.\n" : "", ""};
}

}  // namespace rotor::sim
