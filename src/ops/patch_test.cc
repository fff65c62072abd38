// `rotor patch` on an in-memory cloud: how each kind of group follows its new spec, what the plan
// says, and that rollback points every group back.
#include "ops/patch.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/strings.h"
#include "fakes/fake_cloud.h"
#include "journal/memory_journal.h"
#include "ops/runbooks.h"

namespace rotor::ops {
namespace {

using namespace std::chrono_literals;
core::Time At(const char* iso) { return *core::ParseIso8601(iso); }
const core::Time kNow = At("2026-11-30T03:04:05Z");

cloud::LaunchData Data(const std::string& image, const std::string& user_data = "") {
  cloud::LaunchData d;
  d.image_id = image;
  d.instance_type = "t3.micro";
  d.user_data = user_data;
  d.other = {{"keyName", "ops"}, {"securityGroupIdSet.1", "sg-1"}};
  return d;
}

class PatchTest : public ::testing::Test {
 protected:
  PatchTest() {
    cloud_.images = {{"ami-old", "app-2026.09", "111", "available", At("2026-09-01T00:00:00Z"),
                      "x86_64", "hvm", std::nullopt},
                     {"ami-new", "app-2026.11", "111", "available", At("2026-11-01T00:00:00Z"),
                      "x86_64", "hvm", std::nullopt}};
    AddTemplateGroup("latest-App", "lt-1", "$Latest");
    AddTemplateGroup("number-App", "lt-2", "1");
    AddTemplateGroup("default-App", "lt-3", "$Default");
    AddTemplateGroup("shared-A", "lt-4", "$Default");
    AddTemplateGroup("shared-B", "lt-4", "$Default");
    cloud::Group lc;
    lc.name = "lc-App";
    lc.stack_name = "web-1";
    lc.spec.kind = cloud::LaunchSpec::Kind::kConfiguration;
    lc.spec.configuration_name = "lc-App-lc";
    lc.spec.image_id = "ami-old";
    cloud_.groups[lc.name] = lc;
    cloud::LaunchData d = Data("ami-old", "#taupage-ami-config\nsource: app:1\n");
    d.spec = lc.spec;
    cloud_.configurations["lc-App-lc"] = d;
  }
  void AddTemplateGroup(const std::string& name, const std::string& lt, const std::string& uses) {
    cloud::Group g;
    g.name = name;
    g.spec.kind = cloud::LaunchSpec::Kind::kTemplate;
    g.spec.template_id = g.spec.template_name = lt;
    g.spec.version = uses;
    g.spec.resolved_version = "1";
    g.spec.image_id = "ami-old";
    cloud_.groups[name] = g;
    if (!cloud_.templates.count(lt)) {
      cloud::LaunchData d = Data("ami-old");
      d.spec = g.spec;
      d.spec.version = "1";
      cloud_.templates[lt].versions = {d};
    }
  }
  core::Result<runbook::Report> Patch(const std::vector<std::string>& groups,
                                      const PatchRequest& r) {
    auto plan = PlanPatch(cloud_.cloud(), groups, r, "op-1", kNow);
    if (!plan.ok()) return plan.status();
    plan_ = *plan;
    RunbookOptions o;
    o.operation_id = "op-1";
    o.owner = "me@here:1";
    return StartRunbook(cloud_.cloud(), clock_, journal_, journal::OperationKind::kPatch,
                        journal::GroupResources(groups), PatchPlanToJson(*plan), o);
  }

