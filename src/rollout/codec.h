// JSON forms of what the journal keeps for a resume: the policy, a step (an intent), and the
// rollout state (after every outcome). Decoding a record from another rotor version that lacks
// a field leaves it at its default; a record that is not JSON at all is kInvalidArgument.
#pragma once

#include <string>

#include "rollout/policy.h"
#include "rollout/state.h"

namespace rotor::rollout {

std::string PolicyToJson(const Policy& policy);
core::Result<Policy> PolicyFromJson(const std::string& text);

std::string StepToJson(const Step& step);
core::Result<Step> StepFromJson(const std::string& text);

std::string StateToJson(const RolloutState& state);
core::Result<RolloutState> StateFromJson(const std::string& text);

// An intent: the step, and the state it was decided on when that differs from the last state
// journaled (observations change it between acts: new members seen, boots measured).
struct Intent {
  Step step;
  std::optional<RolloutState> state;
};
std::string IntentToJson(const Step& step, const std::string& state_json);  // "" = unchanged
core::Result<Intent> IntentFromJson(const std::string& text);

}  // namespace rotor::rollout
