// restore: the steps. The new volume is found again by its rotor:operation tag (and created
// with the operation's id as EC2's idempotency token), so a resumed run never makes a second.
#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "ops/restore.h"

namespace rotor::ops {
namespace {

using runbook::Check;
using runbook::Reversal;

constexpr auto kCommandTimeout = std::chrono::minutes(30);  // one --stop/--start command

struct RestoreCtx : HostMove {
  RestoreCtx(cloud::Cloud& cloud, core::Clock& clock, remote::Runner& runner, RestorePlan p,
             std::function<core::Status()> keep_lease)
      : HostMove(cloud, clock, runner, p.operation_id, p.host, std::move(keep_lease)),
        plan(std::move(p)) {}

  // The volume this operation created, if it did.
  core::Result<std::optional<cloud::Volume>> Created() {
    cloud::VolumeQuery q;
    q.tag_key = "rotor:operation";
    q.tag_value = operation_id;
    ASSIGN_OR_RETURN(std::vector<cloud::Volume> found, cloud.volumes.DescribeVolumes(q));
    if (found.empty()) return std::optional<cloud::Volume>();
    return std::optional<cloud::Volume>(found.front());
  }
  core::Result<cloud::Volume> RequireCreated() {
    ASSIGN_OR_RETURN(auto v, Created());
    if (!v) return StepFailed("the volume this restore created is not listed by its tags");
    return *v;
  }
  core::Result<remote::SshTarget> Target() {
    ASSIGN_OR_RETURN(cloud::Host h, cloud.instances.DescribeHost(old_id()));
    return remote::SshTarget{old_id(), AddressOf(h, plan.address), false};
  }
  core::Status RunAll(const std::vector<std::string>& commands) {
    ASSIGN_OR_RETURN(remote::SshTarget target, Target());
    for (const std::string& c : commands) {
      ASSIGN_OR_RETURN(remote::CommandResult r, runner.Run(target, c, kCommandTimeout));
      if (r.exit_status != 0) {
        return StepFailed(
            fmt::format("on {}: `{}` exited {}: {}", target.name, c, r.exit_status, Tail(r)));
      }
    }
    return core::Status::Ok();
  }
  // The riders mounted now, deepest first.
  std::vector<std::string> RidersMounted(const std::vector<remote::Disk>& disks) const {
    std::vector<std::string> out;
    for (const Rider& r : plan.riders) {
      std::string device = RiderDevice(disks, r);
      for (const remote::Disk& d : disks) {
        if (d.name == device && d.mountpoint == r.mountpoint) out.push_back(r.mountpoint);
      }
    }
    return out;
  }
  // The riders mounted again where they were, parents first; those mounted are left alone.
  core::Status MountRiders(const remote::SshTarget& target) {
    ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, Disks(target));
    std::vector<std::string> mounted = RidersMounted(disks);
    for (auto r = plan.riders.rbegin(); r != plan.riders.rend(); ++r) {
      if (std::count(mounted.begin(), mounted.end(), r->mountpoint)) continue;
      std::string device = RiderDevice(disks, *r);
      RETURN_IF_ERROR(RunDisk(target, remote::MountCommand(device, r->mountpoint),
                              fmt::format("mounting {} at {}", device, r->mountpoint)));
    }
    return core::Status::Ok();
  }
  // The new volume as a MovedVolume mounted where the old one was.
  MovedVolume NewAsOld(const cloud::Volume& v) const {
    return MovedVolume{v, plan.device, plan.old ? plan.old->mounts : std::vector<VolumeMount>{}};
  }
  // Detaches `id` from the host when it is attached there; waits until it is available.
  core::Status DetachHere(const std::string& id) {
    ASSIGN_OR_RETURN(cloud::Volume v, Volume(id));
    if (!v.attachment) return WaitVolume(id, "");
    if (v.attachment->instance_id != old_id()) {
      return StepFailed(fmt::format("{} is attached to {}, not {}: someone else moved it", id,
                                    v.attachment->instance_id, old_id()));
    }
    if (v.attachment->state == "attaching") RETURN_IF_ERROR(WaitVolume(id, old_id()));
    if (v.attachment->state != "detaching") RETURN_IF_ERROR(cloud.volumes.Detach(id, old_id()));
    return WaitVolume(id, "");
  }
  // Attaches `id` at the plan's device, checking first what EBS would refuse.
  core::Status AttachHere(const std::string& id) {
    ASSIGN_OR_RETURN(cloud::Volume v, Volume(id));
    if (v.attachment && v.attachment->instance_id == old_id()) return WaitVolume(id, old_id());
    if (v.attachment) {
      return StepFailed(fmt::format("{} is attached to {}", id, v.attachment->instance_id));
    }
    if (v.zone != plan.host.instance.zone) {
      return StepFailed(fmt::format("{} is in {} and {} in {}: EBS cannot attach across zones", id,
                                    v.zone, old_id(), plan.host.instance.zone));
    }
    ASSIGN_OR_RETURN(cloud::Host h, cloud.instances.DescribeHost(old_id()));
    for (const cloud::BlockDevice& d : h.devices) {
      if (d.device == plan.device && d.volume_id != id) {
        return StepFailed(fmt::format("{} has {} at {} already", old_id(), d.volume_id, d.device));
      }
    }
    RETURN_IF_ERROR(cloud.volumes.Attach(id, old_id(), plan.device));
    return WaitVolume(id, old_id());
  }