  testing::FakeCloud cloud_;
  core::ManualClock clock_{kNow};
  journal::MemoryJournal journal_;
  PatchPlan plan_;
};

TEST_F(PatchTest, EachKindOfGroupFollowsItsNewSpec) {
  PatchRequest r;
  r.image = ImageRequest{};
  auto report = Patch({"latest-App", "number-App", "default-App", "shared-A", "lc-App"}, r);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted);
  // $Latest: the new version is the latest; the group is untouched.
  EXPECT_EQ(cloud_.templates["lt-1"].versions.size(), 2u);
  EXPECT_EQ(cloud_.templates["lt-1"].versions[1].image_id, "ami-new");
  EXPECT_EQ(cloud_.templates["lt-1"].versions[1].other, Data("ami-old").other);  // all kept
  EXPECT_EQ(cloud_.groups["latest-App"].spec.version, "$Latest");
  // A number: pointed at the new number.
  EXPECT_EQ(cloud_.groups["number-App"].spec.version, "2");
  // $Default used by this group alone: the default moves, the group still says $Default.
  EXPECT_EQ(cloud_.templates["lt-3"].default_version, 2);
  EXPECT_EQ(cloud_.groups["default-App"].spec.version, "$Default");
  // $Default shared with shared-B: shared-A is pinned, the default stays for shared-B.
  EXPECT_EQ(cloud_.templates["lt-4"].default_version, 1);
  EXPECT_EQ(cloud_.groups["shared-A"].spec.version, "2");
  EXPECT_EQ(cloud_.groups["shared-B"].spec.version, "$Default");
  // A configuration: a full copy named <group>-<UTC stamp>, the old one kept.
  EXPECT_EQ(cloud_.groups["lc-App"].spec.configuration_name, "lc-App-20261130T030405");
  const cloud::LaunchData& copy = cloud_.configurations["lc-App-20261130T030405"];
  EXPECT_EQ(copy.image_id, "ami-new");
  EXPECT_EQ(copy.user_data, "#taupage-ami-config\nsource: app:1\n");
  EXPECT_EQ(copy.other, Data("ami-old").other);
  EXPECT_TRUE(cloud_.configurations.count("lc-App-lc"));
  // No instance touched.
  for (const std::string& a : cloud_.actions) {
    EXPECT_FALSE(core::StartsWith(a, "Terminate") || core::StartsWith(a, "Detach")) << a;
  }
}

TEST_F(PatchTest, ThePlanDiffsFieldByFieldAndWarnsOfStackDrift) {
  PatchRequest r;
  r.image = ImageRequest{};
  r.instance_type = "m5.large";
  r.user_data_set = {{"source", "app:2"}};
  auto plan = PlanPatch(cloud_.cloud(), {"lc-App"}, r, "op-1", kNow);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  std::string text = core::Join(DescribePatch(plan->groups[0]), "\n");
  EXPECT_NE(text.find("ImageId: ami-old -> ami-new"), std::string::npos) << text;
  EXPECT_NE(text.find("newest by creation date"), std::string::npos) << text;
  EXPECT_NE(text.find("InstanceType: t3.micro -> m5.large"), std::string::npos) << text;
  EXPECT_NE(text.find("-source: app:1"), std::string::npos) << text;
  EXPECT_NE(text.find("+source: app:2"), std::string::npos) << text;
  EXPECT_NE(text.find("belongs to stack web-1"), std::string::npos) << text;
  auto back = PatchPlanFromJson(PatchPlanToJson(*plan));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->groups[0].after, plan->groups[0].after);
  EXPECT_EQ(back->groups[0].old_spec, plan->groups[0].old_spec);
}

TEST_F(PatchTest, UserDataThatIsNotAMapIsRefusedNamingTheGroup) {
  cloud_.configurations["lc-App-lc"].user_data = "#!/bin/sh\necho hi\n";
  PatchRequest r;
  r.user_data_set = {{"source", "app:2"}};
  auto plan = PlanPatch(cloud_.cloud(), {"lc-App"}, r, "op-1", kNow);
  ASSERT_EQ(plan.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("lc-App"), std::string::npos);
  EXPECT_TRUE(cloud_.actions.empty());
}

TEST_F(PatchTest, RollbackPointsEveryGroupBack) {
  PatchRequest r;
  r.image = ImageRequest{};
  std::vector<std::string> groups = {"latest-App", "number-App", "default-App", "lc-App"};
  ASSERT_EQ(Patch(groups, r)->outcome, runbook::Outcome::kCompleted);
  auto info = journal_.GetRollout("op-1");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->kind, journal::OperationKind::kPatch);
  EXPECT_EQ(info->status, "completed");
  RunbookOptions o;
  o.owner = "me@here:1";
  auto back = ResumeRunbook(cloud_.cloud(), clock_, journal_, *info, /*rollback=*/true, false, o);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->outcome, runbook::Outcome::kRolledBack);
  EXPECT_EQ(cloud_.groups["number-App"].spec.version, "1");
  EXPECT_EQ(cloud_.templates["lt-3"].default_version, 1);
  EXPECT_EQ(cloud_.groups["lc-App"].spec.configuration_name, "lc-App-lc");
  // $Latest cannot be pointed back: a newer version with the old data makes it launch that.
  ASSERT_EQ(cloud_.templates["lt-1"].versions.size(), 3u);
  EXPECT_EQ(cloud_.templates["lt-1"].versions[2].image_id, "ami-old");
  EXPECT_EQ(journal_.GetRollout("op-1")->status, "rolled_back");
}

