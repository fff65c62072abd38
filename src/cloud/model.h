// The provider-neutral fleet model: plain values, no AWS or simulator types.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace rotor::cloud {

// What an instance or a group launches from.
struct LaunchSpec {
  enum class Kind { kNone, kTemplate, kConfiguration };
  Kind kind = Kind::kNone;
  std::string template_id;
  std::string template_name;
  std::string version;           // as written: "3", "$Latest", "$Default"
  std::string resolved_version;  // a number, "$Latest"/"$Default" resolved; empty if unknown
  std::string configuration_name;
  std::string image_id;  // the image the spec launches; empty if unknown
  std::string instance_type;

  // "lt-0abc v3", "lc web-1-lc", "none"
  std::string Describe() const;
  bool operator==(const LaunchSpec&) const = default;
};

enum class LbKind { kClassic, kTargetGroup };

// One instance's health in one load balancer.
struct LbHealth {
  LbKind kind = LbKind::kClassic;
  std::string load_balancer;  // classic ELB name or target group ARN
  std::string state;          // classic: InService/OutOfService/Unknown;
                              // target group: initial/healthy/unhealthy/unused/draining/unavailable
  std::string reason;
  bool Ready() const { return state == "InService" || state == "healthy"; }
};

struct Instance {
  std::string id;
  std::string zone;
  core::Time launch_time{};
  std::string lifecycle_state;  // ASG lifecycle: Pending, InService, Terminating, ... ("" if none)
  std::string health_status;    // ASG: Healthy / Unhealthy
  std::string ec2_state;        // pending, running, stopping, stopped, shutting-down, terminated
  std::string image_id;
  std::string instance_type;
  std::string private_ip;
  std::string public_ip;
  std::vector<std::string> ipv6_addresses;  // of its primary network interface
  bool protected_from_scale_in = false;
  bool spot = false;  // a Spot instance (counts against the Spot quota, not on-demand)
  LaunchSpec spec;    // what the group launched it from (kind kNone for non-members)
  std::vector<LbHealth> health;
  std::map<std::string, std::string> tags;
};

struct Group {
  std::string name;
  int min_size = 0;
  int max_size = 0;
  int desired = 0;
  LaunchSpec spec;
  std::vector<std::string> zones;
  std::vector<std::string> suspended_processes;
  std::vector<std::string> classic_elbs;   // names
  std::vector<std::string> target_groups;  // ARNs
  std::string health_check_type;           // EC2 / ELB
  core::Duration health_check_grace{0};
  std::string stack_name;  // aws:cloudformation:stack-name tag, if any
  std::vector<Instance> instances;
};

struct Image {
  std::string id;
  std::string name;
  std::string owner_id;
  std::string state;                     // available, pending, deregistered, ...
  std::optional<core::Time> created;     // empty when the image is gone
  std::string architecture;              // x86_64, arm64, i386, ...; empty if unknown
  std::string virtualization;            // hvm, paravirtual; empty if unknown
  std::optional<core::Time> deprecated;  // when EC2 deprecates (or deprecated) it
  std::string root_device;               // "/dev/xvda"; empty if unknown
  int root_size_gib = 0;                 // its root volume's size; 0 if unknown
};
// What a provider answers for an image id it no longer lists.
Image DeregisteredImage(const std::string& id);

struct Stack {
  std::string name;
  std::string status;  // CREATE_COMPLETE, UPDATE_IN_PROGRESS, ...
  std::optional<core::Time> created;
  std::vector<std::string> group_names;  // physical ids of its AWS::AutoScaling::AutoScalingGroup
  std::vector<std::string> group_logical_ids;  // the template's names for them, in that order
  std::string status_reason;
};

// Whether `instance` no longer matches `group`'s current launch spec (DESIGN.md section 3):
// the template id + resolved version, the configuration name, or the image differs.
// An instance with an unknown version is compared by image alone.
bool IsOutOfDate(const Group& group, const Instance& instance);

}  // namespace rotor::cloud
