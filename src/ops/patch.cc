#include "ops/patch.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "ops/user_data.h"
#include "rollout/codec.h"

namespace rotor::ops {
namespace {

using nlohmann::json;
using Pointing = GroupPatch::Pointing;

std::string Stamp(core::Time now) {
  std::string iso = core::FormatIso8601(now);  // 2026-11-30T03:04:05Z
  std::string out;
  for (char c : iso) {
    if (c != '-' && c != ':' && c != 'Z') out += c;
  }
  return out;  // 20261130T030405
}

// Whether another group launches the template's default version.
core::Result<bool> DefaultShared(cloud::Cloud& cloud, const cloud::Group& g) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> all, cloud.groups.ListGroups({}));
  for (const cloud::Group& other : all) {
    if (other.name != g.name && other.spec.template_id == g.spec.template_id &&
        other.spec.version == "$Default") {
      return true;
    }
  }
  return false;
}

core::Status ApplyImage(cloud::Cloud& cloud, const ImageRequest& request, GroupPatch& p,
                        core::Time now) {
  ASSIGN_OR_RETURN(std::vector<cloud::Image> current,
                   cloud.images.DescribeImages({p.before.image_id}));
  cloud::Image cur = current.empty() ? cloud::Image{} : current.front();
  if (cloud::IsImageId(request.image)) {
    ASSIGN_OR_RETURN(std::vector<cloud::Image> given, cloud.images.DescribeImages({request.image}));
    ASSIGN_OR_RETURN(ImageChoice c, ChooseImage(request, cur, given, p.after.instance_type, now));
    p.after.image_id = c.image.id;
    p.image_why = fmt::format("{} ({}): {}", c.image.id, c.image.name, c.why);
    return core::Status::Ok();
  }
  cloud::ImageQuery query;
  query.name_glob = QueryGlob(request, cur);
  std::string owner = QueryOwner(request, cur);
  if (!owner.empty()) query.owners = {owner};
  ASSIGN_OR_RETURN(std::vector<cloud::Image> found, cloud.images.FindImages(query));
  auto c = ChooseImage(request, cur, found, p.after.instance_type, now);
  if (!c.ok()) return c.status().WithContext("group " + p.group);
  p.after.image_id = c->image.id;
  p.image_why = fmt::format("{} ({}): {}", c->image.id, c->image.name, c->why);
  return core::Status::Ok();
}

core::Result<GroupPatch> PlanGroup(cloud::Cloud& cloud, const cloud::Group& g,
                                   const PatchRequest& r, const std::string& op, core::Time now) {
  GroupPatch p;
  p.group = g.name;
  p.stack = g.stack_name;
  p.old_spec = g.spec;
  ASSIGN_OR_RETURN(p.before, cloud.launch_specs.ReadLaunchData(g.spec));
  p.after = p.before;
  if (!r.instance_type.empty()) p.after.instance_type = r.instance_type;
  if (r.image) RETURN_IF_ERROR(ApplyImage(cloud, *r.image, p, now));
  if (r.user_data) p.after.user_data = *r.user_data;
  if (!r.user_data_set.empty()) {
    ASSIGN_OR_RETURN(p.after.user_data, MergeUserData(p.after.user_data, r.user_data_set, g.name));
  }
  if (g.spec.kind == cloud::LaunchSpec::Kind::kConfiguration) {
    p.pointing = Pointing::kConfiguration;
    p.configuration_name = g.name + "-" + Stamp(now);
    return p;
  }
  p.version_description = fmt::format("rotor {} {}", op, g.name);
  if (g.spec.version == "$Latest") {
    p.pointing = Pointing::kFollowsLatest;
  } else if (g.spec.version == "$Default") {
    ASSIGN_OR_RETURN(bool shared, DefaultShared(cloud, g));
    p.pointing = shared ? Pointing::kNewNumber : Pointing::kMoveDefault;
  } else {
    p.pointing = Pointing::kNewNumber;
  }
  return p;
}

