// The shared host-move steps (host_steps.h). Each looks at the cloud afresh; waits sleep on the
// injected clock.
#include "ops/host_steps.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "ops/host_codec.h"
#include "remote/host_keys.h"

namespace rotor::ops {
namespace {

using nlohmann::json;
using runbook::Check;

constexpr auto kProbeTimeout = std::chrono::seconds(10);
constexpr auto kSyncTimeout = std::chrono::minutes(10);
constexpr auto kStateTimeout = std::chrono::minutes(10);

// --- Launch ---

class LaunchLike : public runbook::Step {
 public:
  LaunchLike(std::shared_ptr<HostMove> m, cloud::LaunchLike launch, LaunchUndo undo)
      : m_(std::move(m)), launch_(std::move(launch)), undo_(undo) {}
  std::string Describe() const override {
    return fmt::format("launch a new instance like {} from {}", m_->old_id(), launch_.image_id);
  }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(auto h, m_->NewHost());
    return h ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    cloud::LaunchLike launch = launch_;
    ASSIGN_OR_RETURN(cloud::Host old, m_->cloud.instances.DescribeHost(m_->old_id()));
    launch.user_data = old.user_data;  // never journaled: read again
    ASSIGN_OR_RETURN(std::string id, m_->cloud.instances.RunInstance(launch));
    // EC2's lists catch up with a launch a little later: the steps after this one (and the
    // undo) find the instance by its tag, so the step ends once the tag finds it.
    core::Time until = m_->clock.Now() + kStateTimeout;
    Backoff wait;
    while (m_->clock.Now() < until) {
      ASSIGN_OR_RETURN(auto h, m_->NewHost());
      if (h) return core::Status::Ok();
      RETURN_IF_ERROR(m_->Pause(wait));
    }
    return StepFailed(fmt::format("{} was launched but is not listed by its tags after 10m", id));
  }
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(auto h, m_->NewHost());
    if (!h) return core::Status::Ok();
    const std::string& id = h->instance.id;
    if (undo_ == LaunchUndo::kStopKeep) {
      RETURN_IF_ERROR(m_->cloud.instances.Tag(id, {{"rotor:rolled-back", m_->operation_id}}, {}));
      if (h->instance.ec2_state == "stopped" || h->instance.ec2_state == "stopping") {
        return core::Status::Ok();
      }
      RETURN_IF_ERROR(m_->cloud.instances.SetRunning(id, false));
      return m_->WaitState(id, {"stopped"}).status();
    }
    if (h->termination_protection) {
      RETURN_IF_ERROR(m_->cloud.instances.SetTerminationProtection(id, false));
    }
    return m_->cloud.instances.TerminateInstances({id});
  }

 private:
  std::shared_ptr<HostMove> m_;
  cloud::LaunchLike launch_;
  LaunchUndo undo_;
};

// --- Waits for a port ---

