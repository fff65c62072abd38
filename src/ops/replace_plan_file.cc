// The --plan file of replace-instance: defaults, then one role over them, each key read into
// the ReplaceRequest field its flag fills. yaml-cpp throws; nothing thrown leaves this file.
#include "ops/replace_plan_file.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <vector>

#include "core/strings.h"
#include "remote/probe.h"

namespace rotor::ops {
namespace {

std::string Path(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

// Typed values out of the plan's nodes, every problem a "FILE:LINE: KEY: what" error.
class PlanReader {
 public:
  explicit PlanReader(std::string path) : path_(std::move(path)) {}

  // "FILE:LINE: message", the line where `at` starts.
  core::Status At(const YAML::Node& at, const std::string& message) const {
    int line = at.Mark().is_null() ? 1 : at.Mark().line + 1;
    return core::InvalidArgument(fmt::format("{}:{}: {}", path_, line, message));
  }
  core::Status Error(const YAML::Node& at, const std::string& key, const std::string& what) const {
    return At(at, key + ": " + what);
  }

  // A key of `map` (REQUIRES: a mapping) that is not in `allowed` (empty: any), or given twice.
  core::Status Keys(const YAML::Node& map, const std::string& where,
                    const std::vector<std::string>& allowed) const {
    std::map<std::string, int> seen;  // key -> its line
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return Error(kv.first, Path(where, key),
                     fmt::format("unknown key (expected one of: {})", core::Join(allowed, ", ")));
      }
      auto [first, fresh] = seen.emplace(key, kv.first.Mark().line + 1);
      if (!fresh) {
        return Error(kv.first, Path(where, key),
                     fmt::format("given twice (first at line {})", first->second));
      }
    }
    return core::Status::Ok();
  }

  core::Result<std::string> Text(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) return Error(n, key, "expected a single value, not a list or mapping");
    return n.Scalar();
  }

