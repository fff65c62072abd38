// cloud::GroupChanges on the simulated world: each change costs the calls AwsCloud would make
// (through the world's API gate, sim/world.h), then acts on the world and lets the groups
// reconcile.
#pragma once

#include <string>
#include <vector>

#include "cloud/group_changes.h"

namespace rotor::sim {

class World;

class SimGroupChanges final : public cloud::GroupChanges {
 public:
  // REQUIRES: `world` outlives this.
  explicit SimGroupChanges(World& world) : world_(world) {}

  core::Status SetSizes(const std::string& group, const cloud::Sizes& sizes) override;
  core::Status SetLaunchSpec(const std::string& group, const cloud::LaunchSpec& spec) override;
  core::Status SuspendProcesses(const std::string& group,
                                const std::vector<std::string>& p) override;
  core::Status ResumeProcesses(const std::string& group,
                               const std::vector<std::string>& p) override;
  core::Status TerminateInstance(const std::string& instance_id, bool decrement) override;
  core::Status DetachInstances(const std::string& group, const std::vector<std::string>& ids,
                               bool decrement) override;
  core::Status AttachInstances(const std::string& group,
                               const std::vector<std::string>& ids) override;
  core::Status Deregister(const std::string& group, const std::vector<std::string>& ids) override;

 private:
  World& world_;
};

}  // namespace rotor::sim
