// replace-instance: the plan as a person reads it, the outage it should cost, and the commands'
// placeholders.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

#include "core/strings.h"
#include "ops/replace_instance.h"

namespace rotor::ops {
namespace {

// Typical AWS figures (DESIGN.md section 9 and EBS's documentation): what each outage step costs
// when nothing goes wrong. An estimate for the plan, never a limit.
constexpr auto kCommand = std::chrono::seconds(10);  // one --stop/--start command
constexpr auto kUnmount = std::chrono::seconds(5);   // umount and sync
constexpr auto kSnapshot = std::chrono::seconds(2);  // CreateSnapshot returns at once
constexpr auto kDetach = std::chrono::seconds(10);
constexpr auto kAttach = std::chrono::seconds(5);
constexpr auto kMount = std::chrono::seconds(3);
constexpr auto kAssociate = std::chrono::seconds(2);
constexpr auto kDnsSync = std::chrono::seconds(60);  // Route 53 INSYNC
constexpr auto kReady = std::chrono::seconds(10);    // probes after the start

std::string Span(core::Duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s < 60) return fmt::format("{}s", s);
  if (s % 86400 == 0) return fmt::format("{}d", s / 86400);
  if (s % 3600 == 0) return fmt::format("{}h", s / 3600);
  return s % 60 == 0 ? fmt::format("{}m", s / 60) : fmt::format("{}m{}s", s / 60, s % 60);
}

// What the plan knows: the old host's values; the new host's stay as written until it exists.
std::string Shown(const std::string& command, const ReplacePlan& p) {
  auto e = ExpandCommand(command, p.old, nullptr, p.old.name);
  return e.ok() ? *e : command;
}

std::string MountsText(const MovedVolume& v) {
  std::vector<std::string> points;
  for (const VolumeMount& m : v.mounts) points.push_back(m.mountpoint);
  return points.empty() ? "nothing mounted" : core::Join(points, ", ");
}

void DescribeLaunch(const ReplacePlan& p, std::vector<std::string>& out) {
  const cloud::Host& old = p.old;
  const cloud::LaunchLike& l = p.launch;
  out.push_back(fmt::format("{} ({}): {} in {}, {}, running {}", old.instance.id,
                            old.name.empty() ? "no Name tag" : old.name, old.instance.instance_type,
                            old.subnet_id, old.instance.zone, old.instance.image_id));
  auto name = l.tags.find("Name");
  out.push_back(fmt::format("launch {}: {} from {} ({}), subnet {}",
                            name == l.tags.end() ? "a new instance" : name->second, l.instance_type,
                            l.image_id, p.image_why, l.subnet_id));
  out.push_back(fmt::format(
      "  security groups {}; key {}; tags copied; {} IPv6 address(es); termination protection on",
      core::Join(l.security_groups, ","), l.key_name.empty() ? "none" : l.key_name, l.ipv6_count));
  if (l.root) {
    out.push_back(fmt::format("  root {} {} GiB {} encrypted", l.root->device, l.root->size_gib,
                              l.root->volume_type));
  }
  out.push_back(fmt::format("wait until it answers ssh on its {} address{} (at most {})",
                            AddressKindName(p.address),
                            p.probes.empty() ? "" : " and " + core::Join(p.probes, ", ") + " pass",
                            Span(p.health_timeout)));
  for (const std::string& c : p.copy)
    out.push_back(fmt::format("copy {} from it to the new one", c));
  for (const std::string& c : p.prepare) out.push_back("run here: " + Shown(c, p));
}

void DescribeOutage(const ReplacePlan& p, std::vector<std::string>& out) {
  const std::string& id = p.old.instance.id;
  out.push_back("--- outage begins ---");
  for (const std::string& c : p.stop) out.push_back(fmt::format("on {}: {}", id, Shown(c, p)));
  for (const MovedVolume& v : p.volumes) {
    if (!v.mounts.empty()) {
      out.push_back(fmt::format("unmount {} ({}, {}) on {} and sync", MountsText(v), v.volume.id,
                                v.device, id));
    }
  }
  std::vector<std::string> ids;
  for (const MovedVolume& v : p.volumes) ids.push_back(v.volume.id);
  if (!ids.empty()) out.push_back(fmt::format("snapshot {} (kept)", core::Join(ids, ", ")));
  for (const MovedVolume& v : p.volumes) {
    out.push_back(fmt::format("move {} ({} GiB {}{}) from {} to the new instance at {}",
                              v.volume.id, v.volume.size_gib, v.volume.volume_type,
                              v.volume.encrypted ? " encrypted" : "", id, v.device));
    if (!v.mounts.empty()) out.push_back(fmt::format("  mount it there at {}", MountsText(v)));
  }
  if (p.volumes.empty()) out.push_back("no data volume to move");
  for (const cloud::ElasticIp& e : p.addresses) {
    out.push_back(
        fmt::format("move elastic IP {} ({}) to the new instance", e.public_ip, e.allocation_id));
  }
  for (const cloud::DnsRecord& r : p.records) {
    out.push_back(
        fmt::format("point {} {} ({}) at the new instance's addresses; wait until in "
                    "sync",
                    r.name, r.type, core::Join(r.values, ", ")));
  }
  for (const std::string& f : p.following) {
    out.push_back(fmt::format("{} names the elastic IP: it follows the address", f));
  }
  for (const std::string& c : p.start) out.push_back("on the new instance: " + Shown(c, p));
  out.push_back(p.probes.empty() ? "wait until the new instance answers ssh again"
                                 : "wait until " + core::Join(p.probes, ", ") + " pass");
  out.push_back(
      fmt::format("--- outage ends (about {} if nothing waits) ---", Span(EstimateOutage(p))));
}

}  // namespace

