// replace-instance's flags over a --plan file, at the level of the request: the command line
// parsed by CLI11 as `rotor replace-instance` parses it, then merged. (A whole --dry-run on the
// simulator needs its EBS volumes; cli_test.cc runs the refusals end to end.)
#include "cli/replace_flags.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/strings.h"

namespace rotor::cli {
namespace {

using namespace std::chrono_literals;
using ops::ReplaceRequest;
namespace fs = std::filesystem;

// Every field of a request on its own line, so a failed comparison shows which one differs.
std::string Show(const ReplaceRequest& r) {
  auto list = [](const std::vector<std::string>& v) { return "[" + core::Join(v, "|") + "]"; };
  auto seconds = [](core::Duration d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d).count();
  };
  std::string image = r.image ? fmt::format("{} filter={} owner={}", r.image->image,
                                            r.image->name_filter, r.image->owner)
                              : "(the running one)";
  return fmt::format(
      "instance={}\nimage={}\ninstance_type={}\nroot_size={}\nvolumes={}\naddresses={}\n"
      "dns={}\ncopy={}\nprepare={}\nstop={}\nstart={}\nafter={}\nunmount={}\nprobes={}\n"
      "probe_address={}\nkeep_old={}\nhealth_timeout={}s\n",
      r.instance, image, r.instance_type, r.root_size_gib, list(r.volumes), list(r.addresses),
      list(r.dns), list(r.copy), list(r.prepare), list(r.stop), list(r.start), list(r.after),
      r.unmount, list(r.probes), r.probe_address,
      r.keep_old ? std::to_string(seconds(*r.keep_old)) : "none", seconds(r.health_timeout));
}

const char* const kPlan = R"(defaults:
  image: latest
  image_filter: "db-*"
  unmount: none
  keep_old: 7d
  probes: ["tcp:5432"]
  stop: [systemctl stop app, systemctl stop postgresql]
roles:
  db:
    instance_type: r7a.large
    root_size: 40
    volumes: ["tag:Role=db"]
    start: [systemctl start postgresql, systemctl start app]
    health_timeout: 30m
  web:
    instance_type: t3a.large
)";

// What `--plan PLAN --role db` asks for, on the host "db-1".
ReplaceRequest Db() {
  ReplaceRequest r;
  r.instance = "db-1";
  r.image = ops::ImageRequest{"latest", "db-*", ""};
  r.instance_type = "r7a.large";
  r.root_size_gib = 40;
  r.volumes = {"tag:Role=db"};
  r.stop = {"systemctl stop app", "systemctl stop postgresql"};
  r.start = {"systemctl start postgresql", "systemctl start app"};
  r.unmount = false;
  r.probes = {"tcp:5432"};
  r.keep_old = 7 * 24h;
  r.health_timeout = 30min;
  return r;
}

template <typename Fn>
ReplaceRequest With(ReplaceRequest r, Fn change) {
  change(r);
  return r;
}

class ReplaceFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plan_ = fs::temp_directory_path() / fmt::format("rotor-replace-plan-{}.yaml", ::getpid());
    std::ofstream(plan_) << kPlan;
  }
  void TearDown() override { fs::remove(plan_); }

  // `args` after `rotor replace-instance`, PLAN standing for the plan file's path.
  core::Result<ReplaceRequest> Request(std::vector<std::string> args) {
    for (std::string& a : args) {
      if (a == "PLAN") a = plan_.string();
    }
    CLI::App app;
    ReplaceFlags flags;
    AddReplaceFlags(&app, flags);
    std::reverse(args.begin(), args.end());  // CLI11 takes them reversed
    try {
      app.parse(args);
    } catch (const CLI::ParseError& e) {
      return core::InvalidArgument(e.what());
    }
    NoteGivenFlags(app, flags);
    return BuildReplaceRequest(flags);
  }

  fs::path plan_;
};

