// redeploy-bastion: the steps. Each looks at the cloud afresh (the new instance is found again
// by its rotor:operation tag, or as the group's other member), so a resumed run never repeats
// a step blindly; waits sleep on the injected clock.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "core/strings.h"
#include "ops/bastion.h"
#include "remote/host_keys.h"

namespace rotor::ops {
namespace {

using nlohmann::json;
using runbook::Check;

constexpr auto kPoll = std::chrono::seconds(5);
constexpr auto kProbeTimeout = std::chrono::seconds(10);
constexpr auto kSyncTimeout = std::chrono::minutes(10);
constexpr auto kStateTimeout = std::chrono::minutes(10);

core::Status Failed(std::string why) {
  return core::Status(core::Code::kFailedPrecondition, std::move(why));
}

// What every step shares: the cloud, the clock, the runner and the plan.
struct Ctx {
  cloud::Cloud& cloud;
  core::Clock& clock;
  remote::Runner& runner;
  BastionPlan plan;
  std::function<core::Status()> keep_lease;  // renewed at every poll of a long wait

  // Sleeps one poll interval, the leases kept (a lost one stops the step: kBlocked).
  core::Status Pause() {
    if (keep_lease) RETURN_IF_ERROR(keep_lease());
    clock.SleepFor(kPoll);
    return core::Status::Ok();
  }

  const std::string& old_id() const { return plan.old.instance.id; }

  // The new instance, once there is one: launched by this operation (its tag), or the group's
  // member other than the old one.
  core::Result<std::optional<cloud::Host>> NewHost() {
    if (plan.group.empty()) {
      ASSIGN_OR_RETURN(auto found, cloud.instances.FindHosts("rotor:operation", plan.operation_id));
      for (cloud::Host& h : found) {
        if (h.instance.id != old_id()) return std::optional<cloud::Host>(std::move(h));
      }
      return std::optional<cloud::Host>();
    }
    ASSIGN_OR_RETURN(std::vector<cloud::Group> g, cloud.groups.ListGroups({plan.group}));
    for (const cloud::Instance& i : g.empty() ? std::vector<cloud::Instance>{} : g[0].instances) {
      if (i.id == old_id() || i.lifecycle_state.rfind("Terminating", 0) == 0) continue;
      ASSIGN_OR_RETURN(cloud::Host h, cloud.instances.DescribeHost(i.id));
      return std::optional<cloud::Host>(std::move(h));
    }
    return std::optional<cloud::Host>();
  }

  core::Result<cloud::Host> RequireNew() {
    ASSIGN_OR_RETURN(auto h, NewHost());
    if (!h) return Failed("the new instance is gone (terminated by someone else?)");
    return *h;
  }

  // The new instance's host keys from its console, pinned under every address it will answer
  // on (its own, and the elastic IPs moving to it); nothing when EC2 shows none yet.
  core::Status PinKeys(const cloud::Host& h) {
    ASSIGN_OR_RETURN(std::string console, cloud.instances.ConsoleOutput(h.instance.id));
    std::vector<std::string> addresses = h.instance.ipv6_addresses;
    for (const std::string& a : {h.instance.private_ip, h.instance.public_ip}) {
      if (!a.empty()) addresses.push_back(a);
    }
    for (const cloud::ElasticIp& e : plan.addresses) addresses.push_back(e.public_ip);
    return runner.TrustHostKeys(addresses, remote::HostKeysFromConsole(console));
  }