json DataJson(const cloud::LaunchData& d) {
  return {{"spec", rollout::SpecToJson(d.spec)},
          {"image_id", d.image_id},
          {"instance_type", d.instance_type},
          {"user_data", core::Base64Encode(d.user_data)},
          {"other", d.other},
          {"description", d.description}};
}
cloud::LaunchData DataFrom(const json& j) {
  cloud::LaunchData d;
  d.spec = rollout::SpecFrom(j.value("spec", json::object()));
  d.image_id = j.value("image_id", "");
  d.instance_type = j.value("instance_type", "");
  auto user_data = core::Base64Decode(j.value("user_data", ""));
  d.user_data = user_data.ok() ? *user_data : "";
  d.other = j.value("other", std::map<std::string, std::string>{});
  d.description = j.value("description", "");
  return d;
}

bool SameSpec(const cloud::LaunchSpec& a, const cloud::LaunchSpec& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == cloud::LaunchSpec::Kind::kConfiguration) {
    return a.configuration_name == b.configuration_name;
  }
  return a.template_id == b.template_id && a.version == b.version;
}

// --- Steps ---

// The version this operation made for the group, if it exists yet.
core::Result<std::optional<std::string>> MadeVersion(cloud::Cloud& c, const GroupPatch& p) {
  return c.launch_specs.FindVersion(p.old_spec.template_id, p.version_description);
}

class CreateVersion : public runbook::Step {
 public:
  CreateVersion(cloud::Cloud& c, GroupPatch p) : c_(c), p_(std::move(p)) {}
  std::string Describe() const override {
    return fmt::format(
        "create version of launch template {} from version {} for {}",
        p_.old_spec.template_name.empty() ? p_.old_spec.template_id : p_.old_spec.template_name,
        p_.before.spec.resolved_version, p_.group);
  }
  // A group on $Latest launches whatever is newest: undone by a newer version with the old data.
  runbook::Reversal reversal() const override {
    return p_.pointing == Pointing::kFollowsLatest ? runbook::Reversal::kReversible
                                                   : runbook::Reversal::kNothingToUndo;
  }
  core::Result<runbook::Check> Look() override {
    ASSIGN_OR_RETURN(auto made, MadeVersion(c_, p_));
    return made ? runbook::Check::Done() : runbook::Check::NotDone();
  }
  core::Status Do() override {
    return c_.launch_specs.CreateVersion(p_.old_spec.template_id, p_.after, p_.version_description)
        .status();
  }
  core::Status Undo(const std::string&) override {
    std::string again = p_.version_description + " rollback";
    ASSIGN_OR_RETURN(auto made, c_.launch_specs.FindVersion(p_.old_spec.template_id, again));
    if (made) return core::Status::Ok();
    return c_.launch_specs.CreateVersion(p_.old_spec.template_id, p_.before, again).status();
  }

 private:
  cloud::Cloud& c_;
  GroupPatch p_;
};

class CreateConfiguration : public runbook::Step {
 public:
  CreateConfiguration(cloud::Cloud& c, GroupPatch p) : c_(c), p_(std::move(p)) {}
  std::string Describe() const override {
    return fmt::format("create launch configuration {} (a copy of {}) for {}",
                       p_.configuration_name, p_.old_spec.configuration_name, p_.group);
  }
  runbook::Reversal reversal() const override { return runbook::Reversal::kNothingToUndo; }
  core::Result<runbook::Check> Look() override {
    cloud::LaunchSpec s = p_.old_spec;
    s.configuration_name = p_.configuration_name;
    auto there = c_.launch_specs.ReadLaunchData(s);
    if (there.ok()) return runbook::Check::Done();
    if (there.status().code() == core::Code::kNotFound) return runbook::Check::NotDone();
    return there.status();
  }
  core::Status Do() override {
    return c_.launch_specs.CreateConfiguration(p_.configuration_name, p_.after);
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  cloud::Cloud& c_;
  GroupPatch p_;
};

// Points the group at its new spec; undone by pointing it back at the old one.
class PointGroup : public runbook::Step {
 public:
  PointGroup(cloud::Cloud& c, GroupPatch p) : c_(c), p_(std::move(p)) {}
  std::string Describe() const override {
    return p_.pointing == Pointing::kConfiguration
               ? fmt::format("point {} at launch configuration {}", p_.group, p_.configuration_name)
               : fmt::format("point {} at the new version", p_.group);
  }
  core::Result<runbook::Check> Look() override {
    ASSIGN_OR_RETURN(cloud::LaunchSpec target, Target());
    ASSIGN_OR_RETURN(std::vector<cloud::Group> g, c_.groups.ListGroups({p_.group}));
    if (g.empty()) return runbook::Check::Blocked("group " + p_.group + " no longer exists");
    return SameSpec(g[0].spec, target) ? runbook::Check::Done() : runbook::Check::NotDone();
  }
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::LaunchSpec target, Target());
    return c_.group_changes.SetLaunchSpec(p_.group, target);
  }
  core::Status Undo(const std::string&) override {
    return c_.group_changes.SetLaunchSpec(p_.group, p_.old_spec);
  }

 private:
  core::Result<cloud::LaunchSpec> Target() {
    cloud::LaunchSpec s = p_.old_spec;
    if (p_.pointing == Pointing::kConfiguration) {
      s.configuration_name = p_.configuration_name;
      return s;
    }
    ASSIGN_OR_RETURN(auto made, MadeVersion(c_, p_));
    if (!made) return core::Status(core::Code::kFailedPrecondition, "the new version is missing");
    s.version = s.resolved_version = *made;
    return s;
  }

  cloud::Cloud& c_;
  GroupPatch p_;
};

