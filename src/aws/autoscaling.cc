#include "aws/autoscaling.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"

namespace rotor::aws::autoscaling {
namespace {

constexpr size_t kNamesPerCall = 50;  // DescribeAutoScalingGroups accepts up to 100 names

cloud::LaunchSpec DecodeTemplateSpec(const pugi::xml_node& lt) {
  cloud::LaunchSpec spec;
  spec.kind = cloud::LaunchSpec::Kind::kTemplate;
  spec.template_id = Text(lt, "LaunchTemplateId");
  spec.template_name = Text(lt, "LaunchTemplateName");
  spec.version = Text(lt, "Version");
  return spec;
}

cloud::LaunchSpec DecodeSpec(const pugi::xml_node& node) {
  if (pugi::xml_node lt = node.child("LaunchTemplate")) return DecodeTemplateSpec(lt);
  pugi::xml_node mixed = node.child("MixedInstancesPolicy")
                             .child("LaunchTemplate")
                             .child("LaunchTemplateSpecification");
  if (mixed) return DecodeTemplateSpec(mixed);
  cloud::LaunchSpec spec;
  std::string lc = Text(node, "LaunchConfigurationName");
  if (!lc.empty()) {
    spec.kind = cloud::LaunchSpec::Kind::kConfiguration;
    spec.configuration_name = lc;
  }
  return spec;
}

cloud::Instance DecodeMember(const pugi::xml_node& m) {
  cloud::Instance i;
  i.id = Text(m, "InstanceId");
  i.zone = Text(m, "AvailabilityZone");
  i.lifecycle_state = Text(m, "LifecycleState");
  i.health_status = Text(m, "HealthStatus");
  i.instance_type = Text(m, "InstanceType");
  i.image_id = Text(m, "ImageId");
  i.protected_from_scale_in = BoolText(m, "ProtectedFromScaleIn");
  i.spec = DecodeSpec(m);
  return i;
}

std::vector<std::string> Strings(const pugi::xml_node& node, const char* child) {
  std::vector<std::string> out;
  for (const pugi::xml_node& m : ListItems(node, child)) out.push_back(m.text().get());
  return out;
}

cloud::Group DecodeGroup(const pugi::xml_node& g) {
  cloud::Group out;
  out.name = Text(g, "AutoScalingGroupName");
  out.min_size = IntText(g, "MinSize");
  out.max_size = IntText(g, "MaxSize");
  out.desired = IntText(g, "DesiredCapacity");
  out.spec = DecodeSpec(g);
  out.zones = Strings(g, "AvailabilityZones");
  out.classic_elbs = Strings(g, "LoadBalancerNames");
  out.target_groups = Strings(g, "TargetGroupARNs");
  out.health_check_type = Text(g, "HealthCheckType");
  out.health_check_grace = std::chrono::seconds(IntText(g, "HealthCheckGracePeriod"));
  for (const pugi::xml_node& p : ListItems(g, "SuspendedProcesses")) {
    out.suspended_processes.push_back(Text(p, "ProcessName"));
  }
  for (const pugi::xml_node& t : ListItems(g, "Tags")) {
    if (Text(t, "Key") == "aws:cloudformation:stack-name") out.stack_name = Text(t, "Value");
  }
  for (const pugi::xml_node& m : ListItems(g, "Instances")) {
    cloud::Instance i = DecodeMember(m);
    if (i.spec.kind == cloud::LaunchSpec::Kind::kNone) i.spec.kind = out.spec.kind;
    out.instances.push_back(std::move(i));
  }
  return out;
}

}  // namespace

void DecodeGroups(const pugi::xml_node& root, std::vector<cloud::Group>& out) {
  for (const pugi::xml_node& g :
       ListItems(Find(root, "DescribeAutoScalingGroupsResult"), "AutoScalingGroups")) {
    out.push_back(DecodeGroup(g));
  }
}

namespace {

core::Status DescribeBatch(AwsClient& client, const std::vector<std::string>& names,
                           std::vector<cloud::Group>& out) {
  std::string token;
  do {
    Params p;
    p.AddMemberList("AutoScalingGroupNames", names);
    p.Add("MaxRecords", "100");
    if (!token.empty()) p.Add("NextToken", token);
    ASSIGN_OR_RETURN(XmlDoc doc, client.Query("DescribeAutoScalingGroups", p));
    DecodeGroups(*doc, out);
    token = Text(Find(*doc, "DescribeAutoScalingGroupsResult"), "NextToken");
  } while (!token.empty());
  return core::Status::Ok();
}

}  // namespace

core::Result<std::vector<cloud::Group>> DescribeGroups(AwsClient& client,
                                                       const std::vector<std::string>& names) {
  std::vector<cloud::Group> out;
  if (names.empty()) {
    RETURN_IF_ERROR(DescribeBatch(client, {}, out));
    return out;
  }
  RETURN_IF_ERROR(ForEachBatch(names, kNamesPerCall, [&](const std::vector<std::string>& batch) {
    return DescribeBatch(client, batch, out);
  }));
  return out;
}

core::Result<std::map<std::string, LaunchConfiguration>> DescribeLaunchConfigurations(
    AwsClient& client, const std::vector<std::string>& names) {
  std::map<std::string, LaunchConfiguration> out;
  auto describe = [&](const std::vector<std::string>& batch) -> core::Status {
    std::string token;
    do {
      Params p;
      p.AddMemberList("LaunchConfigurationNames", batch);
      if (!token.empty()) p.Add("NextToken", token);
      ASSIGN_OR_RETURN(XmlDoc doc, client.Query("DescribeLaunchConfigurations", p));
      pugi::xml_node result = Find(*doc, "DescribeLaunchConfigurationsResult");
      for (const pugi::xml_node& lc : ListItems(result, "LaunchConfigurations")) {
        LaunchConfiguration c{Text(lc, "LaunchConfigurationName"), Text(lc, "ImageId"),
                              Text(lc, "InstanceType")};
        out[c.name] = c;
      }
      token = Text(result, "NextToken");
    } while (!token.empty());
    return core::Status::Ok();
  };
  RETURN_IF_ERROR(ForEachBatch(names, kNamesPerCall, describe));
  return out;
}

}  // namespace rotor::aws::autoscaling

