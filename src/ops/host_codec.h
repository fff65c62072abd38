// How the host-move jobs (redeploy-bastion, replace-instance) journal what they found: a host,
// a launch, a Route 53 record, an elastic IP. User data is never journaled (it may hold
// secrets): a resumed launch reads it again from the old host.
#pragma once

#include <nlohmann/json.hpp>

#include "cloud/cloud.h"

namespace rotor::ops {

nlohmann::json HostJson(const cloud::Host& host);
cloud::Host HostFrom(const nlohmann::json& j);

nlohmann::json LaunchJson(const cloud::LaunchLike& launch);
cloud::LaunchLike LaunchFrom(const nlohmann::json& j);

nlohmann::json RecordJson(const cloud::DnsRecord& record);
cloud::DnsRecord RecordFrom(const nlohmann::json& j);

nlohmann::json AddressJson(const cloud::ElasticIp& eip);
cloud::ElasticIp AddressFrom(const nlohmann::json& j);

}  // namespace rotor::ops
