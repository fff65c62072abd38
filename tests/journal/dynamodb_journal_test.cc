// The DynamoDB store against moto_server's DynamoDB, through rotor's own wire (json 1.0, SigV4):
// the same contract as SQLite, plus what only a shared table can get wrong — creation on first
// use, a table that is not a rotor journal, a newer schema, and processes racing for a lease.
#include "journal/dynamodb_journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>

#include "aws/client.h"
#include "aws/curl_transport.h"
#include "fakes/moto_server.h"
#include "journal_contract.h"

namespace rotor::journal {
namespace {

using namespace std::chrono_literals;

// One moto_server for the whole process, and the wire to it.
struct Wire {
  std::unique_ptr<testing::MotoServer> moto;
  aws::CurlTransport transport;
  aws::StaticProvider creds{aws::Credentials{"testing", "testing", "", {}, "test"}};
  core::ManualClock clock{kT0};
  core::SeededRng rng{1};
  cloud::RetryQuota quota;
  std::unique_ptr<aws::ClientContext> context;
  std::unique_ptr<aws::AwsClient> client;

  // Destroyed at exit, and moto_server with it (by its own process id): a leaked server would
  // outlive every run of the suite. Forked children leave with _exit and never destroy it.
  static Wire& Get() {
    static std::unique_ptr<Wire> wire = [] {
      auto w = std::make_unique<Wire>();
      auto moto = testing::MotoServer::Start();
      if (!moto.ok()) {
        ADD_FAILURE() << "moto_server: " << moto.status().message();
        return w;
      }
      w->moto = std::move(moto).value();
      w->context.reset(new aws::ClientContext{w->transport, w->creds, w->clock, w->rng, w->quota,
                                              aws::EndpointConfig{"us-east-1", w->moto->url(), {}},
                                              "", 0, nullptr, nullptr});
      auto client = aws::AwsClient::Create(aws::kDynamoDb, *w->context);
      EXPECT_TRUE(client.ok());
      if (client.ok()) w->client = std::make_unique<aws::AwsClient>(std::move(client).value());
      return w;
    }();
    return *wire;
  }
  DynamoCall Call() {
    return [this](const std::string& op, const nlohmann::json& body) {
      return client->Json("DynamoDB_20120810", op, body);
    };
  }
};

std::string NewTable() {
  static std::atomic<int> n{0};
  return fmt::format("rotor-journal-{}-{}", getpid(), ++n);
}

std::unique_ptr<Journal> MakeStore() {
  Wire& w = Wire::Get();
  if (!w.client) return nullptr;
  auto j = DynamoDbJournal::Open(w.Call(), NewTable(), w.clock);
  EXPECT_TRUE(j.ok()) << j.status().message();
  return std::unique_ptr<Journal>(j.ok() ? j->release() : nullptr);
}

INSTANTIATE_TEST_SUITE_P(Stores, JournalContract,
                         ::testing::Values(StoreFactory{"dynamodb", MakeStore}),
                         [](const auto& info) { return info.param.name; });

TEST(DynamoDbJournal, CreatesItsTableOnDemandBillingAndReopens) {
  Wire& w = Wire::Get();
  ASSERT_NE(w.client, nullptr);
  std::string table = NewTable();
  {
    auto j = DynamoDbJournal::Open(w.Call(), table, w.clock);
    ASSERT_TRUE(j.ok()) << j.status().message();
    ASSERT_TRUE((*j)->CreateRollout(Info("r-1")).ok());
  }
  auto described = w.client->Json("DynamoDB_20120810", "DescribeTable", {{"TableName", table}});
  ASSERT_TRUE(described.ok());
  EXPECT_EQ((*described)["Table"]["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
  auto again = DynamoDbJournal::Open(w.Call(), table, w.clock);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->GetRollout("r-1")->command, "rotor respawn web 1 --yes");
}

TEST(DynamoDbJournal, RefusesATableItCannotTrust) {
  Wire& w = Wire::Get();
  ASSERT_NE(w.client, nullptr);
  std::string foreign = NewTable();
  ASSERT_TRUE(
      w.client
          ->Json("DynamoDB_20120810", "CreateTable",
                 {{"TableName", foreign},
                  {"KeySchema", {{{"AttributeName", "id"}, {"KeyType", "HASH"}}}},
                  {"AttributeDefinitions", {{{"AttributeName", "id"}, {"AttributeType", "S"}}}},
                  {"BillingMode", "PAY_PER_REQUEST"}})
          .ok());
  auto j = DynamoDbJournal::Open(w.Call(), foreign, w.clock);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(j.status().message().find("is not a rotor journal"), std::string::npos);

  std::string newer = NewTable();
  ASSERT_TRUE(DynamoDbJournal::Open(w.Call(), newer, w.clock).ok());
  ASSERT_TRUE(
      w.client
          ->Json(
              "DynamoDB_20120810", "PutItem",
              {{"TableName", newer},
               {"Item",
                {{"pk", {{"S", "meta"}}}, {"sk", {{"S", "schema"}}}, {"version", {{"N", "7"}}}}}})
          .ok());
  auto future = DynamoDbJournal::Open(w.Call(), newer, w.clock);
  ASSERT_FALSE(future.ok());
  EXPECT_NE(future.status().message().find("written by a newer rotor (schema 7"), std::string::npos)
      << future.status().message();
}

// A table written by the rotor of schema 1: rollout items with `groups` and no kind, leases at
// "lease#GROUP". Opening it migrates every item (twice at once is harmless) and the held lease
// still keeps other rotors off the group.
TEST(DynamoDbJournal, MigratesASchema1Table) {
  Wire& w = Wire::Get();
  ASSERT_NE(w.client, nullptr);
  std::string table = NewTable();
  ASSERT_TRUE(DynamoDbJournal::Open(w.Call(), table, w.clock).ok());
  auto put = [&](nlohmann::json item) {
    return w.client->Json("DynamoDB_20120810", "PutItem", {{"TableName", table}, {"Item", item}});
  };
  auto S = [](const std::string& v) { return nlohmann::json{{"S", v}}; };
  auto N = [](int64_t v) { return nlohmann::json{{"N", std::to_string(v)}}; };
  ASSERT_TRUE(put({{"pk", S("meta")}, {"sk", S("schema")}, {"version", N(1)}}).ok());
  ASSERT_TRUE(put({{"pk", S("rollout#r-old")},
                   {"sk", S("info")},
                   {"id", S("r-old")},
                   {"command", S("rotor respawn web 1")},
                   {"owner", S("ops@h:1")},
                   {"groups", {{"L", {S("web-1-App"), S("web-1-Db")}}}},
                   {"policy", S("{}")},
                   {"rstatus", S("paused")},
                   {"pause", {{"BOOL", false}}},
                   {"started", N(1000)},
                   {"updated", N(2000)}})
                  .ok());
  ASSERT_TRUE(put({{"pk", S("rollout#r-old")},
                   {"sk", S("rec#000000000001")},
                   {"seq", N(1)},
                   {"t", N(1000)},
                   {"grp", S("web-1-App")},
                   {"kind", S("intent")},
                   {"text", S("detach i-1")},
                   {"data", S("{}")}})
                  .ok());
  ASSERT_TRUE(put({{"pk", S("lease#web-1-App")},
                   {"sk", S("lease")},
                   {"owner", S("ops@h:1")},
                   {"rollout", S("r-old")},
                   {"token", N(4)},
                   {"expires", N(9999999999999)}})
                  .ok());
  for (int open = 0; open < 2; ++open) {
    auto j = DynamoDbJournal::Open(w.Call(), table, w.clock);
    ASSERT_TRUE(j.ok()) << j.status().message();
    auto old = (*j)->GetRollout("r-old");
    ASSERT_TRUE(old.ok()) << old.status().message();
    EXPECT_EQ(old->kind, OperationKind::kRespawn);
    EXPECT_EQ(old->resources, (std::vector<std::string>{"group/web-1-App", "group/web-1-Db"}));
    auto records = (*j)->Read("r-old");
    ASSERT_TRUE(records.ok());
    ASSERT_EQ(records->size(), 1u);
    EXPECT_EQ(records->at(0).kind, RecordKind::kIntent);
    auto lease = (*j)->GetLease("group/web-1-App");
    ASSERT_TRUE(lease.ok() && lease->has_value()) << lease.status().message();
    EXPECT_EQ((*lease)->token, 4);
    EXPECT_EQ((*j)->TakeLease("group/web-1-App", "b@h:2", "r-new", 60s, kT0, false).status().code(),
              core::Code::kBlocked);
  }
  auto old_key = w.client->Json(
      "DynamoDB_20120810", "GetItem",
      {{"TableName", table}, {"Key", {{"pk", S("lease#web-1-App")}, {"sk", S("lease")}}}});
  ASSERT_TRUE(old_key.ok());
  EXPECT_FALSE(old_key->contains("Item"));
  auto meta =
      w.client->Json("DynamoDB_20120810", "GetItem",
                     {{"TableName", table}, {"Key", {{"pk", S("meta")}, {"sk", S("schema")}}}});
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ((*meta)["Item"]["version"]["N"], std::to_string(kSchemaVersion));
}

// Six processes, each with its own connection, race for one group's lease in one table.
TEST(DynamoDbJournal, ProcessesRacingForALeaseOneWins) {
  Wire& w = Wire::Get();
  ASSERT_NE(w.client, nullptr);
  std::string table = NewTable();
  ASSERT_TRUE(DynamoDbJournal::Open(w.Call(), table, w.clock).ok());
  constexpr int kProcesses = 6;
  auto [won, blocked] = RaceForALease(kProcesses, [&](int i) {
    aws::CurlTransport transport;  // a connection of its own
    aws::ClientContext ctx{transport, w.creds, w.clock,
                           w.rng,     w.quota, aws::EndpointConfig{"us-east-1", w.moto->url(), {}},
                           "",        0,       nullptr,
                           nullptr};
    auto client = aws::AwsClient::Create(aws::kDynamoDb, ctx);
    if (!client.ok()) return 8;
    DynamoCall call = [&](const std::string& op, const nlohmann::json& body) {
      return client->Json("DynamoDB_20120810", op, body);
    };
    auto j = DynamoDbJournal::Open(call, table, w.clock);
    if (!j.ok()) return 7;
    auto l = (*j)->TakeLease("web", fmt::format("p{}", i), "r", 60s, kT0, false);
    return l.ok() ? 0 : l.status().code() == core::Code::kBlocked ? 3 : 6;
  });
  EXPECT_EQ(won, 1);
  EXPECT_EQ(blocked, kProcesses - 1);
}

}  // namespace
}  // namespace rotor::journal
