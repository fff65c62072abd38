// The replace-instance --plan file: roles over defaults, lists replacing, every refusal with its
// FILE:LINE: KEY, and examples/copr-plan.yaml resolving for each of its roles.
#include "ops/replace_plan_file.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/strings.h"

namespace rotor::ops {
namespace {

using namespace std::chrono_literals;

// Every field of a request on its own line, so a failed comparison shows which one differs.
std::string Show(const ReplaceRequest& r) {
  auto list = [](const std::vector<std::string>& v) { return "[" + core::Join(v, "|") + "]"; };
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
      r.keep_old
          ? std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*r.keep_old).count())
          : "none",
      std::chrono::duration_cast<std::chrono::seconds>(r.health_timeout).count());
}

// A defaults section with every key, the base of the resolution rows.
const char* const kDefaults = R"(defaults:
  image: latest
  image_filter: "Fedora-Cloud-Base-*"
  owner: "125523088429"
  instance_type: t3a.large
  root_size: 20
  volumes: ["tag:Role=db"]
  addresses: [eipalloc-1]
  dns: [db.example.org]
  copy: [/etc/letsencrypt]
  prepare: ["ansible-playbook -l {new.private_ip} db.yml"]
  stop: [systemctl stop app, systemctl stop postgresql]
  start: [systemctl start postgresql, systemctl start app]
  after: ["./firewall {new.private_ip}"]
  unmount: none
  probes: ["tcp:5432"]
  probe_address: public
  keep_old: 7d
  health_timeout: 20m
)";

// What kDefaults asks for.
ReplaceRequest Defaults() {
  ReplaceRequest r;
  r.image = ImageRequest{"latest", "Fedora-Cloud-Base-*", "125523088429"};
  r.instance_type = "t3a.large";
  r.root_size_gib = 20;
  r.volumes = {"tag:Role=db"};
  r.addresses = {"eipalloc-1"};
  r.dns = {"db.example.org"};
  r.copy = {"/etc/letsencrypt"};
  r.prepare = {"ansible-playbook -l {new.private_ip} db.yml"};
  r.stop = {"systemctl stop app", "systemctl stop postgresql"};
  r.start = {"systemctl start postgresql", "systemctl start app"};
  r.after = {"./firewall {new.private_ip}"};
  r.unmount = false;
  r.probes = {"tcp:5432"};
  r.probe_address = "public";
  r.keep_old = 7 * 24h;
  r.health_timeout = 20min;
  return r;
}

template <typename Fn>
ReplaceRequest With(ReplaceRequest r, Fn change) {
  change(r);
  return r;
}

TEST(ReplacePlanFile, RolesResolveOverDefaults) {
  struct Row {
    const char* name;
    std::string yaml;
    std::string role;
    ReplaceRequest want;
  };
  const Row rows[] = {
      {"a role takes every key from defaults", std::string(kDefaults) + "roles:\n  db: {}\n", "db",
       Defaults()},
      {"a role with nothing in it is the defaults", std::string(kDefaults) + "roles:\n  db:\n",
       "db", Defaults()},
      {"a role's value overrides the default's",
       std::string(kDefaults) + "roles:\n  db:\n    instance_type: r7a.xlarge\n    keep_old: 1h\n",
       "db",
       With(Defaults(),
            [](ReplaceRequest& r) {
              r.instance_type = "r7a.xlarge";
              r.keep_old = 1h;
            })},
      {"a role's list replaces the default's, never appends",
       std::string(kDefaults) + "roles:\n  db:\n    stop: [systemctl stop db]\n", "db",
       With(Defaults(), [](ReplaceRequest& r) { r.stop = {"systemctl stop db"}; })},
      {"an empty list in a role clears the default's",
       std::string(kDefaults) + "roles:\n  db:\n    volumes: []\n    after: []\n", "db",
       With(Defaults(),
            [](ReplaceRequest& r) {
              r.volumes.clear();
              r.after.clear();
            })},
      {"a role's image keeps the default's filter and owner",
       std::string(kDefaults) + "roles:\n  db:\n    image: ami-0pinned\n", "db",
       With(Defaults(), [](ReplaceRequest& r) { r.image->image = "ami-0pinned"; })},
      {"the only role needs no --role", std::string(kDefaults) + "roles:\n  db: {}\n", "",
       Defaults()},
      {"the chosen role among several",
       std::string(kDefaults) + "roles:\n  db: {}\n  web:\n    root_size: 30\n", "web",
       With(Defaults(), [](ReplaceRequest& r) { r.root_size_gib = 30; })},
      {"a key given nowhere keeps the flag's default", "roles:\n  db:\n    dns: [db.example.org]\n",
       "db", With(ReplaceRequest{}, [](ReplaceRequest& r) { r.dns = {"db.example.org"}; })},
      {"image_filter alone asks for the latest image",
       "defaults:\n  image_filter: \"app-*\"\nroles:\n  db: {}\n", "db",
       With(ReplaceRequest{},
            [](ReplaceRequest& r) {
              r.image = ImageRequest{"latest", "app-*"};
            })},
      {"a block list, a command quoted for its braces",
       "roles:\n  db:\n    start:\n      - systemctl start db\n      - \"{env:HOME}/bin/warm\"\n",
       "db",
       With(ReplaceRequest{},
            [](ReplaceRequest& r) {
              r.start = {"systemctl start db", "{env:HOME}/bin/warm"};
            })},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto got = ParseReplacePlan(row.yaml, "plan.yaml", row.role);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(Show(*got), Show(row.want));
  }
}

