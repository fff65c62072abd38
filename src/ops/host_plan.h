// What the host-move jobs (redeploy-bastion, replace-instance) find out before they plan: the
// image the new instance runs and why, the launch copied from the old host, the Route 53
// records that name the old host's addresses.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "ops/host_steps.h"
#include "ops/image_choice.h"
#include "remote/ssh.h"

namespace rotor::ops {

// The tags a new instance carries: the old one's (Name kept; the provider leaves out those it
// reserves) without rotor's, plus the operation's own, by which a resumed run finds it again.
std::map<std::string, std::string> NewHostTags(const cloud::Host& old, const std::string& id);

// The old host's root device, if it lists one.
std::optional<cloud::BlockDevice> RootOf(const cloud::Host& host);

// The image for a host's successor: its launch template's when it came from one (then
// `request` must be absent: the template names the image), else the one `request` asks for,
// else the image it runs. `running` is filled with the image the host runs now (as EC2 lists
// it; empty fields when gone).
core::Result<ImageChoice> ImageForHost(cloud::Cloud& cloud, const cloud::Host& old,
                                       const std::optional<ImageRequest>& request, core::Time now,
                                       cloud::Image* running);

// The records naming the old host: those naming one of its elastic IPs (`eips`) follow the
// address; the others (private, public, IPv6 addresses) are to be repointed; routing-policy
// records among those are left to a person (an UPSERT must repeat a policy rotor does not read).
struct HostRecords {
  std::vector<cloud::DnsRecord> repoint;
  std::vector<std::string> following;  // "name type"
  std::vector<std::string> left;       // "name type (set id)"
};
// Where each volume's file systems are mounted on `host` (reached at its address of `kind`),
// from lsblk over ssh, deepest last: fills each one's `mounts`. kInvalidArgument for a volume
// the host does not show, or one mounted through LVM or dm-crypt (rotor moves plain disks and
// partitions); the runner's errors for a host it cannot reach.
core::Status FindMounts(remote::Runner& runner, const cloud::Host& host, AddressKind kind,
                        std::vector<MovedVolume>& volumes);

core::Result<HostRecords> FindHostRecords(cloud::Dns& dns, const cloud::Instance& old,
                                          const std::vector<std::string>& eips);

}  // namespace rotor::ops
