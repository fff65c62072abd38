// Benchmark: API calls AwsCloud makes for one observation of 50 groups, on moto_server, for
// 2, 10 and 20 instances per group. Target (issue 3): a bounded number of calls that does not
// grow with the number of instances, within the API page sizes.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "aws/aws_cloud.h"
#include "aws/curl_transport.h"
#include "fakes/moto_server.h"
#include "fleets.h"

using namespace rotor;

using bench::Fleet;
using bench::MakeFleet;

namespace {

int Observe(testing::MotoServer& moto, int groups, int size) {
  if (!moto.Reset().ok()) return 1;
  auto names = MakeFleet(moto.url(), groups, size, false);
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
  auto observed = (*cloud)->cloud().groups.ObserveGroups(*names);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!observed.ok()) {
    std::cerr << observed.status().message() << "\n";
    return 1;
  }
  int instances = 0, total = 0;
  for (const auto& g : *observed) instances += static_cast<int>(g.instances.size());
  for (const auto& [op, n] : counts) total += n;
  std::cout << fmt::format("{} groups x {} instances ({} observed): {} API calls in {:.2f} s\n",
                           groups, size, instances, total, wall);
  for (const auto& [op, n] : counts) std::cout << fmt::format("    {:45} {}\n", op, n);
  return 0;
}

}  // namespace

int main() {
  auto moto = testing::MotoServer::Start();
  if (!moto.ok()) {
    std::cerr << moto.status().message() << "\n";
    return 1;
  }
  int rc = 0;
  for (int size : {2, 10, 20}) rc |= Observe(**moto, 50, size);
  return rc;
}