TEST(ReplacePlanFile, RefusalsSayFileLineAndKey) {
  const std::string keys =
      "image, image_filter, owner, instance_type, root_size, volumes, addresses, dns, copy, "
      "prepare, stop, start, after, unmount, probes, probe_address, keep_old, health_timeout";
  struct Row {
    const char* name;
    std::string yaml;
    std::string role;
    std::string want;  // the whole message
  };
  const Row rows[] = {
      {"an unknown key at the top", "defaults: {}\nrolez:\n  db: {}\n", "db",
       "plan.yaml:2: rolez: unknown key (expected one of: defaults, roles)"},
      {"an unknown key in defaults", "defaults:\n  instnce_type: t3.micro\nroles:\n  db: {}\n",
       "db", "plan.yaml:2: defaults.instnce_type: unknown key (expected one of: " + keys + ")"},
      {"an unknown key in a role", "roles:\n  db:\n    root_size: 8\n    volume: [vol-1]\n", "db",
       "plan.yaml:4: roles.db.volume: unknown key (expected one of: " + keys + ")"},
      {"an unknown key in a role not chosen", "roles:\n  db: {}\n  web:\n    stpo: []\n", "db",
       "plan.yaml:4: roles.web.stpo: unknown key (expected one of: " + keys + ")"},
      {"a key given twice", "roles:\n  db:\n    stop: [a]\n    stop: [b]\n", "db",
       "plan.yaml:4: roles.db.stop: given twice (first at line 3)"},
      {"a role given twice", "roles:\n  db: {}\n  web: {}\n  db: {}\n", "db",
       "plan.yaml:4: roles.db: given twice (first at line 2)"},
      {"a list where one value goes", "roles:\n  db:\n    instance_type: [t3.micro]\n", "db",
       "plan.yaml:3: roles.db.instance_type: expected a single value, not a list or mapping"},
      {"no value", "defaults:\n  image:\nroles:\n  db: {}\n", "db",
       "plan.yaml:2: defaults.image: expected a value, found none"},
      {"no list", "roles:\n  db:\n    stop:\n    start: []\n", "db",
       "plan.yaml:3: roles.db.stop: expected a value, found none"},
      {"roles with nothing in it", "defaults: {}\nroles:\n", "",
       "plan.yaml:2: roles: expected a mapping of role names to their keys"},
      {"one value where a list goes", "roles:\n  db:\n    stop: systemctl stop db\n", "db",
       "plan.yaml:3: roles.db.stop: expected a list such as [a, b] (or [] for none)"},
      {"a list item that is not text",
       "roles:\n  db:\n    after:\n      - ./firewall\n      - {new.private_ip}\n", "db",
       "plan.yaml:5: roles.db.after: each item must be text (quote one that holds ': ' or starts "
       "with '{' or '[')"},
      {"a role that is not a mapping", "roles:\n  db: [a, b]\n", "db",
       "plan.yaml:2: roles.db: expected a mapping of keys"},
      {"an unknown role", "roles:\n  frontend: {}\n  backend: {}\n", "fronted",
       "plan.yaml:1: roles: no role 'fronted' (the roles are backend, frontend)"},
      {"several roles and none chosen", "defaults: {}\nroles:\n  frontend: {}\n  backend: {}\n", "",
       "plan.yaml:2: roles: the plan has 2 roles (backend, frontend): choose one with --role"},
      {"no roles", "defaults:\n  root_size: 8\n", "",
       "plan.yaml:1: roles: missing: a plan names at least one role"},
      {"roles empty", "roles: {}\n", "",
       "plan.yaml:1: roles: expected a mapping of role names to their keys"},
      {"an empty file", "", "", "plan.yaml:1: roles: missing: a plan names at least one role"},
      {"a list at the top", "- db\n", "",
       "plan.yaml:1: plan: expected the keys defaults and roles"},
      {"a duration without a known unit", "defaults:\n  keep_old: 7 days\nroles:\n  db: {}\n", "db",
       "plan.yaml:2: defaults.keep_old: '7 days' has an unknown unit ' days' (use ms, s, m, h "
       "or d)"},
      {"a duration that is no number", "roles:\n  db:\n    health_timeout: soon\n", "db",
       "plan.yaml:3: roles.db.health_timeout: 'soon' is not a duration (write 90s, 5m, 1h or 2d)"},
      {"a zero duration", "roles:\n  db:\n    health_timeout: 0s\n", "db",
       "plan.yaml:3: roles.db.health_timeout: '0s' must be more than zero"},
      {"a bad unmount", "roles:\n  db:\n    unmount: yes\n", "db",
       "plan.yaml:3: roles.db.unmount: 'yes' is not auto or none"},
      {"a bad probe_address", "roles:\n  db:\n    probe_address: ipv6\n", "db",
       "plan.yaml:3: roles.db.probe_address: 'ipv6' is not private or public"},
      {"a zero root_size", "roles:\n  db:\n    root_size: 0\n", "db",
       "plan.yaml:3: roles.db.root_size: '0' is not a positive whole number of GiB"},
      {"a negative root_size", "roles:\n  db:\n    root_size: -20\n", "db",
       "plan.yaml:3: roles.db.root_size: '-20' is not a positive whole number of GiB"},
      {"a root_size with a unit", "roles:\n  db:\n    root_size: 20G\n", "db",
       "plan.yaml:3: roles.db.root_size: '20G' is not a positive whole number of GiB"},
      {"a fractional root_size", "defaults:\n  root_size: 2.5\nroles:\n  db: {}\n", "db",
       "plan.yaml:2: defaults.root_size: '2.5' is not a positive whole number of GiB"},
      {"a relative copy path", "roles:\n  db:\n    copy: [/etc/ssl, etc/letsencrypt]\n", "db",
       "plan.yaml:3: roles.db.copy: 'etc/letsencrypt' is not an absolute path"},
      {"a bad probe", "defaults:\n  probes: [\"tcp:5432\", \"udp:53\"]\nroles:\n  db: {}\n", "db",
       "plan.yaml:2: defaults.probes: probe 'udp:53' is not tcp:PORT, http://:PORT/PATH or "
       "ssh:COMMAND (the address is each instance's own)"},
      {"a secret in a command", "roles:\n  db:\n    stop:\n      - PGPASSWORD=hunter2 pg_dump\n",
       "db",
       "plan.yaml:4: roles.db.stop: the command seems to hold a secret, and rotor journals and "
       "prints commands: put the value in rotor's environment and write {env:NAME} instead"},
      {"an unknown placeholder", "roles:\n  db:\n    after: [\"./firewall {new.private_addr}\"]\n",
       "db",
       "plan.yaml:3: roles.db.after: `./firewall {new.private_addr}`: unknown placeholder "
       "{new.private_addr} (use {old.id}, {new.id}, {old.private_ip}, {new.private_ip}, "
       "{old.public_ip}, {new.public_ip}, {new.ipv6}, {name}, {env:NAME})"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto got = ParseReplacePlan(row.yaml, "plan.yaml", row.role);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(got.status().message(), row.want);
  }
}

TEST(ReplacePlanFile, NotYamlSaysWhere) {
  auto got = ParseReplacePlan("roles:\n  db: [a\n", "plan.yaml", "db");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), core::Code::kInvalidArgument);
  EXPECT_TRUE(core::StartsWith(got.status().message(), "plan.yaml:3: not valid YAML: "))
      << got.status().message();
}

