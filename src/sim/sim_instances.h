// cloud::Instances on the simulated world: EC2's view of every instance, the account's room for
// more, and termination outside any group, each costing the calls AwsCloud would make.
#pragma once

#include <string>
#include <vector>

#include "cloud/instances.h"

namespace rotor::sim {

class World;

class SimInstances final : public cloud::Instances {
 public:
  // REQUIRES: `world` outlives this.
  explicit SimInstances(World& world) : world_(world) {}

  core::Result<std::vector<cloud::Instance>> ListInstances(
      const std::vector<std::string>& ids) override;
  core::Result<cloud::LaunchRoom> RoomFor(const std::string& instance_type) override;
  core::Status TerminateInstances(const std::vector<std::string>& ids) override;

 private:
  World& world_;
};

}  // namespace rotor::sim