TEST_F(ReplaceFlagsTest, FlagsGivenOverrideThePlan) {
  struct Row {
    const char* name;
    std::vector<std::string> args;
    ReplaceRequest want;
  };
  const Row rows[] = {
      {"the plan's role alone", {"db-1", "--plan", "PLAN", "--role", "db"}, Db()},
      {"a flag replaces the plan's value",
       {"db-1", "--plan", "PLAN", "--role", "db", "--instance-type", "r7a.xlarge", "--root-size",
        "60"},
       With(Db(),
            [](ReplaceRequest& r) {
              r.instance_type = "r7a.xlarge";
              r.root_size_gib = 60;
            })},
      {"a list flag replaces the plan's whole list",
       {"db-1", "--plan", "PLAN", "--role", "db", "--stop", "systemctl stop db", "--volume",
        "vol-0aa", "--volume", "vol-0bb"},
       With(Db(),
            [](ReplaceRequest& r) {
              r.stop = {"systemctl stop db"};
              r.volumes = {"vol-0aa", "vol-0bb"};
            })},
      {"a flag given at its default value still overrides",
       {"db-1", "--plan", "PLAN", "--role", "db", "--unmount", "auto", "--health-timeout", "15m"},
       With(Db(),
            [](ReplaceRequest& r) {
              r.unmount = true;
              r.health_timeout = 15min;
            })},
      {"--image-filter keeps the plan's image, --owner adds an owner",
       {"db-1", "--plan", "PLAN", "--role", "db", "--image-filter", "db2-*", "--owner", "111"},
       With(Db(),
            [](ReplaceRequest& r) {
              r.image = ops::ImageRequest{"latest", "db2-*", "111"};
            })},
      {"--image keeps the plan's filter",
       {"db-1", "--plan", "PLAN", "--role", "db", "--image", "ami-0pinned"},
       With(Db(), [](ReplaceRequest& r) { r.image->image = "ami-0pinned"; })},
      {"--keep-old over the plan's, --prepare where the plan has none",
       {"db-1", "--plan", "PLAN", "--role", "db", "--keep-old", "1d", "--prepare", "./warm"},
       With(Db(),
            [](ReplaceRequest& r) {
              r.keep_old = 24h;
              r.prepare = {"./warm"};
            })},
      {"another role inherits the defaults",
       {"web-1", "--plan", "PLAN", "--role", "web", "--probe-address", "public"},
       With(ReplaceRequest{},
            [](ReplaceRequest& r) {
              r.instance = "web-1";
              r.image = ops::ImageRequest{"latest", "db-*", ""};
              r.instance_type = "t3a.large";
              r.stop = {"systemctl stop app", "systemctl stop postgresql"};
              r.unmount = false;
              r.probes = {"tcp:5432"};
              r.keep_old = 7 * 24h;
              r.probe_address = "public";
            })},
      {"no plan: the flags and their defaults",
       {"db-1", "--stop", "systemctl stop db"},
       With(ReplaceRequest{},
            [](ReplaceRequest& r) {
              r.instance = "db-1";
              r.stop = {"systemctl stop db"};
            })},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto got = Request(row.args);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(Show(*got), Show(row.want));
  }
}

TEST_F(ReplaceFlagsTest, Refusals) {
  struct Row {
    const char* name;
    std::vector<std::string> args;
    std::string want;  // the whole message; PLAN stands for the plan file's path
  };
  const Row rows[] = {
      {"--role without --plan",
       {"db-1", "--role", "db"},
       "--role db: a role is a section of a plan file; give the file with --plan"},
      {"several roles and no --role",
       {"db-1", "--plan", "PLAN"},
       "PLAN:8: roles: the plan has 2 roles (db, web): choose one with --role"},
      {"an unknown role",
       {"db-1", "--plan", "PLAN", "--role", "cache"},
       "PLAN:8: roles: no role 'cache' (the roles are db, web)"},
      {"a flag's bad value, with a plan too",
       {"db-1", "--plan", "PLAN", "--role", "db", "--keep-old", "soon"},
       "--keep-old 'soon' is not a duration such as 15m"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto got = Request(row.args);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), core::Code::kInvalidArgument);
    std::string want = row.want;
    if (size_t at = want.find("PLAN"); at != std::string::npos) {
      want.replace(at, 4, plan_.string());
    }
    EXPECT_EQ(got.status().message(), want);
  }
}

}  // namespace
}  // namespace rotor::cli
