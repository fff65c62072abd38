#include "sim/scenario.h"

#include <gtest/gtest.h>

namespace rotor::sim {
namespace {

using namespace std::chrono_literals;

const char kGood[] = R"(seed: 7
region: eu-west-1
images:
  - {id: ami-0old, name: app-2026.09, created: 2026-09-01T00:00:00Z}
  - {id: ami-0new, name: app-2026.11, created: 2026-11-01T00:00:00Z}
stacks:
  - name: web-1
    groups:
      - name: web-1-AppServer
        launch_template: {name: web-1-lt, versions: [ami-0old, ami-0new], group_uses: 2}
        zones: [eu-west-1a, eu-west-1b, eu-west-1c]
        min: 3
        max: 12
        desired: 6
        instances: {count: 6, image: ami-0old}
        load_balancers:
          - {type: alb, interval: 10s, healthy_threshold: 2, deregistration_delay: 30s}
        health_check_grace: 0s
      - name: web-1-Db
        launch_configuration: {name: db-lc, image: ami-0new}
        zones: [eu-west-1a]
        min: 1
        max: 1
        desired: 1
        load_balancers: [{type: elb}]
timing:
  api_latency: 50ms
  launch_to_running: {uniform: [5s, 20s]}
  boot_to_healthy: {lognormal: {median: 40s, p99: 120s}}
  shutdown: 10s
faults:
  - {kind: boot_failure, image: ami-0new, probability: 0.1}
  - {kind: unhealthy_after, image: ami-0new, after: 300s}
  - {kind: terminate, group: web-1-AppServer, at: 600s}
  - {kind: zone_outage, zone: eu-west-1b, at: 300s, for: 900s}
  - {kind: throttle, service: ec2, refill_per_s: 20, bucket: 100}
  - {kind: api_error, service: autoscaling, probability: 0.02, code: InternalFailure}
  - {kind: crash, after_steps: 7}
  - {kind: endpoint_outage, service: autoscaling, at: 120s, for: 45m}
  - {kind: endpoint_outage, service: "*", at_step: 3, for: 90s}
)";

TEST(Scenario, ReadsTheDesignExample) {
  auto s = ParseScenario(kGood, "good.yaml");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->seed, 7u);
  ASSERT_EQ(s->stacks.size(), 1u);
  const GroupSpec& g = s->stacks[0].groups[0];
  EXPECT_EQ(g.template_versions.size(), 2u);
  EXPECT_EQ(g.group_uses, "2");
  EXPECT_EQ(g.instance_count, 6);
  EXPECT_EQ(g.load_balancers[0].interval, std::chrono::seconds(10));
  EXPECT_EQ(g.load_balancers[0].healthy_threshold, 2);
  EXPECT_EQ(g.load_balancers[0].unhealthy_threshold, 2);
  const GroupSpec& db = s->stacks[0].groups[1];
  EXPECT_EQ(db.instance_count, 1);  // defaults to desired, on the configuration's image
  EXPECT_EQ(db.instance_image, "ami-0new");
  EXPECT_EQ(db.load_balancers[0].healthy_threshold, 10);  // classic ELB default
  EXPECT_EQ(db.load_balancers[0].name, "web-1-Db-elb");
  EXPECT_EQ(s->timing.launch_to_running.kind, Distribution::Kind::kUniform);
  EXPECT_EQ(s->timing.boot_to_healthy.kind, Distribution::Kind::kLogNormal);
  ASSERT_EQ(s->faults.size(), 9u);
  EXPECT_EQ(s->faults[3].length, std::chrono::seconds(900));
  EXPECT_EQ(s->faults[6].after_steps, 7);
  EXPECT_EQ(s->faults[7].kind, Fault::Kind::kEndpointOutage);
  EXPECT_EQ(s->faults[7].service, "autoscaling");
  EXPECT_EQ(s->faults[7].at, std::chrono::seconds(120));
  EXPECT_EQ(s->faults[7].length, std::chrono::minutes(45));
  EXPECT_EQ(s->faults[8].service, "*");
  EXPECT_EQ(s->faults[8].after_steps, 3);
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return text.replace(pos, from.size(), to);
}

