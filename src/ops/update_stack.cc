#include "ops/update_stack.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cloud/template.h"
#include "core/strings.h"
#include "rollout/codec.h"

namespace rotor::ops {
namespace {

using nlohmann::json;

constexpr auto kChangeSetPoll = std::chrono::seconds(2);
constexpr auto kChangeSetWait = std::chrono::minutes(5);
constexpr auto kEventPoll = std::chrono::seconds(5);

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Why a stack cannot be changed now, and what to do about it.
core::Status Unchangeable(const std::string& stack, const std::string& status) {
  if (cloud::InProgress(status)) {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("stack {} is {}: wait until CloudFormation is done with it, "
                                    "then run update-stack again",
                                    stack, status));
  }
  if (status == "UPDATE_ROLLBACK_FAILED") {
    return core::Status(
        core::Code::kFailedPrecondition,
        fmt::format("stack {} is UPDATE_ROLLBACK_FAILED: an update failed and so did its "
                    "rollback. Fix what the failed resource's event says, then run 'aws "
                    "cloudformation continue-update-rollback --stack-name {}' (add "
                    "--resources-to-skip LOGICAL_ID to skip a resource that cannot be fixed)",
                    stack, stack));
  }
  if (status == "ROLLBACK_COMPLETE" || status == "ROLLBACK_FAILED" || status == "CREATE_FAILED") {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("stack {} was never created ({}): delete it with 'aws "
                                    "cloudformation delete-stack --stack-name {}', then run "
                                    "update-stack again",
                                    stack, status, stack));
  }
  return core::Status::Ok();
}

// What the stack must have for the step to be done: the template (when one is given) and every
// value given. A NoEcho value reads back masked: it cannot be compared, so it counts as equal.
bool Matches(const cloud::StackSettings& s, const std::string& body,
             const std::vector<cloud::StackParameter>& params) {
  if (!body.empty() && body != s.template_body) return false;
  for (const cloud::StackParameter& p : params) {
    if (p.use_previous) continue;
    const cloud::StackParameter* now = cloud::FindParameter(s.parameters, p.key);
    if (!now || (now->value != p.value && now->value != cloud::kMasked)) return false;
  }
  return true;
}

json ParamsToJson(const std::vector<cloud::StackParameter>& ps,
                  const std::vector<std::string>& secret) {
  json out = json::array();
  for (const cloud::StackParameter& p : ps) {
    bool keep = p.use_previous || Contains(secret, p.key);
    json j{{"key", p.key}, {"use_previous", keep}};
    if (!keep) j["value"] = p.value;
    out.push_back(j);
  }
  return out;
}

std::vector<cloud::StackParameter> ParamsFromJson(const json& j) {
  std::vector<cloud::StackParameter> out;
  for (const json& p : j) {
    out.push_back({p.value("key", ""), p.value("value", ""), p.value("use_previous", false)});
  }
  return out;
}

json PairsToJson(const std::optional<Pairs>& pairs) {
  if (!pairs) return nullptr;
  json out = json::array();
  for (const auto& [k, v] : *pairs) out.push_back({k, v});
  return out;
}

std::optional<Pairs> PairsFromJson(const json& j) {
  if (!j.is_array()) return std::nullopt;
  Pairs out;
  for (const json& p : j) out.emplace_back(p.at(0).get<std::string>(), p.at(1).get<std::string>());
  return out;
}

// Follows a stack operation event by event until the stack settles; returns its final status.
// Past `deadline` the update is cancelled (CloudFormation rolls it back) and kFailedPrecondition
// comes back once the stack settled.
class Follower {
 public:
  Follower(cloud::Stacks& stacks, core::Clock& clock, const std::string& stack,
           const std::function<void(const std::string&)>& note)
      : stacks_(stacks), clock_(clock), stack_(stack), note_(note) {}

  // Where to start: the newest event now.
  core::Status Mark() {
    ASSIGN_OR_RETURN(std::vector<cloud::StackEvent> events, stacks_.Events(stack_, ""));
    if (!events.empty()) marker_ = events.back().id;
    return core::Status::Ok();
  }

