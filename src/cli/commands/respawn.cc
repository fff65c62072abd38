// rotor respawn STACK [VERSION] | --asg NAME | --limit PREFIX [policy flags] [--all]
#include "ops/respawn.h"

#include <fmt/format.h>
#include <unistd.h>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/probes.h"
#include "cli/progress.h"
#include "cli/rolling.h"
#include "core/strings.h"

namespace rotor::cli {
namespace {

struct RespawnArgs {
  std::vector<std::string> positional;
  std::string asg, limit;
  std::string strategy = "surge", order = "oldest", on_failure = "rollback";
  std::string max_surge, max_unavailable, min_healthy;
  std::string warmup = "0s", bake = "0s", health_timeout = "10m", deadline = "0s", drain = "auto";
  int max_failed_launches = 3, canary = 0, max_size_cap = 0, parallel = 1;
  bool all = false;
  std::vector<std::string> probes;
  std::string probe_address = "private";
};

core::Result<rollout::Policy> BuildPolicy(const RespawnArgs& a) {
  rollout::Policy p;
  ASSIGN_OR_RETURN(p.strategy, rollout::ParseStrategy(a.strategy));
  ASSIGN_OR_RETURN(p.order, rollout::ParseOrder(a.order));
  ASSIGN_OR_RETURN(p.on_failure, rollout::ParseOnFailure(a.on_failure));
  if (!a.max_surge.empty()) {
    ASSIGN_OR_RETURN(p.max_surge, rollout::Amount::Parse(a.max_surge, "--max-surge"));
  }
  if (!a.max_unavailable.empty()) {
    ASSIGN_OR_RETURN(p.max_unavailable,
                     rollout::Amount::Parse(a.max_unavailable, "--max-unavailable"));
  }
  if (!a.min_healthy.empty()) {
    ASSIGN_OR_RETURN(p.min_healthy, rollout::Amount::Parse(a.min_healthy, "--min-healthy"));
  }
  auto duration = [](const std::string& text,
                     const std::string& flag) -> core::Result<core::Duration> {
    auto d = core::ParseDuration(text);
    if (!d.ok()) return d.status().WithContext(flag);
    return d;
  };
  ASSIGN_OR_RETURN(p.warmup, duration(a.warmup, "--warmup"));
  ASSIGN_OR_RETURN(p.bake, duration(a.bake, "--bake"));
  ASSIGN_OR_RETURN(p.health_timeout, duration(a.health_timeout, "--health-timeout"));
  ASSIGN_OR_RETURN(p.deadline, duration(a.deadline, "--deadline"));
  if (a.drain != "auto") {
    ASSIGN_OR_RETURN(p.drain, duration(a.drain, "--drain"));
  }
  p.max_failed_launches = a.max_failed_launches;
  p.canary = a.canary;
  p.max_size_cap = a.max_size_cap;
  p.all = a.all;
  p.probes = a.probes;
  p.probe_address = a.probe_address;
  if (p.max_surge && p.strategy == rollout::Strategy::kReplace && p.max_surge->value > 0) {
    return core::InvalidArgument("--strategy replace never grows the group: drop --max-surge");
  }
  return p;
}

void PrintPlan(const ops::RespawnPlan& plan, const rollout::Policy& p, int parallel,
               std::ostream& out) {
  out << fmt::format("respawn {} — strategy {}, order {}, on failure {}{}\n",
                     plan.stack.empty() ? "" : "stack " + plan.stack,
                     rollout::StrategyName(p.strategy), rollout::OrderName(p.order),
                     rollout::OnFailureName(p.on_failure),
                     parallel > 1 ? fmt::format(", {} groups at once", parallel) : "");
  for (const ops::GroupPlan& g : plan.groups) {
    out << fmt::format(
        "  group {}: {} of {} instances to replace, min healthy {}, surge {}, "
        "{} batch{}, about {}\n",
        g.group, g.victims.size(), g.desired, g.budget.min_healthy, g.surge, g.batches.size(),
        g.batches.size() == 1 ? "" : "es", Seconds(g.estimate));
    for (size_t b = 0; b < g.batches.size(); ++b) {
      out << fmt::format("    batch {}: {}\n", b + 1, core::Join(g.batches[b], " "));
    }
  }
  for (const std::string& u : plan.unchecked) out << "  not checked: " << u << "\n";
}

int Run(const RespawnArgs& args, Session& session) {
  std::ostream& out = session.out();
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto policy = BuildPolicy(args);
  if (!policy.ok()) return ReportError(policy.status(), err);
  if (args.positional.size() > 2) {
    return ReportError(core::InvalidArgument("respawn takes at most STACK and VERSION"), err);
  }
  ops::TargetSelector sel{args.positional.empty() ? "" : args.positional[0],
                          args.positional.size() > 1 ? args.positional[1] : "", args.asg,
                          args.limit};
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  if (args.parallel < 1) {
    return ReportError(core::InvalidArgument("--parallel must be at least 1"), err);
  }
  auto probes = ProbeSet::Create(args.probes, args.probe_address, rt.sim());
  if (!probes.ok()) return ReportError(probes.status(), err);
  std::function<core::Status(const cloud::Instance&)> probe;
  if (!args.probes.empty()) {
    probe = [set = probes->get()](const cloud::Instance& i) { return set->Check(i); };
  }
  auto plan =
      ops::PlanRespawn(rt.cloud(), sel, *policy, rt.clock().Now(), {"", args.parallel, probe});
  if (!plan.ok()) return ReportError(plan.status(), err);
  if (*format != Format::kJson) PrintPlan(*plan, *policy, args.parallel, out);
  if (session.options().dry_run) return kExitOk;
  if (!session.options().yes && !rt.sim() && isatty(STDIN_FILENO) && !Confirm(out)) {
    err << "rotor: nothing changed\n";
    return kExitOk;
  }

  ops::RespawnOptions ro;
  ro.parallel = args.parallel;
  ro.probe = probe;
  ro.command = session.options().command_line;
  ro.owner = rt.owner();
  ro.owner_gone = Runtime::LocalOwnerGone;
  auto journal = rt.journal();
  if (!journal.ok()) return ReportError(journal.status(), err);
  ro.rollout_id = NewRolloutId(rt.clock().Now());
  return RunRolling(session, rt, *format, "respawn", ro,
                    [&](ops::RespawnOptions& o, core::Clock& clock) {
                      return ops::Respawn(rt.cloud(), clock, **journal, *plan, *policy, o);
                    });
}

}  // namespace

void AddRespawnCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<RespawnArgs>();
  CLI::App* cmd =
      app.add_subcommand("respawn", "Replace out-of-date group members without downtime");
  cmd->add_option("stack", a->positional, "STACK [VERSION] (the stack STACK-VERSION)");
  cmd->add_option("--asg", a->asg, "one Auto Scaling group by name");
  cmd->add_option("--limit", a->limit, "the one group whose name starts with PREFIX");
  cmd->add_option("--strategy", a->strategy, "surge, replace or double")->capture_default_str();
  cmd->add_option("--max-surge", a->max_surge, "instances above desired at once (count or %)");
  cmd->add_option("--max-unavailable", a->max_unavailable, "ready instances below desired at once");
  cmd->add_option("--min-healthy", a->min_healthy, "never fewer ready instances (count or %)");
  cmd->add_option("--warmup", a->warmup, "continuous readiness before a new instance counts")
      ->capture_default_str();
  cmd->add_option("--bake", a->bake, "pause after the canary")->capture_default_str();
  cmd->add_option("--canary", a->canary, "replace N first, then bake")->capture_default_str();
  cmd->add_option("--health-timeout", a->health_timeout, "per new instance")->capture_default_str();
  cmd->add_option("--deadline", a->deadline, "for the whole rollout (0: none)")
      ->capture_default_str();
  cmd->add_option("--drain", a->drain, "auto (the load balancer's delay) or a duration")
      ->capture_default_str();
  cmd->add_option("--order", a->order, "oldest, az-balanced or id")->capture_default_str();
  cmd->add_option("--on-failure", a->on_failure, "rollback, pause or abort")->capture_default_str();
  cmd->add_option("--max-failed-launches", a->max_failed_launches, "before failing")
      ->capture_default_str();
  cmd->add_option("--max-size-cap", a->max_size_cap, "never raise MaxSize above this (0: no cap)");
  cmd->add_option("--parallel", a->parallel, "groups rolled at once")->capture_default_str();
  cmd->add_option("--probe", a->probes,
                  "also ready only when tcp:PORT connects / http://:PORT/PATH answers 2xx-3xx "
                  "(repeatable)");
  cmd->add_option("--probe-address", a->probe_address, "private or public")->capture_default_str();
  cmd->add_flag("--all", a->all, "replace every instance, not only the out-of-date ones");
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
