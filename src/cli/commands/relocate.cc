// rotor relocate INSTANCE --volume DEV|VOL --size GIB [--type T] [--iops N] [--grow auto|none]
//   [--new-volume] [--stop CMD]... [--start CMD]... [--on-failure rollback|pause|abort]
#include "ops/relocate.h"

#include <fmt/format.h>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "rollout/policy.h"

namespace rotor::cli {
namespace {

struct RelocateArgs {
  std::string instance, volume, volume_type, grow = "auto", on_failure = "rollback";
  int size = 0, iops = 0;
  bool new_volume = false;
  std::vector<std::string> stop, start;
};

core::Result<ops::RelocateRequest> BuildRequest(const RelocateArgs& a, Runtime& rt) {
  ops::RelocateRequest r;
  r.instance = a.instance;
  r.volume = a.volume;
  r.size_gib = a.size;
  r.volume_type = a.volume_type;
  r.iops = a.iops;
  r.new_volume = a.new_volume;
  r.stop = a.stop;
  r.start = a.start;
  if (a.grow != "auto" && a.grow != "none") {
    return core::InvalidArgument(fmt::format("--grow '{}': auto or none", a.grow));
  }
  r.grow = a.grow == "auto";
  if (!a.volume.starts_with("/dev/") && !a.volume.starts_with("vol-")) {
    return core::InvalidArgument(
        fmt::format("--volume '{}': a device such as /dev/sdf or a volume id vol-...", a.volume));
  }
  ASSIGN_OR_RETURN(r.address, ops::ParseAddressKind(rt.ssh_address()));
  return r;
}

std::string Render(const ops::RelocatePlan& p) {
  std::string text =
      fmt::format("relocate {} on {} ({})\n", p.volume.id,
                  p.host.name.empty() ? p.host.instance.id : p.host.name, p.operation_id);
  for (const std::string& line : ops::DescribeRelocate(p)) text += "  " + line + "\n";
  return text;
}

int Run(const RelocateArgs& args, Session& session) {
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
  core::Time now = rt.clock().Now();
  RunbookPlan<ops::RelocatePlan> how;
  how.make = [&](const std::string& id) {
    return ops::PlanRelocate(rt.cloud(), **runner, *request, id, now);
  };
  how.render = Render;
  how.resources = ops::RelocateResources;
  how.to_json = ops::RelocatePlanToJson;
  ops::RunbookOptions options;
  options.on_failure = RunbookOnFailure(*on_failure);
  options.remote = *runner;
  return PlanAndStart(session, rt, *format, journal::OperationKind::kRelocate, how, options);
}

}  // namespace

void AddRelocateCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<RelocateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "relocate",
      "Move a volume's data onto a larger one (or another type): in place and online where EBS "
      "can (then the file system grown over ssh), else by a snapshot and a swap");
  cmd->add_option("instance", a->instance, "the instance: an id or the value of its Name tag")
      ->required();
  cmd->add_option("--volume", a->volume, "the volume: its device (/dev/sdf) or id (vol-...)")
      ->required();
  cmd->add_option("--size", a->size, "GiB afterwards, at least the volume's (EBS never shrinks)")
      ->required();
  cmd->add_option("--type", a->volume_type, "gp3, io2, st1, ... (default: the volume's)");
  cmd->add_option("--iops", a->iops, "provisioned IOPS (gp3, io1, io2)");
  cmd->add_option("--grow", a->grow,
                  "auto (grow the partition and file system over ssh) or none (yours to grow)")
      ->capture_default_str();
  cmd->add_flag("--new-volume", a->new_volume,
                "always by a swap: snapshot, a new volume, stop, unmount, swap, mount, start");
  cmd->add_option("--stop", a->stop, "by a swap: run on the host first (repeatable)");
  cmd->add_option("--start", a->start, "by a swap: run on the host last (repeatable)");
  cmd->add_option("--on-failure", a->on_failure, "rollback, pause or abort")->capture_default_str();
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
