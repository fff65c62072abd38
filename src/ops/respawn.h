// `rotor respawn`: replace the out-of-date members of one or more groups with the rolling
// engine, one group after another or several at once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "journal/journal.h"
#include "journal/lease.h"
#include "ops/interleave.h"
#include "ops/preflight.h"
#include "ops/targets.h"
#include "rollout/engine.h"

namespace rotor::ops {

struct GroupPlan {
  std::string group;
  int desired = 0;
  std::vector<std::string> victims;  // in order
  std::vector<std::vector<std::string>> batches;
  rollout::Budget budget;
  int surge = 0;
  core::Duration estimate{0};  // assuming 60 s from launch to ready and the drain time
};

struct RespawnPlan {
  std::string stack;
  std::vector<GroupPlan> groups;
  std::vector<std::string> unchecked;  // pre-flight checks the provider could not answer
};

// What respawn would do, without changing anything (--dry-run and the confirmation prompt),
// after pre-flight (ops/preflight.h; kBlocked with the reason; options.selected_stack is
// filled in from the selector).
core::Result<RespawnPlan> PlanRespawn(cloud::Cloud& cloud, const TargetSelector& selector,
                                      const rollout::Policy& policy, core::Time now,
                                      const PreflightOptions& options = {});

// rollout_id names the new rollout in the journal; keep_lease and pause_requested are
// replaced by the journal's (the group leases, `rotor rollout pause`).
struct RespawnOptions : RunOptions {
  std::string command;  // the command line, for `rotor rollout list|show`
  std::string owner;    // user@host:pid, for leases and messages
  core::Duration lease_ttl = std::chrono::seconds(60);
  journal::OperationKind kind = journal::OperationKind::kRespawn;  // update-asgs is a respawn too
  journal::OwnerGone owner_gone;  // leases of dead local rotors are taken at once; may be empty
};

// Rolls the groups of the plan as one journaled rollout, `parallel` at a time in plan order;
// once one does not complete, no further group starts (those in flight finish their own
// rollouts). kBlocked before anything changes when an unfinished rollout or a live lease holds
// one of the groups; kBlocked midway when a lease is lost; kAborted for a (simulated) crash.
core::Result<RespawnReport> Respawn(cloud::Cloud& cloud, core::Clock& clock,
                                    journal::Journal& journal, const RespawnPlan& plan,
                                    const rollout::Policy& policy, const RespawnOptions& options);

}  // namespace rotor::ops
