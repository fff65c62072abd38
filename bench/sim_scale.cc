// Benchmark: the simulator at fleet scale. 10,000 instances in 1,000 groups (ALB target groups,
// 10 per group over 3 zones); one observation of every group, then one simulated hour of churn:
// every minute 100 members are terminated (and replaced by their groups) and 20 groups are
// resized up or down. Reports wall time, peak memory, events and API calls.
// Targets (issue 3): under 2 s wall and under 300 MB peak on the 2-core machine.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <iostream>

#include "core/rng.h"
#include "core/strings.h"
#include "sim/sim_cloud.h"

using namespace rotor;

namespace {

sim::Scenario FleetScenario(int groups, int per_group) {
  sim::Scenario s;
  s.path = "(generated)";
  s.seed = 42;
  s.start = *core::ParseIso8601("2026-11-22T00:00:00Z");
  s.images = {{"ami-old", "app-1", s.start - std::chrono::hours(24 * 60)},
              {"ami-new", "app-2", s.start - std::chrono::hours(24)}};
  for (int g = 0; g < groups; ++g) {
    sim::StackSpec stack;
    stack.name = fmt::format("svc-{:04}", g);
    sim::GroupSpec spec;
    spec.name = stack.name + "-App";
    spec.template_name = stack.name + "-lt";
    spec.template_versions = {"ami-old", "ami-new"};
    spec.group_uses = "$Latest";
    spec.zones = {"eu-west-1a", "eu-west-1b", "eu-west-1c"};
    spec.min = per_group / 2;
    spec.max = per_group * 2;
    spec.desired = per_group;
    spec.instance_count = per_group;
    spec.instance_image = "ami-old";
    sim::LoadBalancerSpec lb;
    lb.name = stack.name + "-tg";
    lb.interval = std::chrono::seconds(10);
    lb.deregistration_delay = std::chrono::seconds(30);
    spec.load_balancers = {lb};
    stack.groups = {spec};
    s.stacks.push_back(stack);
  }
  return s;
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

int main() {
  const int kGroups = 1000, kPerGroup = 10;
  auto t0 = std::chrono::steady_clock::now();
  sim::SimCloud cloud(FleetScenario(kGroups, kPerGroup));
  auto t1 = std::chrono::steady_clock::now();

  std::vector<std::string> names;
  for (int g = 0; g < kGroups; ++g) names.push_back(fmt::format("svc-{:04}-App", g));
  auto observed = cloud.cloud().groups.ObserveGroups(names);
  if (!observed.ok()) {
    std::cerr << observed.status().message() << "\n";
    return 1;
  }
  size_t instances = 0;
  for (const auto& g : *observed) instances += g.instances.size();
  int observe_calls = cloud.api_calls_total();
  auto t2 = std::chrono::steady_clock::now();

  core::SeededRng rng(7);
  int terminations = 0, resizes = 0;
  for (int minute = 0; minute < 60; ++minute) {
    for (int n = 0; n < 100; ++n) {
      const std::string& name = names[static_cast<size_t>(rng.Uniform01() * kGroups)];
      auto groups = cloud.cloud().groups.ListGroups({name});
      if (!groups.ok() || (*groups)[0].instances.empty()) continue;
      const auto& members = (*groups)[0].instances;
      const std::string& victim = members[static_cast<size_t>(rng.Uniform01() * members.size())].id;
      terminations += cloud.cloud().group_changes.TerminateInstance(victim, false).ok();
    }
    for (int n = 0; n < 20; ++n) {
      const std::string& name = names[static_cast<size_t>(rng.Uniform01() * kGroups)];
      int desired = kPerGroup + (rng.Uniform01() < 0.5 ? -1 : 1);
      resizes +=
          cloud.cloud().group_changes.SetSizes(name, {std::nullopt, std::nullopt, desired}).ok();
    }
    cloud.clock().SleepUntil(cloud.start() + std::chrono::minutes(minute + 1));
  }
  auto final_observation = cloud.cloud().groups.ObserveGroups(names);
  auto t3 = std::chrono::steady_clock::now();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  double events = static_cast<double>(cloud.events_executed());
  double total = Seconds(t3 - t0);
  std::cout << fmt::format(
      "sim_scale: {} groups, {} instances observed\n"
      "  build                {:.3f} s\n"
      "  observe all groups   {:.3f} s ({} API calls)\n"
      "  one simulated hour   {:.3f} s ({} terminations, {} resizes, {} events)\n"
      "  total wall           {:.3f} s   (target < 2 s)\n"
      "  peak memory          {:.1f} MB  (target < 300 MB)\n"
      "  events per second    {:.0f}\n"
      "  trace events         {}\n"
      "  final observation    {}\n",
      kGroups, instances, Seconds(t1 - t0), Seconds(t2 - t1), observe_calls, Seconds(t3 - t2),
      terminations, resizes, cloud.events_executed(), total, usage.ru_maxrss / 1024.0,
      events / Seconds(t3 - t2), cloud.trace().size(),
      final_observation.ok() ? "ok" : final_observation.status().message());
  return final_observation.ok() ? 0 : 1;
}
