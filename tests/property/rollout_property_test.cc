// Simulator property test (issue 4): many seeds × random mixes of the scenario's faults × the
// three strategies. After every step the invariants I1, I2 and I4 are checked against the
// simulator's ground truth; at the end the fleet is all new (completed) or all old (rolled back),
// with sizes and suspended processes as they began (I3). No secret exists to leak (I7): the
// simulator holds none, and the check below scans the journal anyway.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli/invariants.h"
#include "core/rng.h"
#include "journal/memory_journal.h"
#include "ops/respawn.h"
#include "sim/sim_cloud.h"

namespace rotor {
namespace {

constexpr int kSeeds = 500;

std::string Scenario(uint64_t seed, core::Rng& r, int* desired_out) {
  auto pick = [&](int lo, int hi) { return lo + static_cast<int>(r.Uniform01() * (hi - lo + 1)); };
  int desired = pick(2, 8);
  *desired_out = desired;
  bool alb = r.Uniform01() < 0.6;
  std::string faults;
  if (r.Uniform01() < 0.35)
    faults += fmt::format("  - {{kind: boot_failure, image: ami-new, probability: {:.2f}}}\n",
                          r.Uniform01() * 0.6);
  if (r.Uniform01() < 0.25)
    faults += fmt::format(
        "  - {{kind: unhealthy_after, image: ami-new, after: {}s, probability: {:.2f}}}\n",
        pick(30, 900), r.Uniform01());
  if (r.Uniform01() < 0.3)
    faults += fmt::format("  - {{kind: terminate, group: app, at: {}s}}\n", pick(10, 900));
  if (r.Uniform01() < 0.2)
    faults += fmt::format("  - {{kind: zone_outage, zone: z-{}, at: {}s, for: {}s}}\n",
                          pick(0, 1) ? "b" : "a", pick(30, 600), pick(60, 600));
  if (r.Uniform01() < 0.3)
    faults += fmt::format("  - {{kind: throttle, service: {}, refill_per_s: {}, bucket: {}}}\n",
                          r.Uniform01() < 0.5 ? "ec2" : "autoscaling", pick(5, 20), pick(10, 40));
  if (r.Uniform01() < 0.3)
    faults +=
        "  - {kind: api_error, service: autoscaling, probability: 0.05, code: InternalFailure}\n";
  return fmt::format(R"(seed: {}
start: 2026-11-22T00:00:00Z
images:
  - {{id: ami-old, name: app-1, created: 2026-10-01T00:00:00Z}}
  - {{id: ami-new, name: app-2, created: 2026-11-01T00:00:00Z}}
stacks:
  - name: s
    groups:
      - name: app
        launch_template: {{name: lt, versions: [ami-old, ami-new], group_uses: $Latest}}
        zones: [z-a, z-b, z-c]
        min: 1
        max: {}
        desired: {}
        instances: {{count: {}, image: ami-old}}
        load_balancers: [{{type: {}, interval: {}s, healthy_threshold: 2, unhealthy_threshold: 2, deregistration_delay: {}s}}]
        health_check_type: {}
timing:
  api_latency: {{uniform: [20ms, 150ms]}}
  launch_to_running: {{uniform: [5s, 30s]}}
  boot_to_healthy: {{lognormal: {{median: 40s, p99: 150s}}}}
  shutdown: 10s
{}{})",
                     seed, desired * 2 + 2, desired, desired, alb ? "alb" : "elb", pick(5, 30),
                     pick(0, 60), r.Uniform01() < 0.5 ? "ELB" : "EC2",
                     faults.empty() ? "" : "faults:\n", faults);
}

struct Outcome {
  std::string text;
  bool ok = true;
};

Outcome RunOne(uint64_t seed, rollout::Strategy strategy) {
  core::SeededRng r(seed * 7919 + static_cast<int>(strategy));
  int desired = 0;
  std::string text = Scenario(seed, r, &desired);
  auto scenario = sim::ParseScenario(text, fmt::format("seed-{}.yaml", seed));
  if (!scenario.ok()) return {"scenario: " + scenario.status().message(), false};
  sim::SimCloud sim(*scenario);
  std::vector<cloud::Group> before = sim.Peek();

  rollout::Policy p;
  p.strategy = strategy;
  if (strategy == rollout::Strategy::kSurge && r.Uniform01() < 0.5)
    p.max_surge = rollout::Amount{25, true};
  if (strategy == rollout::Strategy::kReplace)
    p.min_healthy = rollout::Amount{std::max(1, desired - 1), false};
  if (r.Uniform01() < 0.3) p.warmup = std::chrono::seconds(20);
  if (r.Uniform01() < 0.2) {
    p.canary = 1;
    p.bake = std::chrono::minutes(5);
  }
  p.order = r.Uniform01() < 0.5 ? rollout::Order::kOldest : rollout::Order::kAzBalanced;

  auto plan = ops::PlanRespawn(sim, {"s", "", "", ""}, p, sim.clock().Now());
  if (!plan.ok()) return {"plan: " + plan.status().message(), false};
  cli::InvariantChecker checker(sim);
  ops::RespawnOptions ro;
  if (getenv("ROTOR_PROPERTY_SEED")) {  // debugging one seed: print the scenario and every step
    std::cerr << text;
    ro.on_event = [&](const rollout::Event& e) {
      std::cerr << fmt::format("{:.1f} {} {}/{} ready {} {}\n",
                               std::chrono::duration<double>(e.t - sim.start()).count(), e.phase,
                               e.replaced, e.total, e.ready, e.what);
    };
  }
  ro.before_step = [&](const rollout::RolloutState& s, const rollout::Step& st,
                       const rollout::View& v) { checker.BeforeStep(s, st, v); };
  ro.after_step = [&](const rollout::RolloutState& s, const rollout::Step& st) {
    checker.AfterStep(s, st);
  };
  journal::MemoryJournal journal;
  auto report = ops::Respawn(sim, sim.clock(), journal, *plan, p, ro);
  if (!report.ok()) return {"respawn: " + report.status().message(), false};

  Outcome out;
  auto fail = [&](const std::string& why) {
    out.ok = false;
    out.text += why + "; ";
  };
  for (const std::string& v : sim.violations()) fail(v);
  rollout::Outcome o = report->outcome;
  if (o != rollout::Outcome::kCompleted && o != rollout::Outcome::kRolledBack) {
    fail(fmt::format("ended {} ({})", rollout::OutcomeName(o),
                     report->groups.empty() ? "" : report->groups.back().reason));
  }
  const cloud::Group& b = before[0];
  const cloud::Group a = sim.Peek()[0];
  if (a.min_size != b.min_size || a.max_size != b.max_size || a.desired != b.desired) {
    fail(fmt::format("I3: sizes {}/{}/{} -> {}/{}/{}", b.min_size, b.max_size, b.desired,
                     a.min_size, a.max_size, a.desired));
  }
  if (a.suspended_processes != b.suspended_processes) fail("I3: suspended processes changed");
  std::string want = o == rollout::Outcome::kCompleted ? "ami-new" : "ami-old";
  for (const cloud::Instance& i : a.instances) {
    if (i.image_id != want) fail(fmt::format("{} ended on {}, not {}", i.id, i.image_id, want));
  }
  for (const journal::Record& rec : journal.records()) {
    if (rec.text.find("SecretAccessKey") != std::string::npos) fail("I7: a secret in the journal");
  }
  out.text = rollout::OutcomeName(o) + std::string(out.ok ? "" : ": ") + out.text;
  return out;
}

class Property : public ::testing::TestWithParam<rollout::Strategy> {};

TEST_P(Property, InvariantsHoldAcrossSeedsAndFaults) {
  std::map<std::string, int> outcomes;
  int failures = 0;
  uint64_t only = getenv("ROTOR_PROPERTY_SEED") ? std::stoull(getenv("ROTOR_PROPERTY_SEED")) : 0;
  for (uint64_t seed = only ? only : 1; seed <= (only ? only : kSeeds); ++seed) {
    Outcome o = RunOne(seed, GetParam());
    ++outcomes[o.text.substr(0, o.text.find(':'))];
    if (!o.ok && ++failures <= 10) ADD_FAILURE() << "seed " << seed << ": " << o.text;
  }
  EXPECT_EQ(failures, 0);
  for (const auto& [k, n] : outcomes) std::cout << "  " << k << ": " << n << "\n";
  if (!only) {
    EXPECT_GT(outcomes["completed"], kSeeds / 4);  // not everything may roll back
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, Property,
                         ::testing::Values(rollout::Strategy::kSurge, rollout::Strategy::kReplace,
                                           rollout::Strategy::kDouble),
                         [](const auto& info) {
                           return std::string(rollout::StrategyName(info.param));
                         });

}  // namespace
}  // namespace rotor
