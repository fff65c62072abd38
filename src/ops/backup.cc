// backup: the target's instances found, the plan made and shown, and kept in the journal.
#include "ops/backup.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "ops/replace_instance.h"

namespace rotor::ops {
namespace {

using nlohmann::json;

constexpr const char* kStackTag = "aws:cloudformation:stack-name";

int64_t Seconds(core::Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

// The volumes a snapshot set of `host` takes: its EBS volumes, the root only when asked.
std::vector<cloud::BlockDevice> SetVolumes(const cloud::Host& host, bool include_root) {
  std::vector<cloud::BlockDevice> out;
  for (const cloud::BlockDevice& d : host.devices) {
    if (d.device == host.root_device && !include_root) continue;
    out.push_back(d);
  }
  return out;
}

core::Status CheckRequest(const BackupRequest& r) {
  if (r.retention.keep && *r.retention.keep < 1) {
    return core::InvalidArgument(fmt::format(
        "--keep {}: keep at least 1 backup (--retention alone prunes by age)", *r.retention.keep));
  }
  if (!r.copy_to.empty() && !r.wait) {
    return core::InvalidArgument(
        "--copy-to with --no-wait: a snapshot is copied only once it completed; drop --no-wait");
  }
  if (!r.copy_to.empty() && r.copy_to == r.region) {
    return core::InvalidArgument(fmt::format(
        "--copy-to {}: that is the region the backup is made in; name another", r.copy_to));
  }
  for (const std::string& c : r.pre) RETURN_IF_ERROR(CheckNoSecret("--pre", c));
  for (const std::string& c : r.post) RETURN_IF_ERROR(CheckNoSecret("--post", c));
  return core::Status::Ok();
}

// Every backup rotor made in the region, by volume: one paged DescribeSnapshots, whatever the
// fleet's size (rather than one call per volume).
core::Result<std::map<std::string, std::vector<Kept>>> BackupsByVolume(cloud::Volumes& volumes) {
  cloud::SnapshotQuery q;
  q.tag_key = kBackupCreated;
  ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> all, volumes.DescribeSnapshots(q));
  std::map<std::string, std::vector<Kept>> out;
  for (const cloud::Snapshot& s : all) {
    if (s.tags.count(kBackupOf) && !s.tags.count(kBackupCopyOf)) {
      out[s.volume_id].push_back({s.id, BackupTime(s), s.state});
    }
  }
  return out;
}

// What retention would delete now among the volume's backups, counting the one about to be
// made as completed (so that the plan names what a successful run deletes).
std::vector<std::string> PruneNow(std::vector<Kept> kept, const RetentionRule& rule,
                                  core::Time now) {
  kept.push_back({"(tonight's)", now, "completed"});
  return ToPrune(std::move(kept), rule, now);
}

std::string Commands(const std::vector<std::string>& commands) {
  std::vector<std::string> quoted;
  for (const std::string& c : commands) quoted.push_back("`" + c + "`");
  return core::Join(quoted, ", ");
}

}  // namespace

core::Time BackupTime(const cloud::Snapshot& s) {
  auto it = s.tags.find(kBackupCreated);
  if (it != s.tags.end()) {
    if (auto t = core::ParseIso8601(it->second); t.ok()) return *t;
  }
  return s.started;
}

core::Result<std::vector<cloud::Snapshot>> RotorBackups(cloud::Volumes& volumes,
                                                        const std::string& volume_id, bool copies) {
  cloud::SnapshotQuery q;
  if (copies) {
    q.tag_key = kBackupVolume;
    q.tag_value = volume_id;
  } else {
    q.volume_id = volume_id;
    q.tag_key = kBackupCreated;
  }
  ASSIGN_OR_RETURN(std::vector<cloud::Snapshot> snaps, volumes.DescribeSnapshots(q));
  std::erase_if(snaps, [](const cloud::Snapshot& s) {
    return !s.tags.count(kBackupOf) || !s.tags.count(kBackupCreated);
  });
  return snaps;
}

core::Result<std::vector<cloud::Host>> BackupTargets(cloud::Cloud& cloud,
                                                     const BackupTarget& target) {
  if (!target.instance.empty()) {
    ASSIGN_OR_RETURN(cloud::Host h, cloud.instances.DescribeHost(target.instance));
    return std::vector<cloud::Host>{h};
  }
  bool by_stack = !target.stack.empty();
  const std::string& key = by_stack ? kStackTag : target.tag_key;
  const std::string& value = by_stack ? target.stack : target.tag_value;
  ASSIGN_OR_RETURN(std::vector<cloud::Host> hosts, cloud.instances.FindHosts(key, value));
  std::erase_if(hosts, [](const cloud::Host& h) { return h.instance.ec2_state == "terminated"; });
  if (hosts.empty()) {
    return core::NotFound(by_stack ? fmt::format("stack {} has no instances; check the name and "
                                                 "the region (--region)",
                                                 target.stack)
                                   : fmt::format("no instance carries the tag {}={}; check it "
                                                 "and the region (--region)",
                                                 key, value));
  }
  std::sort(hosts.begin(), hosts.end(),
            [](const auto& a, const auto& b) { return a.instance.id < b.instance.id; });
  return hosts;
}

core::Result<BackupPlan> PlanBackup(cloud::Cloud& cloud, const BackupRequest& request,
                                    const std::string& operation_id, core::Time now) {
  RETURN_IF_ERROR(CheckRequest(request));
  ASSIGN_OR_RETURN(std::vector<cloud::Host> hosts, BackupTargets(cloud, request.target));
  BackupPlan p;
  p.operation_id = operation_id;
  p.created = core::FormatIso8601(now);
  p.include_root = request.include_root;
  p.pre = request.pre;
  p.post = request.post;
  p.pre_timeout = request.pre_timeout;
  p.wait = request.wait;
  p.wait_timeout = request.wait_timeout;
  p.retention = request.retention;
  p.copy_to = request.copy_to;
  p.region = request.region;
  p.tags = request.tags;
  p.address = request.address;
  std::map<std::string, std::vector<Kept>> backups;
  if (p.retention.any()) {
    ASSIGN_OR_RETURN(backups, BackupsByVolume(cloud.volumes));
  }
  for (const cloud::Host& h : hosts) {
    std::string who =
        h.name.empty() ? h.instance.id : fmt::format("{} ({})", h.name, h.instance.id);
    const std::string& state = h.instance.ec2_state;
    if (state != "running" && state != "stopped") {
      p.skipped.push_back(fmt::format("{}: {} (neither running nor stopped)", who, state));
      continue;
    }
    BackupHost b{h.instance.id, h.name, state == "running", SetVolumes(h, request.include_root)};
    if (b.volumes.empty()) {
      p.skipped.push_back(fmt::format("{}: no data volume (--include-root takes its root)", who));
      continue;
    }
    if (p.retention.any()) {
      for (const cloud::BlockDevice& d : b.volumes) {
        std::vector<std::string> gone = PruneNow(backups[d.volume_id], p.retention, now);
        auto& into = p.prune_now[b.id];
        into.insert(into.end(), gone.begin(), gone.end());
      }
    }
    p.hosts.push_back(std::move(b));
  }
  if (p.hosts.empty()) {
    return core::InvalidArgument("nothing to back up: " + core::Join(p.skipped, "; "));
  }
  return p;
}

std::vector<std::string> DescribeBackup(const BackupPlan& p) {
  std::vector<std::string> out;
  for (const BackupHost& h : p.hosts) {
    std::vector<std::string> vols;
    for (const cloud::BlockDevice& d : h.volumes) {
      vols.push_back(fmt::format("{} ({}, {} GiB)", d.volume_id, d.device, d.size_gib));
    }
    std::string who = h.name.empty() ? h.id : fmt::format("{} ({})", h.name, h.id);
    out.push_back(fmt::format("{}: one snapshot set of {}", who, core::Join(vols, ", ")));
    if (!h.running && (!p.pre.empty() || !p.post.empty())) {
      out.push_back("  stopped: no --pre or --post command runs on it");
    }
  }
  for (const std::string& s : p.skipped) out.push_back("left out: " + s);
  if (!p.pre.empty()) {
    out.push_back(
        fmt::format("before each set, on the host: {} (each within {}s; a failure "
                    "skips that instance)",
                    Commands(p.pre), Seconds(p.pre_timeout)));
  }
  if (!p.post.empty()) {
    out.push_back(
        fmt::format("after each set, whatever happened, and on resume: {}", Commands(p.post)));
  }
  out.push_back(p.wait ? fmt::format("wait until every snapshot completed (at most {}s)",
                                     Seconds(p.wait_timeout))
                       : "no wait: the snapshots complete on their own (--no-wait)");
  if (!p.copy_to.empty()) {
    out.push_back(fmt::format("copy each snapshot to {} (tags kept), and wait", p.copy_to));
  }
  if (p.retention.any()) {
    std::vector<std::string> rule;
    if (p.retention.keep) rule.push_back(fmt::format("beyond the newest {}", *p.retention.keep));
    if (p.retention.max_age) {
      rule.push_back(fmt::format("older than {}s", Seconds(*p.retention.max_age)));
    }
    out.push_back(fmt::format(
        "then DELETE rotor's completed snapshots of each volume {}{} (only after that "
        "instance's backup succeeded; snapshots without rotor's tags are never touched)",
        core::Join(rule, " and "), p.copy_to.empty() ? "" : ", in both regions"));
    for (const auto& [id, gone] : p.prune_now) {
      if (!gone.empty()) out.push_back(fmt::format("  {}: {} now", id, core::Join(gone, ", ")));
    }
  }
  return out;
}

std::vector<std::string> BackupResources(const BackupPlan& p) {
  std::vector<std::string> out;
  for (const BackupHost& h : p.hosts) out.push_back("instance/" + h.id);
  return out;
}

std::string BackupPlanToJson(const BackupPlan& p) {
  json hosts = json::array();
  for (const BackupHost& h : p.hosts) {
    json vols = json::array();
    for (const cloud::BlockDevice& d : h.volumes) {
      vols.push_back({{"id", d.volume_id}, {"device", d.device}, {"size", d.size_gib}});
    }
    hosts.push_back({{"id", h.id}, {"name", h.name}, {"running", h.running}, {"volumes", vols}});
  }
  json j{{"operation", p.operation_id},
         {"created", p.created},
         {"hosts", hosts},
         {"skipped", p.skipped},
         {"include_root", p.include_root},
         {"pre", p.pre},
         {"post", p.post},
         {"pre_timeout_s", Seconds(p.pre_timeout)},
         {"wait", p.wait},
         {"wait_timeout_s", Seconds(p.wait_timeout)},
         {"copy_to", p.copy_to},
         {"region", p.region},
         {"tags", p.tags},
         {"address", static_cast<int>(p.address)}};
  if (p.retention.keep) j["keep"] = *p.retention.keep;
  if (p.retention.max_age) j["max_age_s"] = Seconds(*p.retention.max_age);
  return j.dump();
}

core::Result<BackupPlan> BackupPlanFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("hosts") || !j["hosts"].is_array()) {
    return core::InvalidArgument("the journaled backup plan cannot be read");
  }
  BackupPlan p;
  p.operation_id = j.value("operation", "");
  p.created = j.value("created", "");
  for (const json& h : j["hosts"]) {
    BackupHost b{h.value("id", ""), h.value("name", ""), h.value("running", true), {}};
    for (const json& v : h.value("volumes", json::array())) {
      cloud::BlockDevice d;
      d.volume_id = v.value("id", "");
      d.device = v.value("device", "");
      d.size_gib = v.value("size", 0);
      b.volumes.push_back(d);
    }
    p.hosts.push_back(std::move(b));
  }
  p.skipped = j.value("skipped", std::vector<std::string>{});
  p.include_root = j.value("include_root", false);
  p.pre = j.value("pre", std::vector<std::string>{});
  p.post = j.value("post", std::vector<std::string>{});
  p.pre_timeout = std::chrono::seconds(j.value("pre_timeout_s", int64_t{60}));
  p.wait = j.value("wait", true);
  p.wait_timeout = std::chrono::seconds(j.value("wait_timeout_s", int64_t{6 * 3600}));
  if (j.contains("keep")) p.retention.keep = j.value("keep", 1);
  if (j.contains("max_age_s"))
    p.retention.max_age = std::chrono::seconds(j.value("max_age_s", int64_t{0}));
  p.copy_to = j.value("copy_to", "");
  p.region = j.value("region", "");
  p.tags = j.value("tags", std::map<std::string, std::string>{});
  p.address = static_cast<AddressKind>(j.value("address", 0));
  return p;
}

}  // namespace rotor::ops
