// relocate: the steps. What the operation made (its snapshots, the new volume) is found again by
// its tags, so a resumed run never makes a second; the file-system commands are idempotent, so
// a resumed grow simply runs them again.
#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "ops/relocate.h"

namespace rotor::ops {
namespace {

using runbook::Check;
using runbook::Reversal;

constexpr char kPhaseTag[] = "rotor:relocate-snapshot";  // ahead | final
constexpr auto kChangeTimeout = std::chrono::hours(1);   // a change to reach optimizing
constexpr auto kSizeTimeout = std::chrono::minutes(5);   // the host to see the new size
constexpr auto kGrowTimeout = std::chrono::minutes(30);  // one grow command (e2fsck: long)
// growpart leaves the GPT's backup header at the disk's end: a partition that fills the disk
// ends within this of it.
constexpr std::int64_t kPartitionSlack = 16LL << 20;

struct RelocateCtx : HostMove {
  RelocateCtx(cloud::Cloud& cloud, core::Clock& clock, remote::Runner& runner, RelocatePlan p,
              std::function<core::Status()> keep_lease)
      : HostMove(cloud, clock, runner, p.operation_id, p.host, std::move(keep_lease)),
        plan(std::move(p)) {}

  remote::SshTarget Target() const {
    return remote::SshTarget{old_id(), AddressOf(plan.host, plan.address), false};
  }
  // The snapshot of `phase` this operation took, if it did.
  core::Result<std::optional<cloud::Snapshot>> Snap(const std::string& phase) {
    cloud::SnapshotQuery q;
    q.tag_key = "rotor:operation";
    q.tag_value = operation_id;
    ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> found, cloud.volumes.DescribeSnapshots(q));
    for (const cloud::Snapshot& s : found) {
      auto it = s.tags.find(kPhaseTag);
      if (it != s.tags.end() && it->second == phase) return std::optional<cloud::Snapshot>(s);
    }
    return std::optional<cloud::Snapshot>();
  }
  // The volume that holds the data at the end: in place the planned one; by a swap the one this
  // operation created.
  core::Result<std::string> Holder() {
    if (!plan.swap) return plan.volume.id;
    cloud::VolumeQuery q;
    q.tag_key = "rotor:operation";
    q.tag_value = operation_id;
    ASSIGN_OR_RETURN(std::vector<cloud::Volume> found, cloud.volumes.DescribeVolumes(q));
    if (found.empty()) return StepFailed("the volume this relocate created is not listed");
    return found.front().id;
  }
  core::Result<remote::CommandResult> Run(const std::string& command) {
    return runner.Run(Target(), command, kGrowTimeout);
  }

