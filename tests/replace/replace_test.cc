// replace-instance: the commands' placeholders and secrets, the plan's journaled form, and the
// whole runbook in the simulator (examples/persistent-host.yaml): replaced, rolled back when a
// step fails and after it completed, killed at every change then resumed, finished.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "cli/sim_runner.h"
#include "fakes/recording_runner.h"
#include "journal/memory_journal.h"
#include "ops/replace_instance.h"
#include "ops/runbooks.h"
#include "remote/disks.h"
#include "sim/sim_cloud.h"

namespace rotor {
namespace {

using namespace std::chrono_literals;

constexpr char kEip[] = "eipalloc-0c0bfe0de4000f001";
constexpr char kData[] = "vol-0da7a0000000c0f01";
constexpr char kDb[] = "vol-0da7a0000000db001";

cloud::Host OldHost() {
  cloud::Host h;
  h.instance.id = "i-0old";
  h.instance.private_ip = "10.0.1.5";
  h.instance.public_ip = "203.0.113.5";
  h.instance.ipv6_addresses = {"2600:1f18::5"};
  h.name = "copr-fe";
  return h;
}

cloud::Host NewHost() {
  cloud::Host h;
  h.instance.id = "i-0new";
  h.instance.private_ip = "10.0.1.9";
  h.instance.public_ip = "198.51.100.9";
  h.instance.ipv6_addresses = {"2600:1f18::9"};
  return h;
}

std::string Example() {
  std::ifstream in(std::string(ROTOR_SOURCE_DIR) + "/examples/persistent-host.yaml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The example with `faults` (YAML list items) and more `hosts` entries.
std::string Scenario(const std::string& faults = "", const std::string& more_hosts = "") {
  std::string s = Example();
  s = s.substr(0, s.find("\nfaults:")) + "\n";
  s += faults.empty() ? "faults: []\n" : "faults:\n" + faults;
  if (!more_hosts.empty()) s.insert(s.find("\naddresses:"), "\n" + more_hosts);
  return s;
}

// Kills rotor at the k-th change (before it reaches the cloud, or after the cloud acted).
class Killing : public cloud::InstancesWrapper,
                public cloud::AddressesWrapper,
                public cloud::DnsWrapper,
                public cloud::VolumesWrapper {
 public:
  Killing(cloud::Cloud& c, int at, bool after)
      : InstancesWrapper(c.instances),
        AddressesWrapper(c.addresses),
        DnsWrapper(c.dns),
        VolumesWrapper(c.volumes),
        c_(c),
        at_(at),
        after_(after) {}
  cloud::Cloud Bundle() {
    return {c_.groups, c_.group_changes, *this, c_.images, c_.launch_specs, c_.stacks, *this, *this,
            *this};
  }
  core::Result<std::string> RunInstance(const cloud::LaunchLike& l) override {
    return Change([&] { return InstancesWrapper::RunInstance(l); });
  }
  core::Status SetRunning(const std::string& id, bool on) override {
    return Change([&] { return InstancesWrapper::SetRunning(id, on); });
  }
  core::Status Tag(const std::string& id, const std::map<std::string, std::string>& set,
                   const std::vector<std::string>& remove) override {
    return Change([&] { return InstancesWrapper::Tag(id, set, remove); });
  }
  core::Status SetTerminationProtection(const std::string& id, bool on) override {
    return Change([&] { return InstancesWrapper::SetTerminationProtection(id, on); });
  }
  core::Status TerminateInstances(const std::vector<std::string>& ids) override {
    return Change([&] { return InstancesWrapper::TerminateInstances(ids); });
  }
  core::Status Associate(const std::string& a, const std::string& i) override {
    return Change([&] { return AddressesWrapper::Associate(a, i); });
  }
  core::Result<std::string> ChangeRecords(const std::string& z,
                                          const std::vector<cloud::RecordChange>& c,
                                          const std::string& m) override {
    return Change([&] { return DnsWrapper::ChangeRecords(z, c, m); });
  }
  core::Status Attach(const std::string& v, const std::string& i, const std::string& d) override {
    return Change([&] { return VolumesWrapper::Attach(v, i, d); });
  }
  core::Status Detach(const std::string& v, const std::string& i) override {
    return Change([&] { return VolumesWrapper::Detach(v, i); });
  }
  core::Result<std::string> CreateSnapshot(const std::string& v, const std::string& d,
                                           const std::map<std::string, std::string>& t) override {
    return Change([&] { return VolumesWrapper::CreateSnapshot(v, d, t); });
  }
  int changes = 0;

 private:
  template <typename Fn>
  auto Change(Fn act) -> decltype(act()) {
    if (++changes != at_) return act();
    if (after_) (void)act();
    return core::Status(core::Code::kAborted, "killed (crash test)");
  }
  cloud::Cloud& c_;
  int at_;
  bool after_;
};

class ReplaceTest : public ::testing::Test {
 protected:
  void Load(const std::string& yaml) {
    auto s = sim::ParseScenario(yaml, "persistent-host.yaml");
    ASSERT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<sim::SimCloud>(*s);
    sim_runner_ = std::make_unique<cli::SimRunner>(*sim_);
    runner_ = std::make_unique<testing::RecordingRunner>(*sim_runner_);
    journal_ = journal::MemoryJournal();
  }
  cloud::Cloud& c() { return sim_->cloud(); }
  core::Clock& clock() { return sim_->clock(); }

  static ops::ReplaceRequest Request() {
    ops::ReplaceRequest r;
    r.instance = "copr-fe-dev";
    r.image = ops::ImageRequest{"latest", "Fedora-Cloud-Base-*", ""};
    r.stop = {"systemctl stop httpd postgresql"};
    r.start = {"systemctl start postgresql httpd"};
    return r;
  }
  core::Result<ops::ReplacePlan> TryPlan(const ops::ReplaceRequest& r) {
    return ops::PlanReplace(c(), *runner_, r, "op-1", clock().Now());
  }
  ops::ReplacePlan Plan(const ops::ReplaceRequest& r = Request()) {
    auto plan = TryPlan(r);
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    return plan.ok() ? *plan : ops::ReplacePlan{};
  }
  ops::RunbookOptions Options(const std::string& owner = "me@here:1") {
    ops::RunbookOptions o;
    o.operation_id = "op-1";
    o.owner = owner;
    o.remote = runner_.get();
    return o;
  }
  core::Result<runbook::Report> Start(const ops::ReplacePlan& plan, cloud::Cloud* cloud = nullptr) {
    return ops::StartRunbook(cloud ? *cloud : c(), clock(), journal_,
                             journal::OperationKind::kReplaceInstance, ops::ReplaceResources(plan),
                             ops::ReplacePlanToJson(plan), Options());
  }
  core::Result<runbook::Report> Resume(bool rollback) {
    auto info = journal_.GetRollout("op-1");
    EXPECT_TRUE(info.ok());
    return ops::ResumeRunbook(c(), clock(), journal_, *info, rollback, false, Options("me@here:2"));
  }
  cloud::Host Host(const std::string& id) {
    auto h = c().instances.DescribeHost(id);
    EXPECT_TRUE(h.ok()) << h.status().message();
    return h.ok() ? *h : cloud::Host{};
  }
  std::vector<cloud::Host> Launched() {
    auto found = c().instances.FindHosts("rotor:operation", "op-1");
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : std::vector<cloud::Host>{};
  }
  // Where a volume is: "INSTANCE DEVICE" ("" when available).
  std::string Where(const std::string& volume) {
    cloud::VolumeQuery q;
    q.ids = {volume};
    auto v = c().volumes.DescribeVolumes(q);
    EXPECT_TRUE(v.ok() && v->size() == 1);
    if (!v.ok() || v->empty() || !(*v)[0].attachment) return "";
    return (*v)[0].attachment->instance_id + " " + (*v)[0].attachment->device;
  }
  // The mount points a host shows (lsblk through the simulated runner).
  std::vector<std::string> Mounted(const std::string& address) {
    auto r = sim_runner_->Run({"probe", address, true}, remote::ListDisksCommand(), 30s);
    EXPECT_TRUE(r.ok()) << r.status().message();
    auto disks = remote::ParseDisks(r.ok() ? r->out : "");
    EXPECT_TRUE(disks.ok());
    std::vector<std::string> points =
        remote::MountPoints(disks.ok() ? *disks : std::vector<remote::Disk>{});
    std::sort(points.begin(), points.end());
    return points;
  }
  std::string Holder() {
    auto a = c().addresses.DescribeAddress(kEip);
    EXPECT_TRUE(a.ok());
    return a.ok() ? a->instance_id : "";
  }
  std::vector<std::string> Record(const std::string& type) {
    auto zones = c().dns.ListZones();
    for (const auto& z : zones.ok() ? *zones : std::vector<cloud::HostedZone>{}) {
      auto records = c().dns.ListRecords(z.id);
      for (const auto& r : records.ok() ? *records : std::vector<cloud::DnsRecord>{}) {
        if (r.name == "copr-fe.aws.fedoraproject.org." && r.type == type) return r.values;
      }
    }
    return {};
  }

  void ExpectReplaced(const ops::ReplacePlan& plan, const std::string& where) {
    std::vector<cloud::Host> fresh = Launched();
    ASSERT_EQ(fresh.size(), 1u) << where << ": exactly one new instance";
    const cloud::Host& n = fresh[0];
    const std::string& old_id = plan.old.instance.id;
    EXPECT_EQ(Where(kData), n.instance.id + " /dev/sdf") << where;
    EXPECT_EQ(Where(kDb), n.instance.id + " /dev/sdg") << where;
    EXPECT_EQ(Mounted(n.instance.private_ip),
              (std::vector<std::string>{"/", "/var/lib/copr", "/var/lib/pgsql"}))
        << where;
    EXPECT_EQ(Holder(), n.instance.id) << where;
    EXPECT_EQ(Record("AAAA"), n.instance.ipv6_addresses) << where;
    EXPECT_EQ(Record("A"), std::vector<std::string>{"203.0.113.50"}) << where;
    EXPECT_EQ(n.name, "copr-fe-dev") << where;
    EXPECT_EQ(n.instance.tags.at("app"), "copr") << where;
    EXPECT_EQ(n.instance.image_id, "ami-0fe42c10dba5e0001") << where;
    EXPECT_EQ(n.subnet_id, plan.old.subnet_id) << where;
    EXPECT_TRUE(n.termination_protection) << where;
    cloud::Host old = Host(old_id);
    EXPECT_EQ(old.instance.ec2_state, "stopped") << where;
    EXPECT_EQ(old.name, "copr-fe-dev-old") << where;
    EXPECT_TRUE(old.termination_protection) << where;
    cloud::SnapshotQuery q;
    q.tag_key = "rotor:operation";
    q.tag_value = "op-1";
    auto snaps = c().volumes.DescribeSnapshots(q);
    ASSERT_TRUE(snaps.ok());
    std::set<std::string> of;
    for (const auto& s : *snaps) of.insert(s.volume_id);
    EXPECT_EQ(of, (std::set<std::string>{kData, kDb})) << where << ": one snapshot each";
    EXPECT_EQ(sim_->violations(), std::vector<std::string>{}) << where;
  }

  void ExpectAsBefore(const ops::ReplacePlan& plan, const std::string& where) {
    const cloud::Host& was = plan.old;
    EXPECT_EQ(Where(kData), was.instance.id + " /dev/sdf") << where;
    EXPECT_EQ(Where(kDb), was.instance.id + " /dev/sdg") << where;
    EXPECT_EQ(Holder(), was.instance.id) << where;
    EXPECT_EQ(Record("AAAA"), was.instance.ipv6_addresses) << where;
    cloud::Host old = Host(was.instance.id);
    EXPECT_EQ(old.instance.ec2_state, "running") << where;
    EXPECT_EQ(old.name, "copr-fe-dev") << where;
    EXPECT_EQ(Mounted(old.instance.private_ip),
              (std::vector<std::string>{"/", "/var/lib/copr", "/var/lib/pgsql"}))
        << where;
    for (const cloud::Host& n : Launched()) {
      EXPECT_EQ(n.instance.ec2_state, "stopped") << where << ": the new one stopped and kept";
      EXPECT_EQ(n.instance.tags.count("rotor:rolled-back"), 1u) << where;
    }
    EXPECT_EQ(sim_->violations(), std::vector<std::string>{}) << where;
  }

  void KillAtEveryChange(bool rollback);

  std::unique_ptr<sim::SimCloud> sim_;
  std::unique_ptr<cli::SimRunner> sim_runner_;
  std::unique_ptr<testing::RecordingRunner> runner_;
  journal::MemoryJournal journal_;
};

TEST_F(ReplaceTest, ThePlanComesFromTheObservedHost) {
  Load(Scenario());
  ops::ReplacePlan plan = Plan();
  ASSERT_EQ(plan.volumes.size(), 2u);
  EXPECT_EQ(plan.volumes[0].device, "/dev/sdf");
  EXPECT_EQ(plan.volumes[0].mounts.size(), 1u);
  EXPECT_EQ(plan.volumes[0].mounts[0].mountpoint, "/var/lib/copr");
  EXPECT_EQ(plan.volumes[1].mounts[0].mountpoint, "/var/lib/pgsql");
  ASSERT_EQ(plan.addresses.size(), 1u);
  ASSERT_EQ(plan.records.size(), 1u);
  EXPECT_EQ(plan.records[0].type, "AAAA");
  EXPECT_EQ(plan.launch.image_id, "ami-0fe42c10dba5e0001");
  EXPECT_EQ(plan.launch.tags.at("Name"), "copr-fe-dev-new");
  EXPECT_TRUE(plan.launch.termination_protection);
  ASSERT_TRUE(plan.launch.root.has_value());
  EXPECT_EQ(plan.launch.root->size_gib, 20);
  EXPECT_TRUE(plan.launch.root->encrypted);
  std::string text = fmt::format("{}", fmt::join(ops::DescribeReplace(plan), "\n"));
  for (const char* want :
       {"launch copr-fe-dev-new: t3.medium from ami-0fe42c10dba5e0001",
        "root /dev/xvda 20 GiB gp3 encrypted", "--- outage begins ---",
        "unmount /var/lib/copr (vol-0da7a0000000c0f01, /dev/sdf)",
        "snapshot vol-0da7a0000000c0f01, vol-0da7a0000000db001 (kept)", "at /dev/sdf",
        "move elastic IP 203.0.113.50", "point copr-fe.aws.fedoraproject.org. AAAA",
        "copr-fe.aws.fedoraproject.org. A names the elastic IP", "--- outage ends (about",
        "rename i-0c0bfe0de4000f001 copr-fe-dev-old", "rotor rollout finish op-1"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  auto again = ops::ReplacePlanFromJson(ops::ReplacePlanToJson(plan));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ops::DescribeReplace(*again), ops::DescribeReplace(plan));
}

TEST_F(ReplaceTest, AVolumeMountedInsideAnotherMovesAfterIt) {
  std::string yaml = Scenario();
  yaml.replace(yaml.find("mount: /var/lib/pgsql"), 21, "mount: /var/lib/copr/db");
  Load(yaml);
  ops::ReplaceRequest r = Request();
  r.volumes = {kDb, kData};  // the inner one named first
  ops::ReplacePlan plan = Plan(r);
  ASSERT_EQ(plan.volumes.size(), 2u);
  EXPECT_EQ(plan.volumes[0].volume.id, kData) << "/var/lib/copr is mounted first";
  EXPECT_EQ(plan.volumes[1].volume.id, kDb);
  auto report = Start(plan);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted) << report->reason;
}

TEST_F(ReplaceTest, RefusalsChangeNothing) {
  std::string yaml = Scenario("", R"(  - name: far
    image: ami-0fe41c10dba5e0001
    zone: us-east-1a
    volumes:
      - {device: /dev/sdf, id: vol-0fa70000000000001, size: 10})");
  // An arm64 image, and an elastic IP on the other host.
  yaml.insert(yaml.find("\n# Hosts:"),
              "\n  - {id: ami-0a6464000000000001, name: Fedora-Cloud-Base-AmazonEC2.aarch64-42, "
              "architecture: arm64, created: 2025-04-11T00:00:00Z, owner: \"125523088429\"}");
  yaml.insert(yaml.find("\ndns:"),
              "\n  - {allocation: eipalloc-0fa70000000000001, ip: 203.0.113.77, instance: far}");
  Load(yaml);
  struct Row {
    const char* name;
    std::function<void(ops::ReplaceRequest&)> change;
    core::Code code;
    const char* says;
  };
  for (const Row& row : std::vector<Row>{
           {"unknown host", [](auto& r) { r.instance = "nope"; }, core::Code::kNotFound, "nope"},
           {"a volume elsewhere", [](auto& r) { r.volumes = {"vol-0fa70000000000001"}; },
            core::Code::kInvalidArgument, "is not attached to"},
           {"no such volume", [](auto& r) { r.volumes = {"vol-0000000000000dead"}; },
            core::Code::kInvalidArgument, "no such volume"},
           {"a tag nothing has", [](auto& r) { r.volumes = {"tag:app=nothing"}; },
            core::Code::kInvalidArgument, "selects no volume"},
           {"a smaller root", [](auto& r) { r.root_size_gib = 4; }, core::Code::kInvalidArgument,
            "smaller than image"},
           {"a record outside the zones", [](auto& r) { r.dns = {"copr.example.com"}; },
            core::Code::kInvalidArgument, "outside the account's hosted zones"},
           {"a record naming something else",
            [](auto& r) { r.dns = {"other.aws.fedoraproject.org"}; }, core::Code::kInvalidArgument,
            "names an address of"},
           {"an image of another architecture",
            [](auto& r) {
              r.image = ops::ImageRequest{"ami-0a6464000000000001", "", ""};
            },
            core::Code::kInvalidArgument, "is arm64 but instance type t3.medium needs x86_64"},
           {"an image of another architecture than the host's",
            [](auto& r) {
              r.image = ops::ImageRequest{"ami-0a6464000000000001", "", ""};
              r.instance_type = "t4g.medium";
            },
            core::Code::kInvalidArgument, "choose an image of the same architecture"},
           {"an elastic IP held by another instance",
            [](auto& r) { r.addresses = {"eipalloc-0fa70000000000001"}; },
            core::Code::kInvalidArgument, "held by"},
           {"a relative copy", [](auto& r) { r.copy = {"etc/pki"}; }, core::Code::kInvalidArgument,
            "absolute path"},
           {"a secret", [](auto& r) { r.stop = {"PGPASSWORD=x psql"}; },
            core::Code::kInvalidArgument, "{env:NAME}"},
       }) {
    ops::ReplaceRequest r = Request();
    row.change(r);
    auto plan = TryPlan(r);
    ASSERT_FALSE(plan.ok()) << row.name;
    EXPECT_EQ(plan.status().code(), row.code) << row.name << ": " << plan.status().message();
    EXPECT_NE(plan.status().message().find(row.says), std::string::npos)
        << row.name << ": " << plan.status().message();
  }
  EXPECT_EQ(sim_->changes(), 0);
}

TEST_F(ReplaceTest, AHostIsReplacedWithItsCommandsInOrderThenRolledBack) {
  Load(Scenario());
  ops::ReplacePlan plan = Plan();
  runner_->log.clear();
  auto report = Start(plan);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted) << report->reason;
  ExpectReplaced(plan, "completed");
  ASSERT_TRUE(report->outage.has_value());
  EXPECT_GT(*report->outage, 10s);
  EXPECT_LT(*report->outage, 10min);
  // Stop and unmount on the old host, then mount and start on the new one.
  std::string old_ip = plan.old.instance.private_ip, new_ip = Launched()[0].instance.private_ip;
  auto at = [&](const std::string& host, const std::string& what) {
    for (size_t i = 0; i < runner_->log.size(); ++i) {
      if (runner_->log[i].rfind(host + ": ", 0) == 0 &&
          runner_->log[i].find(what) != std::string::npos)
        return static_cast<int>(i);
    }
    return -1;
  };
  int stop = at(old_ip, "systemctl stop"), umount = at(old_ip, "umount"),
      mount = at(new_ip, "as_root mount"), start = at(new_ip, "systemctl start");
  EXPECT_GE(stop, 0);
  EXPECT_LT(stop, umount);
  EXPECT_LT(umount, mount);
  EXPECT_LT(mount, start);
  EXPECT_EQ(at(new_ip, "systemctl stop"), -1);
  EXPECT_EQ(at(old_ip, "systemctl start"), -1);

  auto back = Resume(/*rollback=*/true);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->outcome, runbook::Outcome::kRolledBack) << back->reason;
  ExpectAsBefore(plan, "rolled back after completing");
  EXPECT_GT(at(old_ip, "systemctl start"), start) << "the services start again on the old host";
}

TEST_F(ReplaceTest, AFailingStartRollsBackByItself) {
  Load(
      Scenario("  - {kind: command_failure, pattern: \"systemctl start*\", host: copr-fe-dev-new, "
               "exit: 1}\n"));
  ops::ReplacePlan plan = Plan();
  auto report = Start(plan);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kRolledBack) << report->reason;
  EXPECT_NE(report->reason.find("systemctl start"), std::string::npos) << report->reason;
  ExpectAsBefore(plan, "rolled back after a failed start");
}

TEST_F(ReplaceTest, AVolumeStuckAttachingRollsBackEverything) {
  Load(
      Scenario("  - {kind: volume_stuck, host: new, device: /dev/sdg, state: attaching, "
               "for: 12m}\n"));
  ops::ReplacePlan plan = Plan();
  auto report = Start(plan);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kRolledBack) << report->reason;
  EXPECT_NE(report->reason.find("vol-0da7a0000000db001 is still attaching"), std::string::npos)
      << report->reason;
  ExpectAsBefore(plan, "rolled back after a stuck attach");
}

