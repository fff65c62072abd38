// The command line end to end on the simulated cloud: rotor --cloud sim:FILE and rotor simulate.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "cli/progress.h"
#include "core/strings.h"
#include "ops/bundle.h"

namespace rotor::cli {
namespace {

namespace fs = std::filesystem;

std::string Example(const std::string& name) {
  return std::string(ROTOR_SOURCE_DIR) + "/examples/" + name;
}

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Rotor(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunCommandLine(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(Cli, StatusOnTheSimulatedCloud) {
  Outcome r =
      Rotor({"--cloud", "sim:" + Example("web-stack.yaml"), "--output", "json", "status", "web-1"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["groups"].size(), 1u);
  EXPECT_EQ(j["groups"][0]["name"], "web-1-AppServer");
  EXPECT_EQ(j["groups"][0]["launch_spec"]["resolved_version"], "2");
  EXPECT_EQ(j["groups"][0]["out_of_date"], 6);
  EXPECT_EQ(j["groups"][0]["ready"], 6);
}

TEST(Cli, ImagesOnTheSimulatedCloud) {
  Outcome r = Rotor({"--cloud", "sim:" + Example("web-stack.yaml"), "--output", "json", "images",
                     "--image-filter", "app-*"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["newest"]["id"], "ami-0new");
  EXPECT_EQ(j["stacks"][0]["stack"], "web-1");
  EXPECT_EQ(j["stacks"][0]["days_behind"], 31);
}

TEST(Cli, SimulateReportsInTheDesignShape) {
  Outcome r = Rotor({"--output", "json", "simulate", Example("bad-image.yaml"), "--for", "30m",
                     "--", "status", "api-2"});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"outcome", "makespan_s", "api_calls", "api_calls_total", "instance_seconds",
        "min_ready_observed", "invariant_violations", "events"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["outcome"], "completed");
  EXPECT_GE(j["makespan_s"].get<double>(), 1800.0);
  EXPECT_EQ(j["api_calls"]["cloudformation:DescribeStacks"], 1);
  EXPECT_EQ(j["min_ready_observed"], 4);
  EXPECT_TRUE(j["invariant_violations"].empty());
  EXPECT_GT(j["events"].size(), 3u);  // the terminate fault and the group's replacement
  EXPECT_NE(j["command_output"].get<std::string>().find("group api-2-Workers"), std::string::npos);
}

TEST(Cli, SimulateIsDeterministicAndWritesTheTrace) {
  fs::path trace = fs::temp_directory_path() / "rotor-cli-test-trace.txt";
  auto hash = [&] {
    Outcome r = Rotor({"--output", "json", "simulate", Example("quorum-cluster.yaml"), "--trace",
                       trace.string(), "--for", "1h", "--", "status", "zk-3"});
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out)["trace_hash"].get<std::string>();
  };
  std::string a = hash(), b = hash();
  EXPECT_EQ(a, b);
  std::ifstream in(trace);
  EXPECT_TRUE(in.good());
  fs::remove(trace);
}

TEST(Cli, BadScenarioIsAnInputError) {
  fs::path bad = fs::temp_directory_path() / "rotor-cli-test-bad.yaml";
  std::ofstream(bad) << "seed: 1\nstacks:\n  - name: x\n    grups: []\n";
  Outcome r = Rotor({"simulate", bad.string(), "--", "status", "x"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find(bad.string() + ":4: stacks[].grups: unknown key"), std::string::npos)
      << r.err;
  Outcome c = Rotor({"--cloud", "sim:" + bad.string(), "status", "x"});
  EXPECT_EQ(c.code, kExitUsage);
  Outcome m = Rotor({"--cloud", "mars", "status", "x"});
  EXPECT_EQ(m.code, kExitUsage);
  EXPECT_NE(m.err.find("--cloud 'mars' is not a cloud"), std::string::npos);
  fs::remove(bad);
}

TEST(Cli, MaxRpsIsCheckedBeforeAnythingRuns) {
  const std::string sim = "sim:" + Example("web-stack.yaml");
  struct Row {
    const char* name;
    std::vector<std::string> args;
    int want_code;
    std::string want_err;  // a part of stderr; "" for none
  };
  const Row rows[] = {
      {"zero",
       {"--max-rps", "0", "--cloud", sim, "status", "web-1"},
       kExitUsage,
       "rotor: --max-rps 0 is out of range: give requests per second above 0 and at most 1000\n"},
      {"negative",
       {"--max-rps", "-1", "--cloud", sim, "status", "web-1"},
       kExitUsage,
       "--max-rps -1 is out of range"},
      {"above 1000",
       {"--max-rps", "1001", "--cloud", sim, "status", "web-1"},
       kExitUsage,
       "--max-rps 1001 is out of range"},
      {"NaN",
       {"--max-rps", "nan", "--cloud", sim, "status", "web-1"},
       kExitUsage,
       "--max-rps nan is out of range"},
      {"not a number", {"--max-rps", "ten", "status", "web-1"}, kExitUsage, "--max-rps"},
      {"on AWS, before any AWS setting is read",
       {"--max-rps", "0", "--region", "us-east-1", "status", "web-1"},
       kExitUsage,
       "--max-rps 0 is out of range"},
      {"simulate",
       {"--max-rps", "5000", "simulate", Example("web-stack.yaml")},
       kExitUsage,
       "--max-rps 5000 is out of range"},
      {"a fraction of one per second is a ceiling",
       {"--max-rps", "0.5", "--cloud", sim, "status", "web-1"},
       kExitOk,
       ""},
      {"the maximum", {"--max-rps", "1000", "--cloud", sim, "status", "web-1"}, kExitOk, ""},
  };
  for (const Row& r : rows) {
    Outcome o = Rotor(r.args);
    EXPECT_EQ(o.code, r.want_code) << r.name << ": " << o.err;
    if (r.want_err.empty()) {
      EXPECT_EQ(o.err, "") << r.name;
    } else {
      EXPECT_NE(o.err.find(r.want_err), std::string::npos) << r.name << ": " << o.err;
    }
  }
}

TEST(Cli, NestedCommandErrorsAreReported) {
  Outcome r =
      Rotor({"--output", "json", "simulate", Example("web-stack.yaml"), "--", "status", "nope"});
  EXPECT_EQ(r.code, kExitUsage);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["outcome"], "failed");
  EXPECT_NE(j["command_errors"].get<std::string>().find("stack 'nope' does not exist"),
            std::string::npos);
}

std::string WriteScenario(const std::string& name, const std::string& extra_group_keys,
                          const std::string& faults) {
  fs::path p = fs::temp_directory_path() / name;
  std::ofstream(p) << R"(seed: 3
start: 2026-11-22T00:00:00Z
images:
  - {id: ami-old, name: app-1, created: 2026-10-01T00:00:00Z}
  - {id: ami-new, name: app-2, created: 2026-11-01T00:00:00Z}
stacks:
  - name: web
    groups:
      - name: web-App
        launch_template: {name: lt, versions: [ami-old, ami-new], group_uses: $Latest}
        zones: [z-a, z-b]
        min: 1
        max: 8
        desired: 3
        instances: {count: 3, image: ami-old}
        load_balancers: [{type: alb, interval: 10s, deregistration_delay: 30s}]
)" + extra_group_keys + "timing:\n  api_latency: 0s\n" +
                          faults;
  return p.string();
}

nlohmann::json Simulated(const std::vector<std::string>& rotor_args, const std::string& scenario,
                         int want_code) {
  std::vector<std::string> args = {"--output", "json", "simulate", scenario, "--"};
  args.insert(args.end(), rotor_args.begin(), rotor_args.end());
  Outcome r = Rotor(args);
  EXPECT_EQ(r.code, want_code) << r.err << r.out;
  return nlohmann::json::parse(r.out, nullptr, false);
}

TEST(Cli, RespawnCompletesOnTheSimulatedCloud) {
  auto j = Simulated({"respawn", "web-1", "--yes"}, Example("web-stack.yaml"), kExitOk);
  EXPECT_EQ(j["outcome"], "completed");
  EXPECT_TRUE(j["invariant_violations"].empty()) << j["invariant_violations"];
  EXPECT_EQ(j["min_ready_observed"], 6);
  EXPECT_NE(j["command_output"].get<std::string>().find("completed — 6 of 6 replaced"),
            std::string::npos);
  auto status = Simulated({"status", "web-1"}, Example("web-stack.yaml"), kExitOk);
  EXPECT_NE(status["command_output"].get<std::string>().find("6 out of date"), std::string::npos);
}

TEST(Cli, RespawnDryRunChangesNothing) {
  auto j = Simulated({"--dry-run", "respawn", "web-1", "--max-surge", "50%"},
                     Example("web-stack.yaml"), kExitOk);
  std::string out = j["command_output"];
  EXPECT_NE(out.find("surge 3, 2 batches"), std::string::npos) << out;
  EXPECT_NE(out.find("batch 2: i-00000000000000004 i-00000000000000005 i-00000000000000006"),
            std::string::npos)
      << out;
  for (auto& [op, n] : j["api_calls"].items()) {
    EXPECT_EQ(op.find("Update"), std::string::npos) << op;
    EXPECT_EQ(op.find("Detach"), std::string::npos) << op;
    EXPECT_EQ(op.find("Suspend"), std::string::npos) << op;
  }
}

TEST(Cli, RespawnRollsBackABadImage) {
  std::string bad =
      WriteScenario("rotor-cli-bad-image.yaml", "",
                    "faults:\n  - {kind: boot_failure, image: ami-new, probability: 1}\n");
  auto j = Simulated({"respawn", "web", "--yes", "--health-timeout", "5m"}, bad, kExitFailed);
  EXPECT_EQ(j["outcome"], "rolled_back");  // the operation's own outcome, not "failed"
  EXPECT_TRUE(j["invariant_violations"].empty()) << j["invariant_violations"];
  std::string out = j["command_output"];
  EXPECT_NE(out.find("web-App: rolled_back"), std::string::npos) << out;
  auto pause = Simulated({"respawn", "web", "--yes", "--on-failure", "pause"}, bad, kExitPaused);
  EXPECT_NE(pause["command_output"].get<std::string>().find("web-App: paused"), std::string::npos);
  EXPECT_EQ(pause["outcome"], "paused");
  auto abort = Simulated({"respawn", "web", "--yes", "--on-failure", "abort"}, bad, kExitFailed);
  EXPECT_EQ(abort["outcome"], "aborted");
  fs::remove(bad);
}

// `rollout list|show` read only the local journal: no region, no credentials needed.
TEST(Cli, RolloutListNeedsNoRegion) {
  fs::path state = fs::temp_directory_path() / "rotor-cli-local-journal.db";
  fs::remove(state);
  std::map<std::string, std::string> saved;
  for (const char* k : {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"}) {
    if (const char* v = getenv(k)) saved[k] = v;
    unsetenv(k);
  }
  Outcome list = Rotor({"--state", state.string(), "rollout", "list"});
  EXPECT_EQ(list.code, kExitOk) << list.err;
  EXPECT_NE(list.out.find("no rollouts"), std::string::npos) << list.out;
  Outcome show = Rotor({"--state", state.string(), "rollout", "show", "r-nope"});
  EXPECT_EQ(show.code, kExitUsage) << show.err;  // unknown id: an input error, not a region one
  EXPECT_NE(show.err.find("no rollout r-nope"), std::string::npos) << show.err;
  for (const auto& [k, v] : saved) setenv(k.c_str(), v.c_str(), 1);
  fs::remove(state);
}

// A lease owner that ran on this host and whose process is gone; nothing else counts as gone.
TEST(Cli, LocalOwnerGoneOnlyForADeadProcessOfThisHost) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);  // reaped: the pid names no process now
  struct Row {
    const char* name;
    std::string owner;
    bool want;
  } rows[] = {
      {"dead process here", fmt::format("ops@{}:{}", host, child), true},
      {"this very process", fmt::format("ops@{}:{}", host, getpid()), false},
      {"a live process here", fmt::format("ops@{}:{}", host, getppid()), false},
      {"another host", fmt::format("ops@not-{}:{}", host, child), false},
      {"no pid", fmt::format("ops@{}:", host), false},
      {"not a number", fmt::format("ops@{}:12x", host), false},
      {"no host", "unnamed", false},
  };
  for (const Row& r : rows) EXPECT_EQ(Runtime::LocalOwnerGone(r.owner), r.want) << r.name;
}

// The lease owner names the account of the effective user id, with or without $USER (the
// runtime reads no $USER here: its environment is empty).
TEST(Cli, OwnerIsTheEffectiveUsersAccount) {
  auto rt = Runtime::CreateSim(Example("web-stack.yaml"), 10);
  ASSERT_TRUE(rt.ok()) << rt.status().message();
  const passwd* pw = getpwuid(geteuid());
  ASSERT_NE(pw, nullptr);
  std::string owner = (*rt)->owner();
  EXPECT_EQ(owner.rfind(std::string(pw->pw_name) + "@", 0), 0u) << owner;
  EXPECT_NE(owner.find(":" + std::to_string(getpid())), std::string::npos) << owner;
}

// Two groups of one stack: --parallel 2 rolls them at once in about half the time; when they
// fail, both roll back, while one at a time never starts the second.
TEST(Cli, RespawnRollsGroupsInParallel) {
  const std::string worker = R"(      - name: web-Worker
        launch_template: {name: lt2, versions: [ami-old, ami-new], group_uses: $Latest}
        zones: [z-a, z-b]
        min: 1
        max: 8
        desired: 3
        instances: {count: 3, image: ami-old}
        load_balancers: [{type: alb, interval: 10s, deregistration_delay: 30s}]
)";
  std::string two = WriteScenario("rotor-cli-two-groups.yaml", worker, "");
  auto serial = Simulated({"respawn", "web", "--yes"}, two, kExitOk);
  auto parallel = Simulated({"respawn", "web", "--yes", "--parallel", "2"}, two, kExitOk);
  for (auto* j : {&serial, &parallel}) {
    EXPECT_TRUE((*j)["invariant_violations"].empty()) << (*j)["invariant_violations"];
    std::string out = (*j)["command_output"];
    EXPECT_NE(out.find("web-App: completed — 3 of 3 replaced"), std::string::npos) << out;
    EXPECT_NE(out.find("web-Worker: completed — 3 of 3 replaced"), std::string::npos) << out;
  }
  EXPECT_LT(parallel["makespan_s"].get<double>(), 0.6 * serial["makespan_s"].get<double>());
  EXPECT_NE(parallel["command_output"].get<std::string>().find("2 groups at once"),
            std::string::npos);
  fs::remove(two);

