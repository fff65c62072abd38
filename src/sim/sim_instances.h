// cloud::Instances on the simulated world: EC2's view of every instance, the account's room for
// more, and termination outside any group, each costing the calls AwsCloud would make.
#pragma once

#include <map>
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
  core::Result<cloud::Host> DescribeHost(const std::string& id_or_name) override;
  core::Result<std::vector<cloud::Host>> FindHosts(const std::string& key,
                                                   const std::string& value) override;
  core::Result<std::string> RunInstance(const cloud::LaunchLike& launch) override;
  core::Status SetRunning(const std::string& instance_id, bool running) override;
  core::Status Tag(const std::string& instance_id, const std::map<std::string, std::string>& set,
                   const std::vector<std::string>& remove) override;
  core::Status SetTerminationProtection(const std::string& instance_id, bool on) override;
  core::Result<std::string> ConsoleOutput(const std::string& instance_id) override;

 private:
  World& world_;
};

}  // namespace rotor::sim
