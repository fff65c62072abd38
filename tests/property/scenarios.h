// Random scenarios and policies for the simulator property and crash tests: one group of 2 to 8
// out-of-date instances behind an ALB or a classic ELB, with a random mix of the scenario
// faults, and a random policy of the given strategy.
#pragma once

#include <fmt/format.h>

#include <iostream>
#include <string>

#include "cli/invariants.h"
#include "core/rng.h"
#include "ops/respawn.h"
#include "rollout/policy.h"

namespace rotor {

inline std::string Scenario(uint64_t seed, core::Rng& r, int* desired_out) {
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

inline rollout::Policy RandomPolicy(core::Rng& r, rollout::Strategy strategy, int desired) {
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
  return p;
}

// Wires the invariant checker into a respawn's options; when debugging one seed (`print`),
// every step goes to stderr too.
inline void Watch(ops::RespawnOptions& ro, cli::InvariantChecker& checker, sim::SimCloud& sim,
                  bool print) {
  if (print) {
    ro.on_event = [&sim](const rollout::Event& e) {
      std::cerr << fmt::format("{:.1f} {} {}/{} ready {} {}\n",
                               std::chrono::duration<double>(e.t - sim.start()).count(), e.phase,
                               e.replaced, e.total, e.ready, e.what);
    };
  }
  ro.before_step = [&checker](const rollout::RolloutState& s, const rollout::Step& st,
                              const rollout::View& v) { checker.BeforeStep(s, st, v); };
  ro.after_step = [&checker](const rollout::RolloutState& s, const rollout::Step& st) {
    checker.AfterStep(s, st);
  };
}

}  // namespace rotor
