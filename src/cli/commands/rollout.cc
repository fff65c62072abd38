// rotor rollout list [--all] | show ID | resume ID | pause ID | abort ID | rollback ID
#include <fmt/format.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/probes.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "core/strings.h"
#include "ops/replace_instance.h"
#include "ops/rollouts.h"
#include "ops/upgrade.h"

namespace rotor::cli {
namespace {

struct RolloutArgs {
  std::string id;
  bool all = false;
  bool force_unlock = false;
};

nlohmann::json InfoJson(const journal::RolloutInfo& r) {
  return {{"id", r.id},
          {"kind", journal::OperationKindName(r.kind)},
          {"status", r.status},
          {"started", core::FormatIso8601(r.started)},
          {"updated", core::FormatIso8601(r.updated)},
          {"owner", r.owner},
          {"resources", r.resources},
          {"command", r.command},
          {"pause_requested", r.pause_requested}};
}

int List(const RolloutArgs& a, Session& session) {
  return RunReport(
      session,
      [&](Runtime& rt) -> core::Result<std::vector<journal::RolloutInfo>> {
        ASSIGN_OR_RETURN(journal::Journal * j, rt.journal());
        return ops::ListRollouts(*j, a.all);
      },
      [](const std::vector<journal::RolloutInfo>& list, Format f, std::ostream& out) {
        if (f == Format::kJson) {
          nlohmann::json arr = nlohmann::json::array();
          for (const auto& r : list) arr.push_back(InfoJson(r));
          out << arr.dump(2) << "\n";
          return;
        }
        if (list.empty()) out << "no rollouts (--all shows finished ones)\n";
        for (const auto& r : list) {
          std::vector<std::string> what;
          for (const std::string& res : r.resources) what.push_back(journal::ResourceLabel(res));
          out << fmt::format(
              "{}  {:16}  {:11}  {}  {}  {}  {}\n", r.id, journal::OperationKindName(r.kind),
              r.status, core::FormatIso8601(r.started), r.owner, core::Join(what, ", "), r.command);
        }
      },
      Reach::kJournalOnly);
}

void PrintDetail(const ops::RolloutDetail& d, Format f, std::ostream& out) {
  if (f == Format::kJson) {
    nlohmann::json j = InfoJson(d.info);
    nlohmann::json groups = nlohmann::json::array();
    for (const auto& g : d.groups) {
      nlohmann::json gj = {{"group", g.group}, {"started", g.state.has_value()}};
      if (g.state) {
        gj["phase"] = g.state->phase == rollout::Phase::kDone ? "done" : "in progress";
        gj["outcome"] = rollout::OutcomeName(g.state->outcome);
        gj["replaced"] = g.state->removed.size();
        gj["total"] = g.state->victims.size();
      }
      if (g.unresolved) gj["unresolved"] = rollout::Describe(*g.unresolved);
      if (g.lease) gj["lease"] = {{"owner", g.lease->owner}, {"token", g.lease->token}};
      groups.push_back(gj);
    }
    j["groups"] = groups;
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& r : d.records) {
      steps.push_back({{"seq", r.seq},
                       {"t", core::FormatIso8601(r.t)},
                       {"group", r.group},
                       {"kind", journal::RecordKindName(r.kind)},
                       {"text", r.text}});
    }
    j["records"] = steps;
    out << j.dump(2) << "\n";
    return;
  }
  out << fmt::format("{} {} — {}{}\n  started {} by {}\n  command: {}\n",
                     journal::OperationKindName(d.info.kind), d.info.id, d.info.status,
                     d.info.pause_requested ? " (pause requested)" : "",
                     core::FormatIso8601(d.info.started), d.info.owner, d.info.command);
  if (ops::IsRunbookKind(d.info.kind)) {
    // A runbook's plan is its start record: "1. ...; 2. ...".
    for (const auto& r : d.records) {
      if (r.kind != journal::RecordKind::kStart) continue;
      out << "  steps:\n";
      for (const std::string& step : core::Split(r.text, ';')) {
        out << "    " << core::Trim(step) << "\n";
      }
      break;
    }
  }
  for (const auto& g : d.groups) {
    if (ops::IsRunbookKind(d.info.kind) && !g.state) continue;  // its rolling step not begun
    if (!g.state) {
      out << fmt::format("  group {}: not started\n", g.group);
      continue;
    }
    const rollout::RolloutState& s = *g.state;
    std::vector<std::string> left;
    for (const std::string& v : s.victims) {
      if (!s.removed.count(v)) left.push_back(v);
    }
    out << fmt::format(
        "  group {}: {} — {} of {} replaced; originals min {} max {} desired {}; rotor "
        "suspended [{}]\n",
        g.group, s.phase == rollout::Phase::kDone ? rollout::OutcomeName(s.outcome) : "unfinished",
        s.removed.size(), s.victims.size(), s.original.min, s.original.max, s.original.desired,
        core::Join({s.suspended_by_us.begin(), s.suspended_by_us.end()}, ","));
    if (!left.empty()) out << "    remaining: " << core::Join(left, " ") << "\n";
    if (!s.draining.empty()) {
      std::vector<std::string> d_ids;
      for (const auto& [id, until] : s.draining) d_ids.push_back(id);
      out << "    detached or draining: " << core::Join(d_ids, " ") << "\n";
    }
    if (g.unresolved) {
      out << "    last intent without outcome (settled by looking on resume): "
          << rollout::Describe(*g.unresolved) << "\n";
    }
    if (g.lease) {
      out << fmt::format("    lease: {} (token {}, until {})\n", g.lease->owner, g.lease->token,
                         core::FormatIso8601(g.lease->expires));
    }
  }
  out << "  timeline:\n";
  core::Time t0 = d.info.started;
  for (const auto& r : d.records) {
    double t = std::chrono::duration<double>(r.t - t0).count();
    out << fmt::format("    +{:8.1f}s  {:3}  {:16}  {:11}  {}\n", t, r.seq, r.group,
                       journal::RecordKindName(r.kind), r.text);
  }
}

int Show(const RolloutArgs& a, Session& session) {
  return RunReport(
      session,
      [&](Runtime& rt) -> core::Result<ops::RolloutDetail> {
        ASSIGN_OR_RETURN(journal::Journal * j, rt.journal());
        return ops::LoadRollout(*j, a.id);
      },
      PrintDetail, Reach::kJournalOnly);
}

int Pause(const RolloutArgs& a, Session& session) {
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), session.err());
  auto j = (*runtime)->journal();
  if (!j.ok()) return ReportError(j.status(), session.err());
  core::Status s = ops::PauseRollout(**j, a.id, (*runtime)->clock().Now());
  if (!s.ok()) return ReportError(s, session.err());
  session.out() << fmt::format(
      "rollout {}: pause requested; a running rotor stops at its next step (exit 4). Go on "
      "with `rotor rollout resume {}`.\n",
      a.id, a.id);
  return kExitOk;
}

