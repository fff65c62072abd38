// The hosts contract (issue 12): Instances' host verbs, Addresses and Dns answer alike on every
// cloud that builds the world of tests/e2e/host_fixture.py (a bastion with an elastic IP named
// in a hosted zone, two hosts sharing a Name, a spare address). Cases assert relative facts,
// never a cloud's own ids. The simulator's twin of the fixture is tests/testdata/hosts.yaml.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "aws/aws_cloud.h"
#include "aws/curl_transport.h"
#include "cloud/cloud.h"
#include "cloud/dns.h"
#include "fakes/moto_cloud.h"
#include "fakes/moto_server.h"
#include "sim/sim_cloud.h"

namespace rotor {
namespace {

using namespace std::chrono_literals;
using Action = cloud::RecordChange::Action;

// One cloud under test, freshly set to the hosts fixture.
class HostWorld {
 public:
  virtual ~HostWorld() = default;
  virtual cloud::Cloud& cloud() = 0;
  virtual void Settle() {}  // let state changes run their course (moto makes them at once)
};

class MotoHostWorld final : public HostWorld {
 public:
  static testing::MotoServer* server;

  MotoHostWorld() : moto_(server->url()) {
    EXPECT_TRUE(server->Reset().ok());
    auto fx = server->BuildHostFixture();
    EXPECT_TRUE(fx.ok()) << fx.status().message();
    EXPECT_TRUE(moto_.status().ok()) << moto_.status().message();
  }
  cloud::Cloud& cloud() override { return moto_.cloud(); }

 private:
  testing::MotoCloud moto_;
};
testing::MotoServer* MotoHostWorld::server = nullptr;

// The simulator with tests/testdata/hosts.yaml, the twin of host_fixture.py.
class SimHostWorld final : public HostWorld {
 public:
  SimHostWorld() {
    auto s = sim::LoadScenario(std::string(ROTOR_TESTS_DIR) + "/testdata/hosts.yaml");
    EXPECT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<sim::SimCloud>(*s);
  }
  cloud::Cloud& cloud() override { return sim_->cloud(); }
  void Settle() override { sim_->clock().SleepFor(std::chrono::minutes(2)); }

 private:
  std::unique_ptr<sim::SimCloud> sim_;
};

class Hosts : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    auto m = testing::MotoServer::Start();
    ASSERT_TRUE(m.ok()) << m.status().message();
    moto_ = std::move(m).value();
    MotoHostWorld::server = moto_.get();
  }
  static void TearDownTestSuite() {
    MotoHostWorld::server = nullptr;
    moto_.reset();
  }
  void SetUp() override {
    if (GetParam() == "sim") {
      world_ = std::make_unique<SimHostWorld>();
    } else {
      world_ = std::make_unique<MotoHostWorld>();
    }
  }