// Kills rotor at every change of the runbook (before the call reached the cloud, or after the
// cloud acted), waits out the dead rotor's lease, then resumes (`rollback` false) or rolls back
// the operation from its journal and checks where the host ended: replaced, or as before.
void ReplaceTest::KillAtEveryChange(bool rollback) {
  int killed = 0;
  for (int at = 1; at <= 24; ++at) {
    for (bool after : {false, true}) {
      Load(Scenario());
      ops::ReplacePlan plan = Plan();
      Killing killing(c(), at, after);
      cloud::Cloud bundle = killing.Bundle();
      auto first = Start(plan, &bundle);
      std::string where = fmt::format("kill at change {} {}", at, after ? "after" : "before");
      if (first.ok()) {
        EXPECT_EQ(first->outcome, runbook::Outcome::kCompleted) << where;
        ExpectReplaced(plan, where + " (never reached)");
        continue;
      }
      ++killed;
      ASSERT_EQ(first.status().code(), core::Code::kAborted) << where;
      clock().SleepFor(61s);  // the dead rotor's lease lapses
      auto next = Resume(rollback);
      ASSERT_TRUE(next.ok()) << where << ": " << next.status().message();
      if (rollback) {
        EXPECT_EQ(next->outcome, runbook::Outcome::kRolledBack) << where << ": " << next->reason;
        ExpectAsBefore(plan, where + ", rolled back");
      } else {
        EXPECT_EQ(next->outcome, runbook::Outcome::kCompleted) << where << ": " << next->reason;
        ExpectReplaced(plan, where);
      }
    }
  }
  EXPECT_GE(killed, 24) << "every change of the runbook was killed";
}

