// ops on an in-memory cloud: target selection, status and images reports.
#include <gtest/gtest.h>

#include "core/strings.h"
#include "fakes/fake_cloud.h"
#include "ops/images.h"
#include "ops/respawn.h"
#include "ops/status.h"
#include "ops/targets.h"

namespace rotor::ops {
namespace {

core::Time At(const char* iso) { return *core::ParseIso8601(iso); }

cloud::Group MakeGroup(const std::string& name, const std::string& image, int members,
                       const std::string& member_image) {
  cloud::Group g;
  g.name = name;
  g.min_size = 1;
  g.max_size = 10;
  g.desired = members;
  g.spec.kind = cloud::LaunchSpec::Kind::kConfiguration;
  g.spec.configuration_name = name + "-lc";
  g.spec.image_id = image;
  g.target_groups = {"arn:tg"};
  for (int n = 0; n < members; ++n) {
    cloud::Instance i;
    i.id = fmt::format("i-{}-{}", name, n);
    i.lifecycle_state = "InService";
    i.ec2_state = "running";
    i.image_id = member_image;
    i.spec = g.spec;
    i.launch_time = At("2026-10-01T00:00:00Z") + std::chrono::hours(n);
    i.health = {{cloud::LbKind::kTargetGroup, "arn:tg", "healthy", ""}};
    g.instances.push_back(i);
  }
  return g;
}

class OpsTest : public ::testing::Test {
 protected:
  OpsTest() {
    cloud_.groups["web-1-App"] = MakeGroup("web-1-App", "ami-new", 3, "ami-old");
    cloud_.groups["web-1-Worker"] = MakeGroup("web-1-Worker", "ami-new", 1, "ami-new");
    cloud_.groups["db-2-Db"] = MakeGroup("db-2-Db", "ami-new", 2, "ami-new");
    cloud_.stacks["web-1"] = {
        "web-1", "CREATE_COMPLETE", std::nullopt, {"web-1-App", "web-1-Worker"}};
    cloud_.stacks["db-2"] = {"db-2", "UPDATE_COMPLETE", std::nullopt, {"db-2-Db"}};
    cloud_.images = {
        {"ami-old", "app-2026.09", "self", "available", At("2026-09-01T00:00:00Z")},
        {"ami-new", "app-2026.11", "self", "available", At("2026-11-01T00:00:00Z")},
        {"ami-ancient", "app-2025.01", "self", "available", At("2025-01-01T00:00:00Z")},
        {"ami-other", "base-2026.11", "self", "available", At("2026-11-20T00:00:00Z")}};
    for (const auto& [name, g] : cloud_.groups) {
      for (cloud::Instance i : g.instances) {
        if (name != "web-1-Worker") i.tags[kStackTag] = name.substr(0, 4);
        cloud_.instances.push_back(i);  // the worker's members lack the stack tag
      }
    }
    cloud::Instance loose;
    loose.id = "i-loose";
    loose.image_id = "ami-gone";
    cloud_.instances.push_back(loose);
  }
  testing::FakeCloud cloud_;
};

TEST_F(OpsTest, TargetSelection) {
  struct Row {
    const char* name;
    TargetSelector sel;
    std::vector<std::string> groups;
  };
  const Row rows[] = {
      {"stack", {"web-1", "", "", ""}, {"web-1-App", "web-1-Worker"}},
      {"stack and version", {"web", "1", "", ""}, {"web-1-App", "web-1-Worker"}},
      {"group", {"", "", "db-2-Db", ""}, {"db-2-Db"}},
      {"unique prefix", {"", "", "", "db"}, {"db-2-Db"}},
  };
  for (const Row& r : rows) {
    auto t = ResolveTargets(cloud_.cloud(), r.sel);
    ASSERT_TRUE(t.ok()) << r.name << ": " << t.status().message();
    EXPECT_EQ(t->groups, r.groups) << r.name;
  }
}

TEST_F(OpsTest, TargetSelectionErrors) {
  struct Row {
    const char* name;
    TargetSelector sel;
    core::Code code;
    const char* fragment;
  };
  const Row rows[] = {
      {"ambiguous prefix lists matches",
       {"", "", "", "web-1"},
       core::Code::kAmbiguous,
       "matches 2 groups: web-1-App, web-1-Worker"},
      {"prefix matching nothing", {"", "", "", "zzz"}, core::Code::kNotFound, "'zzz'"},
      {"unknown stack", {"web-9", "", "", ""}, core::Code::kNotFound, "web-9"},
      {"two selectors", {"web-1", "", "db-2-Db", ""}, core::Code::kInvalidArgument, "exactly one"},
      {"none", {"", "", "", ""}, core::Code::kInvalidArgument, "exactly one"},
  };
  for (const Row& r : rows) {
    auto t = ResolveTargets(cloud_.cloud(), r.sel);
    ASSERT_FALSE(t.ok()) << r.name;
    EXPECT_EQ(t.status().code(), r.code) << r.name;
    EXPECT_NE(t.status().message().find(r.fragment), std::string::npos)
        << r.name << ": " << t.status().message();
  }
}

TEST_F(OpsTest, StatusCountsDriftAndReadiness) {
  cloud_.groups["web-1-App"].instances[1].health[0].state = "unhealthy";
  cloud_.groups["web-1-App"].instances[2].lifecycle_state = "Pending";
  auto r = BuildStatus(cloud_.cloud(), {"web-1", "", "", ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stack, "web-1");
  ASSERT_EQ(r->groups.size(), 2u);
  EXPECT_EQ(r->groups[0].out_of_date, 3);
  EXPECT_EQ(r->groups[0].ready, 1);
  EXPECT_EQ(r->groups[1].out_of_date, 0);
  EXPECT_EQ(r->groups[1].ready, 1);
  // members come oldest first
  EXPECT_EQ(r->groups[0].members[0].instance.id, "i-web-1-App-0");
}

TEST_F(OpsTest, ImagesForNamedStacksWithFilter) {
  ImagesOptions o;
  o.stacks = {"web-1", "db-2"};
  o.image_filter = "app-*";
  o.now = At("2026-11-22T00:00:00Z");
  auto r = BuildImages(cloud_.cloud(), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->newest);
  EXPECT_EQ(r->newest->id, "ami-new");  // ami-other is newer but does not match the filter
  std::map<std::string, ImageRow> rows;
  for (const ImageRow& row : r->images) rows[row.image.id] = row;
  EXPECT_EQ(rows["ami-old"].stacks, (std::map<std::string, int>{{"web-1", 3}}));
  // the worker's untagged member is counted for its stack through the group
  EXPECT_EQ(rows["ami-new"].stacks, (std::map<std::string, int>{{"db-2", 2}, {"web-1", 1}}));
  EXPECT_EQ(rows["ami-new"].age_days, 21);
  EXPECT_TRUE(rows["ami-new"].newest);
  EXPECT_EQ(rows.count("ami-gone"), 0u);  // not in a named stack
  EXPECT_EQ(rows["ami-ancient"].instances, 0);
  // newest first, by creation date
  EXPECT_EQ(r->images.front().image.id, "ami-new");
  std::map<std::string, StackCurrency> stacks;
  for (const StackCurrency& s : r->stacks) stacks[s.stack] = s;
  EXPECT_TRUE(stacks["db-2"].current);
  EXPECT_FALSE(stacks["web-1"].current);
  EXPECT_EQ(stacks["web-1"].days_behind, 61);  // 2026-09-01 -> 2026-11-01
  EXPECT_EQ(stacks["web-1"].instances, 4);
}

TEST_F(OpsTest, ImagesForTheWholeRegionAndHiding) {
  ImagesOptions o;
  o.image_filter = "app-*";
  o.hide_older_than_days = 90;
  o.now = At("2026-11-22T00:00:00Z");
  auto r = BuildImages(cloud_.cloud(), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::map<std::string, ImageRow> rows;
  for (const ImageRow& row : r->images) rows[row.image.id] = row;
  EXPECT_EQ(rows.count("ami-ancient"), 0u);  // unused and older than 90 days
  ASSERT_EQ(rows.count("ami-gone"), 1u);     // in use, image deregistered: shown, date unknown
  EXPECT_EQ(rows["ami-gone"].image.state, "deregistered");
  EXPECT_FALSE(rows["ami-gone"].age_days.has_value());
  EXPECT_EQ(r->images.back().image.id, "ami-gone");  // unknown dates last
  EXPECT_EQ(rows["ami-gone"].stacks, (std::map<std::string, int>{{"", 1}}));
  bool saw_unstacked = false;
  for (const StackCurrency& s : r->stacks) {
    if (!s.stack.empty()) continue;
    saw_unstacked = true;
    EXPECT_FALSE(s.days_behind.has_value());  // its image's date is unknown
  }
  EXPECT_TRUE(saw_unstacked);
}

TEST_F(OpsTest, RespawnRefusesWhileCloudFormationWorksOnTheStack) {
  cloud_.stacks["web-1"].status = "UPDATE_IN_PROGRESS";
  auto plan = PlanRespawn(cloud_.cloud(), {"web-1", "", "", ""}, rollout::Policy{},
                          At("2026-11-22T00:00:00Z"));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), core::Code::kBlocked);
  EXPECT_NE(plan.status().message().find("stack web-1 is UPDATE_IN_PROGRESS"), std::string::npos);
  // A group selected by name is refused too when its stack tag names a busy stack.
  cloud_.groups["db-2-Db"].stack_name = "web-1";
  EXPECT_EQ(PlanRespawn(cloud_.cloud(), {"", "", "db-2-Db", ""}, rollout::Policy{},
                        At("2026-11-22T00:00:00Z"))
                .status()
                .code(),
            core::Code::kBlocked);
  cloud_.stacks["web-1"].status = "UPDATE_COMPLETE";
  auto ok = PlanRespawn(cloud_.cloud(), {"web-1", "", "", ""}, rollout::Policy{},
                        At("2026-11-22T00:00:00Z"));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->groups[0].victims.size(), 3u);  // web-1-App's members run the old image
  EXPECT_TRUE(cloud_.actions.empty());          // planning changes nothing
}

// Pre-flight refusals beyond the group's own observation: one row per reason, each on the
// otherwise healthy web-1 stack (web-1-App: 3 out of date, surge 1, zones a and b).
TEST_F(OpsTest, PreflightRefusesWithTheReason) {
  using cloud::LifecycleHook;
  const LifecycleHook kLongHook{"wait", "autoscaling:EC2_INSTANCE_LAUNCHING", std::chrono::hours(1),
                                "ABANDON", ""};
  const LifecycleHook kShortHook{"wait", "autoscaling:EC2_INSTANCE_LAUNCHING",
                                 std::chrono::minutes(5), "CONTINUE", ""};
  const LifecycleHook kTerminating{"wait", "autoscaling:EC2_INSTANCE_TERMINATING",
                                   std::chrono::hours(1), "CONTINUE", ""};
  struct Row {
    const char* name;
    cloud::Surroundings around;
    std::optional<int> room;  // instances the quota leaves; nullopt: unknown
    int parallel;
    const char* refusal;  // "" = allowed
  };
  const std::vector<Row> rows = {
      {"all clear", {{{"alb", {"a", "b"}}}, {}, "", {}}, 5, 1, ""},
      {"instance refresh in progress",
       {{}, {}, "r-1 InProgress", {}},
       5,
       1,
       "unfinished Instance Refresh (r-1 InProgress)"},
      {"load balancer misses a zone",
       {{{"alb", {"a"}}}, {}, "", {}},
       5,
       1,
       "load balancer alb is not enabled in b where group web-1-App launches"},
      {"target group on no load balancer",
       {{{"arn:tg", {}}}, {}, "", {}},
       5,
       1,
       "target group arn:tg of group web-1-App is attached to no load balancer"},
      {"launching hook as long as the health timeout",
       {{}, {kLongHook}, "", {}},
       5,
       1,
       "may hold each new instance in Pending:Wait for 60m (then ABANDON)"},
      {"short launching hook", {{}, {kShortHook}, "", {}}, 5, 1, ""},
      {"terminating hook", {{}, {kTerminating}, "", {}}, 5, 1, ""},
      {"no room under the quota",
       {},
       0,
       1,
       "quota leaves room for 0 more t3.micro (quota 2 vCPUs) but the rollout launches up to 1"},
      {"quota unknown: not refused", {}, std::nullopt, 1, ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    cloud_.groups["web-1-App"].zones = {"a", "b"};
    cloud_.groups["web-1-App"].spec.instance_type = "t3.micro";
    cloud_.surroundings["web-1-App"] = row.around;
    cloud_.room = {row.room, "no permission", "quota 2 vCPUs"};
    auto plan = PlanRespawn(cloud_.cloud(), {"web-1", "", "", ""}, rollout::Policy{},
                            At("2026-11-22T00:00:00Z"), {"", row.parallel, {}});
    if (*row.refusal == 0) {
      ASSERT_TRUE(plan.ok()) << plan.status().ToString();
      EXPECT_EQ(plan->unchecked.size(), row.room ? 0u : 1u);
    } else {
      ASSERT_FALSE(plan.ok());
      EXPECT_EQ(plan.status().code(), core::Code::kBlocked);
      EXPECT_NE(plan.status().message().find(row.refusal), std::string::npos)
          << plan.status().message();
    }
  }
  EXPECT_TRUE(cloud_.actions.empty());
}

// With groups rolled in parallel, their surges add up against the quota.
TEST_F(OpsTest, PreflightQuotaCountsParallelGroups) {
  cloud_.groups["web-1-Worker"] = MakeGroup("web-1-Worker", "ami-new", 2, "ami-old");
  for (auto* g : {&cloud_.groups["web-1-App"], &cloud_.groups["web-1-Worker"]}) {
    g->spec.instance_type = "t3.micro";
  }
  cloud_.room = {1, "", "quota 8 vCPUs, 6 in use, 2 per t3.micro"};
  rollout::Policy p;
  EXPECT_TRUE(
      PlanRespawn(cloud_.cloud(), {"web-1", "", "", ""}, p, At("2026-11-22T00:00:00Z"), {"", 1, {}})
          .ok());
  auto both = PlanRespawn(cloud_.cloud(), {"web-1", "", "", ""}, p, At("2026-11-22T00:00:00Z"),
                          {"", 2, {}});
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("launches up to 2 at once"), std::string::npos);
}

}  // namespace
}  // namespace rotor::ops
