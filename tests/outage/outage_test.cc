// AWS out of reach mid-rollout (issue 10): the simulator cuts an endpoint off (endpoint_outage)
// during waits and at every act of a rollout and of its wind-up. A short outage is ridden out
// with capped exponential back-off and the rollout completes; a long one pauses the rollout
// (nothing more changed, the journal resumable) and `rotor rollout resume` finishes it once AWS
// is back. After every record: I8 (bounded records, no reason nested in another); over the run:
// I9 (requests per second within the ceiling); and I1–I4 as in the property tests.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "cli/invariants.h"
#include "cli/journal_watch.h"
#include "core/rng.h"
#include "journal/memory_journal.h"
#include "ops/rollouts.h"
#include "property/scenarios.h"
#include "sim/sim_cloud.h"

namespace rotor {
namespace {

using namespace std::chrono_literals;

struct Outage {
  std::string service = "*";
  int at_step = 0;       // begins at this change (0: at `at`)
  core::Duration at{0};  // since the start
  core::Duration length{0};
};

// The property tests' scenario for a seed; `faults`: keep its random faults (failing boots,
// terminations, throttling...) or drop them so that the rollout would complete.
sim::Scenario ScenarioFor(uint64_t seed, core::Rng& r, int* desired, bool faults) {
  std::string text = Scenario(seed, r, desired);
  if (!faults) text = text.substr(0, text.find("faults:"));
  auto scenario = sim::ParseScenario(text, fmt::format("seed-{}.yaml", seed));
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  return scenario.ok() ? *scenario : sim::Scenario{};
}

struct OutageRun {
  bool hit = false;  // the outage began while rotor still had work to do
  rollout::Outcome first = rollout::Outcome::kNone;
  std::string first_reason;
  rollout::Outcome last = rollout::Outcome::kNone;  // after a resume, when the first paused
  int retries = 0;                                  // "retry" records
  std::vector<std::string> retry_texts;
  size_t records = 0;
  std::string problems;  // empty: every invariant held
};

OutageRun RunWithOutage(uint64_t seed, rollout::Strategy strategy, const Outage& outage,
                        bool faults, bool random_policy = true) {
  core::SeededRng r(seed * 7919 + static_cast<int>(strategy));
  int desired = 0;
  sim::Scenario scenario = ScenarioFor(seed, r, &desired, faults);
  sim::Fault f;
  f.kind = sim::Fault::Kind::kEndpointOutage;
  f.service = outage.service;
  f.after_steps = outage.at_step;
  f.at = outage.at;
  f.length = outage.length;
  scenario.faults.push_back(f);
  sim::SimCloud sim(scenario);
  std::vector<cloud::Group> before = sim.Peek();
  rollout::Policy p;
  p.strategy = strategy;
  if (random_policy) p = RandomPolicy(r, strategy, desired);
  OutageRun run;
  auto fail = [&](const std::string& why) { run.problems += why + "; "; };
  journal::MemoryJournal memory;
  // An I8 violation stops the run at once: today's bug would otherwise spin for ever.
  cli::WatchedJournal journal(
      memory, [&] { return sim.instances_known(); },
      [&](std::string v) {
        fail(v);
        return false;
      });
  cli::InvariantChecker checker(sim);
  ops::RespawnOptions ro;
  ro.rollout_id = "r-outage";
  ro.owner = "ops@test:1";
  Watch(ro, checker, sim, getenv("ROTOR_OUTAGE_SEED") != nullptr);
  auto plan = ops::PlanRespawn(sim.cloud(), {"s", "", "", ""}, p, sim.clock().Now());
  if (!plan.ok()) {
    fail("plan: " + plan.status().message());
    return run;
  }
  auto first = ops::Respawn(sim.cloud(), sim.clock(), journal, *plan, p, ro);
  if (!first.ok()) {
    fail("respawn: " + first.status().message());
    return run;
  }
  run.hit = sim.TraceText().find("endpoint_outage") != std::string::npos;
  run.first = run.last = first->outcome;
  if (!first->groups.empty()) run.first_reason = first->groups.back().reason;
  if (first->outcome == rollout::Outcome::kPaused) {
    // The operator runs `rotor rollout resume` once AWS is back.
    sim.clock().SleepUntil(sim.clock().Now() + outage.length + outage.at);
    auto detail = ops::LoadRollout(journal, "r-outage");
    if (!detail.ok()) {
      fail("load: " + detail.status().message());
      return run;
    }
    auto second = ops::ResumeRollout(sim.cloud(), sim.clock(), journal, *detail,
                                     ops::ResumeMode::kContinue, false, ro);
    if (!second.ok()) {
      fail("resume: " + second.status().message());
      return run;
    }
    run.last = second->outcome;
  }
  sim.clock().SleepUntil(sim.clock().Now() + 10min);  // the last drains and shutdowns
  for (const std::string& v : sim.violations()) fail(v);
  for (const std::string& v : cli::RequestRateViolations(sim)) fail(v);
  if (run.last != rollout::Outcome::kCompleted && run.last != rollout::Outcome::kRolledBack) {
    fail(fmt::format("ended {}", rollout::OutcomeName(run.last)));
  } else {
    for (const std::string& v : cli::SizeAndProcessViolations(before, {sim.Peek()[0]})) fail(v);
  }
  for (const journal::Record& rec : memory.records()) {
    if (rec.kind != journal::RecordKind::kRetry) continue;
    ++run.retries;
    run.retry_texts.push_back(rec.text);
  }
  run.records = memory.records().size();
  return run;
}

// How many changes a clean rollout of the seed makes: the outage is set at each of them.
int ChangesOf(uint64_t seed, rollout::Strategy strategy) {
  core::SeededRng r(seed * 7919 + static_cast<int>(strategy));
  int desired = 0;
  sim::SimCloud sim(ScenarioFor(seed, r, &desired, false));
  rollout::Policy p;
  p.strategy = strategy;
  journal::MemoryJournal journal;
  ops::RespawnOptions ro;
  ro.rollout_id = "r-count";
  auto plan = ops::PlanRespawn(sim.cloud(), {"s", "", "", ""}, p, sim.clock().Now());
  EXPECT_TRUE(plan.ok());
  if (!plan.ok()) return 0;
  EXPECT_TRUE(ops::Respawn(sim.cloud(), sim.clock(), journal, *plan, p, ro).ok());
  return sim.changes();
}

class Outages : public ::testing::TestWithParam<rollout::Strategy> {};

// An outage of a minute or so at any change: rotor waits it out (5 s, 10 s, 20 s, ...) and
// the rollout completes, every invariant holding.
TEST_P(Outages, AShortOutageAtAnyChangeIsRiddenOut) {
  int hit = 0;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    int changes = ChangesOf(seed, GetParam());
    for (int k = 1; k <= changes; ++k) {
      core::SeededRng r(seed * 31 + k);
      const char* services[] = {"*", "autoscaling", "ec2"};
      Outage o{services[k % 3], k, 0s,
               std::chrono::seconds(30 + static_cast<int>(r.Uniform01() * 120))};
      OutageRun run = RunWithOutage(seed, GetParam(), o, false, false);
      if (!run.hit) continue;
      ++hit;
      std::string where = fmt::format("seed {} outage of {} at change {}", seed, o.service, k);
      EXPECT_EQ(run.problems, "") << where;
      EXPECT_EQ(run.first, rollout::Outcome::kCompleted) << where << ": " << run.first_reason;
      EXPECT_LE(run.retries, 10) << where;  // 5+10+20+40+80 s cover the longest outage
    }
  }
  EXPECT_GT(hit, 40);
}

// An outage longer than --unreachable-timeout (30 min) at any change: the rollout pauses with
// a bounded journal and a message saying so; resumed once AWS is back, it completes.
TEST_P(Outages, ALongOutageAtAnyChangePausesAndResumes) {
  int hit = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    int changes = ChangesOf(seed, GetParam());
    for (int k = 1; k <= changes; ++k) {
      Outage o{k % 2 ? "*" : "autoscaling", k, 0s, 3h};
      OutageRun run = RunWithOutage(seed, GetParam(), o, false, false);
      if (!run.hit) continue;
      ++hit;
      std::string where = fmt::format("seed {} outage of {} at change {}", seed, o.service, k);
      EXPECT_EQ(run.problems, "") << where;
      EXPECT_EQ(run.first, rollout::Outcome::kPaused) << where << ": " << run.first_reason;
      EXPECT_NE(run.first_reason.find("AWS unreachable since"), std::string::npos) << where;
      EXPECT_NE(run.first_reason.find("rotor rollout resume r-outage"), std::string::npos);
      EXPECT_EQ(run.last, rollout::Outcome::kCompleted) << where;
      // 30 minutes of back-off: 5, 10, 20, 40, 80, 160 s, then every 5 minutes.
      EXPECT_LE(run.retries, 12) << where;
      EXPECT_GE(run.retries, 8) << where;
      EXPECT_LE(run.records, static_cast<size_t>(4 * changes + 3 * run.retries + 16)) << where;
    }
  }
  EXPECT_GT(hit, 20);
}

