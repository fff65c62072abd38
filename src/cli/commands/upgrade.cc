// rotor upgrade STACK [VERSION] | --asg NAME | --limit PREFIX [patch flags] [policy flags]:
// patch and respawn as one journaled operation.
// rotor upgrade --all-behind --image-filter GLOB [--owner ID] [policy flags] [--parallel N]: the
// same for every stack behind the family's newest image, one operation per stack, N at once.
#include "ops/upgrade.h"

#include <fmt/format.h>
#include <unistd.h>

#include <map>
#include <set>
#include <sstream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/flags.h"
#include "cli/probes.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "core/turns.h"
#include "ops/behind.h"
#include "ops/runbooks.h"
#include "ops/targets.h"

namespace rotor::cli {
namespace {

struct UpgradeArgs : TargetFlags, PatchFlags, PolicyFlags {
  bool all_behind = false;
};

void PrintPlan(const ops::UpgradePlan& plan, const std::vector<std::string>& roll,
               std::ostream& out) {
  out << fmt::format(
      "upgrade {} — new launch specs, then the members replaced; on failure "
      "both are rolled back\n",
      plan.patch.operation_id);
  for (const ops::GroupPatch& g : plan.patch.groups) {
    for (const std::string& line : ops::DescribePatch(g)) out << "  " << line << "\n";
  }
  for (const std::string& line : roll) out << "  " << line << "\n";
}

core::Status CheckAllBehindArgs(const UpgradeArgs& a) {
  if (!a.positional.empty() || !a.asg.empty() || !a.limit.empty()) {
    return core::InvalidArgument(
        "--all-behind picks the stacks itself: give no STACK, --asg or "
        "--limit");
  }
  if (a.image_filter.empty()) {
    return core::InvalidArgument(
        "--all-behind needs --image-filter GLOB: the image family to bring every stack to");
  }
  if (!a.image.empty() && a.image != "latest") {
    return core::InvalidArgument(
        "--all-behind installs the family's newest image: leave out "
        "--image (or say --image latest)");
  }
  if (!a.instance_type.empty() || !a.user_data_file.empty() || !a.user_data_set.empty()) {
    return core::InvalidArgument(
        "--all-behind changes images only: give --instance-type or user "
        "data with a STACK");
  }
  return core::Status::Ok();
}

std::string RenderAllBehind(const ops::AllBehindPlan& all, int parallel) {
  std::ostringstream out;
  const cloud::Image& newest = all.behind.newest;
  out << fmt::format(
      "upgrade --all-behind: {} stack{} behind the newest {} images (newest of all: {}, {}); {}; "
      "each its own operation, rolled back on its own failure, after which no further stack "
      "starts\n",
      all.stacks.size(), all.stacks.size() == 1 ? "" : "s", all.glob, newest.name, newest.id,
      parallel > 1 ? fmt::format("{} at once", parallel) : "one after another");
  for (const ops::StackUpgrade& s : all.stacks) {
    out << fmt::format("stack {}{}:\n", s.stack,
                       s.days_behind ? fmt::format(", {} days behind", *s.days_behind) : "");
    PrintPlan(s.plan, s.roll, out);
  }
  for (const std::string& line : all.behind.left) out << "  " << line << "\n";
  for (const std::string& stack : all.current) {
    out << fmt::format("  {}: runs the newest image of the family that fits it\n", stack);
  }
  return out.str();
}

// Runs each stack's upgrade, `parallel` at once (their sleeps interleaved on one clock), and
// returns the worst exit code; stacks not started after a failure are named.
int RunAllBehind(Session& session, Runtime& rt, Format format, const ops::AllBehindPlan& all,
                 const ops::RunbookOptions& options, int parallel) {
  EventsSink events;  // opened once: every stack's events go to the one file
  if (core::Status s = OpenEvents(session, events); !s.ok()) return ReportError(s, session.err());
  std::vector<int> codes(all.stacks.size(), kExitOk);
  std::vector<core::Turns::Task> tasks;
  for (size_t i = 0; i < all.stacks.size(); ++i) {
    tasks.push_back([&, i](core::Clock& clock) {
      const ops::StackUpgrade& s = all.stacks[i];
      codes[i] = StartAfterPlan(
          session, rt, format, journal::OperationKind::kUpgrade, s.plan.patch.operation_id,
          journal::GroupResources(s.groups), ops::UpgradePlanToJson(s.plan), options,
          {.rollback_asked = false, .clock = &clock, .target = s.stack, .events = &events});
      return codes[i] == kExitOk;
    });
  }
  core::Turns turns(rt.clock());
  size_t started = turns.Run(std::move(tasks), parallel);
  for (size_t i = started; i < all.stacks.size(); ++i) {
    session.err() << fmt::format(
        "rotor: upgrade of stack {} not started: a stack before it did "
        "not complete\n",
        all.stacks[i].stack);
  }
  int worst = kExitOk;
  for (int c : codes) {
    if (c != kExitOk && (worst == kExitOk || c == kExitFailed)) worst = c;
  }
  return started < all.stacks.size() && worst == kExitOk ? kExitFailed : worst;
}

int RunAll(const UpgradeArgs& args, Session& session) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  if (core::Status s = CheckAllBehindArgs(args); !s.ok()) return ReportError(s, err);
  auto policy = BuildPolicy(args);
  if (!policy.ok()) return ReportError(policy.status(), err);
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  if (args.parallel < 1) {
    return ReportError(core::InvalidArgument("--parallel must be at least 1"), err);
  }
  std::unique_ptr<ProbeSet> probes;
  auto o = RollingRunbookOptions(*policy, /*parallel=*/1, rt, probes);
  if (!o.ok()) return ReportError(o.status(), err);
  core::Time now = rt.clock().Now();
  std::map<std::string, std::string> ids;
  PlanSteps<ops::AllBehindPlan> steps;
  // One id per stack, kept when the plan is made again, never two alike (they share `now`).
  std::set<std::string> taken;
  auto id_for = [&](const std::string& stack) {
    auto known = ids.find(stack);
    if (known != ids.end()) return known->second;
    std::string id = NewRolloutId(now);
    while (!taken.insert(id).second) id = NewRolloutId(now);
    return ids[stack] = id;
  };
  steps.make = [&] {
    return ops::PlanAllBehind(rt.cloud(), {args.image_filter, args.owner}, *policy, now, id_for);
  };
  steps.render = [&](const ops::AllBehindPlan& all) { return RenderAllBehind(all, args.parallel); };
  steps.idle = [&](const ops::AllBehindPlan& all) {
    if (all.stacks.empty()) {
      (*format == Format::kJson ? session.err() : session.out()) << fmt::format(
          "nothing behind: every stack runs the newest {} image that fits it\n", all.glob);
    }
    return all.stacks.empty();
  };
  auto all = PlanAndConfirm(steps, PlanIo(session, rt, *format));
  if (!all.ok()) return ReportError(all.status(), err);
  if (!*all) return kExitOk;
  return RunAllBehind(session, rt, *format, **all, *o, args.parallel);
}

int Run(const UpgradeArgs& args, Session& session) {
  if (args.all_behind) return RunAll(args, session);
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto request = BuildPatchRequest(args, /*require_change=*/false);
  if (!request.ok()) return ReportError(request.status(), err);
  // Without a change named, an upgrade installs what is available: the newest image.
  if (!request->image && request->instance_type.empty() && !request->user_data &&
      request->user_data_set.empty()) {
    request->image = ops::ImageRequest{};
  }
  auto policy = BuildPolicy(args);
  if (!policy.ok()) return ReportError(policy.status(), err);
  auto selector = SelectorFrom(args, "upgrade");
  if (!selector.ok()) return ReportError(selector.status(), err);
  const ops::TargetSelector& sel = *selector;
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  auto targets = ops::ResolveTargets(rt.cloud(), sel);
  if (!targets.ok()) return ReportError(targets.status(), err);
  std::string id = NewRolloutId(rt.clock().Now());
  core::Time now = rt.clock().Now();
  struct Shown {
    ops::UpgradePlan plan;
    std::vector<std::string> roll;  // the members to replace, as the plan says them
  };
  PlanSteps<Shown> steps;
  // The same id and time each time: a plan made again differs only where the fleet did.
  steps.make = [&]() -> core::Result<Shown> {
    ASSIGN_OR_RETURN(ops::PatchPlan patch,
                     ops::PlanPatch(rt.cloud(), targets->groups, *request, id, now));
    ops::UpgradePlan plan{patch, *policy};
    ASSIGN_OR_RETURN(auto groups, rt.cloud().groups.ObserveGroups(targets->groups));
    std::vector<std::string> roll = ops::DescribeRoll(plan, groups);
    return Shown{std::move(plan), std::move(roll)};
  };
  steps.render = [](const Shown& s) {
    std::ostringstream text;
    PrintPlan(s.plan, s.roll, text);
    return text.str();
  };
  std::unique_ptr<ProbeSet> probes;
  auto o = RollingRunbookOptions(*policy, args.parallel, rt, probes);
  if (!o.ok()) return ReportError(o.status(), err);
  auto shown = PlanAndConfirm(steps, PlanIo(session, rt, *format));
  if (!shown.ok()) return ReportError(shown.status(), err);
  if (!*shown) return kExitOk;
  return StartAfterPlan(session, rt, *format, journal::OperationKind::kUpgrade, id,
                        journal::GroupResources(targets->groups),
                        ops::UpgradePlanToJson((*shown)->plan), *o);
}

}  // namespace

void AddUpgradeCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<UpgradeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "upgrade", "Patch and respawn as one operation (default: the newest image of the family)");
  AddTargetFlags(cmd, *a);
  AddPatchFlags(cmd, *a);
  AddPolicyFlags(cmd, *a);
  cmd->add_flag("--all-behind", a->all_behind,
                "every stack whose members run an older image of --image-filter's family, each "
                "its own operation (--parallel N: stacks at once)");
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
