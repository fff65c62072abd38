// replace-instance: the plan — what is launched, which volumes, addresses and records move, and
// what is mounted where — found out and checked before anything changes. The describing, the
// journaled form and the steps are in replace_describe.cc, replace_codec.cc, replace_steps.cc.
#include "ops/replace_instance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "core/strings.h"
#include "ops/host_plan.h"
#include "remote/disks.h"

namespace rotor::ops {
namespace {

// Why `v` cannot move from `old`: "" when it can.
std::string CannotMove(const cloud::Volume& v, const cloud::Host& old) {
  const std::string& id = old.instance.id;
  if (!v.attachment || v.attachment->instance_id != id) {
    return fmt::format("{} is not attached to {} ({}): only its own volumes move with it", v.id, id,
                       v.attachment ? "attached to " + v.attachment->instance_id : v.state);
  }
  if (v.attachment->device == old.root_device) {
    return fmt::format("{} is the root volume of {}: the new instance gets its own root", v.id, id);
  }
  if (v.attachment->state != "attached") {
    return fmt::format("{} is {} on {}: wait until it is attached", v.id, v.attachment->state, id);
  }
  if (v.zone != old.instance.zone) {
    return fmt::format(
        "{} is in {}, {} in {}: EBS attaches a volume only in its own zone (snapshot it and "
        "restore it in {} first)",
        v.id, v.zone, id, old.instance.zone, old.instance.zone);
  }
  return "";
}

// The volumes one --volume names: an id, or tag:K=V.
core::Result<std::vector<cloud::Volume>> Named(cloud::Volumes& volumes, const std::string& text) {
  cloud::VolumeQuery q;
  if (text.rfind("tag:", 0) == 0) {
    size_t eq = text.find('=');
    q.tag_key = text.substr(4, eq == std::string::npos ? std::string::npos : eq - 4);
    if (eq != std::string::npos) q.tag_value = text.substr(eq + 1);
    if (q.tag_key.empty()) return core::InvalidArgument("--volume " + text + ": use tag:KEY=VALUE");
  } else {
    q.ids = {text};
  }
  auto found = volumes.DescribeVolumes(q);
  if (!found.ok() && found.status().code() == core::Code::kNotFound) {
    return core::InvalidArgument(fmt::format("--volume {}: no such volume in this region ({})",
                                             text, found.status().message()));
  }
  if (found.ok() && found->empty()) {
    return core::InvalidArgument(fmt::format("--volume {} selects no volume", text));
  }
  return found;
}

core::Result<std::vector<cloud::Volume>> ChooseVolumes(cloud::Volumes& volumes,
                                                       const cloud::Host& old,
                                                       const std::vector<std::string>& asked) {
  std::vector<cloud::Volume> chosen;
  if (asked.empty()) {
    cloud::VolumeQuery q;
    q.instance_id = old.instance.id;
    ASSIGN_OR_RETURN(std::vector<cloud::Volume> attached, volumes.DescribeVolumes(q));
    for (cloud::Volume& v : attached) {
      if (v.attachment && v.attachment->device != old.root_device) chosen.push_back(std::move(v));
    }
  }
  for (const std::string& text : asked) {
    ASSIGN_OR_RETURN(std::vector<cloud::Volume> named, Named(volumes, text));
    for (cloud::Volume& v : named) {
      bool seen = std::any_of(chosen.begin(), chosen.end(),
                              [&](const cloud::Volume& c) { return c.id == v.id; });
      if (!seen) chosen.push_back(std::move(v));
    }
  }
  for (const cloud::Volume& v : chosen) {
    if (std::string why = CannotMove(v, old); !why.empty()) return core::InvalidArgument(why);
  }
  return chosen;
}

// How deep the volume's shallowest mount point is ("/srv" 1, "/var/lib/copr" 3); unmounted last.
size_t Depth(const MovedVolume& m) {
  size_t depth = SIZE_MAX;
  for (const VolumeMount& x : m.mounts) {
    depth = std::min<size_t>(depth, std::count(x.mountpoint.begin(), x.mountpoint.end(), '/'));
  }
  return depth;
}

core::Result<std::vector<cloud::ElasticIp>> ChooseAddresses(cloud::Addresses& addresses,
                                                            const cloud::Host& old,
                                                            const std::vector<std::string>& asked) {
  std::vector<cloud::ElasticIp> chosen;
  if (asked.empty()) {
    ASSIGN_OR_RETURN(chosen, addresses.AddressesOf(old.instance.id));
  }
  for (const std::string& a : asked) {
    auto e = addresses.DescribeAddress(a);
    if (!e.ok() && e.status().code() == core::Code::kNotFound) {
      return core::InvalidArgument(
          fmt::format("--address {}: no such elastic IP in this account", a));
    }
    if (!e.ok()) return e.status();
    if (e->instance_id != old.instance.id) {
      return core::InvalidArgument(fmt::format(
          "--address {}: it is {}, not on {}: rotor moves only the old host's own addresses", a,
          e->instance_id.empty() ? "associated with no instance" : "held by " + e->instance_id,
          old.instance.id));
    }
    chosen.push_back(*e);
  }
  if (chosen.size() > 1) {
    std::vector<std::string> ips;
    for (const cloud::ElasticIp& e : chosen) ips.push_back(e.public_ip);
    return core::InvalidArgument(fmt::format(
        "{} has {} elastic IPs ({}): rotor moves one (onto the primary private address); move "
        "the others by hand, or choose one with --address",
        old.instance.id, ips.size(), core::Join(ips, ", ")));
  }
  return chosen;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!s.empty() && s.back() != '.') s += '.';
  return s;
}

// The records to repoint: every record naming the old host, or those --dns names (each must
// name it, in one of the account's zones).
core::Status ChooseRecords(cloud::Dns& dns, const std::vector<std::string>& asked,
                           ReplacePlan& plan) {
  std::vector<std::string> eips;
  for (const cloud::ElasticIp& e : plan.addresses) eips.push_back(e.public_ip);
  ASSIGN_OR_RETURN(HostRecords found, FindHostRecords(dns, plan.old.instance, eips));
  plan.following = std::move(found.following);
  plan.left = std::move(found.left);
  if (asked.empty()) {
    plan.records = std::move(found.repoint);
    return core::Status::Ok();
  }
  for (const std::string& name : asked) {
    bool named = false;
    for (const cloud::DnsRecord& r : found.repoint) {
      if (Lower(r.name) != Lower(name)) continue;
      plan.records.push_back(r);
      named = true;
    }
    if (named) continue;
    ASSIGN_OR_RETURN(std::vector<cloud::HostedZone> zones, dns.ListZones());
    bool in_zone = std::any_of(zones.begin(), zones.end(), [&](const cloud::HostedZone& z) {
      std::string n = Lower(name), zone = Lower(z.name);
      return n == zone || (n.size() > zone.size() &&
                           n.compare(n.size() - zone.size() - 1, zone.size() + 1, "." + zone) == 0);
    });
    return core::InvalidArgument(
        in_zone ? fmt::format("--dns {}: no A or AAAA record of that name names an address of {} "
                              "(records naming its elastic IP follow the address by themselves)",
                              name, plan.old.instance.id)
                : fmt::format("--dns {}: outside the account's hosted zones", name));
  }
  return core::Status::Ok();
}

// The image, its architecture and root size checked against the old host and the request.
core::Status ChooseImage(cloud::Cloud& cloud, const ReplaceRequest& r, core::Time now,
                         ReplacePlan& plan) {
  cloud::Image running;
  cloud::Host as_launched = plan.old;  // the image must fit the type the new host will have
  if (!r.instance_type.empty()) as_launched.instance.instance_type = r.instance_type;
  ASSIGN_OR_RETURN(ImageChoice choice, ImageForHost(cloud, as_launched, r.image, now, &running));
  const cloud::Image& image = choice.image;
  if (!running.architecture.empty() && !image.architecture.empty() &&
      running.architecture != image.architecture) {
    return core::InvalidArgument(fmt::format(
        "{} is {}, {} runs {}: choose an image of the same architecture (and an instance type "
        "for it)",
        image.id, image.architecture, plan.old.instance.id, running.architecture));
  }
  cloud::LaunchLike& l = plan.launch;
  l.image_id = image.id;
  std::optional<cloud::BlockDevice> root = RootOf(plan.old);
  int size = r.root_size_gib > 0 ? r.root_size_gib : root ? root->size_gib : 0;
  if (image.root_size_gib > 0 && size < image.root_size_gib) {
    return core::InvalidArgument(fmt::format(
        "a root of {} GiB is smaller than image {}'s own ({} GiB): give --root-size {} or more",
        size, image.id, image.root_size_gib, image.root_size_gib));
  }
  std::string device = !image.root_device.empty() ? image.root_device
                       : root                     ? root->device
                                                  : plan.old.root_device;
  l.root = cloud::RootVolume{device, size, root ? root->volume_type : "gp3", true};
  plan.image_why = choice.why;
  return core::Status::Ok();
}

void LaunchFor(const ReplaceRequest& r, ReplacePlan& plan) {
  const cloud::Host& old = plan.old;
  cloud::LaunchLike& l = plan.launch;
  l.instance_type = r.instance_type.empty() ? old.instance.instance_type : r.instance_type;
  l.subnet_id = old.subnet_id;
  l.security_groups = old.security_groups;
  l.key_name = old.key_name;
  l.profile_arn = old.profile_arn;
  l.tags = NewHostTags(old, plan.operation_id);
  if (!old.name.empty()) l.tags["Name"] = old.name + "-new";
  l.ipv6_count = static_cast<int>(old.instance.ipv6_addresses.size());
  l.termination_protection = true;
  l.client_token = "rotor-" + plan.operation_id;
}

// Every command's placeholders must be known ones: refused now rather than in the outage.
core::Status CheckCommands(const ReplacePlan& p) {
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"--stop", &p.stop}, {"--start", &p.start}, {"--prepare", &p.prepare}, {"--after", &p.after}};
  for (const auto& [flag, list] : lists) {
    for (const std::string& c : *list) {
      RETURN_IF_ERROR(CheckNoSecret(flag, c));
      RETURN_IF_ERROR(ExpandCommand(c, p.old, nullptr, p.old.name).status());
    }
  }
  for (const std::string& path : p.copy) {
    if (path.empty() || path[0] != '/') {
      return core::InvalidArgument("--copy " + path + ": give an absolute path");
    }
  }
  return core::Status::Ok();
}