TEST_F(ReplaceTest, AKillAtEveryChangeIsResumedToTheSameEnd) { KillAtEveryChange(false); }

TEST_F(ReplaceTest, AKillAtEveryChangeIsRolledBackToTheOldHost) { KillAtEveryChange(true); }

TEST_F(ReplaceTest, FinishTerminatesTheOldHostOnce) {
  Load(Scenario());
  ops::ReplacePlan plan = Plan();
  ASSERT_TRUE(Start(plan).ok());
  auto early = ops::PlanFinish(c(), journal_, "op-0", "op-2");
  EXPECT_EQ(early.status().code(), core::Code::kInvalidArgument);
  auto finish = ops::PlanFinish(c(), journal_, "op-1", "op-2");
  ASSERT_TRUE(finish.ok()) << finish.status().message();
  ops::RunbookOptions o = Options();
  o.operation_id = "op-2";
  auto done = ops::StartRunbook(c(), clock(), journal_, journal::OperationKind::kReplaceInstance,
                                ops::ReplaceResources(*finish), ops::ReplacePlanToJson(*finish), o);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->outcome, runbook::Outcome::kCompleted) << done->reason;
  std::string state = sim_->PeekState(plan.old.instance.id);
  EXPECT_TRUE(state == "terminated" || state == "shutting-down") << state;
  auto twice = ops::PlanFinish(c(), journal_, "op-1", "op-3");
  EXPECT_NE(twice.status().message().find("finished already by op-2"), std::string::npos)
      << twice.status().message();
}

