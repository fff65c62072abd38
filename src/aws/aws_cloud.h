// Every cloud capability on the real AWS wire, batching reads so that an observation costs a
// bounded number of calls, never one per instance.
#pragma once

#include <memory>

#include "aws/autoscaling.h"
#include "aws/client.h"
#include "aws/ec2.h"
#include "cloud/cloud.h"

namespace rotor::aws {

class AwsCloud final : public cloud::Provider {
 public:
  // Errors: an endpoint or retry setting is invalid.
  static core::Result<std::unique_ptr<AwsCloud>> Create(ClientContext& context);

  core::Result<std::vector<cloud::Group>> ObserveGroups(
      const std::vector<std::string>& names) override;
  core::Result<std::vector<cloud::Group>> PollGroups(
      const std::vector<std::string>& names) override;
  core::Result<std::vector<cloud::Group>> ListGroups(
      const std::vector<std::string>& names) override;
  core::Result<cloud::Stack> DescribeStack(const std::string& name) override;
  core::Result<std::vector<cloud::Instance>> ListInstances(
      const std::vector<std::string>& ids) override;
  core::Result<std::vector<cloud::Image>> DescribeImages(
      const std::vector<std::string>& ids) override;
  core::Result<std::vector<cloud::Image>> FindImages(const cloud::ImageQuery& query) override;

  core::Result<core::Duration> DrainTime(const std::string& group) override;
  core::Result<cloud::Surroundings> DescribeSurroundings(const std::string& group) override;
  core::Result<cloud::LaunchRoom> RoomFor(const std::string& instance_type) override;
  core::Status SetSizes(const std::string& group, const cloud::Sizes& sizes) override;
  core::Status SetLaunchSpec(const std::string& group, const cloud::LaunchSpec& spec) override;
  core::Status SuspendProcesses(const std::string& group,
                                const std::vector<std::string>& processes) override;
  core::Status ResumeProcesses(const std::string& group,
                               const std::vector<std::string>& processes) override;
  core::Status TerminateInstance(const std::string& instance_id, bool decrement) override;
  core::Status DetachInstances(const std::string& group, const std::vector<std::string>& ids,
                               bool decrement) override;
  core::Status Deregister(const std::string& group, const std::vector<std::string>& ids) override;
  core::Status TerminateInstances(const std::vector<std::string>& ids) override;

  // cloud::Stacks (aws_cloud.cc, on aws/cloudformation)
  core::Result<cloud::StackSettings> ReadSettings(const std::string& name) override;
  core::Result<cloud::TemplateSummary> Summarize(const std::string& template_body) override;
  core::Result<cloud::ChangeSet> PrepareChange(const cloud::StackChange& change) override;
  core::Result<cloud::ChangeSet> ReadChange(const std::string& stack,
                                            const std::string& id) override;
  core::Status ApplyChange(const std::string& stack, const std::string& id) override;
  core::Status DropChange(const std::string& stack, const std::string& id) override;
  core::Result<std::string> CreateStack(const cloud::StackChange& change) override;
  core::Result<std::vector<cloud::StackEvent>> Events(const std::string& stack,
                                                      const std::string& after_id) override;
  core::Status CancelUpdate(const std::string& stack) override;

  // cloud::LaunchSpecs (aws_launch_specs.cc)
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
  struct Clients {
    AwsClient ec2, asg, elb, elbv2, cfn, quotas;
  };
  explicit AwsCloud(Clients c)
      : ec2_(std::move(c.ec2)),
        asg_(std::move(c.asg)),
        elb_(std::move(c.elb)),
        elbv2_(std::move(c.elbv2)),
        cfn_(std::move(c.cfn)),
        quotas_(std::move(c.quotas)) {}

  using Templates = std::map<std::string, ec2::LaunchTemplate>;
  using Configurations = std::map<std::string, autoscaling::LaunchConfiguration>;

  core::Result<std::vector<cloud::Group>> DescribeNamed(const std::vector<std::string>& names);
  core::Status ResolveSpecs(std::vector<cloud::Group>& groups);
  core::Result<Templates> TemplatesOf(const std::vector<cloud::Group>& groups);
  core::Result<Configurations> ConfigurationsOf(const std::vector<cloud::Group>& groups);
  static void ResolveTemplate(cloud::LaunchSpec& spec, const Templates& templates, bool is_group);
  core::Status AttachInstances(std::vector<cloud::Group>& groups);
  core::Status AttachHealth(std::vector<cloud::Group>& groups);

  AwsClient ec2_;
  AwsClient asg_;
  AwsClient elb_;
  AwsClient elbv2_;
  AwsClient cfn_;
  AwsClient quotas_;
};

// A launch template field as DescribeLaunchTemplateVersions names it ("blockDeviceMappingSet.1.
// ebs.volumeSize") to the name CreateLaunchTemplateVersion takes ("BlockDeviceMapping.1.Ebs.
// VolumeSize"); empty for a read-only field.
std::string TemplateRequestName(const std::string& response_key);

}  // namespace rotor::aws