  // Waits until the instance's EC2 state is one of `states`.
  core::Result<cloud::Host> WaitState(const std::string& id, std::vector<std::string> states) {
    core::Time until = clock.Now() + kStateTimeout;
    while (true) {
      ASSIGN_OR_RETURN(cloud::Host h, cloud.instances.DescribeHost(id));
      if (std::count(states.begin(), states.end(), h.instance.ec2_state)) return h;
      if (clock.Now() >= until) {
        return core::Status(
            core::Code::kFailedPrecondition,
            fmt::format("{} is still {} after {}s", id, h.instance.ec2_state,
                        std::chrono::duration_cast<std::chrono::seconds>(kStateTimeout).count()));
      }
      RETURN_IF_ERROR(Pause());
    }
  }
};

std::string AddressOf(const cloud::Host& h, AddressKind kind) {
  const cloud::Instance& i = h.instance;
  if (kind == AddressKind::kPublic) return i.public_ip;
  if (kind == AddressKind::kIpv6) return i.ipv6_addresses.empty() ? "" : i.ipv6_addresses[0];
  return i.private_ip;
}

// --- Launch: a standalone bastion's successor, or a surge of one in its group ---

class LaunchNew : public runbook::Step {
 public:
  explicit LaunchNew(std::shared_ptr<Ctx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("launch a new instance like {} from {}", c_->old_id(),
                       c_->plan.launch.image_id);
  }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(auto h, c_->NewHost());
    return h ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    cloud::LaunchLike launch = c_->plan.launch;
    ASSIGN_OR_RETURN(cloud::Host old, c_->cloud.instances.DescribeHost(c_->old_id()));
    launch.user_data = old.user_data;  // never journaled: read again
    ASSIGN_OR_RETURN(std::string id, c_->cloud.instances.RunInstance(launch));
    // EC2's lists catch up with a launch a little later: the steps after this one (and the
    // undo) find the instance by its tag, so the step ends once the tag finds it.
    core::Time until = c_->clock.Now() + kStateTimeout;
    while (c_->clock.Now() < until) {
      ASSIGN_OR_RETURN(auto h, c_->NewHost());
      if (h) return core::Status::Ok();
      RETURN_IF_ERROR(c_->Pause());
    }
    return Failed(fmt::format("{} was launched but is not listed by its tags after 10m", id));
  }
  // The new instance held nothing yet: it goes (its protection, copied from the old, off first).
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(auto h, c_->NewHost());
    if (!h) return core::Status::Ok();
    if (h->termination_protection) {
      RETURN_IF_ERROR(c_->cloud.instances.SetTerminationProtection(h->instance.id, false));
    }
    return c_->cloud.instances.TerminateInstances({h->instance.id});
  }

 private:
  std::shared_ptr<Ctx> c_;
};

class Surge : public runbook::Step {
 public:
  explicit Surge(std::shared_ptr<Ctx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("raise group {} to {} for a new instance", c_->plan.group,
                       c_->plan.group_desired + 1);
  }
  // Asked already when desired is above what the plan found (a crash after the call).
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(std::vector<cloud::Group> g, c_->cloud.groups.ListGroups({c_->plan.group}));
    if (g.empty()) return Check::Blocked("group " + c_->plan.group + " no longer exists");
    return g[0].desired > c_->plan.group_desired ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    int want = c_->plan.group_desired + 1;
    return c_->cloud.group_changes.SetSizes(
        c_->plan.group, {std::nullopt, std::max(c_->plan.group_max, want), want});
  }
  // The new member goes with decrement; desired and max as the plan found them.
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(auto h, c_->NewHost());
    if (h) RETURN_IF_ERROR(c_->cloud.group_changes.TerminateInstance(h->instance.id, true));
    return c_->cloud.group_changes.SetSizes(
        c_->plan.group, {std::nullopt, c_->plan.group_max, c_->plan.group_desired});
  }

 private:
  std::shared_ptr<Ctx> c_;
};

// --- Waits for the port ---