class WaitPort : public runbook::Step {
 public:
  WaitPort(std::shared_ptr<HostMove> m, PortWait w) : m_(std::move(m)), w_(std::move(w)) {}
  std::string Describe() const override {
    return fmt::format("wait until port {} accepts connections on the new instance{}", w_.port,
                       w_.via.empty() ? "" : " through " + w_.via);
  }
  runbook::Reversal reversal() const override { return runbook::Reversal::kNothingToUndo; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(auto target, Target());
    if (!target) return Check::NotDone();
    return m_->runner.PortOpen(target->target, w_.port, kProbeTimeout).ok() ? Check::Done()
                                                                            : Check::NotDone();
  }
  core::Status Do() override {
    core::Time until = m_->clock.Now() + w_.timeout;
    std::string last = "it is not running yet";
    Backoff wait;
    while (m_->clock.Now() < until) {
      ASSIGN_OR_RETURN(auto target, Target());
      if (target) {
        core::Status open = m_->runner.PortOpen(target->target, w_.port, kProbeTimeout);
        if (open.ok()) return w_.via.empty() ? m_->PinKeys(target->host, w_.pin_also) : open;
        last = open.message();
      }
      RETURN_IF_ERROR(m_->Pause(wait));
    }
    // A step failure, not a timeout: the driver waits timeouts out as AWS being unreachable.
    return StepFailed(fmt::format(
        "port {} on the new instance did not accept connections within --health-timeout: {}",
        w_.port, last));
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  struct Knock {
    cloud::Host host;
    remote::SshTarget target;
  };

  // None while the new instance is not listed yet, not running, or has no such address.
  core::Result<std::optional<Knock>> Target() {
    ASSIGN_OR_RETURN(auto seen, m_->NewHost());
    if (!seen) return std::optional<Knock>();
    const cloud::Host& h = *seen;
    if (h.instance.ec2_state == "terminated" || h.instance.ec2_state == "shutting-down") {
      return StepFailed(
          fmt::format("the new instance {} is {}", h.instance.id, h.instance.ec2_state));
    }
    std::string address = w_.via.empty() ? AddressOf(h, w_.kind) : w_.via;
    if (h.instance.ec2_state != "running" || address.empty()) return std::optional<Knock>();
    return std::optional<Knock>(
        Knock{h, remote::SshTarget{h.instance.id + " (new instance)", address, true}});
  }

  std::shared_ptr<HostMove> m_;
  PortWait w_;
};

// --- Elastic IPs ---

class MoveAddress : public runbook::Step {
 public:
  MoveAddress(std::shared_ptr<HostMove> m, cloud::ElasticIp eip)
      : m_(std::move(m)), eip_(std::move(eip)) {}
  std::string Describe() const override {
    return fmt::format("move elastic IP {} from {} to the new instance", eip_.public_ip,
                       m_->old_id());
  }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::ElasticIp now, m_->cloud.addresses.DescribeAddress(eip_.allocation_id));
    ASSIGN_OR_RETURN(cloud::Host h, m_->RequireNew());
    return now.instance_id == h.instance.id ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::Host h, m_->RequireNew());
    return m_->cloud.addresses.Associate(eip_.allocation_id, h.instance.id);
  }
  core::Status Undo(const std::string&) override {
    return m_->cloud.addresses.Associate(eip_.allocation_id, m_->old_id());
  }

 private:
  std::shared_ptr<HostMove> m_;
  cloud::ElasticIp eip_;
};

// --- Route 53 ---

