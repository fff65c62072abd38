// replace-instance: the commands' placeholders and secrets, the plan's journaled form, and the
// whole runbook in the simulator (examples/persistent-host.yaml): replaced, rolled back when a
// step fails and after it completed, killed at every change then resumed, finished.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ops/replace_instance.h"

namespace rotor {
namespace {

cloud::Host OldHost() {
  cloud::Host h;
  h.instance.id = "i-0old";
  h.instance.private_ip = "10.0.1.5";
  h.instance.public_ip = "203.0.113.5";
  h.instance.ipv6_addresses = {"2600:1f18::5"};
  h.name = "copr-fe";
  return h;
}

cloud::Host NewHost() {
  cloud::Host h;
  h.instance.id = "i-0new";
  h.instance.private_ip = "10.0.1.9";
  h.instance.public_ip = "198.51.100.9";
  h.instance.ipv6_addresses = {"2600:1f18::9"};
  return h;
}

TEST(ReplaceCommands, PlaceholdersExpand) {
  cloud::Host old = OldHost(), fresh = NewHost();
  std::map<std::string, std::string> env = {{"PGPASS", "s3cret"}};
  struct Row {
    const char* name;
    std::string text;
    bool with_new;
    std::string want;
  };
  for (const Row& row : std::vector<Row>{
           {"old fields", "ping {old.private_ip} {old.id} {name}", false,
            "ping 10.0.1.5 i-0old copr-fe"},
           {"new fields, known", "fw allow {new.private_ip} {new.ipv6}", true,
            "fw allow 10.0.1.9 2600:1f18::9"},
           {"new fields, not yet", "fw allow {new.private_ip}", false, "fw allow {new.private_ip}"},
           {"the shell's braces", "echo ${HOME} {a,b} {}", true, "echo ${HOME} {a,b} {}"},
           {"environment", "PGPASSWORD={env:PGPASS} psql", true, "PGPASSWORD=s3cret psql"},
       }) {
    auto got = ops::ExpandCommand(row.text, old, row.with_new ? &fresh : nullptr, "copr-fe", &env);
    ASSERT_TRUE(got.ok()) << row.name << ": " << got.status().message();
    EXPECT_EQ(*got, row.want) << row.name;
  }
  auto shown = ops::ExpandCommand("PGPASSWORD={env:PGPASS} psql", old, nullptr, "copr-fe");
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(*shown, "PGPASSWORD={env:PGPASS} psql") << "the plan never shows the value";
  auto unknown = ops::ExpandCommand("echo {old.ip}", old, nullptr, "copr-fe");
  EXPECT_EQ(unknown.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("unknown placeholder {old.ip}"), std::string::npos);
  std::map<std::string, std::string> none;
  auto missing = ops::ExpandCommand("x {env:NOPE}", old, &fresh, "copr-fe", &none);
  EXPECT_NE(missing.status().message().find("has no NOPE"), std::string::npos);
}

TEST(ReplaceCommands, LiteralSecretsAreRefused) {
  struct Row {
    const char* name;
    const char* command;
    bool refused;
  };
  for (const Row& row : std::vector<Row>{
           {"password assignment", "PGPASSWORD=hunter2 psql -c 'select 1'", true},
           {"token in the middle", "cd /x && API_TOKEN=abc ./deploy", true},
           {"a private key", "echo '-----BEGIN OPENSSH PRIVATE KEY-----' > k", true},
           {"--password=", "mysqladmin --password=hunter2 shutdown", true},
           {"through env", "PGPASSWORD={env:PG} psql", false},
           {"a shell variable", "PGPASSWORD=$PGPASSWORD psql", false},
           {"plain", "systemctl stop copr-frontend", false},
       }) {
    EXPECT_EQ(!ops::CheckNoSecret("--stop", row.command).ok(), row.refused) << row.name;
  }
}

}  // namespace
}  // namespace rotor
