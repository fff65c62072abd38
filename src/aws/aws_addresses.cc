#include "aws/aws_addresses.h"

namespace rotor::aws {

core::Result<std::vector<cloud::ElasticIp>> AwsAddresses::AddressesOf(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Result<cloud::ElasticIp> AwsAddresses::DescribeAddress(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Status AwsAddresses::Associate(const std::string&, const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Status AwsAddresses::Disassociate(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}

}  // namespace rotor::aws
