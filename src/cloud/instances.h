// Instances: EC2 instances apart from their groups — listing, room to launch, and the verbs a
// runbook needs on one host (describe by id or Name, run another like it, stop, start,
// terminate, tags, termination protection, console output).
#pragma once

#include <map>
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

// An EBS volume attached to an instance.
struct BlockDevice {
  std::string device;  // "/dev/xvda", "/dev/sdf"
  std::string volume_id;
  int size_gib = 0;
  std::string volume_type;  // gp3, io2, ...
  bool encrypted = false;
  bool delete_on_termination = false;
};

// One instance as a host: what describing it and running another like it needs.
struct Host {
  Instance instance;  // id, zone, states, image, type, addresses, tags
  std::string name;   // its Name tag ("" if none)
  std::string subnet_id;
  std::string vpc_id;
  std::vector<std::string> security_groups;  // ids
  std::string key_name;                      // "" if none
  std::string profile_arn;                   // the instance profile's ARN, "" if none
  std::string root_device;                   // "/dev/xvda"
  std::vector<BlockDevice> devices;          // EBS volumes, root included
  bool termination_protection = false;
  std::string group;               // the Auto Scaling group it is a member of ("" if none)
  std::string launch_template_id;  // the launch template it was launched from ("" if none)
  std::string user_data;           // plain text, "" if none
};

// The root volume of an instance being launched.
struct RootVolume {
  std::string device;  // the image's root device name
  int size_gib = 0;    // 0: the image's size
  std::string volume_type;
  bool encrypted = true;
};

// What to launch: everything copied from a Host, some of it changed.
struct LaunchLike {
  std::string image_id;
  std::string instance_type;
  std::string subnet_id;
  std::vector<std::string> security_groups;
  std::string key_name;
  std::string profile_arn;
  // Set at launch, on the instance and its volumes; keys the provider reserves for itself
  // (AWS: "aws:...", copied along from a Host's tags) are left out by the provider.
  std::map<std::string, std::string> tags;
  int ipv6_count = 0;
  std::optional<RootVolume> root;  // none: the image's root as it is
  std::string user_data;           // plain text (the provider encodes it); "" for none
  bool termination_protection = false;
  // Idempotency: a second launch with the same token returns the first one's instance.
  std::string client_token;
};

// The instance `text` names among `hosts`: by id when it is one, else by an exact Name tag among
// those not terminated. kNotFound when none matches (naming Name tags that contain `text`, as
// candidates); kAmbiguous when several do (listing them, with what tells them apart).
core::Result<Host> PickHost(const std::string& text, const std::vector<Host>& hosts);

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

  // The instance an id or a Name tag names, in any state but terminated (PickHost's errors).
  virtual core::Result<Host> DescribeHost(const std::string& id_or_name) = 0;

  // The hosts carrying tag `key` = `value` (any state but terminated), e.g. the instance an
  // operation launched, found again after a crash by its rotor:operation tag.
  virtual core::Result<std::vector<Host>> FindHosts(const std::string& key,
                                                    const std::string& value) = 0;

  // Launches one instance; returns its id at once (it is pending).
  virtual core::Result<std::string> RunInstance(const LaunchLike& launch) = 0;

  // Stops (`running` false) or starts an instance; returns without waiting. kNotFound when gone.
  virtual core::Status SetRunning(const std::string& instance_id, bool running) = 0;

  // Sets tags (`set`) and removes tags (`remove`, by key) on an instance.
  virtual core::Status Tag(const std::string& instance_id,
                           const std::map<std::string, std::string>& set,
                           const std::vector<std::string>& remove) = 0;

  // Termination protection (EC2's DisableApiTermination) on or off.
  virtual core::Status SetTerminationProtection(const std::string& instance_id, bool on) = 0;

  // The instance's console output as text ("" when EC2 has none yet).
  virtual core::Result<std::string> ConsoleOutput(const std::string& instance_id) = 0;
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
  core::Result<Host> DescribeHost(const std::string& id_or_name) override {
    return target_.DescribeHost(id_or_name);
  }
  core::Result<std::vector<Host>> FindHosts(const std::string& key,
                                            const std::string& value) override {
    return target_.FindHosts(key, value);
  }
  core::Result<std::string> RunInstance(const LaunchLike& launch) override {
    return target_.RunInstance(launch);
  }
  core::Status SetRunning(const std::string& instance_id, bool running) override {
    return target_.SetRunning(instance_id, running);
  }
  core::Status Tag(const std::string& instance_id, const std::map<std::string, std::string>& set,
                   const std::vector<std::string>& remove) override {
    return target_.Tag(instance_id, set, remove);
  }
  core::Status SetTerminationProtection(const std::string& instance_id, bool on) override {
    return target_.SetTerminationProtection(instance_id, on);
  }
  core::Result<std::string> ConsoleOutput(const std::string& instance_id) override {
    return target_.ConsoleOutput(instance_id);
  }

 private:
  Instances& target_;
};

}  // namespace rotor::cloud
