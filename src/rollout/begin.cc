// The start of a rollout: which instances go, in which order, with which budget.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/strings.h"
#include "rollout/plan.h"

namespace rotor::rollout {
namespace {

bool OlderFirst(const cloud::Instance& a, const cloud::Instance& b) {
  return std::tie(a.launch_time, a.id) < std::tie(b.launch_time, b.id);
}

// Take from the zone with the most victims left (oldest first within it), so that no zone is
// emptied while another still has several to go.
std::vector<const cloud::Instance*> AzBalanced(std::vector<const cloud::Instance*> victims) {
  std::map<std::string, std::vector<const cloud::Instance*>> by_zone;
  for (const auto* i : victims) by_zone[i->zone].push_back(i);
  std::vector<const cloud::Instance*> out;
  while (out.size() < victims.size()) {
    auto fullest = by_zone.begin();
    for (auto it = by_zone.begin(); it != by_zone.end(); ++it) {
      if (it->second.empty()) continue;
      bool more = it->second.size() > fullest->second.size();
      bool tie_older = it->second.size() == fullest->second.size() && !fullest->second.empty() &&
                       OlderFirst(*it->second.front(), *fullest->second.front());
      if (fullest->second.empty() || more || tie_older) fullest = it;
    }
    out.push_back(fullest->second.front());
    fullest->second.erase(fullest->second.begin());
  }
  return out;
}

// The spec most victims run: where a rollback returns the group.
cloud::LaunchSpec CommonSpec(const std::vector<const cloud::Instance*>& victims,
                             const cloud::Group& group) {
  std::map<std::string, int> counts;
  std::map<std::string, cloud::LaunchSpec> specs;
  for (const auto* i : victims) {
    cloud::LaunchSpec s = i->spec;
    if (s.kind == cloud::LaunchSpec::Kind::kTemplate && s.template_id.empty()) {
      s.template_id = group.spec.template_id;
    }
    std::string key = s.Describe();
    ++counts[key];
    specs[key] = s;
  }
  std::string best;
  for (const auto& [key, n] : counts) {
    if (best.empty() || n > counts[best]) best = key;
  }
  return best.empty() ? group.spec : specs[best];
}

}  // namespace

std::vector<std::string> OrderVictims(const cloud::Group& group, const Policy& policy) {
  std::vector<const cloud::Instance*> victims;
  for (const cloud::Instance& i : group.instances) {
    if (policy.all || cloud::IsOutOfDate(group, i)) victims.push_back(&i);
  }
  std::sort(victims.begin(), victims.end(), [&](auto* a, auto* b) {
    return policy.order == Order::kId ? a->id < b->id : OlderFirst(*a, *b);
  });
  if (policy.order == Order::kAzBalanced) victims = AzBalanced(victims);
  std::vector<std::string> ids;
  for (const auto* i : victims) ids.push_back(i->id);
  return ids;
}

core::Result<RolloutState> Begin(const cloud::Group& group, const Policy& policy, core::Time now) {
  for (const std::string& proc : RequiredProcesses()) {
    if (std::find(group.suspended_processes.begin(), group.suspended_processes.end(), proc) !=
        group.suspended_processes.end()) {
      return core::Status(core::Code::kBlocked,
                          fmt::format("{}: the {} process is suspended by someone else; resume it "
                                      "(aws autoscaling resume-processes) or wait for whoever "
                                      "suspended it",
                                      group.name, proc));
    }
  }
  ASSIGN_OR_RETURN(Budget budget, ComputeBudget(policy, group.desired));
  RolloutState s;
  s.group = group.name;
  s.phase = Phase::kRolling;
  s.budget = budget;
  s.original = {group.min_size, group.max_size, group.desired, group.suspended_processes, {}};
  s.victims = OrderVictims(group, policy);
  for (const cloud::Instance& i : group.instances) s.initial.insert(i.id);
  std::vector<const cloud::Instance*> victim_instances;
  for (const cloud::Instance& i : group.instances) {
    if (std::find(s.victims.begin(), s.victims.end(), i.id) != s.victims.end()) {
      victim_instances.push_back(&i);
    }
  }
  s.original.old_spec = CommonSpec(victim_instances, group);
  int n = static_cast<int>(s.victims.size());
  switch (policy.strategy) {
    case Strategy::kSurge:
      s.surge = std::min(budget.max_surge, n);
      break;
    case Strategy::kDouble:
      s.surge = n;
      break;
    case Strategy::kReplace:
      s.surge = 0;
      break;
  }
  if (policy.max_size_cap > 0 && group.desired + s.surge > policy.max_size_cap) {
    int room = std::max(0, policy.max_size_cap - group.desired);
    if (room == 0 && s.surge > 0) {
      return core::Status(core::Code::kBlocked,
                          fmt::format("{}: --max-size-cap {} leaves no room above desired {} for "
                                      "the surge; raise the cap or use --strategy replace",
                                      group.name, policy.max_size_cap, group.desired));
    }
    if (policy.strategy == Strategy::kDouble) {
      return core::Status(core::Code::kBlocked,
                          fmt::format("{}: --strategy double needs {} instances, above "
                                      "--max-size-cap {}",
                                      group.name, group.desired + n, policy.max_size_cap));
    }
    s.surge = room;
  }
  s.canary_left = policy.canary > 0 ? std::min(policy.canary, n) : -1;
  s.started = now;
  if (policy.deadline.count() > 0) s.deadline = now + policy.deadline;
  return s;
}

}  // namespace rotor::rollout
