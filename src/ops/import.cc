// import: an exported stack's files read back, its NoEcho parameters asked for, its images
// mapped to this region's, as the request that creates it.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
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
  return p;
}

}  // namespace rotor::ops
