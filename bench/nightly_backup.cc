// Benchmark (issue 14): a nightly backup with retention, `rotor backup --tag backup=nightly
// --keep 7`, of instances with two data volumes each and a week of rotor's earlier backups (so
// that each volume's oldest goes).
//  1. On moto_server, 50 instances (100 volumes): API calls per volume and wall time, through
//     the real wire. No --pre/--post (moto's instances have no hosts to ssh to).
//  2. In the simulator, 1,000 instances (2,000 volumes), with a 1 s freeze and thaw on each host
//     and snapshots taking 12 min: virtual time, API calls per volume, and rotor's own wall time
//     and peak memory for the whole run.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/credentials.h"
#include "cli/commands/commands.h"
#include "cli/runtime.h"
#include "fakes/moto_server.h"

using namespace rotor;
namespace fs = std::filesystem;

namespace {

constexpr int kNights = 7;

struct Result {
  Result(std::string w, int n) : where(std::move(w)), instances(n), volumes(2 * n) {}
  std::string where;
  int instances = 0, volumes = 0;
  double wall_s = 0, virtual_s = -1;
  std::map<std::string, int> calls;
  std::string outcome;
  long peak_rss_mb = 0;
};

int Total(const std::map<std::string, int>& calls) {
  int n = 0;
  for (const auto& [op, k] : calls) n += k;
  return n;
}

void Print(const Result& r) {
  int total = Total(r.calls);
  std::cout << fmt::format(
      "{}: {} instances, {} volumes: {} | {} API calls, {:.1f} per volume | wall {:.1f} s{} | "
      "peak RSS {} MB\n",
      r.where, r.instances, r.volumes, r.outcome, total, double(total) / r.volumes, r.wall_s,
      r.virtual_s >= 0 ? fmt::format(", virtual {:.0f} s", r.virtual_s) : "", r.peak_rss_mb);
  for (const auto& [op, n] : r.calls) std::cout << fmt::format("    {:40} {}\n", op, n);
}

long PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

const std::vector<std::string> kBackup = {
    "backup", "--tag", "backup=nightly", "--keep", std::to_string(kNights), "--yes"};

std::string Outcome(int code, const std::string& err) {
  return code == 0 ? "completed" : fmt::format("exit {}: {}", code, err.substr(0, 300));
}

// 1. moto: the fleet made with boto3, rotor run in this process on the real wire.
Result OnMoto(int n) {
  Result r("moto", n);
  auto moto = testing::MotoServer::Start();
  if (!moto.ok()) {
    r.outcome = moto.status().message();
    return r;
  }
  std::string cmd = fmt::format("python3 {}/make_backup_fleet.py {} {} {} >/dev/null",
                                ROTOR_BENCH_DIR, (*moto)->url(), n, kNights);
  if (std::system(cmd.c_str()) != 0) {
    r.outcome = cmd + " failed";
    return r;
  }
  fs::path state = fs::temp_directory_path() / "rotor-bench-backup";
  fs::remove_all(state);
  fs::create_directories(state);
  setenv("AWS_ACCESS_KEY_ID", "testing", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
  setenv("AWS_CONFIG_FILE", "/dev/null", 1);
  setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
  setenv("XDG_STATE_HOME", state.c_str(), 1);
  cli::GlobalOptions options;
  options.endpoint_url = (*moto)->url();
  options.region = "us-east-1";
  options.max_rps = 100;
  std::ostringstream debug;
  auto rt = cli::Runtime::Create(options, aws::AwsEnvFromProcess(), debug);
  if (!rt.ok()) {
    r.outcome = rt.status().message();
    return r;
  }
  std::ostringstream out, err;
  std::vector<std::string> args = {"--endpoint-url", (*moto)->url(), "--region", "us-east-1",
                                   "--max-rps",      "100",          "--output", "json"};
  args.insert(args.end(), kBackup.begin(), kBackup.end());
  auto t0 = std::chrono::steady_clock::now();
  int code = cli::RunCommandLine(args, out, err, rt->get());
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.outcome = Outcome(code, err.str());
  r.calls = (*rt)->call_counts();
  r.peak_rss_mb = PeakRssMb();
  fs::remove_all(state);
  return r;
}

// 2. The simulator: a generated scenario of `n` hosts like examples/nightly-backup.yaml's db-1.
std::string Scenario(int n) {
  std::string s = R"(seed: 14
region: eu-west-1
start: 2026-12-01T03:00:00Z
images:
  - {id: ami-0de6b1a2000000001, name: debian-12-amd64-20261110, created: 2026-11-10T00:00:00Z}
hosts:
)";
  for (int k = 0; k < n; ++k) {
    s += fmt::format(
        "  - name: db-{0:04d}\n    image: ami-0de6b1a2000000001\n    zone: eu-west-1{1}\n"
        "    tags: {{backup: nightly}}\n    volumes:\n"
        "      - {{device: /dev/xvda, size: 20}}\n"
        "      - {{device: /dev/sdf, size: 500, mount: /var/lib/pgsql, backups: {2}}}\n"
        "      - {{device: /dev/sdg, size: 50, mount: /var/lib/pgsql/wal, backups: {2}}}\n",
        k, "abc"[k % 3], kNights);
  }
  return s + R"(commands:
  - {pattern: "fsfreeze *", duration: 1s}
timing:
  api_latency: 50ms
  snapshot: 12m
faults: []
)";
}

Result InSimulator(int n) {
  Result r("simulator", n);
  fs::path file = fs::temp_directory_path() / "rotor-bench-nightly.yaml";
  std::ofstream(file) << Scenario(n);
  std::vector<std::string> args = {"--output", "json", "simulate", file.string(), "--"};
  args.insert(args.end(), kBackup.begin(), kBackup.end());
  args.insert(args.end(),
              {"--pre", "fsfreeze -f /var/lib/pgsql", "--post", "fsfreeze -u /var/lib/pgsql"});
  std::ostringstream out, err;
  auto t0 = std::chrono::steady_clock::now();
  int code = cli::RunCommandLine(args, out, err);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fs::remove(file);
  auto j = nlohmann::json::parse(out.str(), nullptr, false);
  if (!j.is_object()) {
    r.outcome = fmt::format("exit {}: {}", code, err.str().substr(0, 300));
    return r;
  }
  r.outcome = j.value("outcome", "?");
  r.virtual_s = j.value("makespan_s", -1.0);
  for (const auto& [op, k] : j["api_calls"].items()) r.calls[op] = k;
  r.peak_rss_mb = PeakRssMb();
  return r;
}

}  // namespace

// bench_nightly_backup [MOTO_INSTANCES [SIM_INSTANCES]]: 50 and 1000 unless given; 0 skips.
int main(int argc, char** argv) {
  int moto = argc > 1 ? std::atoi(argv[1]) : 50;
  int sim = argc > 2 ? std::atoi(argv[2]) : 1000;
  if (moto > 0) Print(OnMoto(moto));
  if (sim > 0) Print(InSimulator(sim));
  return 0;
}
