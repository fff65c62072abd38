// cloud::Instances on EC2, with the on-demand vCPU quota read from Service Quotas.
#pragma once

#include <map>
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
  core::Result<cloud::Host> DescribeHost(const std::string& id_or_name) override;
  core::Result<std::vector<cloud::Host>> FindHosts(const std::string& key,
                                                   const std::string& value) override;
  core::Result<std::string> RunInstance(const cloud::LaunchLike& launch) override;
  core::Status SetRunning(const std::string& instance_id, bool running) override;
  core::Status Tag(const std::string& instance_id, const std::map<std::string, std::string>& set,
                   const std::vector<std::string>& remove) override;
  core::Status SetTerminationProtection(const std::string& instance_id, bool on) override;
  core::Result<std::string> ConsoleOutput(const std::string& instance_id) override;

 private:
  core::Result<std::vector<cloud::Host>> Candidates(const std::string& id_or_name);

  AwsClient& ec2_;
  AwsClient& quotas_;
};

}  // namespace rotor::aws
