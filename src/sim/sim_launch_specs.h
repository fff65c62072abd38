// cloud::LaunchSpecs on the simulated world: template versions and launch configurations, each
// call costing what AwsCloud's would (EC2 for templates, Auto Scaling for configurations).
#pragma once

#include <optional>
#include <string>

#include "cloud/launch_specs.h"

namespace rotor::sim {

class World;
struct Tmpl;

class SimLaunchSpecs final : public cloud::LaunchSpecs {
 public:
  // REQUIRES: `world` outlives this.
  explicit SimLaunchSpecs(World& world) : world_(world) {}

  core::Result<cloud::LaunchData> ReadLaunchData(const cloud::LaunchSpec& spec) override;
  core::Result<std::string> DefaultVersion(const std::string& template_id) override;
  core::Result<std::optional<std::string>> FindVersion(const std::string& template_id,
                                                       const std::string& description) override;
  core::Result<std::string> CreateVersion(const std::string& template_id,
                                          const cloud::LaunchData& data,
                                          const std::string& description) override;
  core::Status SetDefaultVersion(const std::string& template_id,
                                 const std::string& version) override;
  core::Status CreateConfiguration(const std::string& name, const cloud::LaunchData& data) override;

 private:
  core::Result<Tmpl*> TemplateById(const std::string& id);

  World& world_;
};

}  // namespace rotor::sim
