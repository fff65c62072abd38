// Standalone hosts, elastic IPs and Route 53 zones in the world: built from the scenario, their
// addresses, and a host's stop and start. Nothing here draws from world_rng_ while building, so
// scenarios without hosts keep their traces.
#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "sim/world.h"

namespace rotor::sim {
namespace {

uint64_t Fnv(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::string SubnetOf(const std::string& zone) {
  return fmt::format("subnet-{:017x}", Fnv(zone) & 0xfffffffffffffffULL);
}

void World::BuildHosts(const Scenario& s) {
  for (const HostSpec& h : s.hosts) {
    int i = NewHost(h.image, h.type, h.zone, s.start - std::chrono::hours(24 * 30));
    Inst& in = *insts_[i];
    if (!h.id.empty()) {
      in.id = h.id;
      inst_by_id_[h.id] = i;
    }
    if (!h.subnet.empty()) in.subnet = h.subnet;
    in.key = h.key;
    in.security_groups = h.security_groups;
    in.profile = h.profile;
    in.tags = h.tags;
    in.protection = h.termination_protection;
    in.user_data = h.user_data;
    for (int k = 0; k < h.ipv6; ++k) in.ipv6.push_back(Ipv6(i, k));
    for (const VolumeSpec& v : h.volumes) AddVolume(i, v, v.device == h.volumes.front().device);
    in.state = Ec2State::kRunning;
    in.running_at = in.launched + std::chrono::seconds(20);
    in.app_up = in.app_expected = in.running_at + std::chrono::seconds(40);
  }
  for (const AddressSpec& a : s.addresses) {
    eips_.push_back(Eip{a.allocation, a.ip, "", -1});
    if (!a.instance.empty()) Associate(eips_.size() - 1, InstanceByName(a.instance));
  }
  BuildZones(s);
}

void World::BuildZones(const Scenario& s) {
  for (const ZoneSpec& z : s.zones) {
    SimZone zone;
    zone.zone =
        cloud::HostedZone{fmt::format("Z{:013X}", zones_.size() + 1), z.name, z.private_zone};
    for (const RecordSpec& r : z.records) {
      cloud::DnsRecord rec{zone.zone.id, r.name, r.type, r.ttl, {}, "", false};
      for (const std::string& v : r.values) rec.values.push_back(ResolveValue(v));
      zone.records.push_back(std::move(rec));
    }
    zones_.push_back(std::move(zone));
  }
}

// "host:NAME:KIND" -> that address of the instance (validated by the scenario parser).
std::string World::ResolveValue(const std::string& value) const {
  if (!core::StartsWith(value, "host:")) return value;
  std::vector<std::string> parts = core::Split(value, ':');
  int i = InstanceByName(parts[1]);
  if (i < 0) return value;
  const Inst& in = *insts_[i];
  if (parts[2] == "private") return in.private_ip;
  if (parts[2] == "ipv6") return in.ipv6.empty() ? "" : in.ipv6.front();
  if (parts[2] == "eip") return in.eip;
  return PublicIp(in);
}

int World::NewHost(const std::string& image, const std::string& type, const std::string& zone,
                   core::Time launched) {
  int i = static_cast<int>(insts_.size());
  auto in = std::make_unique<Inst>();
  in->id = fmt::format("i-{:017x}", i + 1);
  in->standalone = true;
  in->zone = zone;
  in->subnet = SubnetOf(zone);
  in->image = image;
  in->spec.instance_type = type;
  in->launched = launched;
  in->private_ip = fmt::format("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, (i & 255));
  in->public_ip = NewPublicIp();
  insts_.push_back(std::move(in));
  return i;
}

// A launched host: in the subnet's zone (one a host already uses, else the region's first).
int World::LaunchHost(const cloud::LaunchLike& l) {
  std::string zone = region_ + "a";
  for (const auto& other : insts_) {
    if (!l.subnet_id.empty() && other->subnet == l.subnet_id) zone = other->zone;
  }
  int i = NewHost(l.image_id, l.instance_type.empty() ? kSimInstanceType : l.instance_type, zone,
                  clock_.Now());
  Inst& in = *insts_[i];
  if (!l.subnet_id.empty()) in.subnet = l.subnet_id;
  in.key = l.key_name;
  in.security_groups = l.security_groups;
  in.profile = l.profile_arn;
  in.tags = l.tags;  // EC2 refuses keys starting "aws:" (its own); a copy leaves them out
  std::erase_if(in.tags, [](const auto& kv) { return kv.first.rfind("aws:", 0) == 0; });
  in.protection = l.termination_protection;
  in.user_data = l.user_data;
  for (int k = 0; k < l.ipv6_count; ++k) in.ipv6.push_back(Ipv6(i, k));
  cloud::RootVolume root = l.root.value_or(cloud::RootVolume{"/dev/xvda", 8, "gp3", false});
  VolumeSpec spec;  // 8 GiB gp3 unless given
  if (!root.device.empty()) spec.device = root.device;
  if (root.size_gib > 0) spec.size_gib = root.size_gib;
  if (!root.volume_type.empty()) spec.type = root.volume_type;
  spec.encrypted = root.encrypted;
  AddVolume(i, spec, /*root=*/true);
  Trace("run_instance", fmt::format("{} {} {}", in.id, l.image_id, zone));
  ScheduleRunning(i);
  return i;
}

std::string World::NewPublicIp() {
  int n = ++public_ips_;
  return fmt::format("54.{}.{}.{}", 160 + ((n >> 16) & 31), (n >> 8) & 255, n & 255);
}

std::string World::Ipv6(int i, int k) const {
  return fmt::format("2600:1f18:4a3:{:x}::{:x}", i + 1, k + 0x10);
}

std::string World::PublicIp(const Inst& in) const { return in.eip.empty() ? in.public_ip : in.eip; }

int World::InstanceByName(const std::string& text) const {
  int by_id = InstanceIndex(text);
  if (by_id >= 0) return by_id;
  for (size_t i = 0; i < insts_.size(); ++i) {
    const Inst& in = *insts_[i];
    auto it = in.tags.find("Name");
    if (in.state != Ec2State::kTerminated && it != in.tags.end() && it->second == text) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

int World::InstanceByAddress(const std::string& address) const {
  if (address.empty()) return -1;
  for (size_t i = 0; i < insts_.size(); ++i) {
    const Inst& in = *insts_[i];
    if (in.state == Ec2State::kTerminated) continue;
    if (in.private_ip == address || in.public_ip == address || in.eip == address ||
        std::find(in.ipv6.begin(), in.ipv6.end(), address) != in.ipv6.end()) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// The address leaves whatever instance has it; the instance it lands on shows it as its public
// IP (its own public IP stays reserved for it and comes back when the address leaves).
void World::Associate(size_t eip, int inst) {
  Eip& e = eips_[eip];
  if (e.inst >= 0) insts_[e.inst]->eip.clear();
  e.inst = inst;
  e.association = inst < 0 ? "" : fmt::format("eipassoc-{:017x}", ++associations_);
  if (inst >= 0) {
    for (Eip& other : eips_) {
      if (&other != &e && other.inst == inst) other.inst = -1, other.association.clear();
    }
    insts_[inst]->eip = e.ip;
  }
}

cloud::Host World::HostOf(int i, core::Time t) const {
  const Inst& in = *insts_[i];
  cloud::Host h;
  h.instance = DescribeInstance(i, /*with_health=*/false, t);
  auto name = in.tags.find("Name");
  h.name = name == in.tags.end() ? "" : name->second;
  h.subnet_id = in.subnet.empty() ? SubnetOf(in.zone) : in.subnet;
  h.vpc_id = "vpc-0a11ce5ba5e000001";
  h.security_groups = in.security_groups;
  h.key_name = in.key;
  h.profile_arn = in.profile;
  h.root_device = "/dev/xvda";
  for (int vol : in.volumes) {
    const Vol& v = *vols_[vol];
    h.devices.push_back(cloud::BlockDevice{v.device, v.id, v.size_gib, v.type, v.encrypted,
                                           v.delete_on_termination});
  }
  h.termination_protection = in.protection;
  h.user_data = in.user_data;
  h.group = in.group >= 0 ? groups_[in.group]->spec.name : "";
  return h;
}

// Stopping: EC2 releases the instance's own public IP at once (an elastic IP stays); stopped
// after `shutdown`.
void World::Stop(int i) {
  Inst& in = *insts_[i];
  in.state = Ec2State::kStopping;
  in.public_ip.clear();
  int epoch = ++in.epoch;
  Trace("stop", in.id);
  UnmountAll(i);
  queue_.At(clock_.Now() + timing_.shutdown.Sample(world_rng_), [this, i, epoch] {
    Inst& s = *insts_[i];
    if (s.epoch != epoch) return;
    s.state = Ec2State::kStopped;
    Trace("stopped", s.id);
  });
}

// Starting: pending with a new public IP, running after `launch_to_running`, booting anew.
void World::Start(int i) {
  Inst& in = *insts_[i];
  in.state = Ec2State::kPending;
  in.public_ip = NewPublicIp();
  in.running_at = in.app_up = in.app_expected = kNever;
  ScheduleRunning(i);
  Trace("start", in.id);
}

void World::ScheduleRunning(int i) {
  int epoch = ++insts_[i]->epoch;
  core::Duration to_running = timing_.launch_to_running.Sample(world_rng_);
  queue_.At(clock_.Now() + to_running, [this, i, epoch] {
    if (insts_[i]->epoch == epoch) BecomeRunning(i);
  });
}

}  // namespace rotor::sim
