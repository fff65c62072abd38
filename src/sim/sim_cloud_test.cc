// SimCloud's semantics (DESIGN.md section 6), as timelines in virtual time.
#include "sim/sim_cloud.h"

#include <gtest/gtest.h>

#include "core/strings.h"

namespace rotor::sim {
namespace {

using namespace std::chrono_literals;

// One ALB group of 3 (a zone each) on v1, the template's v2 being current. No API latency, so
// every timeline is exact.
std::string Base(const std::string& extra_group = "", const std::string& faults = "",
                 const std::string& interval = "10s") {
  return R"(seed: 1
start: 2026-11-22T00:00:00Z
images:
  - {id: ami-1, name: app-1, created: 2026-10-01T00:00:00Z}
  - {id: ami-2, name: app-2, created: 2026-11-01T00:00:00Z}
stacks:
  - name: web
    groups:
      - name: web-App
        launch_template: {name: web-lt, versions: [ami-1, ami-2], group_uses: $Latest}
        zones: [z-a, z-b, z-c]
        min: 1
        max: 10
        desired: 3
        instances: {count: 3, image: ami-1}
        load_balancers:
          - {type: alb, interval: )" +
         interval + R"(, healthy_threshold: 2, unhealthy_threshold: 2, deregistration_delay: 30s}
)" + extra_group +
         R"(timing:
  api_latency: 0s
  launch_to_running: 20s
  boot_to_healthy: 40s
  shutdown: 10s
)" + faults;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return pos == std::string::npos ? text : text.replace(pos, from.size(), to);
}

class SimTest : public ::testing::Test {
 protected:
  void Load(const std::string& text) {
    auto s = ParseScenario(text, "test.yaml");
    ASSERT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<SimCloud>(*s);
  }
  void At(int seconds) { sim_->clock().SleepUntil(sim_->start() + std::chrono::seconds(seconds)); }
  void AtMs(int ms) { sim_->clock().SleepUntil(sim_->start() + std::chrono::milliseconds(ms)); }
  cloud::Group Group(const std::string& name = "web-App") {
    for (cloud::Group& g : sim_->Peek()) {
      if (g.name == name) return g;
    }
    ADD_FAILURE() << "no group " << name;
    return {};
  }
  const cloud::Instance* Member(const cloud::Group& g, const std::string& id) {
    for (const cloud::Instance& i : g.instances) {
      if (i.id == id) return &i;
    }
    return nullptr;
  }
  std::string Health(const std::string& id) {
    cloud::Group g = Group();
    const cloud::Instance* i = Member(g, id);
    return i ? i->health.at(0).state : "not a member";
  }
  // Seconds since the start of the first trace event of `kind` whose detail starts with `prefix`.
  double EventAt(const std::string& kind, const std::string& prefix) {
    for (const TraceEvent& e : sim_->trace()) {
      if (e.kind == kind && core::StartsWith(e.detail, prefix)) {
        return std::chrono::duration<double>(e.t - sim_->start()).count();
      }
    }
    return -1;
  }
  std::string LastLaunched() {
    std::string id;
    for (const TraceEvent& e : sim_->trace()) {
      if (e.kind == "launch") id = core::Split(e.detail, ' ')[0];
    }
    return id;
  }
  std::unique_ptr<SimCloud> sim_;
};

TEST_F(SimTest, InitialFleetIsRunningHealthyAndOutOfDate) {
  Load(Base());
  cloud::Group g = Group();
  ASSERT_EQ(g.instances.size(), 3u);
  EXPECT_EQ(g.spec.resolved_version, "2");
  EXPECT_EQ(g.spec.image_id, "ami-2");
  for (const cloud::Instance& i : g.instances) {
    EXPECT_EQ(i.ec2_state, "running");
    EXPECT_EQ(i.lifecycle_state, "InService");
    EXPECT_EQ(i.health.at(0).state, "healthy");
    EXPECT_TRUE(cloud::IsOutOfDate(g, i));
  }
  EXPECT_EQ(g.instances[0].zone, "z-a");
  EXPECT_EQ(g.instances[1].zone, "z-b");
}