TEST_F(PatchTest, ASecondRotorIsKeptOffTheGroups) {
  ASSERT_TRUE(
      journal_.TakeLease("group/number-App", "other@host:2", "op-0", 60s, kNow, false).ok());
  PatchRequest r;
  r.image = ImageRequest{};
  auto report = Patch({"number-App"}, r);
  EXPECT_EQ(report.status().code(), core::Code::kBlocked);
  EXPECT_EQ(cloud_.groups["number-App"].spec.version, "1");
}

// The k-th change (a new version, a new default, a configuration, a group pointed) kills rotor,
// before it acts or after (the answer lost); `rollout resume` then finishes: every template has
// exactly one new version, the configuration one copy, every group its new spec.
class KillingSpecs : public cloud::LaunchSpecsWrapper, public cloud::GroupChangesWrapper {
 public:
  KillingSpecs(testing::FakeCloud& f, int at, bool after)
      : LaunchSpecsWrapper(f), GroupChangesWrapper(f), f_(f), at_(at), after_(after) {}
  // The fake cloud with its launch specs and group changes going through this one.
  cloud::Cloud Bundle() {
    return {.groups = f_,
            .group_changes = *this,
            .instances = f_,
            .images = f_,
            .launch_specs = *this,
            .stacks = f_,
            .addresses = f_,
            .dns = f_,
            .volumes = f_};
  }
  core::Result<std::string> CreateVersion(const std::string& id, const cloud::LaunchData& d,
                                          const std::string& desc) override {
    return Change([&] { return LaunchSpecsWrapper::CreateVersion(id, d, desc); });
  }
  core::Status SetDefaultVersion(const std::string& id, const std::string& v) override {
    return Change([&] { return LaunchSpecsWrapper::SetDefaultVersion(id, v); });
  }
  core::Status CreateConfiguration(const std::string& n, const cloud::LaunchData& d) override {
    return Change([&] { return LaunchSpecsWrapper::CreateConfiguration(n, d); });
  }
  core::Status SetLaunchSpec(const std::string& g, const cloud::LaunchSpec& s) override {
    return Change([&] { return GroupChangesWrapper::SetLaunchSpec(g, s); });
  }
  int changes = 0;

 private:
  template <typename Fn>
  auto Change(Fn act) -> decltype(act()) {
    if (++changes != at_) return act();
    if (after_) (void)act();
    return core::Status(core::Code::kAborted, "killed");
  }
  testing::FakeCloud& f_;
  int at_;
  bool after_;
};

