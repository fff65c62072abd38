// The scenario keys for EBS volumes (hosts[].volumes[]) and the faults on them (volume_stuck,
// snapshot_slow). See examples/persistent-host.yaml.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "core/strings.h"
#include "sim/scenario_reader.h"

namespace rotor::sim {
namespace {

constexpr char kRoot[] = "/dev/xvda";

// vol- and 8 or 17 hex digits; ids starting vol-0000000 are the simulator's own.
bool GoodVolumeId(const std::string& id) {
  if (!core::StartsWith(id, "vol-") || (id.size() != 12 && id.size() != 21)) return false;
  if (id.find_first_not_of("0123456789abcdef", 4) != std::string::npos) return false;
  return !core::StartsWith(id, "vol-0000000");
}

// The keys of one volume besides device, size and type.
core::Status VolumeExtras(const Reader& r, const YAML::Node& v, const std::string& key,
                          VolumeSpec& spec) {
  ASSIGN_OR_RETURN(spec.encrypted, r.Bool(v, "encrypted", key, false));
  ASSIGN_OR_RETURN(spec.tags, r.StringMap(v, "tags", key));
  ASSIGN_OR_RETURN(spec.id, r.String(v, "id", key, false));
  if (!spec.id.empty() && !GoodVolumeId(spec.id)) {
    return r.Error(v["id"], key + ".id",
                   "expected vol- and 8 or 17 hex digits, not starting vol-0000000 (the "
                   "simulator's own)");
  }
  ASSIGN_OR_RETURN(spec.backups, r.Int(v, "backups", key, 0));
  if (spec.backups < 0) return r.Error(v["backups"], key + ".backups", "must be 0 or more");
  ASSIGN_OR_RETURN(spec.fs, r.String(v, "fs", key, false));
  if (spec.fs.find_first_of(" \t\"'\\") != std::string::npos) {
    return r.Error(v["fs"], key + ".fs", "a file system type such as ext4 or xfs");
  }
  ASSIGN_OR_RETURN(spec.mount, r.String(v, "mount", key, false));
  if (spec.mount.empty()) return core::Status::Ok();
  if (spec.device == kRoot) {
    return r.Error(v["mount"], key + ".mount", "the root volume is mounted at / already");
  }
  if (!core::StartsWith(spec.mount, "/") || spec.mount == "/" || core::EndsWith(spec.mount, "/")) {
    return r.Error(
        v["mount"], key + ".mount",
        fmt::format("'{}' is not an absolute path below / such as /var/lib/data", spec.mount));
  }
  return core::Status::Ok();
}

core::Result<VolumeSpec> OneVolume(const Reader& r, const YAML::Node& v, const std::string& key) {
  RETURN_IF_ERROR(r.CheckKeys(
      v, key, {"device", "size", "type", "encrypted", "tags", "mount", "id", "backups", "fs"}));
  VolumeSpec spec;
  ASSIGN_OR_RETURN(spec.device, r.String(v, "device", key));
  if (!core::StartsWith(spec.device, "/dev/")) {
    return r.Error(v["device"], key + ".device",
                   fmt::format("'{}' is not a device name such as /dev/sdf", spec.device));
  }
  ASSIGN_OR_RETURN(spec.size_gib, r.Int(v, "size", key, 8));
  if (spec.size_gib < 1) return r.Error(v["size"], key + ".size", "must be at least 1 (GiB)");
  ASSIGN_OR_RETURN(spec.type, r.String(v, "type", key, false));
  if (spec.type.empty()) spec.type = "gp3";
  RETURN_IF_ERROR(VolumeExtras(r, v, key, spec));
  return spec;
}

// Every volume id the scenario's hosts declare.
std::set<std::string> VolumeIds(const Scenario& s) {
  std::set<std::string> ids;
  for (const HostSpec& h : s.hosts) {
    for (const VolumeSpec& v : h.volumes) {
      if (!v.id.empty()) ids.insert(v.id);
    }
  }
  return ids;
}

core::Status KnownVolume(const Reader& r, const YAML::Node& n, const std::string& k, const Fault& f,
                         const Scenario& s) {
  if (VolumeIds(s).count(f.volume)) return core::Status::Ok();
  return r.Error(n["volume"], k + ".volume",
                 fmt::format("no volume under hosts[].volumes[] has id '{}' (give it one with id:)",
                             f.volume));
}

core::Status StuckFault(const Reader& r, const YAML::Node& n, const std::string& k,
                        const Scenario& s, Fault& f) {
  RETURN_IF_ERROR(r.CheckKeys(n, k, {"kind", "volume", "host", "device", "state", "for"}));
  ASSIGN_OR_RETURN(f.volume, r.String(n, "volume", k, false));
  ASSIGN_OR_RETURN(f.host, r.String(n, "host", k, false));
  ASSIGN_OR_RETURN(f.device, r.String(n, "device", k, false));
  if (f.volume.empty() == f.host.empty()) {
    return r.Error(n, k, "give either volume: VOL-ID or host: NAME with device: /dev/sdX");
  }
  if (!f.volume.empty()) {
    if (!f.device.empty()) return r.Error(n["device"], k + ".device", "give it with host:");
    RETURN_IF_ERROR(KnownVolume(r, n, k, f, s));
  } else if (!core::StartsWith(f.device, "/dev/")) {
    return r.Error(n, k + ".device", "give the attachment's device (such as /dev/sdf) with host:");
  }
  ASSIGN_OR_RETURN(f.state, r.String(n, "state", k));
  if (f.state != "attaching" && f.state != "detaching") {
    return r.Error(n["state"], k + ".state", "expected attaching or detaching");
  }
  return core::Status::Ok();
}

}  // namespace

core::Status ParseHostVolumes(const Reader& r, const YAML::Node& n, const std::string& at,
                              std::set<std::string>& volume_ids, HostSpec& h) {
  h.volumes.push_back(VolumeSpec{});  // the root: /dev/xvda, 8 GiB gp3
  YAML::Node list = n["volumes"];
  if (!list) return core::Status::Ok();
  if (!list.IsSequence()) return r.Error(list, at + ".volumes", "expected a list");
  std::set<std::string> devices, mounts;
  for (const auto& v : list) {
    std::string key = at + ".volumes[]";
    ASSIGN_OR_RETURN(VolumeSpec spec, OneVolume(r, v, key));
    if (!devices.insert(spec.device).second) {
      return r.Error(v["device"], key + ".device", "duplicate device " + spec.device);
    }
    if (!spec.mount.empty() && !mounts.insert(spec.mount).second) {
      return r.Error(v["mount"], key + ".mount", "another volume is mounted at " + spec.mount);
    }
    if (!spec.id.empty() && !volume_ids.insert(spec.id).second) {
      return r.Error(v["id"], key + ".id", "duplicate volume id " + spec.id);
    }
    if (spec.device == kRoot) {
      h.volumes.front() = spec;
    } else {
      h.volumes.push_back(spec);
    }
  }
  return core::Status::Ok();
}

core::Status VolumeFault(const Reader& r, const YAML::Node& n, const std::string& k,
                         const Scenario& s, Fault& f) {
  if (k == "faults[volume_stuck]") {
    f.kind = Fault::Kind::kVolumeStuck;
    RETURN_IF_ERROR(StuckFault(r, n, k, s, f));
    ASSIGN_OR_RETURN(f.length, r.Dur(n, "for", k, kForever));
    return core::Status::Ok();
  }
  f.kind = Fault::Kind::kSnapshotSlow;
  RETURN_IF_ERROR(r.CheckKeys(n, k, {"kind", "volume", "for"}));
  ASSIGN_OR_RETURN(f.volume, r.String(n, "volume", k, false));
  if (f.volume == "all") f.volume.clear();
  if (!f.volume.empty()) RETURN_IF_ERROR(KnownVolume(r, n, k, f, s));
  ASSIGN_OR_RETURN(f.length, r.Dur(n, "for", k));
  return core::Status::Ok();
}

}  // namespace rotor::sim
