// cloud::Groups on the simulated world: each read costs the calls AwsCloud would make, in the
// same order, through the world's API gate (sim/world.h).
#pragma once

#include <string>
#include <vector>

#include "cloud/groups.h"

namespace rotor::sim {

class World;

class SimGroups final : public cloud::Groups {
 public:
  // REQUIRES: `world` outlives this.
  explicit SimGroups(World& world) : world_(world) {}

  core::Result<std::vector<cloud::Group>> ObserveGroups(
      const std::vector<std::string>& names) override;
  core::Result<std::vector<cloud::Group>> PollGroups(
      const std::vector<std::string>& names) override;
  core::Result<std::vector<cloud::Group>> ListGroups(
      const std::vector<std::string>& names) override;
  core::Result<core::Duration> DrainTime(const std::string& group) override;
  core::Result<cloud::Surroundings> DescribeSurroundings(const std::string& group) override;

 private:
  World& world_;
};

}  // namespace rotor::sim
