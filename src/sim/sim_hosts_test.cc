// SimCloud's hosts, elastic IPs, DNS and remote work (issue 12), as timelines in virtual time.
#include <gtest/gtest.h>

#include "core/strings.h"
#include "sim/sim_cloud.h"
#include "sim/sim_state.h"

namespace rotor::sim {
namespace {

using namespace std::chrono_literals;

// tests/testdata/hosts.yaml, plus a group of one, a spare host and the remote work.
std::string Scenario(const std::string& faults = "") {
  return R"(seed: 1
region: us-east-1
start: 2026-11-22T00:00:00Z
images:
  - {id: ami-1, name: app-2026.11, created: 2026-11-01T00:00:00Z}
stacks:
  - name: edge
    groups:
      - name: edge-Bastion
        launch_configuration: {name: edge-lc, image: ami-1}
        zones: [us-east-1b]
        min: 1
        max: 1
        desired: 1
        tags: {Name: bastion-b}
hosts:
  - {name: bastion, image: ami-1, zone: us-east-1a, key: ops, tags: {team: ops},
     termination_protection: true, ipv6: 1, volumes: [{device: /dev/sdf, size: 100, type: io2}]}
  - {name: twin, image: ami-1, zone: us-east-1a}
  - {name: twin, image: ami-1, zone: us-east-1b}
addresses:
  - {allocation: eipalloc-01, ip: 203.0.113.10, instance: bastion}
  - {allocation: eipalloc-02, ip: 203.0.113.11}
  - {allocation: eipalloc-03, ip: 203.0.113.12, instance: bastion-b}
dns:
  - zone: example.org
    records:
      - {name: bastion.example.org, type: A, ttl: 60, values: ["host:bastion:eip"]}
      - {name: bastion.example.org, type: AAAA, ttl: 60, values: ["host:bastion:ipv6"]}
      - {name: other.example.org., type: A, ttl: 300, values: [192.0.2.10]}
commands:
  - {pattern: "apt-get *", duration: 90s, output: upgraded}
  - {pattern: "systemctl is-active app", host: "twin", exit: 3, output: inactive}
timing:
  api_latency: 0s
  launch_to_running: 20s
  shutdown: 10s
)" + faults;
}

class SimHostsTest : public ::testing::Test {
 protected:
  void Load(const std::string& text = Scenario()) {
    auto s = ParseScenario(text, "test.yaml");
    ASSERT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<SimCloud>(*s);
  }
  void At(int seconds) { sim_->clock().SleepUntil(sim_->start() + std::chrono::seconds(seconds)); }
  cloud::Instances& ec2() { return sim_->cloud().instances; }
  cloud::Host Host(const std::string& id_or_name) {
    auto h = ec2().DescribeHost(id_or_name);
    EXPECT_TRUE(h.ok()) << h.status().message();
    return h.ok() ? *h : cloud::Host{};
  }
  int Calls(const std::string& op) {
    auto it = sim_->api_calls().find(op);
    return it == sim_->api_calls().end() ? 0 : it->second;
  }
  std::unique_ptr<SimCloud> sim_;
};

TEST_F(SimHostsTest, ScenarioHostsAreDescribedLikeEc2) {
  Load();
  cloud::Host b = Host("bastion");
  EXPECT_EQ(b.name, "bastion");
  EXPECT_EQ(b.instance.ec2_state, "running");
  EXPECT_EQ(b.instance.zone, "us-east-1a");
  EXPECT_EQ(b.instance.instance_type, "t3.micro");
  EXPECT_EQ(b.instance.public_ip, "203.0.113.10");  // its elastic IP
  EXPECT_EQ(b.instance.ipv6_addresses.size(), 1u);
  EXPECT_EQ(b.instance.tags.at("team"), "ops");
  EXPECT_EQ(b.instance.tags.count("aws:autoscaling:groupName"), 0u);
  EXPECT_EQ(b.key_name, "ops");
  EXPECT_TRUE(b.termination_protection);
  EXPECT_EQ(b.group, "");
  EXPECT_EQ(b.subnet_id, SubnetOf("us-east-1a"));
  ASSERT_EQ(b.devices.size(), 2u);
  EXPECT_EQ(b.devices[0].device, "/dev/xvda");
  EXPECT_EQ(b.devices[0].size_gib, 8);
  EXPECT_EQ(b.devices[0].volume_type, "gp3");
  EXPECT_EQ(b.devices[1].size_gib, 100);
  EXPECT_EQ(Calls("ec2:DescribeInstances"), 1);
  EXPECT_EQ(Calls("ec2:DescribeInstanceAttribute"), 1);
  EXPECT_EQ(Calls("ec2:DescribeVolumes"), 1);
  EXPECT_EQ(Host(b.instance.id).name, "bastion");  // by id too

  auto twin = ec2().DescribeHost("twin");
  EXPECT_EQ(twin.status().code(), core::Code::kAmbiguous) << twin.status().message();
  auto none = ec2().DescribeHost("bastio");
  EXPECT_EQ(none.status().code(), core::Code::kNotFound);
  EXPECT_NE(none.status().message().find("bastion"), std::string::npos);
  auto listed = ec2().ListInstances({});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 4u);  // the member and three hosts
}