  core::Result<std::string> Settle(core::Duration timeout) {
    core::Time deadline = clock_.Now() + timeout;
    bool cancelled = false;
    while (true) {
      ASSIGN_OR_RETURN(std::vector<cloud::StackEvent> events, stacks_.Events(stack_, marker_));
      for (const cloud::StackEvent& e : events) {
        marker_ = e.id;
        Show(e);
        if (e.logical_id == stack_ && !cloud::InProgress(e.status)) {
          if (cancelled) {
            return core::Status(
                core::Code::kFailedPrecondition,
                fmt::format("stack {} did not settle within {}s: the update was "
                            "cancelled and CloudFormation rolled it back ({})",
                            stack_,
                            std::chrono::duration_cast<std::chrono::seconds>(timeout).count(),
                            e.status));
          }
          return e.status;
        }
      }
      if (!cancelled && clock_.Now() >= deadline) {
        RETURN_IF_ERROR(stacks_.CancelUpdate(stack_));
        cancelled = true;
      }
      clock_.SleepUntil(clock_.Now() + kEventPoll);
    }
  }

  // The first resource that failed, with its reason: what a failure message leads with.
  std::string FirstFailure() const { return first_failure_; }

 private:
  void Show(const cloud::StackEvent& e) {
    if (note_) {
      note_(fmt::format("{} {} {}{}", e.logical_id, e.type, e.status,
                        e.reason.empty() ? "" : ": " + e.reason));
    }
    if (first_failure_.empty() && e.logical_id != stack_ && e.status.ends_with("_FAILED")) {
      first_failure_ =
          fmt::format("{} ({}): {}", e.logical_id, e.type, e.reason.empty() ? e.status : e.reason);
    }
  }

  cloud::Stacks& stacks_;
  core::Clock& clock_;
  std::string stack_;
  const std::function<void(const std::string&)>& note_;
  std::string marker_;
  std::string first_failure_;
};

// Waits until CloudFormation has computed the change set.
core::Result<cloud::ChangeSet> WaitForChangeSet(cloud::Stacks& stacks, core::Clock& clock,
                                                const std::string& stack, cloud::ChangeSet set) {
  core::Time deadline = clock.Now() + kChangeSetWait;
  auto pending = [&] {
    return !set.no_changes &&
           (set.status == "CREATE_PENDING" || set.status == "CREATE_IN_PROGRESS");
  };
  while (pending()) {
    ASSIGN_OR_RETURN(set, stacks.ReadChange(stack, set.id));
    if (!pending()) break;
    if (clock.Now() >= deadline) {
      return core::Status(
          core::Code::kFailedPrecondition,
          fmt::format("the change set for stack {} was not ready within 5m", stack));
    }
    clock.SleepUntil(clock.Now() + kChangeSetPoll);
  }
  if (set.status == "FAILED" && !set.no_changes) {
    return core::InvalidArgument(
        fmt::format("CloudFormation refused the change to stack {}: {}", stack, set.reason));
  }
  return set;
}

// The outcome of an update or creation that settled.
core::Status Settled(const std::string& stack, const std::string& status,
                     const std::string& first_failure) {
  if (status == "UPDATE_COMPLETE" || status == "CREATE_COMPLETE") return core::Status::Ok();
  std::string at = first_failure.empty() ? "" : " at " + first_failure;
  if (status == "UPDATE_ROLLBACK_FAILED") {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("stack {} update failed{}; {}", stack, at,
                                    Unchangeable(stack, status).message()));
  }
  return core::Status(
      core::Code::kFailedPrecondition,
      fmt::format("stack {} {} failed{}; CloudFormation left it {}", stack,
                  status.starts_with("UPDATE") ? "update" : "creation", at, status));
}

// Updates (or creates) the stack as the plan says, following its events.
class StackStep : public runbook::Step {
 public:
  StackStep(cloud::Cloud& c, StackUpdatePlan plan, RollingContext& r)
      : c_(c), plan_(std::move(plan)), r_(r) {}

  std::string Describe() const override {
    if (plan_.create) return fmt::format("create stack {}", plan_.stack);
    return fmt::format("update stack {} through change set {} ({} resource change{})", plan_.stack,
                       plan_.change_set_name, plan_.changes.size(),
                       plan_.changes.size() == 1 ? "" : "s");
  }

  core::Result<runbook::Check> Look() override {
    auto s = c_.stacks.ReadSettings(plan_.stack);
    if (!s.ok() && s.status().code() == core::Code::kNotFound) return runbook::Check::NotDone();
    if (!s.ok()) return s.status();
    if (cloud::InProgress(s->status)) return runbook::Check::NotDone();  // Do follows it to its end
    if (s->status.find("ROLLBACK") != std::string::npos && plan_.create) {
      return runbook::Check::Blocked(Unchangeable(plan_.stack, s->status).message());
    }
    return Matches(*s, plan_.template_body, plan_.parameters) ? runbook::Check::Done()
                                                              : runbook::Check::NotDone();
  }

