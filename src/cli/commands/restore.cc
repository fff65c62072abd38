// rotor restore SNAPSHOT --to INSTANCE [--device DEV] [--size GIB] [--type T] [--iops N]
//   [--replace [--stop CMD]... [--start CMD]... [--unmount auto|none]]
//   [--on-failure rollback|pause|abort]
#include "ops/restore.h"

#include <fmt/format.h>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "rollout/policy.h"

namespace rotor::cli {
namespace {

struct RestoreArgs {
  std::string snapshot, instance, device, volume_type, unmount = "auto", on_failure = "rollback";
  int size = 0, iops = 0;
  bool replace = false;
  std::vector<std::string> stop, start;
};

core::Result<ops::RestoreRequest> BuildRequest(const RestoreArgs& a, Runtime& rt) {
  ops::RestoreRequest r;
  r.snapshot = a.snapshot;
  r.instance = a.instance;
  r.device = a.device;
  r.size_gib = a.size;
  r.volume_type = a.volume_type;
  r.iops = a.iops;
  r.replace = a.replace;
  r.stop = a.stop;
  r.start = a.start;
  if (a.unmount != "auto" && a.unmount != "none") {
    return core::InvalidArgument(fmt::format("--unmount '{}': auto or none", a.unmount));
  }
  r.unmount = a.unmount == "auto";
  if (!a.device.empty() && !a.device.starts_with("/dev/")) {
    return core::InvalidArgument(
        fmt::format("--device '{}' is not a device name such as /dev/sdf", a.device));
  }
  ASSIGN_OR_RETURN(r.address, ops::ParseAddressKind(rt.ssh_address()));
  return r;
}

std::string Render(const ops::RestorePlan& p) {
  std::string text =
      fmt::format("restore {} to {} ({})\n", p.snapshot.id,
                  p.host.name.empty() ? p.host.instance.id : p.host.name, p.operation_id);
  for (const std::string& line : ops::DescribeRestore(p)) text += "  " + line + "\n";
  return text;
}

int Run(const RestoreArgs& args, Session& session) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto on_failure = rollout::ParseOnFailure(args.on_failure);
  if (!on_failure.ok()) return ReportError(on_failure.status(), err);
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  auto request = BuildRequest(args, rt);
  if (!request.ok()) return ReportError(request.status(), err);
  auto runner = rt.Remote();
  if (!runner.ok()) return ReportError(runner.status(), err);
  RunbookPlan<ops::RestorePlan> how;
  how.make = [&](const std::string& id) {
    return ops::PlanRestore(rt.cloud(), **runner, *request, id);
  };
  how.render = Render;
  how.resources = ops::RestoreResources;
  how.to_json = ops::RestorePlanToJson;
  ops::RunbookOptions options;
  options.on_failure = RunbookOnFailure(*on_failure);
  options.remote = *runner;
  return PlanAndStart(session, rt, *format, journal::OperationKind::kRestore, how, options);
}

}  // namespace

void AddRestoreCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<RestoreArgs>();
  CLI::App* cmd = app.add_subcommand(
      "restore",
      "Make a volume from a snapshot in an instance's zone and attach it; with --replace, swap "
      "it in for the volume at that device (the old one kept; rollback swaps back)");
  cmd->add_option("snapshot", a->snapshot, "the snapshot (snap-...)")->required();
  cmd->add_option("--to", a->instance, "the instance: an id or the value of its Name tag")
      ->required();
  cmd->add_option("--device", a->device,
                  "where to attach it (default: where the snapshot's volume is on the instance)");
  cmd->add_option("--size", a->size, "GiB, at least the snapshot's (default: the snapshot's)");
  cmd->add_option("--type", a->volume_type,
                  "gp3, io2, ... (default: the snapshot's volume's type, else gp3)");
  cmd->add_option("--iops", a->iops, "provisioned IOPS (io1, io2, gp3)");
  cmd->add_flag("--replace", a->replace,
                "take the place of the volume at the device: stop, unmount, swap, mount, start");
  cmd->add_option("--stop", a->stop, "with --replace: run on the host first (repeatable)");
  cmd->add_option("--start", a->start, "with --replace: run on the host last (repeatable)");
  cmd->add_option("--unmount", a->unmount,
                  "with --replace: auto (find and unmount the old volume's file systems) or none")
      ->capture_default_str();
  cmd->add_option("--on-failure", a->on_failure, "rollback, pause or abort")->capture_default_str();
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
