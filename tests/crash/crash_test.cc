// Crash tests (issue 5, invariant I5): the process dies at the k-th change — before it reaches
// the cloud (between intent and act), after it did (between act and outcome), or at the k-th
// poll (in the middle of waiting) — the world goes on for a while, and `rotor rollout resume`
// from another "process" finishes the job. Afterwards I1–I4 hold as they would without the
// crash, and no instance was detached or terminated twice. A power loss after the k-th change
// also loses every record after the last durable one (what SQLite's synchronous=NORMAL risks):
// then only terminations of instances already gone may be repeated.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli/invariants.h"
#include "core/rng.h"
#include "journal/memory_journal.h"
#include "ops/rollouts.h"
#include "property/scenarios.h"
#include "sim/sim_cloud.h"

namespace rotor {
namespace {

enum class CrashAt { kBeforeAct, kAfterAct, kWhileWaiting, kPowerLoss };

const char* CrashName(CrashAt c) {
  switch (c) {
    case CrashAt::kBeforeAct:
      return "before-act";
    case CrashAt::kAfterAct:
      return "after-act";
    case CrashAt::kWhileWaiting:
      return "wait";
    case CrashAt::kPowerLoss:
      return "power-loss";
  }
  return "?";
}

// The simulated cloud seen by a process that dies at one chosen moment; every change that got
// through is logged per instance. Polls and changes are intercepted; the rest is the
// simulator's own (the capability wrappers forward it).
class CrashingCloud final : public cloud::GroupsWrapper,
                            public cloud::GroupChangesWrapper,
                            public cloud::InstancesWrapper {
 public:
  CrashingCloud(sim::SimCloud& sim, CrashAt at, int k)
      : GroupsWrapper(sim.cloud().groups),
        GroupChangesWrapper(sim.cloud().group_changes),
        InstancesWrapper(sim.cloud().instances),
        sim_(sim),
        at_(at),
        k_(k) {}
  cloud::Cloud& cloud() { return bundle_; }
  bool crashed() const { return crashed_; }
  void Disarm() {  // the next process: nothing kills it
    k_ = -1;
    crashed_ = false;
  }
  std::map<std::string, int> detached, terminated;  // successful calls per instance
  // The next EC2 terminate finds its first instance terminated by other hands and forgotten
  // (as EC2 forgets after about an hour): every call naming it is refused whole.
  bool forget_next_terminated = false;
  std::set<std::string> forgotten;

  core::Result<std::vector<cloud::Group>> PollGroups(const std::vector<std::string>& n) override {
    if (at_ == CrashAt::kWhileWaiting && ++polls_ == k_) return Die();
    return sim_.cloud().groups.PollGroups(n);
  }

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
      return Log(sim_.cloud().group_changes.TerminateInstance(id, decrement), terminated, {id});
    });
  }
  core::Status DetachInstances(const std::string& g, const std::vector<std::string>& ids,
                               bool decrement) override {
    return Change([&] {
      return Log(sim_.cloud().group_changes.DetachInstances(g, ids, decrement), detached, ids);
    });
  }
  core::Status Deregister(const std::string& g, const std::vector<std::string>& ids) override {
    return Change([&] { return sim_.cloud().group_changes.Deregister(g, ids); });
  }
  core::Status TerminateInstances(const std::vector<std::string>& ids) override {
    if (forget_next_terminated && !ids.empty()) {
      forget_next_terminated = false;
      sim_.cloud().instances.TerminateInstances({ids[0]}).IgnoreError();
      forgotten.insert(ids[0]);
    }
    for (const std::string& id : ids) {
      if (forgotten.count(id)) {
        return core::Status(core::Code::kNotFound, "The instance ID '" + id + "' does not exist")
            .set_aws_code("InvalidInstanceID.NotFound");
      }
    }
    std::vector<std::string> counted = ids;
    if (at_ == CrashAt::kPowerLoss) {  // a repeat on an instance already gone changes nothing
      counted.clear();
      auto alive = sim_.cloud().instances.ListInstances(ids);
      for (const cloud::Instance& i : alive.ok() ? *alive : std::vector<cloud::Instance>{}) {
        counted.push_back(i.id);
      }
    }
    return Change(
        [&] { return Log(sim_.cloud().instances.TerminateInstances(ids), terminated, counted); });
  }

 private:
  core::Status Die() {
    crashed_ = true;
    return core::Status(core::Code::kAborted, "killed (crash test)");
  }
  template <typename Fn>
  core::Status Change(Fn&& act) {
    if (crashed_) return Die();
    bool now = at_ != CrashAt::kWhileWaiting && ++changes_ == k_;
    if (now && at_ == CrashAt::kBeforeAct) return Die();
    core::Status done = act();
    if (now) return Die();  // it happened, but the outcome is never written
    return done;
  }
  core::Status Log(core::Status s, std::map<std::string, int>& log,
                   const std::vector<std::string>& ids) {
    if (s.ok()) {
      for (const std::string& id : ids) ++log[id];
    }
    return s;
  }

  sim::SimCloud& sim_;
  cloud::Cloud bundle_{.groups = *this,
                       .group_changes = *this,
                       .instances = *this,
                       .images = sim_.cloud().images,
                       .launch_specs = sim_.cloud().launch_specs,
                       .stacks = sim_.cloud().stacks,
                       .addresses = sim_.cloud().addresses,
                       .dns = sim_.cloud().dns,
                       .volumes = sim_.cloud().volumes};
  CrashAt at_;
  int k_;
  int changes_ = 0;
  int polls_ = 0;
  bool crashed_ = false;
};