  core::Result<std::string> Remember() override {
    if (plan_.create) return json{{"created", true}}.dump();
    ASSIGN_OR_RETURN(cloud::StackSettings s, c_.stacks.ReadSettings(plan_.stack));
    // A NoEcho value reads back masked: it is kept as "use previous", never journaled.
    for (cloud::StackParameter& p : s.parameters) p.use_previous = p.value == cloud::kMasked;
    return json{{"template_body", s.template_body},
                {"parameters", ParamsToJson(s.parameters, {})},
                {"tags", PairsToJson(s.tags)},
                {"capabilities", s.capabilities}}
        .dump();
  }

  core::Status Do() override {
    Follower follow(c_.stacks, r_.clock, plan_.stack, r_.note);
    auto s = c_.stacks.ReadSettings(plan_.stack);
    if (s.ok() && cloud::InProgress(s->status)) {
      // A crash or lost answer left our update running: see it to its end, then look again.
      RETURN_IF_ERROR(follow.Mark());
      ASSIGN_OR_RETURN(std::string status, follow.Settle(plan_.action_timeout));
      ASSIGN_OR_RETURN(s, c_.stacks.ReadSettings(plan_.stack));
      if (Matches(*s, plan_.template_body, plan_.parameters)) {
        return Settled(plan_.stack, status, follow.FirstFailure());
      }
    }
    if (plan_.create) return Create(follow);
    if (!s.ok()) return s.status();
    RETURN_IF_ERROR(Unchangeable(plan_.stack, s->status));
    ASSIGN_OR_RETURN(cloud::ChangeSet set, ChangeSetToRun());
    if (set.no_changes) return core::Status::Ok();
    RETURN_IF_ERROR(follow.Mark());
    RETURN_IF_ERROR(c_.stacks.ApplyChange(plan_.stack, set.id));
    ASSIGN_OR_RETURN(std::string status, follow.Settle(plan_.action_timeout));
    return Settled(plan_.stack, status, follow.FirstFailure());
  }

  core::Status Undo(const std::string& memo) override {
    json m = json::parse(memo, nullptr, false);
    if (!m.is_object()) return core::Status(core::Code::kMalformed, "unreadable stack memo");
    if (m.value("created", false)) return UndoCreate();
    Follower follow(c_.stacks, r_.clock, plan_.stack, r_.note);
    ASSIGN_OR_RETURN(cloud::StackSettings s, c_.stacks.ReadSettings(plan_.stack));
    if (cloud::InProgress(s.status)) {
      RETURN_IF_ERROR(follow.Mark());
      RETURN_IF_ERROR(follow.Settle(plan_.action_timeout).status());
      ASSIGN_OR_RETURN(s, c_.stacks.ReadSettings(plan_.stack));
    }
    std::string body = m.value("template_body", "");
    std::vector<cloud::StackParameter> params = ParamsFromJson(m["parameters"]);
    if (!Matches(s, body, params)) {
      RETURN_IF_ERROR(Unchangeable(plan_.stack, s.status));
      std::vector<std::string> caps = plan_.capabilities;
      for (const std::string& cap : m.value("capabilities", std::vector<std::string>{})) {
        if (!Contains(caps, cap)) caps.push_back(cap);
      }
      // The same template is sent as "keep it": smaller, and what every endpoint understands.
      cloud::StackChange back{plan_.stack,
                              Fresh("back"),
                              body == s.template_body ? "" : body,
                              params,
                              PairsFromJson(m["tags"]),
                              caps,
                              false,
                              ""};
      ASSIGN_OR_RETURN(cloud::ChangeSet set, c_.stacks.PrepareChange(back));
      ASSIGN_OR_RETURN(set, WaitForChangeSet(c_.stacks, r_.clock, plan_.stack, set));
      if (!set.no_changes) {
        RETURN_IF_ERROR(follow.Mark());
        RETURN_IF_ERROR(c_.stacks.ApplyChange(plan_.stack, set.id));
        ASSIGN_OR_RETURN(std::string status, follow.Settle(plan_.action_timeout));
        RETURN_IF_ERROR(Settled(plan_.stack, status, follow.FirstFailure()));
      }
    }
    // The members launched from the new template go too: the groups roll onto the old one.
    return RollOutOfDate(c_, plan_.roll, plan_.policy, r_);
  }

