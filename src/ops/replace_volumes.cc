// replace-instance: the data volumes' steps — unmount on the old host, snapshot, move each
// volume, mount it on the new host — and the renaming. Each looks afresh (EBS for volumes and
// snapshots, lsblk over ssh for mounts). rotor checks what AWS would refuse itself (a zone, a
// device in use), because not every provider refuses it.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "ops/replace_ctx.h"

namespace rotor::ops {
namespace {

using runbook::Check;

class UnmountOld : public runbook::Step {
 public:
  explicit UnmountOld(std::shared_ptr<ReplaceCtx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    std::vector<std::string> points;
    for (const MovedVolume& m : c_->plan.volumes) {
      for (const VolumeMount& x : m.mounts) points.push_back(x.mountpoint);
    }
    return fmt::format("unmount {} on {} and sync", core::Join(points, ", "), c_->old_id());
  }
  bool in_outage() const override { return true; }
  // Done when none of the volumes' file systems is mounted on the old host (or the volumes
  // have left it).
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(auto left, Mounted());
    return left.empty() ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    ASSIGN_OR_RETURN(auto left, Mounted());
    if (left.empty()) return core::Status::Ok();
    ASSIGN_OR_RETURN(remote::SshTarget target, c_->OldTarget());
    return c_->RunDisk(target, remote::UnmountCommand(left),
                       "unmounting " + core::Join(left, ", "));
  }
  // Mounted again where they were, for the volumes back on the old host.
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(cloud::Host old, c_->cloud.instances.DescribeHost(c_->old_id()));
    if (old.instance.ec2_state != "running") return core::Status::Ok();
    ASSIGN_OR_RETURN(remote::SshTarget target, c_->OldTarget());
    for (const MovedVolume& m : c_->plan.volumes) {
      ASSIGN_OR_RETURN(cloud::Volume v, c_->Volume(m.volume.id));
      if (m.mounts.empty() || !v.attachment || v.attachment->instance_id != c_->old_id()) continue;
      RETURN_IF_ERROR(MountOn(*c_, target, m));
    }
    return core::Status::Ok();
  }

 private:
  core::Result<std::vector<std::string>> Mounted() {
    ASSIGN_OR_RETURN(remote::SshTarget target, c_->OldTarget());
    ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, c_->Disks(target));
    std::vector<std::string> left;
    for (const MovedVolume& m : c_->plan.volumes) {
      std::vector<std::string> still = StillMounted(disks, m);
      left.insert(left.end(), still.begin(), still.end());
    }
    std::sort(left.begin(), left.end(), [](const std::string& a, const std::string& b) {
      return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    return left;
  }

  std::shared_ptr<ReplaceCtx> c_;
};

class Snapshots : public runbook::Step {
 public:
  explicit Snapshots(std::shared_ptr<ReplaceCtx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    std::vector<std::string> ids;
    for (const MovedVolume& m : c_->plan.volumes) ids.push_back(m.volume.id);
    return "snapshot " + core::Join(ids, ", ") + " (kept)";
  }
  runbook::Reversal reversal() const override { return runbook::Reversal::kNothingToUndo; }
  bool in_outage() const override { return true; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(auto missing, Missing());
    return missing.empty() ? Check::Done() : Check::NotDone();
  }
  // Started, not waited for: the data is the volume's at the call, and EBS completes it while
  // the volume moves.
  core::Status Do() override {
    ASSIGN_OR_RETURN(auto missing, Missing());
    for (const MovedVolume* m : missing) {
      std::map<std::string, std::string> tags = {{"rotor:operation", c_->operation_id},
                                                 {"rotor:volume", m->volume.id}};
      if (!c_->old.name.empty()) {
        tags["Name"] = fmt::format("{} {} before replace-instance", c_->old.name, m->device);
      }
      RETURN_IF_ERROR(c_->cloud.volumes
                          .CreateSnapshot(m->volume.id,
                                          fmt::format("rotor {}: {} of {} at {}", c_->operation_id,
                                                      m->volume.id, c_->old_id(), m->device),
                                          tags)
                          .status());
    }
    return core::Status::Ok();
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }  // kept

