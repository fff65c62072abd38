// rotor: keeps AWS fleets current without downtime. Parses the command line, builds the
// runtime, runs one command, maps the outcome to an exit code (DESIGN.md section 7).
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/runtime.h"

namespace rotor::cli {

int ReportError(const core::Status& status, std::ostream& err) {
  err << "rotor: " << status.ToString() << "\n";
  return ExitCodeFor(status);
}

namespace {

int Main(int argc, char** argv) {
  CLI::App app{"rotor: keeps AWS fleets current without downtime", "rotor"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", "rotor 0.1.0");
  GlobalOptions opts;
  app.add_option("--profile", opts.profile,
                 "AWS profile from ~/.aws/config and ~/.aws/credentials");
  app.add_option("--region", opts.region,
                 "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile)");
  app.add_option("--endpoint-url", opts.endpoint_url,
                 "send every AWS call to this URL (e.g. a local moto_server)");
  app.add_option("--output", opts.output, "table, json or text")->capture_default_str();
  app.add_flag("--debug", opts.debug,
               "print every AWS request and answer (secrets redacted) to stderr");
  app.add_flag("--no-color", opts.no_color, "plain output");

  CommandFn chosen;
  AddImagesCommand(app, chosen);
  AddStatusCommand(app, chosen);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  auto runtime = Runtime::Create(opts, aws::AwsEnvFromProcess(), std::cerr);
  if (!runtime.ok()) return ReportError(runtime.status(), std::cerr);
  return chosen(**runtime, std::cout, std::cerr);
}

}  // namespace
}  // namespace rotor::cli

int main(int argc, char** argv) {
  try {
    return rotor::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "rotor: internal error: " << e.what() << "; please report it\n";
  } catch (...) {
    std::cerr << "rotor: internal error; please report it\n";
  }
  return rotor::cli::kExitInternal;
}
