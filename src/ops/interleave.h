// Running several groups' rollouts in one thread: each engine is advanced at its next wake-up,
// the earliest first (ties in task order, so a simulation stays deterministic), `parallel` at a
// time. Shared by respawn (fresh rollouts) and `rotor rollout resume|abort|rollback`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "journal/journal.h"
#include "rollout/engine.h"

namespace rotor::ops {

struct GroupOutcome {
  std::string group;
  rollout::Outcome outcome = rollout::Outcome::kNone;
  std::string reason;
  int replaced = 0;
  int total = 0;
};

struct RespawnReport {
  std::vector<GroupOutcome> groups;
  rollout::Outcome outcome = rollout::Outcome::kCompleted;  // the worst of the groups
};

// One group's part: start afresh, or go on from a journaled state.
struct GroupTask {
  std::string group;
  std::optional<rollout::RolloutState> state;  // set: resume from it
  std::optional<rollout::Step> unresolved;     // an intent without outcome, to look at first
};

// Every group's engine gets the same options (rollout::EngineOptions).
struct RunOptions : rollout::EngineOptions {
  int parallel = 1;  // groups rolled at once
};

// Runs the tasks; once one group does not complete, no further group starts (those in flight
// finish their own rollouts). Errors: the first task cannot start, a lease was lost (kBlocked),
// or a crash (kAborted) — the journal then holds what a resume needs.
core::Result<RespawnReport> RunGroups(cloud::Cloud& cloud, core::Clock& clock,
                                      journal::Journal& journal, const rollout::Policy& policy,
                                      const std::vector<GroupTask>& tasks,
                                      const RunOptions& options);

// The journal's word for an outcome: completed, rolled_back, paused, aborted, failed.
std::string StatusFor(rollout::Outcome outcome);

}  // namespace rotor::ops