// resume, rollback or abort of a runbook operation (patch, ...).
int ContinueRunbook(const RolloutArgs& a, Session& session, Runtime& rt, Format format,
                    journal::Journal& j, const journal::RolloutInfo& info, ops::ResumeMode mode) {
  ops::RunbookOptions o;
  o.operation_id = info.id;
  o.owner = rt.owner();
  o.owner_gone = Runtime::LocalOwnerGone;
  o.command = session.options().command_line;
  if (mode == ops::ResumeMode::kAbort) {
    core::Status s = ops::AbortRunbook(j, rt.clock(), info, a.force_unlock, o);
    if (!s.ok()) return ReportError(s, session.err());
    session.out() << fmt::format(
        "{} {} aborted: done steps stay done (`rotor rollout rollback "
        "{}` undoes them)\n",
        journal::OperationKindName(info.kind), info.id, info.id);
    return kExitOk;
  }
  // An upgrade's rolling step gates new members on the probes it was started with.
  std::unique_ptr<ProbeSet> probes;
  if (info.kind == journal::OperationKind::kUpgrade) {
    auto plan = ops::UpgradePlanFromJson(info.policy);
    if (!plan.ok()) return ReportError(plan.status(), session.err());
    auto set = ProbeSet::Create(plan->policy.probes, plan->policy.probe_address, rt);
    if (!set.ok()) return ReportError(set.status(), session.err());
    probes = std::move(set).value();
    if (!plan->policy.probes.empty()) {
      o.rolling.probe = [p = probes.get()](const cloud::Instance& i) { return p->Check(i); };
    }
  }
  // A replaced host's readiness, on the probes it was started with.
  if (info.kind == journal::OperationKind::kReplaceInstance) {
    auto plan = ops::ReplacePlanFromJson(info.policy);
    if (!plan.ok()) return ReportError(plan.status(), session.err());
    auto set = ProbeSet::Create(plan->probes, plan->probe_address, rt);
    if (!set.ok()) return ReportError(set.status(), session.err());
    probes = std::move(set).value();
    o.rolling.probe = [p = probes.get()](const cloud::Instance& i) { return p->Check(i); };
    o.env = ProcessEnvironment();
  }
  // A bastion's port waits, a replaced host's commands, a backup's --pre/--post and a
  // restored or relocated volume's mounts and file-system growth go through ssh (or the
  // simulation's hosts).
  if (info.kind == journal::OperationKind::kRedeployBastion ||
      info.kind == journal::OperationKind::kReplaceInstance ||
      info.kind == journal::OperationKind::kBackup ||
      info.kind == journal::OperationKind::kRestore ||
      info.kind == journal::OperationKind::kRelocate) {
    auto runner = rt.Remote();
    if (!runner.ok()) return ReportError(runner.status(), session.err());
    o.remote = *runner;
  }
  // A backup's copies into another region.
  o.volumes_in = [&rt](const std::string& region) { return rt.VolumesIn(region); };
  bool rollback = mode == ops::ResumeMode::kRollback;
  int code = RunRunbook(
      session, rt, format, std::string("rollout ") + (rollback ? "rollback" : "resume"), o,
      [&](const ops::RunbookOptions& ro, core::Clock& clock) {
        return ops::ResumeRunbook(rt.cloud(), clock, j, info, rollback, a.force_unlock, ro);
      },
      {.rollback_asked = rollback, .clock = nullptr, .target = ""});
  if (info.kind == journal::OperationKind::kBackup) {
    PrintBackupSummary(session, rt, format, info.id, info.policy);
  }
  return code;
}

