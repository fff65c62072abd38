// SimLaunchSpecs: template versions and launch configurations, each call costing what
// AwsCloud's would (EC2 for templates, Auto Scaling for configurations).
#include "sim/sim_launch_specs.h"

#include <fmt/format.h>

#include "sim/world.h"

namespace rotor::sim {
namespace {

core::Status Missing(const std::string& what) {
  return core::NotFound(what + " does not exist").set_aws_code("ValidationError");
}

}  // namespace

core::Result<Tmpl*> SimLaunchSpecs::TemplateById(const std::string& id) {
  for (auto& t : world_.templates_) {
    if (t->id == id) return t.get();
  }
  return Missing("launch template " + id);
}

core::Result<cloud::LaunchData> SimLaunchSpecs::ReadLaunchData(const cloud::LaunchSpec& spec) {
  if (spec.kind == cloud::LaunchSpec::Kind::kConfiguration) {
    RETURN_IF_ERROR(world_.Api(kAsg, "DescribeLaunchConfigurations", false));
    auto it = world_.configurations_.find(spec.configuration_name);
    if (it == world_.configurations_.end()) {
      return Missing("launch configuration " + spec.configuration_name);
    }
    return it->second;
  }
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeLaunchTemplateVersions", false));
  ASSIGN_OR_RETURN(Tmpl * t, TemplateById(spec.template_id));
  std::string v = spec.resolved_version.empty() ? spec.version : spec.resolved_version;
  size_t n = v == "$Latest"    ? t->versions.size()
             : v == "$Default" ? static_cast<size_t>(t->default_version)
                               : std::strtoul(v.c_str(), nullptr, 10);
  if (n < 1 || n > t->versions.size()) {
    return Missing(fmt::format("version {} of launch template {}", v, spec.template_id));
  }
  return t->versions[n - 1];
}

core::Result<std::string> SimLaunchSpecs::DefaultVersion(const std::string& template_id) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeLaunchTemplates", false));
  ASSIGN_OR_RETURN(Tmpl * t, TemplateById(template_id));
  return std::to_string(t->default_version);
}

core::Result<std::optional<std::string>> SimLaunchSpecs::FindVersion(
    const std::string& template_id, const std::string& description) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeLaunchTemplateVersions", false));
  ASSIGN_OR_RETURN(Tmpl * t, TemplateById(template_id));
  std::optional<std::string> found;
  for (const cloud::LaunchData& d : t->versions) {
    if (d.description == description) found = d.spec.version;
  }
  return found;
}

core::Result<std::string> SimLaunchSpecs::CreateVersion(const std::string& template_id,
                                                        const cloud::LaunchData& data,
                                                        const std::string& description) {
  RETURN_IF_ERROR(world_.Api(kEc2, "CreateLaunchTemplateVersion", true));
  ASSIGN_OR_RETURN(Tmpl * t, TemplateById(template_id));
  cloud::LaunchData d = data;
  d.spec.kind = cloud::LaunchSpec::Kind::kTemplate;
  d.spec.template_id = t->id;
  d.spec.template_name = t->name;
  d.spec.version = d.spec.resolved_version = std::to_string(t->versions.size() + 1);
  d.description = description;
  t->versions.push_back(d);
  world_.Trace("create_version", fmt::format("{} {} {}", t->id, d.spec.version, d.image_id));
  return d.spec.version;
}

core::Status SimLaunchSpecs::SetDefaultVersion(const std::string& template_id,
                                               const std::string& version) {
  RETURN_IF_ERROR(world_.Api(kEc2, "ModifyLaunchTemplate", true));
  ASSIGN_OR_RETURN(Tmpl * t, TemplateById(template_id));
  int n = std::atoi(version.c_str());
  if (n < 1 || n > static_cast<int>(t->versions.size())) {
    return Missing(fmt::format("version {} of launch template {}", version, template_id));
  }
  t->default_version = n;
  world_.Trace("set_default_version", fmt::format("{} {}", t->id, n));
  return core::Status::Ok();
}

core::Status SimLaunchSpecs::CreateConfiguration(const std::string& name,
                                                 const cloud::LaunchData& data) {
  RETURN_IF_ERROR(world_.Api(kAsg, "CreateLaunchConfiguration", true));
  if (world_.configurations_.count(name)) {
    return core::Status(core::Code::kFailedPrecondition,
                        "launch configuration " + name + " already exists")
        .set_aws_code("AlreadyExists");
  }
  cloud::LaunchData d = data;
  d.spec = {};
  d.spec.kind = cloud::LaunchSpec::Kind::kConfiguration;
  d.spec.configuration_name = name;
  d.description.clear();
  world_.configurations_[name] = d;
  world_.Trace("create_configuration", name + " " + d.image_id);
  return core::Status::Ok();
}

}  // namespace rotor::sim
