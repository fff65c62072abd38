// cloud::GroupChanges on Auto Scaling and the load balancers: each verb one request (a batch of
// 20 for DetachInstances), none waiting for its effect.
#pragma once

#include <string>
#include <vector>

#include "aws/aws_clients.h"
#include "cloud/group_changes.h"

namespace rotor::aws {

class AwsGroupChanges final : public cloud::GroupChanges {
 public:
  // REQUIRES: `clients` outlives this object.
  explicit AwsGroupChanges(AwsClients& clients)
      : asg_(clients.asg), elb_(clients.elb), elbv2_(clients.elbv2) {}

  core::Status SetSizes(const std::string& group, const cloud::Sizes& sizes) override;
  core::Status SetLaunchSpec(const std::string& group, const cloud::LaunchSpec& spec) override;
  core::Status SuspendProcesses(const std::string& group,
                                const std::vector<std::string>& processes) override;
  core::Status ResumeProcesses(const std::string& group,
                               const std::vector<std::string>& processes) override;
  core::Status TerminateInstance(const std::string& instance_id, bool decrement) override;
  core::Status DetachInstances(const std::string& group, const std::vector<std::string>& ids,
                               bool decrement) override;
  core::Status AttachInstances(const std::string& group,
                               const std::vector<std::string>& ids) override;
  core::Status Deregister(const std::string& group, const std::vector<std::string>& ids) override;

 private:
  AwsClient& asg_;
  AwsClient& elb_;
  AwsClient& elbv2_;
};

}  // namespace rotor::aws
