// Benchmark (issue 13): the outage and the API calls of replacing a persistent host, in the
// simulator with AWS-like timings (examples/persistent-host.yaml: pending -> running 20 s, sshd
// 30 s later, attach 5 s, detach 10 s, Route 53 in sync after 30 s, API calls 50 ms, Copr's
// provisioning playbook 6 min, services 6-8 s to stop or start).
//  1. `rotor replace-instance copr-fe-dev --plan examples/copr-plan.yaml --role frontend`.
//  2. The same work done by hand, one step at a time on the simulator's clock, in the order of
//     the Copr runbook: launch, wait; in the outage stop the services, unmount, detach each
//     volume and wait, attach each and wait, move the elastic IP, fix the AAAA record and wait,
//     provision (the playbook, which mounts the volumes), start; then rename, stop the old one.
//     An operator watches the console (a look every 5 s) and takes `think` seconds before each
//     action; 0 s is a perfect operator.
//  3. The same by hand in rotor's order (the playbook before the outage), to tell what the order
//     buys from what the speed buys.
// The outage is from the first stop command to the last start command's end (rotor's own
// measure, from its journal, is reported beside it).
#include <fmt/format.h>

#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands/commands.h"
#include "cli/runtime.h"
#include "core/strings.h"
#include "remote/disks.h"
#include "sim/sim_cloud.h"

using namespace rotor;
using namespace std::chrono_literals;

namespace {

const std::string kScenario = std::string(ROTOR_SOURCE_DIR) + "/examples/persistent-host.yaml";
const std::string kPlan = std::string(ROTOR_SOURCE_DIR) + "/examples/copr-plan.yaml";
constexpr char kEip[] = "eipalloc-0c0bfe0de4000f001";
const std::vector<std::pair<std::string, std::string>> kVolumes = {
    {"vol-0da7a0000000c0f01", "/dev/sdf"}, {"vol-0da7a0000000db001", "/dev/sdg"}};
const std::vector<std::string> kStop = {"systemctl stop fm-consumer@copr_messaging httpd crond",
                                        "systemctl stop postgresql"};
const std::vector<std::string> kStart = {"systemctl start postgresql",
                                         "systemctl start httpd crond fm-consumer@copr_messaging"};

struct Row {
  std::string how;
  double outage_s = 0;
  double reported_outage_s = -1;  // rotor's own figure
  double total_s = 0;
  int api_calls = 0;
  std::string outcome;
};

Row Failed(Row row, const core::Status& s) {
  row.outcome = s.message();
  return row;
}

double Seconds(core::Duration d) { return std::chrono::duration<double>(d).count(); }

// The first stop command's start and the last start command's end, from the trace: a command
// event is written when the command starts; its duration is the scenario's.
double TraceOutage(sim::SimCloud& sim, core::Duration stop_to_last_start_end) {
  core::Time begin{}, last_start{};
  bool began = false;
  for (const sim::TraceEvent& e : sim.trace()) {
    if (e.kind != "command") continue;
    if (!began && e.detail.find("systemctl stop") != std::string::npos) {
      begin = e.t;
      began = true;
    }
    if (e.detail.find("systemctl start") != std::string::npos) last_start = e.t;
  }
  return began ? Seconds(last_start - begin + stop_to_last_start_end) : -1;
}

Row WithRotor() {
  Row row;
  row.how = "rotor replace-instance (plan role frontend)";
  auto rt = cli::Runtime::CreateSim(kScenario, cloud::kDefaultRequestCeiling);
  if (!rt.ok()) return Failed(row, rt.status());
  sim::SimCloud& sim = *(*rt)->sim();
  std::ostringstream out, err;
  int code = cli::RunCommandLine({"--output", "json", "replace-instance", "copr-fe-dev", "--plan",
                                  kPlan, "--role", "frontend", "--yes"},
                                 out, err, rt->get());
  auto j = nlohmann::json::parse(out.str(), nullptr, false);
  row.outcome = code == 0 && j.is_object() ? j.value("outcome", "?") : "exit " + err.str();
  if (j.is_object() && j.contains("outage_s")) row.reported_outage_s = j["outage_s"];
  row.outage_s = TraceOutage(sim, 8s);  // the last start command takes 8 s
  row.total_s = Seconds(sim.clock().Now() - sim.start());
  row.api_calls = sim.api_calls_total();
  return row;
}

// One operator at a console and a terminal: every action after `think`; every wait a look at
// the console each 5 s.
class ByHand {
 public:
  ByHand(cli::Runtime& rt, core::Duration think)
      : rt_(rt), sim_(*rt.sim()), c_(rt.cloud()), think_(think) {}

  core::Status Run(bool provision_first);
  double outage_s() const { return Seconds(outage_end_ - outage_begin_); }

