// Benchmark (issue 4): respawn makespan in the simulator against the lower bound, with fixed
// timings — launch 20 s, boot 40 s, checks every 10 s from registration, deregistration delay
// 30 s, API latency 50 ms. For surge s the bound is ceil(N/s) × 60 s + 30 s. Also the same
// fleets with --strategy double and replace, instance-seconds (cost) and API calls per instance.
#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "core/strings.h"
#include "fleets.h"
#include "journal/memory_journal.h"
#include "ops/respawn.h"
#include "sim/sim_cloud.h"

using namespace rotor;
using namespace std::chrono_literals;

using bench::Fleet;
using bench::MakeFleet;

using bench::Cell;

namespace {

Cell Run(int n, const rollout::Policy& policy) {
  sim::SimCloud cloud(Fleet(n));
  core::Time start = cloud.clock().Now();
  auto plan = ops::PlanRespawn(cloud.cloud(), {"app-stack", "", "", ""}, policy, start);
  Cell c;
  if (!plan.ok()) {
    c.outcome = plan.status().message();
    return c;
  }
  journal::MemoryJournal journal;
  auto report = ops::Respawn(cloud.cloud(), cloud.clock(), journal, *plan, policy, {});
  c.makespan = std::chrono::duration<double>(cloud.clock().Now() - start).count();
  c.instance_seconds = cloud.InstanceSeconds();
  c.calls_per_instance = static_cast<double>(cloud.api_calls_total()) / n;
  c.outcome = report.ok() ? rollout::OutcomeName(report->outcome) : report.status().message();
  return c;
}

}  // namespace

int main() {
  std::cout << "| N | strategy | makespan | bound | over bound | instance-seconds | API calls / "
               "instance | outcome |\n"
               "|---|---|---|---|---|---|---|---|\n";
  for (int n : {3, 30, 300}) {
    struct Variant {
      std::string name;
      rollout::Policy policy;
      int surge;  // for the bound; 0: no bound
    };
    rollout::Policy one, quarter, dbl, replace;
    quarter.max_surge = rollout::Amount{25, true};
    dbl.strategy = rollout::Strategy::kDouble;
    replace.strategy = rollout::Strategy::kReplace;
    int quarter_surge = std::max(1, (n * 25 + 99) / 100);
    for (const Variant& v :
         {Variant{"surge 1", one, 1}, Variant{"surge 25%", quarter, quarter_surge},
          Variant{"double", dbl, 0}, Variant{"replace", replace, 0}}) {
      Cell c = Run(n, v.policy);
      double bound = v.surge ? std::ceil(static_cast<double>(n) / v.surge) * 60 + 30 : 0;
      std::cout << fmt::format(
          "| {} | {} | {:.0f} s | {} | {} | {:.0f} | {:.1f} | {} |\n", n, v.name, c.makespan,
          bound ? fmt::format("{:.0f} s", bound) : "-",
          bound ? fmt::format("{:+.1f} %", 100 * (c.makespan / bound - 1)) : "-",
          c.instance_seconds, c.calls_per_instance, c.outcome);
    }
  }
  return 0;
}