// The back-off as the journal and the display show it: 5 s doubling, attempt numbers counting.
TEST(Outage, RetriesAreSpacedFiveSecondsDoubling) {
  OutageRun run = RunWithOutage(3, rollout::Strategy::kSurge, {"*", 2, 0s, 3h}, false, false);
  ASSERT_TRUE(run.hit);
  ASSERT_GE(run.retry_texts.size(), 8u);
  const char* want[] = {"retrying in 5s (attempt 2)",  "retrying in 10s (attempt 3)",
                        "retrying in 20s (attempt 4)", "retrying in 40s (attempt 5)",
                        "retrying in 80s (attempt 6)", "retrying in 160s (attempt 7)",
                        "retrying in 300s (attempt 8)"};
  for (size_t i = 0; i < std::size(want); ++i) {
    EXPECT_NE(run.retry_texts[i].find(want[i]), std::string::npos) << run.retry_texts[i];
    EXPECT_NE(run.retry_texts[i].find("Ctrl-C to pause"), std::string::npos);
    EXPECT_LE(run.retry_texts[i].size(), 1024u);
  }
}

// Ctrl-C while AWS keeps failing (the retry line says "Ctrl-C to pause"): rotor pauses at once,
// whatever the person would choose while rolling, and never spins on an interrupt it did not
// clear (the terminal's flag stays set until handled).
TEST(Outage, CtrlCWhileFailingPauses) {
  core::SeededRng r(3 * 7919);
  int desired = 0;
  sim::Scenario scenario = ScenarioFor(3, r, &desired, false);
  sim::Fault f;
  f.kind = sim::Fault::Kind::kEndpointOutage;
  f.service = "*";
  f.after_steps = 2;
  f.length = 3h;
  scenario.faults.push_back(f);
  sim::SimCloud sim(scenario);
  journal::MemoryJournal memory;
  std::vector<std::string> violations;
  cli::WatchedJournal journal(
      memory, [&] { return sim.instances_known(); },
      [&](std::string v) {
        violations.push_back(v);
        return false;
      });
  rollout::Policy p;
  ops::RespawnOptions ro;
  ro.rollout_id = "r-ctrl-c";
  int retries = 0, asked = 0;
  ro.on_event = [&](const rollout::Event& e) { retries += e.phase == "waiting for AWS"; };
  ro.interrupted = [&] { return retries >= 2; };  // pressed during the second wait, never cleared
  ro.on_interrupt = [&] {
    ++asked;
    return rollout::Outcome::kRolledBack;
  };
  auto plan = ops::PlanRespawn(sim.cloud(), {"s", "", "", ""}, p, sim.clock().Now());
  ASSERT_TRUE(plan.ok());
  auto done = ops::Respawn(sim.cloud(), sim.clock(), journal, *plan, p, ro);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->outcome, rollout::Outcome::kPaused);
  EXPECT_EQ(asked, 0);  // no choice offered while AWS is out of reach
  EXPECT_EQ(retries, 2);
  EXPECT_EQ(violations, std::vector<std::string>{});
  EXPECT_LT(memory.records().size(), 20u);
}