 private:
  core::Status Create(Follower& follow) {
    cloud::StackChange change{plan_.stack,
                              "",
                              plan_.template_body,
                              plan_.parameters,
                              plan_.tags,
                              plan_.capabilities,
                              plan_.termination_protection,
                              plan_.stack_policy};
    RETURN_IF_ERROR(Secretless("create the stack"));
    RETURN_IF_ERROR(c_.stacks.CreateStack(change).status());
    ASSIGN_OR_RETURN(std::string status, follow.Settle(plan_.action_timeout));
    return Settled(plan_.stack, status, follow.FirstFailure());
  }

  // A stack this operation created is not deleted by a rollback: it may hold data by now.
  core::Status UndoCreate() {
    auto s = c_.stacks.ReadSettings(plan_.stack);
    if (!s.ok() && s.status().code() == core::Code::kNotFound) return core::Status::Ok();
    if (!s.ok()) return s.status();
    if (s->status == "ROLLBACK_COMPLETE") return core::Status::Ok();  // nothing was created
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("stack {} was created by this operation and may hold data "
                                    "now; rotor does not delete it: 'aws cloudformation "
                                    "delete-stack --stack-name {}' does, if that is the intent",
                                    plan_.stack, plan_.stack));
  }

  // The plan's change set while it can still run, else a new one with the same content.
  core::Result<cloud::ChangeSet> ChangeSetToRun() {
    if (!plan_.change_set.empty()) {
      auto set = c_.stacks.ReadChange(plan_.stack, plan_.change_set);
      if (set.ok() && set->execution_status == "AVAILABLE") return *set;
      if (!set.ok() && set.status().code() != core::Code::kNotFound) return set.status();
    }
    RETURN_IF_ERROR(Secretless("make its change set again"));
    cloud::StackChange change{plan_.stack,
                              Fresh("again"),
                              plan_.template_body,
                              plan_.parameters,
                              plan_.tags,
                              plan_.capabilities,
                              false,
                              ""};
    ASSIGN_OR_RETURN(cloud::ChangeSet set, c_.stacks.PrepareChange(change));
    return WaitForChangeSet(c_.stacks, r_.clock, plan_.stack, set);
  }

  core::Status Secretless(const std::string& what) {
    if (plan_.secret_keys.empty()) return core::Status::Ok();
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("cannot {} of stack {}: the NoEcho parameter(s) {} were "
                                    "never journaled; run update-stack again with them",
                                    what, plan_.stack, core::Join(plan_.secret_keys, ", ")));
  }

  // A change set name no earlier attempt used: one that failed (or a crash left) stays in the
  // stack's list under its own name, and names are unique per stack.
  std::string Fresh(const std::string& why) {
    auto t = std::chrono::duration_cast<std::chrono::seconds>(r_.clock.Now().time_since_epoch());
    return fmt::format("rotor-{}-{}-{}", plan_.operation_id, why, t.count());
  }

  cloud::Cloud& c_;
  StackUpdatePlan plan_;
  RollingContext& r_;
};

std::vector<std::string> ParameterNotes(const StackUpdatePlan& plan,
                                        const std::vector<cloud::StackParameter>& previous,
                                        const std::vector<cloud::DeclaredParameter>& declared) {
  std::vector<std::string> out;
  for (const cloud::StackParameter& p : plan.parameters) {
    bool secret = false;
    for (const cloud::DeclaredParameter& d : declared) secret |= d.key == p.key && d.no_echo;
    const cloud::StackParameter* was = cloud::FindParameter(previous, p.key);
    std::string before = was ? (secret ? cloud::kMasked : was->value) : "(none)";
    if (p.use_previous) {
      out.push_back(fmt::format("parameter {}: {} (kept)", p.key, before));
    } else if (secret) {
      out.push_back(
          fmt::format("parameter {}: {} (NoEcho: a new value is never shown or "
                      "journaled, and a rollback cannot restore the old one)",
                      p.key, cloud::kMasked));
    } else if (!was || was->value != p.value) {
      out.push_back(fmt::format("parameter {}: {} -> {}", p.key, before, p.value));
    } else {
      out.push_back(fmt::format("parameter {}: {} (same)", p.key, p.value));
    }
  }
  return out;
}