// Launch at t, running at t + 20 s, healthy at the first check at or after t + 60 s, checks
// every interval from registration (t + 20 s).
TEST_F(SimTest, LaunchTimelineTable) {
  struct Row {
    const char* interval;
    int healthy_at;
  };
  const Row rows[] = {{"10s", 160}, {"30s", 180}, {"7s", 162}};
  for (const Row& r : rows) {
    Load(Base("", "", r.interval));
    At(100);
    ASSERT_TRUE(
        sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 4}).ok());
    std::string id = LastLaunched();
    EXPECT_EQ(EventAt("launch", id), 100) << r.interval;
    cloud::Group g = Group();
    ASSERT_NE(Member(g, id), nullptr);
    EXPECT_EQ(Member(g, id)->ec2_state, "pending");
    EXPECT_EQ(Member(g, id)->lifecycle_state, "Pending");
    EXPECT_EQ(Member(g, id)->spec.resolved_version, "2");
    EXPECT_EQ(Health(id), "unused");
    AtMs(119999);
    EXPECT_EQ(Group().instances.back().ec2_state, "pending");
    At(120);
    EXPECT_EQ(Member(Group(), id)->ec2_state, "running");
    EXPECT_EQ(Member(Group(), id)->lifecycle_state, "InService");
    EXPECT_EQ(Health(id), "initial");
    AtMs(r.healthy_at * 1000 - 1);
    EXPECT_EQ(Health(id), "initial") << r.interval;
    At(r.healthy_at);
    EXPECT_EQ(Health(id), "healthy") << r.interval;
  }
}

TEST_F(SimTest, DeregisteredTargetDrainsForTheDelay) {
  Load(Base());
  std::string id = Group().instances[0].id;
  At(100);
  ASSERT_TRUE(sim_->cloud().group_changes.Deregister("web-App", {id}).ok());
  EXPECT_EQ(Health(id), "draining");
  AtMs(129999);
  EXPECT_EQ(Health(id), "draining");
  At(130);
  EXPECT_EQ(Health(id), "unused");
}

TEST_F(SimTest, TerminateWithoutDecrementIsReplacedAtOnce) {
  Load(Base());
  std::string id = Group().instances[0].id;
  At(100);
  ASSERT_TRUE(sim_->cloud().group_changes.TerminateInstance(id, /*decrement=*/false).ok());
  cloud::Group g = Group();
  EXPECT_EQ(g.desired, 3);
  EXPECT_EQ(g.instances.size(), 3u);
  EXPECT_EQ(Member(g, id), nullptr);  // dropped at once
  EXPECT_EQ(EventAt("launch", LastLaunched()), 100);
  EXPECT_EQ(EventAt("terminate", id), 100);
  At(200);
  EXPECT_EQ(EventAt("terminated", id), 110);  // after `shutdown`
}

TEST_F(SimTest, TerminateWithDecrementIsNotReplaced) {
  Load(Base());
  std::string id = Group().instances[0].id;
  ASSERT_TRUE(sim_->cloud().group_changes.TerminateInstance(id, /*decrement=*/true).ok());
  EXPECT_EQ(Group().desired, 2);
  EXPECT_EQ(Group().instances.size(), 2u);
  EXPECT_EQ(LastLaunched(), "");
}

TEST_F(SimTest, DecrementBelowMinIsRefused) {
  Load(Base());
  ASSERT_TRUE(
      sim_->cloud().group_changes.SetSizes("web-App", {3, std::nullopt, std::nullopt}).ok());
  auto st = sim_->cloud().group_changes.TerminateInstance(Group().instances[0].id, true);
  EXPECT_EQ(st.code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(st.aws_code(), "ValidationError");
  EXPECT_EQ(Group().instances.size(), 3u);
}

TEST_F(SimTest, DetachKeepsTheInstanceRunningAndDrainsIt) {
  Load(Base());
  std::string id = Group().instances[1].id;
  At(50);
  ASSERT_TRUE(
      sim_->cloud().group_changes.DetachInstances("web-App", {id}, /*decrement=*/false).ok());
  EXPECT_EQ(Member(Group(), id), nullptr);
  EXPECT_EQ(Group().instances.size(), 3u);  // replacement launched at once
  EXPECT_EQ(EventAt("launch", LastLaunched()), 50);
  auto running = sim_->cloud().instances.ListInstances({id});
  ASSERT_TRUE(running.ok());
  ASSERT_EQ(running->size(), 1u);
  EXPECT_EQ((*running)[0].ec2_state, "running");
  ASSERT_TRUE(sim_->cloud().instances.TerminateInstances({id}).ok());
  At(100);
  EXPECT_EQ(EventAt("terminated", id), 60);
}

TEST_F(SimTest, SuspendedLaunchDelaysTheReplacementUntilResumed) {
  Load(Base());
  ASSERT_TRUE(sim_->cloud().group_changes.SuspendProcesses("web-App", {"Launch"}).ok());
  At(10);
  ASSERT_TRUE(sim_->cloud().group_changes.TerminateInstance(Group().instances[0].id, false).ok());
  EXPECT_EQ(Group().instances.size(), 2u);
  EXPECT_EQ(Group().suspended_processes, std::vector<std::string>{"Launch"});
  At(40);
  ASSERT_TRUE(sim_->cloud().group_changes.ResumeProcesses("web-App", {"Launch"}).ok());
  EXPECT_EQ(Group().instances.size(), 3u);
  EXPECT_EQ(EventAt("launch", LastLaunched()), 40);
  EXPECT_FALSE(sim_->cloud().group_changes.SuspendProcesses("web-App", {"Lunch"}).ok());
}

TEST_F(SimTest, MaxSizeIsHonoured) {
  Load(Base());
  auto st = sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 11});
  EXPECT_EQ(st.code(), core::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("must be between"), std::string::npos);
  ASSERT_TRUE(sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, 4, 4}).ok());
  EXPECT_EQ(Group().instances.size(), 4u);
}

