#include "aws/elb.h"

namespace rotor::aws::elb {

void DecodeInstanceHealth(const pugi::xml_node& root, const std::string& lb,
                          std::map<std::string, cloud::LbHealth>& out) {
  pugi::xml_node result = Find(root, "DescribeInstanceHealthResult");
  for (const pugi::xml_node& m : ListItems(result, "InstanceStates")) {
    cloud::LbHealth h{cloud::LbKind::kClassic, lb, Text(m, "State"), Text(m, "Description")};
    std::string code = Text(m, "ReasonCode");
    if (!code.empty() && code != "N/A") h.reason = code + ": " + h.reason;
    out[Text(m, "InstanceId")] = h;
  }
}

void DecodeTargetHealth(const pugi::xml_node& root, const std::string& arn,
                        std::map<std::string, cloud::LbHealth>& out) {
  pugi::xml_node result = Find(root, "DescribeTargetHealthResult");
  for (const pugi::xml_node& m : ListItems(result, "TargetHealthDescriptions")) {
    pugi::xml_node th = m.child("TargetHealth");
    cloud::LbHealth h{cloud::LbKind::kTargetGroup, arn, Text(th, "State"), Text(th, "Reason")};
    out[Text(m.child("Target"), "Id")] = h;
  }
}

core::Result<std::map<std::string, cloud::LbHealth>> DescribeInstanceHealth(
    AwsClient& client, const std::string& load_balancer) {
  Params p;
  p.Add("LoadBalancerName", load_balancer);
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("DescribeInstanceHealth", p));
  std::map<std::string, cloud::LbHealth> out;
  DecodeInstanceHealth(*doc, load_balancer, out);
  return out;
}

core::Result<std::map<std::string, cloud::LbHealth>> DescribeTargetHealth(
    AwsClient& client, const std::string& target_group_arn) {
  Params p;
  p.Add("TargetGroupArn", target_group_arn);
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("DescribeTargetHealth", p));
  std::map<std::string, cloud::LbHealth> out;
  DecodeTargetHealth(*doc, target_group_arn, out);
  return out;
}

core::Result<core::Duration> ClassicDrainTimeout(AwsClient& client, const std::string& name) {
  Params p;
  p.Add("LoadBalancerName", name);
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("DescribeLoadBalancerAttributes", p));
  pugi::xml_node draining = Find(*doc, "ConnectionDraining");
  if (!BoolText(draining, "Enabled")) return core::Duration(0);
  return std::chrono::duration_cast<core::Duration>(
      std::chrono::seconds(IntText(draining, "Timeout")));
}

core::Result<core::Duration> DeregistrationDelay(AwsClient& client, const std::string& arn) {
  Params p;
  p.Add("TargetGroupArn", arn);
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("DescribeTargetGroupAttributes", p));
  for (const pugi::xml_node& a :
       ListItems(Find(*doc, "DescribeTargetGroupAttributesResult"), "Attributes")) {
    if (Text(a, "Key") == "deregistration_delay.timeout_seconds") {
      return std::chrono::duration_cast<core::Duration>(
          std::chrono::seconds(std::atoi(Text(a, "Value").c_str())));
    }
  }
  return std::chrono::duration_cast<core::Duration>(std::chrono::seconds(300));  // the AWS default
}

core::Status DeregisterInstances(AwsClient& client, const std::string& load_balancer,
                                 const std::vector<std::string>& instance_ids) {
  Params p;
  p.Add("LoadBalancerName", load_balancer);
  for (size_t i = 0; i < instance_ids.size(); ++i) {
    p.Add("Instances.member." + std::to_string(i + 1) + ".InstanceId", instance_ids[i]);
  }
  return client.Query("DeregisterInstancesFromLoadBalancer", p).status();
}

core::Status DeregisterTargets(AwsClient& client, const std::string& target_group_arn,
                               const std::vector<std::string>& instance_ids) {
  Params p;
  p.Add("TargetGroupArn", target_group_arn);
  for (size_t i = 0; i < instance_ids.size(); ++i) {
    p.Add("Targets.member." + std::to_string(i + 1) + ".Id", instance_ids[i]);
  }
  return client.Query("DeregisterTargets", p).status();
}

}  // namespace rotor::aws::elb

namespace rotor::aws::elb {

core::Result<std::vector<std::string>> ClassicZones(AwsClient& client, const std::string& name) {
  Params p;
  p.Add("LoadBalancerNames.member.1", name);
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("DescribeLoadBalancers", p));
  std::vector<std::string> zones;
  for (const pugi::xml_node& lb :
       ListItems(Find(*doc, "DescribeLoadBalancersResult"), "LoadBalancerDescriptions")) {
    for (const pugi::xml_node& z : ListItems(lb, "AvailabilityZones")) {
      zones.push_back(z.child_value());
    }
  }
  return zones;
}

core::Result<std::vector<cloud::LoadBalancerZones>> TargetGroupZones(AwsClient& client,
                                                                     const std::string& arn) {
  Params tg;
  tg.Add("TargetGroupArns.member.1", arn);
  ASSIGN_OR_RETURN(XmlDoc groups, client.Query("DescribeTargetGroups", tg));
  std::vector<std::string> lbs;
  for (const pugi::xml_node& g :
       ListItems(Find(*groups, "DescribeTargetGroupsResult"), "TargetGroups")) {
    for (const pugi::xml_node& lb : ListItems(g, "LoadBalancerArns")) {
      lbs.push_back(lb.child_value());
    }
  }
  std::vector<cloud::LoadBalancerZones> out;
  if (lbs.empty()) return out;
  Params p;
  p.AddMemberList("LoadBalancerArns", lbs);
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("DescribeLoadBalancers", p));
  for (const pugi::xml_node& lb :
       ListItems(Find(*doc, "DescribeLoadBalancersResult"), "LoadBalancers")) {
    cloud::LoadBalancerZones z{Text(lb, "LoadBalancerName"), {}};
    for (const pugi::xml_node& az : ListItems(lb, "AvailabilityZones")) {
      z.zones.push_back(Text(az, "ZoneName"));
    }
    out.push_back(std::move(z));
  }
  return out;
}

}  // namespace rotor::aws::elb
