// relocate: the plan's lines, and how the journal keeps the plan.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "ops/host_codec.h"
#include "ops/relocate.h"

namespace rotor::ops {
namespace {

using nlohmann::json;

std::string Change(const RelocatePlan& p) {
  const cloud::Volume& v = p.volume;
  const cloud::VolumeChange& t = p.target;
  std::vector<std::string> parts;
  if (t.size_gib != v.size_gib) parts.push_back(fmt::format("{} → {} GiB", v.size_gib, t.size_gib));
  if (t.volume_type != v.volume_type) {
    parts.push_back(fmt::format("{} → {}", v.volume_type, t.volume_type));
  }
  if (t.iops != v.iops) parts.push_back(fmt::format("{} → {} IOPS", v.iops, t.iops));
  return core::Join(parts, ", ");
}

}  // namespace

std::string DescribeGrow(const GrowPlan& g) {
  if (g.how == remote::FsGrow::kNone) {
    return "--grow none: the file system keeps its size; grow it yourself (growpart, then "
           "resize2fs, xfs_growfs or btrfs filesystem resize)";
  }
  std::vector<std::string> how;
  if (g.partition > 0) how.push_back(fmt::format("growpart (partition {})", g.partition));
  if (g.how == remote::FsGrow::kExtOffline) how.push_back("e2fsck -f");
  how.push_back(g.how == remote::FsGrow::kXfs     ? "xfs_growfs"
                : g.how == remote::FsGrow::kBtrfs ? "btrfs filesystem resize max"
                                                  : "resize2fs");
  return fmt::format("grow the {} file system {} to fill it: {}", g.fstype,
                     g.mountpoint.empty() ? "(not mounted)" : "at " + g.mountpoint,
                     core::Join(how, ", "));
}

namespace {

void SwapLines(const RelocatePlan& p, std::vector<std::string>& out) {
  const RestorePlan& s = *p.restore;
  bool offline = p.grow.how == remote::FsGrow::kExtOffline;
  out.push_back("by a swap: " + p.why_swap);
  out.push_back(fmt::format("snapshot {} ahead, in use", p.volume.id));
  out.push_back("outage begins");
  if (!s.stop.empty()) out.push_back("on the host: " + core::Join(s.stop, "; "));
  std::vector<std::string> points, inside;
  for (const VolumeMount& m : s.old->mounts) points.push_back(m.mountpoint);
  for (const Rider& r : s.riders) inside.push_back(fmt::format("{} ({})", r.mountpoint, r.device));
  if (!inside.empty()) out.push_back("unmount " + core::Join(inside, ", ") + ", mounted inside");
  if (!points.empty()) out.push_back("unmount " + core::Join(points, ", "));
  out.push_back(fmt::format("snapshot {} again (only what changed) and wait until it completed",
                            p.volume.id));
  out.push_back(fmt::format(
      "create a {} GiB {}{} volume from it in {}", s.volume.size_gib, s.volume.volume_type,
      s.volume.iops ? fmt::format(" ({} IOPS)", s.volume.iops) : "", s.volume.zone));
  out.push_back(fmt::format("detach {} from {} (kept)", p.volume.id, p.device));
  out.push_back(fmt::format("attach the new volume at {}", p.device));
  if (offline) out.push_back(DescribeGrow(p.grow));
  if (!points.empty()) out.push_back("mount it at " + core::Join(points, ", "));
  if (!offline) out.push_back(DescribeGrow(p.grow));
  if (!s.start.empty()) out.push_back("on the host: " + core::Join(s.start, "; "));
  out.push_back("outage ends");
  out.push_back(fmt::format(
      "{} and both snapshots stay (tagged rotor:operation={}): `rotor rollout rollback {}` puts "
      "the old volume back",
      p.volume.id, p.operation_id, p.operation_id));
}

json GrowJson(const GrowPlan& g) {
  return {{"how", static_cast<int>(g.how)},
          {"fstype", g.fstype},
          {"node", g.node},
          {"partition", g.partition},
          {"at", g.mountpoint}};
}

}  // namespace

std::vector<std::string> DescribeRelocate(const RelocatePlan& p) {
  std::vector<std::string> out;
  if (p.swap) {
    SwapLines(p, out);
  } else {
    out.push_back(
        fmt::format("change {} (at {}) in place: {}, online; cannot be undone (EBS "
                    "never shrinks a volume)",
                    p.volume.id, p.device, Change(p)));
    out.push_back("wait until EBS is optimizing it (the new size usable)");
    out.push_back(DescribeGrow(p.grow));
  }
  for (const std::string& n : p.notes) out.push_back("note: " + n);
  return out;
}

std::string RelocatePlanToJson(const RelocatePlan& p) {
  const cloud::Volume& v = p.volume;
  json j{{"operation", p.operation_id},
         {"host", HostJson(p.host)},
         {"volume",
          {{"id", v.id},
           {"zone", v.zone},
           {"size", v.size_gib},
           {"type", v.volume_type},
           {"iops", v.iops},
           {"encrypted", v.encrypted},
           {"tags", v.tags}}},
         {"device", p.device},
         {"target",
          {{"size", p.target.size_gib}, {"type", p.target.volume_type}, {"iops", p.target.iops}}},
         {"swap", p.swap},
         {"why_swap", p.why_swap},
         {"grow", GrowJson(p.grow)},
         {"notes", p.notes},
         {"address", static_cast<int>(p.address)}};
  if (p.restore) j["restore"] = json::parse(RestorePlanToJson(*p.restore));
  return j.dump();
}

core::Result<RelocatePlan> RelocatePlanFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("host") || !j["host"].is_object() || !j.contains("volume") ||
      !j["volume"].is_object() || !j.contains("target") || !j["target"].is_object()) {
    return core::InvalidArgument("the journaled relocate plan cannot be read");
  }
  RelocatePlan p;
  p.operation_id = j.value("operation", "");
  p.host = HostFrom(j["host"]);
  const json& v = j["volume"];
  p.volume.id = v.value("id", "");
  p.volume.zone = v.value("zone", "");
  p.volume.size_gib = v.value("size", 0);
  p.volume.volume_type = v.value("type", "");
  p.volume.iops = v.value("iops", 0);
  p.volume.encrypted = v.value("encrypted", false);
  p.volume.tags = v.value("tags", std::map<std::string, std::string>{});
  p.device = j.value("device", "");
  const json& t = j["target"];
  p.target = {t.value("size", 0), t.value("type", ""), t.value("iops", 0)};
  p.swap = j.value("swap", false);
  p.why_swap = j.value("why_swap", "");
  json g = j.value("grow", json::object());
  p.grow.how = static_cast<remote::FsGrow>(g.value("how", 0));
  p.grow.fstype = g.value("fstype", "");
  p.grow.node = g.value("node", "");
  p.grow.partition = g.value("partition", 0);
  p.grow.mountpoint = g.value("at", "");
  p.notes = j.value("notes", std::vector<std::string>{});
  p.address = static_cast<AddressKind>(j.value("address", 0));
  if (j.contains("restore")) {
    ASSIGN_OR_RETURN(p.restore, RestorePlanFromJson(j["restore"].dump()));
  }
  if (p.swap && !p.restore) return core::InvalidArgument("the journaled relocate plan has no swap");
  return p;
}

}  // namespace rotor::ops
