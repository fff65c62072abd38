#include "aws/aws_dns.h"

namespace rotor::aws {

core::Result<std::vector<cloud::HostedZone>> AwsDns::ListZones() {
  return core::Internal("not built yet (issue 12)");
}
core::Result<std::vector<cloud::DnsRecord>> AwsDns::ListRecords(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Result<std::string> AwsDns::ChangeRecords(const std::string&,
                                                const std::vector<cloud::RecordChange>&,
                                                const std::string&) {
  return core::Internal("not built yet (issue 12)");
}
core::Result<bool> AwsDns::ChangeInSync(const std::string&) {
  return core::Internal("not built yet (issue 12)");
}

}  // namespace rotor::aws
