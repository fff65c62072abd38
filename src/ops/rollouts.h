// `rotor rollout list|show|resume|pause|abort|rollback` (DESIGN.md section 4), and the
// journaled run shared with respawn: leases kept, pause requests watched, status recorded.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "journal/journal.h"
#include "journal/lease.h"
#include "ops/respawn.h"

namespace rotor::ops {

// kBlocked naming the rollout, its status and the command to finish it, when a rollout that has
// not finished (running, paused, or killed) holds one of `groups`.
core::Status RefuseUnfinished(journal::Journal& journal, const std::vector<std::string>& groups);

// Runs the tasks of the rollout `options.rollout_id` with `leases` already taken; records its
// final status and gives the leases back (not after a crash: they lapse with their TTL).
core::Result<RespawnReport> RunJournaled(cloud::Cloud& cloud, core::Clock& clock,
                                         journal::Journal& journal, const rollout::Policy& policy,
                                         const std::vector<GroupTask>& tasks,
                                         const RespawnOptions& options,
                                         journal::LeaseKeeper& leases);

bool IsFinished(const std::string& status);
// Whether operations of this kind are runbooks (rather than rolling respawns).
bool IsRunbookKind(journal::OperationKind kind);

// A rollout as the journal has it: each group's latest state and the intent left unresolved.
struct GroupJournal {
  std::string group;
  std::optional<rollout::RolloutState> state;  // none: the group never started
  std::optional<rollout::Step> unresolved;
  std::optional<journal::Lease> lease;
};
struct RolloutDetail {
  journal::RolloutInfo info;
  rollout::Policy policy;
  std::vector<journal::Record> records;
  std::vector<GroupJournal> groups;
};

// Unfinished rollouts, or all with `all`, newest first.
core::Result<std::vector<journal::RolloutInfo>> ListRollouts(journal::Journal& journal, bool all);
// kNotFound for an unknown id; kInvalidArgument for records this rotor cannot read.
core::Result<RolloutDetail> LoadRollout(journal::Journal& journal, const std::string& id);

// Asks the running rotor to stop at its next step boundary; a rollout nobody runs (its leases
// lapsed) is marked paused at once. kFailedPrecondition for a finished rollout.
core::Status PauseRollout(journal::Journal& journal, const std::string& id, core::Time now);

enum class ResumeMode {
  kContinue,  // finish the job
  kAbort,     // restore sizes and processes, terminate what rotor detached, leave the rest
  kRollback,  // return every group to the old launch spec, then restore
};

// Takes the rollout's leases over (kBlocked while a live rotor holds one, unless
// `force_unlock`), then continues every group from its journaled state.
core::Result<RespawnReport> ResumeRollout(cloud::Cloud& cloud, core::Clock& clock,
                                          journal::Journal& journal, const RolloutDetail& detail,
                                          ResumeMode mode, bool force_unlock,
                                          RespawnOptions options);

}  // namespace rotor::ops
