// SimRunner: commands take the scenario's time on the virtual clock; Runtime::Remote hands it
// out in a simulation.
#include "cli/sim_runner.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cli/probes.h"
#include "cli/runtime.h"

namespace rotor::cli {
namespace {

using namespace std::chrono_literals;

constexpr char kScenario[] = R"(region: us-east-1
start: 2026-11-22T00:00:00Z
images:
  - {id: ami-1, name: app-1, created: 2026-11-01T00:00:00Z}
hosts:
  - {name: bastion, image: ami-1}
commands:
  - {pattern: "sudo dnf*", duration: 3m, output: Complete!}
  - {pattern: "false", exit: 1, duration: 1s}
faults:
  - {kind: port_closed, host: bastion, port: 22, at: 1h, for: 10m}
)";

TEST(SimRunner, CommandsTakeTheirTimeOnTheVirtualClock) {
  auto scenario = sim::ParseScenario(kScenario, "runner.yaml");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  sim::SimCloud sim(*scenario);
  SimRunner runner(sim);
  auto host = sim.cloud().instances.DescribeHost("bastion");
  ASSERT_TRUE(host.ok());
  remote::SshTarget target{"bastion", host->instance.private_ip, false};
  struct Row {
    const char* name;
    std::string command;
    std::chrono::milliseconds timeout;
    core::Code code;
    int exit_status;
    std::string out;
    core::Duration took;
  };
  const Row rows[] = {
      {"default", "uptime", 30s, core::Code::kOk, 0, "", 2s},
      {"scripted", "sudo dnf -y upgrade", 5min, core::Code::kOk, 0, "Complete!", 3min},
      {"non-zero exit", "false", 30s, core::Code::kOk, 1, "", 1s},
      {"outlasts the timeout", "sudo dnf -y upgrade", 30s, core::Code::kDeadlineExceeded, 0, "",
       30s},
  };
  for (const Row& r : rows) {
    core::Time before = sim.clock().Now();
    auto result = runner.Run(target, r.command, r.timeout);
    EXPECT_EQ(result.status().code(), r.code) << r.name << ": " << result.status().message();
    EXPECT_EQ(sim.clock().Now() - before, r.took) << r.name;
    if (!result.ok()) continue;
    EXPECT_EQ(result->exit_status, r.exit_status) << r.name;
    EXPECT_EQ(result->out, r.out) << r.name;
  }
  EXPECT_TRUE(runner.PortOpen(target, 22, 5s).ok());
  sim.clock().SleepUntil(sim.start() + 1h);
  core::Status closed = runner.PortOpen(target, 22, 5s);
  EXPECT_EQ(closed.code(), core::Code::kUnavailable);
  EXPECT_NE(closed.message().find("connection refused"), std::string::npos) << closed.message();
  auto refused = runner.Run(target, "uptime", 30s);
  EXPECT_EQ(refused.status().code(), core::Code::kUnavailable);
  EXPECT_EQ(sim.clock().Now(), sim.start() + 1h);  // no time passes
  EXPECT_EQ(runner.Run({"x", "10.99.0.1", false}, "uptime", 30s).status().code(),
            core::Code::kUnavailable);
}

TEST(SimRunner, RuntimeHandsOutOneRunnerInASimulation) {
  std::string path = ::testing::TempDir() + "/rotor-sim-runner.yaml";
  {
    FILE* f = fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs(kScenario, f);
    fclose(f);
  }
  auto rt = Runtime::CreateSim(path, 10);
  ASSERT_TRUE(rt.ok()) << rt.status().message();
  auto a = (*rt)->Remote();
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NE(dynamic_cast<SimRunner*>(*a), nullptr);
  EXPECT_EQ(*(*rt)->Remote(), *a);
  std::remove(path.c_str());
}

// An ssh probe pins the host keys the instance's console shows before it first connects, under
// the address it probes; --ssh-address ipv6 probes the IPv6 address.
TEST(SimRunner, SshProbesPinTheConsolesHostKeysFirst) {
  std::string path = ::testing::TempDir() + "/rotor-sim-probe.yaml";
  {
    FILE* f = fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs(kScenario, f);
    fclose(f);
  }
  for (std::string kind : {"private", "ipv6"}) {
    GlobalOptions o;
    o.cloud = "sim:" + path;
    o.ssh_address = kind;
    std::ostringstream debug;
    auto rt = Runtime::Create(o, aws::AwsEnv{}, debug);
    ASSERT_TRUE(rt.ok()) << rt.status().message();
    auto set = ProbeSet::Create({"ssh:true"}, "private", **rt);
    ASSERT_TRUE(set.ok()) << set.status().message();
    auto host = (*rt)->cloud().instances.DescribeHost("bastion");
    ASSERT_TRUE(host.ok());
    core::Status probed = (*set)->Check(host->instance);
    auto* runner = dynamic_cast<SimRunner*>(*(*rt)->Remote());
    ASSERT_NE(runner, nullptr);
    if (kind == "ipv6") {
      EXPECT_EQ(probed.code(), core::Code::kUnavailable) << "the bastion has no IPv6 address";
      EXPECT_NE(probed.message().find("no IPv6 address"), std::string::npos) << probed.message();
      continue;
    }
    EXPECT_TRUE(probed.ok()) << probed.message();
    ASSERT_EQ(runner->pinned().count(host->instance.private_ip), 1u);
    EXPECT_FALSE(runner->pinned().at(host->instance.private_ip).empty());
  }
}

}  // namespace
}  // namespace rotor::cli
