// cloud::Images on the simulated world: the scenario's images, each read costing the calls
// AwsCloud would make.
#pragma once

#include <string>
#include <vector>

#include "cloud/images.h"

namespace rotor::sim {

class World;

class SimImages final : public cloud::Images {
 public:
  // REQUIRES: `world` outlives this.
  explicit SimImages(World& world) : world_(world) {}

  core::Result<std::vector<cloud::Image>> DescribeImages(
      const std::vector<std::string>& ids) override;
  core::Result<std::vector<cloud::Image>> FindImages(const cloud::ImageQuery& query) override;

 private:
  World& world_;
};

}  // namespace rotor::sim
