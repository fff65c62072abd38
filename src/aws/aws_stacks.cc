// AwsStacks: cloud::Stacks on CloudFormation (aws/cloudformation.h translates its errors).
#include "aws/aws_stacks.h"

#include "aws/cloudformation.h"

namespace rotor::aws {

core::Result<cloud::Stack> AwsStacks::DescribeStack(const std::string& name) {
  return cloudformation::DescribeStack(cfn_, name);
}

core::Result<cloud::StackSettings> AwsStacks::ReadSettings(const std::string& name) {
  return cloudformation::ReadSettings(cfn_, name);
}
core::Result<cloud::TemplateSummary> AwsStacks::Summarize(const std::string& body) {
  return cloudformation::Summarize(cfn_, body);
}
core::Result<cloud::ChangeSet> AwsStacks::PrepareChange(const cloud::StackChange& change) {
  return cloudformation::PrepareChange(cfn_, change);
}
core::Result<cloud::ChangeSet> AwsStacks::ReadChange(const std::string& stack,
                                                     const std::string& id) {
  return cloudformation::ReadChange(cfn_, stack, id);
}
core::Status AwsStacks::ApplyChange(const std::string& stack, const std::string& id) {
  return cloudformation::ApplyChange(cfn_, stack, id);
}
core::Status AwsStacks::DropChange(const std::string& stack, const std::string& id) {
  return cloudformation::DropChange(cfn_, stack, id);
}
core::Result<std::string> AwsStacks::CreateStack(const cloud::StackChange& change) {
  return cloudformation::CreateStack(cfn_, change);
}
core::Result<std::vector<cloud::StackEvent>> AwsStacks::Events(const std::string& stack,
                                                               const std::string& after_id) {
  return cloudformation::Events(cfn_, stack, after_id);
}
core::Status AwsStacks::CancelUpdate(const std::string& stack) {
  return cloudformation::CancelUpdate(cfn_, stack);
}
core::Result<std::string> AwsStacks::ReadPolicy(const std::string& stack) {
  return cloudformation::ReadPolicy(cfn_, stack);
}

}  // namespace rotor::aws
