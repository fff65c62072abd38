#include "ops/roll_groups.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "ops/rollouts.h"

namespace rotor::ops {
namespace {

core::Status Failed(const RespawnReport& report, bool undo);

bool Settled(rollout::Outcome o) {
  return o == rollout::Outcome::kCompleted || o == rollout::Outcome::kRolledBack;
}

// Replaces the members of every group that are not on its new spec, with the rolling engine,
// journaled under the upgrade's own id (one group's records at a time, as a respawn's). Resumed
// from those records after a crash or a pause.
class RollGroups : public runbook::Step {
 public:
  RollGroups(cloud::Cloud& c, std::vector<std::string> groups, rollout::Policy policy,
             RollingContext& r, bool point_back)
      : c_(c),
        groups_(std::move(groups)),
        policy_(std::move(policy)),
        r_(r),
        point_back_(point_back) {}

  std::string Describe() const override {
    return fmt::format("replace the members of {} ({} strategy)", core::Join(groups_, ", "),
                       rollout::StrategyName(policy_.strategy));
  }
  core::Result<runbook::Check> Look() override {
    ASSIGN_OR_RETURN(RolloutDetail d, LoadRollout(r_.journal, r_.run.rollout_id));
    for (const GroupJournal& g : d.groups) {
      bool ours = std::find(groups_.begin(), groups_.end(), g.group) != groups_.end();
      if (ours && g.state && g.state->phase != rollout::Phase::kDone) {
        return runbook::Check::NotDone();
      }
    }
    ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, c_.groups.ObserveGroups(groups_));
    for (const cloud::Group& g : groups) {
      for (const cloud::Instance& i : g.instances) {
        if (cloud::IsOutOfDate(g, i)) return runbook::Check::NotDone();
      }
    }
    return runbook::Check::Done();
  }
  core::Status Do() override { return Run(/*undo=*/false); }
  // The engine's rollback for a group still rolling; for one that completed, its group pointed
  // back at the spec its old members ran and rolled again (the new members replaced).
  core::Status Undo(const std::string&) override { return Run(/*undo=*/true); }

 private:
  core::Status Run(bool undo) {
    ASSIGN_OR_RETURN(RolloutDetail d, LoadRollout(r_.journal, r_.run.rollout_id));
    std::vector<GroupTask> tasks;
    for (const GroupJournal& g : d.groups) {
      if (std::find(groups_.begin(), groups_.end(), g.group) == groups_.end()) continue;
      if (!g.state) {
        if (!undo) tasks.push_back({g.group, std::nullopt, std::nullopt});
        continue;
      }
      rollout::RolloutState s = *g.state;
      if (s.phase != rollout::Phase::kDone) {
        if (undo) s.rollback_requested = true;
        tasks.push_back({g.group, s, g.unresolved});
      } else if (undo && point_back_ && s.outcome == rollout::Outcome::kCompleted) {
        RETURN_IF_ERROR(c_.group_changes.SetLaunchSpec(g.group, s.original.old_spec));
        tasks.push_back({g.group, std::nullopt, std::nullopt});
      }
    }
    if (tasks.empty()) return core::Status::Ok();
    ASSIGN_OR_RETURN(RespawnReport report,
                     RunGroups(c_, r_.clock, r_.journal, policy_, tasks, r_.run));
    return Failed(report, undo);
  }

  cloud::Cloud& c_;
  std::vector<std::string> groups_;
  rollout::Policy policy_;
  RollingContext& r_;
  bool point_back_;
};

// The first group that did not end as asked: kPaused when the rolling part paused.
core::Status Failed(const RespawnReport& report, bool undo) {
  if (report.outcome == rollout::Outcome::kPaused) {
    return core::Status(core::Code::kPaused, "the rolling part paused");
  }
  for (const GroupOutcome& g : report.groups) {
    if (undo ? Settled(g.outcome) : g.outcome == rollout::Outcome::kCompleted) continue;
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("{}: {}{}", g.group, rollout::OutcomeName(g.outcome),
                                    g.reason.empty() ? "" : " (" + g.reason + ")"));
  }
  return core::Status::Ok();
}

}  // namespace

std::unique_ptr<runbook::Step> RollGroupsStep(cloud::Cloud& cloud, std::vector<std::string> groups,
                                              rollout::Policy policy, RollingContext& rolling,
                                              bool point_back) {
  return std::make_unique<RollGroups>(cloud, std::move(groups), std::move(policy), rolling,
                                      point_back);
}

core::Status RollOutOfDate(cloud::Cloud& cloud, const std::vector<std::string>& groups,
                           const rollout::Policy& policy, RollingContext& rolling) {
  if (groups.empty()) return core::Status::Ok();
  ASSIGN_OR_RETURN(std::vector<cloud::Group> observed, cloud.groups.ObserveGroups(groups));
  std::vector<GroupTask> tasks;
  for (const cloud::Group& g : observed) {
    bool behind = std::any_of(g.instances.begin(), g.instances.end(),
                              [&](const cloud::Instance& i) { return cloud::IsOutOfDate(g, i); });
    if (behind) tasks.push_back({g.name, std::nullopt, std::nullopt});
  }
  if (tasks.empty()) return core::Status::Ok();
  ASSIGN_OR_RETURN(RespawnReport report,
                   RunGroups(cloud, rolling.clock, rolling.journal, policy, tasks, rolling.run));
  return Failed(report, /*undo=*/false);
}

}  // namespace rotor::ops
