// The journal contract: the same cases for every store. A store's test file instantiates
// JournalContract with a factory that returns a fresh, empty store.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <memory>

#include "core/strings.h"
#include "journal/journal.h"

namespace rotor::journal {

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<Journal>()> make;
};

inline const core::Time kT0 = *core::ParseIso8601("2026-11-22T10:00:00Z");

inline RolloutInfo Info(const std::string& id, core::Time started = kT0) {
  RolloutInfo r;
  r.id = id;
  r.command = "rotor respawn web 1 --yes";
  r.owner = "ops@laptop:4242";
  r.kind = OperationKind::kUpdateStack;
  r.resources = {"stack/web-1", "group/g-1", "group/g-2"};
  r.policy = R"({"strategy":"surge"})";
  r.started = r.updated = started;
  return r;
}

// Forks `processes` children that start together and each run `take(i)`, which returns the
// child's exit code: 0 for a lease taken, 3 for one refused as held, anything else a failure.
// Returns how many won and how many were refused; every child must exit.
struct RaceResult {
  int won = 0, blocked = 0;
};
inline RaceResult RaceForALease(int processes, const std::function<int(int)>& take) {
  int go[2];
  if (pipe(go) != 0) return {};
  std::vector<pid_t> children;
  for (int i = 0; i < processes; ++i) {
    pid_t pid = fork();
    if (pid < 0) break;
    if (pid == 0) {
      close(go[1]);
      char c;
      if (read(go[0], &c, 1) < 0) _exit(9);  // all start together
      _exit(take(i));
    }
    children.push_back(pid);
  }
  close(go[0]);
  close(go[1]);  // EOF releases every child at once
  RaceResult r;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status)) continue;
    r.won += WEXITSTATUS(status) == 0;
    r.blocked += WEXITSTATUS(status) == 3;
  }
  return r;
}

class JournalContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<Journal> store_;
};

TEST_P(JournalContract, Rollouts) {
  using namespace std::chrono_literals;
  Journal& j = *store_;
  ASSERT_TRUE(j.CreateRollout(Info("r-1")).ok());
  ASSERT_TRUE(j.CreateRollout(Info("r-2", kT0 + 1h)).ok());
  EXPECT_EQ(j.CreateRollout(Info("r-1")).code(), core::Code::kFailedPrecondition);
  auto r1 = j.GetRollout("r-1");
  ASSERT_TRUE(r1.ok()) << r1.status().message();
  EXPECT_EQ(r1->command, "rotor respawn web 1 --yes");
  EXPECT_EQ(r1->owner, "ops@laptop:4242");
  EXPECT_EQ(r1->kind, OperationKind::kUpdateStack);
  EXPECT_EQ(r1->resources, (std::vector<std::string>{"stack/web-1", "group/g-1", "group/g-2"}));
  EXPECT_EQ(r1->policy, R"({"strategy":"surge"})");
  EXPECT_EQ(r1->status, kRunning);
  EXPECT_FALSE(r1->pause_requested);
  EXPECT_EQ(r1->started, kT0);
  auto list = j.ListRollouts();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(list->at(0).id, "r-2");  // newest first
  ASSERT_TRUE(j.SetStatus("r-1", "completed", kT0 + 2h).ok());
  ASSERT_TRUE(j.RequestPause("r-2", true).ok());
  EXPECT_EQ(j.GetRollout("r-1")->status, "completed");
  EXPECT_EQ(j.GetRollout("r-1")->updated, kT0 + 2h);
  EXPECT_TRUE(j.GetRollout("r-2")->pause_requested);
  EXPECT_EQ(j.GetRollout("nope").status().code(), core::Code::kNotFound);
  EXPECT_EQ(j.SetStatus("nope", "completed", kT0).code(), core::Code::kNotFound);
}

