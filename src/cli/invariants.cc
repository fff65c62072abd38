#include "cli/invariants.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"

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
void InvariantChecker::BeforeStep(const rollout::RolloutState& s, const rollout::Step& step,
                                  const rollout::View& v) {
  ready_before_ = ReadyNow(s.group);
  int seen_ready = 0, taking_ready = 0;
  for (const rollout::Member& m : v.members) {
    if (!m.ready || s.deregistered.count(m.id)) continue;
    ++seen_ready;
    taking_ready += std::count(step.ids.begin(), step.ids.end(), m.id) > 0;
  }
  decided_blind_ =
      !v.fresh || (taking_ready > 0 && seen_ready - taking_ready < s.budget.min_healthy);
}

void InvariantChecker::AfterStep(const rollout::RolloutState& s, const rollout::Step& step) {
  int ready = static_cast<int>(ReadyNow(s.group).size());
  std::string what = rollout::Describe(step);
  // I1: rotor never takes ready instances out when that alone leaves fewer than min-healthy
  // ready — judged on what rotor could know: a fresh observation, and its own arithmetic on
  // it. (An instance failing between that observation and the act is the world's doing.)
  int took_ready =
      static_cast<int>(std::count_if(step.ids.begin(), step.ids.end(), [&](const std::string& id) {
        return ready_before_.count(id) > 0;
      }));
  int left = static_cast<int>(ready_before_.size()) - took_ready;
  if (TakesOut(step.kind) && took_ready > 0 && left < s.budget.min_healthy && decided_blind_) {
    sim_.AddViolation(fmt::format("I1: {}: {} left {} ready ({} now), below min-healthy {}",
                                  s.group, what, left, ready, s.budget.min_healthy));
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

std::vector<std::string> RequestRateViolations(const sim::SimCloud& sim) {
  return cloud::RateViolations(sim.calls(), sim.request_ceiling(), sim.start());
}

std::vector<std::string> SizeAndProcessViolations(const std::vector<cloud::Group>& before,
                                                  const std::vector<cloud::Group>& after) {
  std::vector<std::string> out;
  for (size_t i = 0; i < before.size() && i < after.size(); ++i) {
    const cloud::Group& b = before[i];
    const cloud::Group& a = after[i];
    if (a.min_size != b.min_size || a.max_size != b.max_size || a.desired != b.desired) {
      out.push_back(fmt::format("I3: {} ends at min/max/desired {}/{}/{}, began at {}/{}/{}",
                                a.name, a.min_size, a.max_size, a.desired, b.min_size, b.max_size,
                                b.desired));
    }
    if (a.suspended_processes != b.suspended_processes) {
      out.push_back(fmt::format("I3: {} ends with suspended processes [{}], began with [{}]",
                                a.name, core::Join(a.suspended_processes, ","),
                                core::Join(b.suspended_processes, ",")));
    }
  }
  return out;
}

}  // namespace rotor::cli
