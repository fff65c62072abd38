// rotor update-stack STACK [KEY=VALUE...] [--template FILE] [--parameters FILE.json]
//   [--tag K=V...] [--capabilities LIST] [--no-respawn] [--action-timeout D] [policy flags]
#include "ops/update_stack.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/flags.h"
#include "cli/probes.h"
#include "cli/rolling.h"
#include "cli/runbook_run.h"
#include "cli/stack_update_run.h"
#include "core/strings.h"
#include "ops/runbooks.h"

namespace rotor::cli {
namespace {

struct UpdateStackArgs : PolicyFlags {
  std::vector<std::string> positional;  // STACK KEY=VALUE...
  std::string template_file, parameters_file, capabilities, action_timeout = "30m";
  std::vector<std::string> tags;
  bool no_respawn = false;
};

// The AWS CLI's parameter file: [{"ParameterKey": "K", "ParameterValue": "V"}, ...];
// UsePreviousValue entries keep the stack's value, as leaving the key out does.
core::Status ReadParameterFile(const std::string& path, ops::Pairs& out) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, "--parameters"));
  auto j = nlohmann::json::parse(text, nullptr, false);
  auto bad = [&](const std::string& why) {
    return core::InvalidArgument(fmt::format(
        "--parameters {}: {} (expected [{{\"ParameterKey\": \"K\", \"ParameterValue\": \"V\"}}, "
        "...])",
        path, why));
  };
  if (!j.is_array()) return bad("not a JSON list");
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& p = j[i];
    if (!p.is_object() || !p.contains("ParameterKey") || !p["ParameterKey"].is_string()) {
      return bad(fmt::format("entry {} has no ParameterKey", i + 1));
    }
    if (p.value("UsePreviousValue", false)) continue;
    if (!p.contains("ParameterValue") || !p["ParameterValue"].is_string()) {
      return bad(fmt::format("entry {} ({}) has no ParameterValue string", i + 1,
                             p["ParameterKey"].get<std::string>()));
    }
    out.emplace_back(p["ParameterKey"], p["ParameterValue"]);
  }
  return core::Status::Ok();
}

core::Result<ops::StackUpdateRequest> BuildRequest(const UpdateStackArgs& a) {
  ops::StackUpdateRequest r;
  if (a.positional.empty()) return core::InvalidArgument("update-stack needs a STACK name");
  r.stack = a.positional.front();
  if (!a.template_file.empty()) {
    ASSIGN_OR_RETURN(r.template_body, ReadFile(a.template_file, "--template"));
    r.template_file = a.template_file;
  }
  if (!a.parameters_file.empty()) RETURN_IF_ERROR(ReadParameterFile(a.parameters_file, r.set));
  for (size_t i = 1; i < a.positional.size(); ++i) {
    ASSIGN_OR_RETURN(auto kv, KeyValue(a.positional[i], "parameter"));
    r.set.push_back(kv);
  }
  if (!a.tags.empty()) {
    r.tags = ops::Pairs{};
    for (const std::string& t : a.tags) {
      ASSIGN_OR_RETURN(auto kv, KeyValue(t, "--tag"));
      r.tags->push_back(kv);
    }
  }
  for (const std::string& c : core::Split(a.capabilities, ',')) {
    if (!c.empty()) r.capabilities.push_back(c);
  }
  auto timeout = core::ParseDuration(a.action_timeout);
  if (!timeout.ok() || timeout->count() <= 0) {
    return core::InvalidArgument(
        fmt::format("--action-timeout '{}' is not a duration such as 30m", a.action_timeout));
  }
  r.action_timeout = *timeout;
  r.respawn = !a.no_respawn;
  return r;
}

int Run(const UpdateStackArgs& args, Session& session) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto request = BuildRequest(args);
  if (!request.ok()) return ReportError(request.status(), err);
  auto policy = BuildPolicy(args);
  if (!policy.ok()) return ReportError(policy.status(), err);
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  return RunStackUpdate(session, **runtime, *format, *request, *policy, args.parallel,
                        journal::OperationKind::kUpdateStack, {});
}

}  // namespace

