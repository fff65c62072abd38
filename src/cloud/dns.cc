#include "cloud/dns.h"

#include <algorithm>
#include <string>
#include <vector>

namespace rotor::cloud {

core::Result<std::vector<DnsRecord>> RecordsNaming(Dns& dns,
                                                   const std::vector<std::string>& addresses) {
  std::vector<DnsRecord> found;
  if (addresses.empty()) return found;
  ASSIGN_OR_RETURN(std::vector<HostedZone> zones, dns.ListZones());
  for (const HostedZone& zone : zones) {
    ASSIGN_OR_RETURN(std::vector<DnsRecord> records, dns.ListRecords(zone.id));
    for (DnsRecord& r : records) {
      if (r.alias || (r.type != "A" && r.type != "AAAA")) continue;
      bool names = std::any_of(r.values.begin(), r.values.end(), [&](const std::string& v) {
        return std::find(addresses.begin(), addresses.end(), v) != addresses.end();
      });
      if (names) found.push_back(std::move(r));
    }
  }
  return found;
}

}  // namespace rotor::cloud