  RelocatePlan plan;
};

// Changes the volume in place and waits until EBS is optimizing it (its new size usable).
class ModifyStep final : public runbook::Step {
 public:
  explicit ModifyStep(std::shared_ptr<RelocateCtx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    const cloud::Volume& v = c_->plan.volume;
    const cloud::VolumeChange& t = c_->plan.target;
    return fmt::format(
        "change {} in place from {} GiB {} to {} GiB {}{}, online (cannot be undone: EBS never "
        "shrinks a volume)",
        v.id, v.size_gib, v.volume_type, t.size_gib, t.volume_type,
        t.iops ? fmt::format(" ({} IOPS)", t.iops) : "");
  }
  Reversal reversal() const override { return Reversal::kIrreversible; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(auto m, Latest());
    bool usable = m && Aimed(*m) && (m->state == "optimizing" || m->state == "completed");
    return usable ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    ASSIGN_OR_RETURN(auto m, Latest());
    if (!m || !Aimed(*m) || m->state == "failed") {
      RETURN_IF_ERROR(c_->cloud.volumes.ModifyVolume(c_->plan.volume.id, Change()));
    }
    core::Time began = c_->clock.Now();
    Backoff early;
    while (true) {
      ASSIGN_OR_RETURN(m, Latest());
      if (m && Aimed(*m) && (m->state == "optimizing" || m->state == "completed")) {
        return core::Status::Ok();
      }
      if (m && m->state == "failed") {
        return StepFailed(fmt::format("EBS failed to change {}: {}", c_->plan.volume.id,
                                      m->message.empty() ? "no reason given" : m->message));
      }
      if (c_->clock.Now() - began >= kChangeTimeout) {
        return StepFailed(fmt::format(
            "{} is still {} after 1h: EBS goes on; `rotor rollout resume {}` waits again",
            c_->plan.volume.id, m ? m->state : "unchanged", c_->operation_id));
      }
      // EBS usually starts optimizing within seconds: looked at as a port is for the first
      // minute (16 looks), then as a snapshot is (at most one in 15 s).
      core::Duration waited = c_->clock.Now() - began;
      RETURN_IF_ERROR(
          c_->SleepFor(waited < std::chrono::minutes(1) ? early.Next() : SnapshotPoll(waited)));
    }
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  core::Result<std::optional<cloud::VolumeModification>> Latest() {
    ASSIGN_OR_RETURN(std::vector<cloud::VolumeModification> mods,
                     c_->cloud.volumes.DescribeModifications({c_->plan.volume.id}));
    if (mods.empty()) return std::optional<cloud::VolumeModification>();
    return std::optional<cloud::VolumeModification>(mods.back());
  }
  bool Aimed(const cloud::VolumeModification& m) const {
    const cloud::VolumeChange& t = c_->plan.target;
    return m.target_size_gib == t.size_gib && m.target_type == t.volume_type &&
           (t.iops == 0 || m.target_iops == t.iops);
  }
  // Only what changes: EBS refuses IOPS for a type without them, and a size it has already.
  cloud::VolumeChange Change() const {
    const cloud::Volume& v = c_->plan.volume;
    const cloud::VolumeChange& t = c_->plan.target;
    return {t.size_gib != v.size_gib ? t.size_gib : 0,
            t.volume_type != v.volume_type ? t.volume_type : "", t.iops != v.iops ? t.iops : 0};
  }

  std::shared_ptr<RelocateCtx> c_;
};

// A snapshot of the volume, tagged with the operation, waited for until completed.
class SnapshotStep final : public runbook::Step {
 public:
  SnapshotStep(std::shared_ptr<RelocateCtx> c, bool final) : c_(std::move(c)), final_(final) {}
  std::string Describe() const override {
    if (!final_) {
      return fmt::format(
          "snapshot {} ahead, in use (so the one in the outage copies only what "
          "changed since)",
          c_->plan.volume.id);
    }
    return fmt::format("snapshot {}, its file systems unmounted, and wait until it completed",
                       c_->plan.volume.id);
  }
  bool in_outage() const override { return final_; }
  // Kept: a snapshot is data (tagged rotor:operation, for the operator to delete).
  Reversal reversal() const override { return Reversal::kNothingToUndo; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(auto s, c_->Snap(Phase()));
    return s && s->state == "completed" ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    ASSIGN_OR_RETURN(auto s, c_->Snap(Phase()));
    std::string id;
    if (s) {
      id = s->id;
    } else {
      std::map<std::string, std::string> tags = {{"rotor:operation", c_->operation_id},
                                                 {kPhaseTag, Phase()}};
      ASSIGN_OR_RETURN(id,
                       c_->cloud.volumes.CreateSnapshot(
                           c_->plan.volume.id,
                           fmt::format("rotor relocate {} ({})", c_->operation_id, Phase()), tags));
    }
    core::Time began = c_->clock.Now();
    while (true) {
      ASSIGN_OR_RETURN(s, c_->Snap(Phase()));
      if (s && s->state == "completed") return core::Status::Ok();
      if (s && s->state == "error") {
        return StepFailed(fmt::format("snapshot {} of {} failed", id, c_->plan.volume.id));
      }
      RETURN_IF_ERROR(c_->SleepFor(SnapshotPoll(c_->clock.Now() - began)));
    }
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  std::string Phase() const { return final_ ? "final" : "ahead"; }

  std::shared_ptr<RelocateCtx> c_;
  bool final_;
};

// Grows the partition and the file system on the volume holding the data to fill it, once the
// host sees its new size; checks the partition grew. Idempotent: run again it changes nothing.
class GrowStep final : public runbook::Step {
 public:
  explicit GrowStep(std::shared_ptr<RelocateCtx> c) : c_(std::move(c)) {}
  std::string Describe() const override { return DescribeGrow(c_->plan.grow); }
  bool in_outage() const override { return c_->plan.swap; }
  Reversal reversal() const override { return Reversal::kNothingToUndo; }
  core::Result<Check> Look() override { return Check::NotDone(); }
  core::Status Do() override {
    ASSIGN_OR_RETURN(std::string volume, c_->Holder());
    ASSIGN_OR_RETURN(remote::Disk disk, Sized(volume));
    const GrowPlan& g = c_->plan.grow;
    std::string fs = disk.name + g.node;
    if (g.partition > 0) {
      RETURN_IF_ERROR(Command(remote::GrowPartCommand(disk.name, g.partition), "growpart",
                              [](const remote::CommandResult& r) {
                                return r.exit_status == 0 ||
                                       (r.exit_status == 1 &&
                                        r.out.find("NOCHANGE") != std::string::npos);
                              }));
    }
    if (g.how == remote::FsGrow::kExtOffline) {
      RETURN_IF_ERROR(Command(remote::CheckFsCommand(fs), "e2fsck -f (fix what it reports)",
                              [](const remote::CommandResult& r) { return r.exit_status <= 1; }));
    }
    RETURN_IF_ERROR(Command(remote::GrowFsCommand(g.how, fs, g.mountpoint), "growing " + fs,
                            [](const remote::CommandResult& r) { return r.exit_status == 0; }));
    return CheckPartition(volume);
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  // The volume's disk once the host sees it at its new size (a change shows within seconds on
  // Nitro; a new volume's disk a moment after it is attached).
  core::Result<remote::Disk> Sized(const std::string& volume) {
    core::Time until = c_->clock.Now() + kSizeTimeout;
    std::int64_t want = std::int64_t{c_->plan.target.size_gib} << 30;
    Backoff wait;
    while (true) {
      ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, c_->Disks(c_->Target()));
      std::vector<remote::Disk> mine = remote::DisksOfVolume(disks, volume, c_->plan.device);
      if (!mine.empty() && mine[0].size_bytes >= want) return mine[0];
      if (c_->clock.Now() >= until) {
        return StepFailed(fmt::format(
            "{} shows {} at {} GiB, not {} GiB, after 5m: look at the host (a rescan of the "
            "disk, or a reboot, shows the new size); then `rotor rollout resume {}`",
            c_->old_id(), mine.empty() ? volume : mine[0].name,
            mine.empty() ? 0 : mine[0].size_bytes >> 30, c_->plan.target.size_gib,
            c_->operation_id));
      }
      RETURN_IF_ERROR(c_->Pause(wait));
    }
  }
  core::Status Command(const std::string& command, const std::string& what,
                       const std::function<bool(const remote::CommandResult&)>& ok) {
    ASSIGN_OR_RETURN(remote::CommandResult r, c_->Run(command));
    if (ok(r)) return core::Status::Ok();
    return StepFailed(fmt::format("on {}: {} failed (exit {}): {}", c_->old_id(), what,
                                  r.exit_status, HostMove::Tail(r)));
  }
  core::Status CheckPartition(const std::string& volume) {
    if (c_->plan.grow.partition == 0) return core::Status::Ok();
    ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, c_->Disks(c_->Target()));
    std::vector<remote::Disk> mine = remote::DisksOfVolume(disks, volume, c_->plan.device);
    for (const remote::Disk& d : mine) {
      if (d.name != mine[0].name + c_->plan.grow.node) continue;
      if (d.size_bytes + kPartitionSlack >= mine[0].size_bytes) return core::Status::Ok();
      return StepFailed(fmt::format("{} is {} MiB of its disk's {} MiB after growpart", d.name,
                                    d.size_bytes >> 20, mine[0].size_bytes >> 20));
    }
    return StepFailed(
        fmt::format("{}{} no longer shows on {}", volume, c_->plan.grow.node, c_->old_id()));
  }