// Which of the stack's groups rotor rolls and which CloudFormation rolls itself.
core::Status SortGroups(cloud::Cloud& cloud, const std::vector<std::string>& self_rolling,
                        bool respawn, StackUpdatePlan& plan) {
  ASSIGN_OR_RETURN(cloud::Stack stack, cloud.stacks.DescribeStack(plan.stack));
  for (size_t i = 0; i < stack.group_names.size(); ++i) {
    std::string logical = i < stack.group_logical_ids.size() ? stack.group_logical_ids[i] : "";
    if (Contains(self_rolling, logical)) {
      plan.left.push_back(stack.group_names[i]);
    } else if (respawn) {
      plan.roll.push_back(stack.group_names[i]);
    }
  }
  return core::Status::Ok();
}

}  // namespace

core::Result<std::vector<cloud::StackParameter>> ResolveParameters(
    const std::string& stack, const std::vector<cloud::DeclaredParameter>& declared,
    const std::vector<cloud::StackParameter>& previous, const Pairs& given) {
  std::vector<std::string> keys;
  for (const cloud::DeclaredParameter& d : declared) keys.push_back(d.key);
  for (const auto& [key, value] : given) {
    if (!Contains(keys, key)) {
      return core::InvalidArgument(fmt::format(
          "parameter '{}' is not declared by the template of stack {} (it declares: {})", key,
          stack, keys.empty() ? "no parameters" : core::Join(keys, ", ")));
    }
  }
  std::vector<cloud::StackParameter> out;
  for (const cloud::DeclaredParameter& d : declared) {
    auto it = std::find_if(given.rbegin(), given.rend(),
                           [&](const auto& kv) { return kv.first == d.key; });
    if (it != given.rend()) {
      out.push_back({d.key, it->second, false});
    } else if (cloud::FindParameter(previous, d.key)) {
      out.push_back({d.key, "", true});
    } else if (!d.default_value) {
      return core::InvalidArgument(
          fmt::format("parameter '{}' of stack {} has no value and no default: give {}=VALUE",
                      d.key, stack, d.key));
    }
  }
  return out;
}

