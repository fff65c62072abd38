// `rotor update-stack` on the simulated cloud, through the ops layer: rollback after the update
// completed, NoEcho values kept out of the journal, --action-timeout, a rollback that fails,
// capabilities, creation.
#include "ops/update_stack.h"

#include <gtest/gtest.h>

#include <set>

#include "journal/memory_journal.h"
#include "ops/runbooks.h"
#include "sim/scenario.h"
#include "sim/sim_cloud.h"

namespace rotor::ops {
namespace {

using namespace std::chrono_literals;

constexpr char kScenario[] = R"(seed: 5
start: 2026-11-30T09:00:00Z
images:
  - {id: ami-0old, name: app-1, created: 2026-10-01T00:00:00Z}
  - {id: ami-0new, name: app-2, created: 2026-11-01T00:00:00Z}
stacks:
  - name: web-9
    parameters: {ImageId: ami-0old, DbPassword: old-secret-value}
    no_echo: [DbPassword]
    update_time: 90s
    groups:
      - name: web-9-App
        launch_template: {name: web-9-lt, versions: [{param: ImageId}], group_uses: 1}
        zones: [eu-west-1a, eu-west-1b]
        min: 2
        max: 4
        desired: 2
        load_balancers:
          - {type: alb, interval: 10s, healthy_threshold: 2, deregistration_delay: 10s}
)";

class UpdateStackTest : public ::testing::Test {
 protected:
  explicit UpdateStackTest(const std::string& extra = "") {
    auto s = sim::ParseScenario(kScenario + extra, "test.yaml");
    EXPECT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<sim::SimCloud>(*s);
  }

  core::Result<runbook::Report> Update(const StackUpdateRequest& request,
                                       const std::string& id = "op-1") {
    ASSIGN_OR_RETURN(plan_,
                     PlanStackUpdate(sim_->cloud(), sim_->clock(), request, rollout::Policy{}, id));
    RunbookOptions o;
    o.operation_id = id;
    o.owner = "me@here:1";
    o.note = [this](const std::string& line) { notes_.push_back(line); };
    std::vector<std::string> resources = {journal::StackResource(plan_.stack)};
    for (const std::string& r : journal::GroupResources(plan_.roll)) resources.push_back(r);
    return StartRunbook(sim_->cloud(), sim_->clock(), journal_,
                        journal::OperationKind::kUpdateStack, resources,
                        StackUpdatePlanToJson(plan_), o);
  }

  std::string Param(const std::string& key) {
    auto s = sim_->cloud().stacks.ReadSettings("web-9");
    EXPECT_TRUE(s.ok());
    for (const cloud::StackParameter& p : s->parameters) {
      if (p.key == key) return p.value;
    }
    return "";
  }

  // The images the group's members run, and whether any is out of date.
  std::pair<std::set<std::string>, bool> Members() {
    auto g = sim_->cloud().groups.ObserveGroups({"web-9-App"});
    EXPECT_TRUE(g.ok());
    std::set<std::string> images;
    bool behind = false;
    for (const cloud::Instance& i : g->front().instances) {
      images.insert(i.image_id);
      behind |= cloud::IsOutOfDate(g->front(), i);
    }
    return {images, behind};
  }

  StackUpdateRequest Request(ops::Pairs set) {
    StackUpdateRequest r;
    r.stack = "web-9";
    r.set = std::move(set);
    return r;
  }

  std::unique_ptr<sim::SimCloud> sim_;
  journal::MemoryJournal journal_;
  StackUpdatePlan plan_;
  std::vector<std::string> notes_;
};

TEST_F(UpdateStackTest, RollbackAfterCompletionRestoresParametersAndMembers) {
  auto done = Update(Request({{"ImageId", "ami-0new"}}));
  ASSERT_TRUE(done.ok()) << done.status().message();
  ASSERT_EQ(done->outcome, runbook::Outcome::kCompleted);
  EXPECT_EQ(Param("ImageId"), "ami-0new");
  EXPECT_EQ(Members(), (std::pair<std::set<std::string>, bool>{{"ami-0new"}, false}));

  auto info = journal_.GetRollout("op-1");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->kind, journal::OperationKind::kUpdateStack);
  RunbookOptions o;
  o.owner = "me@here:1";
  auto back =
      ResumeRunbook(sim_->cloud(), sim_->clock(), journal_, *info, /*rollback=*/true, false, o);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->outcome, runbook::Outcome::kRolledBack);
  EXPECT_EQ(Param("ImageId"), "ami-0old");
  // CloudFormation made a version with the old image again; the members were rolled onto it.
  EXPECT_EQ(Members(), (std::pair<std::set<std::string>, bool>{{"ami-0old"}, false}));
}