int Continue(const RolloutArgs& a, Session& session, ops::ResumeMode mode) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  auto j = rt.journal();
  if (!j.ok()) return ReportError(j.status(), err);
  auto detail = ops::LoadRollout(**j, a.id);
  if (!detail.ok()) return ReportError(detail.status(), err);
  if (a.force_unlock && !session.options().yes && isatty(STDIN_FILENO) &&
      !Confirm(session.out(), fmt::format("Take rollout {}'s groups even from a rotor that may "
                                          "still be running?",
                                          a.id))) {
    err << "rotor: nothing changed\n";
    return kExitOk;
  }
  if (ops::IsRunbookKind(detail->info.kind))
    return ContinueRunbook(a, session, rt, *format, **j, detail->info, mode);
  auto probes = ProbeSet::Create(detail->policy.probes, detail->policy.probe_address, rt);
  if (!probes.ok()) return ReportError(probes.status(), err);
  ops::RespawnOptions ro;
  ro.owner = rt.owner();
  ro.owner_gone = Runtime::LocalOwnerGone;
  ro.command = session.options().command_line;
  if (!detail->policy.probes.empty()) {
    ro.probe = [set = probes->get()](const cloud::Instance& i) { return set->Check(i); };
  }
  const char* verb = mode == ops::ResumeMode::kContinue ? "resume"
                     : mode == ops::ResumeMode::kAbort  ? "abort"
                                                        : "rollback";
  return RunRolling(session, rt, *format, std::string("rollout ") + verb, ro,
                    [&](ops::RespawnOptions& o, core::Clock& clock) {
                      return ops::ResumeRollout(rt.cloud(), clock, **j, *detail, mode,
                                                a.force_unlock, o);
                    });
}

