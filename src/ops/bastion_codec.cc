// redeploy-bastion: the plan as the journal keeps it. Everything a step needs that cannot be
// observed again once things moved (the old instance's addresses, the records' old values, the
// group's sizes) is here, written before the first step acts.
#include <nlohmann/json.hpp>

#include "ops/bastion.h"
#include "ops/host_codec.h"

namespace rotor::ops {

using nlohmann::json;

std::string BastionPlanToJson(const BastionPlan& p) {
  json addresses = json::array(), records = json::array();
  for (const cloud::ElasticIp& e : p.addresses) {
    addresses.push_back(AddressJson(e));
  }
  for (const cloud::DnsRecord& r : p.records) records.push_back(RecordJson(r));
  return json{{"operation", p.operation_id},
              {"old", HostJson(p.old)},
              {"group", p.group},
              {"group_desired", p.group_desired},
              {"group_max", p.group_max},
              {"launch", LaunchJson(p.launch)},
              {"image_why", p.image_why},
              {"addresses", addresses},
              {"records", records},
              {"following", p.following},
              {"left", p.left},
              {"port", p.port},
              {"terminate_old", p.terminate_old},
              {"address", static_cast<int>(p.address)},
              {"health_timeout_s",
               std::chrono::duration_cast<std::chrono::seconds>(p.health_timeout).count()}}
      .dump();
}

core::Result<BastionPlan> BastionPlanFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("old") || !j["old"].is_object()) {
    return core::InvalidArgument("the journaled redeploy-bastion plan cannot be read");
  }
  BastionPlan p;
  p.operation_id = j.value("operation", "");
  p.old = HostFrom(j["old"]);
  p.group = j.value("group", "");
  p.group_desired = j.value("group_desired", 0);
  p.group_max = j.value("group_max", 0);
  p.launch = LaunchFrom(j.value("launch", json::object()));
  p.image_why = j.value("image_why", "");
  for (const json& a : j.value("addresses", json::array())) {
    p.addresses.push_back(AddressFrom(a));
  }
  for (const json& r : j.value("records", json::array())) p.records.push_back(RecordFrom(r));
  p.following = j.value("following", std::vector<std::string>{});
  p.left = j.value("left", std::vector<std::string>{});
  p.port = j.value("port", 22);
  p.terminate_old = j.value("terminate_old", false);
  p.address = static_cast<AddressKind>(j.value("address", 0));
  p.health_timeout = std::chrono::seconds(j.value("health_timeout_s", int64_t{600}));
  return p;
}

}  // namespace rotor::ops