TEST_F(SimHostsTest, GroupMembersAreHostsOfTheirGroup) {
  Load();
  cloud::Host m = Host("bastion-b");
  EXPECT_EQ(m.group, "edge-Bastion");
  EXPECT_EQ(m.instance.public_ip, "203.0.113.12");
  auto found = ec2().FindHosts("aws:autoscaling:groupName", "edge-Bastion");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().instance.id, m.instance.id);
  auto ops = ec2().FindHosts("team", "ops");
  ASSERT_TRUE(ops.ok());
  ASSERT_EQ(ops->size(), 1u);
  EXPECT_EQ(ops->front().name, "bastion");
}

TEST_F(SimHostsTest, RunInstanceIsPendingThenRunningAndHonoursItsToken) {
  Load();
  cloud::LaunchLike like;
  like.image_id = "ami-1";
  like.subnet_id = SubnetOf("us-east-1b");
  like.tags = {{"Name", "bastion-2"}, {"rotor:operation", "op-1"}};
  like.root = cloud::RootVolume{"/dev/xvda", 20, "gp3", true};
  like.client_token = "op-1-launch";
  like.termination_protection = true;
  At(100);
  auto id = ec2().RunInstance(like);
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto again = ec2().RunInstance(like);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *id);
  EXPECT_EQ(Calls("ec2:RunInstances"), 2);
  cloud::Host h = Host(*id);
  EXPECT_EQ(h.instance.ec2_state, "pending");
  EXPECT_EQ(h.instance.zone, "us-east-1b");
  EXPECT_TRUE(h.termination_protection);
  ASSERT_EQ(h.devices.size(), 1u);
  EXPECT_EQ(h.devices[0].size_gib, 20);
  EXPECT_TRUE(h.devices[0].encrypted);
  At(119);
  EXPECT_EQ(sim_->PeekState(*id), "pending");
  At(120);
  EXPECT_EQ(sim_->PeekState(*id), "running");
  auto found = ec2().FindHosts("rotor:operation", "op-1");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  cloud::LaunchLike bad = like;
  bad.client_token.clear();
  bad.image_id = "ami-nope";
  EXPECT_EQ(ec2().RunInstance(bad).status().code(), core::Code::kInvalidArgument);
}

TEST_F(SimHostsTest, StopAndStartMoveThroughTheStatesAndThePublicIp) {
  Load();
  std::string twin = Host("bastion").instance.id;  // any host: take the bastion's sibling
  auto hosts = ec2().FindHosts("Name", "twin");
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 2u);
  std::string id = hosts->front().instance.id;
  std::string first_ip = hosts->front().instance.public_ip;
  EXPECT_FALSE(first_ip.empty());
  At(10);
  ASSERT_TRUE(ec2().SetRunning(id, false).ok());
  EXPECT_EQ(Host(id).instance.ec2_state, "stopping");
  EXPECT_EQ(Host(id).instance.public_ip, "");
  At(20);
  EXPECT_EQ(Host(id).instance.ec2_state, "stopped");
  EXPECT_EQ(ec2().SetRunning(twin, false).code(), core::Code::kOk);  // the bastion stops too
  At(30);
  cloud::Host stopped_bastion = Host(twin);
  EXPECT_EQ(stopped_bastion.instance.ec2_state, "stopped");
  EXPECT_EQ(stopped_bastion.instance.public_ip, "203.0.113.10");  // an elastic IP stays
  ASSERT_TRUE(ec2().SetRunning(id, true).ok());
  cloud::Host started = Host(id);
  EXPECT_EQ(started.instance.ec2_state, "pending");
  EXPECT_FALSE(started.instance.public_ip.empty());
  EXPECT_NE(started.instance.public_ip, first_ip);
  At(50);
  EXPECT_EQ(sim_->PeekState(id), "running");
  EXPECT_EQ(Calls("ec2:StopInstances"), 2);
  EXPECT_EQ(Calls("ec2:StartInstances"), 1);
  EXPECT_EQ(ec2().SetRunning("i-0feedfeedfeedfeed", true).code(), core::Code::kNotFound);
}

