// SimRunner: commands take the scenario's time on the virtual clock; Runtime::Remote hands it
// out in a simulation.
#include "cli/sim_runner.h"

#include <gtest/gtest.h>

#include <functional>
#include <sstream>
#include <vector>

#include "cli/probes.h"
#include "cli/runtime.h"
#include "remote/disks.h"

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
  - {pattern: "ansible-playbook *", host: local, duration: 6m, output: ok=42}
faults:
  - {kind: port_closed, host: bastion, port: 22, at: 1h, for: 10m}
  - {kind: command_failure, pattern: "*--tags broken*", host: local, exit: 2, output: failed=1}
)";

// A command, what it answers and how long it takes on the virtual clock.
struct CommandRow {
  const char* name;
  std::string command;
  std::chrono::milliseconds timeout;
  core::Code code;
  int exit_status;
  std::string out;
  core::Duration took;
};

// Runs each row's command with `run(command, timeout)` and checks the answer and the time taken.
void ExpectRows(sim::SimCloud& sim, const std::vector<CommandRow>& rows,
                const std::function<core::Result<remote::CommandResult>(
                    const std::string&, std::chrono::milliseconds)>& run) {
  for (const CommandRow& r : rows) {
    core::Time before = sim.clock().Now();
    auto result = run(r.command, r.timeout);
    EXPECT_EQ(result.status().code(), r.code) << r.name << ": " << result.status().message();
    EXPECT_EQ(sim.clock().Now() - before, r.took) << r.name;
    if (!result.ok()) continue;
    EXPECT_EQ(result->exit_status, r.exit_status) << r.name;
    EXPECT_EQ(result->out, r.out) << r.name;
  }
}

