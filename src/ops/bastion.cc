// redeploy-bastion: the plan (what is launched, what moves) and its journaled form. The steps
// are in bastion_steps.cc.
#include "ops/bastion.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "journal/journal.h"
#include "ops/host_plan.h"

namespace rotor::ops {
namespace {


cloud::LaunchLike LaunchFor(const cloud::Host& old, const BastionRequest& request,
                            const std::string& image, const std::string& id) {
  cloud::LaunchLike l;
  l.image_id = image;
  l.instance_type = old.instance.instance_type;
  l.subnet_id = request.subnet.empty() ? old.subnet_id : request.subnet;
  l.security_groups = old.security_groups;
  l.key_name = old.key_name;
  l.profile_arn = old.profile_arn;
  l.tags = NewHostTags(old, id);
  l.ipv6_count = static_cast<int>(old.instance.ipv6_addresses.size());
  if (auto root = RootOf(old)) {
    l.root = cloud::RootVolume{root->device, root->size_gib, root->volume_type, root->encrypted};
  }
  l.user_data = old.user_data;
  l.termination_protection = old.termination_protection;
  l.client_token = "rotor-" + id;
  return l;
}

// A group member is redeployed by its group: only when it is the group's only member.
// An instance whose group tag outlived its membership (detached, or the group deleted) is a
// standalone one.
core::Status CheckGroup(cloud::Cloud& cloud, cloud::Host& old, const BastionRequest& r,
                        BastionPlan& plan) {
  auto groups = cloud.groups.ObserveGroups({old.group});
  bool gone = !groups.ok() && groups.status().code() == core::Code::kNotFound;
  if (!groups.ok() && !gone) return groups.status();
  const cloud::Group* found = gone || groups->empty() ? nullptr : &(*groups)[0];
  bool member =
      found && std::any_of(found->instances.begin(), found->instances.end(),
                           [&](const cloud::Instance& m) { return m.id == old.instance.id; });
  if (!member) {
    old.group.clear();
    return core::Status::Ok();
  }
  const cloud::Group& g = *found;
  if (g.instances.size() != 1 || g.desired != 1) {
    return core::InvalidArgument(fmt::format(
        "{} is one of {} members of group {} (desired {}): `rotor respawn --asg {}` replaces "
        "group members",
        old.instance.id, g.instances.size(), g.name, g.desired, g.name));
  }
  if (r.image || !r.subnet.empty()) {
    return core::InvalidArgument(fmt::format(
        "{} is the only member of group {}, whose launch spec ({}) decides what its successor "
        "runs and where: change it with `rotor patch --asg {}` instead of --image or --subnet",
        old.instance.id, g.name, g.spec.Describe(), g.name));
  }
  plan.group = g.name;
  plan.group_desired = g.desired;
  plan.group_max = g.max_size;
  plan.image_why = fmt::format("group {}'s launch spec ({}) names {}", g.name, g.spec.Describe(),
                               g.spec.image_id.empty() ? "its image" : g.spec.image_id);
  return core::Status::Ok();
}

core::Status FindRecords(cloud::Cloud& cloud, BastionPlan& plan) {
  std::vector<std::string> eips;
  for (const cloud::ElasticIp& e : plan.addresses) eips.push_back(e.public_ip);
  ASSIGN_OR_RETURN(HostRecords found, FindHostRecords(cloud.dns, plan.old.instance, eips));
  plan.records = std::move(found.repoint);
  plan.following = std::move(found.following);
  plan.left = std::move(found.left);
  return core::Status::Ok();
}

// "10m", "90s": as the flags take durations.
std::string Span(core::Duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  return s % 60 == 0 ? fmt::format("{}m", s / 60) : fmt::format("{}s", s);
}

}  // namespace

core::Result<BastionPlan> PlanBastion(cloud::Cloud& cloud, const BastionRequest& request,
                                      const std::string& operation_id, core::Time now) {
  BastionPlan plan;
  plan.operation_id = operation_id;
  plan.port = request.port;
  plan.terminate_old = request.terminate_old;
  plan.address = request.address;
  plan.health_timeout = request.health_timeout;
  ASSIGN_OR_RETURN(plan.old, cloud.instances.DescribeHost(request.instance));
  const cloud::Instance& i = plan.old.instance;
  if (i.ec2_state != "running") {
    return core::InvalidArgument(fmt::format(
        "{} is {}: only a running bastion is redeployed (start it first)", i.id, i.ec2_state));
  }
  if (!plan.old.group.empty()) RETURN_IF_ERROR(CheckGroup(cloud, plan.old, request, plan));
  if (plan.group.empty()) {
    ASSIGN_OR_RETURN(ImageChoice image, ImageForHost(cloud, plan.old, request.image, now, nullptr));
    plan.launch = LaunchFor(plan.old, request, image.image.id, operation_id);
    plan.image_why = image.why;
  }
  ASSIGN_OR_RETURN(plan.addresses, cloud.addresses.AddressesOf(i.id));
  if (plan.addresses.size() > 1) {
    std::vector<std::string> ips;
    for (const cloud::ElasticIp& e : plan.addresses) ips.push_back(e.public_ip);
    return core::InvalidArgument(fmt::format(
        "{} has {} elastic IPs ({}): rotor moves one (onto the primary private address); move "
        "the others by hand, or keep one",
        i.id, ips.size(), core::Join(ips, ", ")));
  }
  RETURN_IF_ERROR(FindRecords(cloud, plan));
  return plan;
}

std::vector<std::string> DescribeBastion(const BastionPlan& p) {
  const cloud::Host& old = p.old;
  std::vector<std::string> out;
  out.push_back(fmt::format("{} ({}): {} in {}, {}, running {}", old.instance.id,
                            old.name.empty() ? "no Name tag" : old.name, old.instance.instance_type,
                            old.subnet_id, old.instance.zone, old.instance.image_id));
  if (!p.group.empty()) {
    out.push_back(
        fmt::format("the new instance comes from group {} (desired {} -> {} while both run): {}",
                    p.group, p.group_desired, p.group_desired + 1, p.image_why));
  } else {
    const cloud::LaunchLike& l = p.launch;
    out.push_back(fmt::format("launch like it: {} from {} ({}), subnet {}", l.instance_type,
                              l.image_id, p.image_why, l.subnet_id));
    out.push_back(
        fmt::format("  security groups {}; key {}; tags copied (Name kept); {} IPv6 address(es); "
                    "termination protection {}",
                    core::Join(l.security_groups, ","), l.key_name.empty() ? "none" : l.key_name,
                    l.ipv6_count, l.termination_protection ? "on" : "off"));
    if (l.root) {
      out.push_back(fmt::format("  root {} {} GiB {}{}", l.root->device, l.root->size_gib,
                                l.root->volume_type, l.root->encrypted ? " encrypted" : ""));
    }
  }
  out.push_back(fmt::format("wait until port {} accepts connections on its {} address (at most {})",
                            p.port, AddressKindName(p.address), Span(p.health_timeout)));
  for (const cloud::ElasticIp& e : p.addresses) {
    out.push_back(fmt::format("move elastic IP {} ({}) to it, then wait for port {} through it",
                              e.public_ip, e.allocation_id, p.port));
  }
  if (p.addresses.empty()) out.push_back("no elastic IP to move");
  for (const cloud::DnsRecord& r : p.records) {
    out.push_back(fmt::format("point {} {} ({}) at the new instance's addresses", r.name, r.type,
                              core::Join(r.values, ", ")));
  }
  for (const std::string& f : p.following) {
    out.push_back(fmt::format("{} names an elastic IP: it follows the address", f));
  }
  for (const std::string& l : p.left) {
    out.push_back(fmt::format(
        "warning: {} names the old instance but has a routing policy: change it by hand", l));
  }
  if (!p.group.empty()) {
    out.push_back(fmt::format("{} leaves group {} with decrement (desired back to {})",
                              old.instance.id, p.group, p.group_desired));
  }
  if (p.terminate_old) {
    out.push_back(
        fmt::format("terminate {}{} — cannot be undone", old.instance.id,
                    old.termination_protection ? " (its termination protection off)" : ""));
  } else {
    out.push_back(fmt::format("rename {} {}-old, stop it and keep it{}", old.instance.id, old.name,
                              old.termination_protection ? " (termination protection kept)" : ""));
  }
  return out;
}

std::vector<std::string> BastionResources(const BastionPlan& plan) {
  std::vector<std::string> r = {"instance/" + plan.old.instance.id};
  if (!plan.group.empty()) r.push_back("group/" + plan.group);
  return r;
}

}  // namespace rotor::ops
