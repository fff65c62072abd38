#include "ops/upgrade.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "ops/rollouts.h"
#include "rollout/codec.h"

namespace rotor::ops {
namespace {

using nlohmann::json;

std::vector<std::string> GroupsOf(const UpgradePlan& plan) {
  std::vector<std::string> out;
  for (const GroupPatch& g : plan.patch.groups) out.push_back(g.group);
  return out;
}

bool Settled(rollout::Outcome o) {
  return o == rollout::Outcome::kCompleted || o == rollout::Outcome::kRolledBack;
}

// Replaces the members of every group that are not on its new spec, with the rolling engine,
// journaled under the upgrade's own id (one group's records at a time, as a respawn's). Resumed
// from those records after a crash or a pause.
class RollGroups : public runbook::Step {
 public:
  RollGroups(cloud::Cloud& c, UpgradePlan plan, RollingContext& r)
      : c_(c), plan_(std::move(plan)), r_(r), groups_(GroupsOf(plan_)) {}

  std::string Describe() const override {
    return fmt::format("replace the members of {} ({} strategy)", core::Join(groups_, ", "),
                       rollout::StrategyName(plan_.policy.strategy));
  }
  core::Result<runbook::Check> Look() override {
    ASSIGN_OR_RETURN(RolloutDetail d, LoadRollout(r_.journal, r_.run.rollout_id));
    for (const GroupJournal& g : d.groups) {
      if (g.state && g.state->phase != rollout::Phase::kDone) return runbook::Check::NotDone();
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
      if (!g.state) {
        if (!undo) tasks.push_back({g.group, std::nullopt, std::nullopt});
        continue;
      }
      rollout::RolloutState s = *g.state;
      if (s.phase != rollout::Phase::kDone) {
        if (undo) s.rollback_requested = true;
        tasks.push_back({g.group, s, g.unresolved});
      } else if (undo && s.outcome == rollout::Outcome::kCompleted) {
        RETURN_IF_ERROR(c_.group_changes.SetLaunchSpec(g.group, s.original.old_spec));
        tasks.push_back({g.group, std::nullopt, std::nullopt});
      }
    }
    if (tasks.empty()) return core::Status::Ok();
    ASSIGN_OR_RETURN(RespawnReport report,
                     RunGroups(c_, r_.clock, r_.journal, plan_.policy, tasks, r_.run));
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

  cloud::Cloud& c_;
  UpgradePlan plan_;
  RollingContext& r_;
  std::vector<std::string> groups_;
};

}  // namespace

std::string UpgradePlanToJson(const UpgradePlan& plan) {
  return json{{"patch", json::parse(PatchPlanToJson(plan.patch))},
              {"policy", json::parse(rollout::PolicyToJson(plan.policy))}}
      .dump();
}

core::Result<UpgradePlan> UpgradePlanFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("patch") || !j.contains("policy")) {
    return core::InvalidArgument("the journaled upgrade plan cannot be read");
  }
  UpgradePlan plan;
  ASSIGN_OR_RETURN(plan.patch, PatchPlanFromJson(j["patch"].dump()));
  ASSIGN_OR_RETURN(plan.policy, rollout::PolicyFromJson(j["policy"].dump()));
  return plan;
}

std::vector<std::unique_ptr<runbook::Step>> UpgradeSteps(cloud::Cloud& cloud,
                                                         const UpgradePlan& plan,
                                                         RollingContext& rolling) {
  std::vector<std::unique_ptr<runbook::Step>> steps = PatchSteps(cloud, plan.patch);
  steps.push_back(std::make_unique<RollGroups>(cloud, plan, rolling));
  return steps;
}

std::vector<std::string> DescribeRoll(const UpgradePlan& plan,
                                      const std::vector<cloud::Group>& groups) {
  std::vector<std::string> out;
  for (const GroupPatch& p : plan.patch.groups) {
    for (const cloud::Group& g : groups) {
      if (g.name != p.group) continue;
      int behind = 0;
      for (const cloud::Instance& i : g.instances) {
        behind += i.image_id != p.after.image_id || plan.policy.all ||
                  (!p.after.instance_type.empty() && i.instance_type != p.after.instance_type);
      }
      out.push_back(fmt::format(
          "{}: then replace {} of {} members ({} strategy, on failure {}: "
          "the members and the launch spec)",
          g.name, behind, g.instances.size(), rollout::StrategyName(plan.policy.strategy),
          rollout::OnFailureName(plan.policy.on_failure)));
    }
  }
  return out;
}

}  // namespace rotor::ops
