// The host-move jobs' journaled values (host_codec.h).
#include "ops/host_codec.h"

namespace rotor::ops {

using nlohmann::json;

json HostJson(const cloud::Host& h) {
  const cloud::Instance& i = h.instance;
  json devices = json::array();
  for (const cloud::BlockDevice& d : h.devices) {
    devices.push_back({{"device", d.device},
                       {"volume", d.volume_id},
                       {"size", d.size_gib},
                       {"type", d.volume_type},
                       {"encrypted", d.encrypted}});
  }
  return {{"id", i.id},
          {"zone", i.zone},
          {"state", i.ec2_state},
          {"image", i.image_id},
          {"type", i.instance_type},
          {"private_ip", i.private_ip},
          {"public_ip", i.public_ip},
          {"ipv6", i.ipv6_addresses},
          {"tags", i.tags},
          {"name", h.name},
          {"subnet", h.subnet_id},
          {"vpc", h.vpc_id},
          {"security_groups", h.security_groups},
          {"key", h.key_name},
          {"profile", h.profile_arn},
          {"root_device", h.root_device},
          {"devices", devices},
          {"protected", h.termination_protection},
          {"group", h.group}};
}

cloud::Host HostFrom(const json& j) {
  cloud::Host h;
  cloud::Instance& i = h.instance;
  i.id = j.value("id", "");
  i.zone = j.value("zone", "");
  i.ec2_state = j.value("state", "");
  i.image_id = j.value("image", "");
  i.instance_type = j.value("type", "");
  i.private_ip = j.value("private_ip", "");
  i.public_ip = j.value("public_ip", "");
  i.ipv6_addresses = j.value("ipv6", std::vector<std::string>{});
  i.tags = j.value("tags", std::map<std::string, std::string>{});
  h.name = j.value("name", "");
  h.subnet_id = j.value("subnet", "");
  h.vpc_id = j.value("vpc", "");
  h.security_groups = j.value("security_groups", std::vector<std::string>{});
  h.key_name = j.value("key", "");
  h.profile_arn = j.value("profile", "");
  h.root_device = j.value("root_device", "");
  for (const json& d : j.value("devices", json::array())) {
    h.devices.push_back({d.value("device", ""), d.value("volume", ""), d.value("size", 0),
                         d.value("type", ""), d.value("encrypted", false), false});
  }
  h.termination_protection = j.value("protected", false);
  h.group = j.value("group", "");
  return h;
}

json LaunchJson(const cloud::LaunchLike& l) {
  json j = {{"image", l.image_id},
            {"type", l.instance_type},
            {"subnet", l.subnet_id},
            {"security_groups", l.security_groups},
            {"key", l.key_name},
            {"profile", l.profile_arn},
            {"tags", l.tags},
            {"ipv6_count", l.ipv6_count},
            {"protected", l.termination_protection},
            {"token", l.client_token}};
  if (l.root) {
    j["root"] = {{"device", l.root->device},
                 {"size", l.root->size_gib},
                 {"type", l.root->volume_type},
                 {"encrypted", l.root->encrypted}};
  }
  return j;
}

cloud::LaunchLike LaunchFrom(const json& j) {
  cloud::LaunchLike l;
  l.image_id = j.value("image", "");
  l.instance_type = j.value("type", "");
  l.subnet_id = j.value("subnet", "");
  l.security_groups = j.value("security_groups", std::vector<std::string>{});
  l.key_name = j.value("key", "");
  l.profile_arn = j.value("profile", "");
  l.tags = j.value("tags", std::map<std::string, std::string>{});
  l.ipv6_count = j.value("ipv6_count", 0);
  l.termination_protection = j.value("protected", false);
  l.client_token = j.value("token", "");
  if (j.contains("root")) {
    const json& r = j["root"];
    l.root = cloud::RootVolume{r.value("device", ""), r.value("size", 0), r.value("type", ""),
                               r.value("encrypted", true)};
  }
  return l;
}

json RecordJson(const cloud::DnsRecord& r) {
  return {{"zone", r.zone_id}, {"name", r.name},     {"type", r.type},
          {"ttl", r.ttl},      {"values", r.values}, {"set", r.set_identifier}};
}

cloud::DnsRecord RecordFrom(const json& j) {
  cloud::DnsRecord r;
  r.zone_id = j.value("zone", "");
  r.name = j.value("name", "");
  r.type = j.value("type", "");
  r.ttl = j.value("ttl", int64_t{0});
  r.values = j.value("values", std::vector<std::string>{});
  r.set_identifier = j.value("set", "");
  return r;
}

json AddressJson(const cloud::ElasticIp& e) {
  return {{"allocation", e.allocation_id}, {"ip", e.public_ip}};
}

cloud::ElasticIp AddressFrom(const json& j) {
  cloud::ElasticIp e;
  e.allocation_id = j.value("allocation", "");
  e.public_ip = j.value("ip", "");
  return e;
}

}  // namespace rotor::ops