class WaitPort : public runbook::Step {
 public:
  // `via`: an elastic IP to reach it through; empty: its own address of the plan's kind.
  WaitPort(std::shared_ptr<Ctx> c, std::string via) : c_(std::move(c)), via_(std::move(via)) {}
  std::string Describe() const override {
    return fmt::format("wait until port {} accepts connections on the new instance{}",
                       c_->plan.port, via_.empty() ? "" : " through " + via_);
  }
  runbook::Reversal reversal() const override { return runbook::Reversal::kNothingToUndo; }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(auto target, Target());
    if (!target) return Check::NotDone();
    return c_->runner.PortOpen(target->target, c_->plan.port, kProbeTimeout).ok()
               ? Check::Done()
               : Check::NotDone();
  }
  core::Status Do() override {
    core::Time until = c_->clock.Now() + c_->plan.health_timeout;
    std::string last = "it is not running yet";
    while (c_->clock.Now() < until) {
      ASSIGN_OR_RETURN(auto target, Target());
      if (target) {
        core::Status open = c_->runner.PortOpen(target->target, c_->plan.port, kProbeTimeout);
        if (open.ok()) return via_.empty() ? c_->PinKeys(target->host) : open;
        last = open.message();
      }
      RETURN_IF_ERROR(c_->Pause());
    }
    // A step failure, not a timeout: the driver waits timeouts out as AWS being unreachable.
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("port {} on the new instance did not accept connections "
                                    "within --health-timeout: {}",
                                    c_->plan.port, last));
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  // The new instance and where to knock on it.
  struct Knock {
    cloud::Host host;
    remote::SshTarget target;
  };

  // None while the new instance is not listed yet (the group launches), not running, or has no
  // such address.
  core::Result<std::optional<Knock>> Target() {
    ASSIGN_OR_RETURN(auto seen, c_->NewHost());
    if (!seen) return std::optional<Knock>();
    const cloud::Host& h = *seen;
    if (h.instance.ec2_state == "terminated" || h.instance.ec2_state == "shutting-down") {
      return Failed(fmt::format("the new instance {} is {}", h.instance.id, h.instance.ec2_state));
    }
    std::string address = via_.empty() ? AddressOf(h, c_->plan.address) : via_;
    if (h.instance.ec2_state != "running" || address.empty()) return std::optional<Knock>();
    return std::optional<Knock>(
        Knock{h, remote::SshTarget{h.instance.id + " (new bastion)", address, true}});
  }

  std::shared_ptr<Ctx> c_;
  std::string via_;
};

// --- Elastic IPs ---

class MoveAddress : public runbook::Step {
 public:
  MoveAddress(std::shared_ptr<Ctx> c, cloud::ElasticIp eip)
      : c_(std::move(c)), eip_(std::move(eip)) {}
  std::string Describe() const override {
    return fmt::format("move elastic IP {} from {} to the new instance", eip_.public_ip,
                       c_->old_id());
  }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::ElasticIp now, c_->cloud.addresses.DescribeAddress(eip_.allocation_id));
    ASSIGN_OR_RETURN(cloud::Host h, c_->RequireNew());
    return now.instance_id == h.instance.id ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::Host h, c_->RequireNew());
    return c_->cloud.addresses.Associate(eip_.allocation_id, h.instance.id);
  }
  core::Status Undo(const std::string&) override {
    return c_->cloud.addresses.Associate(eip_.allocation_id, c_->old_id());
  }

 private:
  std::shared_ptr<Ctx> c_;
  cloud::ElasticIp eip_;
};

// --- Route 53 ---