TEST_F(SimHostsTest, ProtectedInstancesAreNotTerminated) {
  Load();
  std::string bastion = Host("bastion").instance.id;
  auto twins = ec2().FindHosts("Name", "twin");
  ASSERT_TRUE(twins.ok());
  std::string twin = twins->front().instance.id;
  core::Status refused = ec2().TerminateInstances({twin, bastion});
  EXPECT_EQ(refused.code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(refused.aws_code(), "OperationNotPermitted");
  EXPECT_NE(refused.message().find(bastion), std::string::npos) << refused.message();
  EXPECT_EQ(sim_->PeekState(twin), "running");  // nothing terminated
  ASSERT_TRUE(ec2().SetTerminationProtection(bastion, false).ok());
  EXPECT_FALSE(Host(bastion).termination_protection);
  ASSERT_TRUE(ec2().TerminateInstances({twin, bastion}).ok());
  EXPECT_EQ(sim_->PeekState(bastion), "shutting-down");
}

TEST_F(SimHostsTest, TagsAreSetAndRemoved) {
  Load();
  std::string id = Host("bastion").instance.id;
  ASSERT_TRUE(ec2().Tag(id, {{"rotor:state", "old"}, {"team", "sre"}}, {"Name"}).ok());
  auto h = ec2().DescribeHost(id);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->name, "");
  EXPECT_EQ(h->instance.tags.at("team"), "sre");
  EXPECT_EQ(h->instance.tags.at("rotor:state"), "old");
  EXPECT_EQ(Calls("ec2:CreateTags"), 1);
  EXPECT_EQ(Calls("ec2:DeleteTags"), 1);
}

TEST_F(SimHostsTest, ElasticIpReassociationMovesThePublicIp) {
  Load();
  cloud::Host bastion = Host("bastion");
  std::string own_ip;  // the bastion's own public IP shows once the address leaves
  auto twins = ec2().FindHosts("Name", "twin");
  ASSERT_TRUE(twins.ok());
  std::string twin = twins->front().instance.id;
  cloud::Addresses& eips = sim_->cloud().addresses;
  auto before = eips.DescribeAddress("203.0.113.10");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->instance_id, bastion.instance.id);
  EXPECT_EQ(before->private_ip, bastion.instance.private_ip);
  ASSERT_TRUE(eips.Associate("eipalloc-01", twin).ok());
  EXPECT_EQ(Host(twin).instance.public_ip, "203.0.113.10");
  std::string after_ip = Host("bastion").instance.public_ip;
  EXPECT_NE(after_ip, "203.0.113.10");
  EXPECT_FALSE(after_ip.empty());  // its own again
  auto of = eips.AddressesOf(twin);
  ASSERT_TRUE(of.ok());
  ASSERT_EQ(of->size(), 1u);
  EXPECT_EQ(eips.Disassociate(before->association_id).code(), core::Code::kNotFound);
  ASSERT_TRUE(eips.Disassociate(of->front().association_id).ok());
  EXPECT_EQ(Host(twin).instance.public_ip, twins->front().instance.public_ip);
  EXPECT_EQ(eips.DescribeAddress("eipalloc-99").status().code(), core::Code::kNotFound);
  EXPECT_EQ(Calls("ec2:AssociateAddress"), 1);
  EXPECT_EQ(Calls("ec2:DisassociateAddress"), 2);
}

cloud::RecordChange Change(cloud::RecordChange::Action a, const std::string& name, int64_t ttl,
                           std::vector<std::string> values, const std::string& type = "A") {
  return cloud::RecordChange{a,
                             cloud::DnsRecord{"", name, type, ttl, std::move(values), "", false}};
}

