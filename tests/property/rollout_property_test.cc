// Simulator property test (issue 4): many seeds × random mixes of the scenario's faults × the
// three strategies. After every step the invariants I1, I2 and I4 are checked against the
// simulator's ground truth, and I8 on every journal record; I9 over the run's requests; at the end
// the fleet is all new (completed) or all old (rolled back), with sizes and suspended processes as
// they began (I3). No secret exists to leak (I7): the simulator holds none, and the check below
// scans the journal anyway.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli/invariants.h"
#include "cli/journal_watch.h"
#include "core/rng.h"
#include "journal/memory_journal.h"
#include "ops/respawn.h"
#include "scenarios.h"
#include "sim/sim_cloud.h"

namespace rotor {
namespace {

constexpr int kSeeds = 500;

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

  rollout::Policy p = RandomPolicy(r, strategy, desired);
  auto plan = ops::PlanRespawn(sim.cloud(), {"s", "", "", ""}, p, sim.clock().Now());
  if (!plan.ok()) return {"plan: " + plan.status().message(), false};
  cli::InvariantChecker checker(sim);
  ops::RespawnOptions ro;
  bool debug = getenv("ROTOR_PROPERTY_SEED") != nullptr;  // debugging one seed
  if (debug) std::cerr << text;
  Watch(ro, checker, sim, debug);
  journal::MemoryJournal memory;
  cli::WatchedJournal journal(
      memory, [&] { return sim.instances_known(); },
      [&](std::string v) {
        sim.AddViolation(std::move(v));
        return true;
      });
  auto report = ops::Respawn(sim.cloud(), sim.clock(), journal, *plan, p, ro);
  if (!report.ok()) return {"respawn: " + report.status().message(), false};

  Outcome out;
  auto fail = [&](const std::string& why) {
    out.ok = false;
    out.text += why + "; ";
  };
  for (const std::string& v : sim.violations()) fail(v);
  for (const std::string& v : cli::RequestRateViolations(sim)) fail(v);
  rollout::Outcome o = report->outcome;
  if (o != rollout::Outcome::kCompleted && o != rollout::Outcome::kRolledBack) {
    fail(fmt::format("ended {} ({})", rollout::OutcomeName(o),
                     report->groups.empty() ? "" : report->groups.back().reason));
  }
  const cloud::Group a = sim.Peek()[0];
  for (const std::string& v : cli::SizeAndProcessViolations(before, {a})) fail(v);
  std::string want = o == rollout::Outcome::kCompleted ? "ami-new" : "ami-old";
  for (const cloud::Instance& i : a.instances) {
    if (i.image_id != want) fail(fmt::format("{} ended on {}, not {}", i.id, i.image_id, want));
  }
  for (const journal::Record& rec : memory.records()) {
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
