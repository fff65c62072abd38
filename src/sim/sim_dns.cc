#include "sim/sim_dns.h"

#include "sim/world.h"

namespace rotor::sim {

core::Result<std::vector<cloud::HostedZone>> SimDns::ListZones() {
  return core::Internal("not built yet (issue 12)");
}
core::Result<std::vector<cloud::DnsRecord>> SimDns::ListRecords(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Result<std::string> SimDns::ChangeRecords(const std::string&,
                                                const std::vector<cloud::RecordChange>&,
                                                const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Result<bool> SimDns::ChangeInSync(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}

}  // namespace rotor::sim