std::string RenderFinish(const ops::ReplacePlan& p) {
  std::string text = fmt::format("rollout finish {} ({})\n", p.finish_of, p.operation_id);
  for (const std::string& line : ops::DescribeReplace(p)) text += "  " + line + "\n";
  return text;
}

// The old host of replace-instance `of` terminated, as an operation of its own.
int FinishOne(Session& session, Runtime& rt, Format format, journal::Journal& j,
              const std::string& of) {
  std::string id = NewRolloutId(rt.clock().Now());
  PlanSteps<ops::ReplacePlan> steps;
  steps.make = [&] { return ops::PlanFinish(rt.cloud(), j, of, id); };
  steps.render = RenderFinish;
  auto plan = PlanAndConfirm(steps, PlanIo(session, rt, format));
  if (!plan.ok()) return ReportError(plan.status(), session.err());
  if (!*plan) return kExitOk;
  ops::RunbookOptions options;
  auto runner = rt.Remote();
  if (!runner.ok()) return ReportError(runner.status(), session.err());
  options.remote = *runner;
  return StartAfterPlan(session, rt, format, journal::OperationKind::kReplaceInstance, id,
                        ops::ReplaceResources(**plan), ops::ReplacePlanToJson(**plan), options);
}

int Finish(const RolloutArgs& a, Session& session) {
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), session.err());
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), session.err());
  Runtime& rt = **runtime;
  auto j = rt.journal();
  if (!j.ok()) return ReportError(j.status(), session.err());
  return FinishOne(session, rt, *format, **j, a.id);
}

}  // namespace

int FinishDue(Session& session, Runtime& rt, Format format, const std::string& instance) {
  auto host = rt.cloud().instances.DescribeHost(instance);
  if (!host.ok()) return kExitOk;  // the command itself says what is wrong with it
  auto j = rt.journal();
  if (!j.ok()) return ReportError(j.status(), session.err());
  auto due = ops::FinishesDue(**j, *host, rt.clock().Now());
  if (!due.ok()) return ReportError(due.status(), session.err());
  for (const std::string& of : *due) {
    session.out() << fmt::format("{} kept its old host for --keep-old, which has passed:\n", of);
    if (int code = FinishOne(session, rt, format, **j, of); code != kExitOk) return code;
  }
  return kExitOk;
}

void AddRolloutCommand(CLI::App& app, CommandFn& chosen) {
  CLI::App* cmd = app.add_subcommand("rollout", "Journaled rollouts: list, show, resume, ...");
  cmd->require_subcommand(1);
  auto a = std::make_shared<RolloutArgs>();
  auto add = [&](const char* name, const char* help, std::function<int(Session&)> fn,
                 bool id = true) {
    CLI::App* sub = cmd->add_subcommand(name, help);
    if (id) sub->add_option("id", a->id, "the rollout's id (rotor rollout list)")->required();
    sub->callback([fn, &chosen] { chosen = fn; });
    return sub;
  };
  add(
      "list", "unfinished rollouts (--all: every one)", [a](Session& s) { return List(*a, s); },
      false)
      ->add_flag("--all", a->all, "finished ones too");
  add("show", "a rollout's groups, state and timeline", [a](Session& s) { return Show(*a, s); });
  add("pause", "stop a running rollout at its next step", [a](Session& s) { return Pause(*a, s); });
  add("finish", "terminate the old host a completed replace-instance kept",
      [a](Session& s) { return Finish(*a, s); });
  const std::pair<const char*, ops::ResumeMode> modes[] = {
      {"resume", ops::ResumeMode::kContinue},
      {"abort", ops::ResumeMode::kAbort},
      {"rollback", ops::ResumeMode::kRollback}};
  const char* helps[] = {"finish a rollout that was killed, paused or lost its machine",
                         "restore sizes and processes, leave the instances as they are",
                         "return to the old launch spec, then restore sizes and processes"};
  for (int i = 0; i < 3; ++i) {
    ops::ResumeMode mode = modes[i].second;
    add(modes[i].first, helps[i], [a, mode](Session& s) { return Continue(*a, s, mode); })
        ->add_flag("--force-unlock", a->force_unlock,
                   "take the groups even from a live rotor (asks on a terminal)");
  }
}

}  // namespace rotor::cli
