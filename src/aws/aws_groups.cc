// AwsGroups: observations batched across groups (one call per page or per distinct template,
// configuration and load balancer), and the pre-flight reads: load balancer zones, lifecycle
// hooks, Instance Refreshes.
#include "aws/aws_groups.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "aws/autoscaling.h"
#include "aws/ec2.h"
#include "aws/elb.h"
#include "core/strings.h"

namespace rotor::aws {
namespace {

using cloud::LaunchSpec;

// "$Latest" / "$Default" / "" → the template's number; a number stays.
std::string ResolveVersion(const std::string& version, const ec2::LaunchTemplate& lt) {
  if (version == "$Latest") return lt.latest_version;
  if (version.empty() || version == "$Default") return lt.default_version;
  return version;
}

bool IsNumber(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

core::Result<std::vector<cloud::Group>> DescribeNamedGroups(AwsClient& asg,
                                                            const std::vector<std::string>& names) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, autoscaling::DescribeGroups(asg, names));
  std::set<std::string> found;
  for (const cloud::Group& g : groups) found.insert(g.name);
  for (const std::string& n : names) {
    if (!found.count(n)) {
      return core::NotFound(fmt::format("auto scaling group '{}' does not exist in region {}", n,
                                        asg.endpoint().signing_region));
    }
  }
  return groups;
}

core::Result<std::vector<cloud::Group>> AwsGroups::ObserveGroups(
    const std::vector<std::string>& names) {
  if (names.empty()) return std::vector<cloud::Group>{};
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, DescribeNamedGroups(asg_, names));
  RETURN_IF_ERROR(ResolveSpecs(groups));
  RETURN_IF_ERROR(AttachInstances(groups));
  RETURN_IF_ERROR(AttachHealth(groups));
  return groups;
}

// Resolves template versions to numbers and fills in each group's image: one
// DescribeLaunchTemplates for all templates, one DescribeLaunchTemplateVersions per template,
// one DescribeLaunchConfigurations per 50 configurations.
core::Status AwsGroups::ResolveSpecs(std::vector<cloud::Group>& groups) {
  ASSIGN_OR_RETURN(auto templates, TemplatesOf(groups));
  std::map<std::string, std::set<std::string>> wanted;  // template id -> the groups' versions
  for (cloud::Group& g : groups) {
    ResolveTemplate(g.spec, templates, /*is_group=*/true);
    for (cloud::Instance& i : g.instances) ResolveTemplate(i.spec, templates, /*is_group=*/false);
    if (!g.spec.resolved_version.empty()) {
      wanted[g.spec.template_id].insert(g.spec.resolved_version);
    }
  }
  std::map<std::string, std::map<std::string, ec2::TemplateVersion>> versions;
  for (const auto& [id, numbers] : wanted) {
    ASSIGN_OR_RETURN(versions[id], ec2::DescribeLaunchTemplateVersions(
                                       ec2_, id, {numbers.begin(), numbers.end()}));
  }
  ASSIGN_OR_RETURN(auto configs, ConfigurationsOf(groups));
  for (cloud::Group& g : groups) {
    LaunchSpec& spec = g.spec;
    if (spec.kind == LaunchSpec::Kind::kTemplate) {
      auto it = versions[spec.template_id].find(spec.resolved_version);
      if (it == versions[spec.template_id].end()) continue;
      // "resolve:ssm:..." is not an image id; leave it unknown rather than compare it.
      if (core::StartsWith(it->second.image_id, "ami-")) spec.image_id = it->second.image_id;
      spec.instance_type = it->second.instance_type;
    } else if (auto it = configs.find(spec.configuration_name); it != configs.end()) {
      spec.image_id = it->second.image_id;
      spec.instance_type = it->second.instance_type;
    }
  }
  return core::Status::Ok();
}