// Random faults (failing boots, terminations by others, throttling, zone outages) and a random
// outage of random length, at a random change or time: rollouts and their wind-ups meet the
// outage; whatever happens, the invariants hold and the rollout ends completed or rolled back,
// after a resume where it paused.
TEST_P(Outages, InvariantsHoldAcrossSeedsFaultsAndOutages) {
  int failures = 0, paused = 0, hit = 0;
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    core::SeededRng r(seed * 104729);
    Outage o;
    const char* services[] = {"*", "autoscaling", "ec2", "elb"};
    o.service = services[static_cast<int>(r.Uniform01() * 4)];
    if (r.Uniform01() < 0.5) {
      o.at_step = 1 + static_cast<int>(r.Uniform01() * 12);
    } else {
      o.at = std::chrono::seconds(static_cast<int>(r.Uniform01() * 900));  // often mid-wait
    }
    o.length = r.Uniform01() < 0.6
                   ? std::chrono::seconds(10 + static_cast<int>(r.Uniform01() * 600))
                   : std::chrono::minutes(31 + static_cast<int>(r.Uniform01() * 120));
    OutageRun run = RunWithOutage(seed, GetParam(), o, true);
    hit += run.hit;
    paused += run.first == rollout::Outcome::kPaused;
    if (!run.problems.empty() && ++failures <= 10) {
      ADD_FAILURE() << fmt::format("seed {} outage of {} at {} / change {} for {}s: {}", seed,
                                   o.service, o.at.count() / 1000, o.at_step,
                                   o.length.count() / 1000, run.problems);
    }
  }
  EXPECT_EQ(failures, 0);
  std::cout << fmt::format("  {} outages met a rollout, {} paused it\n", hit, paused);
  EXPECT_GT(hit, 100);
  EXPECT_GT(paused, 20);
}

