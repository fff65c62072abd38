// Benchmark (issue 11): the monthly job in the simulator, with the fixed timings of
// bench_makespan (launch 20 s, boot 40 s, checks every 10 s, deregistration delay 30 s, API
// 50 ms).
//  1. `rotor upgrade` (the newest image into the group's template, then every member replaced)
//     against the rolling lower bound — ceil(N/s) × 60 s + 30 s for surge s — plus the time
//     the patch takes on its own; API calls per replaced instance.
//  2. `rotor update-stack` (the image a stack parameter; the stack update takes 60 s) then the
//     roll, with surge against aws-ha-updater's way (the stack update, then double): makespan
//     and instance-seconds side by side.
#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "fleets.h"
#include "journal/memory_journal.h"
#include "ops/runbooks.h"
#include "ops/update_stack.h"
#include "ops/upgrade.h"
#include "sim/sim_cloud.h"

using namespace rotor;
using namespace std::chrono_literals;

using bench::Cell;

namespace {

// bench::Fleet with the group on version 1 of its template (the old image), or with the image
// a parameter of its stack.
sim::Scenario MonthlyFleet(int n, bool from_parameter) {
  sim::Scenario s = bench::Fleet(n);
  s.images[0].name = "app-2026.09";  // a family: the newest app-* by creation date
  s.images[1].name = "app-2026.11";
  sim::GroupSpec& g = s.stacks[0].groups[0];
  g.template_versions = {"ami-old"};
  g.group_uses = "1";
  if (from_parameter) {
    g.template_params = {"ImageId"};
    s.stacks[0].parameters = {{"ImageId", "ami-old"}};
    s.stacks[0].update_time = 60s;
  } else {
    g.template_params = {""};
  }
  return s;
}

Cell Finish(sim::SimCloud& cloud, core::Time start, int n,
            const core::Result<runbook::Report>& report) {
  Cell c;
  c.makespan = std::chrono::duration<double>(cloud.clock().Now() - start).count();
  c.instance_seconds = cloud.InstanceSeconds();
  c.calls_per_instance = static_cast<double>(cloud.api_calls_total()) / n;
  c.outcome = report.ok() ? runbook::OutcomeName(report->outcome) : report.status().message();
  if (report.ok() && !report->reason.empty()) c.outcome += ": " + report->reason;
  if (report.ok()) c.outcome += fmt::format(" ({} steps)", report->done);
  return c;
}

ops::RunbookOptions Options() {
  ops::RunbookOptions o;
  o.operation_id = "op-1";
  o.owner = "bench@here:1";
  return o;
}

// The patch alone (`upgrade` = false) or patch and roll as one upgrade.
Cell Upgrade(int n, const rollout::Policy& policy, bool upgrade) {
  sim::SimCloud cloud(MonthlyFleet(n, false));
  core::Time start = cloud.clock().Now();
  ops::PatchRequest request;
  request.image = ops::ImageRequest{};
  auto patch = ops::PlanPatch(cloud.cloud(), {"app"}, request, "op-1", start);
  if (!patch.ok()) return Cell{0, 0, 0, patch.status().message()};
  journal::MemoryJournal journal;
  auto kind = upgrade ? journal::OperationKind::kUpgrade : journal::OperationKind::kPatch;
  std::string plan =
      upgrade ? ops::UpgradePlanToJson({*patch, policy}) : ops::PatchPlanToJson(*patch);
  auto report = ops::StartRunbook(cloud.cloud(), cloud.clock(), journal, kind,
                                  journal::GroupResources({"app"}), plan, Options());
  return Finish(cloud, start, n, report);
}

Cell StackUpdate(int n, const rollout::Policy& policy) {
  sim::SimCloud cloud(MonthlyFleet(n, true));
  core::Time start = cloud.clock().Now();
  ops::StackUpdateRequest request;
  request.stack = "app-stack";
  request.set = {{"ImageId", "ami-new"}};
  auto plan = ops::PlanStackUpdate(cloud.cloud(), cloud.clock(), request, policy, "op-1");
  if (!plan.ok()) return Cell{0, 0, 0, plan.status().message()};
  journal::MemoryJournal journal;
  std::vector<std::string> resources = {journal::StackResource(plan->stack)};
  for (const std::string& r : journal::GroupResources(plan->roll)) resources.push_back(r);
  auto report =
      ops::StartRunbook(cloud.cloud(), cloud.clock(), journal, journal::OperationKind::kUpdateStack,
                        resources, ops::StackUpdatePlanToJson(*plan), Options());
  return Finish(cloud, start, n, report);
}

}  // namespace

int main() {
  std::cout << "| N | strategy | upgrade | patch alone | rolling bound | bound + patch | over | "
               "API calls / instance | outcome |\n"
               "|---|---|---|---|---|---|---|---|---|\n";
  for (int n : {30, 300}) {
    rollout::Policy one, quarter;
    quarter.max_surge = rollout::Amount{25, true};
    int quarter_surge = std::max(1, (n * 25 + 99) / 100);
    Cell patch = Upgrade(n, one, /*upgrade=*/false);
    for (auto [name, policy, surge] :
         {std::tuple{"surge 1", one, 1}, std::tuple{"surge 25%", quarter, quarter_surge}}) {
      Cell c = Upgrade(n, policy, /*upgrade=*/true);
      double bound = std::ceil(static_cast<double>(n) / surge) * 60 + 30;
      std::cout << fmt::format(
          "| {} | {} | {:.0f} s | {:.1f} s | {:.0f} s | {:.1f} s | {:+.1f} % | "
          "{:.1f} | {} |\n",
          n, name, c.makespan, patch.makespan, bound, bound + patch.makespan,
          100 * (c.makespan / (bound + patch.makespan) - 1), c.calls_per_instance, c.outcome);
    }
  }
  std::cout << "\n| N | update-stack then | makespan | instance-seconds | API calls / instance | "
               "outcome |\n"
               "|---|---|---|---|---|---|\n";
  for (int n : {30, 300}) {
    rollout::Policy quarter, dbl;
    quarter.max_surge = rollout::Amount{25, true};
    dbl.strategy = rollout::Strategy::kDouble;
    for (auto [name, policy] : {std::pair{"surge 25% (rotor)", quarter},
                                std::pair{"double (aws-ha-updater's way)", dbl}}) {
      Cell c = StackUpdate(n, policy);
      std::cout << fmt::format("| {} | {} | {:.0f} s | {:.0f} | {:.1f} | {} |\n", n, name,
                               c.makespan, c.instance_seconds, c.calls_per_instance, c.outcome);
    }
  }
  return 0;
}
