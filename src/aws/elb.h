// Load balancer health reads: classic ELB (DescribeInstanceHealth) and ELBv2 target groups
// (DescribeTargetHealth). One call per load balancer, never per instance.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aws/client.h"
#include "cloud/cloud.h"
#include "cloud/model.h"

namespace rotor::aws::elb {

// instance id -> health, for every instance the classic ELB knows.
core::Result<std::map<std::string, cloud::LbHealth>> DescribeInstanceHealth(
    AwsClient& elb_client, const std::string& load_balancer);

// target id -> health, for every target the group lists (terminated ones included: the caller
// keeps only members).
core::Result<std::map<std::string, cloud::LbHealth>> DescribeTargetHealth(
    AwsClient& elbv2_client, const std::string& target_group_arn);

// Connection draining timeout of a classic ELB (0 when draining is off).
core::Result<core::Duration> ClassicDrainTimeout(AwsClient& elb_client, const std::string& name);
// deregistration_delay.timeout_seconds of a target group.
core::Result<core::Duration> DeregistrationDelay(AwsClient& elbv2_client, const std::string& arn);

// The zones a classic ELB is enabled in.
core::Result<std::vector<std::string>> ClassicZones(AwsClient& elb_client, const std::string& name);
// The load balancers a target group is attached to, each with its zones; empty when the target
// group is attached to none (its targets are never health-checked).
core::Result<std::vector<cloud::LoadBalancerZones>> TargetGroupZones(AwsClient& elbv2_client,
                                                                     const std::string& arn);

core::Status DeregisterInstances(AwsClient& elb_client, const std::string& load_balancer,
                                 const std::vector<std::string>& instance_ids);
core::Status DeregisterTargets(AwsClient& elbv2_client, const std::string& target_group_arn,
                               const std::vector<std::string>& instance_ids);

void DecodeInstanceHealth(const pugi::xml_node& root, const std::string& lb,
                          std::map<std::string, cloud::LbHealth>& out);
void DecodeTargetHealth(const pugi::xml_node& root, const std::string& arn,
                        std::map<std::string, cloud::LbHealth>& out);

}  // namespace rotor::aws::elb
