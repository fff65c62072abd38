// CloudFormation reads: a stack and the Auto Scaling groups it owns.
#pragma once

#include <string>

#include "aws/client.h"
#include "cloud/model.h"

namespace rotor::aws::cloudformation {

// The stack with its status and the physical ids of its AWS::AutoScaling::AutoScalingGroup
// resources (ListStackResources, every page). kNotFound when the stack does not exist.
core::Result<cloud::Stack> DescribeStack(AwsClient& client, const std::string& name);

}  // namespace rotor::aws::cloudformation
