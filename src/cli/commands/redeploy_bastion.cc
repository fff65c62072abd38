// rotor redeploy-bastion INSTANCE [--port 22] [--terminate-old] [--subnet ID]
//   [--image AMI|latest|GLOB] [--image-filter GLOB] [--owner ID] [--health-timeout D]
//   [--on-failure rollback|pause|abort]
#include <fmt/format.h>

#include <sstream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "core/strings.h"
#include "ops/bastion.h"
#include "rollout/policy.h"

namespace rotor::cli {
namespace {

struct BastionArgs {
  std::string instance, subnet, image, image_filter, owner;
  int port = 22;
  bool terminate_old = false;
  std::string health_timeout = "10m", on_failure = "rollback";
};

core::Result<ops::BastionRequest> BuildRequest(const BastionArgs& a, Runtime& rt) {
  ops::BastionRequest r;
  r.instance = a.instance;
  if (a.port <= 0 || a.port > 65535) {
    return core::InvalidArgument(fmt::format("--port {}: give a TCP port (1-65535)", a.port));
  }
  r.port = a.port;
  r.terminate_old = a.terminate_old;
  r.subnet = a.subnet;
  if (!a.image.empty() || !a.image_filter.empty() || !a.owner.empty()) {
    r.image = ops::ImageRequest{a.image.empty() ? "latest" : a.image, a.image_filter, a.owner};
  }
  auto timeout = core::ParseDuration(a.health_timeout);
  if (!timeout.ok() || timeout->count() <= 0) {
    return core::InvalidArgument(
        fmt::format("--health-timeout '{}' is not a duration such as 10m", a.health_timeout));
  }
  r.health_timeout = *timeout;
  ASSIGN_OR_RETURN(r.address, ops::ParseAddressKind(rt.ssh_address()));
  return r;
}

std::string Render(const ops::BastionPlan& p) {
  std::string text = fmt::format(
      "redeploy-bastion {} ({}) — the old instance keeps its addresses until the new one "
      "answers; on failure everything moves back\n",
      p.old.name.empty() ? p.old.instance.id : p.old.name, p.operation_id);
  for (const std::string& line : ops::DescribeBastion(p)) text += "  " + line + "\n";
  return text;
}

int Run(const BastionArgs& args, Session& session) {
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
  auto runner = rt.Remote();
  if (!runner.ok()) return ReportError(runner.status(), err);
  core::Time now = rt.clock().Now();
  RunbookPlan<ops::BastionPlan> how;
  how.make = [&](const std::string& id) { return ops::PlanBastion(rt.cloud(), *request, id, now); };
  how.render = Render;
  how.resources = ops::BastionResources;
  how.to_json = ops::BastionPlanToJson;
  ops::RunbookOptions options;
  options.on_failure = RunbookOnFailure(*on_failure);
  options.remote = *runner;
  return PlanAndStart(session, rt, *format, journal::OperationKind::kRedeployBastion, how, options);
}

}  // namespace

void AddRedeployBastionCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<BastionArgs>();
  CLI::App* cmd = app.add_subcommand(
      "redeploy-bastion",
      "Replace a bastion (or any host reached by one port): a new instance like it, its "
      "elastic IPs and DNS records moved once the new one answers, the old one stopped");
  cmd->add_option("instance", a->instance, "the instance id, or the value of its Name tag")
      ->required();
  cmd->add_option("--port", a->port, "the port that must accept connections")
      ->capture_default_str();
  cmd->add_flag("--terminate-old", a->terminate_old,
                "terminate the old instance instead of stopping it (cannot be undone)");
  cmd->add_option("--subnet", a->subnet, "launch into this subnet (default: the old one's)");
  cmd->add_option("--image", a->image,
                  "latest, an AMI id or a name glob (default: the launch template's image, "
                  "else the image it runs)");
  cmd->add_option("--image-filter", a->image_filter, "with --image latest: the names to consider");
  cmd->add_option("--owner", a->owner, "with --image latest or a glob: the images' owner");
  cmd->add_option("--health-timeout", a->health_timeout,
                  "how long the new instance has to accept connections before it rolls back")
      ->capture_default_str();
  cmd->add_option("--on-failure", a->on_failure, "rollback, pause or abort")->capture_default_str();
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