void CopyRequest(const ReplaceRequest& r, ReplacePlan& p) {
  p.stop = r.stop;
  p.start = r.start;
  p.copy = r.copy;
  p.prepare = r.prepare;
  p.after = r.after;
  p.unmount = r.unmount;
  p.probes = r.probes;
  p.probe_address = r.probe_address;
  p.keep_old = r.keep_old;
  p.address = r.address;
  p.health_timeout = r.health_timeout;
}

}  // namespace

core::Result<ReplacePlan> PlanReplace(cloud::Cloud& cloud, remote::Runner& runner,
                                      const ReplaceRequest& request,
                                      const std::string& operation_id, core::Time now) {
  ReplacePlan plan;
  plan.operation_id = operation_id;
  CopyRequest(request, plan);
  ASSIGN_OR_RETURN(plan.old, cloud.instances.DescribeHost(request.instance));
  const cloud::Instance& i = plan.old.instance;
  if (i.ec2_state != "running") {
    return core::InvalidArgument(fmt::format(
        "{} is {}: only a running host is replaced (start it first)", i.id, i.ec2_state));
  }
  if (!plan.old.group.empty()) {
    return core::InvalidArgument(fmt::format(
        "{} is a member of Auto Scaling group {}: `rotor respawn --asg {}` replaces group members",
        i.id, plan.old.group, plan.old.group));
  }
  RETURN_IF_ERROR(CheckCommands(plan));
  RETURN_IF_ERROR(ChooseImage(cloud, request, now, plan));
  LaunchFor(request, plan);
  ASSIGN_OR_RETURN(std::vector<cloud::Volume> volumes,
                   ChooseVolumes(cloud.volumes, plan.old, request.volumes));
  for (cloud::Volume& v : volumes) {
    std::string device = v.attachment->device;
    plan.volumes.push_back({std::move(v), device, {}});
  }
  if (plan.unmount) RETURN_IF_ERROR(FindMounts(runner, plan.old, plan.address, plan.volumes));
  // A volume mounted inside another's file system (/var/lib/copr/results in /var/lib/copr)
  // moves after it: mounts go parents first, and their undo children first.
  std::stable_sort(plan.volumes.begin(), plan.volumes.end(),
                   [](const MovedVolume& a, const MovedVolume& b) { return Depth(a) < Depth(b); });
  ASSIGN_OR_RETURN(plan.addresses, ChooseAddresses(cloud.addresses, plan.old, request.addresses));
  RETURN_IF_ERROR(ChooseRecords(cloud.dns, request.dns, plan));
  return plan;
}

std::vector<std::string> ReplaceResources(const ReplacePlan& plan) {
  if (!plan.finish_of.empty()) return {"instance/" + plan.old.instance.id};
  std::vector<std::string> r = {"instance/" + plan.old.instance.id};
  for (const MovedVolume& v : plan.volumes) r.push_back("volume/" + v.volume.id);
  return r;
}

}  // namespace rotor::ops
