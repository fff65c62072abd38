// The runbook step that runs the rolling engine over some groups (upgrade, update-stack): one
// operation id, one group's records at a time as a respawn's, resumed from them after a crash or
// a pause.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "journal/journal.h"
#include "ops/interleave.h"
#include "rollout/policy.h"
#include "runbook/step.h"

namespace rotor::ops {

// What the rolling step needs besides the cloud. REQUIRES: outlives the steps.
struct RollingContext {
  core::Clock& clock;
  journal::Journal& journal;
  RunOptions run;  // rollout_id, keep_lease, heartbeat and pause_requested filled in
  std::function<void(const std::string&)> note;  // progress lines (stack events); may be empty
};

// Replaces the out-of-date members of `groups`. Undo: the engine's rollback for a group still
// rolling; for one that completed, with `point_back`, the group pointed back at the spec its old
// members ran and rolled again (without it, whoever owns the spec — a stack — puts it back).
std::unique_ptr<runbook::Step> RollGroupsStep(cloud::Cloud& cloud, std::vector<std::string> groups,
                                              rollout::Policy policy, RollingContext& rolling,
                                              bool point_back);

// One fresh pass over those of `groups` with members out of date, under the operation's id.
core::Status RollOutOfDate(cloud::Cloud& cloud, const std::vector<std::string>& groups,
                           const rollout::Policy& policy, RollingContext& rolling);

}  // namespace rotor::ops
