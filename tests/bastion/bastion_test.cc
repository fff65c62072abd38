// redeploy-bastion in the simulator (examples/bastion.yaml): a standalone bastion and one that is
// the only member of a group, redeployed, rolled back after completing, rolled back when the new
// one never answers, and killed at every change (before the cloud saw it, and after) then
// resumed: each ends with the address, the records, the old instance and the group as an
// unbroken run leaves them.
#include "ops/bastion.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/sim_runner.h"
#include "journal/memory_journal.h"
#include "ops/runbooks.h"
#include "sim/sim_cloud.h"

namespace rotor {
namespace {

using namespace std::chrono_literals;

std::string Example() {
  std::ifstream in(std::string(ROTOR_SOURCE_DIR) + "/examples/bastion.yaml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The example without its faults, plus `faults` (YAML list items), `hosts` and `addresses`.
std::string Scenario(const std::string& faults = "", const std::string& more_hosts = "",
                     const std::string& more_addresses = "") {
  std::string s = Example();
  s = s.substr(0, s.find("\nfaults:")) + "\n";
  if (!faults.empty()) s += "faults:\n" + faults;
  if (!more_addresses.empty()) s.insert(s.find("\ndns:"), "\n" + more_addresses);
  if (!more_hosts.empty()) s.insert(s.find("\naddresses:"), "\n" + more_hosts);
  return s;
}

// Kills rotor at the k-th change (before it reaches the cloud, or after the cloud acted).
class Killing : public cloud::InstancesWrapper,
                public cloud::AddressesWrapper,
                public cloud::DnsWrapper,
                public cloud::GroupChangesWrapper {
 public:
  Killing(cloud::Cloud& c, int at, bool after)
      : InstancesWrapper(c.instances),
        AddressesWrapper(c.addresses),
        DnsWrapper(c.dns),
        GroupChangesWrapper(c.group_changes),
        c_(c),
        at_(at),
        after_(after) {}
  cloud::Cloud Bundle() {
    return {.groups = c_.groups,
            .group_changes = *this,
            .instances = *this,
            .images = c_.images,
            .launch_specs = c_.launch_specs,
            .stacks = c_.stacks,
            .addresses = *this,
            .dns = *this,
            .volumes = c_.volumes};
  }
  core::Result<std::string> RunInstance(const cloud::LaunchLike& l) override {
    return Change<std::string>([&] { return InstancesWrapper::RunInstance(l); });
  }
  core::Status SetRunning(const std::string& id, bool on) override {
    return Change<bool>([&] { return InstancesWrapper::SetRunning(id, on); });
  }
  core::Status TerminateInstances(const std::vector<std::string>& ids) override {
    return Change<bool>([&] { return InstancesWrapper::TerminateInstances(ids); });
  }
  core::Status SetTerminationProtection(const std::string& id, bool on) override {
    return Change<bool>([&] { return InstancesWrapper::SetTerminationProtection(id, on); });
  }
  core::Status Associate(const std::string& a, const std::string& i) override {
    return Change<bool>([&] { return AddressesWrapper::Associate(a, i); });
  }
  core::Result<std::string> ChangeRecords(const std::string& z,
                                          const std::vector<cloud::RecordChange>& c,
                                          const std::string& m) override {
    return Change<std::string>([&] { return DnsWrapper::ChangeRecords(z, c, m); });
  }
  core::Status SetSizes(const std::string& g, const cloud::Sizes& s) override {
    return Change<bool>([&] { return GroupChangesWrapper::SetSizes(g, s); });
  }
  core::Status DetachInstances(const std::string& g, const std::vector<std::string>& ids,
                               bool d) override {
    return Change<bool>([&] { return GroupChangesWrapper::DetachInstances(g, ids, d); });
  }
  int changes = 0;

 private:
  template <typename T, typename Fn>
  auto Change(Fn act) -> decltype(act()) {
    if (++changes != at_) return act();
    if (after_) (void)act();
    return core::Status(core::Code::kAborted, "killed (crash test)");
  }
  cloud::Cloud& c_;
  int at_;
  bool after_;
};

class BastionTest : public ::testing::Test {
 protected:
  void Load(const std::string& yaml) {
    auto s = sim::ParseScenario(yaml, "bastion.yaml");
    ASSERT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<sim::SimCloud>(*s);
    runner_ = std::make_unique<cli::SimRunner>(*sim_);
  }
  cloud::Cloud& c() { return sim_->cloud(); }
  core::Clock& clock() { return sim_->clock(); }

  ops::BastionPlan Plan(const std::string& instance, ops::BastionRequest r = {}) {
    r.instance = instance;
    auto plan = ops::PlanBastion(c(), r, "op-1", clock().Now());
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    return plan.ok() ? *plan : ops::BastionPlan{};
  }
  ops::RunbookOptions Options(const std::string& owner = "me@here:1") {
    ops::RunbookOptions o;
    o.operation_id = "op-1";
    o.owner = owner;
    o.remote = runner_.get();
    return o;
  }
  core::Result<runbook::Report> Start(const ops::BastionPlan& plan, cloud::Cloud* cloud = nullptr) {
    return ops::StartRunbook(cloud ? *cloud : c(), clock(), journal_,
                             journal::OperationKind::kRedeployBastion, ops::BastionResources(plan),
                             ops::BastionPlanToJson(plan), Options());
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
  std::string Holder(const std::string& allocation) {
    auto a = c().addresses.DescribeAddress(allocation);
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? a->instance_id : "";
  }
  std::vector<std::string> Record(const std::string& name, const std::string& type) {
    auto zones = c().dns.ListZones();
    for (const auto& z : zones.ok() ? *zones : std::vector<cloud::HostedZone>{}) {
      auto records = c().dns.ListRecords(z.id);
      for (const auto& r : records.ok() ? *records : std::vector<cloud::DnsRecord>{}) {
        if (r.name == name && r.type == type) return r.values;
      }
    }
    return {};
  }
  std::vector<cloud::Host> Launched() {
    auto found = c().instances.FindHosts("rotor:operation", "op-1");
    EXPECT_TRUE(found.ok());
    std::vector<cloud::Host> alive;
    for (auto& h : found.ok() ? *found : std::vector<cloud::Host>{}) {
      if (h.instance.ec2_state != "terminated" && h.instance.ec2_state != "shutting-down")
        alive.push_back(h);
    }
    return alive;
  }
  cloud::Group Group(const std::string& name) {
    auto g = c().groups.ObserveGroups({name});
    EXPECT_TRUE(g.ok() && !g->empty());
    return g.ok() && !g->empty() ? (*g)[0] : cloud::Group{};
  }

  // The standalone bastion after a completed redeploy.
  void ExpectRedeployed(const ops::BastionPlan& plan, const std::string& where) {
    std::vector<cloud::Host> fresh = Launched();
    ASSERT_EQ(fresh.size(), 1u) << where << ": exactly one new instance";
    const cloud::Host& n = fresh[0];
    EXPECT_EQ(Holder("eipalloc-0bastion000000001"), n.instance.id) << where;
    EXPECT_EQ(Record("bastion.example.org.", "AAAA"), n.instance.ipv6_addresses) << where;
    EXPECT_EQ(Record("bastion.example.org.", "A"), std::vector<std::string>{"203.0.113.10"})
        << where;
    EXPECT_EQ(n.name, "bastion") << where;
    EXPECT_EQ(n.instance.tags.at("team"), "ops") << where;
    EXPECT_EQ(n.instance.tags.at("rotor:replaces"), plan.old.instance.id) << where;
    EXPECT_EQ(n.subnet_id, plan.old.subnet_id) << where;
    EXPECT_EQ(n.instance.ipv6_addresses.size(), 1u) << where;
    EXPECT_TRUE(n.termination_protection) << where;
    cloud::Host old = Host(plan.old.instance.id);
    EXPECT_EQ(old.instance.ec2_state, "stopped") << where;
    EXPECT_EQ(old.name, "bastion-old") << where << ": the Name is the new bastion's alone";
    EXPECT_TRUE(old.termination_protection) << where;
  }

  void ExpectAsBefore(const ops::BastionPlan& plan, const std::string& where) {
    EXPECT_EQ(Holder("eipalloc-0bastion000000001"), plan.old.instance.id) << where;
    EXPECT_EQ(Record("bastion.example.org.", "AAAA"), plan.old.instance.ipv6_addresses) << where;
    EXPECT_EQ(Host(plan.old.instance.id).instance.ec2_state, "running") << where;
    EXPECT_EQ(Host(plan.old.instance.id).name, "bastion") << where;
    EXPECT_TRUE(Launched().empty()) << where << ": the new instance is gone";
  }

  std::unique_ptr<sim::SimCloud> sim_;
  std::unique_ptr<cli::SimRunner> runner_;
  journal::MemoryJournal journal_;
};

TEST_F(BastionTest, ThePlanSaysWhatMovesAndWhy) {
  Load(Scenario());
  ops::BastionPlan plan = Plan("bastion");
  std::string text = fmt::format("{}", fmt::join(ops::DescribeBastion(plan), "\n"));
  EXPECT_NE(text.find("from ami-0bastion10 (the image " + plan.old.instance.id +
                      " runs now: bastion-2026.10)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("move elastic IP 203.0.113.10 (eipalloc-0bastion000000001)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("point bastion.example.org. AAAA"), std::string::npos) << text;
  EXPECT_NE(text.find("bastion.example.org. A names an elastic IP"), std::string::npos) << text;
  EXPECT_NE(text.find("root /dev/xvda 16 GiB gp3"), std::string::npos) << text;
  EXPECT_NE(text.find("rename " + plan.old.instance.id + " bastion-old, stop it and keep it"),
            std::string::npos)
      << text;
  ops::BastionRequest latest;
  latest.image = ops::ImageRequest{};
  plan = Plan("bastion", latest);
  EXPECT_EQ(plan.launch.image_id, "ami-0bastion11");
  auto json = ops::BastionPlanFromJson(ops::BastionPlanToJson(plan));
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(ops::DescribeBastion(*json), ops::DescribeBastion(plan));
}

TEST_F(BastionTest, RefusalsChangeNothing) {
  Load(Scenario(
      "", "  - {name: twin, image: ami-0bastion10}\n  - {name: twin, image: ami-0bastion10}"));
  struct Row {
    const char* name;
    std::string instance;
    bool image;
    core::Code code;
    const char* says;
  };
  const Row rows[] = {
      {"ambiguous", "twin", false, core::Code::kAmbiguous, "'twin' names 2 instances"},
      {"unknown", "bastio", false, core::Code::kNotFound, "names like it: bastion"},
      {"--image for a group member", "bastion-b", true, core::Code::kInvalidArgument,
       "rotor patch --asg edge-Bastion"},
  };
  for (const Row& row : rows) {
    ops::BastionRequest r;
    r.instance = row.instance;
    if (row.image) r.image = ops::ImageRequest{};
    auto plan = ops::PlanBastion(c(), r, "op-1", clock().Now());
    ASSERT_FALSE(plan.ok()) << row.name;
    EXPECT_EQ(plan.status().code(), row.code) << row.name << ": " << plan.status().message();
    EXPECT_NE(plan.status().message().find(row.says), std::string::npos)
        << row.name << ": " << plan.status().message();
  }
  EXPECT_EQ(sim_->changes(), 0);
}

// Two elastic IPs (on two private addresses): rotor moves one, onto the primary address, so it
// refuses rather than knock one off.
class TwoAddresses : public cloud::AddressesWrapper {
 public:
  using AddressesWrapper::AddressesWrapper;
  core::Result<std::vector<cloud::ElasticIp>> AddressesOf(const std::string&) override {
    cloud::ElasticIp a, b;
    a.allocation_id = "eipalloc-1";
    a.public_ip = "203.0.113.31";
    b.allocation_id = "eipalloc-2";
    b.public_ip = "203.0.113.32";
    return std::vector<cloud::ElasticIp>{a, b};
  }
};

TEST_F(BastionTest, SeveralElasticIpsAreRefused) {
  Load(Scenario());
  TwoAddresses two(c().addresses);
  cloud::Cloud bundle{c().groups, c().group_changes, c().instances,
                      c().images, c().launch_specs,  c().stacks,
                      two,        c().dns,           c().volumes};
  ops::BastionRequest r;
  r.instance = "bastion";
  auto plan = ops::PlanBastion(bundle, r, "op-1", clock().Now());
  ASSERT_EQ(plan.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("has 2 elastic IPs (203.0.113.31, 203.0.113.32)"),
            std::string::npos)
      << plan.status().message();
}

TEST_F(BastionTest, AStandaloneBastionIsRedeployedThenRolledBack) {
  Load(Scenario());
  ops::BastionPlan plan = Plan("bastion");
  auto report = Start(plan);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted) << report->reason;
  ExpectRedeployed(plan, "completed");
  // The console's host keys, pinned under the new instance's addresses and the moved EIP.
  ASSERT_EQ(runner_->pinned().count("203.0.113.10"), 1u);
  EXPECT_EQ(runner_->pinned().at("203.0.113.10"),
            runner_->pinned().at(Launched()[0].instance.private_ip));
  EXPECT_FALSE(runner_->pinned().at("203.0.113.10").empty());
  auto back = Resume(/*rollback=*/true);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->outcome, runbook::Outcome::kRolledBack) << back->reason;
  ExpectAsBefore(plan, "rolled back");
}

TEST_F(BastionTest, APortThatNeverOpensRollsBackWithTheAddressNeverMoved) {
  Load(Scenario("  - {kind: port_closed, host: new, port: 22}\n"));
  ops::BastionRequest r;
  r.health_timeout = 3min;
  ops::BastionPlan plan = Plan("bastion", r);
  auto report = Start(plan);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kRolledBack) << report->reason;
  EXPECT_NE(report->reason.find("did not accept connections"), std::string::npos) << report->reason;
  ExpectAsBefore(plan, "port closed");
  EXPECT_EQ(sim_->api_calls().count("ec2:AssociateAddress"), 0u) << "the address never moved";
}

TEST_F(BastionTest, TheOnlyMemberOfAGroupIsReplacedByTheGroup) {
  Load(Scenario());
  ops::BastionPlan plan = Plan("bastion-b");
  ASSERT_EQ(plan.group, "edge-Bastion");
  const std::string old = plan.old.instance.id;
  auto report = Start(plan);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted) << report->reason;
  cloud::Group g = Group("edge-Bastion");
  EXPECT_EQ(g.desired, 1);
  EXPECT_EQ(g.max_size, 1);
  ASSERT_EQ(g.instances.size(), 1u);
  EXPECT_NE(g.instances[0].id, old);
  EXPECT_EQ(Holder("eipalloc-0bastion000000002"), g.instances[0].id);
  EXPECT_EQ(Host(old).instance.ec2_state, "stopped");
  EXPECT_EQ(Host(old).name, "bastion-b-old");

  auto back = Resume(/*rollback=*/true);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->outcome, runbook::Outcome::kRolledBack) << back->reason;
  g = Group("edge-Bastion");
  EXPECT_EQ(g.desired, 1);
  EXPECT_EQ(g.max_size, 1);
  ASSERT_EQ(g.instances.size(), 1u);
  EXPECT_EQ(g.instances[0].id, old);
  EXPECT_EQ(Holder("eipalloc-0bastion000000002"), old);
  EXPECT_EQ(Host(old).instance.ec2_state, "running");
}

// EC2 and Auto Scaling list a new instance a little after the call that made it: the runbook
// waits for it instead of failing (the launch's tag search, the group's member list).
class LateLists : public cloud::GroupsWrapper, public cloud::InstancesWrapper {
 public:
  LateLists(cloud::Cloud& c, std::string old)
      : GroupsWrapper(c.groups), InstancesWrapper(c.instances), c_(c), old_(std::move(old)) {}
  cloud::Cloud Bundle() {
    return {*this,     c_.group_changes, *this,  c_.images, c_.launch_specs,
            c_.stacks, c_.addresses,     c_.dns, c_.volumes};
  }
  core::Result<std::vector<cloud::Group>> ListGroups(const std::vector<std::string>& n) override {
    ASSIGN_OR_RETURN(auto groups, GroupsWrapper::ListGroups(n));
    if (late_groups_ > 0 && --late_groups_ >= 0) {
      for (cloud::Group& g : groups) {
        std::erase_if(g.instances, [&](const cloud::Instance& i) { return i.id != old_; });
      }
    }
    return groups;
  }
  core::Result<std::vector<cloud::Host>> FindHosts(const std::string& k,
                                                   const std::string& v) override {
    if (late_hosts_ > 0 && --late_hosts_ >= 0) return std::vector<cloud::Host>{};
    return InstancesWrapper::FindHosts(k, v);
  }
  int late_groups_ = 4, late_hosts_ = 3;

