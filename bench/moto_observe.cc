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

using namespace rotor;

namespace {

core::Result<std::vector<std::string>> MakeFleet(const std::string& url, int groups, int size) {
  std::string cmd = fmt::format("python3 {}/make_fleet.py {} {} {}", ROTOR_BENCH_DIR, url, groups, size);
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

int Observe(testing::MotoServer& moto, int groups, int size) {
  if (!moto.Reset().ok()) return 1;
  auto names = MakeFleet(moto.url(), groups, size);
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
  aws::ClientContext ctx{transport, creds, clock, rng, quota,
                         aws::EndpointConfig{"us-east-1", moto.url(), {}}, "", 0, nullptr, &counts};
  auto cloud = aws::AwsCloud::Create(ctx);
  auto t0 = std::chrono::steady_clock::now();
  auto observed = (*cloud)->ObserveGroups(*names);
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
