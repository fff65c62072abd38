// rotor import FILE.tgz [--name NEW] [KEY=VALUE...] [--image OLD=NEW...] [--capabilities LIST]
//   [--action-timeout D]: the exported stack created here through update-stack's create path.
#include <fmt/format.h>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/flags.h"
#include "cli/stack_update_run.h"
#include "core/strings.h"
#include "ops/export_import.h"

namespace rotor::cli {
namespace {

struct ImportArgs {
  std::vector<std::string> positional;  // FILE.tgz KEY=VALUE...
  std::string name, capabilities, action_timeout = "30m";
  std::vector<std::string> images;
};

core::Result<ops::Bundle> ReadTarball(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFile(path, ""));
  return ops::ReadBundle(bytes, path);
}

core::Result<ops::ImportRequest> BuildRequest(const ImportArgs& a) {
  ops::ImportRequest r;
  r.name = a.name;
  for (size_t i = 1; i < a.positional.size(); ++i) {
    ASSIGN_OR_RETURN(auto kv, KeyValue(a.positional[i], "parameter"));
    r.set.push_back(kv);
  }
  for (const std::string& m : a.images) {
    ASSIGN_OR_RETURN(auto kv, KeyValue(m, "--image", "OLD=NEW"));
    if (kv.second.empty())
      return core::InvalidArgument(fmt::format("--image '{}' is not OLD=NEW", m));
    r.images.push_back(kv);
  }
  return r;
}

// The lines shown above update-stack's plan: where it came from, how each image was mapped,
// what is not recreated.
std::vector<std::string> Preface(const ops::ImportPlan& p, const std::string& file) {
  std::vector<std::string> out = {fmt::format("from {} (exported from {})", file, p.exported_from)};
  for (const ops::ImageMapping& m : p.images) {
    out.push_back(m.new_id == m.old_id
                      ? fmt::format("image {} ({}): the same image", m.old_id, m.name)
                      : fmt::format("image {} ({}) -> {}: {}", m.old_id, m.name, m.new_id, m.how));
  }
  for (const std::string& n : p.notes) out.push_back("not recreated: " + n);
  return out;
}

// After the creation: what the new stack lacks that the exported one had, one line each (on
// stderr when stdout holds JSON). A plan declined created nothing, and nothing is said.
void ReportNotRecreated(cloud::Cloud& cloud, const ops::Bundle& bundle, const ops::ImportPlan& plan,
                        std::ostream& out, std::ostream& err) {
  auto lines = ops::NotRecreated(cloud, bundle, plan);
  if (!lines.ok() && lines.status().code() == core::Code::kNotFound) return;
  if (!lines.ok()) {
    err << fmt::format("warning: {} was created, but not compared with the export: {}\n",
                       plan.stack, lines.status().message());
    return;
  }
  if (lines->empty()) {
    out << fmt::format(
        "{}'s groups match the export: sizes, processes, load balancers, hooks "
        "and what they launch\n",
        plan.stack);
  }
  for (const std::string& line : *lines) out << "not recreated: " << line << "\n";
}

int Run(const ImportArgs& a, Session& session) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  const std::string& file = a.positional.front();
  auto bundle = ReadTarball(file);
  if (!bundle.ok()) return ReportError(bundle.status(), err);
  auto request = BuildRequest(a);
  if (!request.ok()) return ReportError(request.status(), err);
  auto timeout = core::ParseDuration(a.action_timeout);
  if (!timeout.ok() || timeout->count() <= 0) {
    return ReportError(
        core::InvalidArgument(
            fmt::format("--action-timeout '{}' is not a duration such as 30m", a.action_timeout)),
        err);
  }
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  for (const std::string& key : ops::ExportedNoEcho(*bundle)) {
    for (const auto& [k, value] : request->set) {
      if (k == key) rt.NoteSecret(value);
    }
  }
  auto plan = ops::PlanImport(rt.cloud(), *bundle, file, *request);
  if (!plan.ok()) return ReportError(plan.status(), err);
  if (rt.cloud().stacks.DescribeStack(plan->stack).ok()) {
    return ReportError(
        core::InvalidArgument(fmt::format(
            "a stack named {} exists here already: import under another name with --name",
            plan->stack)),
        err);
  }
  ops::StackUpdateRequest u;
  u.stack = plan->stack;
  u.template_body = plan->template_body;
  u.template_file = file;
  u.set = plan->parameters;
  u.tags = plan->tags;
  u.termination_protection = plan->termination_protection;
  u.stack_policy = plan->policy;
  for (const std::string& c : core::Split(a.capabilities, ',')) {
    if (!c.empty()) u.capabilities.push_back(c);
  }
  u.respawn = false;  // a new stack's groups launch from its template: nothing to roll
  u.action_timeout = *timeout;
  auto policy = BuildPolicy(PolicyFlags{});
  if (!policy.ok()) return ReportError(policy.status(), err);
  int code = RunStackUpdate(session, rt, *format, u, *policy, 1, journal::OperationKind::kImport,
                            Preface(*plan, file));
  if (code != kExitOk || session.options().dry_run) return code;
  ReportNotRecreated(rt.cloud(), *bundle, *plan, *format == Format::kJson ? err : session.out(),
                     err);
  return code;
}

}  // namespace

void AddImportCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Create a stack here from a tarball `rotor export` wrote: images mapped by name, NoEcho "
      "parameters given as KEY=VALUE");
  cmd->add_option("file", a->positional, "FILE.tgz, then KEY=VALUE parameters")->required();
  cmd->add_option("--name", a->name, "the new stack's name (default: the exported one)");
  cmd->add_option("--image", a->images,
                  "OLD=NEW, repeatable: the image here for an exported one (default: the "
                  "newest available with the same name)");
  cmd->add_option("--capabilities", a->capabilities,
                  "capabilities the template needs, accepted: CAPABILITY_IAM,...");
  cmd->add_option("--action-timeout", a->action_timeout, "how long the creation may take")
      ->capture_default_str();
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
