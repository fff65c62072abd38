// rotor replace-instance INSTANCE [--image AMI|latest|GLOB] [--image-filter GLOB] [--owner ID]
//   [--instance-type T] [--root-size GIB] [--volume VOL|tag:K=V]... [--address EIP]...
//   [--dns NAME]... [--stop CMD]... [--start CMD]... [--copy PATH]... [--prepare CMD]...
//   [--after CMD]... [--unmount auto|none] [--probe P]... [--probe-address private|public]
//   [--keep-old D] [--health-timeout D] [--on-failure rollback|pause|abort]
//   [--plan FILE [--role NAME]]   (the flags, and how they go over a plan: cli/replace_flags.h)
#include "ops/replace_instance.h"

#include <fmt/format.h>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/probes.h"
#include "cli/replace_flags.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "rollout/policy.h"

namespace rotor::cli {
namespace {

std::string Render(const ops::ReplacePlan& p) {
  std::string text = fmt::format(
      "replace-instance {} ({}) — the old host serves until the outage; on failure everything "
      "moves back and the new instance is stopped and kept\n",
      p.old.name.empty() ? p.old.instance.id : p.old.name, p.operation_id);
  for (const std::string& line : ops::DescribeReplace(p)) text += "  " + line + "\n";
  return text;
}

// The plan file is read before the runtime is built: its mistakes need no cloud to be told.
int Run(const ReplaceFlags& args, Session& session) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto on_failure = rollout::ParseOnFailure(args.on_failure);
  if (!on_failure.ok()) return ReportError(on_failure.status(), err);
  auto request = BuildReplaceRequest(args);
  if (!request.ok()) return ReportError(request.status(), err);
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  if (int code = FinishDue(session, rt, *format, request->instance); code != kExitOk) return code;
  auto address = ops::ParseAddressKind(rt.ssh_address());
  if (!address.ok()) return ReportError(address.status(), err);
  request->address = *address;
  auto probes = ProbeSet::Create(request->probes, request->probe_address, rt);
  if (!probes.ok()) return ReportError(probes.status(), err);
  auto runner = rt.Remote();
  if (!runner.ok()) return ReportError(runner.status(), err);
  core::Time now = rt.clock().Now();
  RunbookPlan<ops::ReplacePlan> how;
  how.make = [&](const std::string& id) {
    return ops::PlanReplace(rt.cloud(), **runner, *request, id, now);
  };
  how.render = Render;
  how.resources = ops::ReplaceResources;
  how.to_json = ops::ReplacePlanToJson;
  ops::RunbookOptions options;
  options.on_failure = RunbookOnFailure(*on_failure);
  options.remote = *runner;
  options.env = ProcessEnvironment();
  if (!request->probes.empty()) {
    options.rolling.probe = [set = probes->get()](const cloud::Instance& i) {
      return set->Check(i);
    };
  }
  return PlanAndStart(session, rt, *format, journal::OperationKind::kReplaceInstance, how, options);
}

}  // namespace

void AddReplaceInstanceCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<ReplaceFlags>();
  CLI::App* cmd = app.add_subcommand(
      "replace-instance",
      "Move a persistent host onto a fresh instance: its data volumes, elastic IP and DNS "
      "records, with its services stopped and started around a measured outage");
  AddReplaceFlags(cmd, *a);
  cmd->callback([a, cmd, &chosen] {
    NoteGivenFlags(*cmd, *a);
    chosen = [a](Session& session) { return Run(*a, session); };
  });
}

}  // namespace rotor::cli
