// AwsCloud's pre-flight reads: load balancer zones, lifecycle hooks, Instance Refreshes, and the
// account's on-demand vCPU quota.
#include <fmt/format.h>

#include <cmath>

#include "aws/autoscaling.h"
#include "aws/aws_cloud.h"
#include "aws/ec2.h"
#include "aws/elb.h"

namespace rotor::aws {
namespace {

// "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", counted in vCPUs.
constexpr const char* kStandardQuota = "L-1216C47A";

bool IsStandardFamily(const std::string& type) {
  if (type.empty() || type.starts_with("inf")) return false;
  return std::string("acdhimrtz").find(type[0]) != std::string::npos;
}

}  // namespace

core::Result<cloud::Surroundings> AwsCloud::DescribeSurroundings(const std::string& group) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, DescribeNamed({group}));
  cloud::Surroundings out;
  for (const std::string& lb : groups[0].classic_elbs) {
    ASSIGN_OR_RETURN(std::vector<std::string> zones, elb::ClassicZones(elb_, lb));
    out.load_balancers.push_back({lb, zones});
  }
  for (const std::string& tg : groups[0].target_groups) {
    ASSIGN_OR_RETURN(std::vector<cloud::LoadBalancerZones> lbs, elb::TargetGroupZones(elbv2_, tg));
    if (lbs.empty()) out.load_balancers.push_back({tg, {}});  // attached to none
    for (cloud::LoadBalancerZones& lb : lbs) out.load_balancers.push_back(std::move(lb));
  }
  ASSIGN_OR_RETURN(out.hooks, autoscaling::DescribeLifecycleHooks(asg_, group));
  // Not every endpoint offers DescribeInstanceRefreshes (moto does not): say what was not
  // checked rather than refuse every rollout.
  auto refresh = autoscaling::UnfinishedInstanceRefresh(asg_, group);
  if (refresh.ok()) {
    out.instance_refresh = *refresh;
  } else {
    out.unknown.push_back("instance refresh: " + refresh.status().message());
  }
  return out;
}

core::Result<cloud::LaunchRoom> AwsCloud::RoomFor(const std::string& instance_type) {
  cloud::LaunchRoom room;
  if (!IsStandardFamily(instance_type)) {
    room.why_unknown = fmt::format("the quota of {}'s family is not checked", instance_type);
    return room;
  }
  nlohmann::json ask = {{"ServiceCode", "ec2"}, {"QuotaCode", kStandardQuota}};
  auto quota = quotas_.Json("ServiceQuotasV20190624", "GetServiceQuota", ask);
  if (!quota.ok()) {
    room.why_unknown = "the on-demand vCPU quota could not be read: " + quota.status().message();
    return room;
  }
  const nlohmann::json* value = nullptr;
  if (quota->contains("Quota") && (*quota)["Quota"].is_object() &&
      (*quota)["Quota"].contains("Value")) {
    value = &(*quota)["Quota"]["Value"];
  }
  double limit = value && value->is_number() ? value->get<double>() : -1.0;
  if (limit < 0) {
    room.why_unknown = "the on-demand vCPU quota answer has no value";
    return room;
  }
  ASSIGN_OR_RETURN(std::vector<cloud::Instance> running,
                   ec2::DescribeInstances(ec2_, {}, {"pending", "running"}));
  std::vector<std::string> types = {instance_type};
  for (const cloud::Instance& i : running) types.push_back(i.instance_type);
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  ASSIGN_OR_RETURN(auto vcpus, ec2::InstanceTypeVcpus(ec2_, types));
  if (vcpus[instance_type] <= 0) {
    room.why_unknown = fmt::format("EC2 does not know instance type {}", instance_type);
    return room;
  }
  int used = 0;
  for (const cloud::Instance& i : running) {
    if (!i.spot && IsStandardFamily(i.instance_type)) used += vcpus[i.instance_type];
  }
  int per = vcpus[instance_type];
  room.instances = std::max(0, static_cast<int>(std::floor((limit - used) / per)));
  room.detail =
      fmt::format("quota {} vCPUs, {} in use, {} per {}", limit, used, per, instance_type);
  return room;
}

}  // namespace rotor::aws
