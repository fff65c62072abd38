// rotor upgrade STACK [VERSION] | --asg NAME | --limit PREFIX [patch flags] [policy flags]:
// patch and respawn as one journaled operation.
#include "ops/upgrade.h"

#include <fmt/format.h>
#include <unistd.h>

#include <sstream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/flags.h"
#include "cli/probes.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "ops/runbooks.h"
#include "ops/targets.h"

namespace rotor::cli {
namespace {

struct UpgradeArgs : TargetFlags, PatchFlags, PolicyFlags {};

void PrintPlan(const ops::UpgradePlan& plan, const std::vector<std::string>& roll,
               std::ostream& out) {
  out << fmt::format(
      "upgrade {} — new launch specs, then the members replaced; on failure "
      "both are rolled back\n",
      plan.patch.operation_id);
  for (const ops::GroupPatch& g : plan.patch.groups) {
    for (const std::string& line : ops::DescribePatch(g)) out << "  " << line << "\n";
  }
  for (const std::string& line : roll) out << "  " << line << "\n";
}

int Run(const UpgradeArgs& args, Session& session) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto request = BuildPatchRequest(args, /*require_change=*/false);
  if (!request.ok()) return ReportError(request.status(), err);
  // Without a change named, an upgrade installs what is available: the newest image.
  if (!request->image && request->instance_type.empty() && !request->user_data &&
      request->user_data_set.empty()) {
    request->image = ops::ImageRequest{};
  }
  auto policy = BuildPolicy(args);
  if (!policy.ok()) return ReportError(policy.status(), err);
  auto selector = SelectorFrom(args, "upgrade");
  if (!selector.ok()) return ReportError(selector.status(), err);
  const ops::TargetSelector& sel = *selector;
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  auto targets = ops::ResolveTargets(rt.cloud(), sel);
  if (!targets.ok()) return ReportError(targets.status(), err);
  std::string id = NewRolloutId(rt.clock().Now());
  core::Time now = rt.clock().Now();
  struct Shown {
    ops::UpgradePlan plan;
    std::vector<std::string> roll;  // the members to replace, as the plan says them
  };
  PlanSteps<Shown> steps;
  // The same id and time each time: a plan made again differs only where the fleet did.
  steps.make = [&]() -> core::Result<Shown> {
    ASSIGN_OR_RETURN(ops::PatchPlan patch,
                     ops::PlanPatch(rt.cloud(), targets->groups, *request, id, now));
    ops::UpgradePlan plan{patch, *policy};
    ASSIGN_OR_RETURN(auto groups, rt.cloud().groups.ObserveGroups(targets->groups));
    std::vector<std::string> roll = ops::DescribeRoll(plan, groups);
    return Shown{std::move(plan), std::move(roll)};
  };
  steps.render = [](const Shown& s) {
    std::ostringstream text;
    PrintPlan(s.plan, s.roll, text);
    return text.str();
  };
  std::unique_ptr<ProbeSet> probes;
  auto o = RollingRunbookOptions(*policy, args.parallel, rt, probes);
  if (!o.ok()) return ReportError(o.status(), err);
  auto shown = PlanAndConfirm(steps, PlanIo(session, rt, *format));
  if (!shown.ok()) return ReportError(shown.status(), err);
  if (!*shown) return kExitOk;
  return StartAfterPlan(session, rt, *format, journal::OperationKind::kUpgrade, id,
                        journal::GroupResources(targets->groups),
                        ops::UpgradePlanToJson((*shown)->plan), *o);
}

}  // namespace

void AddUpgradeCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<UpgradeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "upgrade", "Patch and respawn as one operation (default: the newest image of the family)");
  AddTargetFlags(cmd, *a);
  AddPatchFlags(cmd, *a);
  AddPolicyFlags(cmd, *a);
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
