// replace-instance: the plan as the journal keeps it. Everything a step or its undo needs that
// cannot be observed again once things moved — the old host as it was, each volume's device and
// mount points, the addresses, the records' old values, the commands — is written before the
// first step acts. Commands are kept as the operator wrote them (placeholders unexpanded); the
// operator is told in the README that rotor journals them, so secrets belong in files on the
// hosts, not on the command line.
#include <nlohmann/json.hpp>

#include "ops/host_codec.h"
#include "ops/replace_instance.h"

namespace rotor::ops {
namespace {

using nlohmann::json;

json VolumeJson(const MovedVolume& m) {
  const cloud::Volume& v = m.volume;
  json mounts = json::array();
  for (const VolumeMount& x : m.mounts) mounts.push_back({{"node", x.node}, {"at", x.mountpoint}});
  return {{"id", v.id},
          {"zone", v.zone},
          {"size", v.size_gib},
          {"type", v.volume_type},
          {"encrypted", v.encrypted},
          {"tags", v.tags},
          {"device", m.device},
          {"mounts", mounts}};
}

MovedVolume VolumeFrom(const json& j) {
  MovedVolume m;
  cloud::Volume& v = m.volume;
  v.id = j.value("id", "");
  v.zone = j.value("zone", "");
  v.size_gib = j.value("size", 0);
  v.volume_type = j.value("type", "");
  v.encrypted = j.value("encrypted", false);
  v.tags = j.value("tags", std::map<std::string, std::string>{});
  m.device = j.value("device", "");
  for (const json& x : j.value("mounts", json::array())) {
    m.mounts.push_back({x.value("node", ""), x.value("at", "")});
  }
  return m;
}

int64_t Seconds(core::Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

std::string ReplacePlanToJson(const ReplacePlan& p) {
  json volumes = json::array(), addresses = json::array(), records = json::array();
  for (const MovedVolume& v : p.volumes) volumes.push_back(VolumeJson(v));
  for (const cloud::ElasticIp& e : p.addresses) addresses.push_back(AddressJson(e));
  for (const cloud::DnsRecord& r : p.records) records.push_back(RecordJson(r));
  json j = {{"operation", p.operation_id},
            {"finish_of", p.finish_of},
            {"old", HostJson(p.old)},
            {"launch", LaunchJson(p.launch)},
            {"image_why", p.image_why},
            {"volumes", volumes},
            {"addresses", addresses},
            {"records", records},
            {"following", p.following},
            {"left", p.left},
            {"stop", p.stop},
            {"start", p.start},
            {"copy", p.copy},
            {"prepare", p.prepare},
            {"after", p.after},
            {"unmount", p.unmount},
            {"probes", p.probes},
            {"probe_address", p.probe_address},
            {"address", static_cast<int>(p.address)},
            {"health_timeout_s", Seconds(p.health_timeout)}};
  if (p.keep_old) j["keep_old_s"] = Seconds(*p.keep_old);
  return j.dump();
}

core::Result<ReplacePlan> ReplacePlanFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("old") || !j["old"].is_object()) {
    return core::InvalidArgument("the journaled replace-instance plan cannot be read");
  }
  using Strings = std::vector<std::string>;
  ReplacePlan p;
  p.operation_id = j.value("operation", "");
  p.finish_of = j.value("finish_of", "");
  p.old = HostFrom(j["old"]);
  p.launch = LaunchFrom(j.value("launch", json::object()));
  p.image_why = j.value("image_why", "");
  for (const json& v : j.value("volumes", json::array())) p.volumes.push_back(VolumeFrom(v));
  for (const json& a : j.value("addresses", json::array())) p.addresses.push_back(AddressFrom(a));
  for (const json& r : j.value("records", json::array())) p.records.push_back(RecordFrom(r));
  p.following = j.value("following", Strings{});
  p.left = j.value("left", Strings{});
  p.stop = j.value("stop", Strings{});
  p.start = j.value("start", Strings{});
  p.copy = j.value("copy", Strings{});
  p.prepare = j.value("prepare", Strings{});
  p.after = j.value("after", Strings{});
  p.unmount = j.value("unmount", true);
  p.probes = j.value("probes", Strings{});
  p.probe_address = j.value("probe_address", "private");
  p.address = static_cast<AddressKind>(j.value("address", 0));
  p.health_timeout = std::chrono::seconds(j.value("health_timeout_s", int64_t{900}));
  if (j.contains("keep_old_s"))
    p.keep_old = std::chrono::seconds(j.value("keep_old_s", int64_t{0}));
  return p;
}

}  // namespace rotor::ops