// Makes the new version the template's default; undone by restoring the old default.
class MoveDefault : public runbook::Step {
 public:
  MoveDefault(cloud::Cloud& c, GroupPatch p) : c_(c), p_(std::move(p)) {}
  std::string Describe() const override {
    return fmt::format("make the new version the default of {} (only {} launches its default)",
                       p_.old_spec.template_name, p_.group);
  }
  core::Result<runbook::Check> Look() override {
    ASSIGN_OR_RETURN(auto made, MadeVersion(c_, p_));
    ASSIGN_OR_RETURN(std::string now, c_.launch_specs.DefaultVersion(p_.old_spec.template_id));
    return made && *made == now ? runbook::Check::Done() : runbook::Check::NotDone();
  }
  core::Result<std::string> Remember() override {
    return c_.launch_specs.DefaultVersion(p_.old_spec.template_id);
  }
  core::Status Do() override {
    ASSIGN_OR_RETURN(auto made, MadeVersion(c_, p_));
    if (!made) return core::Status(core::Code::kFailedPrecondition, "the new version is missing");
    return c_.launch_specs.SetDefaultVersion(p_.old_spec.template_id, *made);
  }
  core::Status Undo(const std::string& old_default) override {
    if (old_default.empty()) return core::Status::Ok();  // never acted
    return c_.launch_specs.SetDefaultVersion(p_.old_spec.template_id, old_default);
  }

 private:
  cloud::Cloud& c_;
  GroupPatch p_;
};

}  // namespace

core::Result<PatchPlan> PlanPatch(cloud::Cloud& cloud, const std::vector<std::string>& groups,
                                  const PatchRequest& request, const std::string& operation_id,
                                  core::Time now) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> observed, cloud.groups.ListGroups(groups));
  PatchPlan plan{operation_id, {}};
  for (const cloud::Group& g : observed) {
    if (g.spec.kind == cloud::LaunchSpec::Kind::kNone) {
      return core::InvalidArgument(fmt::format(
          "group {} launches from neither a launch template nor a launch configuration (mixed "
          "instances policy?): rotor cannot patch it",
          g.name));
    }
    ASSIGN_OR_RETURN(GroupPatch p, PlanGroup(cloud, g, request, operation_id, now));
    plan.groups.push_back(std::move(p));
  }
  return plan;
}

