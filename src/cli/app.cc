// The command line: global options, the commands, parsing and dispatch.
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "core/strings.h"

namespace rotor::cli {

int ReportError(const core::Status& status, std::ostream& err) {
  err << "rotor: " << status.ToString() << "\n";
  return ExitCodeFor(status);
}

core::Result<Runtime*> Session::runtime() {
  if (fixed_) return fixed_;
  if (!owned_) {
    ASSIGN_OR_RETURN(owned_, Runtime::Create(options_, aws::AwsEnvFromProcess(), err_));
  }
  return owned_.get();
}

core::Result<Runtime*> Session::journal_runtime() {
  if (fixed_ || owned_ || core::StartsWith(options_.state, "dynamodb://") ||
      core::StartsWith(options_.cloud, "sim:")) {
    return runtime();
  }
  owned_ = Runtime::CreateLocal(options_, aws::AwsEnvFromProcess());
  return owned_.get();
}

namespace {

void AddGlobalOptions(CLI::App& app, GlobalOptions& opts) {
  app.add_option("--profile", opts.profile,
                 "AWS profile from ~/.aws/config and ~/.aws/credentials");
  app.add_option("--region", opts.region,
                 "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile)");
  app.add_option("--endpoint-url", opts.endpoint_url,
                 "send every AWS call to this URL (e.g. a local moto_server)");
  app.add_option("--cloud", opts.cloud, "aws, or sim:SCENARIO.yaml for the simulated cloud")
      ->capture_default_str();
  app.add_option("--output", opts.output, "table, json or text")->capture_default_str();
  app.add_flag("--debug", opts.debug,
               "print every AWS request and answer (secrets redacted) to stderr");
  app.add_flag("--no-color", opts.no_color, "plain output");
  app.add_flag("--yes", opts.yes, "do not ask for confirmation");
  app.add_flag("--dry-run", opts.dry_run, "print the plan and stop");
  app.add_option("--state", opts.state,
                 "the journal: a SQLite file (default ~/.local/state/rotor/journal.db) or "
                 "dynamodb://TABLE");
  app.add_option("--lease-ttl", opts.lease_ttl,
                 "how long a group's lease outlives a rotor that stopped renewing it")
      ->capture_default_str();
  app.add_option("--max-rps", opts.max_rps,
                 "ceiling on requests per second to each AWS service (default 10)")
      ->capture_default_str();
  app.add_option("--unreachable-timeout", opts.unreachable_timeout,
                 "how long a rollout keeps retrying while AWS cannot be reached or keeps failing "
                 "before it pauses (exit 4); default 30m")
      ->capture_default_str();
  app.add_option("--events", opts.events,
                 "write progress events as JSON lines to FILE (- for stdout)");
  app.add_option("--ssh-user", opts.ssh_user, "user for ssh to instances (default: ssh's)");
  app.add_option("--ssh-key", opts.ssh_key, "private key file for ssh to instances");
  app.add_option("--ssh-jump", opts.ssh_jump, "a bastion to reach instances through (ProxyJump)");
  app.add_option("--ssh-config", opts.ssh_config, "ssh configuration file (default ~/.ssh/config)");
  app.add_option("--ssh-option", opts.ssh_options, "K=V given to ssh as -o K=V (repeatable)");
  app.add_option("--ssh-address", opts.ssh_address,
                 "which address of an instance ssh goes to: private, public or ipv6")
      ->capture_default_str();
}

}  // namespace

int RunCommandLine(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   Runtime* runtime, GlobalOptions* parsed) {
  CLI::App app{"rotor: keeps AWS fleets current without downtime", "rotor"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", "rotor 0.1.0");
  GlobalOptions opts;
  AddGlobalOptions(app, opts);
  CommandFn chosen;
  AddImagesCommand(app, chosen);
  AddStatusCommand(app, chosen);
  AddSimulateCommand(app, chosen);
  AddRespawnCommand(app, chosen);
  AddPatchCommand(app, chosen);
  AddUpgradeCommand(app, chosen);
  AddUpdateStackCommand(app, chosen);
  AddRedeployBastionCommand(app, chosen);
  AddReplaceInstanceCommand(app, chosen);
  AddBackupCommand(app, chosen);
  AddRestoreCommand(app, chosen);
  AddRelocateCommand(app, chosen);
  AddExportCommand(app, chosen);
  AddImportCommand(app, chosen);
  AddUpdateAsgsCommand(app, chosen);
  AddRolloutCommand(app, chosen);
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e, out, err);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  opts.command_line = "rotor " + core::Join(args, " ");
  if (parsed) *parsed = opts;
  Session session(opts, out, err, runtime);
  return chosen(session);
}

}  // namespace rotor::cli
