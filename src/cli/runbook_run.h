// What every runbook command (patch, and rollout resume|rollback on a runbook) shares: one line
// per step (and --events JSON lines), Ctrl-C pausing at the next step boundary, the final report
// with its exit code.
#pragma once

#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands/commands.h"
#include "cli/confirm.h"
#include "cli/exit_codes.h"
#include "cli/probes.h"
#include "cli/rolling.h"
#include "ops/runbooks.h"

namespace rotor::cli {

using RunbookFn =
    std::function<core::Result<runbook::Report>(const ops::RunbookOptions&, core::Clock&)>;

// Where --events lines go: nowhere, stdout ("-"), or the file, emptied when opened.
struct EventsSink {
  std::ofstream file;
  std::ostream* stream = nullptr;
};
core::Status OpenEvents(Session& session, EventsSink& sink);

// How RunRunbook runs one runbook, besides its options.
struct RunbookRun {
  bool rollback_asked = false;   // a rollback is what was asked: rolled_back is success
  core::Clock* clock = nullptr;  // what the runbook sleeps on (default: the runtime's)
  // One of several operations of one command (upgrade --all-behind): its progress lines, its
  // events and its JSON report name it ("[web-1]", "target"), and the report takes one line, so
  // that the command's output is JSON lines.
  std::string target;
  EventsSink* events = nullptr;  // --events opened once by such a command (default: here)
};

// Fills the lease TTL, back-off bound, progress and Ctrl-C handling of `options`, calls `run`,
// prints "VERB completed in 2s (3 steps)" (or why not) and returns the exit code: 0 completed
// (or rolled back, when a rollback is what was asked), 4 paused, 1 otherwise.
int RunRunbook(Session& session, Runtime& rt, Format format, const std::string& verb,
               ops::RunbookOptions options, const RunbookFn& run, const RunbookRun& how = {});

// The options of a runbook command whose last step rolls groups (upgrade, update-stack):
// --parallel and the policy's readiness probes. `probes` receives the probe set, which must
// outlive the options. kInvalidArgument for a probe that does not parse.
core::Result<ops::RunbookOptions> RollingRunbookOptions(const rollout::Policy& policy, int parallel,
                                                        Runtime& rt,
                                                        std::unique_ptr<ProbeSet>& probes);

// What a new runbook command does once its plan is confirmed (PlanAndConfirm): record the
// operation (`kind`, the resources it leases — "group/NAME", "stack/NAME" —, the plan as JSON)
// and run it. `options` may carry command-specific settings (the rolling part's probes); the
// id, command line and owner are filled in here. `how.target` also names the operation in the
// text report ("upgrade web-1 completed").
int StartAfterPlan(Session& session, Runtime& rt, Format format, journal::OperationKind kind,
                   const std::string& id, const std::vector<std::string>& resources,
                   const std::string& plan, ops::RunbookOptions options,
                   const RunbookRun& how = {});

// How a runbook command's plan is made (under the operation id it is given), printed, leased
// and journaled: what PlanAndStart needs of it.
template <typename Plan>
struct RunbookPlan {
  std::function<core::Result<Plan>(const std::string& id)> make;
  std::function<std::string(const Plan&)> render;
  std::function<std::vector<std::string>(const Plan&)> resources;
  std::function<std::string(const Plan&)> to_json;
};

// A new runbook command from its plan to its end: a new operation id, the plan made, printed
// and confirmed (PlanAndConfirm, so --dry-run and a declined question stop there with 0), then
// StartAfterPlan with `options`. `ran`, when given, receives the plan that ran (unset when none
// did). Returns the exit code.
template <typename Plan>
int PlanAndStart(Session& session, Runtime& rt, Format format, journal::OperationKind kind,
                 const RunbookPlan<Plan>& how, ops::RunbookOptions options,
                 std::optional<Plan>* ran = nullptr) {
  std::string id = NewRolloutId(rt.clock().Now());
  PlanSteps<Plan> steps;
  steps.make = [&] { return how.make(id); };
  steps.render = how.render;
  auto plan = PlanAndConfirm(steps, PlanIo(session, rt, format));
  if (!plan.ok()) return ReportError(plan.status(), session.err());
  if (!*plan) return kExitOk;
  if (ran) *ran = **plan;
  return StartAfterPlan(session, rt, format, kind, id, how.resources(**plan), how.to_json(**plan),
                        std::move(options));
}

// The runbook's on-failure for the --on-failure flag (the rolling engine's word for it).
runbook::OnFailure RunbookOnFailure(rollout::OnFailure on_failure);

// This process's environment, read once here (cli/ only): for replace-instance's {env:NAME}.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace rotor::cli
