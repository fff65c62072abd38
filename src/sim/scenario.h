// A scenario: the simulated cloud's initial state, timings and faults (DESIGN.md section 6).
#pragma once

#include <map>
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
  int root_size_gib = 8;            // the root snapshot's size (GiB)

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
  // Tags the group propagates to the members it launches (e.g. Name), as PropagateAtLaunch.
  std::map<std::string, std::string> tags;

  bool uses_template() const { return !template_name.empty(); }
};

struct StackSpec {
  std::string name;
  // Declared parameters with their values, in order; a launch spec's image may come from one.
  std::vector<std::pair<std::string, std::string>> parameters;
  std::vector<std::string> no_echo;                       // parameters CloudFormation masks
  core::Duration update_time = std::chrono::seconds(60);  // how long an update or creation runs
  std::vector<GroupSpec> groups;
};

// An EBS volume of a standalone host, attached to it since it was launched.
struct VolumeSpec {
  std::string device = "/dev/xvda";  // the root
  int size_gib = 8;
  std::string type = "gp3";
  bool encrypted = false;
  std::map<std::string, std::string> tags;
  std::string mount;  // where the host mounts it (in its fstab); "" : not mounted
  std::string fs;     // the file system on it (filling it): ext4, xfs, ...; "": ext4, the root xfs
  std::string id;     // "" : generated
  // Earlier nightly backups made by rotor, completed: one a day at the start's time of day, the
  // newest a day before the start (tagged rotor:backup-of, rotor:created, rotor:operation and
  // the volume's own tags).
  int backups = 0;
};

// A standalone instance (no group), running since long before the start.
struct HostSpec {
  std::string name;  // its Name tag
  std::string id;    // "" : generated
  std::string image;
  std::string type = "t3.micro";
  std::string zone;    // default: the region's first zone (REGIONa)
  std::string subnet;  // default: derived from the zone
  std::string key;
  std::vector<std::string> security_groups;
  std::string profile;                      // instance profile ARN
  std::map<std::string, std::string> tags;  // besides Name
  int ipv6 = 0;                             // IPv6 addresses on its primary interface
  bool termination_protection = false;
  std::string user_data;            // as the instance's user data attribute holds it
  std::vector<VolumeSpec> volumes;  // root first: /dev/xvda 8 GiB gp3 unless given
};

// An elastic IP, associated with an instance (a host's or a member's Name tag, or an id) or not.
struct AddressSpec {
  std::string allocation;  // eipalloc-...
  std::string ip;
  std::string instance;  // "" : not associated
};

// A Route 53 record. A value "host:NAME:public|private|ipv6|eip" stands for that address of the
// instance named NAME, resolved when the world is built.
struct RecordSpec {
  std::string name;  // with the trailing dot
  std::string type;  // A, AAAA, CNAME, TXT, ...
  int64_t ttl = 300;
  std::vector<std::string> values;
};

struct ZoneSpec {
  std::string name;  // with the trailing dot
  bool private_zone = false;
  std::vector<RecordSpec> records;
};

// What a remote command does on a host: the first entry whose pattern and host match decides.
// `host: local` is this machine: a command rotor runs locally (--prepare, --after).
struct CommandSpec {
  std::string pattern;     // glob over the whole command line
  std::string host = "*";  // glob over the Name tag or the id, or kLocalHost
  core::Duration duration = std::chrono::seconds(2);
  int exit_status = 0;
  std::string output;
};

inline constexpr char kLocalHost[] = "local";

struct Timing {
  Distribution api_latency = Distribution::Fixed(std::chrono::milliseconds(50));
  Distribution launch_to_running = Distribution::Fixed(std::chrono::seconds(20));
  Distribution boot_to_healthy = Distribution::Fixed(std::chrono::seconds(40));
  Distribution shutdown = Distribution::Fixed(std::chrono::seconds(10));
  core::Duration command = std::chrono::seconds(2);     // a command no `commands:` entry matches
  core::Duration ssh_ready = std::chrono::seconds(25);  // running -> sshd answers (DESIGN 9)
  core::Duration dns_sync = std::chrono::seconds(30);   // a Route 53 change: PENDING -> INSYNC
  core::Duration attach = std::chrono::seconds(5);      // a volume: attaching -> attached
  core::Duration detach = std::chrono::seconds(10);     // a volume: detaching -> available
  core::Duration snapshot = std::chrono::seconds(60);   // a snapshot: pending -> completed
  core::Duration create_volume = std::chrono::seconds(10);    // a new volume: creating -> available
  core::Duration modify_volume = std::chrono::seconds(30);    // a change: modifying -> optimizing
  core::Duration optimize_volume = std::chrono::minutes(10);  // optimizing -> completed
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
    kCommandFailure,
    kPortClosed,
    kVolumeStuck,
    kSnapshotSlow,
  };
  Kind kind = Kind::kBootFailure;
  std::string image;  // boot_failure, unhealthy_after: only instances of this image ("" = all)
  std::string group;  // terminate
  std::string stack;  // stack_update_failure
  bool rollback_fails = false;  // stack_update_failure: the rollback fails too
  std::string zone;             // zone_outage
  std::string service;          // throttle, api_error, endpoint_outage: ec2, autoscaling, elb,
                                // cloudformation ("*": every service, endpoint_outage only)
  std::string code;             // api_error
  double probability = 1.0;
  core::Duration at{0};      // terminate, zone_outage: since the start
  core::Duration after{0};   // unhealthy_after: since the instance became healthy
  core::Duration length{0};  // zone_outage, endpoint_outage, volume_stuck, snapshot_slow: "for"
  double refill_per_s = 0;   // throttle
  int bucket = 0;            // throttle
  int after_steps = 0;       // crash; endpoint_outage: begins at this mutating call (0: at)
  std::string pattern;       // command_failure: glob over the command line
  std::string host;          // command_failure, port_closed, volume_stuck: glob over Name or id;
                             // "new": launched during the run
  int exit_status = 1;       // command_failure
  std::string output;        // command_failure
  int port = 22;             // port_closed
  std::string volume;        // volume_stuck, snapshot_slow: a volume's id ("" : by host and
                             // device; snapshot_slow: every volume)
  std::string device;        // volume_stuck with host: the attachment's device ("/dev/sdf")
  std::string state;         // volume_stuck: attaching | detaching
};

// A fault's `for` when not given: for ever.
inline constexpr core::Duration kForever = core::Duration::max();

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
  std::vector<HostSpec> hosts;
  std::vector<AddressSpec> addresses;
  std::vector<ZoneSpec> zones;
  std::vector<CommandSpec> commands;
};

// Reads and validates a scenario file. Errors (kInvalidArgument) name the file, the line and
// the key: unknown keys, bad durations, a version or image that was never declared.
core::Result<Scenario> LoadScenario(const std::string& path);
core::Result<Scenario> ParseScenario(const std::string& yaml_text, const std::string& path);

}  // namespace rotor::sim
