#include "aws/aws_cloud.h"

#include <fmt/format.h>

#include <set>

#include "aws/autoscaling.h"
#include "aws/cloudformation.h"
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

core::Result<std::unique_ptr<AwsCloud>> AwsCloud::Create(ClientContext& context) {
  ASSIGN_OR_RETURN(AwsClient ec2, AwsClient::Create(kEc2, context));
  ASSIGN_OR_RETURN(AwsClient asg, AwsClient::Create(kAutoScaling, context));
  ASSIGN_OR_RETURN(AwsClient elb, AwsClient::Create(kElb, context));
  ASSIGN_OR_RETURN(AwsClient elbv2, AwsClient::Create(kElbV2, context));
  ASSIGN_OR_RETURN(AwsClient cfn, AwsClient::Create(kCloudFormation, context));
  ASSIGN_OR_RETURN(AwsClient quotas, AwsClient::Create(kServiceQuotas, context));
  return std::unique_ptr<AwsCloud>(new AwsCloud({std::move(ec2), std::move(asg), std::move(elb),
                                                 std::move(elbv2), std::move(cfn),
                                                 std::move(quotas)}));
}

// The groups by name, every one of them: kNotFound names the first that does not exist.
core::Result<std::vector<cloud::Group>> AwsCloud::DescribeNamed(
    const std::vector<std::string>& names) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, autoscaling::DescribeGroups(asg_, names));
  std::set<std::string> found;
  for (const cloud::Group& g : groups) found.insert(g.name);
  for (const std::string& n : names) {
    if (!found.count(n)) {
      return core::NotFound(fmt::format("auto scaling group '{}' does not exist in region {}", n,
                                        asg_.endpoint().signing_region));
    }
  }
  return groups;
}

core::Result<std::vector<cloud::Group>> AwsCloud::ObserveGroups(
    const std::vector<std::string>& names) {
  if (names.empty()) return std::vector<cloud::Group>{};
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, DescribeNamed(names));
  RETURN_IF_ERROR(ResolveSpecs(groups));
  RETURN_IF_ERROR(AttachInstances(groups));
  RETURN_IF_ERROR(AttachHealth(groups));
  return groups;
}

