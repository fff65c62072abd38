// AwsGroupChanges: one Auto Scaling (or load balancer) request per change, Auto Scaling's words
// for a member that is gone translated to kNotFound.
#include "aws/aws_group_changes.h"

#include <fmt/format.h>

#include "aws/autoscaling.h"
#include "aws/aws_groups.h"
#include "aws/elb.h"
#include "core/strings.h"

namespace rotor::aws {

core::Status AwsGroupChanges::SetSizes(const std::string& group, const cloud::Sizes& sizes) {
  return autoscaling::SetSizes(asg_, group, sizes);
}

core::Status AwsGroupChanges::SetLaunchSpec(const std::string& group,
                                            const cloud::LaunchSpec& spec) {
  return autoscaling::SetLaunchSpec(asg_, group, spec);
}

core::Status AwsGroupChanges::SuspendProcesses(const std::string& group,
                                               const std::vector<std::string>& processes) {
  return autoscaling::SetProcesses(asg_, group, processes, /*suspend=*/true);
}

core::Status AwsGroupChanges::ResumeProcesses(const std::string& group,
                                              const std::vector<std::string>& processes) {
  return autoscaling::SetProcesses(asg_, group, processes, /*suspend=*/false);
}

core::Status AwsGroupChanges::TerminateInstance(const std::string& instance_id, bool decrement) {
  core::Status done = autoscaling::TerminateInstance(asg_, instance_id, decrement);
  // Auto Scaling answers a ValidationError "Instance Id not found" for an instance no longer in
  // any group: to the layers above, a member that is gone is kNotFound.
  if (!done.ok() && done.aws_code() == "ValidationError" &&
      core::ToLower(done.message()).find("not found") != std::string::npos) {
    return core::Status(core::Code::kNotFound,
                        fmt::format("instance {} is in no Auto Scaling group: {}", instance_id,
                                    done.message()))
        .set_aws_code(done.aws_code())
        .set_request_id(done.request_id());
  }
  return done;
}

core::Status AwsGroupChanges::DetachInstances(const std::string& group,
                                              const std::vector<std::string>& ids, bool decrement) {
  constexpr size_t kPerCall = 20;  // DetachInstances accepts at most 20 ids
  return ForEachBatch(ids, kPerCall, [&](const std::vector<std::string>& batch) {
    return autoscaling::DetachInstances(asg_, group, batch, decrement);
  });
}

core::Status AwsGroupChanges::AttachInstances(const std::string& group,
                                              const std::vector<std::string>& ids) {
  constexpr size_t kPerCall = 20;  // AttachInstances accepts at most 20 ids
  return ForEachBatch(ids, kPerCall, [&](const std::vector<std::string>& batch) {
    return autoscaling::AttachInstances(asg_, group, batch);
  });
}

core::Status AwsGroupChanges::Deregister(const std::string& group,
                                         const std::vector<std::string>& ids) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, DescribeNamedGroups(asg_, {group}));
  for (const std::string& lb : groups[0].classic_elbs) {
    RETURN_IF_ERROR(elb::DeregisterInstances(elb_, lb, ids));
  }
  for (const std::string& tg : groups[0].target_groups) {
    RETURN_IF_ERROR(elb::DeregisterTargets(elbv2_, tg, ids));
  }
  return core::Status::Ok();
}

}  // namespace rotor::aws
