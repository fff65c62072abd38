// `rotor upgrade` (DESIGN.md section 1 and 7): patch and respawn as one operation — a runbook
// whose steps give the groups their new launch spec and whose last step replaces the members
// with the rolling engine. When the rolling part does not complete, the runbook rolls back:
// the instances (the engine's own rollback) and then the launch specs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "journal/journal.h"
#include "ops/interleave.h"
#include "ops/patch.h"
#include "ops/roll_groups.h"
#include "rollout/policy.h"
#include "runbook/step.h"

namespace rotor::ops {

struct UpgradePlan {
  PatchPlan patch;
  rollout::Policy policy;
};

std::string UpgradePlanToJson(const UpgradePlan& plan);
core::Result<UpgradePlan> UpgradePlanFromJson(const std::string& text);

// The patch steps, then one step that rolls every group of the plan.
std::vector<std::unique_ptr<runbook::Step>> UpgradeSteps(cloud::Cloud& cloud,
                                                         const UpgradePlan& plan,
                                                         RollingContext& rolling);

// How many members of each group do not run the image the plan gives it (they will be
// replaced), for the plan shown before anything changes.
std::vector<std::string> DescribeRoll(const UpgradePlan& plan,
                                      const std::vector<cloud::Group>& groups);

// How many members of `group` the plan replaces: those not running the image (or instance type)
// the plan gives it; every one with --all.
int MembersToReplace(const UpgradePlan& plan, const GroupPatch& patch, const cloud::Group& group);

}  // namespace rotor::ops
