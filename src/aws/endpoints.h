// Which URL each service is reached at, and which region it is signed for.
#pragma once

#include <map>
#include <string>

#include "core/status.h"

namespace rotor::aws {

enum class Protocol { kEc2, kQuery, kRestXml, kJson10, kJson11 };

// Static facts about one AWS service, from its botocore model.
struct ServiceInfo {
  std::string signing_name;     // "ec2", "autoscaling", "elasticloadbalancing", ...
  std::string endpoint_prefix;  // host prefix: "ec2", "autoscaling", "elasticloadbalancing"
  std::string service_id_env;   // AWS_ENDPOINT_URL_<this>: "EC2", "AUTO_SCALING", ...
  std::string api_version;      // "2016-11-15"
  Protocol protocol = Protocol::kQuery;
  bool global = false;  // Route 53: one endpoint, signed for us-east-1
};

extern const ServiceInfo kEc2;
extern const ServiceInfo kAutoScaling;
extern const ServiceInfo kElb;
extern const ServiceInfo kElbV2;
extern const ServiceInfo kCloudFormation;
extern const ServiceInfo kSts;
extern const ServiceInfo kServiceQuotas;
extern const ServiceInfo kDynamoDb;
extern const ServiceInfo kRoute53;

// Where endpoint overrides come from: --endpoint-url / AWS_ENDPOINT_URL, and per service
// AWS_ENDPOINT_URL_<SERVICE> (keyed by ServiceInfo::service_id_env). Read once by cli/.
struct EndpointConfig {
  std::string region;
  std::string endpoint_url;
  std::map<std::string, std::string> service_urls;
};

struct Endpoint {
  std::string url;             // "https://ec2.eu-west-1.amazonaws.com"
  std::string signing_region;  // "eu-west-1"; "us-east-1" for global services
};

// The per-service override, then the global one, else the standard regional endpoint.
// kInvalidArgument when no region is set, or the region is unknown and no endpoint overrides it.
core::Result<Endpoint> ResolveEndpoint(const ServiceInfo& service, const EndpointConfig& config);

// True for region names AWS publishes (aws, aws-cn and aws-us-gov partitions).
bool IsKnownRegion(const std::string& region);

}  // namespace rotor::aws