TEST_F(SimHostsTest, DnsChangesAreCheckedWholeAndSyncAfterDnsSync) {
  Load();
  cloud::Dns& dns = sim_->cloud().dns;
  auto zones = dns.ListZones();
  ASSERT_TRUE(zones.ok());
  ASSERT_EQ(zones->size(), 1u);
  EXPECT_EQ(zones->front().name, "example.org.");
  std::string zone = zones->front().id;
  auto records = dns.ListRecords(zone);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ(records->at(0).name, "bastion.example.org.");
  EXPECT_EQ(records->at(0).values, std::vector<std::string>{"203.0.113.10"});
  EXPECT_EQ(records->at(1).values, Host("bastion").instance.ipv6_addresses);
  using A = cloud::RecordChange::Action;
  struct Row {
    const char* name;
    std::vector<cloud::RecordChange> batch;
    const char* refusal;  // "" : accepted
  };
  const Row rows[] = {
      {"delete with another ttl",
       {Change(A::kDelete, "other.example.org.", 60, {"192.0.2.10"})},
       "do not match the current values"},
      {"delete of a record not there",
       {Change(A::kDelete, "nope.example.org.", 60, {"1.2.3.4"})},
       "but it was not found"},
      {"a name outside the zone",
       {Change(A::kUpsert, "bastion.example.com.", 60, {"1.2.3.4"})},
       "is not permitted in zone"},
      {"all or nothing",
       {Change(A::kUpsert, "new.example.org", 60, {"192.0.2.1"}),
        Change(A::kDelete, "other.example.org.", 300, {"192.0.2.99"})},
       "do not match"},
  };
  for (const Row& r : rows) {
    auto refused = dns.ChangeRecords(zone, r.batch, "test");
    ASSERT_FALSE(refused.ok()) << r.name;
    EXPECT_EQ(refused.status().code(), core::Code::kInvalidArgument) << r.name;
    EXPECT_NE(refused.status().message().find("InvalidChangeBatch: "), std::string::npos);
    EXPECT_NE(refused.status().message().find(r.refusal), std::string::npos)
        << r.name << ": " << refused.status().message();
  }
  EXPECT_EQ(dns.ListRecords(zone)->size(), 3u);  // "new" was not added
  At(100);
  auto change = dns.ChangeRecords(zone,
                                  {Change(A::kDelete, "bastion.example.org.", 60, {"203.0.113.10"}),
                                   Change(A::kUpsert, "bastion.example.org", 60, {"203.0.113.11"}),
                                   Change(A::kUpsert, "other.example.org.", 300, {"192.0.2.11"})},
                                  "move the bastion");
  ASSERT_TRUE(change.ok()) << change.status().message();
  EXPECT_EQ(*dns.ChangeInSync(*change), false);
  At(129);
  EXPECT_EQ(*dns.ChangeInSync(*change), false);
  At(130);
  EXPECT_EQ(*dns.ChangeInSync(*change), true);
  auto now = dns.ListRecords(zone);
  ASSERT_EQ(now->size(), 3u);
  EXPECT_EQ(now->at(1).values, std::vector<std::string>{"192.0.2.11"});
  EXPECT_EQ(now->at(2).values, std::vector<std::string>{"203.0.113.11"});
  EXPECT_EQ(dns.ListRecords("Z0NOPE").status().code(), core::Code::kNotFound);
  EXPECT_EQ(Calls("route53:ChangeResourceRecordSets"), 5);
  EXPECT_EQ(Calls("route53:GetChange"), 3);
}

