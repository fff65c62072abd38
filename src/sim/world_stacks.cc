// The world's CloudFormation: the scenario's stacks, their events, and updates that take
// `update_time` once a change set is executed (sim_stacks.cc). An update that changes a parameter
// a launch spec's image comes from adds a template version (or a configuration) and points the
// group at it, as CloudFormation does with `!GetAtt LaunchTemplate.LatestVersionNumber`;
// `stack_update_failure` makes it fail at the first changed resource and roll back.
#include <fmt/format.h>

#include <cctype>

#include "sim/world.h"

namespace rotor::sim {
namespace {

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

}  // namespace

std::string LogicalId(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

void World::BuildStacks(const Scenario& sc) {
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

SimStack* World::FindStack(const std::string& name) {
  for (auto& s : stacks_) {
    if (s->spec.name == name || s->id == name) return s.get();
  }
  return nullptr;
}

core::Result<SimStack*> World::ExistingStack(const std::string& name) {
  if (SimStack* s = FindStack(name)) return s;
  return core::NotFound(
             fmt::format("stack '{}' does not exist in region {}; 'rotor images' lists the "
                         "stacks running instances",
                         name, region_))
      .set_aws_code("ValidationError");
}

void World::StackEvent(SimStack& s, const std::string& logical, const std::string& type,
                       const std::string& status, const std::string& reason) {
  s.events.push_back({fmt::format("{}-{}", s.spec.name, s.events.size()), clock_.Now(), logical,
                      type, status, reason});
  if (logical == s.spec.name) {
    s.status = status;
    s.reason = reason;
  }
  Trace("stack_event", fmt::format("{} {} {}", s.spec.name, logical, status));
}

bool World::UpdateFails(const SimStack& s) {
  for (const Fault& f : faults_) {
    if (f.kind == Fault::Kind::kStackUpdateFailure && f.stack == s.spec.name &&
        world_rng_.Uniform01() < f.probability) {
      return true;
    }
  }
  return false;
}

void World::FinishUpdate(SimStack& s, int gen) {
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

void World::FinishRollback(SimStack& s, int gen, bool fails) {
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
void World::PointGroupsAtParameters(SimStack& s, const std::vector<cloud::StackParameter>& before) {
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

}  // namespace rotor::sim