  std::string bad = WriteScenario("rotor-cli-two-bad.yaml", worker,
                                  "faults:\n  - {kind: boot_failure, image: ami-new}\n");
  auto both = Simulated({"respawn", "web", "--yes", "--parallel", "2", "--health-timeout", "3m"},
                        bad, kExitFailed);
  std::string out = both["command_output"];
  EXPECT_NE(out.find("web-App: rolled_back"), std::string::npos) << out;
  EXPECT_NE(out.find("web-Worker: rolled_back"), std::string::npos) << out;
  EXPECT_TRUE(both["invariant_violations"].empty()) << both["invariant_violations"];
  auto first = Simulated({"respawn", "web", "--yes", "--health-timeout", "3m"}, bad, kExitFailed);
  out = first["command_output"];
  EXPECT_NE(out.find("web-App: rolled_back"), std::string::npos) << out;
  EXPECT_EQ(out.find("\nweb-Worker: "), std::string::npos) << out;  // never started
  fs::remove(bad);
}

// Without a load balancer only a custom probe sees that the new image never boots: without one
// the broken image goes into service, with one the rollout rolls back.
TEST(Cli, ProbesGateNewInstances) {
  auto no_lb = [](std::string text) {
    std::string lbs =
        "        load_balancers: [{type: alb, interval: 10s, deregistration_delay: 30s}]\n";
    return text.replace(text.find(lbs), lbs.size(), "");
  };
  std::string bad = WriteScenario("rotor-cli-probe.yaml", "",
                                  "faults:\n  - {kind: boot_failure, image: ami-new}\n");
  std::string text;
  {
    std::ifstream in(bad);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(bad) << no_lb(text);
  auto blind = Simulated({"respawn", "web", "--yes"}, bad, kExitOk);
  EXPECT_NE(blind["command_output"].get<std::string>().find("web-App: completed"),
            std::string::npos);
  auto probed = Simulated(
      {"respawn", "web", "--yes", "--probe", "http://:8080/health", "--probe", "tcp:22", "--probe",
       "ssh:test -f /var/lib/cloud/instance/boot-finished", "--health-timeout", "3m"},
      bad, kExitFailed);
  std::string out = probed["command_output"];
  EXPECT_NE(out.find("web-App: rolled_back"), std::string::npos) << out;
  EXPECT_TRUE(probed["invariant_violations"].empty()) << probed["invariant_violations"];
  // The --ssh-* flags an ssh probe needs are checked before anything runs.
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--ssh-address", "ipv9"}, {"--ssh-option", "Port"}}) {
    Outcome r = Rotor(
        {"--cloud", "sim:" + bad, flag, value, "respawn", "web", "--yes", "--probe", "ssh:true"});
    EXPECT_EQ(r.code, kExitUsage) << flag;
    EXPECT_NE(r.err.find(flag + " '" + value + "'"), std::string::npos) << r.err;
  }
  // A probe no current member passes (here: every zone down) is refused before anything changes.
  std::ofstream(bad) << no_lb(text) +
                            "  - {kind: zone_outage, zone: z-a, at: 0s, for: 1h}\n"
                            "  - {kind: zone_outage, zone: z-b, at: 0s, for: 1h}\n";
  auto refused = Simulated({"respawn", "web", "--yes", "--probe", "tcp:22"}, bad, kExitBlocked);
  EXPECT_NE(refused["command_errors"].get<std::string>().find(
                "the probes fail on every ready member of group web-App"),
            std::string::npos)
      << refused["command_errors"];
  auto typo = Simulated({"respawn", "web", "--probe", "udp:53"}, bad, kExitUsage);
  EXPECT_NE(typo["command_errors"].get<std::string>().find("probe 'udp:53' is not tcp:PORT"),
            std::string::npos);
  fs::remove(bad);
}

// The scenario's crash fault kills rotor mid-rollout; simulate waits for its lease to lapse and
// resumes the rollout from the journal, which completes with every invariant held.
TEST(Cli, SimulatedCrashIsResumedFromTheJournal) {
  std::string crash =
      WriteScenario("rotor-cli-crash.yaml", "", "faults:\n  - {kind: crash, after_steps: 4}\n");
  auto j = Simulated({"respawn", "web", "--yes"}, crash, kExitOk);
  EXPECT_EQ(j["outcome"], "completed");
  EXPECT_TRUE(j["resumed_after_crash"].get<bool>());
  EXPECT_TRUE(j["invariant_violations"].empty()) << j["invariant_violations"];
  std::string out = j["command_output"];
  EXPECT_NE(out.find("rotor died (simulated crash); rotor rollout resume r-"), std::string::npos)
      << out;
  EXPECT_NE(out.find("web-App: completed — 3 of 3 replaced"), std::string::npos) << out;
  fs::remove(crash);
}

TEST(Cli, RespawnInputErrorsAndRefusals) {
  struct Row {
    const char* name;
    std::vector<std::string> args;
    std::string scenario;
    int code;
    const char* fragment;
  };
  std::string locked = WriteScenario("rotor-cli-locked.yaml", "        suspended: [Launch]\n", "");
  const Row rows[] = {
      {"unknown group",
       {"respawn", "--asg", "nope"},
       Example("web-stack.yaml"),
       kExitUsage,
       "auto scaling group 'nope' does not exist"},
      {"ambiguous prefix",
       {"respawn", "--limit", "web"},
       std::string(ROTOR_SOURCE_DIR) + "/tests/testdata/contract.yaml",
       kExitUsage,
       "matches 2 groups"},
      {"replace that cannot move",
       {"respawn", "web-1", "--strategy", "replace", "--max-surge", "0", "--max-unavailable", "0"},
       Example("web-stack.yaml"),
       kExitUsage,
       "can never take an instance out"},
      {"min-healthy above the group",
       {"respawn", "web-1", "--min-healthy", "7"},
       Example("web-stack.yaml"),
       kExitUsage,
       "above the group's desired capacity 6"},
      {"bad amount",
       {"respawn", "web-1", "--max-surge", "lots"},
       Example("web-stack.yaml"),
       kExitUsage,
       "--max-surge 'lots' is not a count or a percentage"},
      {"Launch suspended by someone else",
       {"respawn", "web", "--yes"},
       locked,
       kExitBlocked,
       "the Launch process is suspended by someone else"},
  };
  for (const Row& r : rows) {
    auto j = Simulated(r.args, r.scenario, r.code);
    EXPECT_NE(j["command_errors"].get<std::string>().find(r.fragment), std::string::npos)
        << r.name << ": " << j["command_errors"];
  }
  fs::remove(locked);
}

// Two groups in parallel: each keeps its own line, redrawn in place; the ETA is the group's own.
// `rotor patch` in the simulator: the template group gets a new version of the newest image by
// creation date (not by name), the configuration group a copy; no instance is touched.
TEST(Cli, PatchGivesGroupsANewSpecAndTouchesNoInstance) {
  auto lt = Simulated({"patch", "web", "1", "--image", "latest", "--yes"}, Example("monthly.yaml"),
                      kExitOk);
  EXPECT_EQ(lt["outcome"], "completed");
  std::string out = lt["command_output"];
  EXPECT_NE(out.find("ImageId: ami-0app10 -> ami-0app11"), std::string::npos) << out;
  EXPECT_NE(out.find("patch completed"), std::string::npos) << out;
  EXPECT_EQ(lt["api_calls"]["ec2:CreateLaunchTemplateVersion"], 1);
  EXPECT_EQ(lt["api_calls"]["autoscaling:UpdateAutoScalingGroup"], 1);
  for (auto& [op, n] : lt["api_calls"].items()) {
    EXPECT_EQ(op.find("Terminate"), std::string::npos) << op;
    EXPECT_EQ(op.find("Detach"), std::string::npos) << op;
  }
  auto lc = Simulated(
      {"patch", "--asg", "db-2-Db", "--image", "latest", "--instance-type", "m5.large", "--yes"},
      Example("monthly.yaml"), kExitOk);
  out = lc["command_output"];
  EXPECT_NE(out.find("db-2-lc -> db-2-Db-20261130T090000"), std::string::npos) << out;
  EXPECT_NE(out.find("InstanceType: t3.micro -> m5.large"), std::string::npos) << out;
  EXPECT_EQ(lc["api_calls"]["autoscaling:CreateLaunchConfiguration"], 1);
  // Graviton: latest is the arm64 image of the family.
  auto arm = Simulated(
      {"--dry-run", "patch", "web", "1", "--instance-type", "m6g.large", "--image", "latest"},
      Example("monthly.yaml"), kExitOk);
  EXPECT_NE(arm["command_output"].get<std::string>().find("ImageId: ami-0app10 -> ami-0arm11"),
            std::string::npos)
      << arm["command_output"];
}

TEST(Cli, PatchDryRunAndRefusalsChangeNothing) {
  auto dry = Simulated({"--dry-run", "patch", "web", "1", "--image", "latest"},
                       Example("monthly.yaml"), kExitOk);
  for (auto& [op, n] : dry["api_calls"].items()) {
    EXPECT_EQ(op.find("Create"), std::string::npos) << op;
    EXPECT_EQ(op.find("Update"), std::string::npos) << op;
  }
  struct Row {
    const char* name;
    std::vector<std::string> args;
    int code;
    const char* fragment;
  };
  const Row rows[] = {
      {"nothing to change", {"patch", "web", "1"}, kExitUsage, "nothing to change"},
      {"an image of the wrong architecture",
       {"patch", "web", "1", "--image", "ami-0arm11"},
       kExitUsage,
       "is arm64 but"},
      {"no such image", {"patch", "web", "1", "--image", "nope-*"}, kExitUsage, "no available"},
      {"a setting without =",
       {"patch", "web", "1", "--user-data-set", "source"},
       kExitUsage,
       "expected KEY=VALUE"},
      {"both user data flags",
       {"patch", "web", "1", "--user-data", "/dev/null", "--user-data-set", "a=b"},
       kExitUsage,
       "not both"},
      {"an unknown stack", {"patch", "nope", "9", "--image", "latest"}, kExitUsage, "nope-9"},
  };
  for (const Row& r : rows) {
    auto j = Simulated(r.args, Example("monthly.yaml"), r.code);
    std::string errors = j["command_errors"];
    EXPECT_NE(errors.find(r.fragment), std::string::npos) << r.name << ": " << errors;
    for (auto& [op, n] : j["api_calls"].items()) {
      EXPECT_EQ(op.find("Create"), std::string::npos) << r.name << ": " << op;
    }
  }
}

TEST(Cli, PatchKilledMidwayIsResumedFromTheJournal) {
  for (int k = 1; k <= 2; ++k) {
    // the monthly example, killed at its k-th change (a new version; the group pointed at it)
    std::ifstream in(Example("monthly.yaml"));
    std::stringstream text;
    text << in.rdbuf();
    std::string crash = (fs::temp_directory_path() / "rotor-cli-patch-crash.yaml").string();
    std::ofstream(crash) << text.str()
                         << fmt::format("faults:\n  - {{kind: crash, after_steps: {}}}\n", k);
    auto j = Simulated({"patch", "web", "1", "--image", "latest", "--yes"}, crash, kExitOk);
    EXPECT_EQ(j["outcome"], "completed") << k;
    EXPECT_TRUE(j["resumed_after_crash"].get<bool>()) << k;
    std::string out = j["command_output"];
    EXPECT_NE(out.find("rollout resume completed"), std::string::npos) << out;
    fs::remove(crash);
  }
}

// The monthly example with `faults` appended.
std::string MonthlyWith(const std::string& name, const std::string& faults) {
  std::ifstream in(Example("monthly.yaml"));
  std::stringstream text;
  text << in.rdbuf();
  std::string path = (fs::temp_directory_path() / name).string();
  std::ofstream(path) << text.str() << "faults:\n" << faults;
  return path;
}

// `rotor upgrade`: the newest image into the spec, then every member replaced, as one operation.
TEST(Cli, UpgradePatchesAndRollsAsOneOperation) {
  auto j = Simulated({"upgrade", "web", "1", "--yes"}, Example("monthly.yaml"), kExitOk);
  EXPECT_EQ(j["outcome"], "completed");
  EXPECT_TRUE(j["invariant_violations"].empty()) << j["invariant_violations"];
  EXPECT_EQ(j["min_ready_observed"], 6);
  std::string out = j["command_output"];
  EXPECT_NE(out.find("ImageId: ami-0app10 -> ami-0app11"), std::string::npos) << out;
  EXPECT_NE(out.find("web-1-App: then replace 6 of 6 members"), std::string::npos) << out;
  EXPECT_NE(out.find("6/6 replaced"), std::string::npos) << out;
  EXPECT_NE(out.find("upgrade completed"), std::string::npos) << out;
  EXPECT_EQ(j["api_calls"]["ec2:CreateLaunchTemplateVersion"], 1);
}

// A new image that never boots: the rolling part rolls the members back, then the runbook
// points the group back at its old version.
TEST(Cli, AFailedUpgradeRollsBackMembersAndSpec) {
  std::string bad = MonthlyWith("rotor-cli-upgrade-bad.yaml",
                                "  - {kind: boot_failure, image: ami-0app11, probability: 1}\n");
  auto j = Simulated({"upgrade", "web", "1", "--yes", "--health-timeout", "5m"}, bad, kExitFailed);
  EXPECT_EQ(j["outcome"], "rolled_back");
  EXPECT_TRUE(j["invariant_violations"].empty()) << j["invariant_violations"];
  std::string out = j["command_output"];
  EXPECT_NE(out.find("undo step 2: point web-1-App at the new version"), std::string::npos) << out;
  EXPECT_NE(out.find("upgrade rolled_back"), std::string::npos) << out;
  fs::remove(bad);
}

TEST(Cli, UpgradeKilledAnywhereIsResumedToTheEnd) {
  for (int k : {1, 2, 3, 6}) {
    std::string crash = MonthlyWith("rotor-cli-upgrade-crash.yaml",
                                    fmt::format("  - {{kind: crash, after_steps: {}}}\n", k));
    auto j = Simulated({"upgrade", "web", "1", "--yes"}, crash, kExitOk);
    EXPECT_EQ(j["outcome"], "completed") << k << j["command_output"];
    EXPECT_TRUE(j["resumed_after_crash"].get<bool>()) << k;
    EXPECT_TRUE(j["invariant_violations"].empty()) << k << j["invariant_violations"];
    EXPECT_EQ(j["api_calls"]["ec2:CreateLaunchTemplateVersion"].get<int>(), k == 1 ? 2 : 1) << k;
    fs::remove(crash);
  }
}

// `rotor upgrade --all-behind`: every stack of the family behind its newest image, each its own
// operation; N at once interleave on one clock and take less time than one after another.
TEST(Cli, UpgradeAllBehindUpgradesEveryStackBehind) {
  // A stack of another family is left alone, though it runs an older image than app-*'s newest.
  std::string other = MonthlyWith("rotor-cli-all-behind.yaml", "  []\n");
  {
    std::ifstream in(other);
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    s.replace(s.find("images:\n"), 8,
              "images:\n  - {id: ami-0db1, name: db-2026.01, created: 2026-01-01T00:00:00Z}\n");
    s.replace(s.find("timing:"), 7,
              "  - name: pg-3\n    groups:\n      - name: pg-3-Db\n"
              "        launch_configuration: {name: pg-3-lc, image: ami-0db1}\n"
              "        zones: [eu-west-1a]\n        min: 1\n        max: 2\n        desired: 1\n"
              "        instances: {count: 1, image: ami-0db1}\n"
              "timing:");
    std::ofstream(other) << s;
  }
  auto sequential =
      Simulated({"upgrade", "--all-behind", "--image-filter", "app-*", "--yes"}, other, kExitOk);
  auto parallel =
      Simulated({"upgrade", "--all-behind", "--image-filter", "app-*", "--yes", "--parallel", "2"},
                other, kExitOk);
  for (const auto* j : {&sequential, &parallel}) {
    EXPECT_EQ((*j)["outcome"], "completed");
    EXPECT_TRUE((*j)["invariant_violations"].empty()) << (*j)["invariant_violations"];
    std::string out = (*j)["command_output"];
    EXPECT_NE(out.find("2 stacks behind the newest app-* images"), std::string::npos) << out;
    EXPECT_NE(out.find("pg-3: runs ami-0db1 (db-2026.01), outside app-*: left alone"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("upgrade db-2 completed"), std::string::npos) << out;
    EXPECT_NE(out.find("upgrade web-1 completed"), std::string::npos) << out;
    // Each stack to the newest image that fits it (x86_64), not the newest of all (arm64).
    EXPECT_EQ(out.find("-> ami-0arm11"), std::string::npos) << out;
    EXPECT_EQ((*j)["api_calls"]["ec2:CreateLaunchTemplateVersion"], 1);
    EXPECT_EQ((*j)["api_calls"]["autoscaling:CreateLaunchConfiguration"], 1);
  }
  // db-2 takes about 4 minutes and web-1 about 6.5: together about 6.5, not 10.5.
  double one_by_one = sequential["makespan_s"], together = parallel["makespan_s"];
  EXPECT_GT(one_by_one, 550);
  EXPECT_LT(together, 450);
  fs::remove(other);
}

// One after another, a stack that fails starts no further one; two at once, both were started
// and both roll back on their own. Either way every stack's events go to the one --events file,
// each naming its stack.
TEST(Cli, UpgradeAllBehindStopsAfterAStackThatFails) {
  std::string bad = MonthlyWith("rotor-cli-all-behind-bad.yaml",
                                "  - {kind: boot_failure, image: ami-0app11, probability: 1}\n");
  std::string events = (fs::temp_directory_path() / "rotor-cli-all-behind-events.jsonl").string();
  for (const char* parallel : {"1", "2"}) {
    SCOPED_TRACE(std::string("--parallel ") + parallel);
    auto j = Simulated({"--events", events, "upgrade", "--all-behind", "--image-filter", "app-*",
                        "--yes", "--health-timeout", "5m", "--parallel", parallel},
                       bad, kExitFailed);
    EXPECT_EQ(j["outcome"], "rolled_back");
    EXPECT_TRUE(j["invariant_violations"].empty()) << j["invariant_violations"];
    std::string out = j["command_output"], errors = j["command_errors"];
    EXPECT_NE(out.find("upgrade db-2 rolled_back"), std::string::npos) << out;
    bool together = std::string(parallel) == "2";
    EXPECT_EQ(out.find("upgrade web-1 rolled_back") != std::string::npos, together) << out;
    EXPECT_EQ(errors.find("upgrade of stack web-1 not started") != std::string::npos, !together)
        << errors;
    std::ifstream in(events);
    std::set<std::string> targets;
    for (std::string line; std::getline(in, line);) {
      auto e = nlohmann::json::parse(line, nullptr, false);
      ASSERT_TRUE(e.is_object()) << line;
      targets.insert(e.value("target", "(none)"));
    }
    std::set<std::string> want = {"db-2"};
    if (together) want.insert("web-1");
    EXPECT_EQ(targets, want);
  }
  fs::remove(events);
  fs::remove(bad);
}

TEST(Cli, UpgradeAllBehindInputErrors) {
  for (const auto& [args, fragment] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"upgrade", "--all-behind"}, "needs --image-filter GLOB"},
           {{"upgrade", "web", "1", "--all-behind", "--image-filter", "app-*"}, "give no STACK"},
           {{"upgrade", "--all-behind", "--image-filter", "app-*", "--image", "ami-0app11"},
            "leave out --image"},
           {{"upgrade", "--all-behind", "--image-filter", "app-*", "--instance-type", "m5.large"},
            "changes images only"},
           {{"upgrade", "--all-behind", "--image-filter", "nope-*"},
            "no available image is named like 'nope-*'"}}) {
    std::vector<std::string> full = {"--cloud", "sim:" + Example("monthly.yaml")};
    full.insert(full.end(), args.begin(), args.end());
    Outcome r = Rotor(full);
    EXPECT_EQ(r.code, kExitUsage) << fragment;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  }
}