// Instances running in the region outside the scenario's group (I4), or why it was not known.
std::vector<std::string> RunningOutside(sim::SimCloud& sim) {
  std::set<std::string> members;
  const std::vector<cloud::Group> groups = sim.Peek();
  for (const cloud::Instance& i : groups.at(0).instances) members.insert(i.id);
  auto running = sim.cloud().instances.ListInstances({});
  if (!running.ok()) return {"list: " + running.status().message()};
  std::vector<std::string> outside;
  for (const cloud::Instance& i : *running) {
    if (!members.count(i.id)) outside.push_back(i.id);
  }
  return outside;
}

struct CrashRun {
  bool crashed = false;
  std::string problems;  // empty: every invariant held
  rollout::Outcome outcome = rollout::Outcome::kNone;
};

CrashRun CrashAndResume(uint64_t seed, rollout::Strategy strategy, CrashAt at, int k,
                        ops::ResumeMode mode = ops::ResumeMode::kContinue) {
  core::SeededRng r(seed * 7919 + static_cast<int>(strategy));
  int desired = 0;
  std::string text = Scenario(seed, r, &desired);
  auto scenario = sim::ParseScenario(text, fmt::format("seed-{}.yaml", seed));
  if (!scenario.ok()) return {false, "scenario: " + scenario.status().message()};
  sim::SimCloud sim(*scenario);
  std::vector<cloud::Group> before = sim.Peek();
  rollout::Policy p = RandomPolicy(r, strategy, desired);
  CrashingCloud cloud(sim, at, k);
  journal::MemoryJournal journal;
  cli::InvariantChecker checker(sim);
  ops::RespawnOptions ro;
  ro.rollout_id = "r-crash";
  ro.owner = "first@test:1";
  Watch(ro, checker, sim,
        getenv("ROTOR_CRASH_SEED") && std::stoull(getenv("ROTOR_CRASH_SEED")) == seed);
  auto plan = ops::PlanRespawn(cloud.cloud(), {"s", "", "", ""}, p, sim.clock().Now());
  if (!plan.ok()) return {false, "plan: " + plan.status().message()};
  auto first = ops::Respawn(cloud.cloud(), sim.clock(), journal, *plan, p, ro);
  CrashRun run;
  run.crashed = cloud.crashed();
  if (!run.crashed) return run;  // the rollout ended before the k-th change
  if (at == CrashAt::kPowerLoss) journal.LoseUnsynced();
  if (first.ok() || first.status().code() != core::Code::kAborted) {
    return {true, "the crash was not reported as one: " +
                      (first.ok() ? std::string("ok") : first.status().message())};
  }
  // The world goes on while nobody watches; then a resume from elsewhere, once the dead
  // process's lease has lapsed.
  sim.clock().SleepUntil(sim.clock().Now() +
                         std::chrono::seconds(61 + static_cast<int>(r.Uniform01() * 120)));
  cloud.Disarm();
  auto detail = ops::LoadRollout(journal, "r-crash");
  if (!detail.ok()) return {true, "load: " + detail.status().message()};
  ro.owner = "second@test:2";
  auto second = ops::ResumeRollout(cloud.cloud(), sim.clock(), journal, *detail, mode, false, ro);
  if (!second.ok()) return {true, "resume: " + second.status().message()};
  run.outcome = second->outcome;
  // Let the last drains and shutdowns finish before looking at the whole account.
  sim.clock().SleepUntil(sim.clock().Now() + std::chrono::minutes(10));

  auto fail = [&](const std::string& why) { run.problems += why + "; "; };
  for (const std::string& v : sim.violations()) fail(v);
  rollout::Outcome want = mode == ops::ResumeMode::kAbort      ? rollout::Outcome::kAborted
                          : mode == ops::ResumeMode::kRollback ? rollout::Outcome::kRolledBack
                                                               : rollout::Outcome::kNone;
  // A rollout already winding up (to completed, say) finishes that: abort and rollback act on
  // rollouts still rolling.
  const auto& journaled = detail->groups.at(0).state;
  if (journaled && journaled->outcome != rollout::Outcome::kNone) want = journaled->outcome;
  bool fine = want == rollout::Outcome::kNone ? run.outcome == rollout::Outcome::kCompleted ||
                                                    run.outcome == rollout::Outcome::kRolledBack
                                              : run.outcome == want;
  if (!fine) fail(fmt::format("ended {}", rollout::OutcomeName(run.outcome)));
  const cloud::Group a = sim.Peek()[0];
  for (const std::string& v : cli::SizeAndProcessViolations(before, {a})) fail(v);
  for (const cloud::Instance& i : a.instances) {
    if (run.outcome == rollout::Outcome::kRolledBack && i.image_id != "ami-old") {
      fail("rolled back, yet " + i.id + " runs " + i.image_id);
    }
  }
  for (const std::string& id : RunningOutside(sim)) fail("I4: " + id + " runs outside the group");
  for (const auto* log : {&cloud.detached, &cloud.terminated}) {
    for (const auto& [id, n] : *log) {
      if (n > 1) fail(fmt::format("{} {} times", id, n));
    }
  }
  if (!run.problems.empty() && getenv("ROTOR_CRASH_DEBUG")) {
    for (const journal::Record& rec : journal.records()) {
      run.problems += fmt::format("\n  {} {} {} {}", rec.seq, rec.group,
                                  journal::RecordKindName(rec.kind), rec.text);
    }
  }
  auto info = journal.GetRollout("r-crash");
  if (!info.ok() || info->status != ops::StatusFor(run.outcome)) fail("status not recorded");
  return run;
}

