// `rotor redeploy-bastion` (DESIGN.md section 7b): the STUPS "odd" redeploy as a runbook. A new
// instance like the old one (or, when the bastion is the only member of an Auto Scaling group,
// a surge of one in that group); wait until its port accepts connections; move each elastic IP
// of the old instance to it; wait for the port again through the moved address; point the
// Route 53 records that named the old instance's other addresses (private, public, IPv6: IPv6
// has no elastic addresses) at the new one's; stop the old instance (or terminate it). The old
// bastion keeps its address until the new one answers. Journaled, resumable, and rolled back
// by moving addresses and records back and starting the old instance again.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "ops/host_steps.h"
#include "ops/image_choice.h"
#include "remote/ssh.h"
#include "runbook/step.h"

namespace rotor::ops {

struct BastionRequest {
  std::string instance;               // an id or the value of its Name tag
  int port = 22;                      // --port
  bool terminate_old = false;         // --terminate-old
  std::string subnet;                 // --subnet; empty: the old instance's
  std::optional<ImageRequest> image;  // --image; absent: see PlanBastion
  AddressKind address = AddressKind::kPrivate;
  core::Duration health_timeout = std::chrono::minutes(10);  // for the port to open
};

struct BastionPlan {
  std::string operation_id;
  cloud::Host old;        // as the plan found it
  std::string group;      // the group whose only member it is; "" for a standalone one
  int group_desired = 0;  // its sizes as the plan found them
  int group_max = 0;
  cloud::LaunchLike launch;                 // what a standalone bastion's successor launches as
  std::string image_why;                    // which image, and why that one
  std::vector<cloud::ElasticIp> addresses;  // the old instance's elastic IPs, moved in order
  std::vector<cloud::DnsRecord> records;    // records naming its other addresses, repointed
  std::vector<std::string> following;       // records naming an elastic IP: they follow it
  std::vector<std::string> left;            // routing-policy records rotor leaves alone
  int port = 22;
  bool terminate_old = false;
  AddressKind address = AddressKind::kPrivate;
  core::Duration health_timeout = std::chrono::minutes(10);
};

// Looks at the bastion, its group, image, elastic IPs and the records naming it. kNotFound /
// kAmbiguous for an instance that does not exist or a name that is not unique; kInvalidArgument
// for a request that does not fit (a group with other members, --image for a group member, a
// bastion that is not running); nothing is changed.
core::Result<BastionPlan> PlanBastion(cloud::Cloud& cloud, const BastionRequest& request,
                                      const std::string& operation_id, core::Time now);

// The plan's lines: what is launched from which image and why, the addresses and records that
// move, what happens to the old instance.
std::vector<std::string> DescribeBastion(const BastionPlan& plan);

// The resources the operation leases: the instance, and its group if it has one.
std::vector<std::string> BastionResources(const BastionPlan& plan);

// The plan as the journal keeps it, and back (kInvalidArgument for a damaged one).
std::string BastionPlanToJson(const BastionPlan& plan);
core::Result<BastionPlan> BastionPlanFromJson(const std::string& text);

// The runbook's steps, in order. REQUIRES: every reference outlives them.
// `keep_lease` (may be empty) is called at every poll of a long wait.
std::vector<std::unique_ptr<runbook::Step>> BastionSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                         remote::Runner& runner,
                                                         const BastionPlan& plan,
                                                         std::function<core::Status()> keep_lease);

}  // namespace rotor::ops