  cloud::Cloud& c() { return world_->cloud(); }
  cloud::Host Describe(const std::string& id_or_name) {
    auto h = c().instances.DescribeHost(id_or_name);
    EXPECT_TRUE(h.ok()) << id_or_name << ": " << h.status().message();
    return h.ok() ? *h : cloud::Host{};
  }
  std::vector<std::string> Ids(const std::string& key, const std::string& value) {
    auto found = c().instances.FindHosts(key, value);
    EXPECT_TRUE(found.ok()) << found.status().message();
    std::vector<std::string> ids;
    for (const cloud::Host& h : found.ok() ? *found : std::vector<cloud::Host>{}) {
      ids.push_back(h.instance.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  // Launches a host like the bastion, tagged Name=`name` and rotor:operation=`operation`.
  std::string RunLikeBastion(const std::string& name, const std::string& operation) {
    cloud::Host b = Describe("bastion");
    cloud::LaunchLike l;
    l.image_id = b.instance.image_id;
    l.instance_type = b.instance.instance_type;
    l.subnet_id = b.subnet_id;
    l.security_groups = b.security_groups;
    l.key_name = b.key_name;
    l.profile_arn = b.profile_arn;
    l.tags = {{"Name", name}, {"team", "ops"}, {"rotor:operation", operation}};
    l.client_token = operation + "-launch";
    auto id = c().instances.RunInstance(l);
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : "";
  }
  std::vector<cloud::ElasticIp> AddressesOf(const std::string& id) {
    auto a = c().addresses.AddressesOf(id);
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? *a : std::vector<cloud::ElasticIp>{};
  }
  cloud::HostedZone Zone(const std::string& name) {
    auto zones = c().dns.ListZones();
    EXPECT_TRUE(zones.ok()) << zones.status().message();
    for (const cloud::HostedZone& z : zones.ok() ? *zones : std::vector<cloud::HostedZone>{}) {
      if (z.name == name) return z;
    }
    ADD_FAILURE() << "no zone " << name;
    return {};
  }
  std::optional<cloud::DnsRecord> Record(const std::string& zone_id, const std::string& name) {
    auto records = c().dns.ListRecords(zone_id);
    EXPECT_TRUE(records.ok()) << records.status().message();
    for (const cloud::DnsRecord& r : records.ok() ? *records : std::vector<cloud::DnsRecord>{}) {
      if (r.name == name && r.type == "A") return r;
    }
    return std::nullopt;
  }

  static std::unique_ptr<testing::MotoServer> moto_;
  std::unique_ptr<HostWorld> world_;
};
std::unique_ptr<testing::MotoServer> Hosts::moto_;

TEST_P(Hosts, DescribeByNameAndByIdAgree) {
  cloud::Host by_name = Describe("bastion");
  cloud::Host by_id = Describe(by_name.instance.id);
  EXPECT_EQ(by_id.instance.id, by_name.instance.id);
  EXPECT_EQ(by_id.subnet_id, by_name.subnet_id);
  EXPECT_EQ(by_name.name, "bastion");
  EXPECT_EQ(by_name.instance.tags.at("team"), "ops");
  EXPECT_EQ(by_name.key_name, "ops");
  EXPECT_EQ(by_name.instance.instance_type, "t3.micro");
  EXPECT_EQ(by_name.instance.zone, "us-east-1a");
  EXPECT_FALSE(by_name.subnet_id.empty());
  EXPECT_FALSE(by_name.vpc_id.empty());
  EXPECT_TRUE(by_name.termination_protection);
  EXPECT_TRUE(by_name.group.empty());
  EXPECT_EQ(by_name.user_data, "#cloud-config\nhostname: bastion\n");
  ASSERT_FALSE(by_name.devices.empty());
  EXPECT_GT(by_name.devices[0].size_gib, 0);  // completed from the volume
}

TEST_P(Hosts, ASharedNameIsAmbiguousListingBoth) {
  std::vector<std::string> twins = Ids("Name", "twin");
  ASSERT_EQ(twins.size(), 2u);
  auto h = c().instances.DescribeHost("twin");
  EXPECT_EQ(h.status().code(), core::Code::kAmbiguous);
  for (const std::string& id : twins) {
    EXPECT_NE(h.status().message().find(id), std::string::npos) << h.status().message();
  }
}

TEST_P(Hosts, UnknownNamesAndIdsAreNotFound) {
  for (const char* text : {"nosuch", "i-0123456789abcdef0", "i-zz"}) {
    auto h = c().instances.DescribeHost(text);
    EXPECT_EQ(h.status().code(), core::Code::kNotFound) << text << ": " << h.status().message();
    EXPECT_NE(h.status().message().find(text), std::string::npos) << h.status().message();
  }
}

TEST_P(Hosts, RunLikeAnotherThenFindByTag) {
  std::string id = RunLikeBastion("bastion-next", "op-7");
  ASSERT_FALSE(id.empty());
  // No second RunInstance with the same client token here: moto launches another instance
  // where EC2 returns the first one.
  EXPECT_EQ(Ids("rotor:operation", "op-7"), std::vector<std::string>{id});
  cloud::Host h = Describe(id);
  cloud::Host b = Describe("bastion");
  EXPECT_EQ(h.name, "bastion-next");
  EXPECT_EQ(h.key_name, "ops");
  EXPECT_EQ(h.subnet_id, b.subnet_id);
  EXPECT_EQ(h.instance.image_id, b.instance.image_id);
  EXPECT_FALSE(h.termination_protection);
}

TEST_P(Hosts, StopThenStart) {
  std::string id = Ids("Name", "twin").at(0);
  ASSERT_TRUE(c().instances.SetRunning(id, false).ok());
  world_->Settle();
  std::string stopped = Describe(id).instance.ec2_state;
  EXPECT_TRUE(stopped == "stopping" || stopped == "stopped") << stopped;
  ASSERT_TRUE(c().instances.SetRunning(id, true).ok());
  world_->Settle();
  std::string started = Describe(id).instance.ec2_state;
  EXPECT_TRUE(started == "pending" || started == "running") << started;
}

TEST_P(Hosts, TagsSetAndRemoved) {
  std::string id = Describe("bastion").instance.id;
  ASSERT_TRUE(c().instances.Tag(id, {{"env", "prod"}}, {"team"}).ok());
  cloud::Host h = Describe(id);
  EXPECT_EQ(h.instance.tags.at("env"), "prod");
  EXPECT_EQ(h.instance.tags.count("team"), 0u);
  EXPECT_EQ(h.name, "bastion");
}

TEST_P(Hosts, TerminationProtectionOffOnAndRefusingTermination) {
  std::string id = Describe("bastion").instance.id;
  ASSERT_TRUE(c().instances.SetTerminationProtection(id, false).ok());
  EXPECT_FALSE(Describe(id).termination_protection);
  ASSERT_TRUE(c().instances.SetTerminationProtection(id, true).ok());
  EXPECT_TRUE(Describe(id).termination_protection);
  core::Status refused = c().instances.TerminateInstances({id});
  EXPECT_EQ(refused.code(), core::Code::kFailedPrecondition) << refused.message();
  EXPECT_EQ(Describe(id).instance.ec2_state, "running");
}

TEST_P(Hosts, TheBastionsAddress) {
  std::string id = Describe("bastion").instance.id;
  std::vector<cloud::ElasticIp> eips = AddressesOf(id);
  ASSERT_EQ(eips.size(), 1u);
  EXPECT_EQ(eips[0].instance_id, id);
  EXPECT_FALSE(eips[0].association_id.empty());
  for (const std::string& key : {eips[0].allocation_id, eips[0].public_ip}) {
    auto one = c().addresses.DescribeAddress(key);
    ASSERT_TRUE(one.ok()) << key << ": " << one.status().message();
    EXPECT_EQ(one->allocation_id, eips[0].allocation_id);
    EXPECT_EQ(one->public_ip, eips[0].public_ip);
  }
  EXPECT_EQ(c().addresses.DescribeAddress("eipalloc-0123456789abcdef0").status().code(),
            core::Code::kNotFound);
  EXPECT_EQ(c().addresses.DescribeAddress("192.0.2.250").status().code(), core::Code::kNotFound);
}

TEST_P(Hosts, AssociateMovesTheAddressDisassociateEndsIt) {
  std::string old_id = Describe("bastion").instance.id;
  std::string new_id = RunLikeBastion("bastion-next", "op-8");
  world_->Settle();
  cloud::ElasticIp eip = AddressesOf(old_id).at(0);
  ASSERT_TRUE(c().addresses.Associate(eip.allocation_id, new_id).ok());
  EXPECT_TRUE(AddressesOf(old_id).empty());
  std::vector<cloud::ElasticIp> moved = AddressesOf(new_id);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].public_ip, eip.public_ip);
  ASSERT_TRUE(c().addresses.Disassociate(moved[0].association_id).ok());
  EXPECT_TRUE(AddressesOf(new_id).empty());
  auto spare = c().addresses.DescribeAddress(eip.allocation_id);
  ASSERT_TRUE(spare.ok()) << spare.status().message();
  EXPECT_TRUE(spare->association_id.empty());
}

TEST_P(Hosts, RecordsNamingTheAddress) {
  cloud::ElasticIp eip = AddressesOf(Describe("bastion").instance.id).at(0);
  auto named = cloud::RecordsNaming(c().dns, {eip.public_ip});
  ASSERT_TRUE(named.ok()) << named.status().message();
  ASSERT_EQ(named->size(), 1u);
  EXPECT_EQ((*named)[0].name, "bastion.example.org.");
  EXPECT_EQ((*named)[0].ttl, 60);
  EXPECT_EQ((*named)[0].values, std::vector<std::string>{eip.public_ip});
  EXPECT_EQ((*named)[0].zone_id, Zone("example.org.").id);
}

TEST_P(Hosts, UpsertIsInSyncAndListed) {
  std::string zone = Zone("example.org.").id;
  cloud::DnsRecord next{zone, "bastion.example.org.", "A", 60, {"198.51.100.77"}, "", false};
  auto change = c().dns.ChangeRecords(zone, {{Action::kUpsert, next}}, "rotor: bastion moves");
  ASSERT_TRUE(change.ok()) << change.status().message();
  bool insync = false;
  for (int i = 0; i < 30 && !insync; ++i) {
    auto s = c().dns.ChangeInSync(*change);
    ASSERT_TRUE(s.ok()) << s.status().message();
    insync = *s;
    if (!insync) world_->Settle();
  }
  EXPECT_TRUE(insync);
  auto listed = Record(zone, "bastion.example.org.");
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->values, next.values);
}

TEST_P(Hosts, ADeleteThatDoesNotMatchIsRefused) {
  std::string zone = Zone("example.org.").id;
  cloud::DnsRecord wrong{zone, "other.example.org.", "A", 300, {"192.0.2.99"}, "", false};
  auto change = c().dns.ChangeRecords(zone, {{Action::kDelete, wrong}}, "");
  EXPECT_EQ(change.status().code(), core::Code::kInvalidArgument) << change.status().message();
  auto kept = Record(zone, "other.example.org.");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->values, std::vector<std::string>{"192.0.2.10"});
}

TEST_P(Hosts, RecordsOfAnUnknownZoneAreNotFound) {
  EXPECT_EQ(c().dns.ListRecords("Z0NOSUCHZONE000").status().code(), core::Code::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Clouds, Hosts, ::testing::Values("sim", "moto"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace rotor
