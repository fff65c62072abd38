// SimCloud's CloudFormation: stacks with parameters, change sets, events and updates that take
// `update_time`. An update that changes a parameter a launch spec's image comes from adds a
// template version (or a configuration) and points the group at it, as CloudFormation does
// with `!GetAtt LaunchTemplate.LatestVersionNumber`; `stack_update_failure` makes it fail at
// the first changed resource and roll back.
#include <fmt/format.h>

#include <cctype>

#include "cloud/template.h"
#include "core/strings.h"
#include "sim/sim_state.h"

namespace rotor::sim {
namespace {

constexpr char kNoChanges[] =
    "The submitted information didn't contain changes. Submit different information to create "
    "a change set.";

// A template's name for a group: its name without what logical ids may not hold.
std::string LogicalId(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

// The template a scenario stack stands for: its parameters and its groups.
std::string Synthesize(const StackSpec& s) {
  std::string out = fmt::format(
      "AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: {} (simulated)\n", s.name);
  if (!s.parameters.empty()) out += "Parameters:\n";
  for (const auto& [key, value] : s.parameters) {
    bool no_echo = std::find(s.no_echo.begin(), s.no_echo.end(), key) != s.no_echo.end();
    out += fmt::format("  {}:\n    Type: String\n{}", key, no_echo ? "    NoEcho: true\n" : "");
  }
  out += "Resources:\n";
  for (const GroupSpec& g : s.groups) {
    out += fmt::format("  {}:\n    Type: AWS::AutoScaling::AutoScalingGroup\n", LogicalId(g.name));
    if (g.cfn_rolls) {
      out += "    UpdatePolicy:\n      AutoScalingRollingUpdate: {MinInstancesInService: 1}\n";
    }
  }
  if (s.groups.empty()) out += "  Nothing:\n    Type: AWS::CloudFormation::WaitConditionHandle\n";
  return out;
}

core::Status Refused(const std::string& code, const std::string& message) {
  return core::InvalidArgument(message).set_aws_code(code);
}

// Every declared key with the value a change gives it, as CloudFormation resolves them: a given
// value, the previous one when asked, else the default; an undeclared key is refused.
core::Result<std::vector<cloud::StackParameter>> Resolve(
    const std::vector<cloud::StackParameter>* previous, const cloud::TemplateSummary& summary,
    const std::vector<cloud::StackParameter>& given) {
  for (const cloud::StackParameter& g : given) {
    bool declared = false;
    for (const cloud::DeclaredParameter& d : summary.parameters) declared |= d.key == g.key;
    if (!declared) {
      return Refused("ValidationError",
                     fmt::format("Parameters: [{}] do not exist in the template", g.key));
    }
  }
  std::vector<cloud::StackParameter> out;
  for (const cloud::DeclaredParameter& d : summary.parameters) {
    const cloud::StackParameter* g = cloud::FindParameter(given, d.key);
    const cloud::StackParameter* before =
        previous ? cloud::FindParameter(*previous, d.key) : nullptr;
    if (g && g->use_previous && !before) {
      return Refused("ValidationError",
                     fmt::format("Invalid input for parameter key {}. Cannot specify "
                                 "usePreviousValue as true for a parameter key not in the "
                                 "previous template",
                                 d.key));
    }
    if (g) {
      out.push_back({d.key, g->use_previous ? before->value : g->value, false});
    } else if (d.default_value) {
      out.push_back({d.key, *d.default_value, false});
    } else {
      return Refused("ValidationError", fmt::format("Parameters: [{}] must have values", d.key));
    }
  }
  return out;
}

core::Status CheckCapabilities(const cloud::TemplateSummary& summary,
                               const std::vector<std::string>& accepted) {
  std::vector<std::string> missing;
  for (const std::string& c : summary.capabilities) {
    if (std::find(accepted.begin(), accepted.end(), c) == accepted.end()) missing.push_back(c);
  }
  if (missing.empty()) return core::Status::Ok();
  return Refused("InsufficientCapabilitiesException",
                 fmt::format("Requires capabilities : [{}]", core::Join(missing, ",")));
}

}  // namespace

void SimCloud::BuildStacks(const Scenario& sc) {
  for (const StackSpec& spec : sc.stacks) {
    auto st = std::make_unique<SimStack>();
    st->spec = spec;
    st->id = fmt::format("arn:aws:cloudformation:{}:123456789012:stack/{}/{:08x}", region_,
                         spec.name, stacks_.size() + 1);
    st->created = start_ - std::chrono::hours(24 * 60);
    st->template_body = Synthesize(spec);
    for (const auto& [key, value] : spec.parameters) st->params.push_back({key, value, false});
    st->events.push_back({fmt::format("{}-0", spec.name), st->created, spec.name,
                          "AWS::CloudFormation::Stack", "CREATE_COMPLETE", ""});
    stacks_.push_back(std::move(st));
  }
}

SimCloud::SimStack* SimCloud::FindStack(const std::string& name) {
  for (auto& s : stacks_) {
    if (s->spec.name == name || s->id == name) return s.get();
  }
  return nullptr;
}

core::Result<SimCloud::SimStack*> SimCloud::ExistingStack(const std::string& name) {
  if (SimStack* s = FindStack(name)) return s;
  return core::NotFound(
             fmt::format("stack '{}' does not exist in region {}; 'rotor images' lists the "
                         "stacks running instances",
                         name, region_))
      .set_aws_code("ValidationError");
}

void SimCloud::StackEvent(SimStack& s, const std::string& logical, const std::string& type,
                          const std::string& status, const std::string& reason) {
  s.events.push_back({fmt::format("{}-{}", s.spec.name, s.events.size()), clock_.Now(), logical,
                      type, status, reason});
  if (logical == s.spec.name) {
    s.status = status;
    s.reason = reason;
  }
  Trace("stack_event", fmt::format("{} {} {}", s.spec.name, logical, status));
}

core::Result<cloud::Stack> SimCloud::DescribeStack(const std::string& name) {
  RETURN_IF_ERROR(Api(kCfn, "DescribeStacks", false));
  ASSIGN_OR_RETURN(SimStack * s, ExistingStack(name));
  RETURN_IF_ERROR(Api(kCfn, "ListStackResources", false));
  cloud::Stack out{s->spec.name, s->status, s->created, {}, {}, s->reason};
  for (const GroupSpec& g : s->spec.groups) {
    out.group_names.push_back(g.name);
    out.group_logical_ids.push_back(LogicalId(g.name));
  }
  return out;
}

core::Result<cloud::StackSettings> SimCloud::ReadSettings(const std::string& name) {
  RETURN_IF_ERROR(Api(kCfn, "DescribeStacks", false));
  ASSIGN_OR_RETURN(SimStack * s, ExistingStack(name));
  RETURN_IF_ERROR(Api(kCfn, "GetTemplate", false));
  cloud::StackSettings out{s->id, s->status, s->template_body, s->params, s->tags, s->capabilities};
  for (cloud::StackParameter& p : out.parameters) {
    const auto& masked = s->spec.no_echo;
    if (std::find(masked.begin(), masked.end(), p.key) != masked.end()) p.value = cloud::kMasked;
  }
  return out;
}

core::Result<cloud::TemplateSummary> SimCloud::Summarize(const std::string& template_body) {
  RETURN_IF_ERROR(Api(kCfn, "GetTemplateSummary", false));
  ASSIGN_OR_RETURN(cloud::TemplateFacts facts, cloud::ReadTemplate(template_body));
  return facts.summary;
}

core::Result<cloud::ChangeSet> SimCloud::PrepareChange(const cloud::StackChange& change) {
  RETURN_IF_ERROR(Api(kCfn, "CreateChangeSet", true));
  ASSIGN_OR_RETURN(SimStack * s, ExistingStack(change.stack));
  if (s->Busy() || s->status == "UPDATE_ROLLBACK_FAILED" || s->status == "ROLLBACK_COMPLETE") {
    return core::Status(
               core::Code::kFailedPrecondition,
               fmt::format("Stack:{} is in {} state and can not be updated.", s->id, s->status))
        .set_aws_code("ValidationError");
  }
  SimStack::Pending p;
  p.body = change.template_body.empty() ? s->template_body : change.template_body;
  ASSIGN_OR_RETURN(cloud::TemplateFacts facts, cloud::ReadTemplate(p.body));
  ASSIGN_OR_RETURN(p.params, Resolve(&s->params, facts.summary, change.parameters));
  RETURN_IF_ERROR(CheckCapabilities(facts.summary, change.capabilities));
  p.tags = change.tags;
  std::vector<std::string> changed;
  for (const cloud::StackParameter& n : p.params) {
    const cloud::StackParameter* before = cloud::FindParameter(s->params, n.key);
    if (!before || before->value != n.value) changed.push_back(n.key);
  }
  auto is_changed = [&](const std::string& param) {
    return !param.empty() && std::find(changed.begin(), changed.end(), param) != changed.end();
  };
  for (const GroupSpec& g : s->spec.groups) {
    std::string cause = (g.uses_template() ? g.template_params.back() : g.configuration_param);
    if (!is_changed(cause)) continue;
    cause += " (parameter)";
    ASSIGN_OR_RETURN(int gi, GroupIndex(g.name));
    const Grp& grp = *groups_[gi];
    if (g.uses_template()) {
      p.set.changes.push_back({"Modify",
                               LogicalId(g.name) + "LaunchTemplate",
                               templates_[grp.tmpl]->id,
                               "AWS::EC2::LaunchTemplate",
                               "False",
                               {cause}});
      p.set.changes.push_back({"Modify",
                               LogicalId(g.name),
                               g.name,
                               "AWS::AutoScaling::AutoScalingGroup",
                               "Conditional",
                               {"LaunchTemplate.LatestVersionNumber"}});
    } else {
      p.set.changes.push_back({"Modify",
                               LogicalId(g.name) + "LaunchConfiguration",
                               grp.configuration,
                               "AWS::AutoScaling::LaunchConfiguration",
                               "True",
                               {cause}});
      p.set.changes.push_back({"Modify",
                               LogicalId(g.name),
                               g.name,
                               "AWS::AutoScaling::AutoScalingGroup",
                               "False",
                               {"LaunchConfiguration (resource)"}});
    }
  }
  bool same = changed.empty() && p.body == s->template_body && (!p.tags || *p.tags == s->tags);
  p.set.id = fmt::format("arn:aws:cloudformation:{}:123456789012:changeSet/{}/{:08x}", region_,
                         change.name, ++s->change_sets_made);
  p.set.status = same ? "FAILED" : "CREATE_COMPLETE";
  p.set.execution_status = same ? "UNAVAILABLE" : "AVAILABLE";
  p.set.no_changes = same;
  if (same) p.set.reason = kNoChanges;
  cloud::ChangeSet out = p.set;
  s->change_sets[out.id] = std::move(p);
  return out;
}

core::Result<cloud::ChangeSet> SimCloud::ReadChange(const std::string& stack,
                                                    const std::string& id) {
  RETURN_IF_ERROR(Api(kCfn, "DescribeChangeSet", false));
  ASSIGN_OR_RETURN(SimStack * s, ExistingStack(stack));
  auto it = s->change_sets.find(id);
  if (it == s->change_sets.end()) {
    return core::NotFound(fmt::format("ChangeSet [{}] does not exist", id))
        .set_aws_code("ChangeSetNotFound");
  }
  return it->second.set;
}

core::Status SimCloud::DropChange(const std::string& stack, const std::string& id) {
  RETURN_IF_ERROR(Api(kCfn, "DeleteChangeSet", true));
  ASSIGN_OR_RETURN(SimStack * s, ExistingStack(stack));
  s->change_sets.erase(id);
  return core::Status::Ok();
}

core::Status SimCloud::ApplyChange(const std::string& stack, const std::string& id) {
  RETURN_IF_ERROR(Api(kCfn, "ExecuteChangeSet", true));
  ASSIGN_OR_RETURN(SimStack * s, ExistingStack(stack));
  auto it = s->change_sets.find(id);
  if (it == s->change_sets.end()) {
    return core::NotFound(fmt::format("ChangeSet [{}] does not exist", id))
        .set_aws_code("ChangeSetNotFound");
  }
  if (it->second.set.execution_status != "AVAILABLE" || s->Busy()) {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("ChangeSet [{}] cannot be executed in its current status of "
                                    "[{}]",
                                    id, it->second.set.status))
        .set_aws_code("InvalidChangeSetStatus");
  }
  s->executing = std::move(it->second);
  s->change_sets.clear();  // executing one change set deletes the stack's others
  StackEvent(*s, s->spec.name, "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS",
             "User Initiated");
  int gen = ++s->generation;
  core::Duration half = s->spec.update_time / 2;
  queue_.At(clock_.Now() + half, [this, s, gen] {
    if (gen != s->generation || !s->executing) return;
    for (const cloud::ResourceChange& c : s->executing->set.changes) {
      StackEvent(*s, c.logical_id, c.type, "UPDATE_IN_PROGRESS");
    }
  });
  queue_.At(clock_.Now() + s->spec.update_time, [this, s, gen] { FinishUpdate(*s, gen); });
  return core::Status::Ok();
}

bool SimCloud::UpdateFails(const SimStack& s) {
  for (const Fault& f : faults_) {
    if (f.kind == Fault::Kind::kStackUpdateFailure && f.stack == s.spec.name &&
        world_rng_.Uniform01() < f.probability) {
      return true;
    }
  }
  return false;
}

void SimCloud::FinishUpdate(SimStack& s, int gen) {
  if (gen != s.generation || !s.executing) return;
  SimStack::Pending p = std::move(*s.executing);
  s.executing.reset();
  if (UpdateFails(s)) {
    std::string failed = p.set.changes.empty() ? s.spec.name : p.set.changes.front().logical_id;
    std::string type =
        p.set.changes.empty() ? "AWS::CloudFormation::Stack" : p.set.changes.front().type;
    StackEvent(s, failed, type, "UPDATE_FAILED",
               "Resource handler returned message: \"Instance failed to stabilize\" "
               "(simulated stack_update_failure)");
    StackEvent(s, s.spec.name, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_IN_PROGRESS",
               fmt::format("The following resource(s) failed to update: [{}].", failed));
    bool fails = false;
    for (const Fault& f : faults_) {
      fails |=
          f.kind == Fault::Kind::kStackUpdateFailure && f.stack == s.spec.name && f.rollback_fails;
    }
    queue_.At(clock_.Now() + s.spec.update_time / 2,
              [this, &s, gen, fails] { FinishRollback(s, gen, fails); });
    return;
  }
  std::vector<cloud::StackParameter> before = s.params;
  s.params = p.params;
  s.template_body = p.body;
  if (p.tags) s.tags = *p.tags;
  PointGroupsAtParameters(s, before);
  for (const cloud::ResourceChange& c : p.set.changes) {
    StackEvent(s, c.logical_id, c.type, "UPDATE_COMPLETE");
  }
  StackEvent(s, s.spec.name, "AWS::CloudFormation::Stack", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
  StackEvent(s, s.spec.name, "AWS::CloudFormation::Stack", "UPDATE_COMPLETE");
}

void SimCloud::FinishRollback(SimStack& s, int gen, bool fails) {
  if (gen != s.generation) return;
  if (fails) {
    StackEvent(s, s.spec.name, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_FAILED",
               "The following resource(s) failed to update: [" +
                   (s.spec.groups.empty() ? s.spec.name : LogicalId(s.spec.groups[0].name)) + "].");
    return;
  }
  StackEvent(s, s.spec.name, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE");
}

// What CloudFormation does to the resources an image parameter feeds: a new template version
// (the group pointed at it when it names a number), or a new configuration.
void SimCloud::PointGroupsAtParameters(SimStack& s,
                                       const std::vector<cloud::StackParameter>& before) {
  auto changed = [&](const std::string& key) -> const std::string* {
    const cloud::StackParameter* now = cloud::FindParameter(s.params, key);
    const cloud::StackParameter* was = cloud::FindParameter(before, key);
    if (key.empty() || !now || (was && was->value == now->value)) return nullptr;
    return &now->value;
  };
  for (const GroupSpec& spec : s.spec.groups) {
    auto gi = GroupIndex(spec.name);
    if (!gi.ok()) continue;
    Grp& g = *groups_[*gi];
    if (spec.uses_template()) {
      const std::string* image = changed(spec.template_params.back());
      if (!image) continue;
      Tmpl& t = *templates_[g.tmpl];
      cloud::LaunchData d = t.versions.back();
      d.image_id = *image;
      d.description.clear();
      d.spec.version = d.spec.resolved_version = std::to_string(t.versions.size() + 1);
      t.versions.push_back(d);
      if (g.version != "$Latest" && g.version != "$Default") g.version = d.spec.version;
      Trace("stack_update",
            fmt::format("{} {} version {} {}", spec.name, t.id, d.spec.version, *image));
    } else if (const std::string* image = changed(spec.configuration_param)) {
      cloud::LaunchData d = configurations_[g.configuration];
      std::string name = fmt::format("{}-{}", spec.configuration_name, s.generation);
      d.spec.configuration_name = name;
      d.image_id = *image;
      configurations_[name] = d;
      g.configuration = name;
      Trace("stack_update", fmt::format("{} {} {}", spec.name, name, *image));
    }
  }
}

core::Result<std::string> SimCloud::CreateStack(const cloud::StackChange& change) {
  RETURN_IF_ERROR(Api(kCfn, "CreateStack", true));
  if (FindStack(change.stack)) {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("Stack [{}] already exists", change.stack))
        .set_aws_code("AlreadyExistsException");
  }
  ASSIGN_OR_RETURN(cloud::TemplateFacts facts, cloud::ReadTemplate(change.template_body));
  auto st = std::make_unique<SimStack>();
  ASSIGN_OR_RETURN(st->params, Resolve(nullptr, facts.summary, change.parameters));
  RETURN_IF_ERROR(CheckCapabilities(facts.summary, change.capabilities));
  st->spec.name = change.stack;
  st->id = fmt::format("arn:aws:cloudformation:{}:123456789012:stack/{}/{:08x}", region_,
                       change.stack, stacks_.size() + 1);
  st->created = clock_.Now();
  st->template_body = change.template_body;
  if (change.tags) st->tags = *change.tags;
  st->capabilities = change.capabilities;
  SimStack* s = st.get();
  stacks_.push_back(std::move(st));
  StackEvent(*s, s->spec.name, "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS",
             "User Initiated");
  int gen = ++s->generation;
  queue_.At(clock_.Now() + s->spec.update_time, [this, s, gen] {
    if (gen == s->generation)
      StackEvent(*s, s->spec.name, "AWS::CloudFormation::Stack", "CREATE_COMPLETE");
  });
  return s->id;
}

core::Result<std::vector<cloud::StackEvent>> SimCloud::Events(const std::string& stack,
                                                              const std::string& after_id) {
  RETURN_IF_ERROR(Api(kCfn, "DescribeStackEvents", false));
  ASSIGN_OR_RETURN(SimStack * s, ExistingStack(stack));
  size_t from = s->events.size() > 100 ? s->events.size() - 100 : 0;
  for (size_t i = 0; i < s->events.size(); ++i) {
    if (s->events[i].id == after_id) from = i + 1;
  }
  // Newest first, 100 a page: a long gap costs more pages.
  for (int p = Pages(s->events.size() - from, 100); p > 1; --p) {
    RETURN_IF_ERROR(Api(kCfn, "DescribeStackEvents", false));
  }
  return std::vector<cloud::StackEvent>(s->events.begin() + from, s->events.end());
}

core::Status SimCloud::CancelUpdate(const std::string& stack) {
  RETURN_IF_ERROR(Api(kCfn, "CancelUpdateStack", true));
  ASSIGN_OR_RETURN(SimStack * s, ExistingStack(stack));
  if (s->status != "UPDATE_IN_PROGRESS") {
    return core::Status(core::Code::kFailedPrecondition,
                        "CancelUpdateStack cannot be called from current stack status")
        .set_aws_code("ValidationError");
  }
  int gen = ++s->generation;
  s->executing.reset();
  StackEvent(*s, s->spec.name, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_IN_PROGRESS",
             "Stack update cancelled");
  queue_.At(clock_.Now() + s->spec.update_time / 2,
            [this, s, gen] { FinishRollback(*s, gen, false); });
  return core::Status::Ok();
}

}  // namespace rotor::sim
