// The Cloud interface: fleet-level verbs the operations and the engine use. Implemented by
// aws::AwsCloud (the real wire) and sim::SimCloud (a deterministic simulation).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cloud/model.h"
#include "core/status.h"

namespace rotor::cloud {

// Any of a group's sizes; unset fields are left as they are.
struct Sizes {
  std::optional<int> min;
  std::optional<int> max;
  std::optional<int> desired;
};

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

// How many more instances of one type the account's on-demand vCPU quota allows.
struct LaunchRoom {
  std::optional<int> instances;  // empty when the quota or the usage could not be read
  std::string why_unknown;
  std::string detail;  // "quota 64 vCPUs, 58 in use, 2 per m5.large"
};

struct ImageQuery {
  std::string name_glob;            // e.g. "app-*"; empty: any name
  std::vector<std::string> owners;  // account ids, "self", "amazon"; empty: "self"
};

class Cloud {
 public:
  virtual ~Cloud() = default;

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

  // The stack and the groups it owns. kNotFound when there is no such stack.
  virtual core::Result<Stack> DescribeStack(const std::string& name) = 0;

  // Running and pending instances in the region, with tags; restricted to `ids` when not empty.
  virtual core::Result<std::vector<Instance>> ListInstances(
      const std::vector<std::string>& ids) = 0;

  // The images with these ids; ids that no longer exist come back with only `id` set.
  virtual core::Result<std::vector<Image>> DescribeImages(const std::vector<std::string>& ids) = 0;

  // Available images matching the query.
  virtual core::Result<std::vector<Image>> FindImages(const ImageQuery& query) = 0;

  // How long the group's load balancers keep a deregistered target draining: the longest
  // deregistration delay (target groups) or connection-draining timeout (classic ELBs); zero
  // without load balancers.
  virtual core::Result<core::Duration> DrainTime(const std::string& group) = 0;

  // The group's load balancer zones, lifecycle hooks and any Instance Refresh not finished.
  // kNotFound when the group does not exist.
  virtual core::Result<Surroundings> DescribeSurroundings(const std::string& group) = 0;

  // Room under the account's running on-demand instance quota for more of `instance_type`.
  // Errors only for failures other than the quota being unreadable (see LaunchRoom).
  virtual core::Result<LaunchRoom> RoomFor(const std::string& instance_type) = 0;

  // --- Changes. Each is one request to the provider; none waits for its effect. ---

  // Sets min, max and/or desired. kFailedPrecondition when the provider refuses the sizes.
  virtual core::Status SetSizes(const std::string& group, const Sizes& sizes) = 0;
  // Points the group at another launch spec: a launch template id and version, or a launch
  // configuration name. Instances already running are not touched.
  virtual core::Status SetLaunchSpec(const std::string& group, const LaunchSpec& spec) = 0;
  // Suspends / resumes the named Auto Scaling processes (Launch, Terminate, AZRebalance, ...).
  virtual core::Status SuspendProcesses(const std::string& group,
                                        const std::vector<std::string>& processes) = 0;
  virtual core::Status ResumeProcesses(const std::string& group,
                                       const std::vector<std::string>& processes) = 0;
  // Terminates a member. Without decrement the group launches a replacement; with it, the
  // desired capacity drops by one (never below min: kFailedPrecondition).
  virtual core::Status TerminateInstance(const std::string& instance_id, bool decrement) = 0;
  // Takes members out of the group: their load balancers drain them, they keep running until
  // terminated. Without decrement the group launches replacements at once.
  virtual core::Status DetachInstances(const std::string& group,
                                       const std::vector<std::string>& instance_ids,
                                       bool decrement) = 0;
  // Deregisters instances from every classic ELB and target group of `group` (they drain).
  virtual core::Status Deregister(const std::string& group,
                                  const std::vector<std::string>& instance_ids) = 0;
  // Terminates instances that belong to no group (for example detached ones).
  virtual core::Status TerminateInstances(const std::vector<std::string>& instance_ids) = 0;
};

}  // namespace rotor::cloud
