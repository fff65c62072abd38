// Each command registers its subcommand and, when chosen, the function that runs it.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "cli/runtime.h"

namespace rotor::cli {

// One invocation: the global options, where output goes, and the runtime, built on first use
// (so that commands such as `simulate` never read AWS settings).
class Session {
 public:
  Session(GlobalOptions options, std::ostream& out, std::ostream& err, Runtime* fixed = nullptr)
      : options_(std::move(options)), out_(out), err_(err), fixed_(fixed) {}

  core::Result<Runtime*> runtime();
  // For commands that only read the journal (`rollout list|show`): a SQLite journal needs no
  // region or credentials, so none are read; a DynamoDB journal or a simulation gets runtime().
  core::Result<Runtime*> journal_runtime();
  // --output of this command line (a nested command has its own).
  core::Result<Format> format() const { return ParseFormat(options_.output); }
  const GlobalOptions& options() const { return options_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

 private:
  GlobalOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  Runtime* fixed_;
  std::unique_ptr<Runtime> owned_;
};

// Runs a chosen command; returns the process exit code.
using CommandFn = std::function<int(Session& session)>;

void AddImagesCommand(CLI::App& app, CommandFn& chosen);
void AddStatusCommand(CLI::App& app, CommandFn& chosen);
void AddSimulateCommand(CLI::App& app, CommandFn& chosen);
void AddRespawnCommand(CLI::App& app, CommandFn& chosen);
void AddPatchCommand(CLI::App& app, CommandFn& chosen);
void AddUpgradeCommand(CLI::App& app, CommandFn& chosen);
void AddUpdateAsgsCommand(CLI::App& app, CommandFn& chosen);
void AddUpdateStackCommand(CLI::App& app, CommandFn& chosen);
void AddRedeployBastionCommand(CLI::App& app, CommandFn& chosen);
void AddReplaceInstanceCommand(CLI::App& app, CommandFn& chosen);
void AddBackupCommand(CLI::App& app, CommandFn& chosen);
void AddRestoreCommand(CLI::App& app, CommandFn& chosen);
void AddRelocateCommand(CLI::App& app, CommandFn& chosen);
void AddExportCommand(CLI::App& app, CommandFn& chosen);
void AddImportCommand(CLI::App& app, CommandFn& chosen);
// After a backup run (or its resume) that finished or paused: a line per instance, from the
// journal and a fresh look at the snapshots. Nothing for a run that died on the way.
void PrintBackupSummary(Session& session, Runtime& rt, Format format, const std::string& id,
                        const std::string& plan_json);

// Before a command acts on `instance`: the replace-instance operations on it whose --keep-old
// has passed are finished (their old hosts terminated, as `rollout finish` does). The exit code
// of the first that does not complete, else 0.
int FinishDue(Session& session, Runtime& rt, Format format, const std::string& instance);
void AddRolloutCommand(CLI::App& app, CommandFn& chosen);

// Parses a whole command line (args without the program name) and runs it. With `runtime`
// set, commands run on it instead of building their own (simulate's nested command).
int RunCommandLine(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   Runtime* runtime = nullptr, GlobalOptions* parsed = nullptr);

// Prints "rotor: MESSAGE" and returns the exit code for `status`.
int ReportError(const core::Status& status, std::ostream& err);

// Runs a command that reads and reports: builds the runtime, computes the report with
// `build(Runtime&) -> Result<Report>`, prints it with `print(report, format, out)`. Every
// error is reported with its exit code.
enum class Reach { kCloud, kJournalOnly };

template <typename Build, typename Print>
int RunReport(Session& session, Build&& build, Print&& print, Reach reach = Reach::kCloud) {
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), session.err());
  auto runtime = reach == Reach::kCloud ? session.runtime() : session.journal_runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), session.err());
  auto report = build(**runtime);
  if (!report.ok()) return ReportError(report.status(), session.err());
  print(*report, *format, session.out());
  return 0;
}

}  // namespace rotor::cli
