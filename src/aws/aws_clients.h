// The service clients every AWS capability (aws_groups.h, aws_group_changes.h, ...) is built on.
// AwsCloud owns one set; each capability keeps references to the clients it calls.
#pragma once

#include "aws/client.h"

namespace rotor::aws {

struct AwsClients {
  AwsClient ec2;
  AwsClient asg;  // autoscaling
  AwsClient elb;  // classic load balancers
  AwsClient elbv2;
  AwsClient cfn;  // cloudformation
  AwsClient quotas;
  AwsClient route53;  // global, signed for us-east-1
};

}  // namespace rotor::aws
