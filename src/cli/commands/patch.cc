// rotor patch STACK [VERSION] | --asg NAME | --limit PREFIX [--image latest|AMI|GLOB]
//   [--image-filter GLOB] [--owner ID] [--instance-type T] [--user-data FILE | --user-data-set
//   KEY=VALUE...]
#include "ops/patch.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/flags.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "ops/targets.h"
#include "ops/user_data.h"

namespace rotor::cli {
namespace {

struct PatchArgs : TargetFlags, PatchFlags {};

void PrintPlan(const ops::PatchPlan& plan, std::ostream& out) {
  out << fmt::format(
      "patch {} — new launch specs; no instance is touched (`rotor respawn` "
      "replaces them, `rotor upgrade` does both)\n",
      plan.operation_id);
  for (const ops::GroupPatch& g : plan.groups) {
    for (const std::string& line : ops::DescribePatch(g)) out << "  " << line << "\n";
  }
}

int Run(const PatchArgs& args, Session& session) {
  std::ostream& out = session.out();
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto request = BuildPatchRequest(args, /*require_change=*/true);
  if (!request.ok()) return ReportError(request.status(), err);
  auto selector = SelectorFrom(args, "patch");
  if (!selector.ok()) return ReportError(selector.status(), err);
  const ops::TargetSelector& sel = *selector;
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  auto targets = ops::ResolveTargets(rt.cloud(), sel);
  if (!targets.ok()) return ReportError(targets.status(), err);
  std::string id = NewRolloutId(rt.clock().Now());
  core::Time now = rt.clock().Now();
  PlanSteps<ops::PatchPlan> steps;
  // The same id and time each time: a plan made again differs only where the fleet did.
  steps.make = [&] { return ops::PlanPatch(rt.cloud(), targets->groups, *request, id, now); };
  steps.render = [](const ops::PatchPlan& p) {
    std::ostringstream text;
    PrintPlan(p, text);
    return text.str();
  };
  steps.idle = [&out](const ops::PatchPlan& p) {
    bool idle = std::none_of(p.groups.begin(), p.groups.end(),
                             [](const ops::GroupPatch& g) { return g.Changes(); });
    if (idle) out << "nothing to patch: every group already launches this\n";
    return idle;
  };
  auto plan = PlanAndConfirm(steps, PlanIo(session, rt, *format));
  if (!plan.ok()) return ReportError(plan.status(), err);
  if (!*plan) return kExitOk;
  return StartAfterPlan(session, rt, *format, journal::OperationKind::kPatch, id,
                        journal::GroupResources(targets->groups), ops::PatchPlanToJson(**plan), {});
}

}  // namespace

void AddPatchCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<PatchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "patch",
      "Give groups a new launch spec (image, instance type, user data); no instance "
      "is touched");
  AddTargetFlags(cmd, *a);
  AddPatchFlags(cmd, *a);
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