  RestorePlan plan;
  std::function<core::Result<std::string>()> source;  // SwapExtras::source
};

class CreateVolume final : public runbook::Step {
 public:
  explicit CreateVolume(std::shared_ptr<RestoreCtx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("create a {} GiB {} volume from {} in {} (kept on rollback)",
                       c_->plan.volume.size_gib, c_->plan.volume.volume_type,
                       c_->source ? "that snapshot" : c_->plan.snapshot.id, c_->plan.volume.zone);
  }
  bool in_outage() const override { return c_->source != nullptr; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(auto v, c_->Created());
    return v && v->state != "creating" ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    ASSIGN_OR_RETURN(auto v, c_->Created());
    std::string id;
    if (v) {
      id = v->id;
    } else {
      cloud::NewVolume spec = c_->plan.volume;
      if (c_->source) {
        ASSIGN_OR_RETURN(spec.snapshot_id, c_->source());
      }
      ASSIGN_OR_RETURN(id, c_->cloud.volumes.CreateVolume(spec));
    }
    return c_->WaitVolume(id, "");
  }
  // Never deleted: a rolled-back volume is kept, detached (its data may be all someone has);
  // its rotor:operation tag names the operation.
  runbook::Reversal reversal() const override { return Reversal::kNothingToUndo; }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  std::shared_ptr<RestoreCtx> c_;
};

// --stop (outage begins) or --start (outage ends) on the host; the undo runs the other list.
class Services final : public runbook::Step {
 public:
  Services(std::shared_ptr<RestoreCtx> c, bool start) : c_(std::move(c)), start_(start) {}
  std::string Describe() const override {
    return "on the host: " + core::Join(start_ ? c_->plan.start : c_->plan.stop, "; ");
  }
  bool in_outage() const override { return true; }
  core::Result<Check> Look() override { return Check::NotDone(); }  // commands run again
  core::Status Do() override { return c_->RunAll(start_ ? c_->plan.start : c_->plan.stop); }
  core::Status Undo(const std::string&) override {
    return c_->RunAll(start_ ? c_->plan.stop : c_->plan.start);
  }

 private:
  std::shared_ptr<RestoreCtx> c_;
  bool start_;
};

// The old volume's file systems unmounted (undo: mounted again, when it is back).
class UnmountOld final : public runbook::Step {
 public:
  explicit UnmountOld(std::shared_ptr<RestoreCtx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    std::vector<std::string> points;
    for (const VolumeMount& m : c_->plan.old->mounts) points.push_back(m.mountpoint);
    return "unmount " + core::Join(points, ", ") + " and sync";
  }
  bool in_outage() const override { return true; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(auto left, Mounted());
    return left.empty() ? Check::Done() : Check::NotDone();
  }
  // The riders first (they sit inside), then the volume's own, deepest first.
  core::Status Do() override {
    ASSIGN_OR_RETURN(auto left, Mounted());
    if (left.empty()) return core::Status::Ok();
    ASSIGN_OR_RETURN(remote::SshTarget target, c_->Target());
    return c_->RunDisk(target, remote::UnmountCommand(left),
                       "unmounting " + core::Join(left, ", "));
  }
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(cloud::Volume v, c_->Volume(c_->plan.old->volume.id));
    if (!v.attachment || v.attachment->instance_id != c_->old_id()) return core::Status::Ok();
    ASSIGN_OR_RETURN(remote::SshTarget target, c_->Target());
    RETURN_IF_ERROR(MountOn(*c_, target, *c_->plan.old));
    return c_->MountRiders(target);
  }

 private:
  core::Result<std::vector<std::string>> Mounted() {
    ASSIGN_OR_RETURN(remote::SshTarget target, c_->Target());
    ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, c_->Disks(target));
    std::vector<std::string> left = c_->RidersMounted(disks);
    for (std::string& m : StillMounted(disks, *c_->plan.old)) left.push_back(std::move(m));
    return left;
  }

  std::shared_ptr<RestoreCtx> c_;
};

// Detaches the volume being replaced (kept); undo attaches it back at its device.
class DetachOld final : public runbook::Step {
 public:
  explicit DetachOld(std::shared_ptr<RestoreCtx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("detach {} from {} (kept)", id(), c_->plan.device);
  }
  bool in_outage() const override { return true; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::Volume v, c_->Volume(id()));
    return !v.attachment && v.state == "available" ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override { return c_->DetachHere(id()); }
  core::Status Undo(const std::string&) override { return c_->AttachHere(id()); }

 private:
  const std::string& id() const { return c_->plan.old->volume.id; }
  std::shared_ptr<RestoreCtx> c_;
};