 private:
  core::Result<std::vector<const MovedVolume*>> Missing() {
    cloud::SnapshotQuery q;
    q.tag_key = "rotor:operation";
    q.tag_value = c_->operation_id;
    ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> taken, c_->cloud.volumes.DescribeSnapshots(q));
    std::set<std::string> done;
    for (const cloud::Snapshot& s : taken) done.insert(s.volume_id);
    std::vector<const MovedVolume*> missing;
    for (const MovedVolume& m : c_->plan.volumes) {
      if (!done.count(m.volume.id)) missing.push_back(&m);
    }
    return missing;
  }

  std::shared_ptr<ReplaceCtx> c_;
};

class MoveVolume : public runbook::Step {
 public:
  MoveVolume(std::shared_ptr<ReplaceCtx> c, size_t k) : c_(std::move(c)), k_(k) {}
  std::string Describe() const override {
    return fmt::format("move {} from {} to the new host at {}", m().volume.id, c_->old_id(),
                       m().device);
  }
  bool in_outage() const override { return true; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::Volume v, c_->Volume(m().volume.id));
    ASSIGN_OR_RETURN(cloud::Host fresh, c_->RequireNew());
    bool there = v.attachment && v.attachment->instance_id == fresh.instance.id &&
                 v.attachment->state == "attached";
    return there ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::Host fresh, c_->RequireNew());
    return Move(c_->old_id(), fresh);
  }
  // Back to the old host at its device (the new one keeps nothing of it).
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(cloud::Host old, c_->cloud.instances.DescribeHost(c_->old_id()));
    ASSIGN_OR_RETURN(auto fresh, c_->NewHost());
    return Move(fresh ? fresh->instance.id : "", old);
  }

 private:
  const MovedVolume& m() const { return c_->plan.volumes[k_]; }

  // Detaches the volume from `from` (when attached there), then attaches it to `to`.
  core::Status Move(const std::string& from, const cloud::Host& to) {
    const std::string& id = m().volume.id;
    ASSIGN_OR_RETURN(cloud::Volume v, c_->Volume(id));
    if (v.attachment && v.attachment->instance_id == to.instance.id) {
      return c_->WaitVolume(id, to.instance.id);
    }
    if (v.attachment && v.attachment->instance_id != from) {
      return StepFailed(fmt::format("{} is attached to {}, not {}: someone else moved it", id,
                                    v.attachment->instance_id, from));
    }
    RETURN_IF_ERROR(CanAttach(v, to));  // before it leaves where it is
    if (v.attachment && v.attachment->state == "attaching") {
      RETURN_IF_ERROR(c_->WaitVolume(id, from));  // an attach settles before it can be undone
    }
    if (v.attachment && v.attachment->state != "detaching") {
      RETURN_IF_ERROR(c_->cloud.volumes.Detach(id, from));
    }
    RETURN_IF_ERROR(c_->WaitVolume(id, ""));
    RETURN_IF_ERROR(CanAttach(v, to));
    RETURN_IF_ERROR(c_->cloud.volumes.Attach(id, to.instance.id, m().device));
    return c_->WaitVolume(id, to.instance.id);
  }

  // What AWS would refuse, refused here first: another zone, a device already in use.
  core::Status CanAttach(const cloud::Volume& v, const cloud::Host& to) {
    if (v.zone != to.instance.zone) {
      return StepFailed(fmt::format("{} is in {} and {} in {}: EBS cannot attach across zones",
                                    v.id, v.zone, to.instance.id, to.instance.zone));
    }
    for (const cloud::BlockDevice& d : to.devices) {
      if (d.device == m().device && d.volume_id != v.id) {
        return StepFailed(
            fmt::format("{} already has {} at {}", to.instance.id, d.volume_id, d.device));
      }
    }
    return core::Status::Ok();
  }

  std::shared_ptr<ReplaceCtx> c_;
  size_t k_;
};