// Resolves template versions to numbers and fills in each group's image: one
// DescribeLaunchTemplates for all templates, one DescribeLaunchTemplateVersions per template,
// one DescribeLaunchConfigurations per 50 configurations.
core::Status AwsCloud::ResolveSpecs(std::vector<cloud::Group>& groups) {
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

core::Result<AwsCloud::Templates> AwsCloud::TemplatesOf(const std::vector<cloud::Group>& groups) {
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

core::Result<AwsCloud::Configurations> AwsCloud::ConfigurationsOf(
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
void AwsCloud::ResolveTemplate(LaunchSpec& spec, const Templates& templates, bool is_group) {
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
core::Status AwsCloud::AttachInstances(std::vector<cloud::Group>& groups) {
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
core::Status AwsCloud::AttachHealth(std::vector<cloud::Group>& groups) {
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

core::Result<std::vector<cloud::Group>> AwsCloud::PollGroups(
    const std::vector<std::string>& names) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, DescribeNamed(names));
  RETURN_IF_ERROR(AttachHealth(groups));
  return groups;
}

core::Result<std::vector<cloud::Group>> AwsCloud::ListGroups(
    const std::vector<std::string>& names) {
  return autoscaling::DescribeGroups(asg_, names);
}

core::Result<cloud::Stack> AwsCloud::DescribeStack(const std::string& name) {
  return cloudformation::DescribeStack(cfn_, name);
}

core::Result<cloud::StackSettings> AwsCloud::ReadSettings(const std::string& name) {
  return cloudformation::ReadSettings(cfn_, name);
}
core::Result<cloud::TemplateSummary> AwsCloud::Summarize(const std::string& body) {
  return cloudformation::Summarize(cfn_, body);
}
core::Result<cloud::ChangeSet> AwsCloud::PrepareChange(const cloud::StackChange& change) {
  return cloudformation::PrepareChange(cfn_, change);
}
core::Result<cloud::ChangeSet> AwsCloud::ReadChange(const std::string& stack,
                                                    const std::string& id) {
  return cloudformation::ReadChange(cfn_, stack, id);
}
core::Status AwsCloud::ApplyChange(const std::string& stack, const std::string& id) {
  return cloudformation::ApplyChange(cfn_, stack, id);
}
core::Status AwsCloud::DropChange(const std::string& stack, const std::string& id) {
  return cloudformation::DropChange(cfn_, stack, id);
}
core::Result<std::string> AwsCloud::CreateStack(const cloud::StackChange& change) {
  return cloudformation::CreateStack(cfn_, change);
}
core::Result<std::vector<cloud::StackEvent>> AwsCloud::Events(const std::string& stack,
                                                              const std::string& after_id) {
  return cloudformation::Events(cfn_, stack, after_id);
}
core::Status AwsCloud::CancelUpdate(const std::string& stack) {
  return cloudformation::CancelUpdate(cfn_, stack);
}

core::Result<std::vector<cloud::Instance>> AwsCloud::ListInstances(
    const std::vector<std::string>& ids) {
  return ec2::DescribeInstances(ec2_, ids, {"pending", "running"});
}

core::Result<std::vector<cloud::Image>> AwsCloud::DescribeImages(
    const std::vector<std::string>& ids) {
  ASSIGN_OR_RETURN(std::vector<cloud::Image> found, ec2::DescribeImagesById(ec2_, ids));
  std::set<std::string> seen;
  for (const cloud::Image& i : found) seen.insert(i.id);
  for (const std::string& id : ids) {
    if (!seen.count(id)) found.push_back(cloud::Image{id, "", "", "deregistered", std::nullopt, "", "", std::nullopt});
  }
  return found;
}

core::Result<std::vector<cloud::Image>> AwsCloud::FindImages(const cloud::ImageQuery& query) {
  return ec2::FindImages(ec2_, query.name_glob, query.owners);
}

core::Result<core::Duration> AwsCloud::DrainTime(const std::string& group) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, DescribeNamed({group}));
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

core::Status AwsCloud::SetSizes(const std::string& group, const cloud::Sizes& sizes) {
  return autoscaling::SetSizes(asg_, group, sizes);
}

core::Status AwsCloud::SetLaunchSpec(const std::string& group, const cloud::LaunchSpec& spec) {
  return autoscaling::SetLaunchSpec(asg_, group, spec);
}

core::Status AwsCloud::SuspendProcesses(const std::string& group,
                                        const std::vector<std::string>& processes) {
  return autoscaling::SetProcesses(asg_, group, processes, /*suspend=*/true);
}

core::Status AwsCloud::ResumeProcesses(const std::string& group,
                                       const std::vector<std::string>& processes) {
  return autoscaling::SetProcesses(asg_, group, processes, /*suspend=*/false);
}

core::Status AwsCloud::TerminateInstance(const std::string& instance_id, bool decrement) {
  core::Status done = autoscaling::TerminateInstance(asg_, instance_id, decrement);
  // Auto Scaling answers a ValidationError "Instance Id not found" for an instance no longer in
  // any group: to the layers above, a member that is gone is kNotFound.
  if (!done.ok() && done.aws_code() == "ValidationError" &&
      core::ToLower(done.message()).find("not found") != std::string::npos) {
    return core::Status(core::Code::kNotFound,
                        fmt::format("instance {} is in no Auto Scaling group: {}", instance_id,
                                    done.message()))
        .set_aws_code(done.aws_code())
        .set_request_id(done.request_id());
  }
  return done;
}

core::Status AwsCloud::DetachInstances(const std::string& group,
                                       const std::vector<std::string>& ids, bool decrement) {
  constexpr size_t kPerCall = 20;  // DetachInstances accepts at most 20 ids
  return ForEachBatch(ids, kPerCall, [&](const std::vector<std::string>& batch) {
    return autoscaling::DetachInstances(asg_, group, batch, decrement);
  });
}

core::Status AwsCloud::Deregister(const std::string& group, const std::vector<std::string>& ids) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, DescribeNamed({group}));
  for (const std::string& lb : groups[0].classic_elbs) {
    RETURN_IF_ERROR(elb::DeregisterInstances(elb_, lb, ids));
  }
  for (const std::string& tg : groups[0].target_groups) {
    RETURN_IF_ERROR(elb::DeregisterTargets(elbv2_, tg, ids));
  }
  return core::Status::Ok();
}

core::Status AwsCloud::TerminateInstances(const std::vector<std::string>& ids) {
  if (ids.empty()) return core::Status::Ok();
  return ec2::TerminateInstances(ec2_, ids);
}

}  // namespace rotor::aws