class UpdateRecords : public runbook::Step {
 public:
  UpdateRecords(std::shared_ptr<HostMove> m, std::vector<cloud::DnsRecord> records,
                std::vector<std::string> eips)
      : m_(std::move(m)), records_(std::move(records)), eips_(std::move(eips)) {}
  std::string Describe() const override {
    std::vector<std::string> names;
    for (const cloud::DnsRecord& r : records_) names.push_back(r.name + " " + r.type);
    return "point " + core::Join(names, ", ") + " at the new instance; wait until in sync";
  }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(auto now, Current());
    for (const cloud::DnsRecord& r : now) {
      for (const std::string& v : r.values) {
        if (OldAddresses().count(v)) return Check::NotDone();
      }
    }
    return Check::Done();
  }
  // The records as they are before the change: what the undo writes back.
  core::Result<std::string> Remember() override {
    ASSIGN_OR_RETURN(auto now, Current());
    json memo = json::array();
    for (const cloud::DnsRecord& r : now) memo.push_back(RecordJson(r));
    return memo.dump();
  }
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::Host h, m_->RequireNew());
    std::map<std::string, std::string> to = Mapping(h);
    ASSIGN_OR_RETURN(auto now, Current());
    std::vector<cloud::DnsRecord> changed;
    for (cloud::DnsRecord r : now) {
      for (std::string& v : r.values) {
        if (!OldAddresses().count(v)) continue;
        auto m = to.find(v);
        if (m == to.end() || m->second.empty()) {
          return StepFailed(fmt::format("{} {} names {}, but the new instance has no such address",
                                        r.name, r.type, v));
        }
        v = m->second;
      }
      changed.push_back(std::move(r));
    }
    return Apply(changed);
  }
  // The old values, except a public IPv4 of the old instance's own: a stop and start gave it
  // a new one, which the records now name.
  core::Status Undo(const std::string& memo) override {
    json j = json::parse(memo, nullptr, false);
    if (!j.is_array()) return core::Status::Ok();  // never changed
    const std::string& was = m_->old.instance.public_ip;
    std::string now = was;
    if (!was.empty() && OldAddresses().count(was)) {
      ASSIGN_OR_RETURN(cloud::Host old, m_->cloud.instances.DescribeHost(m_->old_id()));
      now = old.instance.public_ip;
    }
    std::vector<cloud::DnsRecord> before;
    for (const json& r : j) {
      cloud::DnsRecord record = RecordFrom(r);
      for (std::string& v : record.values) {
        if (v == was && !now.empty()) v = now;
      }
      before.push_back(std::move(record));
    }
    return Apply(before);
  }

 private:
  std::set<std::string> OldAddresses() const {
    const cloud::Instance& i = m_->old.instance;
    std::set<std::string> s(i.ipv6_addresses.begin(), i.ipv6_addresses.end());
    s.insert(i.private_ip);
    if (!i.public_ip.empty()) s.insert(i.public_ip);
    for (const std::string& e : eips_) s.erase(e);
    return s;
  }
  std::map<std::string, std::string> Mapping(const cloud::Host& h) const {
    const cloud::Instance& o = m_->old.instance;
    const cloud::Instance& n = h.instance;
    std::map<std::string, std::string> m = {{o.private_ip, n.private_ip}};
    if (!o.public_ip.empty()) m[o.public_ip] = n.public_ip;
    for (size_t k = 0; k < o.ipv6_addresses.size(); ++k) {
      m[o.ipv6_addresses[k]] = k < n.ipv6_addresses.size() ? n.ipv6_addresses[k] : "";
    }
    return m;
  }
  // The planned records as Route 53 has them now (matched by zone, name, type, set id).
  core::Result<std::vector<cloud::DnsRecord>> Current() {
    std::vector<cloud::DnsRecord> out;
    std::map<std::string, std::vector<cloud::DnsRecord>> zones;
    for (const cloud::DnsRecord& want : records_) {
      if (!zones.count(want.zone_id)) {
        ASSIGN_OR_RETURN(zones[want.zone_id], m_->cloud.dns.ListRecords(want.zone_id));
      }
      for (const cloud::DnsRecord& r : zones[want.zone_id]) {
        if (r.name == want.name && r.type == want.type && r.set_identifier == want.set_identifier)
          out.push_back(r);
      }
    }
    return out;
  }
  // UPSERTs per zone, then waits until every change is in sync.
  core::Status Apply(const std::vector<cloud::DnsRecord>& records) {
    std::map<std::string, std::vector<cloud::RecordChange>> batches;
    for (const cloud::DnsRecord& r : records) {
      batches[r.zone_id].push_back({cloud::RecordChange::Action::kUpsert, r});
    }
    std::vector<std::string> changes;
    for (const auto& [zone, batch] : batches) {
      ASSIGN_OR_RETURN(std::string id,
                       m_->cloud.dns.ChangeRecords(zone, batch, "rotor " + m_->operation_id));
      changes.push_back(id);
    }
    core::Time until = m_->clock.Now() + kSyncTimeout;
    Backoff wait;
    for (const std::string& id : changes) {
      while (true) {
        ASSIGN_OR_RETURN(bool synced, m_->cloud.dns.ChangeInSync(id));
        if (synced) break;
        if (m_->clock.Now() >= until) {
          return StepFailed("Route 53 change " + id + " is not in sync after 10m");
        }
        RETURN_IF_ERROR(m_->Pause(wait));
      }
    }
    return core::Status::Ok();
  }

  std::shared_ptr<HostMove> m_;
  std::vector<cloud::DnsRecord> records_;
  std::vector<std::string> eips_;
};

// --- The old instance ---

