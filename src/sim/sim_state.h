// The simulated world's model: instances, groups, load balancers, launch templates and stacks as
// the World (sim/world.h) keeps them. Internal to sim/: included by world.h and sim/'s .cc files.
#pragma once

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "cloud/dns.h"
#include "cloud/instances.h"
#include "cloud/model.h"
#include "cloud/stacks.h"
#include "sim/scenario.h"

namespace rotor::sim {

inline constexpr core::Time kNever = core::Time::max();

// Service names as AwsCloud counts its calls ("service:Operation").
inline constexpr char kAsg[] = "autoscaling";
inline constexpr char kEc2[] = "ec2";
inline constexpr char kElb[] = "elasticloadbalancing";
inline constexpr char kCfn[] = "cloudformation";

// Every simulated instance has this type unless its launch spec says otherwise.
inline constexpr char kSimInstanceType[] = "t3.micro";

// Calls needed for `items` at `per_call` a call (one at least).
inline int Pages(size_t items, size_t per_call) {
  return static_cast<int>(std::max<size_t>(1, (items + per_call - 1) / per_call));
}

enum class Ec2State { kPending, kRunning, kShuttingDown, kTerminated, kStopping, kStopped };

struct Inst {
  std::string id;
  int group = -1;  // -1 once it left its group (detached or terminating)
  std::string zone;
  std::string image;
  cloud::LaunchSpec spec;
  Ec2State state = Ec2State::kPending;
  core::Time launched{};
  core::Time running_at = kNever;
  core::Time app_expected = kNever;   // when the application should answer (running + boot)
  core::Time app_up = kNever;         // kNever: the application never starts (boot failure)
  core::Time fails_at = kNever;       // unhealthy_after: the application stops answering
  core::Time terminated_at = kNever;  // EC2 state terminated
  std::string private_ip;
  std::string group_tag;  // aws:autoscaling:groupName, kept after the instance leaves
  std::string stack_tag;  // aws:cloudformation:stack-name
  std::vector<int> lbs;   // load balancers it is (or was) registered with
  // Hosts (scenario hosts: and RunInstance) and what describing one as a host shows.
  bool standalone = false;                  // never in a group
  std::map<std::string, std::string> tags;  // Name, ...; a member's: its group's propagated tags
  std::string subnet;                       // "" : derived from the zone
  std::string key;
  std::vector<std::string> security_groups;
  std::string profile;
  std::vector<int> volumes;  // attached (in any attachment state), in attach order: its devices
  std::map<std::string, std::string> fstab;  // volume id -> mount point, mounted at boot
  bool protection = false;                   // DisableApiTermination
  std::string user_data;
  std::string public_ip;          // its own ("" : none; released when it stops)
  std::string eip;                // the elastic IP on it ("" : none); shown as its public IP
  std::vector<std::string> ipv6;  // of its primary interface
  int epoch = 0;  // bumped by every stop and start: a stale event finds it changed and does nothing
};

// An EBS volume, attached to one instance or available. An instance's block devices are the
// volumes attached to it (Inst::volumes).
struct Vol {
  std::string id;
  std::string zone;
  int size_gib = 8;
  std::string type = "gp3";
  bool encrypted = false;
  std::map<std::string, std::string> tags;
  bool deleted = false;  // deleted with its instance (delete on termination): gone from the API
  bool root = false;     // its instance's root volume (/dev/nvme0n1, its partition mounted at /)
  // The attachment: inst -1 when available.
  int inst = -1;
  std::string device;        // as the block device mapping names it ("/dev/sdf")
  std::string attach_state;  // attaching | attached | detaching
  bool delete_on_termination = false;
  int nvme = -1;        // the instance's NVMe index for it once attached (Nitro: /dev/nvmeNn1)
  std::string mounted;  // where the instance has its file system mounted ("" : not mounted)
  int epoch = 0;  // bumped by every attach and detach: a stale completion finds it and does nothing
  core::Time available_at{};  // a created volume is `creating` until then
  // The latest change (ModifyVolume): modifying until `optimizing_at` (the new size usable
  // then), optimizing until `completes`.
  struct Change {
    core::Time started{}, optimizing_at{}, completes{};
    int size_gib = 0;
    std::string type;
    int iops = 0;
  };
  std::optional<Change> change;
  std::string snapshot_id;  // created from
  int iops = 0;
  // The file system on it: its type ("" : none, an empty volume) and size, which grows only
  // when the host grows it (resize2fs, xfs_growfs) after the volume grew.
  std::string fstype;
  int fs_gib = 0;
};

// An EBS snapshot: pending until `completes`, then completed.
struct Snap {
  std::string id;
  std::string volume_id;
  std::string description;
  std::map<std::string, std::string> tags;
  core::Time started{};
  core::Time completes = kNever;  // kNever: a snapshot_slow fault for ever
  int size_gib = 0;
  bool encrypted = false;
  std::string fstype;  // the file system it holds, as its volume's was
  int fs_gib = 0;
};

// An elastic IP and the instance it is on (-1: none).
struct Eip {
  std::string allocation;
  std::string ip;
  std::string association;  // "" when not associated
  int inst = -1;
};

// A Route 53 hosted zone and its record sets.
struct SimZone {
  cloud::HostedZone zone;
  std::vector<cloud::DnsRecord> records;
};

struct Target {
  core::Time registered{};
  core::Time deregistered = kNever;
};

struct Lb {
  LoadBalancerSpec spec;
  std::string id;  // classic ELB name or target group ARN
  std::unordered_map<int, Target> targets;
};

struct Tmpl {
  std::string id;
  std::string name;
  std::vector<cloud::LaunchData> versions;  // version i+1
  int default_version = 1;
};

struct Grp {
  GroupSpec spec;
  std::string stack;
  int min = 0, max = 0, desired = 0;
  std::set<std::string> suspended;
  std::vector<int> members;  // instance indexes, launch order
  std::vector<int> lbs;
  int tmpl = -1;              // template index, or -1 for a launch configuration
  std::string version;        // as the group uses it: "3", "$Latest", "$Default"
  std::string configuration;  // launch configuration name (in configurations_)

