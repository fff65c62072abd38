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

std::set<std::string> InvariantChecker::ReadyNow(const std::string& group) const {
  std::set<std::string> out;
  for (const cloud::Group& g : sim_.Peek()) {
    if (g.name != group) continue;
    for (const cloud::Instance& i : g.instances) {
      if (rollout::IsReady(i)) out.insert(i.id);
    }
  }
  return out;
}

// The truth right before the act: what changes during it by other hands (a zone failing, an
// instance turning unhealthy) is not rotor's doing.
void InvariantChecker::BeforeStep(const rollout::RolloutState& s, const rollout::Step&) {
  ready_before_ = ReadyNow(s.group);
}

void InvariantChecker::AfterStep(const rollout::RolloutState& s, const rollout::Step& step) {
  int ready = static_cast<int>(ReadyNow(s.group).size());
  std::string what = rollout::Describe(step);
  // I1: rotor never takes a ready instance out when that leaves fewer than min-healthy ready.
  bool took_ready = std::any_of(step.ids.begin(), step.ids.end(),
                                [&](const std::string& id) { return ready_before_.count(id) > 0; });
  if (TakesOut(step.kind) && took_ready && ready < s.budget.min_healthy) {
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
