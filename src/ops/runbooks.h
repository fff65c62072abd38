// Running a runbook operation (patch, and the jobs after it) as a journaled operation: the
// record of its kind, plan and resources, the leases, the runbook driver, the final status; and
// resuming or rolling one back from the journal alone (`rotor rollout resume|rollback ID`).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "journal/journal.h"
#include "journal/lease.h"
#include "ops/upgrade.h"
#include "remote/ssh.h"
#include "runbook/driver.h"

namespace rotor::ops {

struct RunbookOptions {
  std::string operation_id;
  std::string command;  // the command line, for `rotor rollout list|show`
  std::string owner;    // user@host:pid
  core::Duration lease_ttl = std::chrono::seconds(60);
  journal::OwnerGone owner_gone;
  runbook::OnFailure on_failure = runbook::OnFailure::kRollback;
  cloud::BackoffPolicy backoff;
  std::function<bool()> interrupted;                  // Ctrl-C; may be empty
  std::function<bool(const runbook::Step&)> confirm;  // irreversible steps; empty: yes
  std::function<void(const std::string&)> note;       // progress lines; may be empty
  // For a step that runs the rolling engine (upgrade): progress, probes, Ctrl-C; the lease,
  // heartbeat, pause flag and id are filled in by the run.
  RunOptions rolling;
  // For runbooks with remote steps (redeploy-bastion: port waits): ssh, or the simulation's.
  remote::Runner* remote = nullptr;
  // rotor's environment, for replace-instance's {env:NAME} placeholders (never journaled).
  std::map<std::string, std::string> env;
  // NoEcho parameter values given to this process (update-stack, import): never journaled;
  // the steps this process runs send them. A resume in another process has none, and says so.
  std::map<std::string, std::string> secrets;
  // Another region's volumes (backup --copy-to), built on demand and owned by the caller;
  // empty where there is no other region to reach (errors: that region's settings).
  std::function<core::Result<cloud::Volumes*>(const std::string& region)> volumes_in;
};

// The operation's steps rebuilt from its journaled plan (`plan` is what StartRunbook stored).
// kInvalidArgument for a kind that is not a runbook or a plan this rotor cannot read.
core::Result<std::vector<std::unique_ptr<runbook::Step>>> StepsFor(cloud::Cloud& cloud,
                                                                   journal::OperationKind kind,
                                                                   const std::string& plan,
                                                                   RollingContext& rolling,
                                                                   const RunbookOptions& options);

// Records the operation (kind, plan, resources), takes the leases (kBlocked when an unfinished
// operation or a live rotor holds one), runs the steps, records the final status.
core::Result<runbook::Report> StartRunbook(cloud::Cloud& cloud, core::Clock& clock,
                                           journal::Journal& journal, journal::OperationKind kind,
                                           const std::vector<std::string>& resources,
                                           const std::string& plan, const RunbookOptions& options);

// Goes on with an unfinished one, or undoes one (finished or not) with `rollback`.
core::Result<runbook::Report> ResumeRunbook(cloud::Cloud& cloud, core::Clock& clock,
                                            journal::Journal& journal,
                                            const journal::RolloutInfo& info, bool rollback,
                                            bool force_unlock, const RunbookOptions& options);

// Ends an unfinished one where it stands (status aborted; done steps stay done, and `rollout
// rollback` can still undo them). kBlocked while a live rotor holds its resources.
core::Status AbortRunbook(journal::Journal& journal, core::Clock& clock,
                          const journal::RolloutInfo& info, bool force_unlock,
                          const RunbookOptions& options);

}  // namespace rotor::ops
