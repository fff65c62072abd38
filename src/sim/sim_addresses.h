// cloud::Addresses on the simulated world: elastic IPs from the scenario, moved between
// instances at the call (plus API latency), each costing the calls AwsCloud would make.
#pragma once

#include <string>
#include <vector>

#include "cloud/addresses.h"

namespace rotor::sim {

class World;
struct Eip;

class SimAddresses final : public cloud::Addresses {
 public:
  // REQUIRES: `world` outlives this.
  explicit SimAddresses(World& world) : world_(world) {}
  core::Result<std::vector<cloud::ElasticIp>> AddressesOf(const std::string& instance_id) override;
  core::Result<cloud::ElasticIp> DescribeAddress(const std::string& allocation_id_or_ip) override;
  core::Status Associate(const std::string& allocation_id, const std::string& instance_id) override;
  core::Status Disassociate(const std::string& association_id) override;

 private:
  cloud::ElasticIp Describe(const Eip& e) const;
  World& world_;
};

}  // namespace rotor::sim
