// cloud::Groups on Auto Scaling, EC2 and the load balancers, batching reads so that an
// observation costs a bounded number of calls, never one per instance.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aws/autoscaling.h"
#include "aws/aws_clients.h"
#include "aws/ec2.h"
#include "cloud/groups.h"

namespace rotor::aws {

// The groups by name, every one of them: kNotFound names the first that does not exist.
core::Result<std::vector<cloud::Group>> DescribeNamedGroups(AwsClient& asg,
                                                            const std::vector<std::string>& names);

class AwsGroups final : public cloud::Groups {
 public:
  // REQUIRES: `clients` outlives this object.
  explicit AwsGroups(AwsClients& clients)
      : ec2_(clients.ec2), asg_(clients.asg), elb_(clients.elb), elbv2_(clients.elbv2) {}

  core::Result<std::vector<cloud::Group>> ObserveGroups(
      const std::vector<std::string>& names) override;
  core::Result<std::vector<cloud::Group>> PollGroups(
      const std::vector<std::string>& names) override;
  core::Result<std::vector<cloud::Group>> ListGroups(
      const std::vector<std::string>& names) override;
  core::Result<core::Duration> DrainTime(const std::string& group) override;
  core::Result<cloud::Surroundings> DescribeSurroundings(const std::string& group) override;

 private:
  using Templates = std::map<std::string, ec2::LaunchTemplate>;
  using Configurations = std::map<std::string, autoscaling::LaunchConfiguration>;

  core::Status ResolveSpecs(std::vector<cloud::Group>& groups);
  core::Result<Templates> TemplatesOf(const std::vector<cloud::Group>& groups);
  core::Result<Configurations> ConfigurationsOf(const std::vector<cloud::Group>& groups);
  static void ResolveTemplate(cloud::LaunchSpec& spec, const Templates& templates, bool is_group);
  core::Status AttachInstances(std::vector<cloud::Group>& groups);
  core::Status AttachHealth(std::vector<cloud::Group>& groups);

  AwsClient& ec2_;
  AwsClient& asg_;
  AwsClient& elb_;
  AwsClient& elbv2_;
};

}  // namespace rotor::aws