TEST_F(SimTest, AzRebalanceTerminatesInTheFullestZone) {
  Load(Base());
  ASSERT_TRUE(
      sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 6}).ok());
  cloud::Group g = Group();
  ASSERT_EQ(g.instances.size(), 6u);
  std::vector<std::string> in_a;
  for (const auto& i : g.instances) {
    if (i.zone == "z-a") in_a.push_back(i.id);
  }
  ASSERT_EQ(in_a.size(), 2u);
  for (const std::string& id : in_a)
    ASSERT_TRUE(sim_->cloud().group_changes.TerminateInstance(id, true).ok());
  std::map<std::string, int> zones;
  for (const auto& i : Group().instances) ++zones[i.zone];
  EXPECT_EQ(Group().instances.size(), 4u);
  EXPECT_LE(std::max({zones["z-a"], zones["z-b"], zones["z-c"]}) -
                std::min({zones["z-a"], zones["z-b"], zones["z-c"]}),
            1);
  EXPECT_GE(EventAt("terminate", ""), 0);
  bool rebalanced = false;
  for (const TraceEvent& e : sim_->trace())
    rebalanced |= e.detail.find("az-rebalance") != std::string::npos;
  EXPECT_TRUE(rebalanced);
}

TEST_F(SimTest, NoRebalanceWhileSuspended) {
  Load(Base());
  ASSERT_TRUE(sim_->cloud().group_changes.SuspendProcesses("web-App", {"AZRebalance"}).ok());
  ASSERT_TRUE(
      sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 6}).ok());
  for (const auto& i : Group().instances) {
    if (i.zone != "z-a") continue;
    ASSERT_TRUE(sim_->cloud().group_changes.TerminateInstance(i.id, true).ok());
  }
  for (const TraceEvent& e : sim_->trace())
    EXPECT_EQ(e.detail.find("az-rebalance"), std::string::npos);
}

TEST_F(SimTest, BootFailureTurnsUnhealthyAfterTheThreshold) {
  Load(Base("", "faults:\n  - {kind: boot_failure, image: ami-2, probability: 1}\n"));
  ASSERT_TRUE(
      sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 4}).ok());
  std::string id = LastLaunched();
  // Registered at 20, checks every 10 s. A booting target stays "initial"; one that never boots
  // fails the checks from when it should have answered (60) and is unhealthy after 2: at 70.
  At(20);
  EXPECT_EQ(Health(id), "initial");
  AtMs(69999);
  EXPECT_EQ(Health(id), "initial");
  At(70);
  EXPECT_EQ(Health(id), "unhealthy");
  At(3600);
  EXPECT_EQ(Health(id), "unhealthy");
}

TEST_F(SimTest, UnhealthyAfterFailsAHealthyInstance) {
  Load(Base("", "faults:\n  - {kind: unhealthy_after, image: ami-2, after: 300s}\n"));
  ASSERT_TRUE(
      sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 4}).ok());
  std::string id = LastLaunched();
  At(60);
  EXPECT_EQ(Health(id), "healthy");  // up at 60
  AtMs(369999);
  EXPECT_EQ(Health(id), "healthy");  // fails at 360; checks at 360 and 370 fail
  At(370);
  EXPECT_EQ(Health(id), "unhealthy");
}

TEST_F(SimTest, ZoneOutageFailsChecksThenRecovers) {
  Load(Base("", "faults:\n  - {kind: zone_outage, zone: z-b, at: 1000s, for: 300s}\n"));
  std::string in_b = Group().instances[1].id;
  At(999);
  EXPECT_EQ(Health(in_b), "healthy");
  At(1100);
  EXPECT_EQ(Health(in_b), "unhealthy");
  EXPECT_EQ(Health(Group().instances[0].id), "healthy");
  At(1200);  // while z-b is out, the group launches elsewhere
  ASSERT_TRUE(
      sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 5}).ok());
  std::map<std::string, int> zones;
  for (const auto& i : Group().instances) ++zones[i.zone];
  EXPECT_EQ(zones["z-b"], 1);
  EXPECT_EQ(zones["z-a"] + zones["z-c"], 4);
  At(1400);
  EXPECT_EQ(Health(in_b), "healthy");
}