std::vector<std::string> DescribeReplace(const ReplacePlan& p) {
  std::vector<std::string> out;
  if (!p.finish_of.empty()) {
    out.push_back(fmt::format("{} ({}) was replaced by operation {} and is stopped",
                              p.old.instance.id, p.old.name.empty() ? "no Name tag" : p.old.name,
                              p.finish_of));
    out.push_back(fmt::format(
        "terminate it{} — cannot be undone; the snapshots {} took are kept",
        p.old.termination_protection ? " (its termination protection off)" : "", p.finish_of));
    return out;
  }
  DescribeLaunch(p, out);
  DescribeOutage(p, out);
  for (const std::string& c : p.after) out.push_back("run here: " + Shown(c, p));
  const std::string& name = p.old.name;
  if (!name.empty()) {
    out.push_back(
        fmt::format("rename {} {}-old and the new instance {}", p.old.instance.id, name, name));
  }
  out.push_back(
      fmt::format("stop {} and keep it (termination protection kept)", p.old.instance.id));
  out.push_back(p.keep_old ? fmt::format("after {}, the next rotor command on it terminates it "
                                         "(or `rotor rollout finish {}` before)",
                                         Span(*p.keep_old), p.operation_id)
                           : fmt::format("terminate it later with `rotor rollout finish {}`",
                                         p.operation_id));
  for (const std::string& l : p.left) {
    out.push_back(fmt::format(
        "warning: {} names the old instance but has a routing policy: change it by hand", l));
  }
  return out;
}

core::Duration EstimateOutage(const ReplacePlan& p) {
  core::Duration d = kReady;
  d += kCommand * static_cast<int>(p.stop.size() + p.start.size());
  for (const MovedVolume& v : p.volumes) {
    d += kDetach + kAttach;
    if (!v.mounts.empty()) d += kUnmount + kMount;
  }
  if (!p.volumes.empty()) d += kSnapshot;
  d += kAssociate * static_cast<int>(p.addresses.size());
  if (!p.records.empty()) d += kDnsSync;
  return d;
}

core::Result<std::string> ExpandCommand(const std::string& text, const cloud::Host& old,
                                        const cloud::Host* fresh, const std::string& name,
                                        const std::map<std::string, std::string>* env) {
  auto first = [](const std::vector<std::string>& v) { return v.empty() ? "" : v[0]; };
  std::map<std::string, std::string> known = {{"old.id", old.instance.id},
                                              {"old.private_ip", old.instance.private_ip},
                                              {"old.public_ip", old.instance.public_ip},
                                              {"old.ipv6", first(old.instance.ipv6_addresses)},
                                              {"name", name}};
  if (fresh) {
    known["new.id"] = fresh->instance.id;
    known["new.private_ip"] = fresh->instance.private_ip;
    known["new.public_ip"] = fresh->instance.public_ip;
    known["new.ipv6"] = first(fresh->instance.ipv6_addresses);
  }
  static const std::vector<std::string> kNew = {"new.id", "new.private_ip", "new.public_ip",
                                                "new.ipv6"};
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find('{', i);
    size_t close = open == std::string::npos ? open : text.find('}', open);
    if (close == std::string::npos) break;
    std::string key = text.substr(open + 1, close - open - 1);
    bool ours = key == "name" || key.rfind("old.", 0) == 0 || key.rfind("new.", 0) == 0 ||
                key.rfind("env:", 0) == 0;
    bool shell = open > 0 && text[open - 1] == '$';  // ${VAR} is the shell's
    out += text.substr(i, open - i);
    i = close + 1;
    if (!ours || shell) {
      out += text.substr(open, close - open + 1);
      continue;
    }
    if (auto k = known.find(key); k != known.end()) {
      out += k->second;
    } else if (key.rfind("env:", 0) == 0) {
      auto v =
          env ? env->find(key.substr(4)) : std::map<std::string, std::string>::const_iterator{};
      if (env && v == env->end()) {
        return core::InvalidArgument(fmt::format(
            "a command needs {{{}}}, but rotor's environment has no {}: export it and resume", key,
            key.substr(4)));
      }
      out += env ? v->second : "{" + key + "}";
    } else if (std::find(kNew.begin(), kNew.end(), key) != kNew.end()) {
      out += "{" + key + "}";  // the new host does not exist yet
    } else {
      return core::InvalidArgument(fmt::format(
          "`{}`: unknown placeholder {{{}}} (use {{old.id}}, {{new.id}}, {{old.private_ip}}, "
          "{{new.private_ip}}, {{old.public_ip}}, {{new.public_ip}}, {{new.ipv6}}, {{name}}, "
          "{{env:NAME}})",
          text, key));
    }
  }
  return out + text.substr(std::min(i, text.size()));
}

core::Status CheckNoSecret(const std::string& flag, const std::string& command) {
  static const std::regex kAssignment(
      R"((^|[\s;&|])[A-Za-z_]*(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY)[A-Za-z_]*=[^\s{$])",
      std::regex::icase);
  bool secret = std::regex_search(command, kAssignment) ||
                command.find("PRIVATE KEY-----") != std::string::npos ||
                command.find("--password=") != std::string::npos;
  if (!secret) return core::Status::Ok();
  return core::InvalidArgument(fmt::format(
      "{}: the command seems to hold a secret, and rotor journals and prints commands: put the "
      "value in rotor's environment and write {{env:NAME}} instead",
      flag));
}

}  // namespace rotor::ops