  core::Result<std::vector<std::string>> List(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence()) return Error(n, key, "expected a list such as [a, b] (or [] for none)");
    std::vector<std::string> out;
    for (const YAML::Node& item : n) {
      if (!item.IsScalar()) {
        return Error(item, key,
                     "each item must be text (quote one that holds ': ' or starts with '{' "
                     "or '[')");
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

  core::Result<core::Duration> PositiveDuration(const YAML::Node& n, const std::string& key) const {
    ASSIGN_OR_RETURN(std::string text, Text(n, key));
    auto d = core::ParseDuration(text);
    if (!d.ok()) return Error(n, key, d.status().message());
    if (d->count() <= 0) return Error(n, key, fmt::format("'{}' must be more than zero", text));
    return *d;
  }

  core::Result<int> PositiveInt(const YAML::Node& n, const std::string& key) const {
    ASSIGN_OR_RETURN(std::string text, Text(n, key));
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v <= 0) {
      return Error(n, key, fmt::format("'{}' is not a positive whole number of GiB", text));
    }
    return v;
  }

  core::Result<std::string> OneOf(const YAML::Node& n, const std::string& key, const char* a,
                                  const char* b) const {
    ASSIGN_OR_RETURN(std::string text, Text(n, key));
    if (text != a && text != b)
      return Error(n, key, fmt::format("'{}' is not {} or {}", text, a, b));
    return text;
  }

 private:
  std::string path_;
};

// One key of a section: reads `n` into its field of the request.
using Apply = core::Status (*)(const PlanReader&, const YAML::Node& n, const std::string& key,
                               ReplaceRequest& out);

template <std::string ImageRequest::*kField>
core::Status ImageKey(const PlanReader& r, const YAML::Node& n, const std::string& key,
                      ReplaceRequest& out) {
  ASSIGN_OR_RETURN(std::string text, r.Text(n, key));
  if (!out.image) out.image.emplace();  // as with --image-filter alone: image latest
  (*out.image).*kField = text;
  return core::Status::Ok();
}

core::Status InstanceType(const PlanReader& r, const YAML::Node& n, const std::string& key,
                          ReplaceRequest& out) {
  ASSIGN_OR_RETURN(out.instance_type, r.Text(n, key));
  return core::Status::Ok();
}

core::Status RootSize(const PlanReader& r, const YAML::Node& n, const std::string& key,
                      ReplaceRequest& out) {
  ASSIGN_OR_RETURN(out.root_size_gib, r.PositiveInt(n, key));
  return core::Status::Ok();
}

template <std::vector<std::string> ReplaceRequest::*kField>
core::Status ListKey(const PlanReader& r, const YAML::Node& n, const std::string& key,
                     ReplaceRequest& out) {
  ASSIGN_OR_RETURN(out.*kField, r.List(n, key));
  return core::Status::Ok();
}

core::Status CopyKey(const PlanReader& r, const YAML::Node& n, const std::string& key,
                     ReplaceRequest& out) {
  ASSIGN_OR_RETURN(out.copy, r.List(n, key));
  for (const YAML::Node& item : n) {
    if (!core::StartsWith(item.Scalar(), "/")) {
      return r.Error(item, key, fmt::format("'{}' is not an absolute path", item.Scalar()));
    }
  }
  return core::Status::Ok();
}

// A list of commands, each checked as PlanReplace will: no literal secret, no unknown
// placeholder (against an empty host: only the names matter here).
template <std::vector<std::string> ReplaceRequest::*kField>
core::Status CommandsKey(const PlanReader& r, const YAML::Node& n, const std::string& key,
                         ReplaceRequest& out) {
  ASSIGN_OR_RETURN(out.*kField, r.List(n, key));
  for (const YAML::Node& item : n) {
    core::Status secret = CheckNoSecret(key, item.Scalar());
    if (!secret.ok()) return r.At(item, secret.message());
    auto expanded = ExpandCommand(item.Scalar(), cloud::Host{}, nullptr, "");
    if (!expanded.ok()) return r.Error(item, key, expanded.status().message());
  }
  return core::Status::Ok();
}

core::Status Probes(const PlanReader& r, const YAML::Node& n, const std::string& key,
                    ReplaceRequest& out) {
  ASSIGN_OR_RETURN(out.probes, r.List(n, key));
  for (const YAML::Node& item : n) {
    auto spec = remote::ProbeSpec::Parse(item.Scalar());
    if (!spec.ok()) return r.Error(item, key, spec.status().message());
  }
  return core::Status::Ok();
}

core::Status Unmount(const PlanReader& r, const YAML::Node& n, const std::string& key,
                     ReplaceRequest& out) {
  ASSIGN_OR_RETURN(std::string text, r.OneOf(n, key, "auto", "none"));
  out.unmount = text == "auto";
  return core::Status::Ok();
}

core::Status ProbeAddress(const PlanReader& r, const YAML::Node& n, const std::string& key,
                          ReplaceRequest& out) {
  ASSIGN_OR_RETURN(out.probe_address, r.OneOf(n, key, "private", "public"));
  return core::Status::Ok();
}

core::Status KeepOld(const PlanReader& r, const YAML::Node& n, const std::string& key,
                     ReplaceRequest& out) {
  ASSIGN_OR_RETURN(out.keep_old, r.PositiveDuration(n, key));
  return core::Status::Ok();
}

core::Status HealthTimeout(const PlanReader& r, const YAML::Node& n, const std::string& key,
                           ReplaceRequest& out) {
  ASSIGN_OR_RETURN(out.health_timeout, r.PositiveDuration(n, key));
  return core::Status::Ok();
}

struct PlanKey {
  const char* name;
  Apply apply;
};

// Every key a section may hold, in the order the header documents them.
constexpr PlanKey kKeys[] = {
    {"image", ImageKey<&ImageRequest::image>},
    {"image_filter", ImageKey<&ImageRequest::name_filter>},
    {"owner", ImageKey<&ImageRequest::owner>},
    {"instance_type", InstanceType},
    {"root_size", RootSize},
    {"volumes", ListKey<&ReplaceRequest::volumes>},
    {"addresses", ListKey<&ReplaceRequest::addresses>},
    {"dns", ListKey<&ReplaceRequest::dns>},
    {"copy", CopyKey},
    {"prepare", CommandsKey<&ReplaceRequest::prepare>},
    {"stop", CommandsKey<&ReplaceRequest::stop>},
    {"start", CommandsKey<&ReplaceRequest::start>},
    {"after", CommandsKey<&ReplaceRequest::after>},
    {"unmount", Unmount},
    {"probes", Probes},
    {"probe_address", ProbeAddress},
    {"keep_old", KeepOld},
    {"health_timeout", HealthTimeout},
};

const std::vector<std::string>& KeyNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const PlanKey& k : kKeys) out.push_back(k.name);
    return out;
  }();
  return names;
}