// Attaches the new volume at the device; undo detaches it (and tags nothing: CreateVolume's
// undo does).
class AttachNew final : public runbook::Step {
 public:
  explicit AttachNew(std::shared_ptr<RestoreCtx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("attach the new volume to {} at {}", c_->old_id(), c_->plan.device);
  }
  bool in_outage() const override { return c_->plan.replace; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::Volume v, c_->RequireCreated());
    bool there = v.attachment && v.attachment->instance_id == c_->old_id() &&
                 v.attachment->state == "attached";
    return there ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::Volume v, c_->RequireCreated());
    return c_->AttachHere(v.id);
  }
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(auto v, c_->Created());
    if (!v) return core::Status::Ok();
    return c_->DetachHere(v->id);
  }

 private:
  std::shared_ptr<RestoreCtx> c_;
};

// Mounts the new volume where the old one was (the same partitions: it is its snapshot); undo
// unmounts it.
class MountNew final : public runbook::Step {
 public:
  explicit MountNew(std::shared_ptr<RestoreCtx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    std::vector<std::string> points;
    for (const VolumeMount& m : c_->plan.old->mounts) points.push_back(m.mountpoint);
    return "mount the new volume at " + core::Join(points, ", ");
  }
  bool in_outage() const override { return true; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::Volume v, c_->RequireCreated());
    ASSIGN_OR_RETURN(remote::SshTarget target, c_->Target());
    ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, c_->Disks(target));
    MovedVolume m = c_->NewAsOld(v);
    bool all = StillMounted(disks, m).size() == m.mounts.size() &&
               c_->RidersMounted(disks).size() == c_->plan.riders.size();
    return all ? Check::Done() : Check::NotDone();
  }
  // The NVMe device may show a moment after EBS says attached: looked for a while.
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::Volume v, c_->RequireCreated());
    ASSIGN_OR_RETURN(remote::SshTarget target, c_->Target());
    MovedVolume m = c_->NewAsOld(v);
    core::Time until = c_->clock.Now() + kDeviceTimeout;
    Backoff wait;
    while (c_->clock.Now() < until) {
      ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, c_->Disks(target));
      if (!DisksOf(disks, m).empty()) break;
      RETURN_IF_ERROR(c_->Pause(wait));
    }
    RETURN_IF_ERROR(MountOn(*c_, target, m));
    return c_->MountRiders(target);
  }
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(auto v, c_->Created());
    if (!v) return core::Status::Ok();
    ASSIGN_OR_RETURN(remote::SshTarget target, c_->Target());
    ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, c_->Disks(target));
    std::vector<std::string> left = c_->RidersMounted(disks);
    for (std::string& m : StillMounted(disks, c_->NewAsOld(*v))) left.push_back(std::move(m));
    if (left.empty()) return core::Status::Ok();
    return c_->RunDisk(target, remote::UnmountCommand(left),
                       "unmounting " + core::Join(left, ", "));
  }

 private:
  std::shared_ptr<RestoreCtx> c_;
};

}  // namespace

std::vector<std::unique_ptr<runbook::Step>> RestoreSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                         remote::Runner& runner,
                                                         const RestorePlan& plan,
                                                         std::function<core::Status()> keep_lease) {
  if (plan.replace) return SwapSteps(cloud, clock, runner, plan, std::move(keep_lease), {});
  auto c = std::make_shared<RestoreCtx>(cloud, clock, runner, plan, std::move(keep_lease));
  std::vector<std::unique_ptr<runbook::Step>> s;
  s.push_back(std::make_unique<CreateVolume>(c));
  s.push_back(std::make_unique<AttachNew>(c));
  return s;
}

std::vector<std::unique_ptr<runbook::Step>> SwapSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                      remote::Runner& runner,
                                                      const RestorePlan& plan,
                                                      std::function<core::Status()> keep_lease,
                                                      SwapExtras extras) {
  auto c = std::make_shared<RestoreCtx>(cloud, clock, runner, plan, std::move(keep_lease));
  c->source = std::move(extras.source);
  std::vector<std::unique_ptr<runbook::Step>> s;
  auto add = [&s](std::vector<std::unique_ptr<runbook::Step>>& more) {
    for (auto& step : more) s.push_back(std::move(step));
  };
  if (!c->source) s.push_back(std::make_unique<CreateVolume>(c));
  bool mounted = plan.old && !plan.old->mounts.empty();
  if (!plan.stop.empty()) s.push_back(std::make_unique<Services>(c, false));
  if (mounted) s.push_back(std::make_unique<UnmountOld>(c));
  add(extras.before_create);
  if (c->source) s.push_back(std::make_unique<CreateVolume>(c));
  s.push_back(std::make_unique<DetachOld>(c));
  s.push_back(std::make_unique<AttachNew>(c));
  add(extras.before_mount);
  if (mounted) s.push_back(std::make_unique<MountNew>(c));
  add(extras.after_mount);
  if (!plan.start.empty()) s.push_back(std::make_unique<Services>(c, true));
  return s;
}

}  // namespace rotor::ops