TEST(ReplacePlanFile, AFileThatCannotBeRead) {
  auto missing = LoadReplacePlan("/nonexistent/copr.yaml", "frontend");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(missing.status().message(),
            "/nonexistent/copr.yaml: cannot read the plan file: No such file or directory");
  auto directory = LoadReplacePlan(ROTOR_SOURCE_DIR "/examples", "frontend");
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().message(),
            ROTOR_SOURCE_DIR "/examples: cannot read the plan file: it is a directory");
}

// examples/copr-plan.yaml: each role resolves, with what it says and what it inherits.
TEST(ReplacePlanFile, TheCoprExampleResolvesEveryRole) {
  const std::string path = ROTOR_SOURCE_DIR "/examples/copr-plan.yaml";
  ReplaceRequest base;
  base.image = ImageRequest{"latest", "Fedora-Cloud-Base-AmazonEC2.x86_64-*", "125523088429"};
  base.keep_old = 7 * 24h;
  base.health_timeout = 20min;
  base.probes = {"ssh:test -f /var/lib/cloud/instance/boot-finished"};
  struct Row {
    const char* role;
    std::string instance_type;
    int root_size;
    std::vector<std::string> volumes;
    bool unmount;
    size_t stops, starts, afters;
  };
  const Row rows[] = {
      {"frontend",
       "t3a.2xlarge",
       80,
       {"tag:Name=copr-frontend-data", "tag:Name=copr-frontend-db"},
       true,
       2,
       2,
       1},
      {"backend", "m5a.4xlarge", 160, {"tag:Name=copr-backend-data"}, false, 6, 4, 1},
      {"keygen", "c7a.xlarge", 20, {"tag:Name=copr-keygen-data"}, true, 1, 1, 0},
      {"distgit", "r7a.xlarge", 80, {"tag:Name=copr-distgit-data"}, true, 1, 1, 0}};
  for (const Row& row : rows) {
    SCOPED_TRACE(row.role);
    auto r = LoadReplacePlan(path, row.role);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->instance_type, row.instance_type);
    EXPECT_EQ(r->root_size_gib, row.root_size);
    EXPECT_EQ(r->volumes, row.volumes);
    EXPECT_EQ(r->unmount, row.unmount);
    EXPECT_EQ(r->stop.size(), row.stops);
    EXPECT_EQ(r->start.size(), row.starts);
    EXPECT_EQ(r->after.size(), row.afters);
    EXPECT_EQ(r->prepare.size(), 1u);
    EXPECT_EQ(r->dns.size(), 1u);
    EXPECT_TRUE(r->addresses.empty());  // every elastic IP
    EXPECT_EQ(r->image->name_filter, base.image->name_filter);
    EXPECT_EQ(r->image->owner, base.image->owner);
    EXPECT_EQ(r->probes, base.probes);
    EXPECT_EQ(r->keep_old, base.keep_old);
  }
  auto frontend = LoadReplacePlan(path, "frontend");
  EXPECT_EQ(frontend->copy, std::vector<std::string>{"/etc/letsencrypt"});
  EXPECT_EQ(frontend->health_timeout, base.health_timeout);
  EXPECT_EQ(LoadReplacePlan(path, "backend")->health_timeout, 45min);
  auto none = LoadReplacePlan(path, "");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find(
                "roles: the plan has 4 roles (backend, distgit, frontend, keygen): choose one "
                "with --role"),
            std::string::npos)
      << none.status().message();
}

}  // namespace
}  // namespace rotor::ops
