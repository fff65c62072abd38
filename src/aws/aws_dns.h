// cloud::Dns on Route 53 (rest-xml, global, signed for us-east-1).
#pragma once

#include <string>
#include <vector>

#include "aws/aws_clients.h"
#include "cloud/dns.h"

namespace rotor::aws {

class AwsDns final : public cloud::Dns {
 public:
  // REQUIRES: `clients` outlives this object.
  explicit AwsDns(AwsClients& clients) : route53_(clients.route53) {}
  core::Result<std::vector<cloud::HostedZone>> ListZones() override;
  core::Result<std::vector<cloud::DnsRecord>> ListRecords(const std::string& zone_id) override;
  core::Result<std::string> ChangeRecords(const std::string& zone_id,
                                          const std::vector<cloud::RecordChange>& changes,
                                          const std::string& comment) override;
  core::Result<bool> ChangeInSync(const std::string& change_id) override;

 private:
  AwsClient& route53_;
};

}  // namespace rotor::aws
