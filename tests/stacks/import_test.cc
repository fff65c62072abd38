// What `rotor import` reports it could not recreate: an exported stack compared, group by group,
// with a stack here (the exported one itself, so that every difference is one the test makes).
#include <gtest/gtest.h>

#include "ops/export_import.h"
#include "sim/scenario.h"
#include "sim/sim_cloud.h"

namespace rotor::ops {
namespace {

constexpr char kScenario[] = R"(seed: 5
start: 2026-11-30T09:00:00Z
images:
  - {id: ami-0old, name: app-1, created: 2026-10-01T00:00:00Z}
stacks:
  - name: web-9
    parameters: {ImageId: ami-0old, DbPassword: old-secret-value}
    no_echo: [DbPassword]
    groups:
      - name: web-9-App
        launch_template: {name: web-9-lt, versions: [{param: ImageId}], group_uses: 1}
        zones: [eu-west-1a, eu-west-1b]
        min: 2
        max: 4
        desired: 2
  - name: api-3
    parameters: {ImageId: ami-0old}
    groups:
      - name: api-3-Api
        launch_configuration: {name: api-3-lc, image: {param: ImageId}}
        zones: [eu-west-1a]
        min: 1
        max: 2
        desired: 1
)";

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = sim::ParseScenario(kScenario, "import.yaml");
    ASSERT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<sim::SimCloud>(*s);
  }
  cloud::Cloud& c() { return sim_->cloud(); }

  // web-9 exported now, and the plan to import it under `name`.
  std::pair<Bundle, ImportPlan> Exported(const std::string& name) {
    auto e = ExportStack(c(), "web-9", "eu-west-1");
    EXPECT_TRUE(e.ok()) << e.status().message();
    Bundle b;
    b.files = e->files;
    auto p = PlanImport(c(), b, "web-9.tgz", {name, {{"DbPassword", "x"}}, {}});
    EXPECT_TRUE(p.ok()) << p.status().message();
    return {b, *p};
  }
  std::vector<std::string> Missing(const Bundle& b, const ImportPlan& p) {
    auto lines = NotRecreated(c(), b, p);
    EXPECT_TRUE(lines.ok()) << lines.status().message();
    return lines.ok() ? *lines : std::vector<std::string>{"(failed)"};
  }

  std::unique_ptr<sim::SimCloud> sim_;
};

TEST_F(ImportTest, AStackLikeTheExportedOneLacksNothing) {
  auto [bundle, plan] = Exported("web-9");
  EXPECT_TRUE(plan.notes.empty());
  EXPECT_EQ(Missing(bundle, plan), std::vector<std::string>{});
}

// Sizes changed and processes suspended after the export, a hook gone: each named.
TEST_F(ImportTest, WhatDiffersIsNamedGroupByGroup) {
  ASSERT_TRUE(c().group_changes.SuspendProcesses("web-9-App", {"AZRebalance"}).ok());
  auto [bundle, plan] = Exported("web-9");
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_NE(plan.notes[0].find("group web9App: processes AZRebalance were suspended"),
            std::string::npos)
      << plan.notes[0];
  ASSERT_TRUE(c().group_changes.ResumeProcesses("web-9-App", {"AZRebalance"}).ok());
  ASSERT_TRUE(c().group_changes.SetSizes("web-9-App", {1, 3, 1}).ok());
  EXPECT_EQ(Missing(bundle, plan),
            (std::vector<std::string>{
                "group web9App (web-9-App): min size 1 here, 2 when exported",
                "group web9App (web-9-App): max size 3 here, 4 when exported",
                "group web9App (web-9-App): desired size 1 here, 2 when exported",
                "group web9App (web-9-App): processes AZRebalance were suspended when exported (no "
                "template suspends them)"}));
}

// A stack here without the exported groups (the template no longer makes them).
TEST_F(ImportTest, AGroupNotCreatedIsNamed) {
  auto [bundle, plan] = Exported("api-3");
  EXPECT_EQ(
      Missing(bundle, plan),
      std::vector<std::string>{"group web9App: not among the groups of the stack created here"});
  plan.stack = "web-99";
  EXPECT_EQ(NotRecreated(c(), bundle, plan).status().code(), core::Code::kNotFound);
}

}  // namespace
}  // namespace rotor::ops
