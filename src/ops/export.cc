// export: a stack and what it owns, read into the files of an export tarball.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/strings.h"
#include "ops/export_import.h"

namespace rotor::ops {
namespace {

using nlohmann::json;

// JSON text as the files hold it: indented, one trailing newline.
std::string Text(const json& j) { return j.dump(2) + "\n"; }

json Pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  json out = json::object();
  for (const auto& [k, v] : pairs) out[k] = v;
  return out;
}

// The template's file name: JSON when it reads as JSON, else YAML.
std::string TemplateName(const std::string& body) {
  return json::accept(body) ? "template.json" : "template.yaml";
}

core::Result<json> StackJson(cloud::Cloud& cloud, const std::string& stack,
                             const std::string& region, const cloud::StackSettings& s,
                             Export& out) {
  ASSIGN_OR_RETURN(cloud::TemplateSummary summary, cloud.stacks.Summarize(s.template_body));
  std::set<std::string> no_echo;
  for (const cloud::DeclaredParameter& d : summary.parameters) {
    if (d.no_echo) no_echo.insert(d.key);
  }
  json params = json::array();
  for (const cloud::StackParameter& p : s.parameters) {
    if (no_echo.count(p.key) || p.value == cloud::kMasked) {
      params.push_back({{"key", p.key}, {"no_echo", true}});
      out.no_echo.push_back(p.key);
    } else {
      params.push_back({{"key", p.key}, {"value", p.value}});
    }
  }
  ASSIGN_OR_RETURN(std::string policy, cloud.stacks.ReadPolicy(stack));
  return json{{"name", stack},
              {"region", region},
              {"description", s.description},
              {"status", s.status},
              {"tags", Pairs(s.tags)},
              {"capabilities", s.capabilities},
              {"termination_protection", s.termination_protection},
              {"policy", policy},
              {"outputs", Pairs(s.outputs)},
              {"parameters", params},
              {"template", TemplateName(s.template_body)}};
}

json SpecJson(const cloud::LaunchSpec& spec) {
  if (spec.kind == cloud::LaunchSpec::Kind::kConfiguration) {
    return {{"configuration", spec.configuration_name}};
  }
  return {{"template_id", spec.template_id},
          {"template_name", spec.template_name},
          {"version", spec.version},
          {"resolved_version", spec.resolved_version}};
}

// User data as text when it is (cloud-init YAML, a script), else base64 (gzip-compressed).
json UserData(const std::string& data) {
  bool text = std::all_of(data.begin(), data.end(), [](char c) {
    auto b = static_cast<unsigned char>(c);
    return b >= 0x20 || c == '\n' || c == '\r' || c == '\t';
  });
  if (text) return {{"text", data}};
  return {{"base64", core::Base64Encode(data)}};
}

core::Result<json> GroupJson(cloud::Cloud& cloud, const cloud::Group& g,
                             const std::string& logical_id) {
  ASSIGN_OR_RETURN(cloud::Surroundings around, cloud.groups.DescribeSurroundings(g.name));
  json hooks = json::array();
  for (const cloud::LifecycleHook& h : around.hooks) {
    hooks.push_back(
        {{"name", h.name},
         {"transition", h.transition},
         {"heartbeat_timeout_s",
          std::chrono::duration_cast<std::chrono::seconds>(h.heartbeat_timeout).count()},
         {"default_result", h.default_result},
         {"notification_target", h.notification_target}});
  }
  json data = json::object();
  if (g.spec.kind != cloud::LaunchSpec::Kind::kNone) {
    ASSIGN_OR_RETURN(cloud::LaunchData d, cloud.launch_specs.ReadLaunchData(g.spec));
    data = {{"image", d.image_id},
            {"instance_type", d.instance_type},
            {"user_data", UserData(d.user_data)},
            {"other", d.other},
            {"description", d.description}};
  }
  return json{{"logical_id", logical_id},
              {"name", g.name},
              {"min", g.min_size},
              {"max", g.max_size},
              {"desired", g.desired},
              {"zones", g.zones},
              {"suspended_processes", g.suspended_processes},
              {"classic_elbs", g.classic_elbs},
              {"target_groups", g.target_groups},
              {"health_check_type", g.health_check_type},
              {"health_check_grace_s",
               std::chrono::duration_cast<std::chrono::seconds>(g.health_check_grace).count()},
              {"lifecycle_hooks", hooks},
              {"launch_spec", SpecJson(g.spec)},
              {"launch_data", data}};
}

// A group's file: its logical id (CloudFormation allows letters and digits only), else its
// place among the stack's groups.
std::string GroupFile(const std::string& logical_id, size_t index) {
  bool plain = !logical_id.empty() && logical_id.size() <= 80 &&
               std::all_of(logical_id.begin(), logical_id.end(),
                           [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
  return fmt::format("groups/{}.json", plain ? logical_id : std::to_string(index + 1));
}

core::Result<json> ImagesJson(cloud::Cloud& cloud, const std::vector<std::string>& ids,
                              Export& out) {
  json images = json::array();
  if (ids.empty()) return images;
  ASSIGN_OR_RETURN(std::vector<cloud::Image> found, cloud.images.DescribeImages(ids));
  for (const cloud::Image& i : found) {
    if (!i.created) {
      out.unread.push_back(fmt::format("image {}: no longer listed (deregistered?)", i.id));
      continue;
    }
    images.push_back({{"id", i.id},
                      {"name", i.name},
                      {"owner", i.owner_id},
                      {"architecture", i.architecture},
                      {"virtualization", i.virtualization},
                      {"created", core::FormatIso8601(*i.created)}});
    out.images.push_back(fmt::format("{} ({})", i.id, i.name));
  }
  return images;
}

}  // namespace

core::Result<Export> ExportStack(cloud::Cloud& cloud, const std::string& stack,
                                 const std::string& region) {
  Export out;
  ASSIGN_OR_RETURN(cloud::Stack described, cloud.stacks.DescribeStack(stack));
  ASSIGN_OR_RETURN(cloud::StackSettings settings, cloud.stacks.ReadSettings(stack));
  ASSIGN_OR_RETURN(json stack_json, StackJson(cloud, stack, region, settings, out));
  out.files[TemplateName(settings.template_body)] = settings.template_body;
  std::vector<cloud::Group> groups;
  if (!described.group_names.empty()) {
    ASSIGN_OR_RETURN(groups, cloud.groups.ObserveGroups(described.group_names));
  }
  std::set<std::string> images;
  for (size_t i = 0; i < described.group_names.size(); ++i) {
    const std::string& name = described.group_names[i];
    auto g = std::find_if(groups.begin(), groups.end(),
                          [&](const cloud::Group& x) { return x.name == name; });
    if (g == groups.end()) {
      out.unread.push_back(fmt::format("group {}: not listed by Auto Scaling", name));
      continue;
    }
    std::string logical =
        i < described.group_logical_ids.size() ? described.group_logical_ids[i] : "";
    ASSIGN_OR_RETURN(json gj, GroupJson(cloud, *g, logical));
    if (!gj["launch_data"].empty()) images.insert(gj["launch_data"]["image"].get<std::string>());
    out.files[GroupFile(logical, i)] = Text(gj);
    out.groups.push_back(name);
  }
  images.erase("");
  ASSIGN_OR_RETURN(json image_json,
                   ImagesJson(cloud, std::vector<std::string>(images.begin(), images.end()), out));
  out.files["stack.json"] = Text(stack_json);
  out.files["images.json"] = Text(image_json);
  return out;
}

}  // namespace rotor::ops