core::Result<AwsGroups::Templates> AwsGroups::TemplatesOf(const std::vector<cloud::Group>& groups) {
  std::set<std::string> ids, names;
  for (const cloud::Group& g : groups) {
    if (g.spec.kind != LaunchSpec::Kind::kTemplate) continue;
    if (!g.spec.template_id.empty()) {
      ids.insert(g.spec.template_id);
    } else {
      names.insert(g.spec.template_name);
    }
  }
  // Ask again for whatever an answer left out: some endpoints (moto) cut the list short without
  // a NextToken. AWS answers in one call; each further call must bring something new.
  Templates out;
  while (!ids.empty() || !names.empty()) {
    ASSIGN_OR_RETURN(Templates got, ec2::DescribeLaunchTemplates(ec2_, {ids.begin(), ids.end()},
                                                                 {names.begin(), names.end()}));
    if (got.empty()) break;  // the rest do not exist; their groups stay unresolved
    for (auto& [id, lt] : got) {
      ids.erase(id);
      names.erase(lt.name);
      out[id] = std::move(lt);
    }
  }
  return out;
}

core::Result<AwsGroups::Configurations> AwsGroups::ConfigurationsOf(
    const std::vector<cloud::Group>& groups) {
  std::set<std::string> names;
  for (const cloud::Group& g : groups) {
    if (g.spec.kind == LaunchSpec::Kind::kConfiguration) names.insert(g.spec.configuration_name);
  }
  if (names.empty()) return Configurations{};
  return autoscaling::DescribeLaunchConfigurations(asg_, {names.begin(), names.end()});
}

// Fills in the template id (from the name) and the version number. A group's "$Latest" or
// "$Default" is resolved; an instance's is not — it may predate the current $Latest — and is
// later taken from the instance's aws:ec2launchtemplate:version tag.
void AwsGroups::ResolveTemplate(LaunchSpec& spec, const Templates& templates, bool is_group) {
  if (spec.kind != LaunchSpec::Kind::kTemplate) return;
  if (spec.template_id.empty()) {
    for (const auto& [id, lt] : templates) {
      if (lt.name == spec.template_name) spec.template_id = id;
    }
  }
  auto it = templates.find(spec.template_id);
  if (it == templates.end()) return;
  if (spec.template_name.empty()) spec.template_name = it->second.name;
  if (IsNumber(spec.version)) {
    spec.resolved_version = spec.version;
  } else if (is_group) {
    spec.resolved_version = ResolveVersion(spec.version, it->second);
  }
}

// One DescribeInstances (per 200 members, 1000 per page) for every member of every group.
core::Status AwsGroups::AttachInstances(std::vector<cloud::Group>& groups) {
  std::vector<std::string> ids;
  for (const cloud::Group& g : groups) {
    for (const cloud::Instance& i : g.instances) ids.push_back(i.id);
  }
  if (ids.empty()) return core::Status::Ok();
  ASSIGN_OR_RETURN(std::vector<cloud::Instance> described, ec2::DescribeInstances(ec2_, ids, {}));
  std::map<std::string, const cloud::Instance*> by_id;
  for (const cloud::Instance& i : described) by_id[i.id] = &i;
  for (cloud::Group& g : groups) {
    for (cloud::Instance& member : g.instances) {
      auto it = by_id.find(member.id);
      if (it == by_id.end()) continue;  // gone from EC2 already: lifecycle state tells the rest
      const cloud::Instance& e = *it->second;
      member.ec2_state = e.ec2_state;
      member.image_id = e.image_id;
      member.launch_time = e.launch_time;
      member.private_ip = e.private_ip;
      member.public_ip = e.public_ip;
      member.tags = e.tags;
      if (member.instance_type.empty()) member.instance_type = e.instance_type;
      if (member.zone.empty()) member.zone = e.zone;
      // EC2 tags every instance a template launched with the version it really used.
      auto version = e.tags.find("aws:ec2launchtemplate:version");
      if (member.spec.kind == LaunchSpec::Kind::kTemplate && member.spec.resolved_version.empty() &&
          version != e.tags.end()) {
        member.spec.resolved_version = version->second;
      }
    }
  }
  return core::Status::Ok();
}

