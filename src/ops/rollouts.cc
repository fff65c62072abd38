#include "ops/rollouts.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/strings.h"
#include "rollout/codec.h"

namespace rotor::ops {
namespace {

constexpr auto kPauseCheckEvery = std::chrono::seconds(5);

// Records that carry a group's state after them.
bool CarriesState(const journal::Record& r) {
  using K = journal::RecordKind;
  static const std::set<K> kinds = {K::kStart,  K::kOutcome,     K::kFinish,
                                    K::kResume, K::kInterrupted, K::kPaused};
  return !r.data.empty() && kinds.count(r.kind);
}

}  // namespace

namespace {

// Journaled like any step: the intent, then the change, then its outcome.
core::Status PointBack(cloud::Cloud& cloud, core::Clock& clock, journal::Journal& journal,
                       const std::string& id, const std::string& group,
                       const rollout::RolloutState& done) {
  std::string what = "point the group back at " + done.original.old_spec.Describe();
  journal::Record intent{clock.Now(),     id, 0, group, journal::RecordKind::kNote, what, "",
                         /*durable=*/true};
  RETURN_IF_ERROR(journal.Append(intent));
  core::Status set = cloud.group_changes.SetLaunchSpec(group, done.original.old_spec);
  journal::Record outcome{
      clock.Now(), id, 0, group, journal::RecordKind::kNote, set.ok() ? "ok" : set.ToString(), ""};
  RETURN_IF_ERROR(journal.Append(outcome));
  return set;
}

}  // namespace

bool IsRunbookKind(journal::OperationKind kind) {
  return kind != journal::OperationKind::kRespawn && kind != journal::OperationKind::kUpdateAsgs;
}

bool IsFinished(const std::string& status) {
  return status != journal::kRunning && status != journal::kPausedStatus;
}

core::Status RefuseUnfinished(journal::Journal& journal, const std::vector<std::string>& groups) {
  ASSIGN_OR_RETURN(std::vector<journal::RolloutInfo> all, journal.ListRollouts());
  for (const journal::RolloutInfo& r : all) {
    if (IsFinished(r.status)) continue;
    for (const std::string& g : groups) {
      const std::vector<std::string>& held = r.resources;
      if (std::find(held.begin(), held.end(), journal::GroupResource(g)) == held.end()) continue;
      return core::Status(
          core::Code::kBlocked,
          fmt::format("rollout {} ({}, started by {}: {}) has not finished on group {}: finish it "
                      "with `rotor rollout resume {}` (or `rotor rollout abort {}` / `rotor "
                      "rollout rollback {}`)",
                      r.id, r.status, r.owner, r.command, g, r.id, r.id, r.id));
    }
  }
  return core::Status::Ok();
}

core::Result<RespawnReport> RunJournaled(cloud::Cloud& cloud, core::Clock& clock,
                                         journal::Journal& journal, const rollout::Policy& policy,
                                         const std::vector<GroupTask>& tasks,
                                         const RespawnOptions& options,
                                         journal::LeaseKeeper& leases) {
  // The pause flag lives in the store: read it now and then, not before every step.
  core::Time next_check = clock.Now();
  bool pause = false;
  auto pause_requested = [&] {
    if (clock.Now() < next_check) return pause;
    next_check = clock.Now() + kPauseCheckEvery;
    auto info = journal.GetRollout(options.rollout_id);
    pause = info.ok() && info->pause_requested;
    return pause;
  };
  RunOptions ro = options;
  ro.keep_lease = [&] { return leases.Keep(); };
  // Renewed at least every third of its TTL, whatever the engine waits for.
  ro.heartbeat = options.lease_ttl / 3;
  ro.pause_requested = pause_requested;
  auto report = RunGroups(cloud, clock, journal, policy, tasks, ro);
  if (!report.ok()) {
    // A crash leaves everything for the resume; any other stop gives back what is still ours.
    if (report.status().code() != core::Code::kAborted) leases.ReleaseAll();
    return report.status();
  }
  RETURN_IF_ERROR(journal.SetStatus(options.rollout_id, StatusFor(report->outcome), clock.Now()));
  leases.ReleaseAll();
  return report;
}

core::Result<std::vector<journal::RolloutInfo>> ListRollouts(journal::Journal& journal, bool all) {
  ASSIGN_OR_RETURN(std::vector<journal::RolloutInfo> rollouts, journal.ListRollouts());
  if (!all) {
    std::erase_if(rollouts, [](const journal::RolloutInfo& r) { return IsFinished(r.status); });
  }
  return rollouts;
}

core::Result<RolloutDetail> LoadRollout(journal::Journal& journal, const std::string& id) {
  RolloutDetail d;
  ASSIGN_OR_RETURN(d.info, journal.GetRollout(id));
  // A runbook keeps its plan where a rolling respawn keeps its policy.
  if (!IsRunbookKind(d.info.kind)) {
    ASSIGN_OR_RETURN(d.policy, rollout::PolicyFromJson(d.info.policy));
  }
  ASSIGN_OR_RETURN(d.records, journal.Read(id));
  for (const std::string& g : journal::GroupsOf(d.info.resources)) {
    GroupJournal gj{g, std::nullopt, std::nullopt, std::nullopt};
    rollout::StateReader states;
    for (const journal::Record& r : d.records) {
      if (r.group != g) continue;
      if (r.kind == journal::RecordKind::kIntent) {
        ASSIGN_OR_RETURN(rollout::Intent intent, rollout::IntentFromJson(r.data));
        gj.unresolved = intent.step;
        // What the step was decided on.
        if (!intent.state.empty()) RETURN_IF_ERROR(states.Add(intent.state));
      } else if (r.kind == journal::RecordKind::kOutcome || CarriesState(r)) {
        gj.unresolved.reset();  // an outcome settles the intent before it
      }
      if (CarriesState(r)) RETURN_IF_ERROR(states.Add(r.data));
    }
    if (states.has_state()) {
      ASSIGN_OR_RETURN(gj.state, states.State());
    }
    ASSIGN_OR_RETURN(gj.lease, journal.GetLease(journal::GroupResource(g)));
    d.groups.push_back(std::move(gj));
  }
  return d;
}

core::Status PauseRollout(journal::Journal& journal, const std::string& id, core::Time now) {
  ASSIGN_OR_RETURN(RolloutDetail d, LoadRollout(journal, id));
  if (IsFinished(d.info.status)) {
    return core::Status(
        core::Code::kFailedPrecondition,
        fmt::format("rollout {} has finished ({}): nothing to pause", id, d.info.status));
  }
  RETURN_IF_ERROR(journal.RequestPause(id, true));
  bool running = std::any_of(d.groups.begin(), d.groups.end(), [&](const GroupJournal& g) {
    return g.lease && g.lease->rollout == id && g.lease->expires > now;
  });
  if (!running) RETURN_IF_ERROR(journal.SetStatus(id, journal::kPausedStatus, now));
  return core::Status::Ok();
}

core::Result<RespawnReport> ResumeRollout(cloud::Cloud& cloud, core::Clock& clock,
                                          journal::Journal& journal, const RolloutDetail& d,
                                          ResumeMode mode, bool force_unlock,
                                          RespawnOptions options) {
  const std::string& id = d.info.id;
  // A completed rollout can still be rolled back: its groups are pointed back at the old spec
  // and rolled again, replacing the instances it launched.
  bool reopen = mode == ResumeMode::kRollback && d.info.status == "completed";
  if (IsFinished(d.info.status) && !reopen) {
    return core::Status(
        core::Code::kFailedPrecondition,
        fmt::format("rollout {} has finished ({}): nothing to {}", id, d.info.status,
                    mode == ResumeMode::kRollback ? "roll back" : "resume"));
  }
  if (reopen) RETURN_IF_ERROR(RefuseUnfinished(journal, journal::GroupsOf(d.info.resources)));
  options.rollout_id = id;
  journal::LeaseKeeper leases(journal, clock, options.owner, id, options.lease_ttl,
                              options.owner_gone);
  RETURN_IF_ERROR(leases.TakeAll(d.info.resources, force_unlock));
  std::vector<GroupTask> tasks;
  for (const GroupJournal& g : d.groups) {
    if (g.state && g.state->phase == rollout::Phase::kDone) {
      if (!reopen || g.state->outcome != rollout::Outcome::kCompleted) continue;
      if (core::Status back = PointBack(cloud, clock, journal, id, g.group, *g.state); !back.ok()) {
        leases.ReleaseAll();
        return back;
      }
      tasks.push_back({g.group, std::nullopt, std::nullopt});  // a fresh pass, old spec current
      continue;
    }
    if (!g.state) {
      // Never started: only a plain resume starts it.
      if (mode == ResumeMode::kContinue) tasks.push_back({g.group, std::nullopt, std::nullopt});
      continue;
    }
    rollout::RolloutState s = *g.state;
    if (mode == ResumeMode::kAbort && s.outcome == rollout::Outcome::kNone) s.interrupted = true;
    if (mode == ResumeMode::kRollback) s.rollback_requested = true;
    tasks.push_back({g.group, s, g.unresolved});
  }
  journal::Record r{clock.Now(),
                    id,
                    0,
                    "",
                    journal::RecordKind::kResume,
                    fmt::format("{} by {}",
                                mode == ResumeMode::kContinue ? "resumed"
                                : mode == ResumeMode::kAbort  ? "abort"
                                                              : "rollback",
                                options.owner),
                    ""};
  if (core::Status s = journal.Append(r); !s.ok()) {
    leases.ReleaseAll();
    return s;
  }
  RETURN_IF_ERROR(journal.RequestPause(id, false));
  RETURN_IF_ERROR(journal.SetStatus(id, journal::kRunning, clock.Now()));
  return RunJournaled(cloud, clock, journal, d.policy, tasks, options, leases);
}

}  // namespace rotor::ops