// `rotor update-stack`: the parameter changed through a change set, CloudFormation points the
// group at a new template version, rotor rolls the members; a self-rolling group is left alone.
TEST(Cli, UpdateStackChangesTheParameterThenRollsTheGroup) {
  auto j = Simulated({"update-stack", "web-9", "ImageId=ami-0app11", "--yes"},
                     Example("stack-update.yaml"), kExitOk);
  EXPECT_EQ(j["outcome"], "completed");
  EXPECT_TRUE(j["invariant_violations"].empty()) << j["invariant_violations"];
  EXPECT_EQ(j["min_ready_observed"], 6);
  std::string out = j["command_output"];
  EXPECT_NE(out.find("parameter ImageId: ami-0app10 -> ami-0app11"), std::string::npos) << out;
  EXPECT_NE(out.find("parameter DbPassword: **** (kept)"), std::string::npos) << out;
  EXPECT_EQ(out.find("not-a-real-secret"), std::string::npos) << out;
  EXPECT_NE(out.find("Modify AWS::EC2::LaunchTemplate web9AppLaunchTemplate"), std::string::npos)
      << out;
  EXPECT_NE(out.find("web-9-Worker: its UpdatePolicy has CloudFormation replace its members"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("web-9 AWS::CloudFormation::Stack UPDATE_COMPLETE"), std::string::npos) << out;
  EXPECT_NE(out.find("web-9-App  6/6 replaced"), std::string::npos) << out;
  EXPECT_EQ(out.find("web-9-Worker  "), std::string::npos) << out;
  EXPECT_EQ(j["api_calls"]["cloudformation:ExecuteChangeSet"], 1);
  EXPECT_EQ(j["api_calls"]["autoscaling:DetachInstances"], 6);
}

// A stack update that fails is rolled back by CloudFormation; rotor reports the first failed
// resource, rolls nothing, exits 1.
TEST(Cli, AFailedStackUpdateIsReportedAndNothingRolls) {
  auto j = Simulated({"update-stack", "api-3", "ImageId=ami-0app11", "--yes"},
                     Example("stack-update.yaml"), kExitFailed);
  EXPECT_EQ(j["outcome"], "rolled_back");
  std::string out = j["command_output"];
  EXPECT_NE(
      out.find("failed at api3ApiLaunchConfiguration (AWS::AutoScaling::LaunchConfiguration)"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("UPDATE_ROLLBACK_COMPLETE"), std::string::npos) << out;
  for (auto& [op, n] : j["api_calls"].items()) {
    EXPECT_EQ(op.find("Detach"), std::string::npos) << op;
    EXPECT_EQ(op.find("Terminate"), std::string::npos) << op;
  }
}

TEST(Cli, UpdateStackNoChangesDryRunAndInputErrors) {
  auto same = Simulated({"update-stack", "web-9", "ImageId=ami-0app10", "--yes"},
                        Example("stack-update.yaml"), kExitOk);
  EXPECT_EQ(same["outcome"], "completed");
  EXPECT_NE(same["command_output"].get<std::string>().find("finds nothing to change"),
            std::string::npos);
  EXPECT_FALSE(same["api_calls"].contains("cloudformation:ExecuteChangeSet"));
  auto dry = Simulated({"--dry-run", "update-stack", "web-9", "ImageId=ami-0app11"},
                       Example("stack-update.yaml"), kExitOk);
  EXPECT_EQ(dry["api_calls"]["cloudformation:DeleteChangeSet"], 1);  // the plan's, cleaned up
  EXPECT_FALSE(dry["api_calls"].contains("cloudformation:ExecuteChangeSet"));
  std::string bad_template = (fs::temp_directory_path() / "rotor-cli-bad-template.yaml").string();
  std::ofstream(bad_template) << "Resources: [\n";
  struct Row {
    const char* name;
    std::vector<std::string> args;
    const char* fragment;
  };
  const Row rows[] = {
      {"an undeclared key",
       {"update-stack", "web-9", "Bogus=1"},
       "parameter 'Bogus' is not declared by the template of stack web-9 (it declares: ImageId, "
       "DbPassword)"},
      {"not KEY=VALUE", {"update-stack", "web-9", "ImageId"}, "'ImageId' is not KEY=VALUE"},
      {"a missing stack without template", {"update-stack", "web-8"}, "give --template FILE"},
      {"a bad template",
       {"update-stack", "web-9", "--template", bad_template},
       "Template format error"},
      {"a bad timeout", {"update-stack", "web-9", "--action-timeout", "soon"}, "--action-timeout"},
  };
  for (const Row& r : rows) {
    auto j = Simulated(r.args, Example("stack-update.yaml"), kExitUsage);
    std::string errors = j["command_errors"];
    EXPECT_NE(errors.find(r.fragment), std::string::npos) << r.name << ": " << errors;
    EXPECT_FALSE(j["api_calls"].contains("cloudformation:ExecuteChangeSet")) << r.name;
  }
  fs::remove(bad_template);
}

TEST(Cli, UpdateStackKilledAnywhereIsResumedToTheEnd) {
  std::ifstream in(Example("stack-update.yaml"));
  std::stringstream text;
  text << in.rdbuf();
  std::string base = text.str().substr(0, text.str().find("faults:"));
  // 2: at ExecuteChangeSet; 3, 5: inside the rolling part.
  for (int k : {2, 3, 5}) {
    std::string crash = (fs::temp_directory_path() / "rotor-cli-stack-crash.yaml").string();
    std::ofstream(crash) << base
                         << fmt::format("faults:\n  - {{kind: crash, after_steps: {}}}\n", k);
    auto j = Simulated({"update-stack", "web-9", "ImageId=ami-0app11", "--yes"}, crash, kExitOk);
    EXPECT_EQ(j["outcome"], "completed") << k << j["command_output"];
    EXPECT_TRUE(j["resumed_after_crash"].get<bool>()) << k;
    EXPECT_TRUE(j["invariant_violations"].empty()) << k << j["invariant_violations"];
    // Killed at the execution (before it reached CloudFormation), the resumed run executes it.
    EXPECT_EQ(j["api_calls"]["cloudformation:ExecuteChangeSet"], k == 2 ? 2 : 1) << k;
    fs::remove(crash);
  }
}

// `rotor update-asgs`: respawn with the double strategy, journaled as its own kind.
TEST(Cli, UpdateAsgsIsRespawnWithDouble) {
  auto j = Simulated({"update-asgs", "web-1", "--yes"}, Example("web-stack.yaml"), kExitOk);
  EXPECT_EQ(j["outcome"], "completed");
  std::string out = j["command_output"];
  EXPECT_NE(out.find("update-asgs stack web-1 — strategy double"), std::string::npos) << out;
  EXPECT_NE(out.find("completed — 6 of 6 replaced"), std::string::npos) << out;
}

TEST(LiveBoard, OneLinePerGroupRedrawnInPlace) {
  core::Time t0 = *core::ParseIso8601("2026-11-22T00:00:00Z");
  auto event = [&](const char* group, int seconds, int replaced) {
    return rollout::Event{
        t0 + std::chrono::seconds(seconds), group, "detach", replaced, 4, 4, "rolling"};
  };
  LiveBoard board;
  std::ostringstream out;
  board.Update(event("a", 0, 0), out);
  EXPECT_EQ(out.str(), "\033[K  a  0/4 replaced  4 ready  rolling  — detach\n");
  out.str("");
  board.Update(event("b", 10, 0), out);
  EXPECT_EQ(out.str(),
            "\033[1F\033[K  a  0/4 replaced  4 ready  rolling  — detach\n"
            "\033[K  b  0/4 replaced  4 ready  rolling  — detach\n");
  out.str("");
  board.Update(event("a", 60, 1), out);  // 60 s for one: three more take 3m00s
  EXPECT_EQ(out.str(),
            "\033[2F\033[K  a  1/4 replaced  4 ready  rolling  ETA 3m00s  — detach\n"
            "\033[K  b  0/4 replaced  4 ready  rolling  — detach\n");
}

// `rotor replace-instance --plan`: a plan's mistakes, and --role without a plan, are refused
// before rotor asks the cloud anything (replace_flags_test.cc checks flags over a plan at the
// level of the request).
TEST(Cli, ReplaceInstancePlanRefusalsAskTheCloudNothing) {
  const std::string plan = Example("copr-plan.yaml");
  struct Row {
    const char* name;
    std::vector<std::string> args;  // after `replace-instance bastion`
    std::string want;               // a part of the errors
  };
  const Row rows[] = {
      {"several roles and no --role",
       {"--plan", plan},
       plan + ":33: roles: the plan has 4 roles (backend, distgit, frontend, keygen): choose one "
              "with --role"},
      {"an unknown role",
       {"--plan", plan, "--role", "frontent"},
       plan + ":33: roles: no role 'frontent' (the roles are backend, distgit, frontend, keygen)"},
      {"--role without --plan",
       {"--role", "frontend", "--stop", "systemctl stop httpd"},
       "--role frontend: a role is a section of a plan file; give the file with --plan"},
      {"a plan that cannot be read",
       {"--plan", plan + ".missing", "--role", "frontend"},
       plan + ".missing: cannot read the plan file: No such file or directory"},
  };
  for (const Row& r : rows) {
    std::vector<std::string> args = {"--dry-run", "replace-instance", "bastion"};
    args.insert(args.end(), r.args.begin(), r.args.end());
    auto j = Simulated(args, Example("bastion.yaml"), kExitUsage);
    std::string errors = j["command_errors"];
    EXPECT_NE(errors.find(r.want), std::string::npos) << r.name << ": " << errors;
    EXPECT_TRUE(j["api_calls"].empty()) << r.name << ": " << j["api_calls"];
  }
}

// `rotor simulate` of a host replacement killed at each of its twelve changes (RunInstances to
// StopInstances; the crash fault fires before the call acts): the resumed run finishes the
// runbook, and no change is made twice — one instance launched, each volume detached and
// attached once, the address moved once.
TEST(Cli, ReplaceInstanceKilledAtEveryChangeIsResumedToTheEnd) {
  std::ifstream in(Example("persistent-host.yaml"));
  std::stringstream text;
  text << in.rdbuf();
  std::string base = text.str().substr(0, text.str().rfind("faults:"));
  for (int k = 1; k <= 13; ++k) {
    std::string crash = (fs::temp_directory_path() / "rotor-cli-replace-crash.yaml").string();
    std::ofstream(crash) << base
                         << fmt::format("faults:\n  - {{kind: crash, after_steps: {}}}\n", k);
    auto j = Simulated({"replace-instance", "copr-fe-dev", "--image", "latest", "--stop",
                        "systemctl stop httpd", "--start", "systemctl start httpd", "--yes"},
                       crash, kExitOk);
    fs::remove(crash);
    std::string out = j["command_output"];
    EXPECT_EQ(j["outcome"], "completed") << k << out;
    EXPECT_EQ(j["resumed_after_crash"].get<bool>(), k <= 12) << k << ": 12 changes in all";
    EXPECT_TRUE(j["invariant_violations"].empty()) << k << j["invariant_violations"];
    std::map<std::string, int> events;
    for (const auto& e : j["events"]) ++events[e["event"].get<std::string>()];
    EXPECT_EQ(events["run_instance"], 1) << k;
    EXPECT_EQ(events["detach"], 2) << k;
    EXPECT_EQ(events["attach"], 2) << k;
    EXPECT_EQ(events["associate"], 1) << k;
    EXPECT_EQ(events["stop"], 1) << k;
    EXPECT_NE(out.find(k <= 12 ? "rollout resume completed" : "replace-instance completed"),
              std::string::npos)
        << k << out;
    EXPECT_NE(out.find("outage: "), std::string::npos) << k << out;
  }
}

// A scenario file: the example with `faults` instead of its own (removed by the caller).
std::string WithFaults(const std::string& example, const std::string& faults,
                       const std::string& name) {
  std::ifstream in(Example(example));
  std::stringstream text;
  text << in.rdbuf();
  std::string base = text.str().substr(0, text.str().rfind("faults:"));
  std::string path = (fs::temp_directory_path() / name).string();
  std::ofstream(path) << base << "faults:\n" << faults;
  return path;
}

const std::vector<std::string> kNightly = {"backup",
                                           "--tag",
                                           "backup=nightly",
                                           "--pre",
                                           "fsfreeze -f /var/lib/pgsql",
                                           "--post",
                                           "fsfreeze -u /var/lib/pgsql",
                                           "--keep",
                                           "7",
                                           "--yes"};

// The fsfreeze commands each host ran, in order, from the simulation's events: "f" and "u".
std::map<std::string, std::string> Freezes(const nlohmann::json& j) {
  std::map<std::string, std::string> out;
  for (const auto& e : j["events"]) {
    if (e["event"] != "command") continue;
    std::string d = e["detail"];
    size_t at = d.find("fsfreeze -");
    if (at != std::string::npos) out[d.substr(0, d.find(' '))] += d[at + 10];
  }
  return out;
}

TEST(Cli, BackupOnTheSimulatedCloudSnapshotsEachInstanceBetweenFreezeAndThaw) {
  auto j = Simulated(kNightly, Example("nightly-backup.yaml"), kExitOk);
  std::string out = j["command_output"];
  EXPECT_EQ(j["outcome"], "completed") << out;
  EXPECT_NE(out.find("left out: app-1"), std::string::npos) << out;
  EXPECT_NE(out.find("backup completed"), std::string::npos) << out;
  // db-1's volumes had 7 backups each: with tonight's, the oldest of each goes (--keep 7).
  EXPECT_NE(out.find("db-1 (i-0db1000000000a001): 2 created"), std::string::npos) << out;
  EXPECT_NE(out.find("2 deleted, 14 kept"), std::string::npos) << out;
  EXPECT_NE(out.find("db-2 (i-0db2000000000a002): 1 created"), std::string::npos) << out;
  EXPECT_NE(out.find("0 deleted, 4 kept"), std::string::npos) << out;
  std::map<std::string, int> events;
  for (const auto& e : j["events"]) ++events[e["event"].get<std::string>()];
  EXPECT_EQ(events["snapshot"], 3);
  EXPECT_EQ(Freezes(j), (std::map<std::string, std::string>{{"i-0db1000000000a001", "fu"},
                                                            {"i-0db2000000000a002", "fu"}}));
  EXPECT_EQ(j["api_calls"]["ec2:CreateSnapshots"], 2);
  EXPECT_EQ(events["delete_snapshot"], 2);
}

TEST(Cli, BackupWithAFailingFreezeBacksUpTheOthersAndExits1) {
  std::string path = WithFaults(
      "nightly-backup.yaml", "  - {kind: command_failure, host: db-2, pattern: \"fsfreeze -f*\"}\n",
      "rotor-cli-backup-fail.yaml");
  auto j = Simulated(kNightly, path, kExitFailed);
  fs::remove(path);
  std::string out = j["command_output"];
  EXPECT_NE(out.find("FAILED: --pre `fsfreeze -f /var/lib/pgsql` on db-2"), std::string::npos)
      << out;
  EXPECT_NE(out.find("db-1 (i-0db1000000000a001): 2 created"), std::string::npos) << out;
  EXPECT_EQ(Freezes(j)["i-0db2000000000a002"], "fu") << "thawed after its failed freeze";
}

// Killed before each snapshot set (after its host was frozen) and resumed: every host thawed
// last, one set each.
TEST(Cli, BackupKilledBetweenAFreezeAndItsThawIsThawedFirstOnResume) {
  for (int k = 1; k <= 2; ++k) {
    std::string path =
        WithFaults("nightly-backup.yaml", fmt::format("  - {{kind: crash, after_steps: {}}}\n", k),
                   "rotor-cli-backup-crash.yaml");
    auto j = Simulated(kNightly, path, kExitOk);
    fs::remove(path);
    std::string out = j["command_output"];
    EXPECT_TRUE(j["resumed_after_crash"].get<bool>()) << k;
    EXPECT_EQ(j["outcome"], "completed") << k << out;
    std::map<std::string, int> events;
    for (const auto& e : j["events"]) ++events[e["event"].get<std::string>()];
    EXPECT_EQ(events["snapshot"], 3) << k;
    for (const auto& [host, f] : Freezes(j)) {
      EXPECT_EQ(f.back(), 'u') << k << " " << host << ": " << f;
    }
    std::string frozen = Freezes(j)[k == 1 ? "i-0db1000000000a001" : "i-0db2000000000a002"];
    EXPECT_EQ(frozen, "fufu") << k << ": frozen, killed, thawed on resume, then backed up";
    EXPECT_NE(out.find("rollout resume completed"), std::string::npos) << k << out;
    EXPECT_NE(out.find("db-2 (i-0db2000000000a002): 1 created"), std::string::npos) << k << out;
  }
}

TEST(Cli, BackupRefusesBadInputNamingIt) {
  struct Row {
    std::vector<std::string> args;
    const char* says;
  };
  const Row rows[] = {
      {{"backup", "--yes"}, "name what to back up"},
      {{"backup", "db-1", "--tag", "backup=nightly", "--yes"}, "one of them"},
      {{"backup", "--tag", "nightly", "--yes"}, "--tag 'nightly' is not K=V"},
      {{"backup", "db-1", "--retention", "soon", "--yes"}, "--retention 'soon'"},
      {{"backup", "db-1", "--copy-to", "Frankfurt", "--yes"}, "not an AWS region"},
      {{"backup", "db-1", "--tag-snapshot", "rotor:created=x", "--yes"}, "not yours to set"},
      {{"backup", "db-1", "--copy-to", "eu-central-1", "--yes"}, "one region"},
  };
  for (const Row& r : rows) {
    auto j = Simulated(r.args, Example("nightly-backup.yaml"), kExitUsage);
    std::string out = j["command_errors"];
    EXPECT_NE(out.find(r.says), std::string::npos) << r.args.back() << ": " << out;
    std::map<std::string, int> events;
    for (const auto& e : j["events"]) ++events[e["event"].get<std::string>()];
    EXPECT_EQ(events["snapshot"], 0);
  }
}

TEST(Cli, BackupListShowsRotorsSnapshotsWithTheirState) {
  auto j = Simulated({"--output", "json", "backup", "list", "db-1"}, Example("nightly-backup.yaml"),
                     kExitOk);
  auto rows = nlohmann::json::parse(j["command_output"].get<std::string>(), nullptr, false);
  ASSERT_TRUE(rows.is_array()) << j["command_output"];
  ASSERT_EQ(rows.size(), 14u);                                 // a week of backups of two volumes
  EXPECT_EQ(rows.front()["created"], "2026-11-30T03:00:00Z");  // newest first
  EXPECT_EQ(rows.back()["created"], "2026-11-24T03:00:00Z");
  for (const auto& r : rows) {
    EXPECT_EQ(r["instance"], "db-1 (i-0db1000000000a001)");
    EXPECT_EQ(r["state"], "completed");
    EXPECT_EQ(r["region"], "eu-west-1");
  }
  auto table =
      Simulated({"backup", "list", "--tag", "role=app"}, Example("nightly-backup.yaml"), kExitOk);
  EXPECT_EQ(table["command_output"], "no backups made by rotor\n");
}

TEST(Cli, RestoreReplaceOnTheSimulatedCloudSwapsTheVolumeAndTimesTheOutage) {
  // snap-...07: the newest of db-1's data volume's week of backups.
  auto j =
      Simulated({"restore", "snap-00000000000000007", "--to", "db-1", "--replace", "--stop",
                 "systemctl stop postgresql", "--start", "systemctl start postgresql", "--yes"},
                Example("nightly-backup.yaml"), kExitOk);
  std::string out = j["command_output"];
  EXPECT_EQ(j["outcome"], "completed") << out << j["command_errors"];
  EXPECT_NE(out.find("detach vol-0db1000000000da01 from /dev/sdf (kept)"), std::string::npos)
      << out;
  EXPECT_NE(out.find("/var/lib/pgsql/wal"), std::string::npos) << "the WAL inside: " << out;
  EXPECT_NE(out.find("outage: "), std::string::npos) << out;
  std::map<std::string, int> events;
  for (const auto& e : j["events"]) ++events[e["event"].get<std::string>()];
  EXPECT_EQ(events["create_volume"], 1);
  EXPECT_EQ(events["detach"], 1);
  EXPECT_EQ(events["attach"], 1);
  EXPECT_TRUE(j["invariant_violations"].empty()) << j["invariant_violations"];
  auto refused = Simulated({"restore", "snap-00000000000000007", "--to", "db-1", "--size", "10",
                            "--device", "/dev/sdk", "--yes"},
                           Example("nightly-backup.yaml"), kExitUsage);
  EXPECT_NE(refused["command_errors"].get<std::string>().find("--size 10"), std::string::npos)
      << refused["command_errors"];
}

TEST(Cli, RelocateOnTheSimulatedCloudGrowsInPlaceOrSwaps) {
  auto j = Simulated({"relocate", "db-1", "--volume", "/dev/sdf", "--size", "800", "--yes"},
                     Example("nightly-backup.yaml"), kExitOk);
  std::string out = j["command_output"];
  EXPECT_EQ(j["outcome"], "completed") << out << j["command_errors"];
  EXPECT_NE(out.find("500 → 800 GiB, online; cannot be undone"), std::string::npos) << out;
  EXPECT_NE(out.find("grow the ext4 file system at /var/lib/pgsql to fill it: resize2fs"),
            std::string::npos)
      << out;
  std::map<std::string, int> events;
  for (const auto& e : j["events"]) ++events[e["event"].get<std::string>()];
  EXPECT_EQ(events["modify_volume"], 1);
  EXPECT_EQ(events["grow_fs"], 1);
  EXPECT_EQ(events["detach"], 0);
  EXPECT_TRUE(j["invariant_violations"].empty()) << j["invariant_violations"];

  auto swap = Simulated(
      {"relocate", "db-1", "--volume", "/dev/sdf", "--size", "800", "--type", "st1", "--stop",
       "systemctl stop postgresql", "--start", "systemctl start postgresql", "--yes"},
      Example("nightly-backup.yaml"), kExitOk);
  out = swap["command_output"];
  EXPECT_EQ(swap["outcome"], "completed") << out << swap["command_errors"];
  EXPECT_NE(out.find("by a swap: gp3 (SSD) to st1 (HDD) is another family"), std::string::npos)
      << out;
  EXPECT_NE(out.find("outage: "), std::string::npos) << out;
  events.clear();
  for (const auto& e : swap["events"]) ++events[e["event"].get<std::string>()];
  EXPECT_EQ(events["snapshot"], 2);
  EXPECT_EQ(events["create_volume"], 1);
  EXPECT_EQ(events["grow_fs"], 1);
  EXPECT_TRUE(swap["invariant_violations"].empty()) << swap["invariant_violations"];

  auto refused = Simulated({"relocate", "db-1", "--volume", "/dev/sdf", "--size", "100", "--yes"},
                           Example("nightly-backup.yaml"), kExitUsage);
  EXPECT_NE(refused["command_errors"].get<std::string>().find("never shrinks"), std::string::npos)
      << refused["command_errors"];
}

// export on the simulated cloud: the files a tarball holds, a NoEcho value nowhere, the file
// readable by its owner only; an unknown stack refused with no file written.
TEST(Cli, ExportWritesAStackAndItsGroupsToATarball) {
  fs::path file = fs::temp_directory_path() / fmt::format("rotor-export-{}.tgz", getpid());
  fs::remove(file);
  auto j = Simulated({"export", "web-9", file.string()}, Example("stack-update.yaml"), kExitOk);
  std::string out = j["command_output"];
  EXPECT_NE(out.find("exported web-9 to " + file.string()), std::string::npos) << out;
  EXPECT_NE(out.find("NoEcho parameters, not in the file (give them to import as KEY=VALUE): "
                     "DbPassword"),
            std::string::npos)
      << out;
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bundle = ops::ReadBundle(bytes, file.string());
  ASSERT_TRUE(bundle.ok()) << bundle.status().message();
  std::set<std::string> names;
  for (const auto& [name, data] : bundle->files) {
    names.insert(name);
    EXPECT_EQ(data.find("not-a-real-secret"), std::string::npos) << name;
  }
  EXPECT_TRUE(names.count("stack.json") && names.count("images.json"))
      << core::Join(std::vector<std::string>(names.begin(), names.end()), " ");
  EXPECT_TRUE(names.count("template.json") || names.count("template.yaml"));
  auto stack = nlohmann::json::parse(bundle->files["stack.json"]);
  EXPECT_EQ(stack["name"], "web-9");
  nlohmann::json want_params = nlohmann::json::array(
      {{{"key", "DbPassword"}, {"no_echo", true}}, {{"key", "ImageId"}, {"value", "ami-0app10"}}});
  auto params = stack["parameters"];
  std::sort(params.begin(), params.end(),
            [](const auto& a, const auto& b) { return a["key"] < b["key"]; });
  EXPECT_EQ(params, want_params);
  auto images = nlohmann::json::parse(bundle->files["images.json"]);
  ASSERT_EQ(images.size(), 1u) << images;
  EXPECT_EQ(images[0]["id"], "ami-0app10");
  EXPECT_EQ(images[0]["name"], "app-2026.10");
  int group_files = 0;
  for (const auto& [name, data] : bundle->files) {
    if (!name.starts_with("groups/")) continue;
    ++group_files;
    auto g = nlohmann::json::parse(data);
    if (g["name"] == "web-9-App") {
      EXPECT_EQ(g["min"], 3);
      EXPECT_EQ(g["desired"], 6);
      EXPECT_EQ(g["launch_data"]["image"], "ami-0app10");
      EXPECT_EQ(g["target_groups"].size(), 1u);
    }
  }
  EXPECT_EQ(group_files, 2);
  fs::remove(file);

  auto unknown =
      Simulated({"export", "web-99", file.string()}, Example("stack-update.yaml"), kExitUsage);
  EXPECT_NE(unknown["command_errors"].get<std::string>().find("web-99"), std::string::npos)
      << unknown["command_errors"];
  EXPECT_FALSE(fs::exists(file));
}

// export, then import into a simulated cloud: refused until the NoEcho parameter is given and
// while the name is taken; created under --name, the secret shown nowhere.
TEST(Cli, ImportCreatesTheExportedStackHere) {
  fs::path file = fs::temp_directory_path() / fmt::format("rotor-import-{}.tgz", getpid());
  Simulated({"export", "web-9", file.string()}, Example("stack-update.yaml"), kExitOk);
  auto no_secret = Simulated({"import", file.string(), "--name", "web-10", "--yes"},
                             Example("stack-update.yaml"), kExitUsage);
  EXPECT_NE(no_secret["command_errors"].get<std::string>().find(
                "leaves out the NoEcho parameters DbPassword: give each as KEY=VALUE"),
            std::string::npos)
      << no_secret["command_errors"];
  auto taken = Simulated({"import", file.string(), "DbPassword=hunter2-not-real", "--yes"},
                         Example("stack-update.yaml"), kExitUsage);
  EXPECT_NE(taken["command_errors"].get<std::string>().find("web-9 exists here already"),
            std::string::npos)
      << taken["command_errors"];
  auto j = Simulated(
      {"import", file.string(), "--name", "web-10", "DbPassword=hunter2-not-real", "--yes"},
      Example("stack-update.yaml"), kExitOk);
  std::string out = j["command_output"];
  EXPECT_EQ(j["outcome"], "completed") << out << j["command_errors"];
  EXPECT_NE(out.find("image ami-0app10 (app-2026.10): the same image"), std::string::npos) << out;
  EXPECT_NE(out.find("web-10 AWS::CloudFormation::Stack CREATE_COMPLETE"), std::string::npos)
      << out;
  EXPECT_EQ(j.dump().find("hunter2"), std::string::npos) << "the NoEcho value shown";
  // The simulator creates a stack's resources only as its scenario describes them: the groups
  // the export holds are reported missing.
  EXPECT_NE(out.find("not recreated: group web9App: not among the groups of the stack created "
                     "here\nnot recreated: group web9Worker: "),
            std::string::npos)
      << out;
  fs::remove(file);
}

// Images mapped by name in another region: the newest available with the exported one's name,
// or --image OLD=NEW; none there: refused, naming it.
TEST(Cli, ImportMapsImagesByName) {
  fs::path file = fs::temp_directory_path() / fmt::format("rotor-import-map-{}.tgz", getpid());
  Simulated({"export", "web-9", file.string()}, Example("stack-update.yaml"), kExitOk);
  fs::path there = fs::temp_directory_path() / fmt::format("rotor-import-{}.yaml", getpid());
  std::ofstream(there) << R"(seed: 1
region: us-west-2
start: 2026-12-01T00:00:00Z
images:
  - {id: ami-0bbb10, name: app-2026.10, created: 2026-10-02T00:00:00Z}
  - {id: ami-0ccc10, name: app-2026.10, created: 2026-10-05T00:00:00Z}
  - {id: ami-0ddd11, name: app-2026.11, created: 2026-11-05T00:00:00Z}
)";
  auto j = Simulated({"import", file.string(), "DbPassword=x", "--yes"}, there.string(), kExitOk);
  std::string out = j["command_output"];
  EXPECT_NE(out.find("image ami-0app10 (app-2026.10) -> ami-0ccc10: the newest named app-2026.10"),
            std::string::npos)
      << out << j["command_errors"];
  EXPECT_NE(out.find("parameter ImageId: (none) -> ami-0ccc10"), std::string::npos) << out;
  auto chosen = Simulated(
      {"import", file.string(), "DbPassword=x", "--image", "ami-0app10=ami-0bbb10", "--yes"},
      there.string(), kExitOk);
  EXPECT_NE(chosen["command_output"].get<std::string>().find("-> ami-0bbb10: --image"),
            std::string::npos)
      << chosen["command_output"];
  std::ofstream(there) << R"(seed: 1
region: us-west-2
start: 2026-12-01T00:00:00Z
images:
  - {id: ami-0ddd11, name: app-2026.11, created: 2026-11-05T00:00:00Z}
)";
  auto none =
      Simulated({"import", file.string(), "DbPassword=x", "--yes"}, there.string(), kExitUsage);
  EXPECT_NE(none["command_errors"].get<std::string>().find(
                "no image here for ami-0app10 (app-2026.10): copy each here"),
            std::string::npos)
      << none["command_errors"];
  // A damaged tarball: refused naming the file.
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::ofstream(file, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  auto damaged =
      Simulated({"import", file.string(), "DbPassword=x", "--yes"}, there.string(), kExitUsage);
  EXPECT_NE(damaged["command_errors"].get<std::string>().find(file.string() + ": "),
            std::string::npos)
      << damaged["command_errors"];
  fs::remove(file);
  fs::remove(there);
}

TEST(Cli, UsageErrors) {
  EXPECT_EQ(Rotor({}).code, kExitUsage);
  EXPECT_EQ(Rotor({"frobnicate"}).code, kExitUsage);
  EXPECT_EQ(Rotor({"--help"}).code, kExitOk);
}

}  // namespace
}  // namespace rotor::cli
