// rotor patch STACK [VERSION] | --asg NAME | --limit PREFIX [--image latest|AMI|GLOB]
//   [--image-filter GLOB] [--owner ID] [--instance-type T] [--user-data FILE | --user-data-set
//   KEY=VALUE...]
#include "ops/patch.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "ops/targets.h"
#include "ops/user_data.h"

namespace rotor::cli {
namespace {

struct PatchArgs {
  std::vector<std::string> positional;
  std::string asg, limit;
  std::string image, image_filter, owner, instance_type, user_data_file;
  std::vector<std::string> user_data_set;
};

core::Result<ops::PatchRequest> BuildRequest(const PatchArgs& a) {
  ops::PatchRequest r;
  if (!a.image.empty() || !a.image_filter.empty() || !a.owner.empty()) {
    r.image = ops::ImageRequest{a.image.empty() ? "latest" : a.image, a.image_filter, a.owner};
  }
  r.instance_type = a.instance_type;
  if (!a.user_data_file.empty() && !a.user_data_set.empty()) {
    return core::InvalidArgument("give --user-data FILE or --user-data-set, not both");
  }
  if (!a.user_data_file.empty()) {
    std::ifstream in(a.user_data_file, std::ios::binary);
    if (!in) return core::InvalidArgument("--user-data " + a.user_data_file + ": cannot read it");
    std::stringstream s;
    s << in.rdbuf();
    r.user_data = s.str();
    if (r.user_data->size() > 16384) {
      return core::InvalidArgument(
          fmt::format("--user-data {}: {} bytes, but EC2 takes at most 16384 (gzip it)",
                      a.user_data_file, r.user_data->size()));
    }
  }
  for (const std::string& kv : a.user_data_set) {
    ASSIGN_OR_RETURN(auto setting, ops::ParseSetting(kv));
    r.user_data_set.push_back(setting);
  }
  if (!r.image && r.instance_type.empty() && !r.user_data && r.user_data_set.empty()) {
    return core::InvalidArgument(
        "nothing to change: give --image, --instance-type, --user-data or --user-data-set");
  }
  return r;
}

void PrintPlan(const ops::PatchPlan& plan, std::ostream& out) {
  out << fmt::format(
      "patch {} — new launch specs; no instance is touched (`rotor respawn` "
      "replaces them, `rotor upgrade` does both)\n",
      plan.operation_id);
  for (const ops::GroupPatch& g : plan.groups) {
    for (const std::string& line : ops::DescribePatch(g)) out << "  " << line << "\n";
  }
}

int Run(const PatchArgs& args, Session& session) {
  std::ostream& out = session.out();
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto request = BuildRequest(args);
  if (!request.ok()) return ReportError(request.status(), err);
  if (args.positional.size() > 2) {
    return ReportError(core::InvalidArgument("patch takes at most STACK and VERSION"), err);
  }
  ops::TargetSelector sel{args.positional.empty() ? "" : args.positional[0],
                          args.positional.size() > 1 ? args.positional[1] : "", args.asg,
                          args.limit};
  if (core::Status s = sel.Validate(); !s.ok()) return ReportError(s, err);
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  auto targets = ops::ResolveTargets(rt.cloud(), sel);
  if (!targets.ok()) return ReportError(targets.status(), err);
  std::string id = NewRolloutId(rt.clock().Now());
  auto plan = ops::PlanPatch(rt.cloud(), targets->groups, *request, id, rt.clock().Now());
  if (!plan.ok()) return ReportError(plan.status(), err);
  if (*format != Format::kJson) PrintPlan(*plan, out);
  bool changes = std::any_of(plan->groups.begin(), plan->groups.end(),
                             [](const ops::GroupPatch& g) { return g.Changes(); });
  if (!changes) {
    out << "nothing to patch: every group already launches this\n";
    return kExitOk;
  }
  if (session.options().dry_run) return kExitOk;
  if (!session.options().yes && !rt.sim() && isatty(STDIN_FILENO) && !Confirm(out)) {
    err << "rotor: nothing changed\n";
    return kExitOk;
  }
  auto journal = rt.journal();
  if (!journal.ok()) return ReportError(journal.status(), err);
  ops::RunbookOptions o;
  o.operation_id = id;
  o.command = session.options().command_line;
  o.owner = rt.owner();
  o.owner_gone = Runtime::LocalOwnerGone;
  std::vector<std::string> resources = journal::GroupResources(targets->groups);
  std::string recorded = ops::PatchPlanToJson(*plan);
  return RunRunbook(
      session, rt, *format, "patch", o, [&](const ops::RunbookOptions& ro, core::Clock& clock) {
        return ops::StartRunbook(rt.cloud(), clock, **journal, journal::OperationKind::kPatch,
                                 resources, recorded, ro);
      });
}

}  // namespace

void AddPatchCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<PatchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "patch",
      "Give groups a new launch spec (image, instance type, user data); no instance "
      "is touched");
  cmd->add_option("stack", a->positional, "STACK [VERSION] (the stack STACK-VERSION)");
  cmd->add_option("--asg", a->asg, "one Auto Scaling group by name");
  cmd->add_option("--limit", a->limit, "the one group whose name starts with PREFIX");
  cmd->add_option("--image", a->image,
                  "latest (newest available by creation date in the current image's family), "
                  "an AMI id, or a name glob");
  cmd->add_option("--image-filter", a->image_filter, "the family for latest: a name glob");
  cmd->add_option("--owner", a->owner, "image owner account (default: the current image's)");
  cmd->add_option("--instance-type", a->instance_type, "a new instance type");
  cmd->add_option("--user-data", a->user_data_file, "replace user data with this file");
  cmd->add_option("--user-data-set", a->user_data_set,
                  "KEY=VALUE merged into YAML user data; dotted keys reach nested maps "
                  "(repeatable)");
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
