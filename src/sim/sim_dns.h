// cloud::Dns on the simulated world: Route 53 zones and records from the scenario; a change is
// PENDING for a while, then INSYNC.
#pragma once

#include <string>
#include <vector>

#include "cloud/dns.h"

namespace rotor::sim {

class World;
struct SimZone;

class SimDns final : public cloud::Dns {
 public:
  // REQUIRES: `world` outlives this.
  explicit SimDns(World& world) : world_(world) {}
  core::Result<std::vector<cloud::HostedZone>> ListZones() override;
  core::Result<std::vector<cloud::DnsRecord>> ListRecords(const std::string& zone_id) override;
  core::Result<std::string> ChangeRecords(const std::string& zone_id,
                                          const std::vector<cloud::RecordChange>& changes,
                                          const std::string& comment) override;
  core::Result<bool> ChangeInSync(const std::string& change_id) override;

 private:
  core::Result<SimZone*> Zone(const std::string& zone_id);  // kNotFound: NoSuchHostedZone
  World& world_;
};

}  // namespace rotor::sim
