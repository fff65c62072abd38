// cloud::LaunchSpecs on AWS: template versions through EC2, launch configurations through Auto
// Scaling, every field read (flattened by its wire name) so that a copy can be checked field by
// field. A template, version or configuration that is gone is kNotFound.
#pragma once

#include <optional>
#include <string>

#include "aws/aws_clients.h"
#include "cloud/launch_specs.h"

namespace rotor::aws {

class AwsLaunchSpecs final : public cloud::LaunchSpecs {
 public:
  // REQUIRES: `clients` outlives this object.
  explicit AwsLaunchSpecs(AwsClients& clients) : ec2_(clients.ec2), asg_(clients.asg) {}

  core::Result<cloud::LaunchData> ReadLaunchData(const cloud::LaunchSpec& spec) override;
  core::Result<std::string> DefaultVersion(const std::string& template_id) override;
  core::Result<std::optional<std::string>> FindVersion(const std::string& template_id,
                                                       const std::string& description) override;
  core::Result<std::string> CreateVersion(const std::string& template_id,
                                          const cloud::LaunchData& data,
                                          const std::string& description) override;
  core::Status SetDefaultVersion(const std::string& template_id,
                                 const std::string& version) override;
  core::Status CreateConfiguration(const std::string& name, const cloud::LaunchData& data) override;

 private:
  AwsClient& ec2_;
  AwsClient& asg_;
};

// A launch template field as DescribeLaunchTemplateVersions names it ("blockDeviceMappingSet.1.
// ebs.volumeSize") to the name CreateLaunchTemplateVersion takes ("BlockDeviceMapping.1.Ebs.
// VolumeSize"); empty for a read-only field.
std::string TemplateRequestName(const std::string& response_key);

}  // namespace rotor::aws
