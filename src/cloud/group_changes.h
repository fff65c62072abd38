// GroupChanges: changing Auto Scaling groups — sizes, launch spec, processes, members.
// Each verb is one request to the provider; none waits for its effect.
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

class GroupChanges {
 public:
  virtual ~GroupChanges() = default;

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
  // desired capacity drops by one (never below min: kFailedPrecondition). kNotFound when the
  // instance is in no group (any more).
  virtual core::Status TerminateInstance(const std::string& instance_id, bool decrement) = 0;
  // Takes members out of the group: their load balancers drain them, they keep running until
  // terminated. Without decrement the group launches replacements at once.
  virtual core::Status DetachInstances(const std::string& group,
                                       const std::vector<std::string>& instance_ids,
                                       bool decrement) = 0;
  // Puts running instances that are in no group into `group`, raising its desired capacity by
  // as many (kFailedPrecondition past its max size); they are registered with its load
  // balancers. The undo of a detach with decrement.
  virtual core::Status AttachInstances(const std::string& group,
                                       const std::vector<std::string>& instance_ids) = 0;
  // Deregisters instances from every classic ELB and target group of `group` (they drain).
  virtual core::Status Deregister(const std::string& group,
                                  const std::vector<std::string>& instance_ids) = 0;
};

// Forwards every verb to another GroupChanges; a test overrides only what it cares about.
class GroupChangesWrapper : public GroupChanges {
 public:
  explicit GroupChangesWrapper(GroupChanges& target) : target_(target) {}
  core::Status SetSizes(const std::string& group, const Sizes& sizes) override {
    return target_.SetSizes(group, sizes);
  }
  core::Status SetLaunchSpec(const std::string& group, const LaunchSpec& spec) override {
    return target_.SetLaunchSpec(group, spec);
  }
  core::Status SuspendProcesses(const std::string& group,
                                const std::vector<std::string>& processes) override {
    return target_.SuspendProcesses(group, processes);
  }
  core::Status ResumeProcesses(const std::string& group,
                               const std::vector<std::string>& processes) override {
    return target_.ResumeProcesses(group, processes);
  }
  core::Status TerminateInstance(const std::string& instance_id, bool decrement) override {
    return target_.TerminateInstance(instance_id, decrement);
  }
  core::Status DetachInstances(const std::string& group,
                               const std::vector<std::string>& instance_ids,
                               bool decrement) override {
    return target_.DetachInstances(group, instance_ids, decrement);
  }
  core::Status AttachInstances(const std::string& group,
                               const std::vector<std::string>& instance_ids) override {
    return target_.AttachInstances(group, instance_ids);
  }
  core::Status Deregister(const std::string& group,
                          const std::vector<std::string>& instance_ids) override {
    return target_.Deregister(group, instance_ids);
  }

 private:
  GroupChanges& target_;
};

}  // namespace rotor::cloud
