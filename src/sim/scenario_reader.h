// Reading typed values out of a scenario's YAML nodes with "FILE:LINE: KEY: what" errors.
// Internal to sim/ (scenario.cc, scenario_hosts.cc, scenario_volumes.cc).
#pragma once

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/strings.h"
#include "sim/scenario.h"

namespace rotor::sim {

// Reads typed values out of YAML nodes, turning every problem into "FILE:LINE: KEY: what".
// yaml-cpp throws; nothing thrown leaves this file.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  core::Status Error(const YAML::Node& at, const std::string& key, const std::string& what) const {
    int line = at.Mark().is_null() ? 0 : at.Mark().line + 1;
    return core::InvalidArgument(fmt::format("{}:{}: {}: {}", path_, line, key, what));
  }

  core::Status CheckKeys(const YAML::Node& map, const std::string& where,
                         const std::set<std::string>& allowed) const {
    if (!map.IsMap()) return Error(map, where, "expected a mapping of keys");
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      if (!allowed.count(key)) {
        return Error(kv.first, where + "." + key,
                     fmt::format("unknown key (expected one of: {})",
                                 core::Join({allowed.begin(), allowed.end()}, ", ")));
      }
    }
    return core::Status::Ok();
  }

  core::Result<std::string> String(const YAML::Node& map, const std::string& key,
                                   const std::string& where, bool required = true) const {
    YAML::Node n = map[key];
    if (!n) {
      if (required) return Error(map, where + "." + key, "missing");
      return std::string();
    }
    if (!n.IsScalar()) return Error(n, where + "." + key, "expected a single value");
    return n.Scalar();
  }

  core::Result<int> Int(const YAML::Node& map, const std::string& key, const std::string& where,
                        std::optional<int> fallback = std::nullopt) const {
    YAML::Node n = map[key];
    if (!n) {
      if (fallback) return *fallback;
      return Error(map, where + "." + key, "missing");
    }
    try {
      int v = n.as<int>();
      if (v < 0) return Error(n, where + "." + key, "must not be negative");
      return v;
    } catch (const YAML::Exception&) {
      return Error(n, where + "." + key, fmt::format("'{}' is not a whole number", n.Scalar()));
    }
  }

  core::Result<double> Double(const YAML::Node& map, const std::string& key,
                              const std::string& where, double fallback) const {
    YAML::Node n = map[key];
    if (!n) return fallback;
    try {
      return n.as<double>();
    } catch (const YAML::Exception&) {
      return Error(n, where + "." + key, fmt::format("'{}' is not a number", n.Scalar()));
    }
  }

  core::Result<core::Duration> Dur(const YAML::Node& map, const std::string& key,
                                   const std::string& where,
                                   std::optional<core::Duration> fallback = std::nullopt) const {
    YAML::Node n = map[key];
    if (!n) {
      if (fallback) return *fallback;
      return Error(map, where + "." + key, "missing");
    }
    return DurValue(n, where + "." + key);
  }

  core::Result<core::Duration> DurValue(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) return Error(n, key, "expected a duration such as 90s, 5m, 1h");
    auto d = core::ParseDuration(n.Scalar());
    if (!d.ok()) return Error(n, key, d.status().message());
    return d;
  }

  core::Result<Distribution> Dist(const YAML::Node& map, const std::string& key,
                                  const std::string& where, Distribution fallback) const;

  core::Result<core::Time> TimeValue(const YAML::Node& map, const std::string& key,
                                     const std::string& where) const {
    YAML::Node n = map[key];
    if (!n) return Error(map, where + "." + key, "missing");
    auto t = core::ParseIso8601(n.Scalar());
    if (!t.ok()) return Error(n, where + "." + key, t.status().message());
    return t;
  }

  core::Result<std::vector<std::string>> Strings(const YAML::Node& map, const std::string& key,
                                                 const std::string& where) const {
    YAML::Node n = map[key];
    std::vector<std::string> out;
    if (!n) return out;
    if (!n.IsSequence()) return Error(n, where + "." + key, "expected a list");
    for (const auto& item : n) out.push_back(item.Scalar());
    return out;
  }

  core::Result<bool> Bool(const YAML::Node& map, const std::string& key, const std::string& where,
                          bool fallback) const {
    YAML::Node n = map[key];
    if (!n) return fallback;
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
      return n.Scalar() == "true";
    }
    return Error(n, where + "." + key, "expected true or false");
  }

  core::Result<std::map<std::string, std::string>> StringMap(const YAML::Node& map,
                                                             const std::string& key,
                                                             const std::string& where) const {
    YAML::Node n = map[key];
    std::map<std::string, std::string> out;
    if (!n) return out;
    if (!n.IsMap()) return Error(n, where + "." + key, "expected a mapping of keys");
    for (const auto& kv : n) {
      if (!kv.second.IsScalar()) {
        return Error(kv.second, where + "." + key + "." + kv.first.Scalar(),
                     "expected a single value");
      }
      out[kv.first.Scalar()] = kv.second.Scalar();
    }
    return out;
  }

 private:
  std::string path_;
};

// The scenario's hosts:, addresses:, dns: and commands: (scenario_hosts.cc), read after images:
// and stacks: (a host's image must be declared; a name may be a group's propagated Name tag).
core::Status ParseHostKeys(const Reader& r, const YAML::Node& root,
                           const std::set<std::string>& image_ids, Scenario& out);
// The faults command_failure and port_closed; `k` is "faults[KIND]".
core::Status RemoteFault(const Reader& r, const YAML::Node& n, const std::string& k, Fault& f);

// A host's volumes (scenario_volumes.cc): the root (/dev/xvda, 8 GiB gp3 unless listed) first,
// then the others in order. `volume_ids`: the ids given so far in the scenario (no duplicates).
core::Status ParseHostVolumes(const Reader& r, const YAML::Node& host, const std::string& at,
                              std::set<std::string>& volume_ids, HostSpec& h);
// The faults volume_stuck and snapshot_slow; `k` is "faults[KIND]"; a volume id must be one of
// `s`'s hosts' volumes.
core::Status VolumeFault(const Reader& r, const YAML::Node& n, const std::string& k,
                         const Scenario& s, Fault& f);

}  // namespace rotor::sim
