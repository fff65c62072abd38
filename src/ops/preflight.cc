#include "ops/preflight.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "core/strings.h"
#include "rollout/engine.h"

namespace rotor::ops {
namespace {

core::Status Blocked(const std::string& text) { return core::Status(core::Code::kBlocked, text); }

std::string Minutes(core::Duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  return s % 60 == 0 ? fmt::format("{}m", s / 60) : fmt::format("{}s", s);
}

// A CloudFormation operation in progress on a group's stack would fight the rollout (an update
// may replace the group under it, a rollback may reset its sizes).
core::Status CheckStacks(cloud::Cloud& cloud, const std::vector<PreflightNeed>& needs,
                         const std::string& selected_stack) {
  std::set<std::string> stacks;
  if (!selected_stack.empty()) stacks.insert(selected_stack);
  for (const PreflightNeed& n : needs) {
    if (!n.group->stack_name.empty()) stacks.insert(n.group->stack_name);
  }
  for (const std::string& name : stacks) {
    auto stack = cloud.stacks.DescribeStack(name);
    if (!stack.ok()) {
      if (stack.status().code() == core::Code::kNotFound) continue;  // a tag left by a gone stack
      return stack.status();
    }
    if (stack->status.ends_with("_IN_PROGRESS")) {
      return Blocked(
          fmt::format("stack {} is {}: wait until CloudFormation finishes, then run respawn again",
                      name, stack->status));
    }
  }
  return core::Status::Ok();
}

core::Status CheckZones(const cloud::Group& g, const cloud::Surroundings& s) {
  for (const cloud::LoadBalancerZones& lb : s.load_balancers) {
    if (lb.zones.empty()) {
      return Blocked(fmt::format(
          "target group {} of group {} is attached to no load balancer: its targets are never "
          "health-checked, so no new instance would become ready; attach it to a load balancer "
          "or detach it from the group",
          lb.load_balancer, g.name));
    }
    std::vector<std::string> missing;
    for (const std::string& z : g.zones) {
      if (std::find(lb.zones.begin(), lb.zones.end(), z) == lb.zones.end()) missing.push_back(z);
    }
    if (!missing.empty()) {
      return Blocked(fmt::format(
          "load balancer {} is not enabled in {} where group {} launches: instances there never "
          "turn healthy; enable the zone(s) on the load balancer or remove them from the group",
          lb.load_balancer, core::Join(missing, ", "), g.name));
    }
  }
  return core::Status::Ok();
}

// A launching hook holds every new instance in Pending:Wait until something completes it or the
// heartbeat timeout passes. With a timeout at least as long as --health-timeout, rotor would give
// up on instances the hook still holds, and if nothing completes the hook every launch fails: the
// rollout could never finish. Whether something completes it cannot be known from here (an
// EventBridge rule notifies nothing the hook names), so the operator says so with a longer
// --health-timeout.
core::Status CheckHooks(const cloud::Group& g, const cloud::Surroundings& s,
                        const rollout::Policy& policy) {
  for (const cloud::LifecycleHook& h : s.hooks) {
    if (!h.Launching() || h.heartbeat_timeout < policy.health_timeout) continue;
    return Blocked(fmt::format(
        "lifecycle hook {} of group {} may hold each new instance in Pending:Wait for {} (then "
        "{}), not less than --health-timeout {}: rotor would give up on instances the hook still "
        "holds. If something completes the hook ({}), pass --health-timeout above {}; otherwise "
        "shorten its heartbeat timeout or delete it",
        h.name, g.name, Minutes(h.heartbeat_timeout), h.default_result,
        Minutes(policy.health_timeout),
        h.notification_target.empty() ? "nothing is notified"
                                      : "it notifies " + h.notification_target,
        Minutes(h.heartbeat_timeout)));
  }
  return core::Status::Ok();
}

core::Status CheckGroup(cloud::Cloud& cloud, const cloud::Group& g, const rollout::Policy& policy,
                        std::vector<std::string>& unchecked) {
  ASSIGN_OR_RETURN(cloud::Surroundings s, cloud.groups.DescribeSurroundings(g.name));
  if (!s.instance_refresh.empty()) {
    return Blocked(fmt::format(
        "group {} has an unfinished Instance Refresh ({}): wait for it, or cancel it with `aws "
        "autoscaling cancel-instance-refresh --auto-scaling-group-name {}`, then run respawn again",
        g.name, s.instance_refresh, g.name));
  }
  RETURN_IF_ERROR(CheckZones(g, s));
  RETURN_IF_ERROR(CheckHooks(g, s, policy));
  for (const std::string& u : s.unknown) unchecked.push_back(g.name + ": " + u);
  return core::Status::Ok();
}

// Probes that fail on every member the load balancers count ready would never pass on a new
// one either: a wrong port or path, or a network rotor's machine cannot reach.
core::Status CheckProbes(const cloud::Group& g,
                         const std::function<core::Status(const cloud::Instance&)>& probe) {
  core::Status first;
  for (const cloud::Instance& i : g.instances) {
    if (!rollout::IsReady(i)) continue;
    core::Status s = probe(i);
    if (s.ok()) return core::Status::Ok();
    if (first.ok()) first = s.WithContext(i.id);
  }
  if (first.ok()) return core::Status::Ok();  // no ready member to try them on
  return Blocked(fmt::format(
      "the probes fail on every ready member of group {} ({}): no new instance could ever count "
      "as ready. Check the port, path or command, and that this machine reaches the instances "
      "(security groups, VPN, the --ssh-* settings), or try --probe-address public",
      g.name, first.message()));
}

// The peak of extra instances per instance type: the `parallel` largest needs at once.
core::Status CheckQuota(cloud::Cloud& cloud, const std::vector<PreflightNeed>& needs, int parallel,
                        std::vector<std::string>& unchecked) {
  std::map<std::string, std::vector<int>> by_type;
  for (const PreflightNeed& n : needs) {
    if (n.extra_instances > 0) by_type[n.group->spec.instance_type].push_back(n.extra_instances);
  }
  for (auto& [type, extra] : by_type) {
    std::sort(extra.begin(), extra.end(), std::greater<>());
    int need = 0;
    for (size_t i = 0; i < extra.size() && i < static_cast<size_t>(std::max(1, parallel)); ++i) {
      need += extra[i];
    }
    std::string shown = type.empty() ? "the groups' instance type" : type;
    ASSIGN_OR_RETURN(cloud::LaunchRoom room, cloud.instances.RoomFor(type));
    if (!room.instances) {
      unchecked.push_back(fmt::format("instance quota for {}: {}", shown, room.why_unknown));
      continue;
    }
    if (*room.instances < need) {
      return Blocked(fmt::format(
          "the account's on-demand instance quota leaves room for {} more {} ({}) but the "
          "rollout launches up to {} at once: ask AWS for a higher quota, or lower --max-surge "
          "(or use --strategy replace, which launches nothing extra)",
          *room.instances, shown, room.detail, need));
    }
  }
  return core::Status::Ok();
}

}  // namespace

core::Status Preflight(cloud::Cloud& cloud, const std::vector<PreflightNeed>& needs,
                       const rollout::Policy& policy, const PreflightOptions& options,
                       std::vector<std::string>& unchecked) {
  RETURN_IF_ERROR(CheckStacks(cloud, needs, options.selected_stack));
  for (const PreflightNeed& n : needs) {
    RETURN_IF_ERROR(CheckGroup(cloud, *n.group, policy, unchecked));
    if (options.probe) RETURN_IF_ERROR(CheckProbes(*n.group, options.probe));
  }
  return CheckQuota(cloud, needs, options.parallel, unchecked);
}

}  // namespace rotor::ops
