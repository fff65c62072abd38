// EC2 elastic IP calls (DescribeAddresses, AssociateAddress, DisassociateAddress).
#pragma once

#include <string>
#include <vector>

#include "aws/client.h"
#include "cloud/addresses.h"

namespace rotor::aws::ec2 {

// The elastic IPs associated with `instance_id` (Filter instance-id).
core::Result<std::vector<cloud::ElasticIp>> AddressesOfInstance(AwsClient& client,
                                                                const std::string& instance_id);

// One elastic IP by allocation id ("eipalloc-...") or public address. kNotFound naming it when
// EC2 has none (InvalidAllocationID.NotFound, InvalidAddress.NotFound, or an empty answer).
core::Result<cloud::ElasticIp> DescribeAddress(AwsClient& client,
                                               const std::string& allocation_id_or_ip);

// AssociateAddress with AllowReassociation: the address moves in one call.
core::Status AssociateAddress(AwsClient& client, const std::string& allocation_id,
                              const std::string& instance_id);

// DisassociateAddress. kNotFound when the association is gone (InvalidAssociationID.NotFound).
core::Status DisassociateAddress(AwsClient& client, const std::string& association_id);

// Decoding, exposed for tests on recorded answers.
void DecodeAddresses(const pugi::xml_node& root, std::vector<cloud::ElasticIp>& out);

}  // namespace rotor::aws::ec2
