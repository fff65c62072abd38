// The planner, one named row per decision: every strategy and every failure branch.
#include "rollout/plan.h"

#include <gtest/gtest.h>

#include "core/strings.h"

namespace rotor::rollout {
namespace {

using namespace std::chrono_literals;
using Kind = Step::Kind;

const core::Time kNow = core::Time(std::chrono::hours(24 * 365 * 56));

Member M(const std::string& id, bool ready = true, bool unhealthy = false) {
  return Member{id, "z-a", kNow - 1h, ready, unhealthy};
}

struct Case {
  Policy policy;
  RolloutState state;
  View view;
};

// Four old members o1..o4 (desired 4, max 8), all ready, rotor's processes already suspended.
Case Base(Strategy strategy = Strategy::kSurge) {
  Case c;
  c.policy.strategy = strategy;
  c.state.group = "g";
  c.state.phase = Phase::kRolling;
  c.state.original = {1, 8, 4, {}, {}};
  c.state.budget = *ComputeBudget(c.policy, 4);
  c.state.victims = {"o1", "o2", "o3", "o4"};
  c.state.initial = {"o1", "o2", "o3", "o4"};
  c.state.surge = strategy == Strategy::kSurge ? 1 : strategy == Strategy::kDouble ? 4 : 0;
  c.state.canary_left = -1;
  c.state.drain = 30s;
  for (const std::string& p : ProcessesToSuspend(strategy)) c.state.suspended_by_us.insert(p);
  c.view.now = kNow;
  c.view.min = 1;
  c.view.max = 8;
  c.view.desired = 4 + c.state.surge;
  c.view.members = {M("o1"), M("o2"), M("o3"), M("o4")};
  return c;
}

// A new member, launched and seen `ago`, ready (or not) for long enough.
void AddNew(Case& c, const std::string& id, bool ready, core::Duration ago = 120s) {
  c.view.members.push_back(M(id, ready));
  c.state.seen[id] = kNow - ago;
  if (ready) c.state.ready_since[id] = kNow - ago / 2;
}

struct Row {
  const char* name;
  std::function<void(Case&)> setup;
  Kind kind;
  std::vector<std::string> ids;
  bool decrement = false;
  std::function<void(const Step&)> more = nullptr;
};

void Check(const Row& r, Strategy strategy) {
  Case c = Base(strategy);
  r.setup(c);
  Step s = NextStep(c.view, c.policy, c.state);
  EXPECT_EQ(s.kind, r.kind) << r.name << ": got " << Describe(s);
  if (!r.ids.empty()) {
    EXPECT_EQ(s.ids, r.ids) << r.name << ": got " << Describe(s);
  }
  EXPECT_EQ(s.decrement, r.decrement) << r.name << ": got " << Describe(s);
  if (r.more) r.more(s);
}

TEST(Plan, Surge) {
  const Row rows[] = {
      {"suspends the three processes first",
       [](Case& c) { c.state.suspended_by_us.clear(); },
       Kind::kSuspend,
       {},
       false,
       [](const Step& s) {
         EXPECT_EQ(s.processes, (std::vector<std::string>{"AZRebalance", "AlarmNotification",
                                                          "ScheduledActions"}));
       }},
      {"leaves processes someone else suspended alone",
       [](Case& c) {
         c.state.suspended_by_us = {"AZRebalance", "AlarmNotification"};
         c.state.original.suspended = {"ScheduledActions"};
       },
       Kind::kWait},
      {"raises desired by the surge",
       [](Case& c) { c.view.desired = 4; },
       Kind::kSetSizes,
       {},
       false,
       [](const Step& s) { EXPECT_EQ(s.sizes.desired, 5); }},
      {"raises max when the surge needs it",
       [](Case& c) {
         c.view.desired = 4;
         c.view.max = 4;
         c.state.original.max = 4;
       },
       Kind::kSetSizes,
       {},
       false,
       [](const Step& s) {
         EXPECT_EQ(s.sizes.max, 5);
         EXPECT_EQ(s.sizes.desired, 5);
       }},
      {"waits for the surge instance", [](Case& c) { AddNew(c, "n1", false, 10s); }, Kind::kWait},
      {"detaches the oldest once a new one is ready",
       [](Case& c) { AddNew(c, "n1", true); },
       Kind::kDetach,
       {"o1"},
       false},
      {"takes a broken victim out without waiting",
       [](Case& c) { c.view.members[2].ready = false; },
       Kind::kDetach,
       {"o3"},
       false},
      {"warm-up holds a fresh instance back",
       [](Case& c) {
         c.policy.warmup = 60s;
         AddNew(c, "n1", true, 20s);
       },
       Kind::kWait},
      {"the last victim leaves with decrement",
       [](Case& c) {
         c.state.removed = {"o1", "o2", "o3"};
         c.view.members = {M("o4")};
         for (const char* n : {"n1", "n2", "n3", "n4"}) AddNew(c, n, true);
       },
       Kind::kDetach,
       {"o4"},
       true},
      {"one drained instance waits to be terminated with the next",
       [](Case& c) { c.state.draining["o0"] = kNow - 1s; }, Kind::kWait},
      {"two drained instances are terminated together",
       [](Case& c) {
         c.state.draining["o0"] = kNow - 61s;
         c.state.draining["o9"] = kNow - 1s;
       },
       Kind::kTerminateDetached,
       {"o0", "o9"}},
      {"a drained instance is terminated after two minutes alone",
       [](Case& c) { c.state.draining["o0"] = kNow - 120s; },
       Kind::kTerminateDetached,
       {"o0"}},
      {"a drained instance is terminated at once when nothing is left to detach",
       [](Case& c) {
         c.state.draining["o0"] = kNow - 1s;
         c.state.removed = {"o1", "o2", "o3", "o4"};
       },
       Kind::kTerminateDetached,
       {"o0"}},
      {"done when nothing remains, drains or boots",
       [](Case& c) {
         c.state.removed = {"o1", "o2", "o3", "o4"};
         c.view.members = {};
         c.view.desired = 4;
         c.state.decrements = 1;
         for (const char* n : {"n1", "n2", "n3", "n4"}) AddNew(c, n, true);
       },
       Kind::kWindUp,
       {},
       false,
       [](const Step& s) { EXPECT_EQ(s.outcome, Outcome::kCompleted); }},
      {"a canary bakes once its instance is ready",
       [](Case& c) {
         c.policy.canary = 1;
         c.policy.bake = 10min;
         c.state.canary_left = 0;
         c.state.removed = {"o1"};
         c.view.members.erase(c.view.members.begin());
         AddNew(c, "n1", true);
       },
       Kind::kBake,
       {},
       false,
       [](const Step& s) { EXPECT_EQ(s.until, kNow + 10min); }},
      {"no more than the canary before the bake",
       [](Case& c) {
         c.policy.canary = 1;
         c.state.canary_left = 1;
         AddNew(c, "n1", true);
         AddNew(c, "n2", true);
       },
       Kind::kDetach,
       {"o1"},
       false},
  };
  for (const Row& r : rows) Check(r, Strategy::kSurge);
}

TEST(Plan, Replace) {
  const Row rows[] = {
      {"deregisters within max-unavailable", [](Case&) {}, Kind::kDeregister, {"o1"}},
      {"waits while one is out",
       [](Case& c) {
         c.state.deregistered = {"o1"};
         c.state.draining["o1"] = kNow + 10s;
         c.view.members[0].ready = false;
       },
       Kind::kWait},
      {"terminates a drained member for replacement",
       [](Case& c) {
         c.state.deregistered = {"o1"};
         c.state.draining["o1"] = kNow - 1s;
         c.view.members[0].ready = false;
       },
       Kind::kTerminate,
       {"o1"},
       false},
      {"--drain 0 terminates at once",
       [](Case& c) { c.policy.drain = 0s; },
       Kind::kTerminate,
       {"o1"},
       false},
  };
  for (const Row& r : rows) Check(r, Strategy::kReplace);
}

TEST(Plan, Double) {
  const Row rows[] = {
      {"raises desired to twice",
       [](Case& c) { c.view.desired = 4; },
       Kind::kSetSizes,
       {},
       false,
       [](const Step& s) { EXPECT_EQ(s.sizes.desired, 8); }},
      {"suspends ReplaceUnhealthy too",
       [](Case& c) { c.state.suspended_by_us.clear(); },
       Kind::kSuspend,
       {},
       false,
       [](const Step& s) { EXPECT_EQ(s.processes.back(), "ReplaceUnhealthy"); }},
      {"waits until every new instance is ready",
       [](Case& c) {
         for (const char* n : {"n1", "n2", "n3"}) AddNew(c, n, true);
         AddNew(c, "n4", false, 30s);
       },
       Kind::kWait},
      {"then takes every old one out with decrement",
       [](Case& c) {
         for (const char* n : {"n1", "n2", "n3", "n4"}) AddNew(c, n, true);
       },
       Kind::kDetach,
       {"o1", "o2", "o3", "o4"},
       true},
  };
  for (const Row& r : rows) Check(r, Strategy::kDouble);
}

TEST(Plan, Failures) {
  const Row rows[] = {
      {"an unhealthy new instance is given up on",
       [](Case& c) {
         AddNew(c, "n1", false);
         c.view.members.back().unhealthy = true;
       },
       Kind::kMarkFailed,
       {"n1"}},
      {"a given-up instance is terminated, to be replaced",
       [](Case& c) {
         AddNew(c, "n1", false);
         c.state.failed = {"n1"};
       },
       Kind::kTerminate,
       {"n1"},
       false},
      {"too many failed launches roll back",
       [](Case& c) {
         c.state.failed_launches = 4;
         AddNew(c, "n2", false, 5s);
       },
       Kind::kWindUp,
       {"n2"},
       false,
       [](const Step& s) {
         EXPECT_EQ(s.outcome, Outcome::kRolledBack);
         EXPECT_NE(s.reason.find("--max-failed-launches 3"), std::string::npos);
       }},
      {"not ready within the health timeout rolls back",
       [](Case& c) { AddNew(c, "n1", false, 11min); },
       Kind::kWindUp,
       {"n1"},
       false,
       [](const Step& s) {
         EXPECT_EQ(s.outcome, Outcome::kRolledBack);
         EXPECT_NE(s.reason.find("--health-timeout 600s"), std::string::npos);
       }},
      {"the deadline passing pauses with --on-failure pause",
       [](Case& c) {
         c.policy.on_failure = OnFailure::kPause;
         c.state.deadline = kNow - 1s;
       },
       Kind::kWindUp,
       {},
       false,
       [](const Step& s) { EXPECT_EQ(s.outcome, Outcome::kPaused); }},
      {"--on-failure abort",
       [](Case& c) {
         c.policy.on_failure = OnFailure::kAbort;
         c.state.error = "detach o1: ValidationError";
       },
       Kind::kWindUp,
       {},
       false,
       [](const Step& s) {
         EXPECT_EQ(s.outcome, Outcome::kAborted);
         EXPECT_EQ(s.reason, "detach o1: ValidationError");
       }},
      {"a failure while rolling back pauses for a person",
       [](Case& c) {
         c.state.phase = Phase::kRollingBack;
         c.state.victims = {"n9"};
         AddNew(c, "b1", false, 11min);
       },
       Kind::kWindUp,
       {},
       false,
       [](const Step& s) {
         EXPECT_EQ(s.outcome, Outcome::kPaused);
         EXPECT_NE(s.reason.find("rollback could not finish"), std::string::npos);
       }},
      {"launches that never come fail the rollout",
       [](Case& c) { c.state.expected_launches = {kNow - 11min}; }, Kind::kWindUp},
      {"Ctrl-C winds up as an abort",
       [](Case& c) { c.state.interrupted = true; },
       Kind::kWindUp,
       {},
       false,
       [](const Step& s) {
         EXPECT_EQ(s.outcome, Outcome::kAborted);
         EXPECT_NE(s.reason.find("interrupted"), std::string::npos);
       }},
      {"paused finishes at once, leaving everything as it is",
       [](Case& c) { c.state.outcome = Outcome::kPaused; },
       Kind::kFinish,
       {},
       false,
       [](const Step& s) { EXPECT_EQ(s.outcome, Outcome::kPaused); }},
      {"winding up restores the group before waiting for drains",
       [](Case& c) {
         c.state.outcome = Outcome::kAborted;
         c.state.draining["o1"] = kNow + 20s;
       },
       Kind::kResume},
      {"winding up resumes only what rotor suspended",
       [](Case& c) {
         c.state.outcome = Outcome::kAborted;
         c.state.original.suspended = {"Launch"};
       },
       Kind::kResume,
       {},
       false,
       [](const Step& s) {
         EXPECT_EQ(s.processes, (std::vector<std::string>{"AZRebalance", "AlarmNotification",
                                                          "ScheduledActions"}));
       }},
      {"then restores the original sizes",
       [](Case& c) {
         c.state.outcome = Outcome::kAborted;
         c.state.suspended_by_us.clear();
       },
       Kind::kSetSizes,
       {},
       false,
       [](const Step& s) {
         EXPECT_EQ(s.sizes.min, 1);
         EXPECT_EQ(s.sizes.max, 8);
         EXPECT_EQ(s.sizes.desired, 4);
       }},
      {"and waits for drains before finishing",
       [](Case& c) {
         c.state.outcome = Outcome::kCompleted;
         c.state.suspended_by_us.clear();
         c.view.desired = 4;
         c.state.draining["o1"] = kNow + 20s;
       },
       Kind::kWait,
       {},
       false,
       [](const Step& s) { EXPECT_FALSE(s.observe); }},
  };
  for (const Row& r : rows) Check(r, Strategy::kSurge);
}

TEST(Plan, WaitsUntilTheNextInterestingMoment) {
  Case c = Base();
  c.state.expected_launches = {kNow};
  Step s = NextStep(c.view, c.policy, c.state);
  ASSERT_EQ(s.kind, Kind::kWait);
  EXPECT_EQ(s.until, kNow + 2s);  // no boot seen yet: look early, then back off
  c.view.now = kNow + 2s;
  EXPECT_EQ(NextStep(c.view, c.policy, c.state).until, kNow + 4s);
  c.view.now = kNow + 16s;
  EXPECT_EQ(NextStep(c.view, c.policy, c.state).until, kNow + 32s);
  c.view.now = kNow + 32s;
  EXPECT_EQ(NextStep(c.view, c.policy, c.state).until, kNow + 60s);  // the 60 s guess
  c.view.now = kNow;
  c.state.boot_samples = {25s, 26s, 90s};
  s = NextStep(c.view, c.policy, c.state);
  EXPECT_EQ(s.until, kNow + 26s);  // the median of the boots seen so far
  EXPECT_TRUE(s.observe);
  c.state.expected_launches.clear();
  c.state.draining["o9"] = kNow + 7s;
  s = NextStep(c.view, c.policy, c.state);
  EXPECT_EQ(s.until, kNow + 7s);
  EXPECT_FALSE(s.observe);  // a drain ends on time: nothing to look at
  c.state.draining["o9"] = kNow + 1s;
  EXPECT_EQ(NextStep(c.view, c.policy, c.state).until, kNow + 2s);  // never sooner than 2 s
}

TEST(Plan, VictimOrder) {
  cloud::Group g;
  g.spec.kind = cloud::LaunchSpec::Kind::kConfiguration;
  g.spec.configuration_name = "new";
  auto add = [&](const std::string& id, const std::string& zone, int age_h, bool old) {
    cloud::Instance i;
    i.id = id;
    i.zone = zone;
    i.launch_time = kNow - std::chrono::hours(age_h);
    i.spec.kind = cloud::LaunchSpec::Kind::kConfiguration;
    i.spec.configuration_name = old ? "old" : "new";
    g.instances.push_back(i);
  };
  add("i-c", "a", 5, true);
  add("i-a", "a", 9, true);
  add("i-b", "a", 7, true);
  add("i-d", "b", 8, true);
  add("i-e", "b", 1, false);
  Policy p;
  EXPECT_EQ(OrderVictims(g, p), (std::vector<std::string>{"i-a", "i-d", "i-b", "i-c"}));
  p.order = Order::kId;
  EXPECT_EQ(OrderVictims(g, p), (std::vector<std::string>{"i-a", "i-b", "i-c", "i-d"}));
  p.order = Order::kAzBalanced;  // zone a has 3 to go, b 1: a, a, then alternate
  EXPECT_EQ(OrderVictims(g, p), (std::vector<std::string>{"i-a", "i-b", "i-d", "i-c"}));
  p.all = true;
  p.order = Order::kOldest;
  EXPECT_EQ(OrderVictims(g, p).size(), 5u);
}

TEST(Plan, BeginRefusesWhatCannotWork) {
  cloud::Group g;
  g.name = "g";
  g.desired = 2;
  g.max_size = 2;
  g.suspended_processes = {"Launch"};
  auto blocked = Begin(g, Policy{}, kNow);
  EXPECT_EQ(blocked.status().code(), core::Code::kBlocked);
  EXPECT_NE(blocked.status().message().find("the Launch process is suspended by someone else"),
            std::string::npos);
  g.suspended_processes.clear();
  cloud::Instance old;
  old.id = "o";
  old.image_id = "ami-old";
  g.spec.image_id = "ami-new";
  g.instances = {old, old};
  Policy capped;
  capped.max_size_cap = 2;
  auto no_room = Begin(g, capped, kNow);
  EXPECT_EQ(no_room.status().code(), core::Code::kBlocked);
  EXPECT_NE(no_room.status().message().find("--max-size-cap 2 leaves no room"), std::string::npos);
}

}  // namespace
}  // namespace rotor::rollout