TEST(SimRunner, CommandsTakeTheirTimeOnTheVirtualClock) {
  auto scenario = sim::ParseScenario(kScenario, "runner.yaml");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  sim::SimCloud sim(*scenario);
  SimRunner runner(sim);
  auto host = sim.cloud().instances.DescribeHost("bastion");
  ASSERT_TRUE(host.ok());
  remote::SshTarget target{"bastion", host->instance.private_ip, false};
  const std::vector<CommandRow> rows = {
      {"default", "uptime", 30s, core::Code::kOk, 0, "", 2s},
      {"scripted", "sudo dnf -y upgrade", 5min, core::Code::kOk, 0, "Complete!", 3min},
      {"non-zero exit", "false", 30s, core::Code::kOk, 1, "", 1s},
      {"outlasts the timeout", "sudo dnf -y upgrade", 30s, core::Code::kDeadlineExceeded, 0, "",
       30s},
      {"a local entry is not for hosts", "ansible-playbook site.yml", 30s, core::Code::kOk, 0, "",
       2s},
  };
  ExpectRows(sim, rows, [&](const std::string& command, std::chrono::milliseconds timeout) {
    return runner.Run(target, command, timeout);
  });
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

// Local commands (--prepare, --after) take the time of their `host: local` entry; a
// command_failure fault on `local` fails them; nothing over ssh is involved.
TEST(SimRunner, LocalCommandsTakeTheirTimeOnTheVirtualClock) {
  auto scenario = sim::ParseScenario(kScenario, "runner.yaml");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  sim::SimCloud sim(*scenario);
  SimRunner runner(sim);
  const std::vector<CommandRow> rows = {
      {"no entry: at once", "make -C ../infra", 30s, core::Code::kOk, 0, "", 0s},
      {"a remote entry is not for this machine", "sudo dnf -y upgrade", 30s, core::Code::kOk, 0, "",
       0s},
      {"its entry", "ansible-playbook site.yml -l 10.0.0.9", 10min, core::Code::kOk, 0, "ok=42",
       6min},
      {"a failure fault", "ansible-playbook site.yml --tags broken", 10min, core::Code::kOk, 2,
       "failed=1", 6min},
      {"outlasts the timeout", "ansible-playbook site.yml", 1min, core::Code::kDeadlineExceeded, 0,
       "", 1min},
  };
  ExpectRows(sim, rows, [&](const std::string& command, std::chrono::milliseconds timeout) {
    return runner.RunLocal(command, timeout);
  });
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

constexpr char kDisks[] = R"(region: us-east-1
start: 2026-11-30T09:00:00Z
images:
  - {id: ami-1, name: fedora-41, created: 2026-11-01T00:00:00Z}
hosts:
  - name: copr
    image: ami-1
    volumes:
      - {device: /dev/sdf, id: vol-0da7a000000000001, size: 160, mount: /var/lib/copr}
      - {device: /dev/sdg, id: vol-0db00000000000001, size: 10, mount: /var/lib/pgsql}
  - {name: other, image: ami-1}
commands:
  - {pattern: "*umount*", host: copr, duration: 4s}
faults:
  - {kind: command_failure, pattern: "lsblk*", host: other, exit: 127, output: "lsblk: not found"}
)";

// The mount points of the volume as the host's lsblk shows them, read as the runbook reads them.
std::vector<std::string> MountsOf(SimRunner& runner, const remote::SshTarget& host,
                                  const std::string& volume, const std::string& device) {
  auto listed = runner.Run(host, remote::ListDisksCommand(), 30s);
  EXPECT_TRUE(listed.ok()) << listed.status().message();
  if (!listed.ok()) return {};
  EXPECT_EQ(listed->exit_status, 0);
  auto disks = remote::ParseDisks(listed->out);
  EXPECT_TRUE(disks.ok()) << disks.status().message();
  if (!disks.ok()) return {};
  return remote::MountPoints(remote::DisksOfVolume(*disks, volume, device));
}

TEST(SimRunner, DiskCommandsAreActedOut) {
  auto scenario = sim::ParseScenario(kDisks, "disks.yaml");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  sim::SimCloud sim(*scenario);
  SimRunner runner(sim);
  remote::SshTarget copr{"copr", sim.cloud().instances.DescribeHost("copr")->instance.private_ip,
                         false};
  const std::string data = "vol-0da7a000000000001", db = "vol-0db00000000000001";
  EXPECT_EQ(MountsOf(runner, copr, data, "/dev/sdf"), std::vector<std::string>{"/var/lib/copr"});
  EXPECT_EQ(MountsOf(runner, copr, db, "/dev/sdg"), std::vector<std::string>{"/var/lib/pgsql"});
  struct Row {
    const char* name;
    std::string command;
    int exit_status;
    std::string err;
    core::Duration took;
  };
  const Row rows[] = {
      {"unmount", remote::UnmountCommand({"/var/lib/copr"}), 0, "", 4s},
      {"unmount again", remote::UnmountCommand({"/var/lib/copr"}), 32,
       "umount: /var/lib/copr: not mounted.\n", 4s},
      {"the first failure ends it", remote::UnmountCommand({"/var/lib/pgsql", "/var/lib/copr"}), 32,
       "umount: /var/lib/copr: not mounted.\n", 4s},
      {"mount a disk that is not there", remote::MountCommand("/dev/nvme7n1", "/var/lib/copr"), 32,
       "mount: /var/lib/copr: special device /dev/nvme7n1 does not exist.\n", 2s},
      {"mount", remote::MountCommand("/dev/nvme1n1", "/var/lib/copr"), 0, "", 2s},
  };
  for (const Row& r : rows) {
    core::Time before = sim.clock().Now();
    auto result = runner.Run(copr, r.command, 30s);
    ASSERT_TRUE(result.ok()) << r.name << ": " << result.status().message();
    EXPECT_EQ(result->exit_status, r.exit_status) << r.name;
    EXPECT_EQ(result->err, r.err) << r.name;
    EXPECT_EQ(sim.clock().Now() - before, r.took) << r.name;
  }
  EXPECT_EQ(MountsOf(runner, copr, data, "/dev/sdf"), std::vector<std::string>{"/var/lib/copr"});
  EXPECT_EQ(MountsOf(runner, copr, db, "/dev/sdg"), std::vector<std::string>{});

  // The scenario's command_failure wins: nothing is listed.
  remote::SshTarget other{"other", sim.cloud().instances.DescribeHost("other")->instance.private_ip,
                          false};
  auto failed = runner.Run(other, remote::ListDisksCommand(), 30s);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->exit_status, 127);
  EXPECT_EQ(failed->out, "lsblk: not found");
  // A stopped host does not answer.
  ASSERT_TRUE(
      sim.cloud()
          .instances.SetRunning(sim.cloud().instances.DescribeHost("copr")->instance.id, false)
          .ok());
  auto stopped = runner.Run(copr, remote::UnmountCommand({"/var/lib/copr"}), 30s);
  EXPECT_EQ(stopped.status().code(), core::Code::kUnavailable);
}

}  // namespace
}  // namespace rotor::cli
