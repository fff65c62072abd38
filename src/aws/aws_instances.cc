// AwsInstances: EC2 instances apart from their groups, and the room the account's on-demand vCPU
// quota (Service Quotas) leaves for more.
#include "aws/aws_instances.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "aws/ec2.h"
#include "aws/ec2_hosts.h"

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

// By id: that instance. By name: the exact Name tag; when none has it, every named host, so that
// PickHost's error can suggest names like it (one more call, on the failing path only).
core::Result<std::vector<cloud::Host>> AwsInstances::Candidates(const std::string& id_or_name) {
  if (id_or_name.starts_with("i-")) return ec2::HostById(ec2_, id_or_name);
  ASSIGN_OR_RETURN(std::vector<cloud::Host> hosts, ec2::HostsTagged(ec2_, "Name", id_or_name));
  if (!hosts.empty()) return hosts;
  return ec2::NamedHosts(ec2_);
}

core::Result<cloud::Host> AwsInstances::DescribeHost(const std::string& id_or_name) {
  ASSIGN_OR_RETURN(std::vector<cloud::Host> candidates, Candidates(id_or_name));
  ASSIGN_OR_RETURN(cloud::Host host, cloud::PickHost(id_or_name, candidates));
  std::vector<cloud::Host> one = {std::move(host)};
  RETURN_IF_ERROR(ec2::CompleteHosts(ec2_, one));
  ASSIGN_OR_RETURN(one.front().user_data, ec2::UserData(ec2_, one.front().instance.id));
  return std::move(one.front());
}

core::Result<std::vector<cloud::Host>> AwsInstances::FindHosts(const std::string& key,
                                                               const std::string& value) {
  ASSIGN_OR_RETURN(std::vector<cloud::Host> hosts, ec2::HostsTagged(ec2_, key, value));
  RETURN_IF_ERROR(ec2::CompleteHosts(ec2_, hosts));
  return hosts;
}

core::Result<std::string> AwsInstances::RunInstance(const cloud::LaunchLike& launch) {
  return ec2::RunInstance(ec2_, launch);
}

core::Status AwsInstances::SetRunning(const std::string& instance_id, bool running) {
  return ec2::SetRunning(ec2_, instance_id, running);
}

core::Status AwsInstances::Tag(const std::string& instance_id,
                               const std::map<std::string, std::string>& set,
                               const std::vector<std::string>& remove) {
  RETURN_IF_ERROR(ec2::CreateTags(ec2_, instance_id, set));
  return ec2::DeleteTags(ec2_, instance_id, remove);
}

core::Status AwsInstances::SetTerminationProtection(const std::string& instance_id, bool on) {
  return ec2::SetDisableApiTermination(ec2_, instance_id, on);
}

core::Result<std::string> AwsInstances::ConsoleOutput(const std::string& instance_id) {
  return ec2::ConsoleOutput(ec2_, instance_id);
}

}  // namespace rotor::aws
