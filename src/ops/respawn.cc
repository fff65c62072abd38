#include "ops/respawn.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "ops/preflight.h"

namespace rotor::ops {
namespace {

using namespace std::chrono_literals;

// Batches as the strategy takes them: surge s at a time, replace max-unavailable at a time,
// double all at once; a canary first when asked.
std::vector<std::vector<std::string>> Batches(const std::vector<std::string>& victims,
                                              const rollout::Policy& p, const rollout::Budget& b,
                                              int surge) {
  int size = p.strategy == rollout::Strategy::kDouble    ? static_cast<int>(victims.size())
             : p.strategy == rollout::Strategy::kReplace ? std::max(1, b.max_unavailable)
                                                         : std::max(1, surge);
  std::vector<std::vector<std::string>> out;
  size_t i = 0;
  if (p.canary > 0) {
    out.emplace_back(victims.begin(), victims.begin() + std::min<size_t>(p.canary, victims.size()));
    i = out.back().size();
  }
  while (i < victims.size()) {
    size_t n = std::min<size_t>(size, victims.size() - i);
    out.emplace_back(victims.begin() + i, victims.begin() + i + n);
    i += n;
  }
  return out;
}

}  // namespace

core::Result<RespawnPlan> PlanRespawn(cloud::Cloud& cloud, const TargetSelector& selector,
                                      const rollout::Policy& policy, core::Time now,
                                      const PreflightOptions& options) {
  ASSIGN_OR_RETURN(Targets targets, ResolveTargets(cloud, selector));
  RespawnPlan plan;
  plan.stack = targets.stack;
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, cloud.ObserveGroups(targets.groups));
  std::vector<rollout::RolloutState> states;
  std::vector<PreflightNeed> needs;
  for (const cloud::Group& g : groups) {
    ASSIGN_OR_RETURN(rollout::RolloutState s, rollout::Begin(g, policy, now));
    needs.push_back({&g, s.victims.empty() ? 0 : s.surge});
    states.push_back(std::move(s));
  }
  PreflightOptions checks = options;
  checks.selected_stack = targets.stack;
  RETURN_IF_ERROR(Preflight(cloud, needs, policy, checks, plan.unchecked));
  for (size_t i = 0; i < groups.size(); ++i) {
    const cloud::Group& g = groups[i];
    const rollout::RolloutState& s = states[i];
    core::Duration drain = policy.drain.value_or(core::Duration(0));
    if (!policy.drain) {
      ASSIGN_OR_RETURN(drain, cloud.DrainTime(g.name));
    }
    GroupPlan gp{g.name,   g.desired, s.victims, Batches(s.victims, policy, s.budget, s.surge),
                 s.budget, s.surge,   {}};
    core::Duration per_batch = 60s + policy.warmup;
    if (policy.strategy == rollout::Strategy::kReplace) per_batch += drain;
    gp.estimate = static_cast<int>(gp.batches.size()) * per_batch +
                  (gp.victims.empty() ? 0s : drain) + (policy.canary > 0 ? policy.bake : 0s);
    plan.groups.push_back(std::move(gp));
  }
  return plan;
}

namespace {

GroupOutcome OutcomeOf(const std::string& group, const rollout::Result& r) {
  return {group, r.outcome, r.reason, static_cast<int>(r.state.removed.size()),
          static_cast<int>(r.state.victims.size())};
}

// Several groups at once in one thread: each engine is advanced when its next wake-up comes, the
// earliest first (ties in plan order, so a simulation stays deterministic).
class Interleaver {
 public:
  Interleaver(cloud::Cloud& cloud, core::Clock& clock, journal::Journal& journal,
              const RespawnPlan& plan, const rollout::Policy& policy, const RespawnOptions& options)
      : cloud_(cloud),
        clock_(clock),
        journal_(journal),
        plan_(plan),
        policy_(policy),
        options_(options),
        outcomes_(plan.groups.size()) {}

  core::Result<RespawnReport> Run() {
    size_t parallel = static_cast<size_t>(std::max(1, options_.parallel));
    while (next_ < plan_.groups.size() || !active_.empty()) {
      while (!stop_starting_ && active_.size() < parallel && next_ < plan_.groups.size()) {
        RETURN_IF_ERROR(StartNext());
      }
      if (active_.empty()) break;
      auto soonest = std::min_element(active_.begin(), active_.end(), [](auto& a, auto& b) {
        return a.wake < b.wake || (a.wake == b.wake && a.index < b.index);
      });
      clock_.SleepUntil(soonest->wake);
      ASSIGN_OR_RETURN(std::optional<core::Time> wake, soonest->engine->Advance());
      if (wake) {
        soonest->wake = *wake;
        continue;
      }
      Finished(soonest->index,
               OutcomeOf(plan_.groups[soonest->index].group, soonest->engine->result()));
      active_.erase(soonest);
    }
    RespawnReport report;
    for (auto& o : outcomes_) {
      if (!o) continue;
      report.groups.push_back(*o);
    }
    report.outcome = worst_;
    return report;
  }

 private:
  struct Active {
    size_t index;
    std::unique_ptr<rollout::Engine> engine;
    core::Time wake;
  };

  // A group that cannot start while others roll is reported as failed, and no further group
  // starts; alone, its error is the command's.
  core::Status StartNext() {
    size_t i = next_++;
    const std::string& group = plan_.groups[i].group;
    rollout::EngineOptions eo{options_.rollout_id + "/" + group,
                              options_.on_event,
                              options_.before_step,
                              options_.after_step,
                              options_.interrupted,
                              options_.probe};
    auto engine = std::make_unique<rollout::Engine>(cloud_, clock_, journal_, policy_, eo);
    core::Status started = engine->Start(group);
    if (!started.ok()) {
      if (active_.empty() || started.code() == core::Code::kAborted) return started;
      Finished(i, {group, rollout::Outcome::kFailed, started.message(), 0, 0});
      return core::Status::Ok();
    }
    active_.push_back({i, std::move(engine), clock_.Now()});
    return core::Status::Ok();
  }

  // The groups not started yet are left as they are once one does not complete.
  void Finished(size_t index, GroupOutcome outcome) {
    if (outcome.outcome != rollout::Outcome::kCompleted) {
      stop_starting_ = true;
      if (worst_ == rollout::Outcome::kCompleted) worst_ = outcome.outcome;
    }
    outcomes_[index] = std::move(outcome);
  }

  cloud::Cloud& cloud_;
  core::Clock& clock_;
  journal::Journal& journal_;
  const RespawnPlan& plan_;
  const rollout::Policy& policy_;
  const RespawnOptions& options_;
  std::vector<std::optional<GroupOutcome>> outcomes_;
  std::vector<Active> active_;
  size_t next_ = 0;
  bool stop_starting_ = false;
  rollout::Outcome worst_ = rollout::Outcome::kCompleted;
};

}  // namespace

core::Result<RespawnReport> Respawn(cloud::Cloud& cloud, core::Clock& clock,
                                    journal::Journal& journal, const RespawnPlan& plan,
                                    const rollout::Policy& policy, const RespawnOptions& options) {
  return Interleaver(cloud, clock, journal, plan, policy, options).Run();
}

}  // namespace rotor::ops
