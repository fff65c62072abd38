// A scenario: the simulated cloud's initial state, timings and faults (DESIGN.md section 6).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "core/status.h"
#include "sim/distribution.h"

namespace rotor::sim {

struct ImageSpec {
  std::string id;
  std::string name;
  core::Time created{};
  std::string architecture = "x86_64";
  std::string owner = "123456789012";
  std::string state = "available";  // pending, available, deregistered, ...

  cloud::Image ToImage() const;
};

struct LoadBalancerSpec {
  enum class Type { kAlb, kElb };
  Type type = Type::kAlb;
  std::string name;  // default: GROUP-alb / GROUP-elb
  core::Duration interval = std::chrono::seconds(30);
  int healthy_threshold = 5;
  int unhealthy_threshold = 2;
  core::Duration deregistration_delay = std::chrono::seconds(300);
  std::vector<std::string> zones;  // the zones it is enabled in; default: the group's zones
};

struct GroupSpec {
  std::string name;
  // Launch template: versions[i] is the image of version i+1; group_uses a number, "$Latest" or
  // "$Default" (version 1 is the default).
  std::string template_name;
  std::vector<std::string> template_versions;
  // Per version, the stack parameter its image comes from (`{param: ImageId}`), or "".
  std::vector<std::string> template_params;
  std::string group_uses;
  // Or a launch configuration.
  std::string configuration_name;
  std::string configuration_image;
  std::string configuration_param;  // the stack parameter its image comes from, or ""
  // `update_policy: rolling`: CloudFormation's own AutoScalingRollingUpdate replaces the members
  // when the stack changes their launch spec.
  bool cfn_rolls = false;

  std::vector<std::string> zones;
  int min = 0;
  int max = 0;
  int desired = 0;
  int instance_count = 0;
  std::string instance_image;
  core::Duration instance_age = std::chrono::hours(24 * 30);
  std::vector<LoadBalancerSpec> load_balancers;
  core::Duration health_check_grace{0};
  std::string health_check_type = "EC2";
  std::vector<std::string> suspended;
  // Reported to pre-flight; the simulator does not hold instances on them.
  std::vector<cloud::LifecycleHook> lifecycle_hooks;
  std::string instance_refresh;  // status of an unfinished Instance Refresh ("" = none)

  bool uses_template() const { return !template_name.empty(); }
};

struct StackSpec {
  std::string name;
  // Declared parameters with their values, in order; a launch spec's image may come from one.
  std::vector<std::pair<std::string, std::string>> parameters;
  std::vector<std::string> no_echo;  // parameters CloudFormation masks
  core::Duration update_time = std::chrono::seconds(60);  // how long an update or creation runs
  std::vector<GroupSpec> groups;
};

struct Timing {
  Distribution api_latency = Distribution::Fixed(std::chrono::milliseconds(50));
  Distribution launch_to_running = Distribution::Fixed(std::chrono::seconds(20));
  Distribution boot_to_healthy = Distribution::Fixed(std::chrono::seconds(40));
  Distribution shutdown = Distribution::Fixed(std::chrono::seconds(10));
};

struct Fault {
  enum class Kind {
    kBootFailure,
    kUnhealthyAfter,
    kTerminate,
    kZoneOutage,
    kThrottle,
    kApiError,
    kCrash,
    kEndpointOutage,
    kStackUpdateFailure,
  };
  Kind kind = Kind::kBootFailure;
  std::string image;    // boot_failure, unhealthy_after: only instances of this image ("" = all)
  std::string group;    // terminate
  std::string stack;    // stack_update_failure
  bool rollback_fails = false;  // stack_update_failure: the rollback fails too
  std::string zone;     // zone_outage
  std::string service;  // throttle, api_error, endpoint_outage: ec2, autoscaling, elb,
                        // cloudformation ("*": every service, endpoint_outage only)
  std::string code;     // api_error
  double probability = 1.0;
  core::Duration at{0};      // terminate, zone_outage: since the start
  core::Duration after{0};   // unhealthy_after: since the instance became healthy
  core::Duration length{0};  // zone_outage, endpoint_outage: "for"
  double refill_per_s = 0;   // throttle
  int bucket = 0;            // throttle
  int after_steps = 0;       // crash; endpoint_outage: begins at this mutating call (0: at)
};

struct Scenario {
  std::string path;  // for messages
  uint64_t seed = 1;
  std::string region = "eu-west-1";
  core::Time start{};  // default 2026-01-01T00:00:00Z
  std::vector<ImageSpec> images;
  std::vector<StackSpec> stacks;
  Timing timing;
  std::vector<Fault> faults;
  int on_demand_vcpus = 0;  // the account's quota (every simulated instance has 2); 0 = unknown
};

// Reads and validates a scenario file. Errors (kInvalidArgument) name the file, the line and
// the key: unknown keys, bad durations, a version or image that was never declared.
core::Result<Scenario> LoadScenario(const std::string& path);
core::Result<Scenario> ParseScenario(const std::string& yaml_text, const std::string& path);

}  // namespace rotor::sim
