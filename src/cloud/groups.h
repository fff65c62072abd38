// Groups: observing Auto Scaling groups with their members, health and surroundings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cloud/model.h"
#include "core/status.h"

namespace rotor::cloud {

// A lifecycle hook: instances wait in Pending:Wait / Terminating:Wait until something
// completes it or its heartbeat timeout passes, then the default result applies.
struct LifecycleHook {
  std::string name;
  std::string transition;  // autoscaling:EC2_INSTANCE_LAUNCHING or _TERMINATING
  core::Duration heartbeat_timeout{0};
  std::string default_result;       // CONTINUE or ABANDON
  std::string notification_target;  // an ARN; empty when nothing is notified
  bool Launching() const { return transition.ends_with("LAUNCHING"); }
};

// The zones a load balancer (a classic ELB, or the load balancer behind a target group) is
// enabled in: a target in another zone never turns healthy.
struct LoadBalancerZones {
  std::string load_balancer;
  std::vector<std::string> zones;
};

// What pre-flight checks beyond the group itself. A part the provider could not tell is left
// empty and named in `unknown` with the reason, so the plan can say what was not checked.
struct Surroundings {
  std::vector<LoadBalancerZones> load_balancers;
  std::vector<LifecycleHook> hooks;
  std::string instance_refresh;      // status of an unfinished Instance Refresh; empty: none
  std::vector<std::string> unknown;  // "instance refresh: <why>"
};

class Groups {
 public:
  virtual ~Groups() = default;

  // Every group named, with sizes, launch spec (versions resolved), suspended processes, load
  // balancers, and every member with EC2 state, image and health in every attached classic ELB
  // and target group (members only). One batched read: the number of API calls does not grow
  // with the number of instances beyond page sizes. kNotFound names any group that is missing.
  virtual core::Result<std::vector<Group>> ObserveGroups(const std::vector<std::string>& names) = 0;

  // A cheaper observation for polling during a rollout: sizes, suspended processes, members with
  // lifecycle state and health in every load balancer; no launch spec resolution and no EC2
  // details (ec2_state and image_id are empty). kNotFound as ObserveGroups.
  virtual core::Result<std::vector<Group>> PollGroups(const std::vector<std::string>& names) = 0;

  // Groups as Auto Scaling alone describes them: sizes, spec as written, members with zone and
  // lifecycle state, no EC2 or load balancer reads. Every group in the region when `names` is
  // empty; names that do not exist are simply absent.
  virtual core::Result<std::vector<Group>> ListGroups(const std::vector<std::string>& names) = 0;

  // How long the group's load balancers keep a deregistered target draining: the longest
  // deregistration delay (target groups) or connection-draining timeout (classic ELBs); zero
  // without load balancers.
  virtual core::Result<core::Duration> DrainTime(const std::string& group) = 0;

  // The group's load balancer zones, lifecycle hooks and any Instance Refresh not finished.
  // kNotFound when the group does not exist.
  virtual core::Result<Surroundings> DescribeSurroundings(const std::string& group) = 0;
};

// Forwards every verb to another Groups; a test overrides only what it cares about.
class GroupsWrapper : public Groups {
 public:
  explicit GroupsWrapper(Groups& target) : target_(target) {}
  core::Result<std::vector<Group>> ObserveGroups(const std::vector<std::string>& names) override {
    return target_.ObserveGroups(names);
  }
  core::Result<std::vector<Group>> PollGroups(const std::vector<std::string>& names) override {
    return target_.PollGroups(names);
  }
  core::Result<std::vector<Group>> ListGroups(const std::vector<std::string>& names) override {
    return target_.ListGroups(names);
  }
  core::Result<core::Duration> DrainTime(const std::string& group) override {
    return target_.DrainTime(group);
  }
  core::Result<Surroundings> DescribeSurroundings(const std::string& group) override {
    return target_.DescribeSurroundings(group);
  }

 private:
  Groups& target_;
};

}  // namespace rotor::cloud
