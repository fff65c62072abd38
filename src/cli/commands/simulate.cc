// rotor simulate SCENARIO.yaml [--trace FILE] [--for D] [-- COMMAND ...]
// Runs a rotor command against the scenario's simulated cloud in virtual time and reports
// (DESIGN.md section 6).
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/invariants.h"
#include "core/strings.h"
#include "ops/rollouts.h"

namespace rotor::cli {
namespace {

struct SimulateArgs {
  std::string scenario;
  std::vector<std::string> command;
  std::string trace_path;
  std::string run_for = "0s";
};

struct Report {
  std::string outcome;
  double makespan_s = 0;
  int exit_code = 0;
  std::vector<std::string> violations;
  std::string command_output;
  std::string command_errors;
  bool resumed = false;  // rotor crashed (scenario fault) and `rollout resume` finished the job
};

// The ids of the rollouts the journal holds (a --state file may hold earlier ones).
std::set<std::string> RolloutIds(Runtime& rt) {
  std::set<std::string> ids;
  auto journal = rt.journal();
  if (!journal.ok()) return ids;
  auto rollouts = ops::ListRollouts(**journal, /*all=*/true);
  if (!rollouts.ok()) return ids;
  for (const journal::RolloutInfo& info : *rollouts) ids.insert(info.id);
  return ids;
}

// The operation's own outcome (DESIGN.md section 6): the rollout's as its journal last recorded
// it (completed, rolled_back, paused, aborted, failed); for a command that journals nothing,
// completed or failed by its exit code.
std::string OutcomeOf(Runtime& rt, const Report& r, const std::set<std::string>& earlier) {
  auto journal = rt.journal();
  auto rollouts = journal.ok() ? ops::ListRollouts(**journal, /*all=*/true)
                               : core::Result<std::vector<journal::RolloutInfo>>(journal.status());
  // Of several operations (upgrade --all-behind), the one that ended first without completing
  // (ties: the earlier started, then the id), else completed.
  const std::vector<journal::RolloutInfo> listed =
      rollouts.ok() ? *rollouts : std::vector<journal::RolloutInfo>{};
  const journal::RolloutInfo* first = nullptr;  // into `listed`
  bool any = false;
  for (const journal::RolloutInfo& info : listed) {
    if (earlier.count(info.id)) continue;
    any = true;
    if (info.status == "completed") continue;
    if (first == nullptr || std::tie(info.updated, info.started, info.id) <
                                std::tie(first->updated, first->started, first->id)) {
      first = &info;
    }
  }
  if (first != nullptr) return first->status == journal::kRunning ? "failed" : first->status;
  if (any) return "completed";
  if (r.exit_code == kExitPaused) return "paused";
  return r.exit_code == 0 && !rt.sim()->crashed() ? "completed" : "failed";
}

nlohmann::json ReportJson(const Report& r, sim::SimCloud& sim, const SimulateArgs& args) {
  nlohmann::json events = nlohmann::json::array();
  for (const sim::TraceEvent& e : sim.trace()) {
    events.push_back({{"t_s", std::chrono::duration<double>(e.t - sim.start()).count()},
                      {"event", e.kind},
                      {"detail", e.detail}});
  }
  return {{"scenario", args.scenario},
          {"command", args.command},
          {"outcome", r.outcome},
          {"resumed_after_crash", r.resumed},
          {"exit_code", r.exit_code},
          {"makespan_s", r.makespan_s},
          {"api_calls", sim.api_calls()},
          {"api_calls_total", sim.api_calls_total()},
          {"instance_seconds", sim.InstanceSeconds()},
          {"min_ready_observed", sim.min_ready_observed()},
          {"invariant_violations", r.violations},
          {"trace_hash", fmt::format("{:016x}", sim.TraceHash())},
          {"events", events},
          {"command_output", r.command_output},
          {"command_errors", r.command_errors}};
}

void PrintSummary(const Report& r, sim::SimCloud& sim, const SimulateArgs& args,
                  std::ostream& out) {
  out << r.command_output;
  if (!r.command_output.empty()) out << "\n";
  out << r.command_errors;
  std::string what =
      args.command.empty() ? "the scenario" : "rotor " + core::Join(args.command, " ");
  out << fmt::format("simulated {} on {}: {}{} after {:.1f} s of virtual time\n", what,
                     args.scenario, r.outcome, r.resumed ? " (rotor crashed; resumed)" : "",
                     r.makespan_s);
  std::vector<std::string> calls;
  for (const auto& [op, n] : sim.api_calls()) calls.push_back(fmt::format("{} {}", op, n));
  out << fmt::format("  api calls          {}{}\n", sim.api_calls_total(),
                     calls.empty() ? "" : " (" + core::Join(calls, ", ") + ")");
  out << fmt::format("  instance-seconds   {:.0f}\n", sim.InstanceSeconds());
  if (sim.min_ready_observed() >= 0) {
    out << fmt::format("  min ready observed {}\n", sim.min_ready_observed());
  }
  out << fmt::format("  events             {} (trace {:016x})\n", sim.trace().size(),
                     sim.TraceHash());
  out << "  invariants         " << (r.violations.empty() ? "held" : core::Join(r.violations, "; "))
      << "\n";
}

// The scenario's crash fault killed rotor: as an operator would, wait for its leases to lapse
// and `rotor rollout resume` every rollout it left unfinished.
void ResumeAfterCrash(Runtime& rt, Report& r) {
  sim::SimCloud& sim = *rt.sim();
  sim.Revive();
  sim.clock().SleepFor(std::chrono::seconds(61));  // past the default 60 s lease
  auto journal = rt.journal();
  if (!journal.ok()) return;
  auto unfinished = ops::ListRollouts(**journal, /*all=*/false);
  if (!unfinished.ok()) return;
  for (const journal::RolloutInfo& info : *unfinished) {
    std::ostringstream out, errors;
    r.exit_code = RunCommandLine({"--yes", "rollout", "resume", info.id}, out, errors, &rt);
    r.command_output +=
        fmt::format("--- rotor died (simulated crash); rotor rollout resume {} ---\n", info.id) +
        out.str();
    r.command_errors += errors.str();
    r.resumed = true;
  }
}

int Run(const SimulateArgs& args, Session& session) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto run_for = core::ParseDuration(args.run_for);
  if (!run_for.ok()) return ReportError(run_for.status().WithContext("--for"), err);
  auto rt = Runtime::CreateSim(args.scenario, session.options().max_rps);
  if (!rt.ok()) return ReportError(rt.status(), err);
  sim::SimCloud& sim = *(*rt)->sim();
  std::vector<cloud::Group> before = sim.Peek();
  core::Time start = sim.clock().Now();

