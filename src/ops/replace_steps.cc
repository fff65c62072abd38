// replace-instance: the steps. The launch, port waits, address, records and stopping the old
// host are the shared ones (host_steps.h); here are the commands (remote and local), the copy,
// the disks (unmount, mount), the snapshots, moving each volume, readiness and the renaming.
// Each looks afresh — the cloud, and over ssh the host — so a resumed run never repeats a step
// blindly; a command step cannot be looked at, so it is run again (stop and start commands
// should be safe to repeat, as systemctl's are).
#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "ops/replace_ctx.h"

namespace rotor::ops {
namespace {

using runbook::Check;

constexpr auto kLocalTimeout = std::chrono::minutes(60);  // one --prepare/--after command
constexpr auto kCopyTimeout = std::chrono::minutes(60);
constexpr auto kProbeTimeout = std::chrono::seconds(10);

using Ctx = ReplaceCtx;

// Marks a shared step as part of the outage.
class InOutage : public runbook::Step {
 public:
  explicit InOutage(std::unique_ptr<runbook::Step> s) : s_(std::move(s)) {}
  std::string Describe() const override { return s_->Describe(); }
  runbook::Reversal reversal() const override { return s_->reversal(); }
  bool in_outage() const override { return true; }
  core::Result<Check> Look() override { return s_->Look(); }
  core::Result<std::string> Remember() override { return s_->Remember(); }
  core::Status Do() override { return s_->Do(); }
  core::Status Undo(const std::string& memo) override { return s_->Undo(memo); }

 private:
  std::unique_ptr<runbook::Step> s_;
};

// --- Commands ---

// --stop on the old host (undo: --start on it again), or --start on the new one (undo: --stop
// on it, so that its services let go of the data before the volumes move back).
class Services : public runbook::Step {
 public:
  Services(std::shared_ptr<Ctx> c, bool on_new) : c_(std::move(c)), on_new_(on_new) {}
  std::string Describe() const override {
    const auto& list = on_new_ ? c_->plan.start : c_->plan.stop;
    return fmt::format("on {}: {}", on_new_ ? "the new host" : c_->old_id(),
                       core::Join(list, "; "));
  }
  bool in_outage() const override { return true; }
  core::Result<Check> Look() override { return Check::NotDone(); }
  core::Status Do() override { return on_new_ ? OnNew(c_->plan.start) : OnOld(c_->plan.stop); }
  core::Status Undo(const std::string&) override {
    return on_new_ ? OnNew(c_->plan.stop) : OnOld(c_->plan.start);
  }

 private:
  core::Status OnOld(const std::vector<std::string>& commands) {
    ASSIGN_OR_RETURN(remote::SshTarget target, c_->OldTarget());
    ASSIGN_OR_RETURN(auto fresh, c_->NewHost());
    return c_->RunAll(target, commands, fresh ? &*fresh : nullptr);
  }
  core::Status OnNew(const std::vector<std::string>& commands) {
    ASSIGN_OR_RETURN(auto fresh, c_->NewHost());
    if (!fresh || fresh->instance.ec2_state != "running") return core::Status::Ok();
    return c_->RunAll(c_->NewTarget(*fresh), commands, &*fresh);
  }