  bool Suspended(const std::string& p) const { return suspended.count(p) > 0; }
};

// A CloudFormation stack: its template, parameters, events and change sets. Its groups are the
// scenario's; an update changes the launch specs whose image comes from a changed parameter.
struct SimStack {
  StackSpec spec;
  std::string id;
  std::string status = "CREATE_COMPLETE";
  std::string reason;
  core::Time created{};
  std::string template_body;
  std::vector<cloud::StackParameter> params;  // current values, in declared order
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> capabilities;
  bool termination_protection = false;
  std::string policy;  // a stack policy's JSON ("": none)
  std::vector<cloud::StackEvent> events;
  struct Pending {
    cloud::ChangeSet set;
    std::string body;
    std::vector<cloud::StackParameter> params;  // resolved: every declared key with its value
    std::optional<std::vector<std::pair<std::string, std::string>>> tags;
  };
  std::map<std::string, Pending> change_sets;  // by id
  std::optional<Pending> executing;            // the change set an update in progress applies
  int generation = 0;                          // bumped on every update, so a cancel wins
  int change_sets_made = 0;                    // numbers change set ids

  bool Busy() const { return cloud::InProgress(status); }
};

// A throttle fault's token bucket for one service.
struct Bucket {
  double tokens = 0;
  double refill_per_s = 0;
  int capacity = 0;
  core::Time last{};
};

std::string StateName(Ec2State s);

// The subnet id the simulator gives a zone.
std::string SubnetOf(const std::string& zone);

// A template's logical id for a group: its name without what logical ids may not hold.
std::string LogicalId(const std::string& name);

}  // namespace rotor::sim