// AWS carries out the k-th change but its answer never comes back (a timeout, a 5xx from a
// proxy): rotor must not take the failure at its word. The intent stays open and is settled by
// looking at the group, as after a crash: nothing detached or terminated twice, nothing left
// running outside the group, sizes and processes restored.
class LostAnswer final : public cloud::GroupChangesWrapper, public cloud::InstancesWrapper {
 public:
  LostAnswer(sim::SimCloud& sim, int k)
      : GroupChangesWrapper(sim.cloud().group_changes),
        InstancesWrapper(sim.cloud().instances),
        sim_(sim),
        k_(k) {}
  cloud::Cloud& cloud() { return bundle_; }
  bool lost = false;
  std::map<std::string, int> detached, terminated;  // calls carried out, per instance

  core::Status SetSizes(const std::string& g, const cloud::Sizes& s) override {
    return Change([&] { return sim_.cloud().group_changes.SetSizes(g, s); });
  }
  core::Status SetLaunchSpec(const std::string& g, const cloud::LaunchSpec& s) override {
    return Change([&] { return sim_.cloud().group_changes.SetLaunchSpec(g, s); });
  }
  core::Status SuspendProcesses(const std::string& g, const std::vector<std::string>& p) override {
    return Change([&] { return sim_.cloud().group_changes.SuspendProcesses(g, p); });
  }
  core::Status ResumeProcesses(const std::string& g, const std::vector<std::string>& p) override {
    return Change([&] { return sim_.cloud().group_changes.ResumeProcesses(g, p); });
  }
  core::Status TerminateInstance(const std::string& id, bool decrement) override {
    return Change([&] {
      return Count(sim_.cloud().group_changes.TerminateInstance(id, decrement), terminated, {id});
    });
  }
  core::Status DetachInstances(const std::string& g, const std::vector<std::string>& ids,
                               bool decrement) override {
    return Change([&] {
      return Count(sim_.cloud().group_changes.DetachInstances(g, ids, decrement), detached, ids);
    });
  }
  core::Status Deregister(const std::string& g, const std::vector<std::string>& ids) override {
    return Change([&] { return sim_.cloud().group_changes.Deregister(g, ids); });
  }
  core::Status TerminateInstances(const std::vector<std::string>& ids) override {
    std::vector<std::string> alive;  // terminating one already gone changes nothing
    auto listed = sim_.cloud().instances.ListInstances(ids);
    for (const cloud::Instance& i : listed.ok() ? *listed : std::vector<cloud::Instance>{}) {
      alive.push_back(i.id);
    }
    return Change(
        [&] { return Count(sim_.cloud().instances.TerminateInstances(ids), terminated, alive); });
  }