TEST_F(PatchTest, AKillAtEveryChangeIsResumedToExactlyOneNewSpecEach) {
  std::vector<std::string> groups = {"number-App", "default-App", "lc-App"};
  PatchRequest r;
  r.image = ImageRequest{};
  auto plan = PlanPatch(cloud_.cloud(), groups, r, "op-1", kNow);
  ASSERT_TRUE(plan.ok());
  const auto groups0 = cloud_.groups;
  const auto templates0 = cloud_.templates;
  const auto configurations0 = cloud_.configurations;
  for (int at = 1; at <= 6; ++at) {
    for (bool after : {false, true}) {
      cloud_.groups = groups0;
      cloud_.templates = templates0;
      cloud_.configurations = configurations0;
      journal::MemoryJournal journal;
      KillingSpecs killing(cloud_, at, after);
      cloud::Cloud c = killing.Bundle();
      RunbookOptions o;
      o.operation_id = "op-1";
      o.owner = "me@here:1";
      auto first = StartRunbook(c, clock_, journal, journal::OperationKind::kPatch,
                                journal::GroupResources(groups), PatchPlanToJson(*plan), o);
      std::string where = fmt::format("kill at change {} {}", at, after ? "after" : "before");
      ASSERT_EQ(first.status().code(), core::Code::kAborted) << where;
      auto info = journal.GetRollout("op-1");
      o.owner = "me@here:2";
      o.lease_ttl = std::chrono::seconds(60);
      clock_.Advance(std::chrono::seconds(61));  // the dead rotor's leases lapse
      auto resumed = ResumeRunbook(cloud_.cloud(), clock_, journal, *info, false, false, o);
      ASSERT_TRUE(resumed.ok()) << where << ": " << resumed.status().message();
      EXPECT_EQ(resumed->outcome, runbook::Outcome::kCompleted) << where;
      EXPECT_EQ(cloud_.templates["lt-2"].versions.size(), 2u) << where;
      EXPECT_EQ(cloud_.templates["lt-3"].versions.size(), 2u) << where;
      EXPECT_EQ(cloud_.configurations.size(), 2u) << where;
      EXPECT_EQ(cloud_.groups["number-App"].spec.version, "2") << where;
      EXPECT_EQ(cloud_.templates["lt-3"].default_version, 2) << where;
      EXPECT_EQ(cloud_.groups["lc-App"].spec.configuration_name, "lc-App-20261130T030405") << where;
    }
  }
}

// `rotor rollout abort` on a runbook a dead rotor left: its done steps stay done, its leases go,
// and `rotor rollout rollback` still undoes what was done.
TEST_F(PatchTest, AnAbortedPatchKeepsItsDoneStepsAndRollbackUndoesThem) {
  std::vector<std::string> groups = {"number-App", "lc-App"};
  PatchRequest r;
  r.image = ImageRequest{};
  auto plan = PlanPatch(cloud_.cloud(), groups, r, "op-1", kNow);
  ASSERT_TRUE(plan.ok());
  KillingSpecs killing(cloud_, /*at=*/3, /*after=*/false);  // dies before the third change
  cloud::Cloud c = killing.Bundle();
  RunbookOptions o;
  o.operation_id = "op-1";
  o.owner = "me@here:1";
  ASSERT_EQ(StartRunbook(c, clock_, journal_, journal::OperationKind::kPatch,
                         journal::GroupResources(groups), PatchPlanToJson(*plan), o)
                .status()
                .code(),
            core::Code::kAborted);
  // Done before rotor died: the configuration copied and the group pointed at it.
  EXPECT_EQ(cloud_.groups["lc-App"].spec.configuration_name, "lc-App-20261130T030405");
  clock_.Advance(std::chrono::seconds(61));  // its leases lapse
  o.owner = "me@here:2";
  ASSERT_TRUE(AbortRunbook(journal_, clock_, *journal_.GetRollout("op-1"), false, o).ok());
  auto info = journal_.GetRollout("op-1");
  EXPECT_EQ(info->status, "aborted");
  // Abort changes nothing.
  EXPECT_EQ(cloud_.groups["lc-App"].spec.configuration_name, "lc-App-20261130T030405");
  EXPECT_EQ(cloud_.groups["number-App"].spec.version, "1");
  auto free = journal_.TakeLease("group/number-App", "other@host:3", "op-2", 60s, clock_.Now(),
                                 /*force=*/false);
  // the leases were released
  ASSERT_TRUE(free.ok()) << free.status().message();
  ASSERT_TRUE(journal_.ReleaseLease(*free).ok());
  auto back = ResumeRunbook(cloud_.cloud(), clock_, journal_, *info, /*rollback=*/true, false, o);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->outcome, runbook::Outcome::kRolledBack) << back->reason;
  EXPECT_EQ(cloud_.groups["lc-App"].spec.configuration_name, "lc-App-lc");
  EXPECT_EQ(cloud_.groups["number-App"].spec.version, "1");
  EXPECT_EQ(cloud_.templates["lt-2"].versions.size(), 1u);  // never made
  EXPECT_EQ(journal_.GetRollout("op-1")->status, "rolled_back");
}

}  // namespace
}  // namespace rotor::ops