 private:
  void Think() { sim_.clock().SleepFor(think_); }
  // Looks every 5 s until `done` says so; kDeadlineExceeded after an hour.
  core::Status Watch(const std::string& what, const std::function<core::Result<bool>()>& done) {
    for (core::Time end = sim_.clock().Now() + 1h; sim_.clock().Now() < end;) {
      ASSIGN_OR_RETURN(bool yes, done());
      if (yes) return core::Status::Ok();
      sim_.clock().SleepFor(5s);
    }
    return core::Status(core::Code::kDeadlineExceeded, what);
  }
  core::Result<std::string> Ssh(const std::string& address, const std::string& command) {
    Think();
    ASSIGN_OR_RETURN(remote::Runner * runner, rt_.Remote());
    ASSIGN_OR_RETURN(remote::CommandResult r, runner->Run({address, address, true}, command, 1h));
    if (r.exit_status != 0) return core::Status(core::Code::kInternal, command + " failed");
    return r.out;
  }
  core::Status Local(const std::string& command) {
    Think();
    ASSIGN_OR_RETURN(remote::Runner * runner, rt_.Remote());
    ASSIGN_OR_RETURN(remote::CommandResult r, runner->RunLocal(command, 1h));
    if (r.exit_status != 0) return core::Status(core::Code::kInternal, command + " failed");
    return core::Status::Ok();
  }
  core::Result<std::string> VolumeState(const std::string& id) {
    cloud::VolumeQuery q;
    q.ids = {id};
    ASSIGN_OR_RETURN(std::vector<cloud::Volume> v, c_.volumes.DescribeVolumes(q));
    if (v.empty()) return core::Status(core::Code::kNotFound, id);
    if (!v[0].attachment) return v[0].state;
    return v[0].attachment->state;
  }
  core::Status Launch();
  core::Status Provision();
  core::Status Mount();
  core::Status MoveVolumes();
  core::Status MoveNames();

