#include "ops/runbooks.h"

#include <fmt/format.h>

#include "ops/backup.h"
#include "ops/bastion.h"
#include "ops/patch.h"
#include "ops/relocate.h"
#include "ops/replace_instance.h"
#include "ops/restore.h"
#include "ops/rollouts.h"
#include "ops/update_stack.h"

namespace rotor::ops {
namespace {

constexpr auto kPauseCheckEvery = std::chrono::seconds(5);

// The NoEcho values this process was given put back into the plan the journal kept without
// them (a key left without one still stops the step that needs it, saying so).
void WithSecrets(const std::map<std::string, std::string>& secrets, StackUpdatePlan& p) {
  std::erase_if(p.secret_keys, [&](const std::string& key) {
    auto it = secrets.find(key);
    if (it == secrets.end()) return false;
    for (cloud::StackParameter& param : p.parameters) {
      if (param.key != key) continue;
      param.value = it->second;
      param.use_previous = false;
    }
    return true;
  });
}

// The driver's questions answered from the leases, the journal's pause flag, Ctrl-C and the
// command's callbacks.
class OperationControl final : public runbook::Control {
 public:
  OperationControl(journal::Journal& journal, core::Clock& clock, journal::LeaseKeeper& leases,
                   const RunbookOptions& options)
      : journal_(journal), clock_(clock), leases_(leases), options_(options) {}

  core::Status KeepLease() override { return leases_.Keep(); }
  bool PauseRequested() override {
    if (options_.interrupted && options_.interrupted()) return true;
    if (clock_.Now() < next_check_) return pause_;
    next_check_ = clock_.Now() + kPauseCheckEvery;
    auto info = journal_.GetRollout(options_.operation_id);
    pause_ = info.ok() && info->pause_requested;
    return pause_;
  }
  bool ConfirmIrreversible(const runbook::Step& step) override {
    return !options_.confirm || options_.confirm(step);
  }
  void Note(const std::string& line) override {
    if (options_.note) options_.note(line);
  }