core::Result<StackUpdatePlan> PlanStackUpdate(cloud::Cloud& cloud, core::Clock& clock,
                                              const StackUpdateRequest& request,
                                              const rollout::Policy& policy,
                                              const std::string& operation_id) {
  StackUpdatePlan plan;
  plan.operation_id = operation_id;
  plan.stack = request.stack;
  plan.template_body = request.template_body;
  plan.tags = request.tags;
  plan.policy = policy;
  plan.action_timeout = request.action_timeout;
  plan.termination_protection = request.termination_protection;
  plan.stack_policy = request.stack_policy;
  cloud::StackSettings settings;
  auto read = cloud.stacks.ReadSettings(request.stack);
  if (!read.ok() && read.status().code() != core::Code::kNotFound) return read.status();
  plan.create = !read.ok();
  if (plan.create && request.template_body.empty()) {
    return core::InvalidArgument(
        fmt::format("stack {} does not exist: give --template FILE to create it", request.stack));
  }
  if (!plan.create) {
    settings = *read;
    RETURN_IF_ERROR(Unchangeable(request.stack, settings.status));
    plan.basis = settings;
  }
  std::string body = plan.create || !request.template_body.empty() ? request.template_body
                                                                   : settings.template_body;
  // Checked here first: the service's own refusal is the same, but not every endpoint that
  // speaks CloudFormation gives one (moto answers a template it cannot parse with a 500).
  auto facts = cloud::ReadTemplate(body);
  auto summary = facts.ok() ? cloud.stacks.Summarize(body)
                            : core::Result<cloud::TemplateSummary>(facts.status());
  if (!summary.ok()) {
    return core::Status(summary.status().code(),
                        fmt::format("template {}: {}",
                                    request.template_file.empty() ? "of stack " + request.stack
                                                                  : request.template_file,
                                    summary.status().message()));
  }
  ASSIGN_OR_RETURN(plan.parameters, ResolveParameters(request.stack, summary->parameters,
                                                      settings.parameters, request.set));
  for (const cloud::DeclaredParameter& d : summary->parameters) {
    bool given = std::any_of(request.set.begin(), request.set.end(),
                             [&](const auto& kv) { return kv.first == d.key; });
    if (d.no_echo && given) plan.secret_keys.push_back(d.key);
    if (d.no_echo) plan.no_echo.push_back(d.key);
  }
  for (const std::string& k : NoEchoKeys(settings.template_body)) {
    if (!Contains(plan.no_echo, k)) plan.no_echo.push_back(k);
  }
  // What the service says the template needs, and what its resources plainly need even where
  // the service does not say so: never fewer than the template's own IAM resources and macros.
  for (const std::string& c : facts->summary.capabilities) {
    if (!Contains(summary->capabilities, c)) summary->capabilities.push_back(c);
  }
  std::vector<std::string> missing;
  for (const std::string& c : summary->capabilities) {
    if (!Contains(request.capabilities, c)) missing.push_back(c);
  }
  std::string needs = fmt::format(
      "the template of stack {} needs {}{}", request.stack, core::Join(missing, ", "),
      summary->capabilities_reason.empty() ? "" : " (" + summary->capabilities_reason + ")");
  if (!missing.empty() &&
      !(request.accept_capabilities && request.accept_capabilities(needs + ": accept?"))) {
    return core::InvalidArgument(
        fmt::format("{}: accept with --capabilities {}", needs, core::Join(missing, ",")));
  }
  plan.capabilities = summary->capabilities;
  plan.notes = ParameterNotes(plan, settings.parameters, summary->parameters);
  plan.notes.push_back(request.template_body.empty() ? "template: the stack's current one"
                       : !plan.create && request.template_body == settings.template_body
                           ? "template: " + request.template_file + " (same as the stack's)"
                           : fmt::format("template: {} ({} bytes)", request.template_file,
                                         request.template_body.size()));
  if (plan.create) {
    plan.notes.push_back(fmt::format("stack {} does not exist: it will be created", plan.stack));
    if (plan.termination_protection) plan.notes.push_back("with termination protection on");
    if (!plan.stack_policy.empty()) plan.notes.push_back("with its stack policy");
    return plan;
  }
  plan.change_set_name = "rotor-" + operation_id;
  if (request.plan_number > 1) plan.change_set_name += fmt::format("-plan{}", request.plan_number);
  cloud::StackChange change{plan.stack,
                            plan.change_set_name,
                            plan.template_body == settings.template_body ? "" : plan.template_body,
                            plan.parameters,
                            plan.tags,
                            plan.capabilities,
                            false,
                            ""};
  // NoEcho values given go into this change set (the plan's parameters hold them in memory);
  // the journaled plan leaves them out, so this change set is the one that runs them.
  ASSIGN_OR_RETURN(cloud::ChangeSet set, cloud.stacks.PrepareChange(change));
  ASSIGN_OR_RETURN(set, WaitForChangeSet(cloud.stacks, clock, plan.stack, set));
  plan.change_set = set.id;
  plan.no_changes = set.no_changes;
  plan.changes = set.changes;
  RETURN_IF_ERROR(SortGroups(cloud, facts->self_rolling, request.respawn, plan));
  return plan;
}

std::vector<std::string> NoEchoKeys(const std::string& template_body) {
  std::vector<std::string> out;
  if (template_body.empty()) return out;
  auto facts = cloud::ReadTemplate(template_body);
  if (!facts.ok()) return out;
  for (const cloud::DeclaredParameter& d : facts->summary.parameters) {
    if (d.no_echo) out.push_back(d.key);
  }
  return out;
}

std::string DescribeChange(const cloud::ResourceChange& c) {
  std::string what =
      c.physical_id.empty() ? c.logical_id : fmt::format("{} ({})", c.logical_id, c.physical_id);
  std::string line = fmt::format("{} {} {}", c.action, c.type, what);
  if (!c.replacement.empty()) line += ", replacement " + c.replacement;
  if (!c.causes.empty()) line += ": " + core::Join(c.causes, ", ");
  return line;
}