 private:
  cloud::Cloud& c_;
  std::string old_;
};

TEST_F(BastionTest, InstancesListedLateAreWaitedFor) {
  for (const char* name : {"bastion", "bastion-b"}) {
    Load(Scenario());
    journal_ = journal::MemoryJournal();
    ops::BastionPlan plan = Plan(name);
    LateLists late(c(), plan.old.instance.id);
    cloud::Cloud bundle = late.Bundle();
    auto report = Start(plan, &bundle);
    ASSERT_TRUE(report.ok()) << name << ": " << report.status().message();
    EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted) << name << ": " << report->reason;
    EXPECT_LE(late.late_groups_ + late.late_hosts_, 4) << name << ": the lists were asked again";
  }
}

// A kill at every change, before the cloud saw it and after it acted, then `rollout resume`:
// the end is the end of an unbroken run, with exactly one new instance.
TEST_F(BastionTest, AKillAtEveryChangeIsResumedToTheSameEnd) {
  int killed = 0;
  for (int at = 1; at <= 12; ++at) {
    for (bool after : {false, true}) {
      Load(Scenario());
      journal_ = journal::MemoryJournal();
      ops::BastionPlan plan = Plan("bastion");
      Killing killing(c(), at, after);
      cloud::Cloud bundle = killing.Bundle();
      auto first = Start(plan, &bundle);
      std::string where = fmt::format("kill at change {} {}", at, after ? "after" : "before");
      if (first.ok()) {
        EXPECT_EQ(first->outcome, runbook::Outcome::kCompleted) << where;
        ExpectRedeployed(plan, where + " (never reached)");
        continue;
      }
      ++killed;
      ASSERT_EQ(first.status().code(), core::Code::kAborted) << where;
      clock().SleepFor(61s);  // the dead rotor's lease lapses
      auto resumed = Resume(false);
      ASSERT_TRUE(resumed.ok()) << where << ": " << resumed.status().message();
      EXPECT_EQ(resumed->outcome, runbook::Outcome::kCompleted) << where << ": " << resumed->reason;
      ExpectRedeployed(plan, where);
    }
  }
  EXPECT_GE(killed, 8) << "every change of the runbook was killed";
}

}  // namespace
}  // namespace rotor
