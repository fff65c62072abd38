// CloudFormation on the query protocol: a stack and the Auto Scaling groups it owns, its
// settings, template summaries, change sets, stack creation and events. Errors come back
// translated (cloud/stacks.h): a missing stack or change set is kNotFound, a template or
// parameter CloudFormation refuses kInvalidArgument with its message, a stack that cannot be
// updated now kFailedPrecondition.
#pragma once

#include <string>
#include <vector>

#include "aws/client.h"
#include "cloud/model.h"
#include "cloud/stacks.h"

namespace rotor::aws::cloudformation {

// The stack with its status and the physical ids of its AWS::AutoScaling::AutoScalingGroup
// resources (ListStackResources, every page). kNotFound when the stack does not exist.
core::Result<cloud::Stack> DescribeStack(AwsClient& client, const std::string& name);

// DescribeStacks and GetTemplate (the original template, as submitted).
core::Result<cloud::StackSettings> ReadSettings(AwsClient& client, const std::string& name);
core::Result<cloud::TemplateSummary> Summarize(AwsClient& client, const std::string& body);
// CreateChangeSet of type UPDATE; "No updates are to be performed" comes back as no_changes.
core::Result<cloud::ChangeSet> PrepareChange(AwsClient& client, const cloud::StackChange& change);
// DescribeChangeSet, every page.
core::Result<cloud::ChangeSet> ReadChange(AwsClient& client, const std::string& stack,
                                          const std::string& id);
core::Status ApplyChange(AwsClient& client, const std::string& stack, const std::string& id);
core::Status DropChange(AwsClient& client, const std::string& stack, const std::string& id);
core::Result<std::string> CreateStack(AwsClient& client, const cloud::StackChange& change);
// DescribeStackEvents, newest first, page by page until `after_id`; returned oldest first.
core::Result<std::vector<cloud::StackEvent>> Events(AwsClient& client, const std::string& stack,
                                                    const std::string& after_id);
core::Status CancelUpdate(AwsClient& client, const std::string& stack);
// GetStackPolicy: its StackPolicyBody ("" when none).
core::Result<std::string> ReadPolicy(AwsClient& client, const std::string& stack);

}  // namespace rotor::aws::cloudformation
