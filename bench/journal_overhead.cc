// Benchmark (issue 5): what the journal costs. (1) One step — an intent and an outcome, each
// with the state of a 300-instance rollout — in SQLite (WAL, synchronous=FULL) and in DynamoDB
// on moto_server. (2) A respawn of 300 instances in the simulator (max-surge 1) journaled in
// memory and in SQLite: the CPU time the journal adds (target under 5 %).
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "aws/client.h"
#include "aws/curl_transport.h"
#include "core/strings.h"
#include "fakes/moto_server.h"
#include "fleets.h"
#include "journal/dynamodb_journal.h"
#include "journal/memory_journal.h"
#include "journal/sqlite_journal.h"
#include "ops/respawn.h"
#include "rollout/codec.h"
#include "sim/sim_cloud.h"

using namespace rotor;
using namespace std::chrono_literals;

using bench::Fleet;
using bench::MakeFleet;

namespace {

struct Cpu {
  double user = 0, system = 0;
  double total() const { return user + system; }
  Cpu operator-(const Cpu& o) const { return {user - o.user, system - o.system}; }
};

Cpu CpuNow() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return {u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6,
          u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6};
}

double CpuSeconds() { return CpuNow().total(); }

std::string BigState() {
  rollout::RolloutState s;
  s.group = "app";
  for (int i = 0; i < 300; ++i) {
    std::string id = fmt::format("i-{:017x}", i + 1);
    s.victims.push_back(id);
    s.initial.insert(id);
    if (i < 150) s.removed.insert(id);
  }
  return rollout::StateToJson(s);
}

void PerStep(journal::Journal& j, const std::string& name, int steps) {
  std::string state = BigState();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) {
    journal::Record intent{core::Time{}, "r-bench", 0, "app", journal::RecordKind::kIntent,
                           "detach i-1", "{}"};
    journal::Record outcome{core::Time{}, "r-bench", 0, "app", journal::RecordKind::kOutcome,
                            "ok",         state};
    if (!j.Append(intent).ok() || !j.Append(outcome).ok()) {
      std::cerr << name << ": append failed\n";
      return;
    }
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::cout << fmt::format("| {} | {} | {:.2f} ms | {} KB |\n", name, steps, ms / steps,
                           state.size() / 1024);
}

Cpu RespawnCpu(journal::Journal& j, int n) {
  sim::SimCloud cloud(Fleet(n));
  rollout::Policy p;
  Cpu t0 = CpuNow();
  auto plan = ops::PlanRespawn(cloud.cloud(), {"app-stack", "", "", ""}, p, cloud.clock().Now());
  ops::RespawnOptions ro;
  ro.rollout_id = fmt::format("r-{}", n);
  auto report = plan.ok() ? ops::Respawn(cloud.cloud(), cloud.clock(), j, *plan, p, ro)
                          : core::Result<ops::RespawnReport>(plan.status());
  if (!report.ok() || report->outcome != rollout::Outcome::kCompleted) {
    std::cerr << "respawn did not complete: "
              << (report.ok() ? rollout::OutcomeName(report->outcome) : report.status().message())
              << "\n";
  }
  return CpuNow() - t0;
}

void RespawnWithAndWithout(const std::string& path) {
  std::cout << "\n| respawn, N = 300, max-surge 1 | CPU | user | system |\n|---|---|---|---|\n";
  // The median of eleven runs each, alternating: this machine's CPU time is noisy (±10 %).
  constexpr int kRuns = 11;
  std::vector<Cpu> bases, withs;
  for (int run = 0; run < kRuns; ++run) {
    journal::MemoryJournal memory;
    bases.push_back(RespawnCpu(memory, 300));
    auto sqlite = journal::SqliteJournal::Open(path);
    if (sqlite.ok()) withs.push_back(RespawnCpu(**sqlite, 300));
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  auto median = [](std::vector<Cpu> v) {
    std::sort(v.begin(), v.end(), [](Cpu a, Cpu b) { return a.total() < b.total(); });
    return v.empty() ? Cpu{} : v[v.size() / 2];
  };
  Cpu base = median(bases), with = median(withs);
  std::cout << fmt::format("| journal in memory | {:.3f} s | {:.3f} s | {:.3f} s |\n", base.total(),
                           base.user, base.system);
  std::cout << fmt::format("| journal in SQLite | {:.3f} s ({:+.1f} %) | {:.3f} s | {:.3f} s |\n",
                           with.total(), 100 * (with.total() / base.total() - 1), with.user,
                           with.system);
}

}  // namespace

// `bench_journal respawn` runs only the respawn comparison.
int main(int argc, char** argv) {
  std::string path = fmt::format("/tmp/rotor-bench-{}.db", getpid());
  if (argc > 1 && std::string(argv[1]) == "respawn") {
    RespawnWithAndWithout(path);
    return 0;
  }
  std::cout << "| store | steps | per step (intent + outcome) | state |\n|---|---|---|---|\n";
  {
    auto j = journal::SqliteJournal::Open(path);
    if (j.ok()) PerStep(**j, "SQLite", 200);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  std::cout << std::flush;  // moto_server is a forked child: nothing buffered may be copied
  auto moto = testing::MotoServer::Start();
  if (moto.ok()) {
    aws::CurlTransport transport;
    aws::StaticProvider creds(aws::Credentials{"testing", "testing", "", {}, "bench"});
    core::RealClock clock;
    core::SeededRng rng(1);
    cloud::RetryQuota quota;
    aws::ClientContext ctx{transport, creds, clock,
                           rng,       quota, aws::EndpointConfig{"us-east-1", (*moto)->url(), {}},
                           "",        0,     nullptr,
                           nullptr};
    auto client = aws::AwsClient::Create(aws::kDynamoDb, ctx);
    journal::DynamoCall call = [&](const std::string& op, const nlohmann::json& body) {
      return client->Json("DynamoDB_20120810", op, body);
    };
    auto j = journal::DynamoDbJournal::Open(call, "rotor-bench", clock);
    if (j.ok()) PerStep(**j, "DynamoDB on moto", 100);
  }

  {
    rollout::RolloutState s = *rollout::StateFromJson(BigState());
    double t0 = CpuSeconds();
    size_t bytes = 0;
    for (int i = 0; i < 1000; ++i) bytes += rollout::StateToJson(s).size();
    std::cout << fmt::format("\nencoding the state of a 300-instance rollout: {:.0f} µs ({} KB)\n",
                             (CpuSeconds() - t0) * 1000, bytes / 1000 / 1024);
    // A step's delta: one more victim taken out, drained until a later time.
    rollout::StateWriter writer;
    (void)writer.Next(s);
    s.removed.clear();
    t0 = CpuSeconds();
    bytes = 0;
    for (int i = 0; i < 300; ++i) {
      s.removed.insert(s.victims[i]);
      s.draining[s.victims[i]] = core::Time{} + std::chrono::seconds(i);
      bytes += writer.Next(s).size();
    }
    std::cout << fmt::format(
        "a step's delta of it: {:.0f} µs ({} bytes on average, a full state "
        "every {} records included)\n",
        (CpuSeconds() - t0) * 1e6 / 300, bytes / 300, rollout::StateWriter::kFullEvery);
  }
  RespawnWithAndWithout(path);
  return 0;
}
