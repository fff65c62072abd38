// SimCloud's changes: each costs the calls AwsCloud would make (sim_api.cc), then acts on the
// simulated world and lets the groups reconcile.
#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "sim/sim_state.h"

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

core::Status SimCloud::SetSizes(const std::string& name, const cloud::Sizes& sizes) {
  ASSIGN_OR_RETURN(int g, GroupIndex(name));
  RETURN_IF_ERROR(Api(kAsg, "UpdateAutoScalingGroup", true));
  Grp& grp = *groups_[g];
  int min = sizes.min.value_or(grp.min), max = sizes.max.value_or(grp.max);
  int desired = sizes.desired.value_or(grp.desired);
  if (min > max || desired < min || desired > max) {
    return Validation(
        fmt::format("Desired capacity:{} must be between the specified min size:{} "
                    "and max size:{}",
                    desired, min, max));
  }
  grp.min = min, grp.max = max, grp.desired = desired;
  Trace("set_sizes", fmt::format("{} min {} max {} desired {}", name, min, max, desired));
  Reconcile(g);
  return core::Status::Ok();
}

core::Status SimCloud::SetLaunchSpec(const std::string& name, const cloud::LaunchSpec& spec) {
  ASSIGN_OR_RETURN(int g, GroupIndex(name));
  RETURN_IF_ERROR(Api(kAsg, "UpdateAutoScalingGroup", true));
  Grp& grp = *groups_[g];
  if (spec.kind == cloud::LaunchSpec::Kind::kTemplate) {
    if (grp.tmpl < 0 || templates_[grp.tmpl]->id != spec.template_id) {
      return Validation("launch template " + spec.template_id + " is not this group's");
    }
    std::string v = spec.resolved_version.empty() ? spec.version : spec.resolved_version;
    int n = v == "$Latest" || v == "$Default" ? 1 : std::atoi(v.c_str());
    if (n < 1 || n > static_cast<int>(templates_[grp.tmpl]->versions.size())) {
      return Validation("launch template version " + v + " does not exist");
    }
    grp.version = v;
  } else {
    if (!configurations_.count(spec.configuration_name)) {
      return Validation("launch configuration " + spec.configuration_name + " does not exist");
    }
    grp.tmpl = -1;
    grp.configuration = spec.configuration_name;
  }
  Trace("set_launch_spec", name + " " + spec.Describe());
  return core::Status::Ok();
}

core::Status SimCloud::SuspendProcesses(const std::string& name,
                                        const std::vector<std::string>& p) {
  ASSIGN_OR_RETURN(int g, GroupIndex(name));
  RETURN_IF_ERROR(Api(kAsg, "SuspendProcesses", true));
  for (const std::string& proc : p) {
    if (!KnownProcesses().count(proc)) return Validation("unknown process " + proc);
  }
  groups_[g]->suspended.insert(p.begin(), p.end());
  Trace("suspend", name + " " + core::Join(p, ","));
  return core::Status::Ok();
}

core::Status SimCloud::ResumeProcesses(const std::string& name, const std::vector<std::string>& p) {
  ASSIGN_OR_RETURN(int g, GroupIndex(name));
  RETURN_IF_ERROR(Api(kAsg, "ResumeProcesses", true));
  for (const std::string& proc : p) {
    if (!KnownProcesses().count(proc)) return Validation("unknown process " + proc);
    groups_[g]->suspended.erase(proc);
  }
  Trace("resume", name + " " + core::Join(p, ","));
  Reconcile(g);
  return core::Status::Ok();
}

core::Status SimCloud::TerminateInstance(const std::string& id, bool decrement) {
  RETURN_IF_ERROR(Api(kAsg, "TerminateInstanceInAutoScalingGroup", true));
  int i = InstanceIndex(id);
  if (i < 0 || insts_[i]->group < 0) {  // as AwsCloud translates Auto Scaling's answer
    return core::Status(core::Code::kNotFound,
                        fmt::format("instance {} is in no Auto Scaling group: Instance Id not "
                                    "found - {}",
                                    id, id))
        .set_aws_code("ValidationError");
  }
  int g = insts_[i]->group;
  Grp& grp = *groups_[g];
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
  StartTermination(i, decrement ? "by rotor, decrementing" : "by rotor");
  Reconcile(g);
  return core::Status::Ok();
}

core::Status SimCloud::DetachInstances(const std::string& name, const std::vector<std::string>& ids,
                                       bool decrement) {
  ASSIGN_OR_RETURN(int g, GroupIndex(name));
  for (int p = Pages(ids.size(), 20); p > 0; --p)
    RETURN_IF_ERROR(Api(kAsg, "DetachInstances", true));
  Grp& grp = *groups_[g];
  std::vector<int> idx;
  for (const std::string& id : ids) {
    int i = InstanceIndex(id);
    if (i < 0 || insts_[i]->group != g) {
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
    RemoveFromGroup(i);
    Drain(i, clock_.Now());
    Trace("detach",
          fmt::format("{} from {}{}", insts_[i]->id, name, decrement ? ", decrementing" : ""));
  }
  if (decrement) grp.desired -= static_cast<int>(idx.size());
  Reconcile(g);
  return core::Status::Ok();
}

core::Status SimCloud::Deregister(const std::string& name, const std::vector<std::string>& ids) {
  ASSIGN_OR_RETURN(int g, GroupIndex(name));
  RETURN_IF_ERROR(Api(kAsg, "DescribeAutoScalingGroups", false));
  for (int lb : groups_[g]->lbs) {
    bool classic = lbs_[lb]->spec.type == LoadBalancerSpec::Type::kElb;
    RETURN_IF_ERROR(
        Api(kElb, classic ? "DeregisterInstancesFromLoadBalancer" : "DeregisterTargets", true));
  }
  for (const std::string& id : ids) {
    int i = InstanceIndex(id);
    if (i < 0) continue;  // AWS ignores targets it does not know
    Drain(i, clock_.Now());
    Trace("deregister", id);
  }
  return core::Status::Ok();
}

core::Status SimCloud::TerminateInstances(const std::vector<std::string>& ids) {
  RETURN_IF_ERROR(Api(kEc2, "TerminateInstances", true));
  for (const std::string& id : ids) {
    int i = InstanceIndex(id);
    if (i < 0) {
      return core::Status(core::Code::kNotFound, "The instance ID '" + id + "' does not exist")
          .set_aws_code("InvalidInstanceID.NotFound");
    }
  }
  for (const std::string& id : ids) {
    int i = InstanceIndex(id);
    int g = insts_[i]->group;
    StartTermination(i, "by rotor (EC2)");
    if (g >= 0) Reconcile(g);
  }
  return core::Status::Ok();
}

}  // namespace rotor::sim