int RunStackUpdate(Session& session, Runtime& rt, Format format, ops::StackUpdateRequest request,
                   const rollout::Policy& policy, int parallel, journal::OperationKind kind,
                   const std::vector<std::string>& preface) {
  std::ostream& err = session.err();
  std::unique_ptr<ProbeSet> probes;
  auto o = RollingRunbookOptions(policy, parallel, rt, probes);
  if (!o.ok()) return ReportError(o.status(), err);
  std::string id = NewRolloutId(rt.clock().Now());
  PlanSteps<ops::StackUpdatePlan> steps;
  int plans = 0;
  ConfirmIo io = PlanIo(session, rt, format);
  std::set<std::string> accepted;  // questions answered yes: a plan made again does not re-ask
  if (io.ask) {
    request.accept_capabilities = [&](const std::string& question) {
      if (accepted.count(question)) return true;
      bool yes = Confirm(session.out(), question);
      if (yes) accepted.insert(question);
      return yes;
    };
  }
  steps.make = [&] {
    ops::StackUpdateRequest r = request;
    r.plan_number = ++plans;
    return ops::PlanStackUpdate(rt.cloud(), rt.clock(), r, policy, id);
  };
  steps.render = [&id, &preface, kind](const ops::StackUpdatePlan& p) {
    std::string text = fmt::format(
        "{} {} ({}) — {}\n", journal::OperationKindName(kind), p.stack, id,
        p.create ? "the stack created; a failed creation is rolled back by CloudFormation, and "
                   "a stack once created is never deleted by rotor"
                 : "the stack changed through its change set, then its groups rolled; on "
                   "failure the previous template and parameters are restored");
    for (const std::string& line : preface) text += "  " + line + "\n";
    for (const std::string& line : ops::DescribeStackUpdate(p)) text += "  " + line + "\n";
    return text;
  };
  // A change set is the plan: rather than another one, the stack it was made from is compared.
  steps.changed = [&rt](const ops::StackUpdatePlan& p) {
    return ops::StackChangedSince(rt.cloud().stacks, p);
  };
  steps.discard = [&rt](const ops::StackUpdatePlan& p) {
    if (!p.change_set.empty()) (void)rt.cloud().stacks.DropChange(p.stack, p.change_set);
  };
  auto plan = PlanAndConfirm(steps, io);
  if (!plan.ok()) return ReportError(plan.status(), err);
  if (!*plan) return kExitOk;
  std::vector<std::string> resources = {journal::StackResource((*plan)->stack)};
  for (const std::string& r : journal::GroupResources((*plan)->roll)) resources.push_back(r);
  for (const auto& [key, value] : request.set) {  // NoEcho values: never in the journal
    const auto& keys = (*plan)->secret_keys;
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
    o->secrets[key] = value;
    rt.NoteSecret(value);
  }
  return StartAfterPlan(session, rt, format, kind, id, resources,
                        ops::StackUpdatePlanToJson(**plan), *o);
}

void AddUpdateStackCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<UpdateStackArgs>();
  CLI::App* cmd = app.add_subcommand(
      "update-stack",
      "Create or change a CloudFormation stack through a change set, then roll its groups");
  cmd->add_option("stack", a->positional, "STACK, then KEY=VALUE parameters")->required();
  cmd->add_option("--template", a->template_file, "the new template (default: the current one)");
  cmd->add_option("--parameters", a->parameters_file,
                  "parameters in the AWS CLI's JSON format; KEY=VALUE arguments win");
  cmd->add_option("--tag", a->tags, "K=V, repeatable: the stack's tags (default: kept)");
  cmd->add_option("--capabilities", a->capabilities,
                  "capabilities the template needs, accepted: CAPABILITY_IAM,... (on a "
                  "terminal, else asked)");
  cmd->add_flag("--no-respawn", a->no_respawn, "change the stack only; roll nothing");
  cmd->add_option("--action-timeout", a->action_timeout,
                  "how long the stack may take before the update is cancelled")
      ->capture_default_str();
  AddPolicyFlags(cmd, *a);
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
