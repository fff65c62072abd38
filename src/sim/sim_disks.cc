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
    out.push_back(HostDisk{name, "", Serial(v->id), v->root ? "" : v->mounted, "disk"});
    if (v->root) out.push_back(HostDisk{name + "p1", name, "", "/", "part"});
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

}  // namespace rotor::sim
