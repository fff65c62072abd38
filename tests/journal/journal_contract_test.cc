// One suite for every journal store (issue 5): rollouts, append-only records, and leases with
// fencing tokens, run against MemoryJournal and SqliteJournal (and DynamoDbJournal on moto, in
// its own file). Then what only a file can get wrong: reopening, damage, a future schema, and
// several processes racing for one lease.
#include "journal_contract.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "journal/lease.h"
#include "journal/memory_journal.h"
#include "journal/sqlite_journal.h"

namespace rotor::journal {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string TempPath(const std::string& name) {
  fs::path p = fs::temp_directory_path() / fmt::format("rotor-{}-{}", getpid(), name);
  fs::remove(p);
  fs::remove(p.string() + "-wal");
  fs::remove(p.string() + "-shm");
  return p.string();
}

INSTANTIATE_TEST_SUITE_P(
    Stores, JournalContract,
    ::testing::Values(StoreFactory{"memory",
                                   [] { return std::unique_ptr<Journal>(new MemoryJournal()); }},
                      StoreFactory{"sqlite",
                                   [] {
                                     auto j = SqliteJournal::Open(TempPath("contract.db"));
                                     EXPECT_TRUE(j.ok()) << j.status().message();
                                     return std::unique_ptr<Journal>(j.ok() ? j->release()
                                                                            : nullptr);
                                   }}),
    [](const auto& info) { return info.param.name; });

// The keeper looks before every act: a lease forced away is noticed at once, not at renewal.
TEST(LeaseKeeper, TakesAllOrNoneRenewsAndStopsWhenForcedAway) {
  MemoryJournal j;
  core::ManualClock clock(kT0);
  LeaseKeeper a(j, clock, "a@h:1", "r-1", 60s);
  ASSERT_TRUE(a.TakeAll({"g1", "g2"}, false).ok());
  LeaseKeeper c(j, clock, "c@h:3", "r-3", 60s);
  EXPECT_EQ(c.TakeAll({"g3", "g2"}, false).code(), core::Code::kBlocked);
  EXPECT_FALSE(j.GetLease("g3")->has_value());  // none: g3 was given back
  clock.SleepFor(10s);
  EXPECT_TRUE(a.Keep().ok());
  EXPECT_EQ(a.leases()[0].expires, kT0 + 60s);  // not due yet
  clock.SleepFor(15s);
  EXPECT_TRUE(a.Keep().ok());
  EXPECT_EQ(a.leases()[0].expires, kT0 + 85s);  // renewed after a third of the TTL
  LeaseKeeper b(j, clock, "b@h:2", "r-1", 60s);
  ASSERT_TRUE(b.TakeAll({"g2"}, /*force=*/true).ok());
  clock.SleepFor(1s);
  core::Status kept = a.Keep();
  EXPECT_EQ(kept.code(), core::Code::kBlocked);
  EXPECT_NE(kept.message().find("held by b@h:2"), std::string::npos) << kept.message();
}

// A lease whose holder ran here and died is taken at once; one whose holder may live waits out
// its TTL. The take-over still raises the fencing token.
TEST(LeaseKeeper, TakesOverFromADeadLocalOwnerAtOnce) {
  MemoryJournal j;
  core::ManualClock clock(kT0);
  LeaseKeeper dead(j, clock, "a@here:111", "r-1", 60s);
  ASSERT_TRUE(dead.TakeAll({"g1"}, false).ok());
  int64_t token = dead.leases()[0].token;
  std::vector<std::string> asked;
  OwnerGone gone = [&](const std::string& owner) {
    asked.push_back(owner);
    return owner == "a@here:111";
  };
  LeaseKeeper next(j, clock, "b@here:222", "r-1", 60s, gone);
  ASSERT_TRUE(next.TakeAll({"g1"}, false).ok());
  EXPECT_EQ(asked, std::vector<std::string>{"a@here:111"});
  EXPECT_EQ(next.leases()[0].token, token + 1);
  EXPECT_EQ(dead.Keep().code(), core::Code::kBlocked);          // had it lived, it would stop now
  LeaseKeeper third(j, clock, "c@here:333", "r-1", 60s, gone);  // b@here:222 may live
  EXPECT_EQ(third.TakeAll({"g1"}, false).code(), core::Code::kBlocked);
}

TEST(SqliteJournal, SurvivesReopening) {
  std::string path = TempPath("reopen.db");
  {
    auto j = SqliteJournal::Open(path);
    ASSERT_TRUE(j.ok()) << j.status().message();
    ASSERT_TRUE((*j)->CreateRollout(Info("r-1")).ok());
    Record r{kT0, "r-1", 0, "g", RecordKind::kIntent, "detach i-1", "{}"};
    ASSERT_TRUE((*j)->Append(r).ok());
    ASSERT_TRUE((*j)->TakeLease("g", "a@h:1", "r-1", 60s, kT0, false).ok());
  }
  auto j = SqliteJournal::Open(path);
  ASSERT_TRUE(j.ok()) << j.status().message();
  EXPECT_EQ((*j)->GetRollout("r-1")->resources, Info("r-1").resources);
  ASSERT_EQ((*j)->Read("r-1")->size(), 1u);
  EXPECT_EQ((*j)->Read("r-1")->at(0).text, "detach i-1");
  auto held = (*j)->TakeLease("g", "b@h:2", "r-2", 60s, kT0 + 1s, false);
  EXPECT_EQ(held.status().code(), core::Code::kBlocked);
  fs::remove(path);
}

// A journal written by the rotor of schema 1 (rollouts of groups, leases keyed by group name):
// opened by this rotor, it is migrated in place and reads as respawns of group resources, and a
// lease held then still keeps other rotors off its group.
TEST(SqliteJournal, MigratesASchema1Journal) {
  std::string path = TempPath("schema1.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* v1 = R"(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rollouts (
  id TEXT PRIMARY KEY, command TEXT, owner TEXT, groups TEXT, policy TEXT, status TEXT,
  pause_requested INTEGER, started INTEGER, updated INTEGER);
CREATE TABLE records (
  rollout TEXT, seq INTEGER, t INTEGER, grp TEXT, kind TEXT, text TEXT, data TEXT,
  PRIMARY KEY (rollout, seq));
CREATE TABLE leases (
  grp TEXT PRIMARY KEY, owner TEXT, rollout TEXT, token INTEGER, expires INTEGER);
INSERT INTO meta VALUES ('schema', '1');
INSERT INTO rollouts VALUES ('r-old', 'rotor respawn web 1', 'ops@h:1', '["web-1-App","web-1-Db"]',
  '{}', 'paused', 0, 1000, 2000);
INSERT INTO records VALUES ('r-old', 1, 1000, 'web-1-App', 'intent', 'detach i-1', '{}');
INSERT INTO records VALUES ('r-old', 2, 1001, 'web-1-App', 'outcome', 'ok', '');
INSERT INTO leases VALUES ('web-1-App', 'ops@h:1', 'r-old', 4, 9999999999999);
)";
    ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  for (int open = 0; open < 2; ++open) {  // the second open finds schema 2 and changes nothing
    auto j = SqliteJournal::Open(path);
    ASSERT_TRUE(j.ok()) << j.status().message();
    auto old = (*j)->GetRollout("r-old");
    ASSERT_TRUE(old.ok()) << old.status().message();
    EXPECT_EQ(old->kind, OperationKind::kRespawn);
    EXPECT_EQ(old->resources, (std::vector<std::string>{"group/web-1-App", "group/web-1-Db"}));
    EXPECT_EQ(old->status, "paused");
    auto records = (*j)->Read("r-old");
    ASSERT_EQ(records->size(), 2u);
    EXPECT_EQ(records->at(0).kind, RecordKind::kIntent);
    EXPECT_EQ(records->at(1).kind, RecordKind::kOutcome);
    auto lease = (*j)->GetLease("group/web-1-App");
    ASSERT_TRUE(lease.ok() && lease->has_value());
    EXPECT_EQ((*lease)->token, 4);
    auto held = (*j)->TakeLease("group/web-1-App", "b@h:2", "r-new", 60s, kT0, false);
    EXPECT_EQ(held.status().code(), core::Code::kBlocked);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema'", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))),
            std::to_string(kSchemaVersion));
  sqlite3_finalize(st);
  sqlite3_close(db);
  fs::remove(path);
}

TEST(SqliteJournal, RefusesWhatItCannotTrust) {
  struct Row {
    const char* name;
    std::function<void(const std::string&)> make;
    const char* fragment;
  };
  auto good = [](const std::string& path) {
    auto j = SqliteJournal::Open(path);
    ASSERT_TRUE(j.ok());
    ASSERT_TRUE((*j)->CreateRollout(Info("r-1")).ok());
    for (int i = 0; i < 200; ++i) {
      Record r{kT0, "r-1", 0, "g", RecordKind::kIntent, std::string(200, 'x'), ""};
      ASSERT_TRUE((*j)->Append(r).ok());
    }
  };  // closing checkpoints the WAL into the file
  const Row rows[] = {
      {"not a database",
       [](const std::string& path) { std::ofstream(path) << "hello, I am a text file\n"; },
       "is not an SQLite database"},
      {"truncated",
       [&](const std::string& path) {
         good(path);
         fs::resize_file(path, fs::file_size(path) / 2);
       },
       "is damaged"},
      {"overwritten in the middle",
       [&](const std::string& path) {
         good(path);
         std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
         f.seekp(4096);
         std::string junk(8192, '\x5a');
         f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
       },
       "is damaged"},
      {"a newer schema",
       [&](const std::string& path) {
         good(path);
         ASSERT_EQ(system(fmt::format("python3 -c \"import sqlite3; c = sqlite3.connect('{}'); "
                                      "c.execute('UPDATE meta SET value = 99 WHERE key = "
                                      "\\\"schema\\\"'); c.commit()\"",
                                      path)
                              .c_str()),
                   0);
       },
       "was written by a newer rotor (schema 99"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::string path = TempPath("bad.db");
    row.make(path);
    std::string before;
    {
      std::ifstream in(path, std::ios::binary);
      before.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto j = SqliteJournal::Open(path);
    ASSERT_FALSE(j.ok());
    EXPECT_EQ(j.status().code(), core::Code::kInvalidArgument);
    EXPECT_NE(j.status().message().find(path), std::string::npos) << j.status().message();
    EXPECT_NE(j.status().message().find(row.fragment), std::string::npos) << j.status().message();
    std::ifstream in(path, std::ios::binary);
    std::string after(std::istreambuf_iterator<char>(in), {});
    EXPECT_EQ(after, before) << "the file was changed";  // never reset
    fs::remove(path);
  }
}

// Eight processes race for one group's lease on one file: exactly one gets it.
TEST(SqliteJournal, ProcessesRacingForALeaseOneWins) {
  std::string path = TempPath("race.db");
  { ASSERT_TRUE(SqliteJournal::Open(path).ok()); }
  constexpr int kProcesses = 8;
  auto [won, blocked] = RaceForALease(kProcesses, [&](int i) {
    auto j = SqliteJournal::Open(path);
    if (!j.ok()) return 8;
    auto l = (*j)->TakeLease("web", fmt::format("p{}", i), "r", 60s, kT0, false);
    return l.ok() ? 0 : l.status().code() == core::Code::kBlocked ? 3 : 7;
  });
  EXPECT_EQ(won, 1);
  EXPECT_EQ(blocked, kProcesses - 1);
  auto j = SqliteJournal::Open(path);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*(*j)->GetLease("web"))->token, 1);
  fs::remove(path);
}

}  // namespace
}  // namespace rotor::journal
