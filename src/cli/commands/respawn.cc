// rotor respawn STACK [VERSION] | --asg NAME | --limit PREFIX [policy flags] [--all]
// rotor update-asgs STACK [VERSION] [policy flags]: the same with --strategy double by default
// (aws-ha-updater's name, journaled as kind update-asgs).
#include "ops/respawn.h"

#include <fmt/format.h>
#include <unistd.h>

#include <sstream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/flags.h"
#include "cli/probes.h"
#include "cli/progress.h"
#include "cli/rolling.h"
#include "core/strings.h"

namespace rotor::cli {
namespace {

struct RespawnArgs : TargetFlags, PolicyFlags {
  journal::OperationKind kind = journal::OperationKind::kRespawn;
};

void PrintPlan(const ops::RespawnPlan& plan, const rollout::Policy& p, int parallel,
               journal::OperationKind kind, std::ostream& out) {
  out << fmt::format(
      "{} {} — strategy {}, order {}, on failure {}{}\n", journal::OperationKindName(kind),
      plan.stack.empty() ? "" : "stack " + plan.stack, rollout::StrategyName(p.strategy),
      rollout::OrderName(p.order), rollout::OnFailureName(p.on_failure),
      parallel > 1 ? fmt::format(", {} groups at once", parallel) : "");
  for (const ops::GroupPlan& g : plan.groups) {
    out << fmt::format(
        "  group {}: {} of {} instances to replace, min healthy {}, surge {}, "
        "{} batch{}, about {}\n",
        g.group, g.victims.size(), g.desired, g.budget.min_healthy, g.surge, g.batches.size(),
        g.batches.size() == 1 ? "" : "es", Seconds(g.estimate));
    for (size_t b = 0; b < g.batches.size(); ++b) {
      out << fmt::format("    batch {}: {}\n", b + 1, core::Join(g.batches[b], " "));
    }
  }
  for (const std::string& u : plan.unchecked) out << "  not checked: " << u << "\n";
}

int Run(const RespawnArgs& args, Session& session) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto policy = BuildPolicy(args);
  if (!policy.ok()) return ReportError(policy.status(), err);
  std::string verb(journal::OperationKindName(args.kind));
  auto selector = SelectorFrom(args, verb);
  if (!selector.ok()) return ReportError(selector.status(), err);
  const ops::TargetSelector& sel = *selector;
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  if (args.parallel < 1) {
    return ReportError(core::InvalidArgument("--parallel must be at least 1"), err);
  }
  auto probes = ProbeSet::Create(args.probes, args.probe_address, rt);
  if (!probes.ok()) return ReportError(probes.status(), err);
  std::function<core::Status(const cloud::Instance&)> probe;
  if (!args.probes.empty()) {
    probe = [set = probes->get()](const cloud::Instance& i) { return set->Check(i); };
  }
  PlanSteps<ops::RespawnPlan> steps;
  steps.make = [&] {
    return ops::PlanRespawn(rt.cloud(), sel, *policy, rt.clock().Now(), {"", args.parallel, probe});
  };
  steps.render = [&](const ops::RespawnPlan& p) {
    std::ostringstream text;
    PrintPlan(p, *policy, args.parallel, args.kind, text);
    return text.str();
  };
  auto confirmed = PlanAndConfirm(steps, PlanIo(session, rt, *format));
  if (!confirmed.ok()) return ReportError(confirmed.status(), err);
  if (!*confirmed) return kExitOk;
  const ops::RespawnPlan& plan = **confirmed;

  ops::RespawnOptions ro;
  ro.parallel = args.parallel;
  ro.probe = probe;
  ro.command = session.options().command_line;
  ro.owner = rt.owner();
  ro.owner_gone = Runtime::LocalOwnerGone;
  ro.kind = args.kind;
  auto journal = rt.journal();
  if (!journal.ok()) return ReportError(journal.status(), err);
  ro.rollout_id = NewRolloutId(rt.clock().Now());
  return RunRolling(session, rt, *format, verb, ro,
                    [&](ops::RespawnOptions& o, core::Clock& clock) {
                      return ops::Respawn(rt.cloud(), clock, **journal, plan, *policy, o);
                    });
}

}  // namespace

void AddRespawnCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<RespawnArgs>();
  CLI::App* cmd =
      app.add_subcommand("respawn", "Replace out-of-date group members without downtime");
  AddTargetFlags(cmd, *a);
  AddPolicyFlags(cmd, *a);
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

void AddUpdateAsgsCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<RespawnArgs>();
  a->kind = journal::OperationKind::kUpdateAsgs;
  a->strategy = "double";
  CLI::App* cmd = app.add_subcommand(
      "update-asgs",
      "Replace a stack's out-of-date members blue/green: double, wait for health, drop the old");
  AddTargetFlags(cmd, *a);
  AddPolicyFlags(cmd, *a);
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
