#include "aws/aws_addresses.h"

#include "aws/ec2_addresses.h"

namespace rotor::aws {

core::Result<std::vector<cloud::ElasticIp>> AwsAddresses::AddressesOf(
    const std::string& instance_id) {
  return ec2::AddressesOfInstance(ec2_, instance_id);
}

core::Result<cloud::ElasticIp> AwsAddresses::DescribeAddress(
    const std::string& allocation_id_or_ip) {
  return ec2::DescribeAddress(ec2_, allocation_id_or_ip);
}

core::Status AwsAddresses::Associate(const std::string& allocation_id,
                                     const std::string& instance_id) {
  return ec2::AssociateAddress(ec2_, allocation_id, instance_id);
}

core::Status AwsAddresses::Disassociate(const std::string& association_id) {
  return ec2::DisassociateAddress(ec2_, association_id);
}

}  // namespace rotor::aws
