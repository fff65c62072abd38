// import: an exported stack's files read back, its NoEcho parameters asked for, its images
// mapped to this region's, as the request that creates it.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/strings.h"
#include "ops/export_import.h"

namespace rotor::ops {
namespace {

using nlohmann::json;

core::Status NotAnExport(const std::string& source, const std::string& why) {
  return core::InvalidArgument(
      fmt::format("{}: {}: not a stack exported by rotor export", source, why));
}

core::Result<json> JsonFile(const Bundle& b, const std::string& name, const std::string& source) {
  auto it = b.files.find(name);
  if (it == b.files.end()) return NotAnExport(source, "it has no " + name);
  json j = json::parse(it->second, nullptr, false);
  if (j.is_discarded()) return NotAnExport(source, name + " is not JSON");
  return j;
}

std::string Str(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// Every occurrence of image id `from` in `text` as a whole word, replaced by `to`.
std::string ReplaceId(std::string text, const std::string& from, const std::string& to) {
  size_t at = 0;
  while ((at = text.find(from, at)) != std::string::npos) {
    size_t end = at + from.size();
    bool word = end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (word) {
      text.replace(at, from.size(), to);
      at += to.size();
    } else {
      at = end;
    }
  }
  return text;
}

// The image here that takes `old`'s place, or why there is none.
core::Result<std::optional<ImageMapping>> MapImage(cloud::Images& images, const json& old,
                                                   const ImportRequest& r) {
  ImageMapping m{Str(old, "id"), Str(old, "name"), "", ""};
  for (const auto& [from, to] : r.images) {
    if (from != m.old_id) continue;
    ASSIGN_OR_RETURN(std::vector<cloud::Image> found, images.DescribeImages({to}));
    if (found.empty() || found[0].state != "available") {
      return core::NotFound(
          fmt::format("--image {}={}: {} is not an available image here", from, to, to));
    }
    m.new_id = to;
    m.how = "--image";
    return std::optional<ImageMapping>(m);
  }
  auto same = images.DescribeImages({m.old_id});
  if (same.ok() && !same->empty() && (*same)[0].state == "available") {
    m.new_id = m.old_id;
    m.how = "the same image";
    return std::optional<ImageMapping>(m);
  }
  cloud::ImageQuery q;
  q.name_glob = m.name;
  std::string owner = Str(old, "owner");
  q.owners =
      owner.empty() ? std::vector<std::string>{"self"} : std::vector<std::string>{owner, "self"};
  ASSIGN_OR_RETURN(std::vector<cloud::Image> named, images.FindImages(q));
  std::erase_if(named, [&](const cloud::Image& i) { return i.name != m.name || !i.created; });
  if (m.name.empty() || named.empty()) return std::optional<ImageMapping>();
  auto newest = std::max_element(named.begin(), named.end(), [](const auto& a, const auto& b) {
    return *a.created < *b.created;
  });
  m.new_id = newest->id;
  m.how = fmt::format("the newest named {} (created {})", m.name,
                      core::FormatIso8601(*newest->created));
  return std::optional<ImageMapping>(m);
}

core::Status MapImages(cloud::Images& images, const json& exported, const ImportRequest& r,
                       const std::string& source, ImportPlan& p) {
  std::set<std::string> known;
  std::vector<std::string> missing;
  for (const json& old : exported.is_array() ? exported : json::array()) {
    known.insert(Str(old, "id"));
    ASSIGN_OR_RETURN(auto m, MapImage(images, old, r));
    if (!m) {
      missing.push_back(fmt::format("{} ({})", Str(old, "id"), Str(old, "name")));
      continue;
    }
    p.images.push_back(*m);
  }
  for (const auto& [from, to] : r.images) {
    if (!known.count(from)) {
      return core::InvalidArgument(fmt::format("--image {}={}: {} is not among the images {} names",
                                               from, to, from, source));
    }
  }
  if (missing.empty()) return core::Status::Ok();
  return core::InvalidArgument(fmt::format(
      "no image here for {}: copy each here (aws ec2 copy-image) or give --image OLD=NEW",
      core::Join(missing, ", ")));
}

bool Bool(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_boolean() && j[key].get<bool>();
}

// The exported values, then those given (which win); a NoEcho one must be given.
core::Status Parameters(const json& stack, const ImportRequest& r, ImportPlan& p) {
  std::map<std::string, std::string> given(r.set.begin(), r.set.end());
  std::vector<std::string> unset;
  const json params = stack.contains("parameters") && stack["parameters"].is_array()
                          ? stack["parameters"]
                          : json::array();
  for (const json& e : params) {
    std::string key = Str(e, "key");
    if (Bool(e, "no_echo")) {
      p.secret_keys.push_back(key);
      if (!given.count(key)) unset.push_back(key);
    } else if (!given.count(key)) {
      p.parameters.emplace_back(key, Str(e, "value"));
    }
  }
  if (!unset.empty()) {
    return core::InvalidArgument(
        fmt::format("the export leaves out the NoEcho parameters {}: give each as KEY=VALUE",
                    core::Join(unset, ", ")));
  }
  for (const auto& kv : r.set) p.parameters.push_back(kv);
  return core::Status::Ok();
}

int Int(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number_integer() ? j[key].get<int>() : 0;
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.is_object() || !j.contains(key) || !j[key].is_array()) return out;
  for (const json& e : j[key]) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The exported groups' files, by logical id.
std::map<std::string, json> ExportedGroups(const Bundle& bundle) {
  std::map<std::string, json> out;
  for (const auto& [name, text] : bundle.files) {
    if (!name.starts_with("groups/")) continue;
    json g = json::parse(text, nullptr, false);
    if (g.is_object()) out[Str(g, "logical_id")] = g;
  }
  return out;
}

// One group's differences, each line naming it.
struct Differences {
  std::string group;
  std::vector<std::string>& lines;
  void Add(const std::string& what) { lines.push_back(fmt::format("group {}: {}", group, what)); }
};

void CompareSettings(const json& old, const cloud::Group& g, Differences& d) {
  const std::pair<const char*, int> sizes[] = {
      {"min", g.min_size}, {"max", g.max_size}, {"desired", g.desired}};
  for (const auto& [key, now] : sizes) {
    if (Int(old, key) != now) {
      d.Add(fmt::format("{} size {} here, {} when exported", key, now, Int(old, key)));
    }
  }
  std::vector<std::string> suspended = Strings(old, "suspended_processes");
  std::vector<std::string> here = g.suspended_processes;
  std::sort(here.begin(), here.end());
  if (suspended != here && !suspended.empty()) {
    d.Add(fmt::format("processes {} were suspended when exported (no template suspends them)",
                      core::Join(suspended, ", ")));
  }
  size_t elbs = Strings(old, "classic_elbs").size(), tgs = Strings(old, "target_groups").size();
  if (elbs != g.classic_elbs.size() || tgs != g.target_groups.size()) {
    d.Add(
        fmt::format("{} classic load balancers and {} target groups here, {} and {} when exported",
                    g.classic_elbs.size(), g.target_groups.size(), elbs, tgs));
  }
  auto grace = std::chrono::duration_cast<std::chrono::seconds>(g.health_check_grace).count();
  if (Str(old, "health_check_type") != g.health_check_type ||
      Int(old, "health_check_grace_s") != grace) {
    d.Add(fmt::format("health check {} with {} s grace here, {} with {} s when exported",
                      g.health_check_type, grace, Str(old, "health_check_type"),
                      Int(old, "health_check_grace_s")));
  }
}

void CompareHooks(const json& old, const cloud::Surroundings& around, Differences& d) {
  std::set<std::string> here;
  for (const cloud::LifecycleHook& h : around.hooks) here.insert(h.name);
  const json hooks = old.contains("lifecycle_hooks") ? old["lifecycle_hooks"] : json::array();
  for (const json& h : hooks.is_array() ? hooks : json::array()) {
    if (!here.count(Str(h, "name"))) {
      d.Add(fmt::format("lifecycle hook {} not recreated (added outside the template?)",
                        Str(h, "name")));
    }
  }
}

std::string ExportedUserData(const json& data) {
  if (!data.is_object()) return "";
  if (data.contains("text")) return Str(data, "text");
  auto bytes = core::Base64Decode(Str(data, "base64"));
  return bytes.ok() ? *bytes : "";
}

void CompareLaunch(const json& old, const cloud::LaunchData& now, const ImportPlan& plan,
                   Differences& d) {
  if (!old.is_object() || old.empty()) return;
  std::string image = Str(old, "image");
  for (const ImageMapping& m : plan.images) {
    if (m.old_id == image) image = m.new_id;
  }
  if (now.image_id != image) {
    d.Add(fmt::format("launches {} here; the exported group launched {} (here {})", now.image_id,
                      Str(old, "image"), image));
  }
  if (now.instance_type != Str(old, "instance_type")) {
    d.Add(fmt::format("launches {} here, {} when exported", now.instance_type,
                      Str(old, "instance_type")));
  }
  if (now.user_data != ExportedUserData(old.contains("user_data") ? old["user_data"] : json())) {
    d.Add("its user data differs from the exported group's (changed outside the template?)");
  }
}

core::Status CompareGroup(cloud::Cloud& cloud, const json& old, const cloud::Group& g,
                          const ImportPlan& plan, Differences& d) {
  CompareSettings(old, g, d);
  ASSIGN_OR_RETURN(cloud::Surroundings around, cloud.groups.DescribeSurroundings(g.name));
  CompareHooks(old, around, d);
  if (g.spec.kind == cloud::LaunchSpec::Kind::kNone) return core::Status::Ok();
  ASSIGN_OR_RETURN(cloud::LaunchData data, cloud.launch_specs.ReadLaunchData(g.spec));
  CompareLaunch(old.contains("launch_data") ? old["launch_data"] : json(), data, plan, d);
  return core::Status::Ok();
}

}  // namespace

std::vector<std::string> ExportedNoEcho(const Bundle& bundle) {
  std::vector<std::string> out;
  auto it = bundle.files.find("stack.json");
  if (it == bundle.files.end()) return out;
  json stack = json::parse(it->second, nullptr, false);
  if (!stack.is_object() || !stack.contains("parameters") || !stack["parameters"].is_array()) {
    return out;
  }
  for (const json& e : stack["parameters"]) {
    if (Bool(e, "no_echo")) out.push_back(Str(e, "key"));
  }
  return out;
}

core::Result<ImportPlan> PlanImport(cloud::Cloud& cloud, const Bundle& bundle,
                                    const std::string& source, const ImportRequest& r) {
  ASSIGN_OR_RETURN(json stack, JsonFile(bundle, "stack.json", source));
  if (!stack.is_object() || Str(stack, "name").empty()) {
    return NotAnExport(source, "stack.json names no stack");
  }
  auto body = bundle.files.find(Str(stack, "template"));
  if (body == bundle.files.end()) return NotAnExport(source, "it holds no template");
  ASSIGN_OR_RETURN(json images, JsonFile(bundle, "images.json", source));
  ImportPlan p;
  p.stack = r.name.empty() ? Str(stack, "name") : r.name;
  p.exported_from = fmt::format("{} in {}", Str(stack, "name"), Str(stack, "region"));
  RETURN_IF_ERROR(Parameters(stack, r, p));
  RETURN_IF_ERROR(MapImages(cloud.images, images, r, source, p));
  p.template_body = body->second;
  for (const ImageMapping& m : p.images) {
    if (m.new_id == m.old_id) continue;
    p.template_body = ReplaceId(p.template_body, m.old_id, m.new_id);
    for (auto& [key, value] : p.parameters) value = ReplaceId(value, m.old_id, m.new_id);
  }
  if (stack.contains("tags") && stack["tags"].is_object()) {
    for (const auto& [k, v] : stack["tags"].items()) {
      if (v.is_string()) p.tags.emplace_back(k, v.get<std::string>());
    }
  }
  p.termination_protection = Bool(stack, "termination_protection");
  p.policy = Str(stack, "policy");
  for (const auto& [logical, g] : ExportedGroups(bundle)) {
    std::vector<std::string> suspended = Strings(g, "suspended_processes");
    if (suspended.empty()) continue;
    p.notes.push_back(
        fmt::format("group {}: processes {} were suspended when exported (no template suspends "
                    "them); suspend them again after the import if still wanted",
                    logical, core::Join(suspended, ", ")));
  }
  return p;
}

core::Result<std::vector<std::string>> NotRecreated(cloud::Cloud& cloud, const Bundle& bundle,
                                                    const ImportPlan& plan) {
  ASSIGN_OR_RETURN(cloud::Stack stack, cloud.stacks.DescribeStack(plan.stack));
  std::vector<cloud::Group> groups;
  if (!stack.group_names.empty()) {
    ASSIGN_OR_RETURN(groups, cloud.groups.ObserveGroups(stack.group_names));
  }
  std::vector<std::string> lines;
  for (const auto& [logical, old] : ExportedGroups(bundle)) {
    auto at = std::find(stack.group_logical_ids.begin(), stack.group_logical_ids.end(), logical);
    size_t i = at - stack.group_logical_ids.begin();
    auto g = std::find_if(groups.begin(), groups.end(), [&](const cloud::Group& x) {
      return i < stack.group_names.size() && x.name == stack.group_names[i];
    });
    Differences d{logical, lines};
    if (g == groups.end()) {
      d.Add("not among the groups of the stack created here");
      continue;
    }
    d.group = fmt::format("{} ({})", logical, g->name);
    RETURN_IF_ERROR(CompareGroup(cloud, old, *g, plan, d));
  }
  return lines;
}

}  // namespace rotor::ops