namespace rotor::aws::autoscaling {

core::Result<std::vector<cloud::LifecycleHook>> DescribeLifecycleHooks(AwsClient& client,
                                                                       const std::string& group) {
  Params p;
  p.Add("AutoScalingGroupName", group);
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("DescribeLifecycleHooks", p));
  std::vector<cloud::LifecycleHook> out;
  for (const pugi::xml_node& h :
       ListItems(Find(*doc, "DescribeLifecycleHooksResult"), "LifecycleHooks")) {
    out.push_back({Text(h, "LifecycleHookName"), Text(h, "LifecycleTransition"),
                   std::chrono::seconds(IntText(h, "HeartbeatTimeout", 3600)),
                   Text(h, "DefaultResult"), Text(h, "NotificationTargetARN")});
  }
  return out;
}

core::Result<std::string> UnfinishedInstanceRefresh(AwsClient& client, const std::string& group) {
  static const std::vector<std::string> kUnfinished = {"Pending", "InProgress", "Cancelling",
                                                       "RollbackInProgress", "Baking"};
  Params p;
  p.Add("AutoScalingGroupName", group);
  p.Add("MaxRecords", "1");  // newest first: only the latest can still be running
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("DescribeInstanceRefreshes", p));
  for (const pugi::xml_node& r :
       ListItems(Find(*doc, "DescribeInstanceRefreshesResult"), "InstanceRefreshes")) {
    std::string status = Text(r, "Status");
    if (std::find(kUnfinished.begin(), kUnfinished.end(), status) != kUnfinished.end()) {
      return Text(r, "InstanceRefreshId") + " " + status;
    }
  }
  return std::string();
}

}  // namespace rotor::aws::autoscaling