TEST(Scenario, ErrorsNameFileLineAndKey) {
  struct Row {
    const char* name;
    std::string text;
    const char* want;
  };
  const Row rows[] = {
      {"unknown top-level key", Replace(kGood, "region:", "regoin:"),
       "bad.yaml:2: scenario.regoin: unknown key"},
      {"unknown group key", Replace(kGood, "        min: 3", "        minimum: 3"),
       "bad.yaml:12: stacks[web-1].groups[web-1-AppServer].minimum: unknown key"},
      {"bad duration", Replace(kGood, "shutdown: 10s", "shutdown: 10 parsecs"),
       "bad.yaml:30: timing.shutdown: '10 parsecs'"},
      {"version that does not exist", Replace(kGood, "group_uses: 2", "group_uses: 3"),
       "launch_template.group_uses: version '3' does not exist"},
      {"undeclared image", Replace(kGood, "image: ami-0old}", "image: ami-0nope}"),
       "bad.yaml:15: stacks[web-1].groups[web-1-AppServer].instances.image: image 'ami-0nope' "
       "is not declared"},
      {"undeclared template image",
       Replace(kGood, "versions: [ami-0old, ami-0new]", "versions: [ami-0old, ami-0x]"),
       "image 'ami-0x' is not declared"},
      {"unknown fault", Replace(kGood, "kind: crash", "kind: meteor"), "'meteor' is not a fault"},
      {"fault on an unknown group", Replace(kGood, "group: web-1-AppServer, at", "group: nope, at"),
       "group 'nope' is not declared"},
      {"sizes out of order", Replace(kGood, "desired: 6", "desired: 20"), "min <= desired <= max"},
      {"not yaml", "stacks: [unclosed", "bad.yaml:1: not valid YAML"},
      {"bad probability", Replace(kGood, "probability: 0.1", "probability: 2"),
       "probability: must be between 0 and 1"},
      {"outage of an unknown service",
       Replace(kGood, "service: autoscaling, at: 120s", "service: s3, at: 120s"),
       "'s3' is not ec2, autoscaling, elb or cloudformation"},
      {"outage both at and at_step", Replace(kGood, "at_step: 3,", "at_step: 3, at: 5s,"),
       "give either at or at_step, not both"},
      {"outage at step 0", Replace(kGood, "at_step: 3,", "at_step: 0,"), "must be at least 1"},
  };
  for (const Row& r : rows) {
    auto s = ParseScenario(r.text, "bad.yaml");
    ASSERT_FALSE(s.ok()) << r.name;
    EXPECT_EQ(s.status().code(), core::Code::kInvalidArgument) << r.name;
    EXPECT_NE(s.status().message().find(r.want), std::string::npos)
        << r.name << ": " << s.status().message();
  }
}

const char kHosts[] = R"(region: us-east-1
images:
  - {id: ami-1, name: app-1, created: 2026-11-01T00:00:00Z}
hosts:
  - {name: bastion, image: ami-1, zone: us-east-1a, ipv6: 1, termination_protection: true}
  - {name: twin, image: ami-1}
  - {name: twin, image: ami-1}
addresses:
  - {allocation: eipalloc-01, ip: 203.0.113.10, instance: bastion}
dns:
  - zone: example.org
    records:
      - {name: bastion.example.org, type: A, ttl: 60, values: ["host:bastion:eip"]}
commands:
  - {pattern: "apt-get *", duration: 90s, exit: 0}
timing:
  ssh_ready: 30s
faults:
  - {kind: command_failure, pattern: "apt-get *", host: bastion, exit: 100}
  - {kind: port_closed, host: new, port: 22, at: 10s, for: 1m}
)";

