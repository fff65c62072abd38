// The pure planner: from one observation, the policy and the rollout's journaled state, the one
// next step (DESIGN.md section 3). No I/O, no clock: `view.now` is the time.
#pragma once

#include "rollout/policy.h"
#include "rollout/state.h"

namespace rotor::rollout {

// Processes rotor suspends for a rollout (and resumes, exactly those it suspended).
std::vector<std::string> ProcessesToSuspend(Strategy strategy);
// Processes without which a rollout cannot work; suspended by someone else: pre-flight refusal.
const std::vector<std::string>& RequiredProcesses();

// The rollout's starting state for an observed group: victims in order, budget, surge, the
// spec to return to. kInvalidArgument for a bad policy; kBlocked when the group cannot be
// rolled (a required process suspended by someone else, no room under --max-size-cap).
core::Result<RolloutState> Begin(const cloud::Group& group, const Policy& policy, core::Time now);

// The victims of `group` in the policy's order (exposed for tests and --dry-run).
std::vector<std::string> OrderVictims(const cloud::Group& group, const Policy& policy);

Step NextStep(const View& view, const Policy& policy, const RolloutState& state);

}  // namespace rotor::rollout
