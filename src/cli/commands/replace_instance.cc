// rotor replace-instance INSTANCE [--image AMI|latest|GLOB] [--image-filter GLOB] [--owner ID]
//   [--instance-type T] [--root-size GIB] [--volume VOL|tag:K=V]... [--address EIP]...
//   [--dns NAME]... [--stop CMD]... [--start CMD]... [--copy PATH]... [--prepare CMD]...
//   [--after CMD]... [--unmount auto|none] [--probe P]... [--probe-address private|public]
//   [--keep-old D] [--health-timeout D] [--on-failure rollback|pause|abort]
#include "ops/replace_instance.h"

#include <fmt/format.h>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/probes.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "core/strings.h"
#include "rollout/policy.h"

namespace rotor::cli {
namespace {

struct ReplaceArgs {
  std::string instance, image, image_filter, owner, instance_type;
  int root_size = 0;
  std::vector<std::string> volumes, addresses, dns, stop, start, copy, prepare, after, probes;
  std::string unmount = "auto", probe_address = "private", keep_old;
  std::string health_timeout = "15m", on_failure = "rollback";
};

core::Result<core::Duration> Duration(const std::string& flag, const std::string& text) {
  auto d = core::ParseDuration(text);
  if (!d.ok() || d->count() <= 0) {
    return core::InvalidArgument(fmt::format("{} '{}' is not a duration such as 15m", flag, text));
  }
  return *d;
}

core::Result<ops::ReplaceRequest> BuildRequest(const ReplaceArgs& a, Runtime& rt) {
  ops::ReplaceRequest r;
  r.instance = a.instance;
  if (!a.image.empty() || !a.image_filter.empty() || !a.owner.empty()) {
    r.image = ops::ImageRequest{a.image.empty() ? "latest" : a.image, a.image_filter, a.owner};
  }
  r.instance_type = a.instance_type;
  if (a.root_size < 0) return core::InvalidArgument("--root-size: give a size in GiB");
  r.root_size_gib = a.root_size;
  r.volumes = a.volumes;
  r.addresses = a.addresses;
  r.dns = a.dns;
  r.stop = a.stop;
  r.start = a.start;
  r.copy = a.copy;
  r.prepare = a.prepare;
  r.after = a.after;
  if (a.unmount != "auto" && a.unmount != "none") {
    return core::InvalidArgument("--unmount " + a.unmount + ": use auto or none");
  }
  r.unmount = a.unmount == "auto";
  r.probes = a.probes;
  r.probe_address = a.probe_address;
  if (!a.keep_old.empty()) {
    ASSIGN_OR_RETURN(r.keep_old, Duration("--keep-old", a.keep_old));
  }
  ASSIGN_OR_RETURN(r.health_timeout, Duration("--health-timeout", a.health_timeout));
  ASSIGN_OR_RETURN(r.address, ops::ParseAddressKind(rt.ssh_address()));
  return r;
}

std::string Render(const ops::ReplacePlan& p) {
  std::string text = fmt::format(
      "replace-instance {} ({}) — the old host serves until the outage; on failure everything "
      "moves back and the new instance is stopped and kept\n",
      p.old.name.empty() ? p.old.instance.id : p.old.name, p.operation_id);
  for (const std::string& line : ops::DescribeReplace(p)) text += "  " + line + "\n";
  return text;
}

int Run(const ReplaceArgs& args, Session& session) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto on_failure = rollout::ParseOnFailure(args.on_failure);
  if (!on_failure.ok()) return ReportError(on_failure.status(), err);
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  if (int code = FinishDue(session, rt, *format, args.instance); code != kExitOk) return code;
  auto request = BuildRequest(args, rt);
  if (!request.ok()) return ReportError(request.status(), err);
  auto probes = ProbeSet::Create(args.probes, args.probe_address, rt);
  if (!probes.ok()) return ReportError(probes.status(), err);
  auto runner = rt.Remote();
  if (!runner.ok()) return ReportError(runner.status(), err);
  std::string id = NewRolloutId(rt.clock().Now());
  core::Time now = rt.clock().Now();
  PlanSteps<ops::ReplacePlan> steps;
  steps.make = [&] { return ops::PlanReplace(rt.cloud(), **runner, *request, id, now); };
  steps.render = Render;
  auto plan = PlanAndConfirm(steps, PlanIo(session, rt, *format));
  if (!plan.ok()) return ReportError(plan.status(), err);
  if (!*plan) return kExitOk;
  ops::RunbookOptions options;
  options.on_failure = RunbookOnFailure(*on_failure);
  options.remote = *runner;
  options.env = ProcessEnvironment();
  if (!args.probes.empty()) {
    options.rolling.probe = [set = probes->get()](const cloud::Instance& i) {
      return set->Check(i);
    };
  }
  return StartAfterPlan(session, rt, *format, journal::OperationKind::kReplaceInstance, id,
                        ops::ReplaceResources(**plan), ops::ReplacePlanToJson(**plan), options);
}

// Repeatable flags, one value each (a second word is the next argument, not another value).
void AddListFlags(CLI::App* cmd, ReplaceArgs& a) {
  cmd->add_option("--volume", a.volumes,
                  "a data volume that moves: vol-... or tag:KEY=VALUE (default: every volume "
                  "but the root)")
      ->allow_extra_args(false);
  cmd->add_option("--address", a.addresses,
                  "an elastic IP that moves, by allocation id or address (default: all of them)")
      ->allow_extra_args(false);
  cmd->add_option("--dns", a.dns,
                  "an A/AAAA record to repoint (default: every record naming the old host)")
      ->allow_extra_args(false);
  cmd->add_option("--stop", a.stop, "a command run on the old host as the outage begins")
      ->allow_extra_args(false);
  cmd->add_option("--start", a.start, "a command run on the new host once the data is there")
      ->allow_extra_args(false);
  cmd->add_option("--copy", a.copy, "a file or directory copied from the old host to the new one")
      ->allow_extra_args(false);
  cmd->add_option("--prepare", a.prepare,
                  "a command run here once the new host answers, before the outage")
      ->allow_extra_args(false);
  cmd->add_option("--after", a.after, "a command run here once the outage ends")
      ->allow_extra_args(false);
  cmd->add_option("--probe", a.probes,
                  "readiness of the new host: tcp:PORT, http://:PORT/PATH or ssh:COMMAND")
      ->allow_extra_args(false);
}

}  // namespace

void AddReplaceInstanceCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<ReplaceArgs>();
  CLI::App* cmd = app.add_subcommand(
      "replace-instance",
      "Move a persistent host onto a fresh instance: its data volumes, elastic IP and DNS "
      "records, with its services stopped and started around a measured outage");
  cmd->add_option("instance", a->instance, "the instance id, or the value of its Name tag")
      ->required();
  cmd->add_option("--image", a->image,
                  "latest, an AMI id or a name glob (default: the image it runs)");
  cmd->add_option("--image-filter", a->image_filter, "with --image latest: the names to consider");
  cmd->add_option("--owner", a->owner, "with --image latest or a glob: the images' owner");
  cmd->add_option("--instance-type", a->instance_type, "default: the old one's");
  cmd->add_option("--root-size", a->root_size,
                  "the new encrypted root's size in GiB (default: the old root's)");
  AddListFlags(cmd, *a);
  cmd->add_option("--unmount", a->unmount,
                  "auto: unmount the moved volumes' file systems (found by lsblk) and mount "
                  "them on the new host; none: leave that to --stop/--start")
      ->capture_default_str();
  cmd->add_option("--probe-address", a->probe_address, "private or public")->capture_default_str();
  cmd->add_option("--keep-old", a->keep_old,
                  "terminate the old host once this has passed (default: only `rollout finish`)");
  cmd->add_option("--health-timeout", a->health_timeout,
                  "how long the new host has to become ready, before and after the outage")
      ->capture_default_str();
  cmd->add_option("--on-failure", a->on_failure, "rollback, pause or abort")->capture_default_str();
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
