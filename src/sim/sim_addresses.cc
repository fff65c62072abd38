#include "sim/sim_addresses.h"

#include "sim/world.h"

namespace rotor::sim {

core::Result<std::vector<cloud::ElasticIp>> SimAddresses::AddressesOf(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Result<cloud::ElasticIp> SimAddresses::DescribeAddress(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Status SimAddresses::Associate(const std::string&, const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Status SimAddresses::Disassociate(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}

}  // namespace rotor::sim
