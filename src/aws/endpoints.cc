#include "aws/endpoints.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/strings.h"

namespace rotor::aws {

const ServiceInfo kEc2{"ec2", "ec2", "EC2", "2016-11-15", Protocol::kEc2, false};
const ServiceInfo kAutoScaling{"autoscaling", "autoscaling",    "AUTO_SCALING",
                               "2011-01-01",  Protocol::kQuery, false};
const ServiceInfo kElb{"elasticloadbalancing", "elasticloadbalancing", "ELASTIC_LOAD_BALANCING",
                       "2012-06-01",           Protocol::kQuery,       false};
const ServiceInfo kElbV2{
    "elasticloadbalancing", "elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2",
    "2015-12-01",           Protocol::kQuery,       false};
const ServiceInfo kCloudFormation{"cloudformation", "cloudformation", "CLOUDFORMATION",
                                  "2010-05-15",     Protocol::kQuery, false};
const ServiceInfo kSts{"sts", "sts", "STS", "2011-06-15", Protocol::kQuery, false};
const ServiceInfo kDynamoDb{"dynamodb",   "dynamodb",        "DYNAMODB",
                            "2012-08-10", Protocol::kJson10, false};
// Global: one endpoint (https://route53.amazonaws.com), signed for us-east-1.
const ServiceInfo kRoute53{"route53",    "route53",          "ROUTE_53",
                           "2013-04-01", Protocol::kRestXml, true};
const ServiceInfo kServiceQuotas{"servicequotas", "servicequotas",   "SERVICE_QUOTAS",
                                 "2019-06-24",    Protocol::kJson11, false};

namespace {

// From botocore's endpoints.json (aws, aws-cn, aws-us-gov partitions).
constexpr std::array<std::string_view, 38> kRegions = {
    "af-south-1",     "ap-east-1",      "ap-east-2",      "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-south-1",     "ap-south-2",     "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
    "ca-central-1",   "ca-west-1",      "eu-central-1",   "eu-central-2",   "eu-north-1",
    "eu-south-1",     "eu-south-2",     "eu-west-1",      "eu-west-2",      "eu-west-3",
    "il-central-1",   "me-central-1",   "me-south-1",     "mx-central-1",   "sa-east-1",
    "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2",      "cn-north-1",
    "cn-northwest-1", "us-gov-east-1",  "us-gov-west-1",
};

std::string DnsSuffix(const std::string& region) {
  return core::StartsWith(region, "cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

std::string StripTrailingSlash(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

bool IsKnownRegion(const std::string& region) {
  return std::find(kRegions.begin(), kRegions.end(), region) != kRegions.end();
}

core::Result<Endpoint> ResolveEndpoint(const ServiceInfo& service, const EndpointConfig& config) {
  Endpoint out;
  auto per_service = config.service_urls.find(service.service_id_env);
  if (per_service != config.service_urls.end() && !per_service->second.empty()) {
    out.url = per_service->second;
  } else if (!config.endpoint_url.empty()) {
    out.url = config.endpoint_url;
  }
  bool overridden = !out.url.empty();
  if (config.region.empty() && !service.global) {
    return core::InvalidArgument(
        "no region set: pass --region, set AWS_REGION, or add 'region = ...' to your profile in "
        "~/.aws/config");
  }
  if (!overridden && !service.global && !IsKnownRegion(config.region)) {
    return core::InvalidArgument(fmt::format(
        "unknown region '{}': check --region / AWS_REGION / the profile's region (for example "
        "eu-west-1); for a region rotor does not know yet, pass --endpoint-url",
        config.region));
  }
  if (service.global) {
    bool china = core::StartsWith(config.region, "cn-");
    out.signing_region = china ? "cn-northwest-1" : "us-east-1";
    if (!overridden)
      out.url = fmt::format("https://{}.{}", service.endpoint_prefix,
                            china ? "amazonaws.com.cn" : "amazonaws.com");
  } else {
    out.signing_region = config.region;
    if (!overridden) {
      out.url = fmt::format("https://{}.{}.{}", service.endpoint_prefix, config.region,
                            DnsSuffix(config.region));
    }
  }
  out.url = StripTrailingSlash(out.url);
  return out;
}

}  // namespace rotor::aws