class MountNew : public runbook::Step {
 public:
  MountNew(std::shared_ptr<ReplaceCtx> c, size_t k) : c_(std::move(c)), k_(k) {}
  std::string Describe() const override {
    std::vector<std::string> points;
    for (const VolumeMount& x : m().mounts) points.push_back(x.mountpoint);
    return fmt::format("mount {} on the new host at {}", m().volume.id, core::Join(points, ", "));
  }
  bool in_outage() const override { return true; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::Host fresh, c_->RequireNew());
    ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, c_->Disks(c_->NewTarget(fresh)));
    return StillMounted(disks, m()).size() == m().mounts.size() ? Check::Done() : Check::NotDone();
  }
  // The NVMe device may show a moment after EBS says attached: looked for a while.
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::Host fresh, c_->RequireNew());
    remote::SshTarget target = c_->NewTarget(fresh);
    core::Time until = c_->clock.Now() + kDeviceTimeout;
    Backoff wait;
    while (c_->clock.Now() < until) {
      ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, c_->Disks(target));
      if (!DisksOf(disks, m()).empty()) break;
      RETURN_IF_ERROR(c_->Pause(wait));
    }
    return MountOn(*c_, target, m());
  }
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(auto fresh, c_->NewHost());
    if (!fresh || fresh->instance.ec2_state != "running") return core::Status::Ok();
    remote::SshTarget target = c_->NewTarget(*fresh);
    ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, c_->Disks(target));
    std::vector<std::string> left = StillMounted(disks, m());
    if (left.empty()) return core::Status::Ok();
    return c_->RunDisk(target, remote::UnmountCommand(left),
                       "unmounting " + core::Join(left, ", "));
  }

 private:
  const MovedVolume& m() const { return c_->plan.volumes[k_]; }

  std::shared_ptr<ReplaceCtx> c_;
  size_t k_;
};

// The old host NAME-old, the new one NAME: the Name finds the host that serves.
class Rename : public runbook::Step {
 public:
  explicit Rename(std::shared_ptr<ReplaceCtx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("rename {} {}-old and the new host {}", c_->old_id(), name(), name());
  }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::Host old, c_->cloud.instances.DescribeHost(c_->old_id()));
    ASSIGN_OR_RETURN(cloud::Host fresh, c_->RequireNew());
    return old.name == name() + "-old" && fresh.name == name() ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override { return Set(name() + "-old", name()); }
  core::Status Undo(const std::string&) override { return Set(name(), name() + "-new"); }

 private:
  const std::string& name() const { return c_->old.name; }
  // The old one first: a Name is never on both at once.
  core::Status Set(const std::string& old_name, const std::string& new_name) {
    RETURN_IF_ERROR(c_->cloud.instances.Tag(c_->old_id(), {{"Name", old_name}}, {}));
    ASSIGN_OR_RETURN(auto fresh, c_->NewHost());
    if (!fresh) return core::Status::Ok();
    return c_->cloud.instances.Tag(fresh->instance.id, {{"Name", new_name}}, {});
  }

  std::shared_ptr<ReplaceCtx> c_;
};

}  // namespace

std::unique_ptr<runbook::Step> UnmountOldStep(std::shared_ptr<ReplaceCtx> c) {
  return std::make_unique<UnmountOld>(std::move(c));
}
std::unique_ptr<runbook::Step> SnapshotStep(std::shared_ptr<ReplaceCtx> c) {
  return std::make_unique<Snapshots>(std::move(c));
}
std::unique_ptr<runbook::Step> MoveVolumeStep(std::shared_ptr<ReplaceCtx> c, size_t k) {
  return std::make_unique<MoveVolume>(std::move(c), k);
}
std::unique_ptr<runbook::Step> MountNewStep(std::shared_ptr<ReplaceCtx> c, size_t k) {
  return std::make_unique<MountNew>(std::move(c), k);
}
std::unique_ptr<runbook::Step> RenameStep(std::shared_ptr<ReplaceCtx> c) {
  return std::make_unique<Rename>(std::move(c));
}

}  // namespace rotor::ops