  cli::Runtime& rt_;
  sim::SimCloud& sim_;
  cloud::Cloud& c_;
  core::Duration think_;
  cloud::Host old_, new_;
  core::Time outage_begin_{}, outage_end_{};
};

core::Status ByHand::Launch() {
  ASSIGN_OR_RETURN(old_, c_.instances.DescribeHost("copr-fe-dev"));
  cloud::LaunchLike l;
  l.image_id = "ami-0fe42c10dba5e0001";
  l.instance_type = "t3a.2xlarge";
  l.subnet_id = old_.subnet_id;
  l.security_groups = old_.security_groups;
  l.key_name = old_.key_name;
  l.tags = old_.instance.tags;
  l.tags["Name"] = "copr-fe-dev-new";
  l.ipv6_count = 1;
  l.root = cloud::RootVolume{old_.root_device, 80, "gp3", true};
  l.termination_protection = true;
  Think();
  ASSIGN_OR_RETURN(std::string id, c_.instances.RunInstance(l));
  RETURN_IF_ERROR(Watch("running", [&]() -> core::Result<bool> {
    ASSIGN_OR_RETURN(new_, c_.instances.DescribeHost(id));
    return new_.instance.ec2_state == "running";
  }));
  ASSIGN_OR_RETURN(remote::Runner * runner, rt_.Remote());
  RETURN_IF_ERROR(Watch("ssh", [&]() -> core::Result<bool> {
    return runner->PortOpen({id, new_.instance.private_ip, true}, 22, 5s).ok();
  }));
  RETURN_IF_ERROR(
      Ssh(new_.instance.private_ip, "test -f /var/lib/cloud/instance/boot-finished").status());
  Think();  // the certificates, by scp through this machine
  return runner->Copy({old_.instance.id, old_.instance.private_ip, false},
                      {new_.instance.id, new_.instance.private_ip, true}, {"/etc/letsencrypt"}, 1h);
}

core::Status ByHand::Provision() {
  return Local("ansible-playbook -l " + new_.instance.private_ip + " playbooks/copr-frontend.yml");
}

// The data volumes mounted where they were (the playbook's fstab entries, by hand here): the
// disks found by serial, as rotor finds them.
core::Status ByHand::Mount() {
  ASSIGN_OR_RETURN(std::string listed, Ssh(new_.instance.private_ip, remote::ListDisksCommand()));
  ASSIGN_OR_RETURN(std::vector<remote::Disk> disks, remote::ParseDisks(listed));
  const std::vector<std::string> where = {"/var/lib/copr", "/var/lib/pgsql"};
  for (size_t i = 0; i < kVolumes.size(); ++i) {
    auto of = remote::DisksOfVolume(disks, kVolumes[i].first, kVolumes[i].second);
    if (of.empty()) return core::Status(core::Code::kNotFound, kVolumes[i].first + " not seen");
    RETURN_IF_ERROR(
        Ssh(new_.instance.private_ip, remote::MountCommand(of[0].name, where[i])).status());
  }
  return core::Status::Ok();
}

core::Status ByHand::MoveVolumes() {
  RETURN_IF_ERROR(
      Ssh(old_.instance.private_ip, remote::UnmountCommand({"/var/lib/copr", "/var/lib/pgsql"}))
          .status());
  for (const auto& [id, device] : kVolumes) {
    Think();
    RETURN_IF_ERROR(c_.volumes.Detach(id, old_.instance.id));
    RETURN_IF_ERROR(Watch("detached " + id, [&]() -> core::Result<bool> {
      ASSIGN_OR_RETURN(std::string state, VolumeState(id));
      return state == "available";
    }));
  }
  for (const auto& [id, device] : kVolumes) {
    Think();
    RETURN_IF_ERROR(c_.volumes.Attach(id, new_.instance.id, device));
    RETURN_IF_ERROR(Watch("attached " + id, [&]() -> core::Result<bool> {
      ASSIGN_OR_RETURN(std::string state, VolumeState(id));
      return state == "attached";
    }));
  }
  return core::Status::Ok();
}

core::Status ByHand::MoveNames() {
  Think();
  RETURN_IF_ERROR(c_.addresses.Associate(kEip, new_.instance.id));
  ASSIGN_OR_RETURN(std::vector<cloud::HostedZone> zones, c_.dns.ListZones());
  ASSIGN_OR_RETURN(std::vector<cloud::DnsRecord> records, c_.dns.ListRecords(zones.at(0).id));
  for (const cloud::DnsRecord& r : records) {
    if (r.type != "AAAA") continue;
    cloud::RecordChange change;
    change.record = r;
    change.record.values = new_.instance.ipv6_addresses;
    Think();
    ASSIGN_OR_RETURN(std::string id, c_.dns.ChangeRecords(r.zone_id, {change}, "by hand"));
    RETURN_IF_ERROR(Watch("in sync", [&] { return c_.dns.ChangeInSync(id); }));
  }
  return core::Status::Ok();
}

core::Status ByHand::Run(bool provision_first) {
  RETURN_IF_ERROR(Launch());
  if (provision_first) RETURN_IF_ERROR(Provision());
  outage_begin_ = sim_.clock().Now() + think_;
  for (const std::string& s : kStop) RETURN_IF_ERROR(Ssh(old_.instance.private_ip, s).status());
  RETURN_IF_ERROR(MoveVolumes());
  RETURN_IF_ERROR(MoveNames());
  if (!provision_first) RETURN_IF_ERROR(Provision());
  RETURN_IF_ERROR(Mount());
  for (const std::string& s : kStart) RETURN_IF_ERROR(Ssh(new_.instance.private_ip, s).status());
  outage_end_ = sim_.clock().Now();
  RETURN_IF_ERROR(Local("ansible-playbook playbooks/copr-keygen.yml --tags firewall"));
  Think();
  RETURN_IF_ERROR(c_.instances.Tag(old_.instance.id, {{"Name", "copr-fe-dev-old"}}, {}));
  Think();
  RETURN_IF_ERROR(c_.instances.Tag(new_.instance.id, {{"Name", "copr-fe-dev"}}, {}));
  Think();
  return c_.instances.SetRunning(old_.instance.id, false);
}

Row WithHands(const std::string& how, core::Duration think, bool provision_first) {
  Row row;
  row.how = how;
  auto rt = cli::Runtime::CreateSim(kScenario, cloud::kDefaultRequestCeiling);
  if (!rt.ok()) return Failed(row, rt.status());
  sim::SimCloud& sim = *(*rt)->sim();
  ByHand hands(**rt, think);
  core::Status s = hands.Run(provision_first);
  row.outcome = s.ok() ? "completed" : s.message();
  row.outage_s = TraceOutage(sim, 8s);
  row.total_s = Seconds(sim.clock().Now() - sim.start());
  row.api_calls = sim.api_calls_total();
  if (!sim.violations().empty()) row.outcome += "; " + core::Join(sim.violations(), "; ");
  return row;
}

}  // namespace

int main() {
  std::vector<Row> rows = {
      WithRotor(),
      WithHands("by hand, Copr's order, perfect operator (0 s per action)", 0s, false),
      WithHands("by hand, Copr's order, 20 s per action", 20s, false),
      WithHands("by hand, rotor's order (playbook first), 20 s per action", 20s, true),
  };
  std::cout << "| how | outage | rotor's own figure | whole job | API calls | outcome |\n"
               "|---|---|---|---|---|---|\n";
  for (const Row& r : rows) {
    std::cout << fmt::format(
        "| {} | {:.0f} s | {} | {:.0f} s | {} | {} |\n", r.how, r.outage_s,
        r.reported_outage_s < 0 ? "-" : fmt::format("{:.0f} s", r.reported_outage_s), r.total_s,
        r.api_calls, r.outcome);
  }
  return 0;
}