TEST_F(UpdateStackTest, ANoEchoValueNeverReachesTheJournal) {
  auto done = Update(Request({{"DbPassword", "new-secret-value"}}));
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->outcome, runbook::Outcome::kCompleted);
  EXPECT_EQ(Param("DbPassword"), cloud::kMasked);
  std::string everything = StackUpdatePlanToJson(plan_);
  auto records = journal_.Read("op-1");
  ASSERT_TRUE(records.ok());
  for (const journal::Record& r : *records) everything += r.text + r.data;
  everything += journal_.GetRollout("op-1")->policy;
  for (const std::string& n : notes_) everything += n;
  EXPECT_EQ(everything.find("new-secret-value"), std::string::npos);
  EXPECT_EQ(everything.find("old-secret-value"), std::string::npos);
}

TEST_F(UpdateStackTest, AnUpdatePastTheActionTimeoutIsCancelledAndRolledBack) {
  StackUpdateRequest r = Request({{"ImageId", "ami-0new"}});
  r.action_timeout = 30s;  // the stack takes 90 s
  auto done = Update(r);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->outcome, runbook::Outcome::kRolledBack);
  EXPECT_NE(done->reason.find("did not settle within 30s"), std::string::npos) << done->reason;
  EXPECT_EQ(Param("ImageId"), "ami-0old");
  EXPECT_EQ(sim_->cloud().stacks.DescribeStack("web-9")->status, "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_EQ(Members(), (std::pair<std::set<std::string>, bool>{{"ami-0old"}, false}));
}

TEST_F(UpdateStackTest, CapabilitiesAreAcceptedExplicitlyAndStacksCreated) {
  StackUpdateRequest r;
  r.stack = "roles-1";
  r.template_body = R"({"Parameters": {"Env": {"Type": "String"}},
                        "Resources": {"R": {"Type": "AWS::IAM::Role"}}})";
  r.template_file = "roles.json";
  r.set = {{"Env", "prod"}};
  auto refused = PlanStackUpdate(sim_->cloud(), sim_->clock(), r, rollout::Policy{}, "op-2");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("needs CAPABILITY_IAM"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("--capabilities CAPABILITY_IAM"), std::string::npos);
  r.capabilities = {"CAPABILITY_IAM"};
  auto done = Update(r, "op-2");
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->outcome, runbook::Outcome::kCompleted);
  EXPECT_TRUE(plan_.create);
  EXPECT_EQ(sim_->cloud().stacks.DescribeStack("roles-1")->status, "CREATE_COMPLETE");
}

// The plan confirmed is the plan run: what changed in the stack while its plan was shown.
TEST_F(UpdateStackTest, StackChangedSinceNamesWhatChangedAndNoSecret) {
  auto mine = PlanStackUpdate(sim_->cloud(), sim_->clock(), Request({{"ImageId", "ami-0new"}}),
                              rollout::Policy{}, "op-mine");
  ASSERT_TRUE(mine.ok()) << mine.status().message();
  auto nothing = StackChangedSince(sim_->cloud().stacks, *mine);
  ASSERT_TRUE(nothing.ok()) << nothing.status().message();
  EXPECT_TRUE(nothing->empty()) << (*nothing)[0];

  // Someone else changes the password, through a change set of their own, while ours is shown.
  auto theirs =
      PlanStackUpdate(sim_->cloud(), sim_->clock(), Request({{"DbPassword", "their-new-secret"}}),
                      rollout::Policy{}, "op-theirs");
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  ASSERT_TRUE(sim_->cloud().stacks.ApplyChange("web-9", theirs->change_set).ok());
  sim_->clock().SleepFor(120s);
  auto changed = StackChangedSince(sim_->cloud().stacks, *mine);
  ASSERT_TRUE(changed.ok()) << changed.status().message();
  std::string all;
  for (const std::string& line : *changed) all += line + "\n";
  EXPECT_NE(all.find("web-9: CREATE_COMPLETE → UPDATE_COMPLETE"), std::string::npos) << all;
  // AWS (and the simulator) show NoEcho values as ****: the change shows in the stack's status.
  EXPECT_NE(all.find("the plan's change set is gone"), std::string::npos) << all;
  EXPECT_EQ(all.find("secret"), std::string::npos) << all;

  // A stack planned for creation that someone else created meanwhile.
  StackUpdateRequest create;
  create.stack = "web-10";
  create.template_body = R"({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})";
  create.template_file = "q.json";
  auto plan = PlanStackUpdate(sim_->cloud(), sim_->clock(), create, rollout::Policy{}, "op-new");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_TRUE(sim_->cloud()
                  .stacks.CreateStack({"web-10", "", create.template_body, {}, {}, {}, false, ""})
                  .ok());
  auto created = StackChangedSince(sim_->cloud().stacks, *plan);
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->size(), 1u);
  EXPECT_NE(created->front().find("stack web-10 now exists"), std::string::npos);
}

// An endpoint that does not mask NoEcho values (moto): they never reach the description of a
// change, whether the new template, the stack's current one or neither declares them NoEcho.
class Unmasked : public cloud::StacksWrapper {
 public:
  using cloud::StacksWrapper::StacksWrapper;
  core::Result<cloud::StackSettings> ReadSettings(const std::string& name) override {
    auto s = cloud::StacksWrapper::ReadSettings(name);
    if (s.ok()) {
      for (cloud::StackParameter& p : s->parameters) {
        if (p.key == "DbPassword") p.value = password;
      }
    }
    return s;
  }
  std::string password = "rotated-secret-value";
};

