// Benchmark (issue 4): API calls per replaced instance, observation included, for a respawn on
// moto_server through the real wire (AwsCloud), in real time. moto turns new targets healthy at
// once, so a cycle is as short as rotor's own polling allows; the count is what matters here.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "aws/aws_cloud.h"
#include "aws/curl_transport.h"
#include "fakes/moto_server.h"
#include "fleets.h"
#include "journal/memory_journal.h"
#include "ops/respawn.h"

using namespace rotor;
using namespace std::chrono_literals;

using bench::Fleet;
using bench::MakeFleet;

namespace {

int Respawn(testing::MotoServer& moto, int size, const std::string& label,
            const rollout::Policy& policy) {
  if (!moto.Reset().ok()) return 1;
  auto names = MakeFleet(moto.url(), 1, size, true);
  if (!names.ok()) {
    std::cerr << names.status().message() << "\n";
    return 1;
  }
  aws::CurlTransport transport;
  aws::StaticProvider creds(aws::Credentials{"testing", "testing", "", {}, "bench"});
  core::RealClock clock;
  core::SeededRng rng(1);
  cloud::RetryQuota quota;
  std::map<std::string, int> counts;
  aws::ClientContext ctx{
      transport, creds, clock,   rng,    quota, aws::EndpointConfig{"us-east-1", moto.url(), {}},
      "",        0,     nullptr, &counts};
  auto cloud = aws::AwsCloud::Create(ctx);
  auto t0 = std::chrono::steady_clock::now();
  auto plan = ops::PlanRespawn((*cloud)->cloud(), {"", "", names->at(0), ""}, policy, clock.Now());
  if (!plan.ok()) {
    std::cerr << plan.status().message() << "\n";
    return 1;
  }
  journal::MemoryJournal journal;
  auto report = ops::Respawn((*cloud)->cloud(), clock, journal, *plan, policy, {});
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!report.ok()) {
    std::cerr << report.status().message() << "\n";
    return 1;
  }
  int total = 0;
  for (const auto& [op, n] : counts) total += n;
  std::cout << fmt::format("| {} | {} | {} | {} | {:.1f} | {:.0f} s |\n", size, label,
                           rollout::OutcomeName(report->outcome), total,
                           static_cast<double>(total) / size, wall);
  return report->outcome == rollout::Outcome::kCompleted ? 0 : 1;
}

}  // namespace

int main() {
  auto moto = testing::MotoServer::Start();
  if (!moto.ok()) {
    std::cerr << moto.status().message() << "\n";
    return 1;
  }
  rollout::Policy one, quarter;
  one.drain = quarter.drain = 1s;  // moto's target groups keep the 300 s default
  quarter.max_surge = rollout::Amount{25, true};
  std::cout << "| N | strategy | outcome | API calls | per instance | wall |\n"
               "|---|---|---|---|---|---|\n";
  int rc = 0;
  rc |= Respawn(**moto, 50, "surge 1", one);
  rc |= Respawn(**moto, 300, "surge 25%", quarter);
  return rc;
}