  std::shared_ptr<RelocateCtx> c_;
};

}  // namespace

std::vector<std::unique_ptr<runbook::Step>> RelocateSteps(
    cloud::Cloud& cloud, core::Clock& clock, remote::Runner& runner, const RelocatePlan& plan,
    std::function<core::Status()> keep_lease) {
  auto c = std::make_shared<RelocateCtx>(cloud, clock, runner, plan, keep_lease);
  std::vector<std::unique_ptr<runbook::Step>> s;
  bool grow = plan.grow.how != remote::FsGrow::kNone;
  if (!plan.swap) {
    s.push_back(std::make_unique<ModifyStep>(c));
    if (grow) s.push_back(std::make_unique<GrowStep>(c));
    return s;
  }
  s.push_back(std::make_unique<SnapshotStep>(c, false));
  SwapExtras extras;
  extras.source = [c]() -> core::Result<std::string> {
    ASSIGN_OR_RETURN(auto snap, c->Snap("final"));
    if (!snap) return StepFailed("the final snapshot of this relocate is not listed");
    return snap->id;
  };
  extras.before_create.push_back(std::make_unique<SnapshotStep>(c, true));
  if (grow) {
    auto& when =
        plan.grow.how == remote::FsGrow::kExtOffline ? extras.before_mount : extras.after_mount;
    when.push_back(std::make_unique<GrowStep>(c));
  }
  for (auto& step :
       SwapSteps(cloud, clock, runner, *plan.restore, std::move(keep_lease), std::move(extras))) {
    s.push_back(std::move(step));
  }
  return s;
}

}  // namespace rotor::ops
