// cloud::Stacks on CloudFormation (aws/cloudformation.h), its errors translated there.
#pragma once

#include <string>
#include <vector>

#include "aws/aws_clients.h"
#include "cloud/stacks.h"

namespace rotor::aws {

class AwsStacks final : public cloud::Stacks {
 public:
  // REQUIRES: `clients` outlives this object.
  explicit AwsStacks(AwsClients& clients) : cfn_(clients.cfn) {}

  core::Result<cloud::Stack> DescribeStack(const std::string& name) override;
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
  core::Result<std::string> ReadPolicy(const std::string& stack) override;

 private:
  AwsClient& cfn_;
};

}  // namespace rotor::aws