  std::shared_ptr<Ctx> c_;
  bool on_new_;
};

class Local : public runbook::Step {
 public:
  Local(std::shared_ptr<Ctx> c, std::string command)
      : c_(std::move(c)), command_(std::move(command)) {}
  std::string Describe() const override { return "run here: " + command_; }
  runbook::Reversal reversal() const override { return runbook::Reversal::kNothingToUndo; }
  core::Result<Check> Look() override { return Check::NotDone(); }
  core::Status Do() override {
    ASSIGN_OR_RETURN(auto fresh, c_->NewHost());
    ASSIGN_OR_RETURN(std::string command, c_->Expand(command_, fresh ? &*fresh : nullptr));
    ASSIGN_OR_RETURN(remote::CommandResult r, c_->runner.RunLocal(command, kLocalTimeout));
    if (r.exit_status == 0) return core::Status::Ok();
    return StepFailed(fmt::format("`{}` exited {}: {}", command_, r.exit_status, Ctx::Tail(r)));
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  std::shared_ptr<Ctx> c_;
  std::string command_;
};

class Copy : public runbook::Step {
 public:
  explicit Copy(std::shared_ptr<Ctx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("copy {} from {} to the new host", core::Join(c_->plan.copy, " "),
                       c_->old_id());
  }
  runbook::Reversal reversal() const override { return runbook::Reversal::kNothingToUndo; }
  core::Result<Check> Look() override { return Check::NotDone(); }
  core::Status Do() override {
    ASSIGN_OR_RETURN(remote::SshTarget from, c_->OldTarget());
    ASSIGN_OR_RETURN(cloud::Host fresh, c_->RequireNew());
    return c_->runner.Copy(from, c_->NewTarget(fresh), c_->plan.copy, kCopyTimeout);
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  std::shared_ptr<Ctx> c_;
};

// --- Readiness ---

// The probes pass on the new host; without probes, its ssh port answers (through the elastic IP
// once it moved).
class Ready : public runbook::Step {
 public:
  Ready(std::shared_ptr<Ctx> c, bool outage) : c_(std::move(c)), outage_(outage) {}
  std::string Describe() const override {
    if (c_->plan.probes.empty()) return "wait until the new host answers ssh";
    return "wait until " + core::Join(c_->plan.probes, ", ") + " pass on the new host";
  }
  runbook::Reversal reversal() const override { return runbook::Reversal::kNothingToUndo; }
  bool in_outage() const override { return outage_; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::Host h, c_->RequireNew());
    return Probe(h).ok() ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    core::Time until = c_->clock.Now() + c_->plan.health_timeout;
    std::string last;
    Backoff wait;
    while (c_->clock.Now() < until) {
      ASSIGN_OR_RETURN(cloud::Host h, c_->RequireNew());
      core::Status s = Probe(h);
      if (s.ok()) return s;
      last = s.message();
      RETURN_IF_ERROR(c_->Pause(wait));
    }
    return StepFailed("the new host is not ready within --health-timeout: " + last);
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  core::Status Probe(const cloud::Host& h) {
    if (h.instance.ec2_state != "running") {
      return core::Status(core::Code::kUnavailable, h.instance.id + " is " + h.instance.ec2_state);
    }
    if (c_->hooks.probe && !c_->plan.probes.empty()) return c_->hooks.probe(h.instance);
    return c_->runner.PortOpen(c_->NewTarget(h), 22, kProbeTimeout);
  }

  std::shared_ptr<Ctx> c_;
  bool outage_;
};

}  // namespace

std::vector<std::unique_ptr<runbook::Step>> ReplaceSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                         remote::Runner& runner,
                                                         const ReplacePlan& plan,
                                                         ReplaceHooks hooks) {
  auto c = std::make_shared<ReplaceCtx>(cloud, clock, runner, plan, std::move(hooks));
  std::vector<std::string> eips;
  for (const cloud::ElasticIp& e : plan.addresses) eips.push_back(e.public_ip);
  std::vector<std::unique_ptr<runbook::Step>> s;
  if (!plan.finish_of.empty()) {
    s.push_back(TerminateOldStep(c));
    return s;
  }
  s.push_back(LaunchLikeStep(c, plan.launch, LaunchUndo::kStopKeep));
  s.push_back(WaitPortStep(c, {22, plan.address, "", eips, plan.health_timeout}));
  if (!plan.probes.empty()) s.push_back(std::make_unique<Ready>(c, false));
  if (!plan.copy.empty()) s.push_back(std::make_unique<Copy>(c));
  for (const std::string& p : plan.prepare) s.push_back(std::make_unique<Local>(c, p));
  if (!plan.stop.empty()) s.push_back(std::make_unique<Services>(c, false));
  bool mounted = std::any_of(plan.volumes.begin(), plan.volumes.end(),
                             [](const MovedVolume& v) { return !v.mounts.empty(); });
  if (mounted) s.push_back(UnmountOldStep(c));
  if (!plan.volumes.empty()) s.push_back(SnapshotStep(c));
  for (size_t k = 0; k < plan.volumes.size(); ++k) {
    s.push_back(MoveVolumeStep(c, k));
    if (!plan.volumes[k].mounts.empty()) s.push_back(MountNewStep(c, k));
  }
  for (const cloud::ElasticIp& e : plan.addresses) {
    s.push_back(std::make_unique<InOutage>(MoveAddressStep(c, e)));
  }
  if (!plan.records.empty()) {
    s.push_back(std::make_unique<InOutage>(UpdateRecordsStep(c, plan.records, eips)));
  }
  if (!plan.start.empty()) s.push_back(std::make_unique<Services>(c, true));
  s.push_back(std::make_unique<Ready>(c, true));
  for (const std::string& a : plan.after) s.push_back(std::make_unique<Local>(c, a));
  if (!plan.old.name.empty()) s.push_back(RenameStep(c));
  s.push_back(StopOldStep(c, ""));
  return s;
}

}  // namespace rotor::ops