// The node of `key` itself in `map` (for its line), or `map` when it has no such key.
YAML::Node KeyNode(const YAML::Node& map, const std::string& key) {
  for (const auto& kv : map) {
    if (kv.first.Scalar() == key) return kv.first;
  }
  return map;
}

// The keys `section` gives, applied over `out` (a list replaces the one there). A section with
// nothing in it (`keygen:`) changes nothing.
core::Status ApplySection(const PlanReader& r, const YAML::Node& section, const std::string& where,
                          ReplaceRequest& out) {
  if (section.IsNull()) return core::Status::Ok();
  if (!section.IsMap()) return r.Error(section, where, "expected a mapping of keys");
  RETURN_IF_ERROR(r.Keys(section, where, KeyNames()));
  for (const auto& kv : section) {
    const std::string name = kv.first.Scalar();
    // An empty value starts where the next line does: its key's line is the one to name.
    if (kv.second.IsNull()) {
      return r.Error(kv.first, Path(where, name), "expected a value, found none");
    }
    for (const PlanKey& k : kKeys) {
      if (name == k.name) RETURN_IF_ERROR(k.apply(r, kv.second, Path(where, name), out));
    }
  }
  return core::Status::Ok();
}

// Every role over the defaults, by name.
core::Result<std::map<std::string, ReplaceRequest>> Roles(const PlanReader& r,
                                                          const YAML::Node& root) {
  ReplaceRequest base;
  if (root["defaults"]) RETURN_IF_ERROR(ApplySection(r, root["defaults"], "defaults", base));
  const YAML::Node roles = root["roles"];
  if (!roles) return r.Error(root, "roles", "missing: a plan names at least one role");
  if (!roles.IsMap() || roles.size() == 0) {
    return r.Error(KeyNode(root, "roles"), "roles",
                   "expected a mapping of role names to their keys");
  }
  RETURN_IF_ERROR(r.Keys(roles, "roles", {}));
  std::map<std::string, ReplaceRequest> out;
  for (const auto& kv : roles) {
    std::string name = kv.first.Scalar();
    ReplaceRequest request = base;
    RETURN_IF_ERROR(ApplySection(r, kv.second, "roles." + name, request));
    out.emplace(name, std::move(request));
  }
  return out;
}

core::Result<ReplaceRequest> Resolve(const PlanReader& r, const YAML::Node& root,
                                     const std::string& role) {
  if (root.IsNull()) return r.Error(root, "roles", "missing: a plan names at least one role");
  if (!root.IsMap()) return r.Error(root, "plan", "expected the keys defaults and roles");
  RETURN_IF_ERROR(r.Keys(root, "", {"defaults", "roles"}));
  ASSIGN_OR_RETURN(auto roles, Roles(r, root));
  std::vector<std::string> names;
  for (const auto& [name, request] : roles) names.push_back(name);
  YAML::Node at = KeyNode(root, "roles");
  if (role.empty() && roles.size() > 1) {
    return r.Error(at, "roles",
                   fmt::format("the plan has {} roles ({}): choose one with --role", roles.size(),
                               core::Join(names, ", ")));
  }
  if (role.empty()) return roles.begin()->second;
  auto found = roles.find(role);
  if (found == roles.end()) {
    return r.Error(at, "roles",
                   fmt::format("no role '{}' (the roles are {})", role, core::Join(names, ", ")));
  }
  return found->second;
}

}  // namespace

core::Result<ReplaceRequest> ParseReplacePlan(const std::string& text, const std::string& path,
                                              const std::string& role) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return core::InvalidArgument(
        fmt::format("{}:{}: not valid YAML: {}", path, e.mark.line + 1, e.msg));
  }
  try {
    return Resolve(PlanReader(path), root, role);
  } catch (const YAML::Exception& e) {
    return core::InvalidArgument(fmt::format("{}:{}: {}", path, e.mark.line + 1, e.msg));
  }
}

core::Result<ReplaceRequest> LoadReplacePlan(const std::string& path, const std::string& role) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return core::InvalidArgument(path + ": cannot read the plan file: it is a directory");
  }
  std::ifstream in(path);
  if (!in) {
    return core::InvalidArgument(
        fmt::format("{}: cannot read the plan file: {}", path, std::strerror(errno)));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ParseReplacePlan(text, path, role);
}

}  // namespace rotor::ops