class UpdateRecords : public runbook::Step {
 public:
  explicit UpdateRecords(std::shared_ptr<Ctx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    std::vector<std::string> names;
    for (const cloud::DnsRecord& r : c_->plan.records) names.push_back(r.name + " " + r.type);
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
    ASSIGN_OR_RETURN(cloud::Host h, c_->RequireNew());
    std::map<std::string, std::string> to = Mapping(h);
    ASSIGN_OR_RETURN(auto now, Current());
    std::vector<cloud::DnsRecord> changed;
    for (cloud::DnsRecord r : now) {
      for (std::string& v : r.values) {
        if (!OldAddresses().count(v)) continue;
        auto m = to.find(v);
        if (m == to.end() || m->second.empty()) {
          return Failed(fmt::format("{} {} names {}, but the new instance has no such address",
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
    const std::string& was = c_->plan.old.instance.public_ip;
    std::string now = was;
    if (!was.empty() && OldAddresses().count(was)) {
      ASSIGN_OR_RETURN(cloud::Host old, c_->cloud.instances.DescribeHost(c_->old_id()));
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
    const cloud::Instance& i = c_->plan.old.instance;
    std::set<std::string> s(i.ipv6_addresses.begin(), i.ipv6_addresses.end());
    s.insert(i.private_ip);
    if (!i.public_ip.empty()) s.insert(i.public_ip);
    for (const cloud::ElasticIp& e : c_->plan.addresses) s.erase(e.public_ip);
    return s;
  }
  std::map<std::string, std::string> Mapping(const cloud::Host& h) const {
    const cloud::Instance& o = c_->plan.old.instance;
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
    for (const cloud::DnsRecord& want : c_->plan.records) {
      if (!zones.count(want.zone_id)) {
        ASSIGN_OR_RETURN(zones[want.zone_id], c_->cloud.dns.ListRecords(want.zone_id));
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
                       c_->cloud.dns.ChangeRecords(zone, batch, "rotor " + c_->plan.operation_id));
      changes.push_back(id);
    }
    core::Time until = c_->clock.Now() + kSyncTimeout;
    for (const std::string& id : changes) {
      while (true) {
        ASSIGN_OR_RETURN(bool synced, c_->cloud.dns.ChangeInSync(id));
        if (synced) break;
        if (c_->clock.Now() >= until) {
          return core::Status(core::Code::kFailedPrecondition,
                              "Route 53 change " + id + " is not in sync after 10m");
        }
        RETURN_IF_ERROR(c_->Pause());
      }
    }
    return core::Status::Ok();
  }

  std::shared_ptr<Ctx> c_;
};

// --- The old instance ---

class LeaveGroup : public runbook::Step {
 public:
  explicit LeaveGroup(std::shared_ptr<Ctx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("take {} out of group {} with decrement; max size back to {}", c_->old_id(),
                       c_->plan.group, c_->plan.group_max);
  }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::Group g, Group());
    bool done = !Member(g) && g.max_size == c_->plan.group_max;
    return done ? Check::Done() : Check::NotDone();
  }
  // Each half only when needed: a crash may fall between them.
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::Group g, Group());
    if (Member(g)) {
      RETURN_IF_ERROR(
          c_->cloud.group_changes.DetachInstances(c_->plan.group, {c_->old_id()}, true));
    }
    return c_->cloud.group_changes.SetSizes(c_->plan.group,
                                            {std::nullopt, c_->plan.group_max, std::nullopt});
  }
  // Back into the group, with room for it (it must be running: the stop is undone first).
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(cloud::Group g, Group());
    if (Member(g)) return core::Status::Ok();
    if (g.max_size < g.desired + 1) {
      RETURN_IF_ERROR(c_->cloud.group_changes.SetSizes(
          c_->plan.group, {std::nullopt, g.desired + 1, std::nullopt}));
    }
    RETURN_IF_ERROR(c_->WaitState(c_->old_id(), {"running"}).status());
    return c_->cloud.group_changes.AttachInstances(c_->plan.group, {c_->old_id()});
  }

 private:
  // From the group's own member list: the group tag an instance carries stays after
  // a detach.
  bool Member(const cloud::Group& g) const {
    return std::any_of(g.instances.begin(), g.instances.end(),
                       [&](const cloud::Instance& i) { return i.id == c_->old_id(); });
  }
  core::Result<cloud::Group> Group() {
    ASSIGN_OR_RETURN(std::vector<cloud::Group> g, c_->cloud.groups.ListGroups({c_->plan.group}));
    if (g.empty()) return Failed("group " + c_->plan.group + " no longer exists");
    return g[0];
  }

  std::shared_ptr<Ctx> c_;
};

class StopOld : public runbook::Step {
 public:
  explicit StopOld(std::shared_ptr<Ctx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("rename {} {}-old and stop it (kept, termination protection as it was)",
                       c_->old_id(), c_->plan.old.name);
  }
  core::Result<Check> Look() override {
    ASSIGN_OR_RETURN(cloud::Host old, c_->cloud.instances.DescribeHost(c_->old_id()));
    const std::string& s = old.instance.ec2_state;
    if (s == "terminated" || s == "shutting-down") return Check::Blocked(c_->old_id() + " is " + s);
    if (s == "stopping") RETURN_IF_ERROR(c_->WaitState(c_->old_id(), {"stopped"}).status());
    return s == "stopped" || s == "stopping" ? Check::Done() : Check::NotDone();
  }
  // Done once it has stopped: the end of the runbook is a stopped instance, not a stopping one.
  // Renamed NAME-old first, so that NAME names the new bastion alone.
  core::Status Do() override {
    ASSIGN_OR_RETURN(cloud::Host old, c_->cloud.instances.DescribeHost(c_->old_id()));
    std::string renamed = c_->plan.old.name + "-old";
    if (!c_->plan.old.name.empty() && old.name != renamed) {
      RETURN_IF_ERROR(c_->cloud.instances.Tag(c_->old_id(), {{"Name", renamed}}, {}));
    }
    RETURN_IF_ERROR(c_->cloud.instances.SetRunning(c_->old_id(), false));
    return c_->WaitState(c_->old_id(), {"stopped"}).status();
  }
  // Started again once it has stopped (EC2 refuses to start a stopping instance).
  core::Status Undo(const std::string&) override {
    ASSIGN_OR_RETURN(cloud::Host old,
                     c_->WaitState(c_->old_id(), {"stopped", "running", "terminated"}));
    if (!c_->plan.old.name.empty() && old.name != c_->plan.old.name) {
      RETURN_IF_ERROR(c_->cloud.instances.Tag(c_->old_id(), {{"Name", c_->plan.old.name}}, {}));
    }
    if (old.instance.ec2_state != "stopped") return core::Status::Ok();
    RETURN_IF_ERROR(c_->cloud.instances.SetRunning(c_->old_id(), true));
    return c_->WaitState(c_->old_id(), {"running"}).status();
  }

