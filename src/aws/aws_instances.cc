// AwsInstances: EC2 instances apart from their groups, and the room the account's on-demand vCPU
// quota (Service Quotas) leaves for more.
#include "aws/aws_instances.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "aws/ec2.h"

namespace rotor::aws {
namespace {

// "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", counted in vCPUs.
constexpr const char* kStandardQuota = "L-1216C47A";

bool IsStandardFamily(const std::string& type) {
  if (type.empty() || type.starts_with("inf")) return false;
  return std::string("acdhimrtz").find(type[0]) != std::string::npos;
}

}  // namespace

core::Result<std::vector<cloud::Instance>> AwsInstances::ListInstances(
    const std::vector<std::string>& ids) {
  return ec2::DescribeInstances(ec2_, ids, {"pending", "running"});
}

core::Result<cloud::LaunchRoom> AwsInstances::RoomFor(const std::string& instance_type) {
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

core::Status AwsInstances::TerminateInstances(const std::vector<std::string>& ids) {
  if (ids.empty()) return core::Status::Ok();
  return ec2::TerminateInstances(ec2_, ids);
}

core::Result<cloud::Host> AwsInstances::DescribeHost(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Result<std::vector<cloud::Host>> AwsInstances::FindHosts(const std::string&,
                                                               const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Result<std::string> AwsInstances::RunInstance(const cloud::LaunchLike&) {
  return core::Internal("not built yet (issue 12)");
}
core::Status AwsInstances::SetRunning(const std::string&, bool) {
  return core::Internal("not built yet (issue 12)");
}
core::Status AwsInstances::Tag(const std::string&, const std::map<std::string, std::string>&,
                               const std::vector<std::string>&) {
  return core::Internal("not built yet (issue 12)");
}
core::Status AwsInstances::SetTerminationProtection(const std::string&, bool) {
  return core::Internal("not built yet (issue 12)");
}
core::Result<std::string> AwsInstances::ConsoleOutput(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}

}  // namespace rotor::aws
