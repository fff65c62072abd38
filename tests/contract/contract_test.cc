// The Cloud contract: the same cases against SimCloud and against AwsCloud on moto_server, and
// they must agree. Cases where moto is more lenient than AWS (it accepts a desired capacity above
// max, a decrement below min) are the simulator's own tests, not the contract's.
#include <gtest/gtest.h>

#include <memory>

#include "aws/aws_cloud.h"
#include "aws/curl_transport.h"
#include "cloud/cloud.h"
#include "fakes/moto_cloud.h"
#include "fakes/moto_server.h"
#include "sim/sim_cloud.h"

namespace rotor {
namespace {

using namespace std::chrono_literals;

// One cloud under test, freshly set to the fixture.
class World {
 public:
  virtual ~World() = default;
  virtual cloud::Cloud& cloud() = 0;
  virtual void Settle() {}  // let pending launches run (virtual time on the simulator)
};

class SimWorld final : public World {
 public:
  SimWorld() {
    auto s = sim::LoadScenario(std::string(ROTOR_TESTS_DIR) + "/testdata/contract.yaml");
    EXPECT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<sim::SimCloud>(*s);
  }
  cloud::Cloud& cloud() override { return sim_->cloud(); }
  void Settle() override { sim_->clock().SleepFor(2min); }

 private:
  std::unique_ptr<sim::SimCloud> sim_;
};

class MotoWorld final : public World {
 public:
  static testing::MotoServer* server;

  MotoWorld() : moto_(server->url()) {
    EXPECT_TRUE(server->Reset().ok());
    auto fx = server->BuildFixture();
    EXPECT_TRUE(fx.ok()) << fx.status().message();
    EXPECT_TRUE(moto_.status().ok()) << moto_.status().message();
  }
  cloud::Cloud& cloud() override { return moto_.cloud(); }

 private:
  testing::MotoCloud moto_;
};
testing::MotoServer* MotoWorld::server = nullptr;

class Contract : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    auto m = testing::MotoServer::Start();
    ASSERT_TRUE(m.ok()) << m.status().message();
    moto_ = std::move(m).value();
    MotoWorld::server = moto_.get();
  }
  static void TearDownTestSuite() {
    MotoWorld::server = nullptr;
    moto_.reset();
  }
  void SetUp() override {
    if (GetParam() == "sim")
      world_ = std::make_unique<SimWorld>();
    else
      world_ = std::make_unique<MotoWorld>();
  }

  cloud::Cloud& c() { return world_->cloud(); }
  cloud::Group Observe(const std::string& name) {
    auto g = c().groups.ObserveGroups({name});
    EXPECT_TRUE(g.ok()) << g.status().message();
    return g.ok() && !g->empty() ? (*g)[0] : cloud::Group{};
  }
  static bool IsMember(const cloud::Group& g, const std::string& id) {
    for (const auto& i : g.instances) {
      if (i.id == id) return true;
    }
    return false;
  }

  static std::unique_ptr<testing::MotoServer> moto_;
  std::unique_ptr<World> world_;
};
std::unique_ptr<testing::MotoServer> Contract::moto_;

TEST_P(Contract, ObserveTheFixture) {
  auto groups = c().groups.ObserveGroups({"web-1-AppServer", "db-2-Db"});
  ASSERT_TRUE(groups.ok()) << groups.status().message();
  ASSERT_EQ(groups->size(), 2u);
  const cloud::Group& web = (*groups)[0];
  EXPECT_EQ(web.min_size, 2);
  EXPECT_EQ(web.max_size, 4);
  EXPECT_EQ(web.desired, 3);
  EXPECT_EQ(web.spec.kind, cloud::LaunchSpec::Kind::kTemplate);
  EXPECT_EQ(web.spec.version, "$Latest");
  EXPECT_EQ(web.spec.resolved_version, "2");
  EXPECT_EQ(web.target_groups.size(), 1u);
  ASSERT_EQ(web.instances.size(), 3u);
  for (const cloud::Instance& i : web.instances) {
    EXPECT_EQ(i.ec2_state, "running");
    EXPECT_EQ(i.lifecycle_state, "InService");
    EXPECT_EQ(i.spec.resolved_version, "1");
    EXPECT_TRUE(cloud::IsOutOfDate(web, i));
    ASSERT_EQ(i.health.size(), 1u);
    EXPECT_EQ(i.health[0].state, "healthy");
  }
  const cloud::Group& db = (*groups)[1];
  EXPECT_EQ(db.spec.kind, cloud::LaunchSpec::Kind::kConfiguration);
  EXPECT_EQ(db.spec.configuration_name, "db-2-lc");
  EXPECT_EQ(db.classic_elbs, std::vector<std::string>{"db-2-elb"});
  ASSERT_EQ(db.instances.size(), 2u);
  for (const cloud::Instance& i : db.instances) {
    EXPECT_FALSE(cloud::IsOutOfDate(db, i));
    EXPECT_EQ(i.health.at(0).state, "InService");
  }
}

