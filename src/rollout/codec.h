// JSON forms of what the journal keeps for a resume: the policy, a step (an intent), and the
// rollout state (after every outcome). Decoding a record from another rotor version that lacks
// a field leaves it at its default; a record that is not JSON at all is kInvalidArgument.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "rollout/policy.h"
#include "rollout/state.h"

namespace rotor::rollout {

// A launch spec, as every journaled record keeps one (the rollout state, a patch plan).
nlohmann::json SpecToJson(const cloud::LaunchSpec& spec);
cloud::LaunchSpec SpecFrom(const nlohmann::json& j);

std::string PolicyToJson(const Policy& policy);
core::Result<Policy> PolicyFromJson(const std::string& text);

std::string StepToJson(const Step& step);
core::Result<Step> StepFromJson(const std::string& text);

std::string StateToJson(const RolloutState& state);
core::Result<RolloutState> StateFromJson(const std::string& text);

// Successive states as the journal keeps them: {"full": STATE} for the first and every
// kFullEvery-th, otherwise {"delta": {the top-level fields that changed}}; "" when nothing
// changed. A 300-instance state is 16 KB in full, a step's delta well under 1 KB.
class StateWriter {
 public:
  static constexpr int kFullEvery = 64;
  std::string Next(const RolloutState& state);

 private:
  std::optional<RolloutState> last_;  // as last written
  int since_full_ = 0;
};

// Reads a group's states back, in journal order.
class StateReader {
 public:
  // kInvalidArgument for a part that is neither a full state nor a delta after one.
  core::Status Add(const std::string& part);
  bool has_state() const { return !current_.is_null(); }
  core::Result<RolloutState> State() const;

 private:
  nlohmann::json current_;
};

// An intent: the step, and (a StateWriter part) the state it was decided on when that changed
// since the last record (observations change it between acts: new members seen, boots measured).
struct Intent {
  Step step;
  std::string state;  // a StateWriter part, or ""
};
std::string IntentToJson(const Step& step, const std::string& state_part);
core::Result<Intent> IntentFromJson(const std::string& text);

}  // namespace rotor::rollout