TEST_P(JournalContract, RecordsAreAppendedInOrder) {
  using namespace std::chrono_literals;
  Journal& j = *store_;
  ASSERT_TRUE(j.CreateRollout(Info("r-1")).ok());
  ASSERT_TRUE(j.CreateRollout(Info("r-2")).ok());
  for (int i = 0; i < 5; ++i) {
    Record r{kT0 + std::chrono::seconds(i),
             "r-1",
             0,
             "g-1",
             RecordKind::kIntent,
             fmt::format("step {}", i),
             fmt::format(R"({{"n":{}}})", i)};
    ASSERT_TRUE(j.Append(r).ok());
    EXPECT_EQ(r.seq, i + 1);
  }
  Record other{kT0, "r-2", 0, "", RecordKind::kStart, "other", ""};
  ASSERT_TRUE(j.Append(other).ok());
  EXPECT_EQ(other.seq, 1);
  auto read = j.Read("r-1");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 5u);
  for (int i = 0; i < 5; ++i) {
    const Record& r = read->at(i);
    EXPECT_EQ(r.seq, i + 1);
    EXPECT_EQ(r.t, kT0 + std::chrono::seconds(i));
    EXPECT_EQ(r.group, "g-1");
    EXPECT_EQ(r.kind, RecordKind::kIntent);
    EXPECT_EQ(r.text, fmt::format("step {}", i));
    EXPECT_EQ(r.data, fmt::format(R"({{"n":{}}})", i));
  }
  EXPECT_TRUE(j.Read("r-3")->empty());
}

// Take, refuse while held, expire and take over with a newer token, fence the old holder,
// force, release; tokens never repeat.
TEST_P(JournalContract, LeasesWithFencing) {
  using namespace std::chrono_literals;
  Journal& j = *store_;
  EXPECT_FALSE(j.GetLease("group/web")->has_value());
  auto a = j.TakeLease("group/web", "a@h:1", "r-1", 60s, kT0, false);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->token, 1);
  EXPECT_EQ(a->expires, kT0 + 60s);
  auto b = j.TakeLease("group/web", "b@h:2", "r-2", 60s, kT0 + 30s, false);
  ASSERT_EQ(b.status().code(), core::Code::kBlocked);
  EXPECT_NE(b.status().message().find("group web is held by a@h:1 for rollout r-1"),
            std::string::npos)
      << b.status().message();
  EXPECT_TRUE(j.TakeLease("stack/web", "b@h:2", "r-2", 60s, kT0, false).ok());  // another resource
  auto renewed = j.RenewLease(*a, 60s, kT0 + 50s);
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(renewed->expires, kT0 + 110s);
  EXPECT_EQ(j.TakeLease("group/web", "b@h:2", "r-2", 60s, kT0 + 100s, false).status().code(),
            core::Code::kBlocked);
  // a dies: its lease expires, b takes over with a newer token; a, woken up, is fenced off.
  b = j.TakeLease("group/web", "b@h:2", "r-2", 60s, kT0 + 111s, false);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->token, 2);
  auto stale = j.RenewLease(*renewed, 60s, kT0 + 112s);
  ASSERT_EQ(stale.status().code(), core::Code::kBlocked);
  EXPECT_NE(stale.status().message().find("held by b@h:2"), std::string::npos);
  ASSERT_TRUE(j.ReleaseLease(*renewed).ok());  // a stale release changes nothing
  EXPECT_EQ((*j.GetLease("group/web"))->owner, "b@h:2");
  auto c = j.TakeLease("group/web", "c@h:3", "r-3", 60s, kT0 + 120s, /*force=*/true);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->token, 3);
  ASSERT_TRUE(j.ReleaseLease(*c).ok());
  EXPECT_FALSE(j.GetLease("group/web")->has_value());
  EXPECT_EQ(j.RenewLease(*c, 60s, kT0 + 121s).status().code(), core::Code::kBlocked);
  auto d = j.TakeLease("group/web", "d@h:4", "r-4", 60s, kT0 + 122s, false);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->token, 4);
}

}  // namespace rotor::journal