TEST(Scenario, ReadsHostsAddressesDnsAndCommands) {
  auto s = ParseScenario(kHosts, "hosts.yaml");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->hosts.size(), 3u);
  const HostSpec& b = s->hosts[0];
  EXPECT_EQ(b.type, "t3.micro");
  EXPECT_EQ(b.tags.at("Name"), "bastion");
  EXPECT_TRUE(b.termination_protection);
  ASSERT_EQ(b.volumes.size(), 1u);
  EXPECT_EQ(b.volumes[0].device, "/dev/xvda");
  EXPECT_EQ(s->hosts[1].zone, "us-east-1a");  // the region's first
  EXPECT_EQ(s->zones[0].name, "example.org.");
  EXPECT_EQ(s->zones[0].records[0].name, "bastion.example.org.");
  EXPECT_EQ(s->commands[0].duration, std::chrono::seconds(90));
  EXPECT_EQ(s->timing.ssh_ready, std::chrono::seconds(30));
  EXPECT_EQ(s->timing.dns_sync, std::chrono::seconds(30));
  ASSERT_EQ(s->faults.size(), 2u);
  EXPECT_EQ(s->faults[0].exit_status, 100);
  EXPECT_EQ(s->faults[1].kind, Fault::Kind::kPortClosed);
  EXPECT_EQ(s->faults[1].length, std::chrono::minutes(1));
}

TEST(Scenario, HostKeyErrorsNameFileLineAndKey) {
  struct Row {
    const char* name;
    std::string text;
    const char* want;
  };
  const Row rows[] = {
      {"unknown host key", Replace(kHosts, "ipv6: 1,", "ipv4: 1,"),
       "bad.yaml:5: hosts[bastion].ipv4: unknown key"},
      {"undeclared image",
       Replace(kHosts, "{name: bastion, image: ami-1", "{name: bastion, image: ami-9"),
       "bad.yaml:5: hosts[bastion].image: image 'ami-9' is not declared"},
      {"zone of another region", Replace(kHosts, "zone: us-east-1a", "zone: eu-west-1a"),
       "hosts[bastion].zone: 'eu-west-1a' is not a zone of region us-east-1"},
      {"not a bool", Replace(kHosts, "termination_protection: true", "termination_protection: yes"),
       "hosts[bastion].termination_protection: expected true or false"},
      {"bad id", Replace(kHosts, "{name: bastion,", "{name: bastion, id: i-xyz,"),
       "hosts[bastion].id: expected i- and 8 or 17 hex digits"},
      {"address on nobody", Replace(kHosts, "instance: bastion}", "instance: nobody}"),
       "bad.yaml:9: addresses[eipalloc-01].instance: no host or group member is named 'nobody'"},
      {"address on a twin", Replace(kHosts, "instance: bastion}", "instance: twin}"),
       "'twin' names 2 instances; give a host's id"},
      {"not an allocation", Replace(kHosts, "allocation: eipalloc-01", "allocation: 01"),
       "addresses[01].allocation: expected eipalloc-..."},
      {"bad host value", Replace(kHosts, "host:bastion:eip", "host:bastion:mac"),
       "bad.yaml:13: dns[example.org.].records[].values: expected "
       "host:NAME:public|private|ipv6|eip"},
      {"eip of a host without one", Replace(kHosts, "instance: bastion}", "}"),
       "no elastic IP under addresses: is on 'bastion'"},
      {"record outside its zone",
       Replace(kHosts, "name: bastion.example.org", "name: bastion.example.com"),
       "'bastion.example.com.' is not in zone example.org."},
      {"command exit too big",
       Replace(kHosts, "duration: 90s, exit: 0", "duration: 90s, exit: 300"),
       "bad.yaml:15: commands[apt-get *].exit: must be 0 to 255"},
      {"bad command duration", Replace(kHosts, "duration: 90s", "duration: soon"),
       "commands[apt-get *].duration: 'soon'"},
      {"unknown timing", Replace(kHosts, "ssh_ready: 30s", "ssh_up: 30s"),
       "bad.yaml:17: timing.ssh_up: unknown key"},
      {"port out of range", Replace(kHosts, "port: 22,", "port: 70000,"),
       "faults[port_closed].port: must be 1 to 65535"},
      {"command_failure without a pattern", Replace(kHosts, "pattern: \"apt-get *\", host", "host"),
       "faults[command_failure].pattern: missing"},
  };
  for (const Row& r : rows) {
    auto s = ParseScenario(r.text, "bad.yaml");
    ASSERT_FALSE(s.ok()) << r.name;
    EXPECT_EQ(s.status().code(), core::Code::kInvalidArgument) << r.name;
    EXPECT_NE(s.status().message().find(r.want), std::string::npos)
        << r.name << ": " << s.status().message();
  }
}

