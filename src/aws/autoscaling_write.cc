// Auto Scaling changes: sizes, processes, terminate and detach.
#include <fmt/format.h>

#include "aws/autoscaling.h"

namespace rotor::aws::autoscaling {

core::Status SetSizes(AwsClient& client, const std::string& group, const cloud::Sizes& sizes) {
  Params p;
  p.Add("AutoScalingGroupName", group);
  if (sizes.min) p.Add("MinSize", std::to_string(*sizes.min));
  if (sizes.max) p.Add("MaxSize", std::to_string(*sizes.max));
  if (sizes.desired) p.Add("DesiredCapacity", std::to_string(*sizes.desired));
  return client.Query("UpdateAutoScalingGroup", p).status();
}

core::Status SetLaunchSpec(AwsClient& client, const std::string& group,
                           const cloud::LaunchSpec& spec) {
  Params p;
  p.Add("AutoScalingGroupName", group);
  if (spec.kind == cloud::LaunchSpec::Kind::kTemplate) {
    p.Add("LaunchTemplate.LaunchTemplateId", spec.template_id);
    p.Add("LaunchTemplate.Version",
          spec.resolved_version.empty() ? spec.version : spec.resolved_version);
  } else {
    p.Add("LaunchConfigurationName", spec.configuration_name);
  }
  return client.Query("UpdateAutoScalingGroup", p).status();
}

core::Status SetProcesses(AwsClient& client, const std::string& group,
                          const std::vector<std::string>& processes, bool suspend) {
  Params p;
  p.Add("AutoScalingGroupName", group);
  p.AddMemberList("ScalingProcesses", processes);
  return client.Query(suspend ? "SuspendProcesses" : "ResumeProcesses", p).status();
}

core::Status TerminateInstance(AwsClient& client, const std::string& instance_id, bool decrement) {
  Params p;
  p.Add("InstanceId", instance_id);
  p.Add("ShouldDecrementDesiredCapacity", decrement ? "true" : "false");
  return client.Query("TerminateInstanceInAutoScalingGroup", p).status();
}

core::Status AttachInstances(AwsClient& client, const std::string& group,
                             const std::vector<std::string>& ids) {
  Params p;
  p.Add("AutoScalingGroupName", group);
  p.AddMemberList("InstanceIds", ids);
  return client.Query("AttachInstances", p).status();
}

core::Status DetachInstances(AwsClient& client, const std::string& group,
                             const std::vector<std::string>& ids, bool decrement) {
  Params p;
  p.Add("AutoScalingGroupName", group);
  p.AddMemberList("InstanceIds", ids);
  p.Add("ShouldDecrementDesiredCapacity", decrement ? "true" : "false");
  return client.Query("DetachInstances", p).status();
}

}  // namespace rotor::aws::autoscaling
