// SimInstances' verbs on one host: describe, find, run, stop and start, tags, termination
// protection, console output. Each costs the EC2 calls AwsCloud makes for it.
#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "sim/sim_instances.h"
#include "sim/world.h"

namespace rotor::sim {
namespace {

core::Status NoSuchInstance(const std::string& id) {
  return core::Status(core::Code::kNotFound, "The instance ID '" + id + "' does not exist")
      .set_aws_code("InvalidInstanceID.NotFound");
}

core::Status WrongState(const std::string& id, const std::string& state, const std::string& verb) {
  return core::Status(core::Code::kFailedPrecondition,
                      fmt::format("The instance '{}' is not in a state from which it can be {} "
                                  "(it is {})",
                                  id, verb, state))
      .set_aws_code("IncorrectInstanceState");
}

// 43 characters of base64 drawn from `seed` (a host key's or fingerprint's look, not a real one).
std::string Base64ish(const std::string& seed, size_t length) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : seed) h = (h ^ c) * 1099511628211ULL;
  while (out.size() < length) {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    out += kAlphabet[(h >> 40) & 63];
  }
  return out;
}

std::string HostKeyBlocks(const std::string& id, const std::string& private_ip) {
  std::string host = "root@ip-" + core::Join(core::Split(private_ip, '.'), "-");
  std::string ecdsa = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB" +
                      Base64ish(id + "/ecdsa-key", 87) + "=";
  std::string ed25519 = "AAAAC3NzaC1lZDI1NTE5AAAAI" + Base64ish(id + "/ed25519-key", 43);
  return fmt::format(
      "-----BEGIN SSH HOST KEY FINGERPRINTS-----\n"
      "256 SHA256:{} {} (ECDSA)\n"
      "256 SHA256:{} {} (ED25519)\n"
      "-----END SSH HOST KEY FINGERPRINTS-----\n"
      "-----BEGIN SSH HOST KEY KEYS-----\n"
      "ecdsa-sha2-nistp256 {} {}\n"
      "ssh-ed25519 {} {}\n"
      "-----END SSH HOST KEY KEYS-----\n",
      Base64ish(id + "/ecdsa", 43), host, Base64ish(id + "/ed25519", 43), host, ecdsa, host,
      ed25519, host);
}

}  // namespace

// DescribeInstances (by id, or filtered by tag:Name), then per instance its
// disableApiTermination attribute, and one DescribeVolumes for the devices.
core::Result<cloud::Host> SimInstances::DescribeHost(const std::string& id_or_name) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeInstances", false));
  std::vector<cloud::Host> hosts;
  core::Time now = world_.clock_.Now();
  bool by_id = core::StartsWith(id_or_name, "i-");
  for (size_t i = 0; i < world_.insts_.size(); ++i) {
    const Inst& in = *world_.insts_[i];
    auto name = in.tags.find("Name");
    bool named = name != in.tags.end() &&
                 core::ToLower(name->second).find(core::ToLower(id_or_name)) != std::string::npos;
    if (by_id ? in.id == id_or_name : named) {
      hosts.push_back(world_.HostOf(static_cast<int>(i), now));
    }
  }
  ASSIGN_OR_RETURN(cloud::Host h, cloud::PickHost(id_or_name, hosts));
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeInstanceAttribute", false));
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeVolumes", false));
  return world_.HostOf(world_.InstanceIndex(h.instance.id), world_.clock_.Now());
}

core::Result<std::vector<cloud::Host>> SimInstances::FindHosts(const std::string& key,
                                                               const std::string& value) {
  std::vector<int> found;
  for (size_t i = 0; i < world_.insts_.size(); ++i) {
    const Inst& in = *world_.insts_[i];
    cloud::Instance seen = world_.DescribeInstance(static_cast<int>(i), false, world_.clock_.now());
    auto it = seen.tags.find(key);
    if (in.state != Ec2State::kTerminated && it != seen.tags.end() && it->second == value) {
      found.push_back(static_cast<int>(i));
    }
  }
  for (int p = Pages(found.size(), 1000); p > 0; --p)
    RETURN_IF_ERROR(world_.Api(kEc2, "DescribeInstances", false));
  for (size_t n = 0; n < found.size(); ++n)
    RETURN_IF_ERROR(world_.Api(kEc2, "DescribeInstanceAttribute", false));
  if (!found.empty()) RETURN_IF_ERROR(world_.Api(kEc2, "DescribeVolumes", false));
  std::vector<cloud::Host> out;
  for (int i : found) out.push_back(world_.HostOf(i, world_.clock_.Now()));
  return out;
}

