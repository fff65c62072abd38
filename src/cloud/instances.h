// Instances: EC2 instances apart from their groups — listing, terminating, room to launch.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cloud/model.h"
#include "core/status.h"

namespace rotor::cloud {

// How many more instances of one type the account's on-demand vCPU quota allows.
struct LaunchRoom {
  std::optional<int> instances;  // empty when the quota or the usage could not be read
  std::string why_unknown;
  std::string detail;  // "quota 64 vCPUs, 58 in use, 2 per m5.large"
};

class Instances {
 public:
  virtual ~Instances() = default;

  // Running and pending instances in the region, with tags; restricted to `ids` when not empty.
  virtual core::Result<std::vector<Instance>> ListInstances(
      const std::vector<std::string>& ids) = 0;

  // Room under the account's running on-demand instance quota for more of `instance_type`.
  // Errors only for failures other than the quota being unreadable (see LaunchRoom).
  virtual core::Result<LaunchRoom> RoomFor(const std::string& instance_type) = 0;

  // Terminates instances that belong to no group (for example detached ones).
  virtual core::Status TerminateInstances(const std::vector<std::string>& instance_ids) = 0;
};

// Forwards every verb to another Instances; a test overrides only what it cares about.
class InstancesWrapper : public Instances {
 public:
  explicit InstancesWrapper(Instances& target) : target_(target) {}
  core::Result<std::vector<Instance>> ListInstances(const std::vector<std::string>& ids) override {
    return target_.ListInstances(ids);
  }
  core::Result<LaunchRoom> RoomFor(const std::string& instance_type) override {
    return target_.RoomFor(instance_type);
  }
  core::Status TerminateInstances(const std::vector<std::string>& instance_ids) override {
    return target_.TerminateInstances(instance_ids);
  }

 private:
  Instances& target_;
};

}  // namespace rotor::cloud
