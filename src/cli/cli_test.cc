// The command line end to end on the simulated cloud: rotor --cloud sim:FILE and rotor simulate.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"

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

TEST(Cli, NestedCommandErrorsAreReported) {
  Outcome r =
      Rotor({"--output", "json", "simulate", Example("web-stack.yaml"), "--", "status", "nope"});
  EXPECT_EQ(r.code, kExitUsage);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["outcome"], "failed");
  EXPECT_NE(j["command_errors"].get<std::string>().find("stack 'nope' does not exist"),
            std::string::npos);
}

TEST(Cli, UsageErrors) {
  EXPECT_EQ(Rotor({}).code, kExitUsage);
  EXPECT_EQ(Rotor({"frobnicate"}).code, kExitUsage);
  EXPECT_EQ(Rotor({"--help"}).code, kExitOk);
}

}  // namespace
}  // namespace rotor::cli