// A host with data volumes, two of them mounted, and a spare host.
constexpr char kVolumes[] = R"(seed: 1
region: us-east-1
start: 2026-11-30T09:00:00Z
images:
  - {id: ami-1, name: fedora-41, created: 2026-11-01T00:00:00Z}
hosts:
  - name: old
    image: ami-1
    zone: us-east-1c
    volumes:
      - {device: /dev/sdf, id: vol-0da7a000000000001, size: 160, encrypted: true,
         mount: /var/lib/copr, tags: {app: copr}}
      - {device: /dev/sdg, id: vol-0db00000000000001, size: 10, mount: /var/lib/pgsql}
      - {device: /dev/sdh, id: vol-0e5c0000000000001, size: 5}
  - {name: fresh, image: ami-1, zone: us-east-1c}
timing:
  api_latency: 0s
  shutdown: 10s
  launch_to_running: 20s
  ssh_ready: 25s
)";

TEST(Scenario, ReadsVolumesTheirTimingsAndFaults) {
  auto s = ParseScenario(std::string(kVolumes) + R"(  attach: 7s
  detach: 1m
  snapshot: 10m
faults:
  - {kind: volume_stuck, volume: vol-0db00000000000001, state: detaching, for: 5m}
  - {kind: volume_stuck, host: fresh, device: /dev/sdf, state: attaching}
  - {kind: snapshot_slow, for: 20m}
)",
                         "v.yaml");
  ASSERT_TRUE(s.ok()) << s.status().message();
  const std::vector<VolumeSpec>& v = s->hosts[0].volumes;
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].device, "/dev/xvda");
  EXPECT_EQ(v[1].id, "vol-0da7a000000000001");
  EXPECT_TRUE(v[1].encrypted);
  EXPECT_EQ(v[1].mount, "/var/lib/copr");
  EXPECT_EQ(v[1].tags.at("app"), "copr");
  EXPECT_FALSE(v[2].encrypted);
  EXPECT_EQ(v[3].mount, "");
  EXPECT_EQ(s->timing.attach, 7s);
  EXPECT_EQ(s->timing.detach, 1min);
  EXPECT_EQ(s->timing.snapshot, 10min);
  ASSERT_EQ(s->faults.size(), 3u);
  EXPECT_EQ(s->faults[0].kind, Fault::Kind::kVolumeStuck);
  EXPECT_EQ(s->faults[0].length, 5min);
  EXPECT_EQ(s->faults[1].host, "fresh");
  EXPECT_EQ(s->faults[1].length, kForever);
  EXPECT_EQ(s->faults[2].kind, Fault::Kind::kSnapshotSlow);
  EXPECT_EQ(s->faults[2].volume, "");  // every volume
  auto defaults = ParseScenario(kVolumes, "v.yaml");
  EXPECT_EQ(defaults->timing.attach, 5s);
  EXPECT_EQ(defaults->timing.detach, 10s);
  EXPECT_EQ(defaults->timing.snapshot, 60s);
}