class StopOld : public runbook::Step {
 public:
  StopOld(std::shared_ptr<HostMove> m, std::string rename_to)
      : m_(std::move(m)), rename_to_(std::move(rename_to)) {}
  std::string Describe() const override {
    if (rename_to_.empty()) {
      return fmt::format("stop {} (kept, termination protection as it was)", m_->old_id());
    }
    return fmt::format("rename {} {} and stop it (kept, termination protection as it was)",
                       m_->old_id(), rename_to_);
  }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::Host old, m_->cloud.instances.DescribeHost(m_->old_id()));
    const std::string& s = old.instance.ec2_state;
    if (s == "terminated" || s == "shutting-down") return Check::Blocked(m_->old_id() + " is " + s);
    if (s == "stopping") RETURN_IF_ERROR(m_->WaitState(m_->old_id(), {"stopped"}).status());
    return s == "stopped" || s == "stopping" ? Check::Done() : Check::NotDone();
  }
  // Done once it has stopped: the end of the runbook is a stopped instance, not a stopping one.
  // Renamed first, so that the old Name names the new instance alone.
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::Host old, m_->cloud.instances.DescribeHost(m_->old_id()));
    if (!rename_to_.empty() && old.name != rename_to_) {
      RETURN_IF_ERROR(m_->cloud.instances.Tag(m_->old_id(), {{"Name", rename_to_}}, {}));
    }
    RETURN_IF_ERROR(m_->cloud.instances.SetRunning(m_->old_id(), false));
    return m_->WaitState(m_->old_id(), {"stopped"}).status();
  }
  // Started again once it has stopped (EC2 refuses to start a stopping instance).
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(cloud::Host old,
                     m_->WaitState(m_->old_id(), {"stopped", "running", "terminated"}));
    if (!rename_to_.empty() && !m_->old.name.empty() && old.name != m_->old.name) {
      RETURN_IF_ERROR(m_->cloud.instances.Tag(m_->old_id(), {{"Name", m_->old.name}}, {}));
    }
    if (old.instance.ec2_state != "stopped") return core::Status::Ok();
    RETURN_IF_ERROR(m_->cloud.instances.SetRunning(m_->old_id(), true));
    return m_->WaitState(m_->old_id(), {"running"}).status();
  }

 private:
  std::shared_ptr<HostMove> m_;
  std::string rename_to_;
};

class TerminateOld : public runbook::Step {
 public:
  explicit TerminateOld(std::shared_ptr<HostMove> m) : m_(std::move(m)) {}
  std::string Describe() const override {
    return fmt::format("terminate {} (cannot be undone)", m_->old_id());
  }
  runbook::Reversal reversal() const override { return runbook::Reversal::kIrreversible; }
  core::Result<Check> Look() override {
    auto old = m_->cloud.instances.DescribeHost(m_->old_id());
    if (!old.ok() && old.status().code() == core::Code::kNotFound) return Check::Done();
    if (!old.ok()) return old.status();
    const std::string& s = old->instance.ec2_state;
    return s == "terminated" || s == "shutting-down" ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    RETURN_IF_ERROR(m_->cloud.instances.SetTerminationProtection(m_->old_id(), false));
    return m_->cloud.instances.TerminateInstances({m_->old_id()});
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  std::shared_ptr<HostMove> m_;
};

}  // namespace

HostMove::HostMove(cloud::Cloud& c, core::Clock& k, remote::Runner& r, std::string id,
                   cloud::Host o, std::function<core::Status()> keep_lease)
    : cloud(c),
      clock(k),
      runner(r),
      operation_id(std::move(id)),
      old(std::move(o)),
      keep_lease_(std::move(keep_lease)) {}

core::Result<std::optional<cloud::Host>> HostMove::NewHost() {
  ASSIGN_OR_RETURN(auto found, cloud.instances.FindHosts("rotor:operation", operation_id));
  for (cloud::Host& h : found) {
    if (h.instance.id != old_id()) return std::optional<cloud::Host>(std::move(h));
  }
  return std::optional<cloud::Host>();
}

core::Result<cloud::Host> HostMove::RequireNew() {
  ASSIGN_OR_RETURN(auto h, NewHost());
  if (!h) return StepFailed("the new instance is gone (terminated by someone else?)");
  return *h;
}

core::Duration Backoff::Next() {
  constexpr int kQuickLooks = 5;  // every second for the first 5 s
  if (looks_ < kQuickLooks) {
    ++looks_;
    return std::chrono::seconds(1);
  }
  return std::chrono::seconds(5);
}