TEST_P(Contract, FindStackGroupsAndMissingThings) {
  auto stack = c().stacks.DescribeStack("web-1");
  ASSERT_TRUE(stack.ok()) << stack.status().message();
  EXPECT_EQ(stack->group_names, std::vector<std::string>{"web-1-AppServer"});
  EXPECT_EQ(c().stacks.DescribeStack("nope-9").status().code(), core::Code::kNotFound);
  EXPECT_EQ(c().groups.ObserveGroups({"nope"}).status().code(), core::Code::kNotFound);
  auto all = c().groups.ListGroups({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
}

// Launch specs read in full, copied with a change, found again by description, and pointed at.
TEST_P(Contract, LaunchSpecsReadCopyAndPoint) {
  cloud::Group web = Observe("web-1-AppServer");
  auto data = c().launch_specs.ReadLaunchData(web.spec);
  ASSERT_TRUE(data.ok()) << data.status().message();
  EXPECT_EQ(data->image_id, web.spec.image_id);
  EXPECT_EQ(data->instance_type, "t3.micro");
  EXPECT_EQ(data->spec.resolved_version, "2");
  std::string old_image = web.instances.at(0).image_id;
  cloud::LaunchData changed = *data;
  changed.image_id = old_image;
  changed.user_data = "#cloud-config\nsource: app:1.2\n";
  auto made = c().launch_specs.CreateVersion(web.spec.template_id, changed, "rotor r-test");
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_EQ(*made, "3");
  auto found = c().launch_specs.FindVersion(web.spec.template_id, "rotor r-test");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(*found, std::optional<std::string>("3"));
  EXPECT_EQ(*c().launch_specs.FindVersion(web.spec.template_id, "rotor r-other"), std::nullopt);
  cloud::LaunchSpec v3 = web.spec;
  v3.version = v3.resolved_version = "3";
  auto read = c().launch_specs.ReadLaunchData(v3);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->image_id, old_image);
  EXPECT_EQ(read->instance_type, data->instance_type);
  EXPECT_EQ(read->user_data, changed.user_data);
  EXPECT_EQ(read->other, data->other);
  EXPECT_EQ(*c().launch_specs.DefaultVersion(web.spec.template_id), "1");
  ASSERT_TRUE(c().launch_specs.SetDefaultVersion(web.spec.template_id, "3").ok());
  EXPECT_EQ(*c().launch_specs.DefaultVersion(web.spec.template_id), "3");
  v3.version = v3.resolved_version = "99";
  EXPECT_EQ(c().launch_specs.ReadLaunchData(v3).status().code(), core::Code::kNotFound);

  cloud::Group db = Observe("db-2-Db");
  auto lc = c().launch_specs.ReadLaunchData(db.spec);
  ASSERT_TRUE(lc.ok()) << lc.status().message();
  EXPECT_EQ(lc->image_id, db.spec.image_id);
  cloud::LaunchData copy = *lc;
  copy.image_id = old_image;
  ASSERT_TRUE(c().launch_specs.CreateConfiguration("db-2-copy", copy).ok());
  EXPECT_EQ(c().launch_specs.CreateConfiguration("db-2-copy", copy).code(),
            core::Code::kFailedPrecondition);
  cloud::LaunchSpec copied = db.spec;
  copied.configuration_name = "db-2-copy";
  auto back = c().launch_specs.ReadLaunchData(copied);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->image_id, old_image);
  EXPECT_EQ(back->instance_type, lc->instance_type);
  for (const auto& [key, value] : lc->other) EXPECT_EQ(back->other[key], value) << key;
  ASSERT_TRUE(c().group_changes.SetLaunchSpec("db-2-Db", copied).ok());
  EXPECT_EQ(Observe("db-2-Db").spec.configuration_name, "db-2-copy");
  copied.configuration_name = "nope-lc";
  EXPECT_EQ(c().launch_specs.ReadLaunchData(copied).status().code(), core::Code::kNotFound);
}

TEST_P(Contract, SetSizes) {
  ASSERT_TRUE(c().group_changes.SetSizes("web-1-AppServer", {std::nullopt, std::nullopt, 4}).ok());
  world_->Settle();
  cloud::Group g = Observe("web-1-AppServer");
  EXPECT_EQ(g.desired, 4);
  EXPECT_EQ(g.instances.size(), 4u);
  ASSERT_TRUE(c().group_changes.SetSizes("web-1-AppServer", {1, 4, 2}).ok());
  world_->Settle();
  g = Observe("web-1-AppServer");
  EXPECT_EQ(g.min_size, 1);
  EXPECT_EQ(g.desired, 2);
  EXPECT_EQ(g.instances.size(), 2u);
}

