#include "cli/rolling.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "cli/invariants.h"
#include "cli/progress.h"
#include "core/strings.h"

namespace rotor::cli {
namespace {

int ExitFor(rollout::Outcome o) {
  switch (o) {
    case rollout::Outcome::kCompleted:
      return kExitOk;
    case rollout::Outcome::kPaused:
      return kExitPaused;
    default:
      return kExitFailed;
  }
}

// Asked once, on the first Ctrl-C, between two steps.
rollout::Outcome AskOnInterrupt(std::ostream& out) {
  out << "\nInterrupted between two steps; the journal is up to date.\n"
         "  p  pause here (`rotor rollout resume` goes on later)\n"
         "  r  roll back to the old launch spec\n"
         "  a  abort: restore sizes and processes, leave the instances as they are\n"
         "Choose [p/r/a] (another Ctrl-C kills rotor; resume goes on from the journal): "
      << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "p") return rollout::Outcome::kPaused;
  if (answer == "r") return rollout::Outcome::kRolledBack;
  return rollout::Outcome::kAborted;
}

}  // namespace

bool Confirm(std::ostream& out, const std::string& question) {
  out << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

ConfirmIo PlanIo(Session& session, Runtime& rt, Format format) {
  ConfirmIo io{.out = session.out(),
               .err = session.err(),
               .show = format != Format::kJson,
               .dry_run = session.options().dry_run,
               .ask = {},
               .max_plans = 3};
  if (!session.options().yes && !rt.sim() && isatty(STDIN_FILENO)) {
    io.ask = [&out = session.out()] { return Confirm(out); };
  }
  return io;
}

std::string NewRolloutId(core::Time now) {
  std::string t = core::FormatIso8601(now);  // 2026-11-22T10:00:00Z
  std::string digits;
  for (char c : t) {
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  }
  std::random_device rd;
  return fmt::format("r-{}-{}-{:04x}", digits.substr(0, 8), digits.substr(8, 6), rd() & 0xffff);
}

int RunRolling(Session& session, Runtime& rt, Format format, const std::string& verb,
               ops::RespawnOptions options, const RollingFn& run) {
  std::ostream& out = session.out();
  std::ostream& err = session.err();
  std::ofstream events_file;
  if (!session.options().events.empty() && session.options().events != "-") {
    events_file.open(session.options().events);
    if (!events_file) {
      return ReportError(core::InvalidArgument("cannot write --events " + session.options().events),
                         err);
    }
  }
  std::ostream* events =
      session.options().events == "-" ? &out : (events_file.is_open() ? &events_file : nullptr);
  core::Time start = rt.clock().Now();
  ops::RespawnOptions& ro = options;
  auto ttl = core::ParseDuration(session.options().lease_ttl);
  if (!ttl.ok() || ttl->count() < 1000) {
    return ReportError(core::InvalidArgument(fmt::format(
                           "--lease-ttl '{}' is not a duration of a second or more (e.g. 60s)",
                           session.options().lease_ttl)),
                       err);
  }
  ro.lease_ttl = *ttl;
  auto unreachable = core::ParseDuration(session.options().unreachable_timeout);
  if (!unreachable.ok() || unreachable->count() <= 0) {
    return ReportError(core::InvalidArgument(fmt::format(
                           "--unreachable-timeout '{}' is not a positive duration (e.g. 30m)",
                           session.options().unreachable_timeout)),
                       err);
  }
  ro.backoff.give_up_after = *unreachable;
  // On a terminal, one live line per group (replaced/total, phase, ready, ETA from the pace so
  // far); otherwise, and for the record, one line per step.
  bool live = format == Format::kTable && !rt.sim() && isatty(STDOUT_FILENO);
  LiveBoard board;
  ro.on_event = [&, live](const rollout::Event& e) {
    double t = std::chrono::duration<double>(e.t - start).count();
    if (live) {
      board.Update(e, out);
    } else if (format != Format::kJson) {
      out << fmt::format("  +{:7.1f}s  {}  {}/{} replaced, {} ready, {}: {}\n", t, e.group,
                         e.replaced, e.total, e.ready, e.phase, e.what);
    }
    if (events) {
      *events << nlohmann::json{{"t_s", t},         {"group", e.group},
                                {"step", e.what},   {"replaced", e.replaced},
                                {"total", e.total}, {"ready", e.ready},
                                {"phase", e.phase}}
                     .dump()
              << "\n"
              << std::flush;  // a killed rotor's events file keeps every event
    }
  };
  std::unique_ptr<InvariantChecker> checker;
  if (rt.sim()) {
    checker = std::make_unique<InvariantChecker>(*rt.sim());
    ro.before_step = [&](const rollout::RolloutState& s, const rollout::Step& st,
                         const rollout::View& v) { checker->BeforeStep(s, st, v); };
    ro.after_step = [&](const rollout::RolloutState& s, const rollout::Step& st) {
      checker->AfterStep(s, st);
    };
  }
  // On AWS, the first Ctrl-C stops at the next step boundary and asks (on a terminal) whether
  // to pause, roll back or abort; without a terminal it aborts (sizes and processes restored).
  // The simulator runs in virtual time and needs none of it.
  core::Clock* clock = &rt.clock();
  std::unique_ptr<InterruptibleClock> interruptible;
  std::optional<rollout::Outcome> choice;
  if (!rt.sim()) {
    std::atomic<bool>& flag = InstallInterruptHandler();
    interruptible = std::make_unique<InterruptibleClock>(rt.clock(), flag);
    clock = interruptible.get();
    ro.interrupted = [&flag] { return flag.load(); };
    ro.on_interrupt = [&flag, &choice, &out] {
      if (!choice) choice = isatty(STDIN_FILENO) ? AskOnInterrupt(out) : rollout::Outcome::kAborted;
      flag.store(false);  // handled: sleeps are whole again
      return *choice;
    };
  }
  auto report = run(ro, *clock);
  if (!report.ok()) return ReportError(report.status(), err);
  double took = std::chrono::duration<double>(rt.clock().Now() - start).count();
  if (format == Format::kJson) {
    nlohmann::json groups = nlohmann::json::array();
    for (const auto& g : report->groups) {
      groups.push_back({{"group", g.group},
                        {"outcome", rollout::OutcomeName(g.outcome)},
                        {"reason", g.reason},
                        {"replaced", g.replaced},
                        {"total", g.total}});
    }
    out << nlohmann::json{{"outcome", rollout::OutcomeName(report->outcome)},
                          {"seconds", took},
                          {"groups", groups}}
               .dump(2)
        << "\n";
  } else {
    for (const auto& g : report->groups) {
      out << fmt::format("{}: {} — {} of {} replaced{}\n", g.group, rollout::OutcomeName(g.outcome),
                         g.replaced, g.total, g.reason.empty() ? "" : " (" + g.reason + ")");
    }
    out << fmt::format(
        "{} {} in {}\n", verb, rollout::OutcomeName(report->outcome),
        Seconds(std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(took))));
  }
  return ExitFor(report->outcome);
}

}  // namespace rotor::cli