TEST(ReplaceCommands, PlaceholdersExpand) {
  cloud::Host old = OldHost(), fresh = NewHost();
  std::map<std::string, std::string> env = {{"PGPASS", "s3cret"}};
  struct Row {
    const char* name;
    std::string text;
    bool with_new;
    std::string want;
  };
  for (const Row& row : std::vector<Row>{
           {"old fields", "ping {old.private_ip} {old.id} {name}", false,
            "ping 10.0.1.5 i-0old copr-fe"},
           {"new fields, known", "fw allow {new.private_ip} {new.ipv6}", true,
            "fw allow 10.0.1.9 2600:1f18::9"},
           {"new fields, not yet", "fw allow {new.private_ip}", false, "fw allow {new.private_ip}"},
           {"the shell's braces", "echo ${HOME} {a,b} {}", true, "echo ${HOME} {a,b} {}"},
           {"environment", "PGPASSWORD={env:PGPASS} psql", true, "PGPASSWORD=s3cret psql"},
       }) {
    auto got = ops::ExpandCommand(row.text, old, row.with_new ? &fresh : nullptr, "copr-fe", &env);
    ASSERT_TRUE(got.ok()) << row.name << ": " << got.status().message();
    EXPECT_EQ(*got, row.want) << row.name;
  }
  auto shown = ops::ExpandCommand("PGPASSWORD={env:PGPASS} psql", old, nullptr, "copr-fe");
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(*shown, "PGPASSWORD={env:PGPASS} psql") << "the plan never shows the value";
  auto unknown = ops::ExpandCommand("echo {old.ip}", old, nullptr, "copr-fe");
  EXPECT_EQ(unknown.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("unknown placeholder {old.ip}"), std::string::npos);
  std::map<std::string, std::string> none;
  auto missing = ops::ExpandCommand("x {env:NOPE}", old, &fresh, "copr-fe", &none);
  EXPECT_NE(missing.status().message().find("has no NOPE"), std::string::npos);
}

TEST(ReplaceCommands, LiteralSecretsAreRefused) {
  struct Row {
    const char* name;
    const char* command;
    bool refused;
  };
  for (const Row& row : std::vector<Row>{
           {"password assignment", "PGPASSWORD=hunter2 psql -c 'select 1'", true},
           {"token in the middle", "cd /x && API_TOKEN=abc ./deploy", true},
           {"a private key", "echo '-----BEGIN OPENSSH PRIVATE KEY-----' > k", true},
           {"--password=", "mysqladmin --password=hunter2 shutdown", true},
           {"through env", "PGPASSWORD={env:PG} psql", false},
           {"a shell variable", "PGPASSWORD=$PGPASSWORD psql", false},
           {"plain", "systemctl stop copr-frontend", false},
       }) {
    EXPECT_EQ(!ops::CheckNoSecret("--stop", row.command).ok(), row.refused) << row.name;
  }
}

}  // namespace
}  // namespace rotor