// A first snapshot of a large volume takes hours, an incremental one minutes: 12 min pending
// costs 20 looks rather than 48 at a steady 15 s, and a 3-hour one 188 rather than 720, each
// seen at most a minute (or a fifth of its time) after it completed.
core::Duration SnapshotPoll(core::Duration waited) {
  return std::clamp<core::Duration>(waited / 5, std::chrono::seconds(15), std::chrono::minutes(1));
}

core::Status HostMove::SleepFor(core::Duration d) {
  if (keep_lease_) RETURN_IF_ERROR(keep_lease_());
  clock.SleepFor(d);
  return core::Status::Ok();
}

core::Status HostMove::Pause(Backoff& wait) {
  if (keep_lease_) RETURN_IF_ERROR(keep_lease_());
  clock.SleepFor(wait.Next());
  return core::Status::Ok();
}

core::Result<cloud::Host> HostMove::WaitState(const std::string& id,
                                              const std::vector<std::string>& states) {
  core::Time until = clock.Now() + kStateTimeout;
  Backoff wait;
  while (true) {
    ASSIGN_OR_RETURN(cloud::Host h, cloud.instances.DescribeHost(id));
    if (std::count(states.begin(), states.end(), h.instance.ec2_state)) return h;
    if (clock.Now() >= until) {
      return StepFailed(
          fmt::format("{} is still {} after {}s", id, h.instance.ec2_state,
                      std::chrono::duration_cast<std::chrono::seconds>(kStateTimeout).count()));
    }
    RETURN_IF_ERROR(Pause(wait));
  }
}

core::Status HostMove::PinKeys(const cloud::Host& h, const std::vector<std::string>& also) {
  ASSIGN_OR_RETURN(std::string console, cloud.instances.ConsoleOutput(h.instance.id));
  std::vector<std::string> addresses = h.instance.ipv6_addresses;
  for (const std::string& a : {h.instance.private_ip, h.instance.public_ip}) {
    if (!a.empty()) addresses.push_back(a);
  }
  addresses.insert(addresses.end(), also.begin(), also.end());
  return runner.TrustHostKeys(addresses, remote::HostKeysFromConsole(console));
}

core::Result<cloud::Volume> HostMove::Volume(const std::string& id) {
  cloud::VolumeQuery q;
  q.ids = {id};
  ASSIGN_OR_RETURN(std::vector<cloud::Volume> v, cloud.volumes.DescribeVolumes(q));
  if (v.empty()) return StepFailed(id + " no longer exists");
  return v[0];
}

core::Status HostMove::WaitVolume(const std::string& id, const std::string& instance) {
  core::Time until = clock.Now() + kVolumeTimeout;
  Backoff wait;
  while (true) {
    ASSIGN_OR_RETURN(cloud::Volume v, Volume(id));
    bool there = instance.empty() ? v.state == "available" && !v.attachment
                                  : v.attachment && v.attachment->instance_id == instance &&
                                        v.attachment->state == "attached";
    if (there) return core::Status::Ok();
    if (clock.Now() >= until) {
      std::string state = v.attachment ? v.attachment->state : v.state;
      return StepFailed(fmt::format(
          "{} is still {} after 10m{}", id, state,
          state == "detaching" ? " (a file system still in use? EBS's force-detach risks the "
                                 "data: look at the host first)"
                               : ""));
    }
    RETURN_IF_ERROR(Pause(wait));
  }
}

core::Result<std::vector<remote::Disk>> HostMove::Disks(const remote::SshTarget& target) {
  ASSIGN_OR_RETURN(remote::CommandResult r,
                   runner.Run(target, remote::ListDisksCommand(), kDiskTimeout));
  if (r.exit_status != 0) {
    return StepFailed(
        fmt::format("lsblk on {} exited {}: {}", target.name, r.exit_status, Tail(r)));
  }
  return remote::ParseDisks(r.out);
}

core::Status HostMove::RunDisk(const remote::SshTarget& target, const std::string& command,
                               const std::string& what) {
  ASSIGN_OR_RETURN(remote::CommandResult r, runner.Run(target, command, kDiskTimeout));
  if (r.exit_status == 0) return core::Status::Ok();
  return StepFailed(
      fmt::format("{} on {} failed ({}): {}", what, target.name, r.exit_status, Tail(r)));
}