TEST(Scenario, VolumeKeyErrorsNameFileLineAndKey) {
  const std::string base = kVolumes;
  const std::string stuck =
      base + "faults:\n  - {kind: volume_stuck, volume: vol-0db00000000000001, state: detaching}\n";
  struct Row {
    const char* name;
    std::string text;
    const char* want;
  };
  const Row rows[] = {
      {"unknown volume key", Replace(base, "size: 5}", "size: 5, iops: 3000}"),
       "bad.yaml:14: hosts[old].volumes[].iops: unknown key"},
      {"bad volume id", Replace(base, "id: vol-0e5c0000000000001", "id: vol-xyz"),
       "bad.yaml:14: hosts[old].volumes[].id: expected vol- and 8 or 17 hex digits"},
      {"the simulator's own id", Replace(base, "id: vol-0e5c0000000000001", "id: vol-00000001"),
       "hosts[old].volumes[].id: expected vol-"},
      {"duplicate id", Replace(base, "id: vol-0e5c0000000000001", "id: vol-0db00000000000001"),
       "hosts[old].volumes[].id: duplicate volume id vol-0db00000000000001"},
      {"duplicate device", Replace(base, "device: /dev/sdh", "device: /dev/sdg"),
       "hosts[old].volumes[].device: duplicate device /dev/sdg"},
      {"not a device", Replace(base, "device: /dev/sdh", "device: sdh"),
       "hosts[old].volumes[].device: 'sdh' is not a device name"},
      {"relative mount", Replace(base, "mount: /var/lib/pgsql", "mount: var/lib/pgsql"),
       "bad.yaml:13: hosts[old].volumes[].mount: 'var/lib/pgsql' is not an absolute path"},
      {"a mount on the root",
       Replace(base, "volumes:\n", "volumes:\n      - {device: /dev/xvda, mount: /boot}\n"),
       "hosts[old].volumes[].mount: the root volume is mounted at / already"},
      {"two at one mount point", Replace(base, "mount: /var/lib/pgsql", "mount: /var/lib/copr"),
       "hosts[old].volumes[].mount: another volume is mounted at /var/lib/copr"},
      {"encrypted not a bool", Replace(base, "encrypted: true", "encrypted: yes"),
       "hosts[old].volumes[].encrypted: expected true or false"},
      {"bad timing", base + "  attach: soon\n", "bad.yaml:21: timing.attach: 'soon'"},
      {"stuck on nothing", Replace(stuck, "volume: vol-0db00000000000001, ", ""),
       "faults[volume_stuck]: give either volume: VOL-ID or host: NAME with device: /dev/sdX"},
      {"stuck on a volume not declared",
       Replace(stuck, "volume: vol-0db00000000000001", "volume: vol-0feedfeedfeedfeed"),
       "bad.yaml:22: faults[volume_stuck].volume: no volume under hosts[].volumes[] has id "
       "'vol-0feedfeedfeedfeed'"},
      {"stuck on a host without a device",
       Replace(stuck, "volume: vol-0db00000000000001", "host: old"),
       "faults[volume_stuck].device: give the attachment's device"},
      {"stuck in another state", Replace(stuck, "state: detaching", "state: busy"),
       "faults[volume_stuck].state: expected attaching or detaching"},
      {"slow without for", base + "faults:\n  - {kind: snapshot_slow, volume: all}\n",
       "faults[snapshot_slow].for: missing"},
  };
  for (const Row& r : rows) {
    auto s = ParseScenario(r.text, "bad.yaml");
    ASSERT_FALSE(s.ok()) << r.name;
    EXPECT_EQ(s.status().code(), core::Code::kInvalidArgument) << r.name;
    EXPECT_NE(s.status().message().find(r.want), std::string::npos)
        << r.name << ": " << s.status().message();
  }
}

TEST(Scenario, MissingFileIsAClearError) {
  auto s = LoadScenario("/nonexistent/scenario.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("cannot read scenario file '/nonexistent/scenario.yaml'"),
            std::string::npos);
}

TEST(Distribution, SamplesStayInRangeAndFixedUsesNoRandomness) {
  core::SeededRng rng(1);
  Distribution u{Distribution::Kind::kUniform, std::chrono::seconds(5), std::chrono::seconds(20)};
  for (int i = 0; i < 1000; ++i) {
    core::Duration d = u.Sample(rng);
    ASSERT_GE(d, std::chrono::seconds(5));
    ASSERT_LE(d, std::chrono::seconds(20));
  }
  Distribution ln{Distribution::Kind::kLogNormal, std::chrono::seconds(40),
                  std::chrono::seconds(120)};
  std::vector<core::Duration> xs;
  for (int i = 0; i < 5001; ++i) xs.push_back(ln.Sample(rng));
  std::sort(xs.begin(), xs.end());
  EXPECT_NEAR(std::chrono::duration<double>(xs[2500]).count(), 40, 3);    // the median
  EXPECT_NEAR(std::chrono::duration<double>(xs[4950]).count(), 120, 20);  // the 99th percentile
  core::FixedRng fixed(0.5);
  EXPECT_EQ(Distribution::Fixed(std::chrono::seconds(3)).Sample(fixed), std::chrono::seconds(3));
}

}  // namespace
}  // namespace rotor::sim