 private:
  journal::Journal& journal_;
  core::Clock& clock_;
  journal::LeaseKeeper& leases_;
  const RunbookOptions& options_;
  core::Time next_check_{};
  bool pause_ = false;
};

core::Result<runbook::Report> Drive(cloud::Cloud& cloud, core::Clock& clock,
                                    journal::Journal& journal, const journal::RolloutInfo& info,
                                    const RunbookOptions& options, journal::LeaseKeeper& leases,
                                    std::optional<bool> resume_rollback) {
  // The rolling engine inside a step keeps the same leases, pause flag and id as the runbook.
  RollingContext rolling{clock, journal, options.rolling, options.note};
  rolling.run.rollout_id = info.id;
  rolling.run.keep_lease = [&leases] { return leases.Keep(); };
  rolling.run.heartbeat = options.lease_ttl / 3;
  rolling.run.backoff = options.backoff;
  OperationControl control(journal, clock, leases, options);
  rolling.run.pause_requested = [&control] { return control.PauseRequested(); };
  auto steps = StepsFor(cloud, info.kind, info.policy, rolling, options);
  if (!steps.ok()) {
    leases.ReleaseAll();
    return steps.status();
  }
  std::vector<runbook::Step*> raw;
  for (auto& s : *steps) raw.push_back(s.get());
  runbook::DriverOptions d{info.id, options.on_failure, options.backoff, std::nullopt,
                           options.lease_ttl / 3};
  runbook::Driver driver(raw, journal, clock, control, d);
  auto report = resume_rollback ? driver.Resume(*resume_rollback) : driver.Start();
  if (!report.ok()) {
    if (report.status().code() != core::Code::kAborted) leases.ReleaseAll();
    return report.status();
  }
  RETURN_IF_ERROR(journal.SetStatus(info.id, runbook::OutcomeName(report->outcome), clock.Now()));
  leases.ReleaseAll();
  return report;
}

}  // namespace

core::Result<std::vector<std::unique_ptr<runbook::Step>>> StepsFor(cloud::Cloud& cloud,
                                                                   journal::OperationKind kind,
                                                                   const std::string& plan,
                                                                   RollingContext& rolling,
                                                                   const RunbookOptions& options) {
  switch (kind) {
    case journal::OperationKind::kPatch: {
      ASSIGN_OR_RETURN(PatchPlan p, PatchPlanFromJson(plan));
      return PatchSteps(cloud, p);
    }
    case journal::OperationKind::kUpgrade: {
      ASSIGN_OR_RETURN(UpgradePlan p, UpgradePlanFromJson(plan));
      return UpgradeSteps(cloud, p, rolling);
    }
    case journal::OperationKind::kUpdateStack:
    case journal::OperationKind::kImport: {  // import: update-stack's create path
      ASSIGN_OR_RETURN(StackUpdatePlan p, StackUpdatePlanFromJson(plan));
      WithSecrets(options.secrets, p);
      return StackUpdateSteps(cloud, p, rolling);
    }
    case journal::OperationKind::kRedeployBastion: {
      ASSIGN_OR_RETURN(BastionPlan p, BastionPlanFromJson(plan));
      if (!options.remote) return core::Internal("redeploy-bastion needs a remote runner");
      return BastionSteps(cloud, rolling.clock, *options.remote, p, rolling.run.keep_lease);
    }
    case journal::OperationKind::kReplaceInstance: {
      ASSIGN_OR_RETURN(ReplacePlan p, ReplacePlanFromJson(plan));
      if (!options.remote) return core::Internal("replace-instance needs a remote runner");
      return ReplaceSteps(cloud, rolling.clock, *options.remote, p,
                          {rolling.run.probe, rolling.run.keep_lease, options.env});
    }
    case journal::OperationKind::kRestore: {
      ASSIGN_OR_RETURN(RestorePlan p, RestorePlanFromJson(plan));
      if (!options.remote) return core::Internal("restore needs a remote runner");
      return RestoreSteps(cloud, rolling.clock, *options.remote, p, rolling.run.keep_lease);
    }
    case journal::OperationKind::kRelocate: {
      ASSIGN_OR_RETURN(RelocatePlan p, RelocatePlanFromJson(plan));
      if (!options.remote) return core::Internal("relocate needs a remote runner");
      return RelocateSteps(cloud, rolling.clock, *options.remote, p, rolling.run.keep_lease);
    }
    case journal::OperationKind::kBackup: {
      ASSIGN_OR_RETURN(BackupPlan p, BackupPlanFromJson(plan));
      if (!options.remote) return core::Internal("backup needs a remote runner");
      BackupHooks hooks{rolling.run.keep_lease, options.note, nullptr};
      if (!p.copy_to.empty()) {
        if (!options.volumes_in) {
          return core::Status(
              core::Code::kFailedPrecondition,
              fmt::format("backup --copy-to {}: this cloud has no other region", p.copy_to));
        }
        ASSIGN_OR_RETURN(hooks.copies, options.volumes_in(p.copy_to));
      }
      return BackupSteps(cloud, rolling.clock, *options.remote, p, std::move(hooks));
    }
    default:
      return core::InvalidArgument(
          fmt::format("operations of kind {} are not runbooks this rotor "
                      "can run",
                      journal::OperationKindName(kind)));
  }
}

core::Result<runbook::Report> StartRunbook(cloud::Cloud& cloud, core::Clock& clock,
                                           journal::Journal& journal, journal::OperationKind kind,
                                           const std::vector<std::string>& resources,
                                           const std::string& plan, const RunbookOptions& options) {
  RETURN_IF_ERROR(RefuseUnfinished(journal, journal::GroupsOf(resources)));
  journal::LeaseKeeper leases(journal, clock, options.owner, options.operation_id,
                              options.lease_ttl, options.owner_gone);
  RETURN_IF_ERROR(leases.TakeAll(resources, /*force=*/false));
  journal::RolloutInfo info;
  info.id = options.operation_id;
  info.kind = kind;
  info.command = options.command;
  info.owner = options.owner;
  info.resources = resources;
  info.policy = plan;
  info.started = info.updated = clock.Now();
  if (core::Status created = journal.CreateRollout(info); !created.ok()) {
    leases.ReleaseAll();
    return created;
  }
  return Drive(cloud, clock, journal, info, options, leases, std::nullopt);
}

core::Result<runbook::Report> ResumeRunbook(cloud::Cloud& cloud, core::Clock& clock,
                                            journal::Journal& journal,
                                            const journal::RolloutInfo& info, bool rollback,
                                            bool force_unlock, const RunbookOptions& options) {
  // Done steps can be undone after the operation completed, or after an abort left them done.
  bool reopen = rollback && (info.status == "completed" || info.status == "aborted");
  if (IsFinished(info.status) && !reopen) {
    return core::Status(
        core::Code::kFailedPrecondition,
        fmt::format("{} {} has finished ({}): nothing to {}", journal::OperationKindName(info.kind),
                    info.id, info.status, rollback ? "roll back" : "resume"));
  }
  if (reopen) RETURN_IF_ERROR(RefuseUnfinished(journal, journal::GroupsOf(info.resources)));
  journal::LeaseKeeper leases(journal, clock, options.owner, info.id, options.lease_ttl,
                              options.owner_gone);
  RETURN_IF_ERROR(leases.TakeAll(info.resources, force_unlock));
  if (core::Status s = journal.RequestPause(info.id, false); !s.ok()) {
    leases.ReleaseAll();
    return s;
  }
  RETURN_IF_ERROR(journal.SetStatus(info.id, journal::kRunning, clock.Now()));
  RunbookOptions o = options;
  o.operation_id = info.id;
  return Drive(cloud, clock, journal, info, o, leases, rollback);
}

core::Status AbortRunbook(journal::Journal& journal, core::Clock& clock,
                          const journal::RolloutInfo& info, bool force_unlock,
                          const RunbookOptions& options) {
  if (IsFinished(info.status)) {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("{} {} has finished ({}): nothing to abort",
                                    journal::OperationKindName(info.kind), info.id, info.status));
  }
  journal::LeaseKeeper leases(journal, clock, options.owner, info.id, options.lease_ttl,
                              options.owner_gone);
  RETURN_IF_ERROR(leases.TakeAll(info.resources, force_unlock));
  journal::Record r{clock.Now(),
                    info.id,
                    0,
                    "",
                    journal::RecordKind::kFinish,
                    "aborted by " + options.owner,
                    runbook::FinishData(runbook::Outcome::kAborted)};
  core::Status s = journal.Append(r);
  if (s.ok()) s = journal.SetStatus(info.id, "aborted", clock.Now());
  leases.ReleaseAll();
  return s;
}

}  // namespace rotor::ops