TEST_P(Contract, SuspendAndResume) {
  ASSERT_TRUE(
      c().group_changes.SuspendProcesses("web-1-AppServer", {"AZRebalance", "AlarmNotification"})
          .ok());
  cloud::Group g = Observe("web-1-AppServer");
  std::vector<std::string> got = g.suspended_processes;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"AZRebalance", "AlarmNotification"}));
  ASSERT_TRUE(c().group_changes.ResumeProcesses("web-1-AppServer", {"AlarmNotification"}).ok());
  EXPECT_EQ(Observe("web-1-AppServer").suspended_processes,
            std::vector<std::string>{"AZRebalance"});
}

TEST_P(Contract, TerminateWithoutDecrementIsReplaced) {
  std::string victim = Observe("web-1-AppServer").instances[0].id;
  ASSERT_TRUE(c().group_changes.TerminateInstance(victim, /*decrement=*/false).ok());
  world_->Settle();
  cloud::Group g = Observe("web-1-AppServer");
  EXPECT_FALSE(IsMember(g, victim));
  EXPECT_EQ(g.desired, 3);
  EXPECT_EQ(g.instances.size(), 3u);
  for (const auto& i : g.instances) EXPECT_NE(i.id, victim);  // no health row for a non-member
}

// A member that is gone is kNotFound: no layer above cloud/ reads AWS's words. AWS answers a
// ValidationError "Instance Id not found", which AwsCloud translates (aws_cloud_test has the
// recorded answer); moto answers HTTP 500 instead, so on moto only the refusal is checked.
TEST_P(Contract, TerminatingAMemberThatIsGoneIsNotFound) {
  std::string victim = Observe("web-1-AppServer").instances[0].id;
  ASSERT_TRUE(c().group_changes.TerminateInstance(victim, /*decrement=*/false).ok());
  world_->Settle();
  core::Status again = c().group_changes.TerminateInstance(victim, /*decrement=*/false);
  EXPECT_FALSE(again.ok());
  if (GetParam() == "sim") {
    EXPECT_EQ(again.code(), core::Code::kNotFound) << again.ToString();
  }
}

TEST_P(Contract, TerminateWithDecrement) {
  std::string victim = Observe("web-1-AppServer").instances[0].id;
  ASSERT_TRUE(c().group_changes.TerminateInstance(victim, /*decrement=*/true).ok());
  world_->Settle();
  cloud::Group g = Observe("web-1-AppServer");
  EXPECT_FALSE(IsMember(g, victim));
  EXPECT_EQ(g.desired, 2);
  EXPECT_EQ(g.instances.size(), 2u);
}

TEST_P(Contract, DetachKeepsTheInstanceUntilTerminated) {
  std::string a = Observe("web-1-AppServer").instances[0].id;
  ASSERT_TRUE(c().group_changes.DetachInstances("web-1-AppServer", {a}, /*decrement=*/false).ok());
  world_->Settle();
  cloud::Group g = Observe("web-1-AppServer");
  EXPECT_FALSE(IsMember(g, a));
  EXPECT_EQ(g.instances.size(), 3u);
  auto alive = c().instances.ListInstances({a});
  ASSERT_TRUE(alive.ok());
  ASSERT_EQ(alive->size(), 1u);
  EXPECT_EQ((*alive)[0].ec2_state, "running");

  std::string b = g.instances[0].id;
  ASSERT_TRUE(c().group_changes.DetachInstances("web-1-AppServer", {b}, /*decrement=*/true).ok());
  world_->Settle();
  g = Observe("web-1-AppServer");
  EXPECT_EQ(g.desired, 2);
  EXPECT_EQ(g.instances.size(), 2u);

  ASSERT_TRUE(c().instances.TerminateInstances({a, b}).ok());
  auto gone = c().instances.ListInstances({a, b});
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->empty());
}

TEST_P(Contract, DeregisteredMemberIsNotReady) {
  cloud::Group g = Observe("web-1-AppServer");
  std::string id = g.instances[1].id;
  ASSERT_TRUE(c().group_changes.Deregister("web-1-AppServer", {id}).ok());
  for (const cloud::Instance& i : Observe("web-1-AppServer").instances) {
    ASSERT_EQ(i.health.size(), 1u);
    EXPECT_EQ(i.health[0].Ready(), i.id != id) << i.id << " " << i.health[0].state;
  }
}

INSTANTIATE_TEST_SUITE_P(Clouds, Contract, ::testing::Values("sim", "moto"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace rotor
