// cloud::Instances on EC2, with the on-demand vCPU quota read from Service Quotas.
#pragma once

#include <string>
#include <vector>

#include "aws/aws_clients.h"
#include "cloud/instances.h"

namespace rotor::aws {

class AwsInstances final : public cloud::Instances {
 public:
  // REQUIRES: `clients` outlives this object.
  explicit AwsInstances(AwsClients& clients) : ec2_(clients.ec2), quotas_(clients.quotas) {}

  core::Result<std::vector<cloud::Instance>> ListInstances(
      const std::vector<std::string>& ids) override;
  core::Result<cloud::LaunchRoom> RoomFor(const std::string& instance_type) override;
  core::Status TerminateInstances(const std::vector<std::string>& ids) override;

 private:
  AwsClient& ec2_;
  AwsClient& quotas_;
};

}  // namespace rotor::aws
