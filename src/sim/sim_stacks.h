// cloud::Stacks on the simulated world: CloudFormation's API over the world's stacks, each call
// costing what AwsCloud's would. An executed change set or a cancel starts what the world then
// does by itself over `update_time` (world_stacks.cc).
#pragma once

#include <string>
#include <vector>

#include "cloud/stacks.h"

namespace rotor::sim {

class World;

class SimStacks final : public cloud::Stacks {
 public:
  // REQUIRES: `world` outlives this.
  explicit SimStacks(World& world) : world_(world) {}

  core::Result<cloud::Stack> DescribeStack(const std::string& name) override;
  core::Result<cloud::StackSettings> ReadSettings(const std::string& name) override;
  core::Result<cloud::TemplateSummary> Summarize(const std::string& template_body) override;
  core::Result<cloud::ChangeSet> PrepareChange(const cloud::StackChange& change) override;
  core::Result<cloud::ChangeSet> ReadChange(const std::string& stack,
                                            const std::string& id) override;
  core::Status ApplyChange(const std::string& stack, const std::string& id) override;
  core::Status DropChange(const std::string& stack, const std::string& id) override;
  core::Result<std::string> CreateStack(const cloud::StackChange& change) override;
  core::Result<std::vector<cloud::StackEvent>> Events(const std::string& stack,
                                                      const std::string& after_id) override;
  core::Status CancelUpdate(const std::string& stack) override;
  core::Result<std::string> ReadPolicy(const std::string& stack) override;

 private:
  World& world_;
};

}  // namespace rotor::sim