std::string HostMove::Tail(const remote::CommandResult& r) {
  std::string text = core::Trim(r.err.empty() ? r.out : r.err);
  return text.size() > 300 ? "..." + text.substr(text.size() - 300) : text;
}

std::vector<remote::Disk> DisksOf(const std::vector<remote::Disk>& disks, const MovedVolume& m) {
  return remote::DisksOfVolume(disks, m.volume.id, m.device);
}

std::vector<std::string> StillMounted(const std::vector<remote::Disk>& disks,
                                      const MovedVolume& m) {
  std::vector<std::string> now = remote::MountPoints(DisksOf(disks, m));
  std::vector<std::string> out;
  for (const VolumeMount& x : m.mounts) {
    if (std::count(now.begin(), now.end(), x.mountpoint)) out.push_back(x.mountpoint);
  }
  return out;
}

core::Status MountOn(HostMove& move, const remote::SshTarget& target, const MovedVolume& m) {
  ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, move.Disks(target));
  std::vector<remote::Disk> mine = DisksOf(disks, m);
  if (mine.empty()) {
    return StepFailed(fmt::format("{} ({}) does not show among {}'s disks yet", m.volume.id,
                                  m.device, target.name));
  }
  std::vector<std::string> mounted = remote::MountPoints(mine);
  for (auto x = m.mounts.rbegin(); x != m.mounts.rend(); ++x) {
    if (std::count(mounted.begin(), mounted.end(), x->mountpoint)) continue;
    std::string node = mine[0].name + x->node;
    RETURN_IF_ERROR(move.RunDisk(target, remote::MountCommand(node, x->mountpoint),
                                 fmt::format("mounting {} at {}", node, x->mountpoint)));
  }
  return core::Status::Ok();
}

core::Status StepFailed(std::string why) {
  return core::Status(core::Code::kFailedPrecondition, std::move(why));
}

core::Result<AddressKind> ParseAddressKind(const std::string& text) {
  if (text == "private" || text.empty()) return AddressKind::kPrivate;
  if (text == "public") return AddressKind::kPublic;
  if (text == "ipv6") return AddressKind::kIpv6;
  return core::InvalidArgument("--ssh-address " + text + ": use private, public or ipv6");
}

const char* AddressKindName(AddressKind k) {
  return k == AddressKind::kPublic ? "public" : k == AddressKind::kIpv6 ? "ipv6" : "private";
}

std::string AddressOf(const cloud::Host& h, AddressKind kind) {
  const cloud::Instance& i = h.instance;
  if (kind == AddressKind::kPublic) return i.public_ip;
  if (kind == AddressKind::kIpv6) return i.ipv6_addresses.empty() ? "" : i.ipv6_addresses[0];
  return i.private_ip;
}

std::unique_ptr<runbook::Step> LaunchLikeStep(std::shared_ptr<HostMove> move,
                                              cloud::LaunchLike launch, LaunchUndo undo) {
  return std::make_unique<LaunchLike>(std::move(move), std::move(launch), undo);
}
std::unique_ptr<runbook::Step> WaitPortStep(std::shared_ptr<HostMove> move, PortWait wait) {
  return std::make_unique<WaitPort>(std::move(move), std::move(wait));
}
std::unique_ptr<runbook::Step> MoveAddressStep(std::shared_ptr<HostMove> move,
                                               cloud::ElasticIp eip) {
  return std::make_unique<MoveAddress>(std::move(move), std::move(eip));
}
std::unique_ptr<runbook::Step> UpdateRecordsStep(std::shared_ptr<HostMove> move,
                                                 std::vector<cloud::DnsRecord> records,
                                                 std::vector<std::string> eips) {
  return std::make_unique<UpdateRecords>(std::move(move), std::move(records), std::move(eips));
}
std::unique_ptr<runbook::Step> StopOldStep(std::shared_ptr<HostMove> move, std::string rename_to) {
  return std::make_unique<StopOld>(std::move(move), std::move(rename_to));
}
std::unique_ptr<runbook::Step> TerminateOldStep(std::shared_ptr<HostMove> move) {
  return std::make_unique<TerminateOld>(std::move(move));
}

}  // namespace rotor::ops