TEST_F(SimTest, ElbHealthCheckReplacesAnInstanceThatNeverBoots) {
  std::string text = Base("", "faults:\n  - {kind: boot_failure, image: ami-2, probability: 1}\n");
  text = Replace(text, "        instances:", "        health_check_type: ELB\n        instances:");
  Load(text);
  ASSERT_TRUE(
      sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 4}).ok());
  std::string id = LastLaunched();
  At(71);
  EXPECT_EQ(EventAt("terminate", id), 70);
  EXPECT_EQ(Group().instances.size(), 4u);
  EXPECT_NE(LastLaunched(), id);
}

TEST_F(SimTest, HealthCheckGraceDelaysTheReplacement) {
  std::string text = Base("", "faults:\n  - {kind: boot_failure, image: ami-2, probability: 1}\n");
  text = Replace(
      text, "        instances:",
      "        health_check_type: ELB\n        health_check_grace: 300s\n        instances:");
  Load(text);
  ASSERT_TRUE(
      sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 4}).ok());
  std::string id = LastLaunched();
  At(299);
  EXPECT_EQ(EventAt("terminate", id), -1);  // unhealthy since 70 s, but within the grace period
  At(301);
  EXPECT_EQ(EventAt("terminate", id), 300);
}

TEST_F(SimTest, ApiCallsAreCountedLikeAwsCloud) {
  std::string db = R"(      - name: web-Db
        launch_configuration: {name: db-lc, image: ami-2}
        zones: [z-a]
        min: 1
        max: 2
        desired: 1
        load_balancers: [{type: elb}]
)";
  Load(Base(db));
  ASSERT_TRUE(sim_->cloud().groups.ObserveGroups({"web-App", "web-Db"}).ok());
  std::map<std::string, int> want = {
      {"autoscaling:DescribeAutoScalingGroups", 1},
      {"ec2:DescribeLaunchTemplates", 1},
      {"ec2:DescribeLaunchTemplateVersions", 1},
      {"autoscaling:DescribeLaunchConfigurations", 1},
      {"ec2:DescribeInstances", 1},
      {"elasticloadbalancing:DescribeTargetHealth", 1},
      {"elasticloadbalancing:DescribeInstanceHealth", 1},
  };
  EXPECT_EQ(sim_->api_calls(), want);
  EXPECT_EQ(sim_->min_ready_observed(), 4);
  auto missing = sim_->cloud().groups.ObserveGroups({"nope"});
  EXPECT_EQ(missing.status().code(), core::Code::kNotFound);
}

TEST_F(SimTest, ThrottlingIsRetriedLikeTheWire) {
  Load(Base("", "faults:\n  - {kind: throttle, service: ec2, refill_per_s: 10, bucket: 3}\n"));
  for (int n = 0; n < 10; ++n)
    ASSERT_TRUE(sim_->cloud().groups.ObserveGroups({"web-App"}).ok()) << n;
  int throttled = 0;
  for (const TraceEvent& e : sim_->trace()) {
    throttled +=
        e.kind == "api_error" && e.detail.find("RequestLimitExceeded") != std::string::npos;
  }
  EXPECT_GT(throttled, 0);
  EXPECT_GT(sim_->api_calls().at("ec2:DescribeInstances"), 10);  // retried calls count too
}

TEST_F(SimTest, InjectedErrorsFollowTheRetryRules) {
  Load(Base("",
            "faults:\n  - {kind: api_error, service: autoscaling, probability: 1, code: "
            "InternalFailure}\n"));
  auto st = sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 4});
  EXPECT_EQ(st.aws_code(), "InternalFailure");
  EXPECT_NE(st.message().find("gave up after 3 attempts"), std::string::npos);
  EXPECT_EQ(sim_->api_calls().at("autoscaling:UpdateAutoScalingGroup"), 3);
  EXPECT_EQ(Group().desired, 3);  // nothing changed

  Load(Base("",
            "faults:\n  - {kind: api_error, service: autoscaling, probability: 1, code: "
            "ValidationError}\n"));
  st = sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 4});
  EXPECT_EQ(sim_->api_calls().at("autoscaling:UpdateAutoScalingGroup"), 1);  // not retried
}

