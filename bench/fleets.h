// Fleets the benchmarks share: a generated simulator scenario, and a fleet built in moto.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/strings.h"
#include "sim/scenario.h"

namespace rotor::bench {

using namespace std::chrono_literals;

// One benchmark run: simulated makespan (s), instance-seconds, API calls per instance, outcome.
struct Cell {
  double makespan = 0;
  double instance_seconds = 0;
  double calls_per_instance = 0;
  std::string outcome;
};

// One group of `n` out-of-date instances behind one ALB target group, with the fixed timings of
// issue 4: launch 20 s, boot 40 s, checks every 10 s, deregistration delay 30 s, API 50 ms.
inline sim::Scenario Fleet(int n) {
  sim::Scenario s;
  s.path = "(generated)";
  s.seed = 1;
  s.start = *core::ParseIso8601("2026-11-22T00:00:00Z");
  s.images = {{"ami-old", "app-1", s.start - 24h * 60}, {"ami-new", "app-2", s.start - 24h}};
  s.timing.api_latency = sim::Distribution::Fixed(50ms);
  s.timing.launch_to_running = sim::Distribution::Fixed(20s);
  s.timing.boot_to_healthy = sim::Distribution::Fixed(40s);
  s.timing.shutdown = sim::Distribution::Fixed(10s);
  sim::GroupSpec g;
  g.name = "app";
  g.template_name = "app-lt";
  g.template_versions = {"ami-old", "ami-new"};
  g.group_uses = "$Latest";
  g.zones = {"z-a", "z-b", "z-c"};
  g.min = 1;
  g.max = 2 * n + 1;
  g.desired = g.instance_count = n;
  g.instance_image = "ami-old";
  sim::LoadBalancerSpec lb;
  lb.name = "app-tg";
  lb.interval = 10s;
  lb.healthy_threshold = 2;
  lb.deregistration_delay = 30s;
  g.load_balancers = {lb};
  sim::StackSpec stack;
  stack.name = "app-stack";
  stack.groups = {g};
  s.stacks = {stack};
  return s;
}

// GROUPS groups of SIZE instances created in the moto_server at `url` by make_fleet.py (with
// `respawn`: behind an ALB, every member out of date); their names.
inline core::Result<std::vector<std::string>> MakeFleet(const std::string& url, int groups,
                                                        int size, bool respawn) {
  std::string cmd = fmt::format("python3 {}/make_fleet.py {} {} {}{}", ROTOR_BENCH_DIR, url, groups,
                                size, respawn ? " --respawn" : "");
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (!p || pclose(p) != 0) return core::Internal(cmd + " failed");
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (!j.is_array()) return core::Internal(cmd + " printed no list");
  return j.get<std::vector<std::string>>();
}

}  // namespace rotor::bench