class Crash : public ::testing::TestWithParam<rollout::Strategy> {};

// `rotor rollout abort` and `rollback` after a crash: abort restores sizes and processes and
// leaves nothing detached running; rollback returns every member to the old image.
TEST_P(Crash, AbortAndRollbackAfterAKill) {
  int crashed = 0, failures = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    for (ops::ResumeMode mode : {ops::ResumeMode::kAbort, ops::ResumeMode::kRollback}) {
      for (int k : {3, 5}) {
        CrashRun run = CrashAndResume(seed, GetParam(), CrashAt::kAfterAct, k, mode);
        if (!run.crashed) continue;
        ++crashed;
        if (!run.problems.empty() && ++failures <= 10) {
          ADD_FAILURE() << fmt::format("seed {} {} after #{}: {}", seed,
                                       mode == ops::ResumeMode::kAbort ? "abort" : "rollback", k,
                                       run.problems);
        }
      }
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_GT(crashed, 40);
}

TEST_P(Crash, ResumeAfterAKillAtAnyPointKeepsTheInvariants) {
  constexpr int kSeeds = 40;
  int crashed = 0, failures = 0;
  std::map<std::string, int> by_point;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    for (CrashAt at :
         {CrashAt::kBeforeAct, CrashAt::kAfterAct, CrashAt::kWhileWaiting, CrashAt::kPowerLoss}) {
      for (int k : {1, 2, 3, 4, 6, 9, 13}) {
        CrashRun run = CrashAndResume(seed, GetParam(), at, k);
        if (!run.crashed) continue;
        ++crashed;
        ++by_point[CrashName(at)];
        if (!run.problems.empty() && ++failures <= 10) {
          ADD_FAILURE() << fmt::format("seed {} crash {} #{}: {}", seed, CrashName(at), k,
                                       run.problems);
        }
      }
    }
  }
  EXPECT_EQ(failures, 0);
  for (const auto& [point, n] : by_point) {
    std::cout << "  crashed " << point << ": " << n << "\n";
    EXPECT_GT(n, kSeeds) << point;  // every kind of crash point was reached, many times
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, Crash,
                         ::testing::Values(rollout::Strategy::kSurge, rollout::Strategy::kReplace,
                                           rollout::Strategy::kDouble),
                         [](const auto& info) {
                           return std::string(rollout::StrategyName(info.param));
                         });

}  // namespace
}  // namespace rotor

