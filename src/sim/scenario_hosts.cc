// The scenario keys for standalone hosts, elastic IPs, Route 53 zones and remote commands, and
// the faults on remote work (command_failure, port_closed). See examples/bastion.yaml.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <set>

#include "core/strings.h"
#include "sim/scenario_reader.h"

namespace rotor::sim {
namespace {

// How many instances carry each Name tag: hosts, and the members a group starts with.
std::map<std::string, int> NameCounts(const Scenario& s) {
  std::map<std::string, int> names;
  for (const HostSpec& h : s.hosts) ++names[h.name];
  for (const StackSpec& stack : s.stacks) {
    for (const GroupSpec& g : stack.groups) {
      auto it = g.tags.find("Name");
      if (it != g.tags.end()) names[it->second] += g.instance_count;
    }
  }
  return names;
}

// `text` names exactly one instance: a host's id, or a Name tag one instance carries.
core::Status OneInstance(const Reader& r, const YAML::Node& at, const std::string& key,
                         const std::string& text, const Scenario& s) {
  for (const HostSpec& h : s.hosts) {
    if (!h.id.empty() && h.id == text) return core::Status::Ok();
  }
  int n = NameCounts(s)[text];
  if (n == 1) return core::Status::Ok();
  if (n == 0) {
    return r.Error(at, key, fmt::format("no host or group member is named '{}'", text));
  }
  return r.Error(at, key, fmt::format("'{}' names {} instances; give a host's id", text, n));
}

// i-XXXXXXXX or i-XXXXXXXXXXXXXXXXX in hex; ids starting i-0000000 are the simulator's own.
bool GoodId(const std::string& id) {
  if (!core::StartsWith(id, "i-") || (id.size() != 10 && id.size() != 19)) return false;
  if (id.find_first_not_of("0123456789abcdef", 2) != std::string::npos) return false;
  return !core::StartsWith(id, "i-0000000");
}

core::Result<HostSpec> Host(const Reader& r, const YAML::Node& n,
                            const std::set<std::string>& image_ids, const std::string& region,
                            std::set<std::string>& volume_ids) {
  ASSIGN_OR_RETURN(std::string name, r.String(n, "name", "hosts[]"));
  std::string at = "hosts[" + name + "]";
  RETURN_IF_ERROR(
      r.CheckKeys(n, at,
                  {"name", "id", "image", "type", "zone", "subnet", "key", "security_groups",
                   "profile", "tags", "ipv6", "termination_protection", "volumes", "user_data"}));
  HostSpec h;
  h.name = name;
  ASSIGN_OR_RETURN(h.id, r.String(n, "id", at, false));
  if (!h.id.empty() && !GoodId(h.id)) {
    return r.Error(n["id"], at + ".id",
                   "expected i- and 8 or 17 hex digits, not starting i-0000000 (the "
                   "simulator's own)");
  }
  ASSIGN_OR_RETURN(h.image, r.String(n, "image", at));
  if (!image_ids.count(h.image)) {
    return r.Error(n["image"], at + ".image",
                   fmt::format("image '{}' is not declared under images:", h.image));
  }
  for (auto [key, field] :
       {std::pair{"type", &h.type}, std::pair{"zone", &h.zone}, std::pair{"subnet", &h.subnet},
        std::pair{"key", &h.key}, std::pair{"profile", &h.profile}}) {
    if (!n[key]) continue;
    ASSIGN_OR_RETURN(*field, r.String(n, key, at));
  }
  if (h.zone.empty()) h.zone = region + "a";
  if (!core::StartsWith(h.zone, region)) {
    return r.Error(n["zone"], at + ".zone",
                   fmt::format("'{}' is not a zone of region {}", h.zone, region));
  }
  ASSIGN_OR_RETURN(h.security_groups, r.Strings(n, "security_groups", at));
  ASSIGN_OR_RETURN(h.tags, r.StringMap(n, "tags", at));
  if (h.tags.count("Name")) return r.Error(n["tags"], at + ".tags.Name", "give it as name:");
  h.tags["Name"] = h.name;
  ASSIGN_OR_RETURN(h.ipv6, r.Int(n, "ipv6", at, 0));
  ASSIGN_OR_RETURN(h.termination_protection, r.Bool(n, "termination_protection", at, false));
  ASSIGN_OR_RETURN(h.user_data, r.String(n, "user_data", at, false));
  RETURN_IF_ERROR(ParseHostVolumes(r, n, at, volume_ids, h));
  return h;
}

core::Status Hosts(const Reader& r, const YAML::Node& list, const std::set<std::string>& images,
                   Scenario& out) {
  if (!list) return core::Status::Ok();
  if (!list.IsSequence()) return r.Error(list, "hosts", "expected a list");
  std::set<std::string> ids, volume_ids;
  for (const auto& n : list) {
    ASSIGN_OR_RETURN(HostSpec h, Host(r, n, images, out.region, volume_ids));
    if (!h.id.empty() && !ids.insert(h.id).second) {
      return r.Error(n["id"], "hosts[" + h.name + "].id", "duplicate id " + h.id);
    }
    out.hosts.push_back(std::move(h));
  }
  return core::Status::Ok();
}

core::Status Addresses(const Reader& r, const YAML::Node& list, Scenario& out) {
  if (!list) return core::Status::Ok();
  if (!list.IsSequence()) return r.Error(list, "addresses", "expected a list");
  std::set<std::string> seen;
  for (const auto& n : list) {
    RETURN_IF_ERROR(r.CheckKeys(n, "addresses[]", {"allocation", "ip", "instance"}));
    AddressSpec a;
    ASSIGN_OR_RETURN(a.allocation, r.String(n, "allocation", "addresses[]"));
    std::string at = "addresses[" + a.allocation + "]";
    if (!core::StartsWith(a.allocation, "eipalloc-")) {
      return r.Error(n["allocation"], at + ".allocation", "expected eipalloc-...");
    }
    ASSIGN_OR_RETURN(a.ip, r.String(n, "ip", at));
    if (!seen.insert(a.allocation).second || !seen.insert(a.ip).second) {
      return r.Error(n, at, "duplicate allocation or ip");
    }
    ASSIGN_OR_RETURN(a.instance, r.String(n, "instance", at, false));
    if (!a.instance.empty()) {
      RETURN_IF_ERROR(OneInstance(r, n["instance"], at + ".instance", a.instance, out));
    }
    out.addresses.push_back(a);
  }
  return core::Status::Ok();
}

std::string Dotted(std::string name) {
  name = core::ToLower(name);
  return core::EndsWith(name, ".") ? name : name + ".";
}

// A record value: literal, or host:NAME:public|private|ipv6|eip.
core::Status Value(const Reader& r, const YAML::Node& v, const std::string& key,
                   const Scenario& s) {
  if (!v.IsScalar()) return r.Error(v, key, "expected a single value");
  if (!core::StartsWith(v.Scalar(), "host:")) return core::Status::Ok();
  std::vector<std::string> parts = core::Split(v.Scalar(), ':');
  static const std::set<std::string> kKinds = {"public", "private", "ipv6", "eip"};
  if (parts.size() != 3 || !kKinds.count(parts[2])) {
    return r.Error(v, key, "expected host:NAME:public|private|ipv6|eip");
  }
  RETURN_IF_ERROR(OneInstance(r, v, key, parts[1], s));
  if (parts[2] != "eip") return core::Status::Ok();
  for (const AddressSpec& a : s.addresses) {
    if (a.instance == parts[1]) return core::Status::Ok();
  }
  return r.Error(v, key, fmt::format("no elastic IP under addresses: is on '{}'", parts[1]));
}

core::Result<RecordSpec> Record(const Reader& r, const YAML::Node& n, const std::string& zone,
                                const Scenario& s) {
  std::string at = "dns[" + zone + "].records[]";
  RETURN_IF_ERROR(r.CheckKeys(n, at, {"name", "type", "ttl", "values"}));
  RecordSpec rec;
  ASSIGN_OR_RETURN(rec.name, r.String(n, "name", at));
  rec.name = Dotted(rec.name);
  if (rec.name != zone && !core::EndsWith(rec.name, "." + zone)) {
    return r.Error(n["name"], at + ".name", fmt::format("'{}' is not in zone {}", rec.name, zone));
  }
  ASSIGN_OR_RETURN(rec.type, r.String(n, "type", at));
  ASSIGN_OR_RETURN(int ttl, r.Int(n, "ttl", at, 300));
  rec.ttl = ttl;
  ASSIGN_OR_RETURN(rec.values, r.Strings(n, "values", at));
  if (rec.values.empty()) return r.Error(n, at + ".values", "give at least one value");
  for (const auto& v : n["values"]) RETURN_IF_ERROR(Value(r, v, at + ".values", s));
  return rec;
}

core::Status Zones(const Reader& r, const YAML::Node& list, Scenario& out) {
  if (!list) return core::Status::Ok();
  if (!list.IsSequence()) return r.Error(list, "dns", "expected a list");
  for (const auto& n : list) {
    RETURN_IF_ERROR(r.CheckKeys(n, "dns[]", {"zone", "private", "records"}));
    ZoneSpec z;
    ASSIGN_OR_RETURN(z.name, r.String(n, "zone", "dns[]"));
    z.name = Dotted(z.name);
    std::string at = "dns[" + z.name + "]";
    ASSIGN_OR_RETURN(z.private_zone, r.Bool(n, "private", at, false));
    YAML::Node records = n["records"];
    if (records && !records.IsSequence()) {
      return r.Error(records, at + ".records", "expected a list");
    }
    for (const auto& rec : records) {
      ASSIGN_OR_RETURN(RecordSpec spec, Record(r, rec, z.name, out));
      z.records.push_back(std::move(spec));
    }
    out.zones.push_back(std::move(z));
  }
  return core::Status::Ok();
}

core::Status Commands(const Reader& r, const YAML::Node& list, Scenario& out) {
  if (!list) return core::Status::Ok();
  if (!list.IsSequence()) return r.Error(list, "commands", "expected a list");
  for (const auto& n : list) {
    RETURN_IF_ERROR(
        r.CheckKeys(n, "commands[]", {"pattern", "host", "duration", "exit", "output"}));
    CommandSpec c;
    ASSIGN_OR_RETURN(c.pattern, r.String(n, "pattern", "commands[]"));
    std::string at = "commands[" + c.pattern + "]";
    ASSIGN_OR_RETURN(std::string host, r.String(n, "host", at, false));
    if (!host.empty()) c.host = host;
    ASSIGN_OR_RETURN(c.duration, r.Dur(n, "duration", at, out.timing.command));
    ASSIGN_OR_RETURN(c.exit_status, r.Int(n, "exit", at, 0));
    if (c.exit_status > 255) return r.Error(n["exit"], at + ".exit", "must be 0 to 255");
    ASSIGN_OR_RETURN(c.output, r.String(n, "output", at, false));
    out.commands.push_back(std::move(c));
  }
  return core::Status::Ok();
}

}  // namespace

core::Status ParseHostKeys(const Reader& r, const YAML::Node& root,
                           const std::set<std::string>& image_ids, Scenario& out) {
  RETURN_IF_ERROR(Hosts(r, root["hosts"], image_ids, out));
  RETURN_IF_ERROR(Addresses(r, root["addresses"], out));
  RETURN_IF_ERROR(Zones(r, root["dns"], out));
  return Commands(r, root["commands"], out);
}

core::Status RemoteFault(const Reader& r, const YAML::Node& n, const std::string& k, Fault& f) {
  if (k == "faults[command_failure]") {
    f.kind = Fault::Kind::kCommandFailure;
    RETURN_IF_ERROR(
        r.CheckKeys(n, k, {"kind", "pattern", "host", "exit", "output", "probability"}));
    ASSIGN_OR_RETURN(f.pattern, r.String(n, "pattern", k));
    ASSIGN_OR_RETURN(f.exit_status, r.Int(n, "exit", k, 1));
    if (f.exit_status > 255) return r.Error(n["exit"], k + ".exit", "must be 0 to 255");
    ASSIGN_OR_RETURN(f.output, r.String(n, "output", k, false));
    ASSIGN_OR_RETURN(f.probability, r.Double(n, "probability", k, 1.0));
    if (f.probability < 0 || f.probability > 1) {
      return r.Error(n["probability"], k + ".probability", "must be between 0 and 1");
    }
  } else {
    f.kind = Fault::Kind::kPortClosed;
    RETURN_IF_ERROR(r.CheckKeys(n, k, {"kind", "host", "port", "at", "for"}));
    ASSIGN_OR_RETURN(f.port, r.Int(n, "port", k, 22));
    if (f.port < 1 || f.port > 65535) return r.Error(n["port"], k + ".port", "must be 1 to 65535");
    ASSIGN_OR_RETURN(f.at, r.Dur(n, "at", k, core::Duration(0)));
    ASSIGN_OR_RETURN(f.length, r.Dur(n, "for", k, std::chrono::hours(24 * 365 * 100)));
  }
  ASSIGN_OR_RETURN(f.host, r.String(n, "host", k, false));
  if (f.host.empty()) f.host = "*";
  return core::Status::Ok();
}

}  // namespace rotor::sim