 private:
  template <typename Fn>
  core::Status Change(Fn&& act) {
    core::Status done = act();
    if (++changes_ != k_ || !done.ok()) return done;
    lost = true;
    return core::Status(core::Code::kDeadlineExceeded, "no answer within 60 s (timed out)")
        .set_retryable(true);
  }
  static core::Status Count(core::Status s, std::map<std::string, int>& log,
                            const std::vector<std::string>& ids) {
    if (s.ok()) {
      for (const std::string& id : ids) ++log[id];
    }
    return s;
  }

  sim::SimCloud& sim_;
  int k_;
  int changes_ = 0;
  cloud::Cloud bundle_{.groups = sim_.cloud().groups,
                       .group_changes = *this,
                       .instances = *this,
                       .images = sim_.cloud().images,
                       .launch_specs = sim_.cloud().launch_specs,
                       .stacks = sim_.cloud().stacks,
                       .addresses = sim_.cloud().addresses,
                       .dns = sim_.cloud().dns,
                       .volumes = sim_.cloud().volumes};
};

TEST_P(Outages, AnAnswerLostAfterTheChangeIsSettledByLooking) {
  int lost = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    for (int k = 1; k <= 16; ++k) {
      core::SeededRng r(seed * 7919 + static_cast<int>(GetParam()));
      int desired = 0;
      sim::SimCloud sim(ScenarioFor(seed, r, &desired, false));
      std::vector<cloud::Group> before = sim.Peek();
      LostAnswer cloud(sim, k);
      rollout::Policy p;
      p.strategy = GetParam();
      journal::MemoryJournal journal;
      cli::InvariantChecker checker(sim);
      ops::RespawnOptions ro;
      ro.rollout_id = "r-lost";
      Watch(ro, checker, sim, false);
      auto plan = ops::PlanRespawn(cloud.cloud(), {"s", "", "", ""}, p, sim.clock().Now());
      ASSERT_TRUE(plan.ok()) << plan.status().message();
      auto done = ops::Respawn(cloud.cloud(), sim.clock(), journal, *plan, p, ro);
      if (!cloud.lost) continue;
      ++lost;
      std::string where = fmt::format("seed {} answer lost at change {}", seed, k);
      ASSERT_TRUE(done.ok()) << where << ": " << done.status().message();
      EXPECT_EQ(done->outcome, rollout::Outcome::kCompleted) << where;
      sim.clock().SleepUntil(sim.clock().Now() + 10min);
      EXPECT_EQ(sim.violations(), std::vector<std::string>{}) << where;
      EXPECT_EQ(cli::SizeAndProcessViolations(before, {sim.Peek()[0]}), std::vector<std::string>{})
          << where;
      std::set<std::string> members;
      const std::vector<cloud::Group> now = sim.Peek();
      for (const cloud::Instance& i : now[0].instances) members.insert(i.id);
      auto running = sim.cloud().instances.ListInstances({});
      ASSERT_TRUE(running.ok());
      for (const cloud::Instance& i : *running) {
        EXPECT_TRUE(members.count(i.id)) << where << ": " << i.id << " runs outside the group";
      }
      for (const auto* log : {&cloud.detached, &cloud.terminated}) {
        for (const auto& [id, n] : *log) EXPECT_EQ(n, 1) << where << ": " << id;
      }
    }
  }
  EXPECT_GT(lost, 40);
}

INSTANTIATE_TEST_SUITE_P(Strategies, Outages,
                         ::testing::Values(rollout::Strategy::kSurge, rollout::Strategy::kReplace,
                                           rollout::Strategy::kDouble),
                         [](const auto& info) {
                           return std::string(rollout::StrategyName(info.param));
                         });

}  // namespace
}  // namespace rotor
