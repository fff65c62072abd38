// EBS volumes and snapshots in the world: a host's volumes from the scenario (and a member's or
// launched host's root), attachments that settle after a while, what termination does to them,
// mounts as the instance's OS keeps them, and snapshots. Nothing here draws from world_rng_, so
// scenarios that use no volume verb keep their traces; a volume deleted with its instance is
// not traced (the instance's "terminated" says it).
#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "sim/world.h"

namespace rotor::sim {
namespace {

std::string Seconds(core::Duration d) {
  return fmt::format("{}s", std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

}  // namespace

int World::AddVolume(int inst, const VolumeSpec& spec, bool root) {
  Inst& in = *insts_[inst];
  auto v = std::make_unique<Vol>();
  v->id = spec.id.empty() ? fmt::format("vol-{:017x}", ++volumes_) : spec.id;
  v->zone = in.zone;
  v->size_gib = spec.size_gib;
  v->type = spec.type;
  v->encrypted = spec.encrypted;
  v->tags = spec.tags;
  v->root = root;
  v->inst = inst;
  v->device = spec.device;
  v->attach_state = "attached";
  v->delete_on_termination = root;
  v->nvme = NextNvme(in);
  v->fstype = !spec.fs.empty() ? spec.fs : root ? "xfs" : "ext4";
  v->fs_gib = spec.size_gib;
  v->mounted = spec.mount;  // in its fstab, and the host has been up for long
  if (!spec.mount.empty()) in.fstab[v->id] = spec.mount;
  for (int day = spec.backups; day >= 1; --day) {  // oldest first, as EC2 lists them
    core::Time at = clock_.Now() - std::chrono::hours(24 * day);
    std::map<std::string, std::string> tags = {
        {"rotor:backup-of", in.id},
        {"rotor:created", core::FormatIso8601(at)},
        {"rotor:operation", fmt::format("r-earlier-{}", day)}};
    tags.insert(v->tags.begin(), v->tags.end());  // the volume's own, as a backup copies them
    snaps_.push_back(Snap{fmt::format("snap-{:017x}", ++snapshots_), v->id,
                          "rotor backup (earlier)", tags, at, at + timing_.snapshot, v->size_gib,
                          v->encrypted, v->fstype, v->fs_gib});
  }
  int index = static_cast<int>(vols_.size());
  vol_by_id_[v->id] = index;
  vols_.push_back(std::move(v));
  in.volumes.push_back(index);
  return index;
}

// The lowest NVMe index none of the instance's attached volumes holds (the root has 0).
int World::NextNvme(const Inst& in) const {
  for (int n = 0;; ++n) {
    bool used = std::any_of(in.volumes.begin(), in.volumes.end(),
                            [&](int v) { return vols_[v]->nvme == n; });
    if (!used) return n;
  }
}

int World::VolumeIndex(const std::string& id) const {
  auto it = vol_by_id_.find(id);
  return it == vol_by_id_.end() ? -1 : it->second;
}

cloud::Volume World::DescribeVolume(int vol, core::Time t) const {
  const Vol& v = *vols_[vol];
  cloud::Volume out;
  out.id = v.id;
  out.zone = v.zone;
  out.size_gib = v.size_gib;
  out.volume_type = v.type;
  out.encrypted = v.encrypted;
  out.state = v.inst >= 0 ? "in-use" : t < v.available_at ? "creating" : "available";
  out.iops = v.iops;
  out.snapshot_id = v.snapshot_id;
  if (v.inst >= 0) {
    out.attachment = cloud::VolumeAttachment{insts_[v.inst]->id, v.device, v.attach_state,
                                             v.delete_on_termination};
  }
  out.tags = v.tags;
  return out;
}

// Progress in proportion to the time taken: 30 s into a 60 s snapshot is 50 %; 100 % only once
// completed.
cloud::Snapshot World::DescribeSnapshot(const Snap& s, core::Time t) const {
  cloud::Snapshot out{s.id,      s.volume_id,   "pending", 0,
                      s.started, s.description, s.tags,    s.size_gib};
  if (t >= s.completes) {
    out.state = "completed";
    out.progress_percent = 100;
  } else if (s.completes != kNever) {
    double done = std::chrono::duration<double>(t - s.started) / (s.completes - s.started);
    out.progress_percent = std::min(99, static_cast<int>(done * 100));
  }
  return out;
}

core::Duration World::Transition(const Vol& v, int inst, const std::string& state,
                                 core::Duration usual) const {
  for (const Fault& f : faults_) {
    if (f.kind != Fault::Kind::kVolumeStuck || f.state != state) continue;
    bool hit =
        f.volume.empty() ? HostMatches(f.host, inst) && f.device == v.device : f.volume == v.id;
    if (hit) return std::max(usual, f.length);
  }
  return usual;
}

void World::BeginAttach(int vol, int inst, const std::string& device) {
  Vol& v = *vols_[vol];
  v.inst = inst;
  v.device = device;
  v.attach_state = "attaching";
  v.delete_on_termination = false;
  insts_[inst]->volumes.push_back(vol);
  int epoch = ++v.epoch;
  core::Duration takes = Transition(v, inst, "attaching", timing_.attach);
  Trace("attach", fmt::format("{} to {} at {}", v.id, insts_[inst]->id, device));
  if (takes == kForever) return;
  queue_.At(clock_.Now() + takes, [this, vol, epoch] {
    Vol& a = *vols_[vol];
    if (a.epoch != epoch) return;
    a.attach_state = "attached";
    a.nvme = NextNvme(*insts_[a.inst]);
    Trace("attached", fmt::format("{} to {} at {}", a.id, insts_[a.inst]->id, a.device));
  });
}

void World::BeginDetach(int vol) {
  Vol& v = *vols_[vol];
  const Inst& in = *insts_[v.inst];
  v.attach_state = "detaching";
  int epoch = ++v.epoch;
  core::Duration takes = Transition(v, v.inst, "detaching", timing_.detach);
  Trace("detach", fmt::format("{} from {}", v.id, in.id));
  if (!v.mounted.empty() && in.state == Ec2State::kRunning) {
    AddViolation(fmt::format("{} detached from {} while mounted at {}: data at risk", v.id, in.id,
                             v.mounted));
  }
  if (takes == kForever) return;
  queue_.At(clock_.Now() + takes, [this, vol, epoch] {
    if (vols_[vol]->epoch == epoch) FinishDetach(vol);
  });
}

void World::FinishDetach(int vol) {
  Vol& v = *vols_[vol];
  std::vector<int>& attached = insts_[v.inst]->volumes;
  attached.erase(std::remove(attached.begin(), attached.end(), vol), attached.end());
  Trace("detached", fmt::format("{} from {}", v.id, insts_[v.inst]->id));
  v.inst = v.nvme = -1;
  v.device.clear();
  v.attach_state.clear();
  v.mounted.clear();
  v.delete_on_termination = false;
  ++v.epoch;
}

// EC2 deletes the volumes marked delete-on-termination and detaches the others.
void World::ReleaseVolumes(int inst) {
  Inst& in = *insts_[inst];
  std::vector<int> attached = in.volumes;
  for (int vol : attached) {
    Vol& v = *vols_[vol];
    if (!v.delete_on_termination) {
      FinishDetach(vol);
      continue;
    }
    v.deleted = true;
    v.mounted.clear();
    ++v.epoch;
    vol_by_id_.erase(v.id);
  }
  in.volumes.clear();
}

std::string World::StartSnapshot(int vol, const std::string& description,
                                 const std::map<std::string, std::string>& tags) {
  const Vol& v = *vols_[vol];
  std::string id = AddSnapshot(v.id, v.size_gib, v.encrypted, description, tags, "snapshot", v.id);
  snaps_.back().fstype = v.fstype;
  snaps_.back().fs_gib = v.fs_gib;
  return id;
}

std::string World::StartCopy(const Snap& source, const std::string& description,
                             const std::map<std::string, std::string>& tags) {
  std::string fstype = source.fstype;  // `source` may move as the list grows
  int fs_gib = source.fs_gib;
  std::string id = AddSnapshot(source.volume_id, source.size_gib, source.encrypted, description,
                               tags, "copy_snapshot", source.id);
  snaps_.back().fstype = fstype;
  snaps_.back().fs_gib = fs_gib;
  return id;
}

// A snapshot of `volume_id` pending now, completed after `timing.snapshot` plus every
// snapshot_slow fault on that volume (never, under one for ever).
std::string World::AddSnapshot(const std::string& volume_id, int size_gib, bool encrypted,
                               const std::string& description,
                               const std::map<std::string, std::string>& tags,
                               const std::string& event, const std::string& of) {
  core::Duration takes = timing_.snapshot;
  bool forever = false;
  for (const Fault& f : faults_) {
    if (f.kind != Fault::Kind::kSnapshotSlow || (!f.volume.empty() && f.volume != volume_id)) {
      continue;
    }
    forever |= f.length == kForever;
    if (!forever) takes += f.length;
  }
  Snap s{fmt::format("snap-{:017x}", ++snapshots_), volume_id, description, tags, clock_.Now(),
         forever ? kNever : clock_.Now() + takes,   size_gib,  encrypted,   "",   0};
  Trace(event,
        fmt::format("{} of {} ({} to complete)", s.id, of, forever ? "never" : Seconds(takes)));
  if (!forever) {
    queue_.At(s.completes,
              [this, id = s.id, of] { Trace("snapshot_completed", id + " of " + of); });
  }
  snaps_.push_back(std::move(s));
  return snaps_.back().id;
}

std::string World::CreateVolume(const cloud::NewVolume& spec, int size_gib, bool encrypted) {
  auto v = std::make_unique<Vol>();
  v->id = fmt::format("vol-{:017x}", ++volumes_);
  v->zone = spec.zone;
  v->size_gib = size_gib;
  v->type = spec.volume_type.empty() ? "gp3" : spec.volume_type;
  v->encrypted = encrypted;
  v->tags = spec.tags;
  v->snapshot_id = spec.snapshot_id;
  v->iops = spec.iops;
  for (const Snap& s : snaps_) {
    if (s.id != spec.snapshot_id) continue;
    v->fstype = s.fstype;
    v->fs_gib = s.fs_gib;
  }
  v->available_at = clock_.Now() + timing_.create_volume;
  Trace("create_volume", fmt::format("{} {} GiB {} in {}{}", v->id, size_gib, v->type, spec.zone,
                                     spec.snapshot_id.empty() ? "" : " from " + spec.snapshot_id));
  int index = static_cast<int>(vols_.size());
  vol_by_id_[v->id] = index;
  if (!spec.client_token.empty()) volume_tokens_[spec.client_token] = v->id;
  vols_.push_back(std::move(v));
  return vols_.back()->id;
}

void World::BeginChange(int vol, const cloud::VolumeChange& change) {
  Vol& v = *vols_[vol];
  Vol::Change c;
  c.started = clock_.Now();
  c.optimizing_at = c.started + timing_.modify_volume;
  c.completes = c.optimizing_at + timing_.optimize_volume;
  c.size_gib = change.size_gib > 0 ? change.size_gib : v.size_gib;
  c.type = change.volume_type.empty() ? v.type : change.volume_type;
  c.iops = change.iops > 0 ? change.iops : v.iops;
  v.change = c;
  Trace("modify_volume", fmt::format("{} to {} GiB {}", v.id, c.size_gib, c.type));
  queue_.At(c.optimizing_at, [this, vol, started = c.started] {
    Vol& w = *vols_[vol];
    if (!w.change || w.change->started != started) return;
    w.size_gib = w.change->size_gib;
    w.type = w.change->type;
    w.iops = w.change->iops;
    Trace("volume_optimizing", w.id);
  });
}

cloud::VolumeModification World::DescribeChange(const Vol& v, core::Time t) const {
  const Vol::Change& c = *v.change;
  cloud::VolumeModification m;
  m.volume_id = v.id;
  m.state = t < c.optimizing_at ? "modifying" : t < c.completes ? "optimizing" : "completed";
  double done = std::chrono::duration<double>(t - c.started) / (c.completes - c.started);
  m.progress_percent = t >= c.completes ? 100 : std::min(99, static_cast<int>(done * 100));
  m.target_size_gib = c.size_gib;
  m.target_type = c.type;
  m.target_iops = c.iops;
  m.started = c.started;
  return m;
}

void World::UnmountAll(int inst) {
  for (int vol : insts_[inst]->volumes) {
    Vol& v = *vols_[vol];
    if (v.mounted.empty()) continue;
    Trace("unmount", fmt::format("{} at {} on {} (shutdown)", v.id, v.mounted, insts_[inst]->id));
    v.mounted.clear();
  }
}

void World::MountFstab(int inst) {
  const Inst& in = *insts_[inst];
  for (const auto& [id, mountpoint] : in.fstab) {
    int vol = VolumeIndex(id);
    if (vol < 0) continue;
    Vol& v = *vols_[vol];
    if (v.inst != inst || v.attach_state != "attached" || !v.mounted.empty()) continue;
    v.mounted = mountpoint;
    Trace("mount", fmt::format("{} at {} on {} (fstab)", v.id, mountpoint, in.id));
  }
}

void World::AddViolation(std::string what) {
  Trace("violation", what);
  violations_.push_back(std::move(what));
}

}  // namespace rotor::sim
