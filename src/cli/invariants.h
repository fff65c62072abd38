// Invariants I1–I4 (DESIGN.md section 3), checked against the simulator's ground truth after
// every step a rollout takes. Violations go to SimCloud::AddViolation.
#pragma once

#include "rollout/engine.h"
#include "sim/sim_cloud.h"

namespace rotor::cli {

class InvariantChecker {
 public:
  explicit InvariantChecker(sim::SimCloud& sim) : sim_(sim) {}

  // For EngineOptions::after_step.
  void BeforeStep(const rollout::RolloutState& state, const rollout::Step& step,
                  const rollout::View& view);
  void AfterStep(const rollout::RolloutState& state, const rollout::Step& step);

 private:
  std::set<std::string> ReadyNow(const std::string& group) const;

  sim::SimCloud& sim_;
  std::set<std::string> ready_before_;  // truly ready right before the current act
  bool decided_blind_ = false;          // the act was decided on a stale view, or over budget
};

// I9 over the whole run: requests per second to each service within the run's ceiling. One
// message per service that went over.
std::vector<std::string> RequestRateViolations(const sim::SimCloud& sim);

// I3 at the end: every group's min, max, desired and suspended processes as they began (groups
// in the same order in both). One message per difference; empty when they all held.
std::vector<std::string> SizeAndProcessViolations(const std::vector<cloud::Group>& before,
                                                  const std::vector<cloud::Group>& after);

}  // namespace rotor::cli
