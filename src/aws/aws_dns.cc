#include "aws/aws_dns.h"

#include "aws/route53.h"

namespace rotor::aws {

core::Result<std::vector<cloud::HostedZone>> AwsDns::ListZones() {
  return route53::ListHostedZones(route53_);
}

core::Result<std::vector<cloud::DnsRecord>> AwsDns::ListRecords(const std::string& zone_id) {
  return route53::ListResourceRecordSets(route53_, zone_id);
}

core::Result<std::string> AwsDns::ChangeRecords(const std::string& zone_id,
                                                const std::vector<cloud::RecordChange>& changes,
                                                const std::string& comment) {
  return route53::ChangeResourceRecordSets(route53_, zone_id, changes, comment);
}

core::Result<bool> AwsDns::ChangeInSync(const std::string& change_id) {
  return route53::ChangeInSync(route53_, change_id);
}

}  // namespace rotor::aws
