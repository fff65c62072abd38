#include "cli/runbook_run.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "cli/invariants.h"
#include "cli/progress.h"
#include "cli/rolling.h"

extern char** environ;
#include "core/strings.h"

namespace rotor::cli {
namespace {

int ExitFor(runbook::Outcome o, bool rollback_asked) {
  if (rollback_asked && o == runbook::Outcome::kRolledBack) return kExitOk;
  switch (o) {
    case runbook::Outcome::kCompleted:
      return kExitOk;
    case runbook::Outcome::kPaused:
      return kExitPaused;
    default:
      return kExitFailed;
  }
}

core::Status ReadTimes(const GlobalOptions& g, ops::RunbookOptions& o) {
  auto ttl = core::ParseDuration(g.lease_ttl);
  if (!ttl.ok() || ttl->count() < 1000) {
    return core::InvalidArgument(fmt::format(
        "--lease-ttl '{}' is not a duration of a second or more (e.g. 60s)", g.lease_ttl));
  }
  o.lease_ttl = *ttl;
  auto unreachable = core::ParseDuration(g.unreachable_timeout);
  if (!unreachable.ok() || unreachable->count() <= 0) {
    return core::InvalidArgument(fmt::format(
        "--unreachable-timeout '{}' is not a positive duration (e.g. 30m)", g.unreachable_timeout));
  }
  o.backoff.give_up_after = *unreachable;
  return core::Status::Ok();
}

}  // namespace

core::Status OpenEvents(Session& session, EventsSink& sink) {
  const std::string& ev = session.options().events;
  if (ev == "-") sink.stream = &session.out();
  if (ev.empty() || ev == "-") return core::Status::Ok();
  sink.file.open(ev);
  if (!sink.file) return core::InvalidArgument("cannot write --events " + ev);
  sink.stream = &sink.file;
  return core::Status::Ok();
}

int RunRunbook(Session& session, Runtime& rt, Format format, const std::string& verb,
               ops::RunbookOptions options, const RunbookFn& run, const RunbookRun& how) {
  std::ostream& out = session.out();
  core::Clock& base = how.clock != nullptr ? *how.clock : rt.clock();
  if (core::Status s = ReadTimes(session.options(), options); !s.ok()) {
    return ReportError(s, session.err());
  }
  EventsSink own;
  if (how.events == nullptr) {
    if (core::Status s = OpenEvents(session, own); !s.ok()) return ReportError(s, session.err());
  }
  std::ostream* events = how.events != nullptr ? how.events->stream : own.stream;
  // One of several operations: its lines say which.
  std::string label = how.target.empty() ? "" : "[" + how.target + "] ";
  auto event = [&](nlohmann::json j) {
    if (!how.target.empty()) j["target"] = how.target;
    *events << j.dump() << "\n" << std::flush;  // a killed rotor's events file keeps every event
  };
  core::Time start = base.Now();
  options.note = [&](const std::string& line) {
    double t = std::chrono::duration<double>(base.Now() - start).count();
    if (format != Format::kJson) {
      out << fmt::format("  +{:7.1f}s  {}{}\n", t, label, line) << std::flush;
    }
    if (events) event({{"t_s", t}, {"step", line}});
  };
  // A step that runs the rolling engine (upgrade) reports each of its steps as respawn does,
  // and in a simulation its invariants are checked after every step.
  options.rolling.on_event = [&](const rollout::Event& e) {
    double t = std::chrono::duration<double>(e.t - start).count();
    if (format != Format::kJson) {
      out << fmt::format("  +{:7.1f}s  {}  {}/{} replaced, {} ready, {}: {}\n", t, e.group,
                         e.replaced, e.total, e.ready, e.phase, e.what)
          << std::flush;
    }
    if (events) {
      event({{"t_s", t},
             {"group", e.group},
             {"step", e.what},
             {"replaced", e.replaced},
             {"phase", e.phase}});
    }
  };
  std::unique_ptr<InvariantChecker> checker;
  if (rt.sim()) {
    checker = std::make_unique<InvariantChecker>(*rt.sim());
    options.rolling.before_step = [&](const rollout::RolloutState& s, const rollout::Step& st,
                                      const rollout::View& v) { checker->BeforeStep(s, st, v); };
    options.rolling.after_step = [&](const rollout::RolloutState& s, const rollout::Step& st) {
      checker->AfterStep(s, st);
    };
  }
  // The first Ctrl-C pauses at the next step boundary (the journal is up to date there); a
  // second one kills rotor as usual and `rotor rollout resume` goes on from the journal.
  core::Clock* sleep_on = &base;
  std::unique_ptr<InterruptibleClock> interruptible;
  if (!rt.sim()) {
    std::atomic<bool>& flag = InstallInterruptHandler();
    interruptible = std::make_unique<InterruptibleClock>(base, flag);
    sleep_on = interruptible.get();
    options.interrupted = [&flag] { return flag.load(); };
  }
  auto report = run(options, *sleep_on);
  if (!report.ok()) return ReportError(report.status(), session.err());
  core::Duration took = base.Now() - start;
  if (format == Format::kJson) {
    nlohmann::json j = {{"outcome", runbook::OutcomeName(report->outcome)},
                        {"seconds", std::chrono::duration<double>(took).count()},
                        {"steps_done", report->done},
                        {"reason", report->reason}};
    if (report->outage) j["outage_s"] = std::chrono::duration<double>(*report->outage).count();
    if (!how.target.empty()) {
      j["target"] = how.target;
      j["operation"] = options.operation_id;
    }
    out << j.dump(how.target.empty() ? 2 : -1) << "\n";
  } else {
    out << fmt::format("{} {} in {} ({} step{} done){}\n", verb,
                       runbook::OutcomeName(report->outcome), Seconds(took), report->done,
                       report->done == 1 ? "" : "s",
                       report->reason.empty() ? "" : ": " + report->reason);
    if (report->outage) out << fmt::format("outage: {}\n", Seconds(*report->outage));
    if (report->outcome == runbook::Outcome::kPaused) {
      out << fmt::format(
          "resume with `rotor rollout resume {0}`, or undo with `rotor rollout "
          "rollback {0}`\n",
          options.operation_id);
    }
  }
  return ExitFor(report->outcome, how.rollback_asked);
}

core::Result<ops::RunbookOptions> RollingRunbookOptions(const rollout::Policy& policy, int parallel,
                                                        Runtime& rt,
                                                        std::unique_ptr<ProbeSet>& probes) {
  ASSIGN_OR_RETURN(probes, ProbeSet::Create(policy.probes, policy.probe_address, rt));
  ops::RunbookOptions o;
  o.rolling.parallel = parallel;
  if (!policy.probes.empty()) {
    o.rolling.probe = [set = probes.get()](const cloud::Instance& i) { return set->Check(i); };
  }
  return o;
}

int StartAfterPlan(Session& session, Runtime& rt, Format format, journal::OperationKind kind,
                   const std::string& id, const std::vector<std::string>& resources,
                   const std::string& plan, ops::RunbookOptions options, const RunbookRun& how) {
  auto journal = rt.journal();
  if (!journal.ok()) return ReportError(journal.status(), session.err());
  options.operation_id = id;
  // The secrets the command noted (NoEcho values given as KEY=VALUE) written **** in the
  // journal's copy of its command line.
  options.command = rt.Redacted(session.options().command_line);
  options.owner = rt.owner();
  options.owner_gone = Runtime::LocalOwnerGone;
  std::string verb(journal::OperationKindName(kind));
  if (!how.target.empty()) verb += " " + how.target;
  return RunRunbook(
      session, rt, format, verb, options,
      [&](const ops::RunbookOptions& ro, core::Clock& sleep_on) {
        return ops::StartRunbook(rt.cloud(), sleep_on, **journal, kind, resources, plan, ro);
      },
      how);
}

runbook::OnFailure RunbookOnFailure(rollout::OnFailure on_failure) {
  switch (on_failure) {
    case rollout::OnFailure::kPause:
      return runbook::OnFailure::kPause;
    case rollout::OnFailure::kAbort:
      return runbook::OnFailure::kAbort;
    default:
      return runbook::OnFailure::kRollback;
  }
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

}  // namespace rotor::cli