TEST_F(SimTest, CrashStopsEveryLaterCall) {
  Load(Base("", "faults:\n  - {kind: crash, after_steps: 2}\n"));
  ASSERT_TRUE(sim_->cloud().group_changes.SuspendProcesses("web-App", {"AZRebalance"}).ok());
  auto st = sim_->cloud().group_changes.SetSizes("web-App", {std::nullopt, std::nullopt, 4});
  EXPECT_EQ(st.code(), core::Code::kAborted);
  EXPECT_TRUE(sim_->crashed());
  EXPECT_EQ(sim_->cloud().groups.ObserveGroups({"web-App"}).status().code(), core::Code::kAborted);
  EXPECT_EQ(Group().desired, 3);
}

// The same scenario and the same calls give a byte-identical trace; another seed does not.
TEST_F(SimTest, SameSeedSameTrace) {
  auto run = [&](int seed) {
    std::string text = Replace(Base("", R"(faults:
  - {kind: boot_failure, image: ami-2, probability: 0.3}
  - {kind: unhealthy_after, image: ami-2, after: 600s}
  - {kind: terminate, group: web-App, at: 300s}
  - {kind: api_error, service: autoscaling, probability: 0.2, code: InternalFailure}
)"),
                               "seed: 1", "seed: " + std::to_string(seed));
    text = Replace(text, "launch_to_running: 20s", "launch_to_running: {uniform: [5s, 20s]}");
    text = Replace(text, "boot_to_healthy: 40s",
                   "boot_to_healthy: {lognormal: {median: 40s, p99: 120s}}");
    text =
        Replace(text, "        instances:", "        health_check_type: ELB\n        instances:");
    Load(text);
    for (int round = 0; round < 5; ++round) {
      (void)sim_->cloud().group_changes.SetSizes("web-App",
                                                 {std::nullopt, std::nullopt, 6 + round});
      (void)sim_->cloud().groups.ObserveGroups({"web-App"});
      sim_->clock().SleepFor(5min);
    }
    return std::make_pair(sim_->TraceHash(), sim_->TraceText());
  };
  auto a = run(7), b = run(7), c = run(8);
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(a.second, b.second);
  EXPECT_NE(a.first, c.first);
  EXPECT_GT(std::count(a.second.begin(), a.second.end(), '\n'), 20);
}

}  // namespace
}  // namespace rotor::sim

namespace rotor::sim {
namespace {

// A load balancer not enabled in a zone never sees its targets there healthy; pre-flight reads
// the zones, hooks, refresh and quota as the scenario declares them.
TEST_F(SimTest, SurroundingsAsDeclared) {
  std::string text = Replace(Base(), "deregistration_delay: 30s}",
                             "deregistration_delay: 30s, zones: [z-a, z-b]}\n"
                             "        lifecycle_hooks:\n"
                             "          - {name: h, transition: launching, heartbeat: 5m}\n"
                             "        instance_refresh: InProgress");
  Load(text + "account: {on_demand_vcpus: 10}\n");
  cloud::Group g = Group();
  EXPECT_EQ(Health(g.instances[0].id), "healthy");  // z-a
  EXPECT_EQ(Health(g.instances[2].id), "unused");   // z-c: not enabled
  auto s = sim_->cloud().groups.DescribeSurroundings("web-App");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->load_balancers.size(), 1u);
  EXPECT_EQ(s->load_balancers[0].zones, (std::vector<std::string>{"z-a", "z-b"}));
  ASSERT_EQ(s->hooks.size(), 1u);
  EXPECT_TRUE(s->hooks[0].Launching());
  EXPECT_EQ(s->hooks[0].heartbeat_timeout, 5min);
  EXPECT_EQ(s->hooks[0].default_result, "ABANDON");
  EXPECT_EQ(s->instance_refresh, "InProgress");
  auto room = sim_->cloud().instances.RoomFor("t3.micro");
  ASSERT_TRUE(room.ok());
  EXPECT_EQ(room->instances, 2);  // (10 − 3 × 2) / 2
  EXPECT_EQ(sim_->cloud().groups.DescribeSurroundings("nope").status().code(),
            core::Code::kNotFound);
}

TEST_F(SimTest, QuotaUnknownWithoutAccount) {
  Load(Base());
  auto room = sim_->cloud().instances.RoomFor("t3.micro");
  ASSERT_TRUE(room.ok());
  EXPECT_FALSE(room->instances.has_value());
  EXPECT_NE(room->why_unknown.find("on_demand_vcpus"), std::string::npos);
}

}  // namespace
}  // namespace rotor::sim
