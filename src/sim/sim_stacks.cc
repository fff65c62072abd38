// SimStacks: CloudFormation's API on the world's stacks — descriptions, templates, parameters
// resolved as CloudFormation resolves them, change sets, events, creation and cancel. What an
// executed change set then does over `update_time` is the world's (world_stacks.cc).
#include "sim/sim_stacks.h"

#include <fmt/format.h>

#include <algorithm>

#include "cloud/template.h"
#include "core/strings.h"
#include "sim/world.h"

namespace rotor::sim {
namespace {

constexpr char kNoChanges[] =
    "The submitted information didn't contain changes. Submit different information to create "
    "a change set.";

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

core::Result<cloud::Stack> SimStacks::DescribeStack(const std::string& name) {
  RETURN_IF_ERROR(world_.Api(kCfn, "DescribeStacks", false));
  ASSIGN_OR_RETURN(SimStack * s, world_.ExistingStack(name));
  RETURN_IF_ERROR(world_.Api(kCfn, "ListStackResources", false));
  cloud::Stack out{s->spec.name, s->status, s->created, {}, {}, s->reason};
  for (const GroupSpec& g : s->spec.groups) {
    out.group_names.push_back(g.name);
    out.group_logical_ids.push_back(LogicalId(g.name));
  }
  return out;
}

core::Result<cloud::StackSettings> SimStacks::ReadSettings(const std::string& name) {
  RETURN_IF_ERROR(world_.Api(kCfn, "DescribeStacks", false));
  ASSIGN_OR_RETURN(SimStack * s, world_.ExistingStack(name));
  RETURN_IF_ERROR(world_.Api(kCfn, "GetTemplate", false));
  cloud::StackSettings out;
  out.id = s->id;
  out.status = s->status;
  out.template_body = s->template_body;
  out.parameters = s->params;
  out.tags = s->tags;
  out.capabilities = s->capabilities;
  out.termination_protection = s->termination_protection;
  for (cloud::StackParameter& p : out.parameters) {
    const auto& masked = s->spec.no_echo;
    if (std::find(masked.begin(), masked.end(), p.key) != masked.end()) p.value = cloud::kMasked;
  }
  return out;
}

core::Result<cloud::TemplateSummary> SimStacks::Summarize(const std::string& template_body) {
  RETURN_IF_ERROR(world_.Api(kCfn, "GetTemplateSummary", false));
  ASSIGN_OR_RETURN(cloud::TemplateFacts facts, cloud::ReadTemplate(template_body));
  return facts.summary;
}

core::Result<cloud::ChangeSet> SimStacks::PrepareChange(const cloud::StackChange& change) {
  RETURN_IF_ERROR(world_.Api(kCfn, "CreateChangeSet", true));
  ASSIGN_OR_RETURN(SimStack * s, world_.ExistingStack(change.stack));
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
    ASSIGN_OR_RETURN(int gi, world_.GroupIndex(g.name));
    const Grp& grp = *world_.groups_[gi];
    if (g.uses_template()) {
      p.set.changes.push_back({"Modify",
                               LogicalId(g.name) + "LaunchTemplate",
                               world_.templates_[grp.tmpl]->id,
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
  p.set.id = fmt::format("arn:aws:cloudformation:{}:123456789012:changeSet/{}/{:08x}",
                         world_.region_, change.name, ++s->change_sets_made);
  p.set.status = same ? "FAILED" : "CREATE_COMPLETE";
  p.set.execution_status = same ? "UNAVAILABLE" : "AVAILABLE";
  p.set.no_changes = same;
  if (same) p.set.reason = kNoChanges;
  cloud::ChangeSet out = p.set;
  s->change_sets[out.id] = std::move(p);
  return out;
}

core::Result<cloud::ChangeSet> SimStacks::ReadChange(const std::string& stack,
                                                     const std::string& id) {
  RETURN_IF_ERROR(world_.Api(kCfn, "DescribeChangeSet", false));
  ASSIGN_OR_RETURN(SimStack * s, world_.ExistingStack(stack));
  auto it = s->change_sets.find(id);
  if (it == s->change_sets.end()) {
    return core::NotFound(fmt::format("ChangeSet [{}] does not exist", id))
        .set_aws_code("ChangeSetNotFound");
  }
  return it->second.set;
}

core::Status SimStacks::DropChange(const std::string& stack, const std::string& id) {
  RETURN_IF_ERROR(world_.Api(kCfn, "DeleteChangeSet", true));
  ASSIGN_OR_RETURN(SimStack * s, world_.ExistingStack(stack));
  s->change_sets.erase(id);
  return core::Status::Ok();
}

core::Status SimStacks::ApplyChange(const std::string& stack, const std::string& id) {
  RETURN_IF_ERROR(world_.Api(kCfn, "ExecuteChangeSet", true));
  ASSIGN_OR_RETURN(SimStack * s, world_.ExistingStack(stack));
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
  world_.StackEvent(*s, s->spec.name, "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS",
                    "User Initiated");
  int gen = ++s->generation;
  core::Duration half = s->spec.update_time / 2;
  world_.queue_.At(world_.clock_.Now() + half, [this, s, gen] {
    if (gen != s->generation || !s->executing) return;
    for (const cloud::ResourceChange& c : s->executing->set.changes) {
      world_.StackEvent(*s, c.logical_id, c.type, "UPDATE_IN_PROGRESS");
    }
  });
  world_.queue_.At(world_.clock_.Now() + s->spec.update_time,
                   [this, s, gen] { world_.FinishUpdate(*s, gen); });
  return core::Status::Ok();
}

core::Result<std::string> SimStacks::CreateStack(const cloud::StackChange& change) {
  RETURN_IF_ERROR(world_.Api(kCfn, "CreateStack", true));
  if (world_.FindStack(change.stack)) {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("Stack [{}] already exists", change.stack))
        .set_aws_code("AlreadyExistsException");
  }
  ASSIGN_OR_RETURN(cloud::TemplateFacts facts, cloud::ReadTemplate(change.template_body));
  auto st = std::make_unique<SimStack>();
  ASSIGN_OR_RETURN(st->params, Resolve(nullptr, facts.summary, change.parameters));
  RETURN_IF_ERROR(CheckCapabilities(facts.summary, change.capabilities));
  st->spec.name = change.stack;
  st->id = fmt::format("arn:aws:cloudformation:{}:123456789012:stack/{}/{:08x}", world_.region_,
                       change.stack, world_.stacks_.size() + 1);
  st->created = world_.clock_.Now();
  st->template_body = change.template_body;
  if (change.tags) st->tags = *change.tags;
  st->capabilities = change.capabilities;
  st->termination_protection = change.termination_protection;
  st->policy = change.policy;
  SimStack* s = st.get();
  world_.stacks_.push_back(std::move(st));
  world_.StackEvent(*s, s->spec.name, "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS",
                    "User Initiated");
  int gen = ++s->generation;
  world_.queue_.At(world_.clock_.Now() + s->spec.update_time, [this, s, gen] {
    if (gen == s->generation)
      world_.StackEvent(*s, s->spec.name, "AWS::CloudFormation::Stack", "CREATE_COMPLETE");
  });
  return s->id;
}

core::Result<std::vector<cloud::StackEvent>> SimStacks::Events(const std::string& stack,
                                                               const std::string& after_id) {
  RETURN_IF_ERROR(world_.Api(kCfn, "DescribeStackEvents", false));
  ASSIGN_OR_RETURN(SimStack * s, world_.ExistingStack(stack));
  size_t from = s->events.size() > 100 ? s->events.size() - 100 : 0;
  for (size_t i = 0; i < s->events.size(); ++i) {
    if (s->events[i].id == after_id) from = i + 1;
  }
  // Newest first, 100 a page: a long gap costs more pages.
  for (int p = Pages(s->events.size() - from, 100); p > 1; --p) {
    RETURN_IF_ERROR(world_.Api(kCfn, "DescribeStackEvents", false));
  }
  return std::vector<cloud::StackEvent>(s->events.begin() + from, s->events.end());
}

core::Result<std::string> SimStacks::ReadPolicy(const std::string& stack) {
  RETURN_IF_ERROR(world_.Api(kCfn, "GetStackPolicy", false));
  ASSIGN_OR_RETURN(SimStack * s, world_.ExistingStack(stack));
  return s->policy;
}

core::Status SimStacks::CancelUpdate(const std::string& stack) {
  RETURN_IF_ERROR(world_.Api(kCfn, "CancelUpdateStack", true));
  ASSIGN_OR_RETURN(SimStack * s, world_.ExistingStack(stack));
  if (s->status != "UPDATE_IN_PROGRESS") {
    return core::Status(core::Code::kFailedPrecondition,
                        "CancelUpdateStack cannot be called from current stack status")
        .set_aws_code("ValidationError");
  }
  int gen = ++s->generation;
  s->executing.reset();
  world_.StackEvent(*s, s->spec.name, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_IN_PROGRESS",
                    "Stack update cancelled");
  world_.queue_.At(world_.clock_.Now() + s->spec.update_time / 2,
                   [this, s, gen] { world_.FinishRollback(*s, gen, false); });
  return core::Status::Ok();
}

}  // namespace rotor::sim