namespace rotor {
namespace {

// The property tests' scenario for a seed, without its faults: its rollouts complete.
sim::Scenario FaultFree(uint64_t seed) {
  core::SeededRng r(seed);
  int desired = 0;
  std::string text = Scenario(seed, r, &desired);
  text = text.substr(0, text.find("faults:"));
  auto scenario = sim::ParseScenario(text, fmt::format("fault-free-{}.yaml", seed));
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  return scenario.ok() ? *scenario : sim::Scenario{};
}

// A respawn of the scenario's stack with the default policy, as rollout r-1.
core::Result<ops::RespawnReport> RespawnStack(cloud::Cloud& cloud, core::Clock& clock,
                                              journal::Journal& journal, ops::RespawnOptions& ro) {
  rollout::Policy p;
  ro.rollout_id = "r-1";
  ro.owner = "ops@test:1";
  ASSIGN_OR_RETURN(ops::RespawnPlan plan,
                   ops::PlanRespawn(cloud, {"s", "", "", ""}, p, clock.Now()));
  return ops::Respawn(cloud, clock, journal, plan, p, ro);
}

// EC2 refuses a whole terminate when one of its instances no longer exists: the rest are
// terminated all the same, and the rollout completes with nothing left running outside it.
TEST(Terminate, AForgottenInstanceDoesNotStopTheOthers) {
  int checked = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    sim::SimCloud sim(FaultFree(seed));
    CrashingCloud cloud(sim, CrashAt::kAfterAct, -1);
    cloud.forget_next_terminated = true;
    journal::MemoryJournal journal;
    ops::RespawnOptions ro;
    auto done = RespawnStack(cloud.cloud(), sim.clock(), journal, ro);
    ASSERT_TRUE(done.ok()) << done.status().message();
    EXPECT_EQ(done->outcome, rollout::Outcome::kCompleted) << "seed " << seed;
    if (cloud.forget_next_terminated) continue;  // no EC2 terminate in this rollout
    ++checked;
    sim.clock().SleepUntil(sim.clock().Now() + std::chrono::minutes(10));
    EXPECT_EQ(RunningOutside(sim), std::vector<std::string>{}) << "seed " << seed;
  }
  EXPECT_GT(checked, 10);
}

// `rotor rollout rollback` of a rollout that completed: every group is pointed back at the old
// spec and rolled again; the fleet ends where it began, sizes and processes included.
TEST(Rollback, ACompletedRolloutIsRolledBack) {
  int checked = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    sim::SimCloud sim(FaultFree(seed));  // both passes must complete
    std::vector<cloud::Group> before = sim.Peek();
    journal::MemoryJournal journal;
    ops::RespawnOptions ro;
    auto first = RespawnStack(sim.cloud(), sim.clock(), journal, ro);
    ASSERT_TRUE(first.ok()) << first.status().message();
    if (first->outcome != rollout::Outcome::kCompleted) continue;
    ++checked;
    std::vector<cloud::Group> rolled = sim.Peek();
    for (const cloud::Instance& i : rolled[0].instances) EXPECT_EQ(i.image_id, "ami-new");
    auto detail = ops::LoadRollout(journal, "r-1");
    ASSERT_TRUE(detail.ok());
    auto back = ops::ResumeRollout(sim.cloud(), sim.clock(), journal, *detail,
                                   ops::ResumeMode::kRollback, false, ro);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(back->outcome, rollout::Outcome::kCompleted) << "seed " << seed;
    cloud::Group after = sim.Peek()[0];
    for (const cloud::Instance& i : after.instances) {
      EXPECT_EQ(i.image_id, "ami-old") << "seed " << seed;
    }
    EXPECT_EQ(after.desired, before[0].desired);
    EXPECT_EQ(after.max_size, before[0].max_size);
    EXPECT_EQ(after.suspended_processes, before[0].suspended_processes);
    EXPECT_EQ(after.spec.image_id, "ami-old");
    // A finished rollout cannot be resumed.
    auto again = ops::LoadRollout(journal, "r-1");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(ops::ResumeRollout(sim.cloud(), sim.clock(), journal, *again,
                                 ops::ResumeMode::kContinue, false, ro)
                  .status()
                  .code(),
              core::Code::kFailedPrecondition);
  }
  EXPECT_GT(checked, 15);
}

}  // namespace
}  // namespace rotor