 private:
  std::shared_ptr<Ctx> c_;
};

class TerminateOld : public runbook::Step {
 public:
  explicit TerminateOld(std::shared_ptr<Ctx> c) : c_(std::move(c)) {}
  std::string Describe() const override {
    return fmt::format("terminate {} (cannot be undone)", c_->old_id());
  }
  runbook::Reversal reversal() const override { return runbook::Reversal::kIrreversible; }
  core::Result<Check> Look() override {
    auto old = c_->cloud.instances.DescribeHost(c_->old_id());
    if (!old.ok() && old.status().code() == core::Code::kNotFound) return Check::Done();
    if (!old.ok()) return old.status();
    const std::string& s = old->instance.ec2_state;
    return s == "terminated" || s == "shutting-down" ? Check::Done() : Check::NotDone();
  }
  core::Status Do() override {
    RETURN_IF_ERROR(c_->cloud.instances.SetTerminationProtection(c_->old_id(), false));
    return c_->cloud.instances.TerminateInstances({c_->old_id()});
  }
  core::Status Undo(const std::string&) override { return core::Status::Ok(); }

 private:
  std::shared_ptr<Ctx> c_;
};

}  // namespace

std::vector<std::unique_ptr<runbook::Step>> BastionSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                         remote::Runner& runner,
                                                         const BastionPlan& plan,
                                                         std::function<core::Status()> keep_lease) {
  auto c = std::make_shared<Ctx>(Ctx{cloud, clock, runner, plan, std::move(keep_lease)});
  std::vector<std::unique_ptr<runbook::Step>> steps;
  if (plan.group.empty()) {
    steps.push_back(std::make_unique<LaunchNew>(c));
  } else {
    steps.push_back(std::make_unique<Surge>(c));
  }
  steps.push_back(std::make_unique<WaitPort>(c, ""));
  for (const cloud::ElasticIp& e : plan.addresses) {
    steps.push_back(std::make_unique<MoveAddress>(c, e));
    steps.push_back(std::make_unique<WaitPort>(c, e.public_ip));
  }
  if (!plan.records.empty()) steps.push_back(std::make_unique<UpdateRecords>(c));
  if (!plan.group.empty()) steps.push_back(std::make_unique<LeaveGroup>(c));
  if (plan.terminate_old) {
    steps.push_back(std::make_unique<TerminateOld>(c));
  } else {
    steps.push_back(std::make_unique<StopOld>(c));
  }
  return steps;
}

}  // namespace rotor::ops
