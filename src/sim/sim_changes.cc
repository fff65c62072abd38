// SimGroupChanges: each change costs the calls AwsCloud would make (through the world's API
// gate), then acts on the simulated world and lets the groups reconcile.
#include "sim/sim_changes.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "sim/world.h"

namespace rotor::sim {
namespace {

core::Status Validation(const std::string& message) {
  return core::Status(core::Code::kFailedPrecondition, message).set_aws_code("ValidationError");
}

const std::set<std::string>& KnownProcesses() {
  static const std::set<std::string> k = {
      "Launch",           "Terminate",         "HealthCheck",
      "ReplaceUnhealthy", "AZRebalance",       "AlarmNotification",
      "ScheduledActions", "AddToLoadBalancer", "InstanceRefresh"};
  return k;
}

}  // namespace

core::Status SimGroupChanges::SetSizes(const std::string& name, const cloud::Sizes& sizes) {
  ASSIGN_OR_RETURN(int g, world_.GroupIndex(name));
  RETURN_IF_ERROR(world_.Api(kAsg, "UpdateAutoScalingGroup", true));
  Grp& grp = *world_.groups_[g];
  int min = sizes.min.value_or(grp.min), max = sizes.max.value_or(grp.max);
  int desired = sizes.desired.value_or(grp.desired);
  if (min > max || desired < min || desired > max) {
    return Validation(
        fmt::format("Desired capacity:{} must be between the specified min size:{} "
                    "and max size:{}",
                    desired, min, max));
  }
  grp.min = min, grp.max = max, grp.desired = desired;
  world_.Trace("set_sizes", fmt::format("{} min {} max {} desired {}", name, min, max, desired));
  world_.Reconcile(g);
  return core::Status::Ok();
}

core::Status SimGroupChanges::SetLaunchSpec(const std::string& name,
                                            const cloud::LaunchSpec& spec) {
  ASSIGN_OR_RETURN(int g, world_.GroupIndex(name));
  RETURN_IF_ERROR(world_.Api(kAsg, "UpdateAutoScalingGroup", true));
  Grp& grp = *world_.groups_[g];
  if (spec.kind == cloud::LaunchSpec::Kind::kTemplate) {
    if (grp.tmpl < 0 || world_.templates_[grp.tmpl]->id != spec.template_id) {
      return Validation("launch template " + spec.template_id + " is not this group's");
    }
    std::string v = spec.resolved_version.empty() ? spec.version : spec.resolved_version;
    int n = v == "$Latest" || v == "$Default" ? 1 : std::atoi(v.c_str());
    if (n < 1 || n > static_cast<int>(world_.templates_[grp.tmpl]->versions.size())) {
      return Validation("launch template version " + v + " does not exist");
    }
    grp.version = v;
  } else {
    if (!world_.configurations_.count(spec.configuration_name)) {
      return Validation("launch configuration " + spec.configuration_name + " does not exist");
    }
    grp.tmpl = -1;
    grp.configuration = spec.configuration_name;
  }
  world_.Trace("set_launch_spec", name + " " + spec.Describe());
  return core::Status::Ok();
}

core::Status SimGroupChanges::SuspendProcesses(const std::string& name,
                                               const std::vector<std::string>& p) {
  ASSIGN_OR_RETURN(int g, world_.GroupIndex(name));
  RETURN_IF_ERROR(world_.Api(kAsg, "SuspendProcesses", true));
  for (const std::string& proc : p) {
    if (!KnownProcesses().count(proc)) return Validation("unknown process " + proc);
  }
  world_.groups_[g]->suspended.insert(p.begin(), p.end());
  world_.Trace("suspend", name + " " + core::Join(p, ","));
  return core::Status::Ok();
}

core::Status SimGroupChanges::ResumeProcesses(const std::string& name,
                                              const std::vector<std::string>& p) {
  ASSIGN_OR_RETURN(int g, world_.GroupIndex(name));
  RETURN_IF_ERROR(world_.Api(kAsg, "ResumeProcesses", true));
  for (const std::string& proc : p) {
    if (!KnownProcesses().count(proc)) return Validation("unknown process " + proc);
    world_.groups_[g]->suspended.erase(proc);
  }
  world_.Trace("resume", name + " " + core::Join(p, ","));
  world_.Reconcile(g);
  return core::Status::Ok();
}

core::Status SimGroupChanges::TerminateInstance(const std::string& id, bool decrement) {
  RETURN_IF_ERROR(world_.Api(kAsg, "TerminateInstanceInAutoScalingGroup", true));
  int i = world_.InstanceIndex(id);
  if (i < 0 || world_.insts_[i]->group < 0) {  // as AwsCloud translates Auto Scaling's answer
    return core::Status(core::Code::kNotFound,
                        fmt::format("instance {} is in no Auto Scaling group: Instance Id not "
                                    "found - {}",
                                    id, id))
        .set_aws_code("ValidationError");
  }
  int g = world_.insts_[i]->group;
  Grp& grp = *world_.groups_[g];
  if (decrement) {
    if (grp.desired - 1 < grp.min) {
      return Validation(
          fmt::format("Currently, desiredSize equals minSize ({}). Terminating "
                      "instance without replacement will violate group's min size "
                      "constraint.",
                      grp.min));
    }
    --grp.desired;
  }
  world_.StartTermination(i, decrement ? "by rotor, decrementing" : "by rotor");
  world_.Reconcile(g);
  return core::Status::Ok();
}

core::Status SimGroupChanges::DetachInstances(const std::string& name,
                                              const std::vector<std::string>& ids, bool decrement) {
  ASSIGN_OR_RETURN(int g, world_.GroupIndex(name));
  for (int p = Pages(ids.size(), 20); p > 0; --p)
    RETURN_IF_ERROR(world_.Api(kAsg, "DetachInstances", true));
  Grp& grp = *world_.groups_[g];
  std::vector<int> idx;
  for (const std::string& id : ids) {
    int i = world_.InstanceIndex(id);
    if (i < 0 || world_.insts_[i]->group != g) {
      return Validation(
          fmt::format("The instance {} is not part of Auto Scaling group {}.", id, name));
    }
    idx.push_back(i);
  }
  if (decrement && grp.desired - static_cast<int>(idx.size()) < grp.min) {
    return Validation(
        "Detaching these instances with decrement would go below the group's min size");
  }
  for (int i : idx) {
    world_.RemoveFromGroup(i);
    world_.Drain(i, world_.clock_.Now());
    world_.Trace("detach", fmt::format("{} from {}{}", world_.insts_[i]->id, name,
                                       decrement ? ", decrementing" : ""));
  }
  if (decrement) grp.desired -= static_cast<int>(idx.size());
  world_.Reconcile(g);
  return core::Status::Ok();
}

core::Status SimGroupChanges::AttachInstances(const std::string& name,
                                              const std::vector<std::string>& ids) {
  ASSIGN_OR_RETURN(int g, world_.GroupIndex(name));
  for (int p = Pages(ids.size(), 20); p > 0; --p)
    RETURN_IF_ERROR(world_.Api(kAsg, "AttachInstances", true));
  Grp& grp = *world_.groups_[g];
  std::vector<int> idx;
  for (const std::string& id : ids) {
    int i = world_.InstanceIndex(id);
    if (i < 0 || world_.insts_[i]->state != Ec2State::kRunning || world_.insts_[i]->group >= 0) {
      return Validation(fmt::format("Instance {} is not running or already in a group.", id));
    }
    idx.push_back(i);
  }
  if (grp.desired + static_cast<int>(idx.size()) > grp.max) {
    return Validation(fmt::format("Attaching {} instances to {} would exceed its max size {}.",
                                  idx.size(), name, grp.max));
  }
  for (int i : idx) {
    Inst& in = *world_.insts_[i];
    in.group = g;
    grp.members.push_back(i);
    for (int lb : grp.lbs) world_.Register(i, lb, world_.clock_.Now());
    world_.Trace("attach", fmt::format("{} to {}", in.id, name));
  }
  grp.desired += static_cast<int>(idx.size());
  return core::Status::Ok();
}

core::Status SimGroupChanges::Deregister(const std::string& name,
                                         const std::vector<std::string>& ids) {
  ASSIGN_OR_RETURN(int g, world_.GroupIndex(name));
  RETURN_IF_ERROR(world_.Api(kAsg, "DescribeAutoScalingGroups", false));
  for (int lb : world_.groups_[g]->lbs) {
    bool classic = world_.lbs_[lb]->spec.type == LoadBalancerSpec::Type::kElb;
    RETURN_IF_ERROR(world_.Api(
        kElb, classic ? "DeregisterInstancesFromLoadBalancer" : "DeregisterTargets", true));
  }
  for (const std::string& id : ids) {
    int i = world_.InstanceIndex(id);
    if (i < 0) continue;  // AWS ignores targets it does not know
    world_.Drain(i, world_.clock_.Now());
    world_.Trace("deregister", id);
  }
  return core::Status::Ok();
}

}  // namespace rotor::sim