  Report r;
  std::set<std::string> earlier = RolloutIds(**rt);
  if (!args.command.empty()) {
    std::ostringstream out, errors;
    r.exit_code = RunCommandLine(args.command, out, errors, rt->get());
    r.command_output = out.str();
    r.command_errors = errors.str();
    if (sim.crashed()) ResumeAfterCrash(**rt, r);
  }
  // The command's NoEcho values never leave in the report (its command line, its output).
  SimulateArgs shown = args;
  for (std::string& word : shown.command) word = (*rt)->Redacted(word);
  r.command_output = (*rt)->Redacted(r.command_output);
  r.command_errors = (*rt)->Redacted(r.command_errors);
  sim.clock().SleepFor(*run_for);
  r.makespan_s = std::chrono::duration<double>(sim.clock().Now() - start).count();
  r.violations = sim.violations();
  // I3 holds at the end of a rollout; a paused one leaves sizes and processes as they are.
  if (r.exit_code != kExitPaused) {
    for (std::string& v : SizeAndProcessViolations(before, sim.Peek())) r.violations.push_back(v);
  }
  for (std::string& v : RequestRateViolations(sim)) r.violations.push_back(v);
  r.outcome = OutcomeOf(**rt, r, earlier);
  if (!args.trace_path.empty()) {
    std::ofstream trace(args.trace_path);
    trace << sim.TraceText();
    if (!trace)
      return ReportError(core::InvalidArgument("cannot write --trace " + args.trace_path), err);
  }
  if (*format == Format::kJson) {
    session.out() << ReportJson(r, sim, shown).dump(2) << "\n";
  } else {
    PrintSummary(r, sim, shown, session.out());
  }
  if (r.exit_code != 0) return r.exit_code;
  return r.violations.empty() ? kExitOk : kExitFailed;
}

}  // namespace

void AddSimulateCommand(CLI::App& app, CommandFn& chosen) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "simulate", "Rehearse a rotor command against a simulated cloud, in virtual time");
  cmd->add_option("scenario", args->scenario, "scenario file (YAML, see examples/)")->required();
  cmd->add_option("command", args->command, "the rotor command to run, after --");
  cmd->add_option("--trace", args->trace_path, "write the event trace to FILE");
  cmd->add_option("--for", args->run_for, "run the scenario this much longer (e.g. 10m)")
      ->capture_default_str();
  cmd->callback(
      [args, &chosen] { chosen = [args](Session& session) { return Run(*args, session); }; });
}

}  // namespace rotor::cli
