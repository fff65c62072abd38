#include "ops/respawn.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "journal/lease.h"
#include "ops/preflight.h"
#include "ops/rollouts.h"
#include "rollout/codec.h"

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
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, cloud.groups.ObserveGroups(targets.groups));
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
      ASSIGN_OR_RETURN(drain, cloud.groups.DrainTime(g.name));
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

core::Result<RespawnReport> Respawn(cloud::Cloud& cloud, core::Clock& clock,
                                    journal::Journal& journal, const RespawnPlan& plan,
                                    const rollout::Policy& policy, const RespawnOptions& options) {
  std::vector<std::string> groups;
  std::vector<GroupTask> tasks;
  for (const GroupPlan& gp : plan.groups) {
    groups.push_back(gp.group);
    tasks.push_back({gp.group, std::nullopt, std::nullopt});
  }
  RETURN_IF_ERROR(RefuseUnfinished(journal, groups));
  // The leases first, then the record: of two rotors starting at once, the one without the
  // leases leaves nothing behind.
  journal::LeaseKeeper leases(journal, clock, options.owner, options.rollout_id, options.lease_ttl,
                              options.owner_gone);
  RETURN_IF_ERROR(leases.TakeAll(journal::GroupResources(groups), /*force=*/false));
  journal::RolloutInfo info;
  info.id = options.rollout_id;
  info.kind = options.kind;
  info.command = options.command;
  info.owner = options.owner;
  info.resources = journal::GroupResources(groups);
  info.policy = rollout::PolicyToJson(policy);
  info.started = info.updated = clock.Now();
  if (core::Status created = journal.CreateRollout(info); !created.ok()) {
    leases.ReleaseAll();
    return created;
  }
  return RunJournaled(cloud, clock, journal, policy, tasks, options, leases);
}

}  // namespace rotor::ops
