#include "cli/invariants.h"

#include <fmt/format.h>

#include <algorithm>

namespace rotor::cli {
namespace {

using Kind = rollout::Step::Kind;

bool TakesOut(Kind k) {
  return k == Kind::kDetach || k == Kind::kDeregister || k == Kind::kTerminate;
}

}  // namespace

static int SimReady(const cloud::Group& g) {
  int n = 0;
  for (const cloud::Instance& i : g.instances) n += rollout::IsReady(i);
  return n;
}

int InvariantChecker::ReadyNow(const std::string& group) const {
  for (const cloud::Group& g : sim_.Peek()) {
    if (g.name == group) return SimReady(g);
  }
  return 0;
}

// The truth right before the act: what changed since the last step was not rotor's doing.
void InvariantChecker::BeforeStep(const rollout::RolloutState& s, const rollout::Step&) {
  ready_before_[s.group] = ReadyNow(s.group);
}

void InvariantChecker::AfterStep(const rollout::RolloutState& s, const rollout::Step& step) {
  int ready = ReadyNow(s.group);
  int before = ready_before_.count(s.group) ? ready_before_[s.group] : ready;
  std::string what = rollout::Describe(step);
  // I1: rotor never takes ready instances out below min-healthy.
  if (TakesOut(step.kind) && ready < s.budget.min_healthy && ready < before) {
    sim_.AddViolation(fmt::format("I1: {}: {} left {} ready, below min-healthy {}", s.group, what,
                                  ready, s.budget.min_healthy));
  }
  // I2: rotor takes out only instances its plan chose (victims, or new ones it gave up on).
  if (TakesOut(step.kind) || step.kind == Kind::kTerminateDetached) {
    for (const std::string& id : step.ids) {
      bool chosen = std::find(s.victims.begin(), s.victims.end(), id) != s.victims.end() ||
                    s.failed.count(id) || s.chosen.count(id);
      if (!chosen) sim_.AddViolation(fmt::format("I2: {}: {} was not in the plan", s.group, what));
    }
  }
  // I4: at the end, everything rotor took out is terminated (unless paused for a person).
  if (step.kind == Kind::kFinish && s.outcome != rollout::Outcome::kPaused) {
    for (const std::string& id : s.removed) {
      std::string state = sim_.PeekState(id);
      if (state == "running" || state == "pending") {
        bool member = false;
        for (const cloud::Group& g : sim_.Peek()) {
          for (const cloud::Instance& i : g.instances) member |= i.id == id;
        }
        if (!member) {
          sim_.AddViolation(
              fmt::format("I4: {}: {} was taken out but is still {}", s.group, id, state));
        }
      }
    }
  }
}

}  // namespace rotor::cli
