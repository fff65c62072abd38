// What the host-move jobs find out before they plan (host_plan.h).
#include "ops/host_plan.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "remote/disks.h"

namespace rotor::ops {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The default version of the template a host was launched from names the image.
core::Result<ImageChoice> TemplateImage(cloud::Cloud& cloud, const cloud::Host& old) {
  const std::string& lt = old.launch_template_id;
  cloud::LaunchSpec spec;
  spec.kind = cloud::LaunchSpec::Kind::kTemplate;
  spec.template_id = lt;
  spec.version = "$Default";
  ASSIGN_OR_RETURN(cloud::LaunchData data, cloud.launch_specs.ReadLaunchData(spec));
  ASSIGN_OR_RETURN(std::vector<cloud::Image> named, cloud.images.DescribeImages({data.image_id}));
  cloud::Image image = named.empty() ? cloud::DeregisteredImage(data.image_id) : named[0];
  return ImageChoice{image, fmt::format("the default version of launch template {} names it", lt)};
}

}  // namespace

std::map<std::string, std::string> NewHostTags(const cloud::Host& old, const std::string& id) {
  std::map<std::string, std::string> tags;
  for (const auto& [k, v] : old.instance.tags) {
    if (k.rfind("rotor:", 0) != 0) tags[k] = v;
  }
  tags["rotor:operation"] = id;
  tags["rotor:replaces"] = old.instance.id;
  return tags;
}

std::optional<cloud::BlockDevice> RootOf(const cloud::Host& h) {
  for (const cloud::BlockDevice& d : h.devices) {
    if (d.device == h.root_device) return d;
  }
  return std::nullopt;
}

core::Result<ImageChoice> ImageForHost(cloud::Cloud& cloud, const cloud::Host& old,
                                       const std::optional<ImageRequest>& request, core::Time now,
                                       cloud::Image* running_out) {
  ASSIGN_OR_RETURN(std::vector<cloud::Image> current,
                   cloud.images.DescribeImages({old.instance.image_id}));
  cloud::Image running = current.empty() ? cloud::Image{} : current[0];
  if (running_out) *running_out = running;
  if (const std::string& lt = old.launch_template_id; !lt.empty()) {
    if (request) {
      return core::InvalidArgument(
          fmt::format("{} was launched from launch template {}, which names its image: change the "
                      "template instead of giving --image",
                      old.instance.id, lt));
    }
    return TemplateImage(cloud, old);
  }
  if (!request) {
    return ImageChoice{running, fmt::format("the image {} runs now: {}", old.instance.id,
                                            running.name.empty() ? "name unknown" : running.name)};
  }
  // An id is looked up as it is (it need not be of the running image's family); a name or
  // `latest` among the family or the filter's images.
  std::vector<cloud::Image> candidates;
  if (cloud::IsImageId(request->image)) {
    ASSIGN_OR_RETURN(candidates, cloud.images.DescribeImages({request->image}));
  } else {
    cloud::ImageQuery query{QueryGlob(*request, running), {QueryOwner(*request, running)}};
    ASSIGN_OR_RETURN(candidates, cloud.images.FindImages(query));
  }
  return ChooseImage(*request, running, candidates, old.instance.instance_type, now);
}

core::Result<HostRecords> FindHostRecords(cloud::Dns& dns, const cloud::Instance& i,
                                          const std::vector<std::string>& eips) {
  std::vector<std::string> others;
  if (!i.private_ip.empty()) others.push_back(i.private_ip);
  if (!i.public_ip.empty() && !Contains(eips, i.public_ip)) others.push_back(i.public_ip);
  others.insert(others.end(), i.ipv6_addresses.begin(), i.ipv6_addresses.end());
  std::vector<std::string> all = eips;
  all.insert(all.end(), others.begin(), others.end());
  auto records = cloud::RecordsNaming(dns, all);
  if (!records.ok()) return records.status().WithContext("Route 53");
  HostRecords out;
  for (cloud::DnsRecord& r : *records) {
    bool moves = std::any_of(r.values.begin(), r.values.end(),
                             [&](const std::string& v) { return Contains(others, v); });
    if (moves && !r.set_identifier.empty()) {
      out.left.push_back(fmt::format("{} {} (set {})", r.name, r.type, r.set_identifier));
    } else if (!moves) {
      out.following.push_back(fmt::format("{} {}", r.name, r.type));
    } else {
      out.repoint.push_back(std::move(r));
    }
  }
  return out;
}

constexpr auto kDiskListTimeout = std::chrono::seconds(30);

core::Status FindMounts(remote::Runner& runner, const cloud::Host& old, AddressKind kind,
                        std::vector<MovedVolume>& volumes) {
  if (volumes.empty()) return core::Status::Ok();
  remote::SshTarget target{old.instance.id, AddressOf(old, kind), false};
  auto listed = runner.Run(target, remote::ListDisksCommand(), kDiskListTimeout);
  if (!listed.ok()) {
    return listed.status().WithContext(
        "--unmount auto looks at the host's disks over ssh (or give --unmount none)");
  }
  if (listed->exit_status != 0) {
    return core::InvalidArgument(fmt::format("lsblk on {} failed ({}): {}", target.name,
                                             listed->exit_status, core::Trim(listed->err)));
  }
  ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, remote::ParseDisks(listed->out));
  for (MovedVolume& m : volumes) {
    std::vector<remote::Disk> found = remote::DisksOfVolume(disks, m.volume.id, m.device);
    if (found.empty()) {
      return core::InvalidArgument(fmt::format(
          "{} ({}) is not among {}'s disks (lsblk shows neither its serial nor its device): give "
          "--unmount none and unmount it with a --stop command",
          m.volume.id, m.device, old.instance.id));
    }
    const std::string& disk = found[0].name;
    for (const std::string& point : remote::MountPoints(found)) {
      auto d = std::find_if(found.begin(), found.end(),
                            [&](const remote::Disk& x) { return x.mountpoint == point; });
      if ((d->type != "disk" && d->type != "part") || d->name.rfind(disk, 0) != 0) {
        return core::InvalidArgument(fmt::format(
            "{} on {} is mounted at {} through {} ({}): rotor moves plain disks and partitions; "
            "give --unmount none and handle it with --stop/--start commands",
            m.volume.id, old.instance.id, point, d->name, d->type));
      }
      m.mounts.push_back({d->name.substr(disk.size()), point});
    }
  }
  return core::Status::Ok();
}

}  // namespace rotor::ops