// One call per distinct load balancer; health is attached to members only, so a terminated
// instance a target group still lists is never counted.
core::Status AwsGroups::AttachHealth(std::vector<cloud::Group>& groups) {
  std::map<std::string, std::map<std::string, cloud::LbHealth>> classic, targets;
  for (const cloud::Group& g : groups) {
    for (const std::string& lb : g.classic_elbs) {
      if (classic.count(lb)) continue;
      ASSIGN_OR_RETURN(classic[lb], elb::DescribeInstanceHealth(elb_, lb));
    }
    for (const std::string& tg : g.target_groups) {
      if (targets.count(tg)) continue;
      ASSIGN_OR_RETURN(targets[tg], elb::DescribeTargetHealth(elbv2_, tg));
    }
  }
  auto health_of = [](const std::map<std::string, cloud::LbHealth>& by_id, const std::string& id,
                      cloud::LbKind kind, const std::string& lb) {
    auto it = by_id.find(id);
    if (it != by_id.end()) return it->second;
    // Not registered (yet, or any more): not ready.
    return cloud::LbHealth{kind, lb, kind == cloud::LbKind::kClassic ? "OutOfService" : "unused",
                           "not registered"};
  };
  for (cloud::Group& g : groups) {
    for (cloud::Instance& i : g.instances) {
      for (const std::string& lb : g.classic_elbs) {
        i.health.push_back(health_of(classic[lb], i.id, cloud::LbKind::kClassic, lb));
      }
      for (const std::string& tg : g.target_groups) {
        i.health.push_back(health_of(targets[tg], i.id, cloud::LbKind::kTargetGroup, tg));
      }
    }
  }
  return core::Status::Ok();
}

core::Result<std::vector<cloud::Group>> AwsGroups::PollGroups(
    const std::vector<std::string>& names) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, DescribeNamedGroups(asg_, names));
  RETURN_IF_ERROR(AttachHealth(groups));
  return groups;
}

core::Result<std::vector<cloud::Group>> AwsGroups::ListGroups(
    const std::vector<std::string>& names) {
  return autoscaling::DescribeGroups(asg_, names);
}

core::Result<core::Duration> AwsGroups::DrainTime(const std::string& group) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, DescribeNamedGroups(asg_, {group}));
  core::Duration longest{0};
  for (const std::string& lb : groups[0].classic_elbs) {
    ASSIGN_OR_RETURN(core::Duration d, elb::ClassicDrainTimeout(elb_, lb));
    longest = std::max(longest, d);
  }
  for (const std::string& tg : groups[0].target_groups) {
    ASSIGN_OR_RETURN(core::Duration d, elb::DeregistrationDelay(elbv2_, tg));
    longest = std::max(longest, d);
  }
  return longest;
}

core::Result<cloud::Surroundings> AwsGroups::DescribeSurroundings(const std::string& group) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, DescribeNamedGroups(asg_, {group}));
  cloud::Surroundings out;
  for (const std::string& lb : groups[0].classic_elbs) {
    ASSIGN_OR_RETURN(std::vector<std::string> zones, elb::ClassicZones(elb_, lb));
    out.load_balancers.push_back({lb, zones});
  }
  for (const std::string& tg : groups[0].target_groups) {
    ASSIGN_OR_RETURN(std::vector<cloud::LoadBalancerZones> lbs, elb::TargetGroupZones(elbv2_, tg));
    if (lbs.empty()) out.load_balancers.push_back({tg, {}});  // attached to none
    for (cloud::LoadBalancerZones& lb : lbs) out.load_balancers.push_back(std::move(lb));
  }
  ASSIGN_OR_RETURN(out.hooks, autoscaling::DescribeLifecycleHooks(asg_, group));
  // Not every endpoint offers DescribeInstanceRefreshes (moto does not): say what was not
  // checked rather than refuse every rollout.
  auto refresh = autoscaling::UnfinishedInstanceRefresh(asg_, group);
  if (refresh.ok()) {
    out.instance_refresh = *refresh;
  } else {
    out.unknown.push_back("instance refresh: " + refresh.status().message());
  }
  return out;
}

}  // namespace rotor::aws
