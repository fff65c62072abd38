// SimGroups: the reads AwsGroups makes (aws/aws_groups.cc), call for call, answered from the world.
#include "sim/sim_groups.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "sim/world.h"

namespace rotor::sim {

core::Result<std::vector<cloud::Group>> SimGroups::ObserveGroups(
    const std::vector<std::string>& names) {
  std::vector<int> idx;
  for (const std::string& n : names) {
    ASSIGN_OR_RETURN(int g, world_.GroupIndex(n));
    idx.push_back(g);
  }
  if (idx.empty()) return std::vector<cloud::Group>{};
  // The calls AwsGroups makes (aws/aws_groups.cc), in the same order.
  for (int p = Pages(idx.size(), 50); p > 0; --p)
    RETURN_IF_ERROR(world_.Api(kAsg, "DescribeAutoScalingGroups", false));
  std::set<int> templates;
  std::set<std::string> configs;
  std::set<int> classic, target_groups;
  size_t members = 0;
  for (int g : idx) {
    const Grp& grp = *world_.groups_[g];
    if (grp.tmpl >= 0)
      templates.insert(grp.tmpl);
    else
      configs.insert(grp.configuration);
    for (int lb : grp.lbs) {
      (world_.lbs_[lb]->spec.type == LoadBalancerSpec::Type::kElb ? classic : target_groups)
          .insert(lb);
    }
    members += grp.members.size();
  }
  if (!templates.empty()) RETURN_IF_ERROR(world_.Api(kEc2, "DescribeLaunchTemplates", false));
  for (size_t t = 0; t < templates.size(); ++t)
    RETURN_IF_ERROR(world_.Api(kEc2, "DescribeLaunchTemplateVersions", false));
  if (!configs.empty()) {
    for (int p = Pages(configs.size(), 50); p > 0; --p)
      RETURN_IF_ERROR(world_.Api(kAsg, "DescribeLaunchConfigurations", false));
  }
  if (members > 0) {
    for (int p = Pages(members, 200); p > 0; --p)
      RETURN_IF_ERROR(world_.Api(kEc2, "DescribeInstances", false));
  }
  for (size_t n = 0; n < classic.size(); ++n)
    RETURN_IF_ERROR(world_.Api(kElb, "DescribeInstanceHealth", false));
  for (size_t n = 0; n < target_groups.size(); ++n)
    RETURN_IF_ERROR(world_.Api(kElb, "DescribeTargetHealth", false));

  core::Time now = world_.clock_.Now();
  std::vector<cloud::Group> out;
  int ready = 0;
  for (int g : idx) {
    out.push_back(world_.Describe(g, /*with_details=*/true, now));
    for (int i : world_.groups_[g]->members) ready += world_.Ready(i, now);
  }
  if (world_.min_ready_observed_ < 0 || ready < world_.min_ready_observed_)
    world_.min_ready_observed_ = ready;
  return out;
}

core::Result<std::vector<cloud::Group>> SimGroups::PollGroups(
    const std::vector<std::string>& names) {
  std::vector<int> idx;
  for (const std::string& n : names) {
    ASSIGN_OR_RETURN(int g, world_.GroupIndex(n));
    idx.push_back(g);
  }
  for (int p = Pages(idx.size(), 50); p > 0; --p) {
    RETURN_IF_ERROR(world_.Api(kAsg, "DescribeAutoScalingGroups", false));
  }
  std::set<int> lbs;
  for (int g : idx) lbs.insert(world_.groups_[g]->lbs.begin(), world_.groups_[g]->lbs.end());
  for (int lb : lbs) {
    bool classic = world_.lbs_[lb]->spec.type == LoadBalancerSpec::Type::kElb;
    RETURN_IF_ERROR(
        world_.Api(kElb, classic ? "DescribeInstanceHealth" : "DescribeTargetHealth", false));
  }
  core::Time now = world_.clock_.Now();
  std::vector<cloud::Group> out;
  int ready = 0;
  for (int g : idx) {
    cloud::Group group = world_.Describe(g, /*with_details=*/true, now);
    group.spec.image_id.clear();
    for (cloud::Instance& i : group.instances) {
      i.ec2_state.clear();
      i.image_id.clear();
      i.tags.clear();
    }
    for (int i : world_.groups_[g]->members) ready += world_.Ready(i, now);
    out.push_back(std::move(group));
  }
  if (world_.min_ready_observed_ < 0 || ready < world_.min_ready_observed_)
    world_.min_ready_observed_ = ready;
  return out;
}

core::Result<std::vector<cloud::Group>> SimGroups::ListGroups(
    const std::vector<std::string>& names) {
  size_t n = names.empty() ? world_.groups_.size() : names.size();
  for (int p = Pages(n, names.empty() ? 100 : 50); p > 0; --p)
    RETURN_IF_ERROR(world_.Api(kAsg, "DescribeAutoScalingGroups", false));
  std::vector<cloud::Group> out;
  core::Time now = world_.clock_.Now();
  for (size_t g = 0; g < world_.groups_.size(); ++g) {
    const std::string& name = world_.groups_[g]->spec.name;
    if (names.empty() || std::find(names.begin(), names.end(), name) != names.end()) {
      out.push_back(world_.Describe(static_cast<int>(g), /*with_details=*/false, now));
    }
  }
  return out;
}

core::Result<core::Duration> SimGroups::DrainTime(const std::string& name) {
  ASSIGN_OR_RETURN(int g, world_.GroupIndex(name));
  core::Duration longest{0};
  for (int lb : world_.groups_[g]->lbs) {
    bool classic = world_.lbs_[lb]->spec.type == LoadBalancerSpec::Type::kElb;
    RETURN_IF_ERROR(world_.Api(
        kElb, classic ? "DescribeLoadBalancerAttributes" : "DescribeTargetGroupAttributes", false));
    longest = std::max(longest, world_.lbs_[lb]->spec.deregistration_delay);
  }
  return longest;
}

core::Result<cloud::Surroundings> SimGroups::DescribeSurroundings(const std::string& name) {
  ASSIGN_OR_RETURN(int g, world_.GroupIndex(name));
  const Grp& grp = *world_.groups_[g];
  cloud::Surroundings out;
  for (int lb : grp.lbs) {
    bool classic = world_.lbs_[lb]->spec.type == LoadBalancerSpec::Type::kElb;
    RETURN_IF_ERROR(
        world_.Api(kElb, classic ? "DescribeLoadBalancers" : "DescribeTargetGroups", false));
    out.load_balancers.push_back({world_.lbs_[lb]->spec.name, world_.lbs_[lb]->spec.zones});
  }
  RETURN_IF_ERROR(world_.Api(kAsg, "DescribeLifecycleHooks", false));
  out.hooks = grp.spec.lifecycle_hooks;
  RETURN_IF_ERROR(world_.Api(kAsg, "DescribeInstanceRefreshes", false));
  out.instance_refresh = grp.spec.instance_refresh;
  return out;
}

}  // namespace rotor::sim