TEST_F(UpdateStackTest, ANoEchoValueAnEndpointShowsIsNeverDescribed) {
  auto plan = PlanStackUpdate(sim_->cloud(), sim_->clock(), Request({{"ImageId", "ami-0new"}}),
                              rollout::Policy{}, "op-mine");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->no_echo, std::vector<std::string>{"DbPassword"});
  for (cloud::StackParameter& p : plan->basis.parameters) {
    if (p.key == "DbPassword") p.value = "old-secret-value";  // as such an endpoint gave it
  }
  Unmasked unmasked(sim_->cloud().stacks);
  for (bool declared : {true, false}) {
    SCOPED_TRACE(declared ? "NoEcho in the plan" : "NoEcho only in the stack's template");
    StackUpdatePlan p = *plan;
    if (!declared) p.no_echo.clear();
    auto changed = StackChangedSince(unmasked, p);
    ASSERT_TRUE(changed.ok()) << changed.status().message();
    ASSERT_EQ(changed->size(), 1u);
    EXPECT_EQ(changed->front(), "parameter DbPassword: changed (NoEcho)");
  }
}

class FailingRollbackTest : public UpdateStackTest {
 protected:
  FailingRollbackTest()
      : UpdateStackTest(
            "faults:\n  - {kind: stack_update_failure, stack: web-9, "
            "rollback_fails: true}\n") {}
};

TEST_F(FailingRollbackTest, UpdateRollbackFailedIsExplainedWithTheWayOut) {
  auto done = Update(Request({{"ImageId", "ami-0new"}}));
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_NE(done->outcome, runbook::Outcome::kCompleted);
  EXPECT_NE(done->reason.find("UPDATE_ROLLBACK_FAILED"), std::string::npos) << done->reason;
  EXPECT_NE(done->reason.find("continue-update-rollback --stack-name web-9"), std::string::npos)
      << done->reason;
  // Nothing rolled: the members still run the old image.
  EXPECT_EQ(Members().first, std::set<std::string>{"ami-0old"});
  // A second update is refused with the same way out.
  auto again = PlanStackUpdate(sim_->cloud(), sim_->clock(), Request({{"ImageId", "ami-0new"}}),
                               rollout::Policy{}, "op-3");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("continue-update-rollback"), std::string::npos);
}

TEST(ResolveParameters, PreviousValuesDefaultsAndUnknownKeys) {
  const std::vector<cloud::DeclaredParameter> declared = {
      {"ImageId", "AWS::EC2::Image::Id", std::nullopt, false},
      {"Size", "Number", "3", false},
      {"Password", "String", std::nullopt, true},
  };
  const std::vector<cloud::StackParameter> previous = {{"ImageId", "ami-1", false},
                                                       {"Password", cloud::kMasked, false}};
  struct Row {
    const char* name;
    Pairs given;
    std::vector<cloud::StackParameter> want;
    const char* error;
  };
  const Row rows[] = {
      {"nothing given keeps every previous value and leaves defaults to the template",
       {},
       {{"ImageId", "", true}, {"Password", "", true}},
       nullptr},
      {"a value given replaces the previous one; the last of two wins",
       {{"ImageId", "ami-2"}, {"ImageId", "ami-3"}, {"Size", "5"}},
       {{"ImageId", "ami-3", false}, {"Size", "5", false}, {"Password", "", true}},
       nullptr},
      {"an undeclared key names the declared ones",
       {{"ImageID", "ami-2"}},
       {},
       "parameter 'ImageID' is not declared by the template of stack s (it declares: ImageId, "
       "Size, Password)"},
  };
  for (const Row& r : rows) {
    auto got = ResolveParameters("s", declared, previous, r.given);
    if (r.error) {
      ASSERT_FALSE(got.ok()) << r.name;
      EXPECT_EQ(got.status().message(), r.error) << r.name;
      continue;
    }
    ASSERT_TRUE(got.ok()) << r.name << ": " << got.status().message();
    EXPECT_EQ(*got, r.want) << r.name;
  }
  // A new stack: a key without value or default is an input error naming it.
  auto missing = ResolveParameters("s", declared, {}, {{"ImageId", "ami-1"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("'Password' of stack s has no value"),
            std::string::npos);
}

TEST(DescribeChange, OneLinePerResource) {
  cloud::ResourceChange c{
      "Modify", "AppLT", "lt-0abc", "AWS::EC2::LaunchTemplate", "False", {"ImageId (parameter)"}};
  EXPECT_EQ(DescribeChange(c),
            "Modify AWS::EC2::LaunchTemplate AppLT (lt-0abc), replacement False: ImageId "
            "(parameter)");
  cloud::ResourceChange add{"Add", "Queue", "", "AWS::SQS::Queue", "", {}};
  EXPECT_EQ(DescribeChange(add), "Add AWS::SQS::Queue Queue");
}

}  // namespace
}  // namespace rotor::ops
