#include "ops/upgrade.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "ops/roll_groups.h"
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
  steps.push_back(RollGroupsStep(cloud, GroupsOf(plan), plan.policy, rolling,
                                 /*point_back=*/true));
  return steps;
}

int MembersToReplace(const UpgradePlan& plan, const GroupPatch& patch, const cloud::Group& group) {
  int n = 0;
  for (const cloud::Instance& i : group.instances) {
    n += i.image_id != patch.after.image_id || plan.policy.all ||
         (!patch.after.instance_type.empty() && i.instance_type != patch.after.instance_type);
  }
  return n;
}

std::vector<std::string> DescribeRoll(const UpgradePlan& plan,
                                      const std::vector<cloud::Group>& groups) {
  std::vector<std::string> out;
  for (const GroupPatch& p : plan.patch.groups) {
    for (const cloud::Group& g : groups) {
      if (g.name != p.group) continue;
      int behind = MembersToReplace(plan, p, g);
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
