// cloud::Addresses on EC2: elastic IPs (DescribeAddresses, AssociateAddress with
// AllowReassociation, DisassociateAddress).
#pragma once

#include <string>
#include <vector>

#include "aws/aws_clients.h"
#include "cloud/addresses.h"

namespace rotor::aws {

class AwsAddresses final : public cloud::Addresses {
 public:
  // REQUIRES: `clients` outlives this object.
  explicit AwsAddresses(AwsClients& clients) : ec2_(clients.ec2) {}
  core::Result<std::vector<cloud::ElasticIp>> AddressesOf(const std::string& instance_id) override;
  core::Result<cloud::ElasticIp> DescribeAddress(const std::string& allocation_id_or_ip) override;
  core::Status Associate(const std::string& allocation_id, const std::string& instance_id) override;
  core::Status Disassociate(const std::string& association_id) override;

 private:
  AwsClient& ec2_;
};

}  // namespace rotor::aws