std::vector<std::string> DescribePatch(const GroupPatch& g) {
  std::vector<std::string> out;
  const char* how[] = {"new version of launch template (the group uses $Latest)",
                       "new version of launch template; the group is pointed at its number",
                       "new version of launch template, made its default",
                       "copy of the launch configuration"};
  out.push_back(fmt::format("{}: {}: {}", g.group, how[static_cast<int>(g.pointing)],
                            g.pointing == Pointing::kConfiguration
                                ? g.old_spec.configuration_name + " -> " + g.configuration_name
                                : g.old_spec.Describe() + " -> a new version"));
  if (!g.Changes()) out.push_back("  no change: the spec already launches this");
  if (g.before.image_id != g.after.image_id) {
    out.push_back(fmt::format("  ImageId: {} -> {}", g.before.image_id, g.after.image_id));
    out.push_back("    chosen: " + g.image_why);
  }
  if (g.before.instance_type != g.after.instance_type) {
    out.push_back(
        fmt::format("  InstanceType: {} -> {}", g.before.instance_type, g.after.instance_type));
  }
  if (g.before.user_data != g.after.user_data) {
    bool binary = IsGzip(g.before.user_data) || IsGzip(g.after.user_data);
    auto plain = [](const std::string& u) {
      if (!IsGzip(u)) return u;
      auto p = Gunzip(u);
      return p.ok() ? *p : std::string("(damaged gzip)");
    };
    std::string a = plain(g.before.user_data), b = plain(g.after.user_data);
    out.push_back(std::string("  UserData") + (binary ? " (gzip, shown uncompressed):" : ":"));
    for (const std::string& l : core::Split(UnifiedDiff(a, b), '\n')) {
      if (!l.empty()) out.push_back("    " + l);
    }
  }
  out.push_back(fmt::format("  every other field kept ({} of them)", g.before.other.size()));
  if (!g.stack.empty()) {
    out.push_back(fmt::format(
        "  warning: {} belongs to stack {}: its next CloudFormation update may undo this patch "
        "(`rotor update-stack` changes it without drift)",
        g.group, g.stack));
  }
  return out;
}

std::string PatchPlanToJson(const PatchPlan& plan) {
  json groups = json::array();
  for (const GroupPatch& g : plan.groups) {
    groups.push_back({{"group", g.group},
                      {"stack", g.stack},
                      {"old_spec", rollout::SpecToJson(g.old_spec)},
                      {"before", DataJson(g.before)},
                      {"after", DataJson(g.after)},
                      {"pointing", static_cast<int>(g.pointing)},
                      {"configuration", g.configuration_name},
                      {"description", g.version_description},
                      {"image_why", g.image_why}});
  }
  return json{{"operation", plan.operation_id}, {"groups", groups}}.dump();
}

core::Result<PatchPlan> PatchPlanFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("groups") || !j["groups"].is_array()) {
    return core::InvalidArgument("the journaled patch plan cannot be read");
  }
  PatchPlan plan{j.value("operation", ""), {}};
  for (const json& g : j["groups"]) {
    GroupPatch p;
    p.group = g.value("group", "");
    p.stack = g.value("stack", "");
    p.old_spec = rollout::SpecFrom(g.value("old_spec", json::object()));
    p.before = DataFrom(g.value("before", json::object()));
    p.after = DataFrom(g.value("after", json::object()));
    p.pointing = static_cast<Pointing>(g.value("pointing", 1));
    p.configuration_name = g.value("configuration", "");
    p.version_description = g.value("description", "");
    p.image_why = g.value("image_why", "");
    plan.groups.push_back(std::move(p));
  }
  return plan;
}

std::vector<std::unique_ptr<runbook::Step>> PatchSteps(cloud::Cloud& cloud, const PatchPlan& plan) {
  std::vector<std::unique_ptr<runbook::Step>> steps;
  for (const GroupPatch& g : plan.groups) {
    if (!g.Changes()) continue;
    switch (g.pointing) {
      case Pointing::kConfiguration:
        steps.push_back(std::make_unique<CreateConfiguration>(cloud, g));
        steps.push_back(std::make_unique<PointGroup>(cloud, g));
        break;
      case Pointing::kFollowsLatest:
        steps.push_back(std::make_unique<CreateVersion>(cloud, g));
        break;
      case Pointing::kNewNumber:
        steps.push_back(std::make_unique<CreateVersion>(cloud, g));
        steps.push_back(std::make_unique<PointGroup>(cloud, g));
        break;
      case Pointing::kMoveDefault:
        steps.push_back(std::make_unique<CreateVersion>(cloud, g));
        steps.push_back(std::make_unique<MoveDefault>(cloud, g));
        break;
    }
  }
  return steps;
}

}  // namespace rotor::ops