std::vector<std::string> DescribeStackUpdate(const StackUpdatePlan& plan) {
  std::vector<std::string> out = plan.notes;
  if (!plan.create) {
    if (plan.no_changes) {
      out.push_back("CloudFormation finds nothing to change in the stack");
    } else {
      out.push_back(fmt::format("change set {}: {} resource change{}", plan.change_set_name,
                                plan.changes.size(), plan.changes.size() == 1 ? "" : "s"));
    }
  }
  for (const cloud::ResourceChange& c : plan.changes) out.push_back("  " + DescribeChange(c));
  if (!plan.roll.empty()) {
    out.push_back(
        fmt::format("then replace the out-of-date members of {} ({} strategy, on "
                    "failure {})",
                    core::Join(plan.roll, ", "), rollout::StrategyName(plan.policy.strategy),
                    rollout::OnFailureName(plan.policy.on_failure)));
  }
  for (const std::string& g : plan.left) {
    out.push_back(
        fmt::format("{}: its UpdatePolicy has CloudFormation replace its members; "
                    "rotor leaves it alone",
                    g));
  }
  return out;
}

std::string StackUpdatePlanToJson(const StackUpdatePlan& p) {
  json changes = json::array();
  for (const cloud::ResourceChange& c : p.changes) {
    changes.push_back({{"action", c.action},
                       {"logical_id", c.logical_id},
                       {"physical_id", c.physical_id},
                       {"type", c.type},
                       {"replacement", c.replacement},
                       {"causes", c.causes}});
  }
  return json{{"operation_id", p.operation_id},
              {"stack", p.stack},
              {"create", p.create},
              {"template_body", p.template_body},
              {"parameters", ParamsToJson(p.parameters, p.secret_keys)},
              {"secret_keys", p.secret_keys},
              {"tags", PairsToJson(p.tags)},
              {"capabilities", p.capabilities},
              {"termination_protection", p.termination_protection},
              {"stack_policy", p.stack_policy},
              {"change_set", p.change_set},
              {"change_set_name", p.change_set_name},
              {"no_changes", p.no_changes},
              {"changes", changes},
              {"roll", p.roll},
              {"left", p.left},
              {"notes", p.notes},
              {"policy", json::parse(rollout::PolicyToJson(p.policy))},
              {"action_timeout_s",
               std::chrono::duration_cast<std::chrono::seconds>(p.action_timeout).count()}}
      .dump();
}

core::Result<StackUpdatePlan> StackUpdatePlanFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("stack") || !j.contains("policy")) {
    return core::InvalidArgument("the journaled update-stack plan cannot be read");
  }
  StackUpdatePlan p;
  try {
    p.operation_id = j.value("operation_id", "");
    p.stack = j.value("stack", "");
    p.create = j.value("create", false);
    p.template_body = j.value("template_body", "");
    p.parameters = ParamsFromJson(j["parameters"]);
    p.secret_keys = j.value("secret_keys", std::vector<std::string>{});
    p.tags = PairsFromJson(j["tags"]);
    p.capabilities = j.value("capabilities", std::vector<std::string>{});
    p.termination_protection = j.value("termination_protection", false);
    p.stack_policy = j.value("stack_policy", "");
    p.change_set = j.value("change_set", "");
    p.change_set_name = j.value("change_set_name", "rotor-" + p.operation_id);  // older plans
    p.no_changes = j.value("no_changes", false);
    for (const json& c : j["changes"]) {
      p.changes.push_back({c.value("action", ""), c.value("logical_id", ""),
                           c.value("physical_id", ""), c.value("type", ""),
                           c.value("replacement", ""),
                           c.value("causes", std::vector<std::string>{})});
    }
    p.roll = j.value("roll", std::vector<std::string>{});
    p.left = j.value("left", std::vector<std::string>{});
    p.notes = j.value("notes", std::vector<std::string>{});
    p.action_timeout = std::chrono::seconds(j.value("action_timeout_s", 1800));
  } catch (const json::exception& e) {
    return core::InvalidArgument(
        fmt::format("the journaled update-stack plan cannot be read: {}", e.what()));
  }
  ASSIGN_OR_RETURN(p.policy, rollout::PolicyFromJson(j["policy"].dump()));
  return p;
}

std::vector<std::unique_ptr<runbook::Step>> StackUpdateSteps(cloud::Cloud& cloud,
                                                             const StackUpdatePlan& plan,
                                                             RollingContext& rolling) {
  std::vector<std::unique_ptr<runbook::Step>> steps;
  steps.push_back(std::make_unique<StackStep>(cloud, plan, rolling));
  if (!plan.roll.empty()) {
    steps.push_back(RollGroupsStep(cloud, plan.roll, plan.policy, rolling, /*point_back=*/false));
  }
  return steps;
}

}  // namespace rotor::ops