// RunInstances with everything in one call: tags (TagSpecifications), DisableApiTermination, the
// root's BlockDeviceMappings and the client token.
core::Result<std::string> SimInstances::RunInstance(const cloud::LaunchLike& launch) {
  RETURN_IF_ERROR(world_.Api(kEc2, "RunInstances", true));
  if (!launch.client_token.empty()) {
    auto seen = world_.tokens_.find(launch.client_token);
    if (seen != world_.tokens_.end()) return world_.insts_[seen->second]->id;
  }
  bool known = std::any_of(world_.images_.begin(), world_.images_.end(),
                           [&](const ImageSpec& s) { return s.id == launch.image_id; });
  if (!known) {
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("The image id '[{}]' does not exist", launch.image_id))
        .set_aws_code("InvalidAMIID.NotFound");
  }
  int i = world_.LaunchHost(launch);
  if (!launch.client_token.empty()) world_.tokens_[launch.client_token] = i;
  return world_.insts_[i]->id;
}

core::Status SimInstances::SetRunning(const std::string& id, bool running) {
  RETURN_IF_ERROR(world_.Api(kEc2, running ? "StartInstances" : "StopInstances", true));
  int i = world_.InstanceIndex(id);
  if (i < 0) return NoSuchInstance(id);
  Inst& in = *world_.insts_[i];
  Ec2State s = in.state;
  if (running) {
    if (s == Ec2State::kPending || s == Ec2State::kRunning) return core::Status::Ok();
    if (s != Ec2State::kStopped) return WrongState(id, StateName(s), "started");
    world_.Start(i);
    return core::Status::Ok();
  }
  if (s == Ec2State::kStopping || s == Ec2State::kStopped) return core::Status::Ok();
  if (s != Ec2State::kRunning) return WrongState(id, StateName(s), "stopped");
  world_.Stop(i);
  return core::Status::Ok();
}

core::Status SimInstances::Tag(const std::string& id, const std::map<std::string, std::string>& set,
                               const std::vector<std::string>& remove) {
  if (!set.empty()) RETURN_IF_ERROR(world_.Api(kEc2, "CreateTags", true));
  if (!remove.empty()) RETURN_IF_ERROR(world_.Api(kEc2, "DeleteTags", true));
  int i = world_.InstanceIndex(id);
  if (i < 0) return NoSuchInstance(id);
  Inst& in = *world_.insts_[i];
  for (const auto& [k, v] : set) in.tags[k] = v;
  for (const std::string& k : remove) in.tags.erase(k);
  return core::Status::Ok();
}

core::Status SimInstances::SetTerminationProtection(const std::string& id, bool on) {
  RETURN_IF_ERROR(world_.Api(kEc2, "ModifyInstanceAttribute", true));
  int i = world_.InstanceIndex(id);
  if (i < 0) return NoSuchInstance(id);
  world_.insts_[i]->protection = on;
  return core::Status::Ok();
}

// EC2 has console output once the instance has booted: here, from `ssh_ready` after running.
core::Result<std::string> SimInstances::ConsoleOutput(const std::string& id) {
  RETURN_IF_ERROR(world_.Api(kEc2, "GetConsoleOutput", false));
  int i = world_.InstanceIndex(id);
  if (i < 0) return NoSuchInstance(id);
  const Inst& in = *world_.insts_[i];
  if (in.running_at == kNever || world_.clock_.Now() < in.running_at + world_.timing_.ssh_ready) {
    return std::string();
  }
  return fmt::format(
      "[    0.000000] Linux version 6.1.0 (simulated)\n"
      "Cloud-init v. 23.2 running 'init' at {}\n"
      "{}"
      "Cloud-init v. 23.2 finished. Up {} seconds\n",
      core::FormatIso8601(in.running_at), HostKeyBlocks(in.id, in.private_ip),
      std::chrono::duration_cast<std::chrono::seconds>(world_.timing_.ssh_ready).count());
}

}  // namespace rotor::sim
