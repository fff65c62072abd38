// SimAddresses: the scenario's elastic IPs, each verb one EC2 call as AwsCloud makes it.
#include "sim/sim_addresses.h"

#include <fmt/format.h>

#include "sim/world.h"

namespace rotor::sim {
namespace {

core::Status NoAddress(const std::string& what) {
  return core::Status(core::Code::kNotFound,
                      fmt::format("The address '{}' does not exist in this account", what))
      .set_aws_code("InvalidAllocationID.NotFound");
}

}  // namespace

cloud::ElasticIp SimAddresses::Describe(const Eip& e) const {
  cloud::ElasticIp out;
  out.allocation_id = e.allocation;
  out.public_ip = e.ip;
  out.association_id = e.association;
  if (e.inst >= 0) {
    out.instance_id = world_.insts_[e.inst]->id;
    out.private_ip = world_.insts_[e.inst]->private_ip;
  }
  return out;
}

core::Result<std::vector<cloud::ElasticIp>> SimAddresses::AddressesOf(const std::string& id) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeAddresses", false));
  std::vector<cloud::ElasticIp> out;
  for (const Eip& e : world_.eips_) {
    if (e.inst >= 0 && world_.insts_[e.inst]->id == id) out.push_back(Describe(e));
  }
  return out;
}

core::Result<cloud::ElasticIp> SimAddresses::DescribeAddress(const std::string& allocation_or_ip) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeAddresses", false));
  for (const Eip& e : world_.eips_) {
    if (e.allocation == allocation_or_ip || e.ip == allocation_or_ip) return Describe(e);
  }
  return NoAddress(allocation_or_ip);
}

// AssociateAddress with AllowReassociation: one call moves the address.
core::Status SimAddresses::Associate(const std::string& allocation_id,
                                     const std::string& instance_id) {
  RETURN_IF_ERROR(world_.Api(kEc2, "AssociateAddress", true));
  int i = world_.InstanceIndex(instance_id);
  if (i < 0 || world_.insts_[i]->state == Ec2State::kTerminated) {
    return core::Status(core::Code::kNotFound,
                        "The instance ID '" + instance_id + "' does not exist")
        .set_aws_code("InvalidInstanceID.NotFound");
  }
  for (size_t n = 0; n < world_.eips_.size(); ++n) {
    if (world_.eips_[n].allocation != allocation_id) continue;
    world_.Associate(n, i);
    world_.Trace("associate", allocation_id + " " + instance_id);
    return core::Status::Ok();
  }
  return NoAddress(allocation_id);
}

core::Status SimAddresses::Disassociate(const std::string& association_id) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DisassociateAddress", true));
  for (size_t n = 0; n < world_.eips_.size(); ++n) {
    if (association_id.empty() || world_.eips_[n].association != association_id) continue;
    world_.Associate(n, -1);
    world_.Trace("disassociate", association_id);
    return core::Status::Ok();
  }
  return core::Status(core::Code::kNotFound,
                      fmt::format("The association '{}' does not exist", association_id))
      .set_aws_code("InvalidAssociationID.NotFound");
}

}  // namespace rotor::sim