TEST_F(SimHostsTest, ConsoleOutputHasHostKeysOnceSshIsReady) {
  Load();
  cloud::LaunchLike like;
  like.image_id = "ami-1";
  auto id = ec2().RunInstance(like);
  ASSERT_TRUE(id.ok());
  At(44);  // running at 20 s, sshd at 45 s
  EXPECT_EQ(*ec2().ConsoleOutput(*id), "");
  At(45);
  std::string text = *ec2().ConsoleOutput(*id);
  for (const char* want :
       {"-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 SHA256:", "(ECDSA)\n",
        "-----END SSH HOST KEY FINGERPRINTS-----\n", "-----BEGIN SSH HOST KEY KEYS-----\n",
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB",
        "-----END SSH HOST KEY KEYS-----\n"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  EXPECT_NE(
      text.find("root@ip-" + core::Join(core::Split(Host(*id).instance.private_ip, '.'), "-")),
      std::string::npos);
  EXPECT_EQ(*ec2().ConsoleOutput(*id), text);  // the same keys every time
  EXPECT_EQ(ec2().ConsoleOutput("i-0feedfeedfeedfeed").status().code(), core::Code::kNotFound);
}

TEST_F(SimHostsTest, HostCommandsFollowTheScenario) {
  Load(Scenario(R"(faults:
  - {kind: command_failure, pattern: "*cloud-init*", host: bastion, exit: 2, output: boom}
)"));
  cloud::Host bastion = Host("bastion");
  cloud::Host twin = ec2().FindHosts("Name", "twin")->front();
  struct Row {
    const char* name;
    std::string address;
    std::string command;
    bool reachable;
    core::Duration duration;
    int exit_status;
    const char* output;
  };
  const Row rows[] = {
      {"default", bastion.instance.private_ip, "uptime", true, 2s, 0, ""},
      {"by pattern, via the EIP", "203.0.113.10", "apt-get -y upgrade", true, 90s, 0, "upgraded"},
      {"by pattern and host", twin.instance.private_ip, "systemctl is-active app", true, 2s, 3,
       "inactive"},
      {"pattern for another host", bastion.instance.ipv6_addresses.at(0), "systemctl is-active app",
       true, 2s, 0, ""},
      {"fault", bastion.instance.private_ip, "cloud-init status --wait", true, 2s, 2, "boom"},
      {"fault on another host", twin.instance.private_ip, "cloud-init status", true, 2s, 0, ""},
      {"no such address", "10.9.9.9", "uptime", false, 0s, 0, ""},
  };
  for (const Row& r : rows) {
    RemoteAnswer a = sim_->HostCommand(r.address, r.command);
    EXPECT_EQ(a.reachable, r.reachable) << r.name << ": " << a.why;
    EXPECT_EQ(a.duration, r.duration) << r.name;
    EXPECT_EQ(a.exit_status, r.exit_status) << r.name;
    EXPECT_EQ(a.output, r.output) << r.name;
  }
  ASSERT_TRUE(ec2().SetRunning(twin.instance.id, false).ok());
  RemoteAnswer stopped = sim_->HostCommand(twin.instance.private_ip, "uptime");
  EXPECT_FALSE(stopped.reachable);
  EXPECT_NE(stopped.why.find("stopping"), std::string::npos) << stopped.why;
}

TEST_F(SimHostsTest, PortsAnswerAfterBootUnlessClosed) {
  Load(Scenario(R"(faults:
  - {kind: port_closed, host: bastion, port: 22, at: 60s, for: 30s}
  - {kind: port_closed, host: new, port: 8080}
)"));
  std::string bastion = Host("bastion").instance.private_ip;
  cloud::LaunchLike like;
  like.image_id = "ami-1";
  std::string fresh = Host(*ec2().RunInstance(like)).instance.private_ip;
  struct Row {
    int at;
    std::string address;
    int port;
    bool open;
  };
  const Row rows[] = {
      {0, bastion, 22, true},   {0, bastion, 8080, true},  {59, bastion, 22, true},
      {60, bastion, 22, false}, {60, bastion, 8080, true}, {89, bastion, 22, false},
      {90, bastion, 22, true},  {90, fresh, 22, true},     {90, fresh, 8080, false},
      {0, fresh, 22, false},  // sorted below: the row at 0 s is checked first
  };
  std::vector<Row> sorted(std::begin(rows), std::end(rows));
  std::stable_sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.at < b.at; });
  for (const Row& r : sorted) {
    At(r.at);
    core::Status s = sim_->PortAnswers(r.address, r.port);
    EXPECT_EQ(s.ok(), r.open) << r.at << "s " << r.address << ":" << r.port << " " << s.message();
  }
  // sshd on the fresh instance: running at 20 s, port 22 at 45 s.
}

TEST_F(SimHostsTest, TheTwinFixtureLoads) {
  auto s = LoadScenario(std::string(ROTOR_SOURCE_DIR) + "/tests/testdata/hosts.yaml");
  ASSERT_TRUE(s.ok()) << s.status().message();
  sim_ = std::make_unique<SimCloud>(*s);
  cloud::Host b = Host("bastion");
  EXPECT_EQ(b.instance.public_ip, "203.0.113.10");
  EXPECT_TRUE(b.termination_protection);
  auto records = sim_->cloud().dns.ListRecords(sim_->cloud().dns.ListZones()->front().id);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->front().values, std::vector<std::string>{"203.0.113.10"});
}

}  // namespace
}  // namespace rotor::sim
