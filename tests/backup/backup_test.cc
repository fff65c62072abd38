// `rotor backup` as a runbook on the simulator (examples/nightly-backup.yaml): one snapshot set
// per instance between the pre and post commands, waits, retention of rotor's own snapshots
// only, per-instance failures that leave the others alone, and a crash at every change of the
// cloud, resumed, with the post command always run.
#include "ops/backup.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "cli/sim_runner.h"
#include "core/strings.h"
#include "fakes/killing_volumes.h"
#include "fakes/recording_runner.h"
#include "journal/memory_journal.h"
#include "ops/runbooks.h"
#include "sim/sim_cloud.h"

namespace rotor {
namespace {

using namespace std::chrono_literals;

constexpr char kDb1[] = "i-0db1000000000a001";
constexpr char kDb2[] = "i-0db2000000000a002";
constexpr char kData1[] = "vol-0db1000000000da01";
constexpr char kWal1[] = "vol-0db1000000000a101";
constexpr char kData2[] = "vol-0db2000000000da02";
constexpr char kPre[] = "fsfreeze -f /var/lib/pgsql";
constexpr char kPost[] = "fsfreeze -u /var/lib/pgsql";

std::string Scenario(const std::string& faults = "") {
  std::ifstream in(std::string(ROTOR_SOURCE_DIR) + "/examples/nightly-backup.yaml");
  std::stringstream text;
  text << in.rdbuf();
  // Without the example's earlier backups: each test makes the ones it needs.
  std::string s = std::regex_replace(text.str(), std::regex(", backups: [0-9]+"), "");
  s = s.substr(0, s.find("\nfaults:")) + "\n";
  return s + (faults.empty() ? "faults: []\n" : "faults:\n" + faults);
}

// What a killed rotor runs on hosts: nothing.
class DeadAware : public testing::RecordingRunner {
 public:
  DeadAware(remote::Runner& r, const bool& dead) : RecordingRunner(r), dead_(dead) {}
  core::Result<remote::CommandResult> Run(const remote::SshTarget& h, const std::string& c,
                                          std::chrono::milliseconds t) override {
    if (dead_) return core::Status(core::Code::kAborted, "killed (crash test)");
    return RecordingRunner::Run(h, c, t);
  }

 private:
  const bool& dead_;
};

class BackupTest : public ::testing::Test {
 protected:
  void Load(const std::string& faults = "") {
    auto s = sim::ParseScenario(Scenario(faults), "nightly-backup.yaml");
    ASSERT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<sim::SimCloud>(*s);
    sim_runner_ = std::make_unique<cli::SimRunner>(*sim_);
    faulty_ = std::make_unique<testing::KillingVolumes>(sim_->cloud().volumes);
    runner_ = std::make_unique<DeadAware>(*sim_runner_, faulty_->dead);
    journal_ = journal::MemoryJournal();
    cloud::Cloud& w = sim_->cloud();
    bundle_ = std::make_unique<cloud::Cloud>(cloud::Cloud{w.groups, w.group_changes, w.instances,
                                                          w.images, w.launch_specs, w.stacks,
                                                          w.addresses, w.dns, *faulty_});
  }
  cloud::Cloud& c() { return *bundle_; }
  core::Clock& clock() { return sim_->clock(); }

  static ops::BackupRequest Request() {
    ops::BackupRequest r;
    r.target.tag_key = "backup";
    r.target.tag_value = "nightly";
    r.pre = {kPre};
    r.post = {kPost};
    r.region = "eu-west-1";
    return r;
  }
  ops::BackupPlan Plan(const ops::BackupRequest& r = Request()) {
    auto plan = ops::PlanBackup(c(), r, "op-1", clock().Now());
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    return plan.ok() ? *plan : ops::BackupPlan{};
  }
  ops::RunbookOptions Options(const std::string& owner) {
    ops::RunbookOptions o;
    o.operation_id = "op-1";
    o.owner = owner;
    o.remote = runner_.get();
    o.note = [this](const std::string& line) { notes_.push_back(line); };
    return o;
  }
  core::Result<runbook::Report> Start(const ops::BackupPlan& plan) {
    return ops::StartRunbook(c(), clock(), journal_, journal::OperationKind::kBackup,
                             ops::BackupResources(plan), ops::BackupPlanToJson(plan),
                             Options("me@here:1"));
  }
  core::Result<runbook::Report> Resume() {
    auto info = journal_.GetRollout("op-1");
    EXPECT_TRUE(info.ok());
    return ops::ResumeRunbook(c(), clock(), journal_, *info, false, false, Options("me@here:2"));
  }
  std::vector<cloud::Snapshot> Snapshots(const std::string& key = "",
                                         const std::string& value = "") {
    cloud::SnapshotQuery q;
    q.tag_key = key;
    q.tag_value = value;
    auto s = c().volumes.DescribeSnapshots(q);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? *s : std::vector<cloud::Snapshot>{};
  }
  // The volumes of this operation's snapshots, per instance (a volume twice: twice).
  using ByHost = std::map<std::string, std::multiset<std::string>>;
  ByHost Made() {
    ByHost by;
    for (const cloud::Snapshot& s : Snapshots("rotor:operation", "op-1")) {
      by[s.tags.at("rotor:backup-of")].insert(s.volume_id);
    }
    return by;
  }
  static ByHost Both() { return {{kDb1, {kData1, kWal1}}, {kDb2, {kData2}}}; }
  std::string Address(const std::string& id) {
    auto h = c().instances.DescribeHost(id);
    EXPECT_TRUE(h.ok());
    return h.ok() ? h->instance.private_ip : "";
  }
  // The fsfreeze commands run on a host, in order ("f" freeze, "u" thaw).
  std::string Freezes(const std::string& id) {
    std::string out;
    for (const std::string& l : runner_->log) {
      if (l.starts_with(Address(id) + ": fsfreeze -")) out += l[l.find("fsfreeze -") + 10];
    }
    return out;
  }
  // A snapshot of `volume` as an earlier rotor backup (or someone else) left it.
  std::string Earlier(const std::string& volume, core::Time created, bool rotors,
                      const std::string& description = "rotor backup of db-1") {
    std::map<std::string, std::string> tags;
    if (rotors) {
      tags = {{"rotor:backup-of", kDb1},
              {"rotor:created", core::FormatIso8601(created)},
              {"rotor:operation", "op-earlier"}};
    }
    auto id = sim_->cloud().volumes.CreateSnapshot(volume, description, tags);  // not counted
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : "";
  }

  std::unique_ptr<sim::SimCloud> sim_;
  std::unique_ptr<cli::SimRunner> sim_runner_;
  std::unique_ptr<testing::KillingVolumes> faulty_;
  std::unique_ptr<DeadAware> runner_;
  std::unique_ptr<cloud::Cloud> bundle_;
  journal::MemoryJournal journal_;
  std::vector<std::string> notes_;
};

TEST_F(BackupTest, OneSnapshotSetPerInstanceBetweenThePreAndPostCommands) {
  Load();
  ops::BackupPlan plan = Plan();
  ASSERT_EQ(plan.hosts.size(), 2u);  // app-1 has no data volume
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_NE(plan.skipped[0].find("app-1"), std::string::npos);
  auto r = Start(plan);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->outcome, runbook::Outcome::kCompleted) << r->reason;
  EXPECT_EQ(Made(), Both());
  for (const cloud::Snapshot& s : Snapshots("rotor:operation", "op-1")) {
    EXPECT_EQ(s.state, "completed");  // the run waited
    EXPECT_EQ(s.tags.at("rotor:created"), core::FormatIso8601(sim_->start()));
    EXPECT_EQ(s.tags.count("Name"), 1u) << "the volume's own tags are copied";
  }
  EXPECT_EQ(Freezes(kDb1), "fu");
  EXPECT_EQ(Freezes(kDb2), "fu");
  // The set is taken between the two: the snapshot starts after the freeze's 1 s and before the
  // thaw (the trace is in time order; a command takes its time on the virtual clock).
  std::string trace = sim_->TraceText();
  EXPECT_NE(trace.find("snapshot snap-"), std::string::npos);
  bool progress = std::any_of(notes_.begin(), notes_.end(), [](const std::string& n) {
    return n.starts_with("snapshots: 3 of 3 completed");
  });
  EXPECT_TRUE(progress) << "the wait reports progress";
}

TEST_F(BackupTest, ListShowsRotorsBackupsOfTheTargetNewestFirstAndNothingElse) {
  Load();
  std::string older = Earlier(kData1, sim_->start() - std::chrono::days(3), true);
  Earlier(kData1, sim_->start() - std::chrono::days(1), false);  // not rotor's: not listed
  ASSERT_TRUE(Start(Plan()).ok());
  ops::BackupTarget db1{"db-1", "", "", ""};
  auto rows = ops::ListBackups(c(), db1, "eu-west-1", nullptr, "");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 3u);  // tonight's two, then the one of 3 days ago
  EXPECT_EQ(rows->back().snapshot.id, older);
  for (const ops::BackupListing& r : *rows) {
    EXPECT_EQ(r.instance, "db-1 (" + std::string(kDb1) + ")");
    EXPECT_EQ(r.region, "eu-west-1");
    EXPECT_EQ(r.snapshot.state, "completed");
    EXPECT_GT(r.snapshot.size_gib, 0);
  }
  EXPECT_EQ(ops::ListBackups(c(), {"nope", "", "", ""}, "eu-west-1", nullptr, "").status().code(),
            core::Code::kNotFound);
}

TEST_F(BackupTest, AFailingPreCommandSkipsThatInstanceRunsItsPostAndTheOthersGoOn) {
  Load("  - {kind: command_failure, host: db-2, pattern: \"fsfreeze -f*\"}\n");
  auto r = Start(Plan());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->outcome, runbook::Outcome::kFailed);
  EXPECT_NE(r->reason.find("--pre `fsfreeze -f /var/lib/pgsql` on db-2"), std::string::npos)
      << r->reason;
  EXPECT_NE(r->reason.find("not snapshotted"), std::string::npos) << r->reason;
  EXPECT_EQ(Made(), (ByHost{{kDb1, {kData1, kWal1}}}));
  EXPECT_EQ(Freezes(kDb2), "fu") << "the post runs after a failed pre";
  EXPECT_EQ(Freezes(kDb1), "fu");
}

TEST_F(BackupTest, AFailedSnapshotSetStillThawsTheHostAndPrunesNothingOfIt) {
  Load();
  faulty_->refuse[kDb1] = core::Status(core::Code::kFailedPrecondition,
                                       "The maximum per volume CreateSnapshot "
                                       "request rate has been exceeded.")
                              .set_aws_code("SnapshotCreationPerVolumeRateExceeded");
  std::string old = Earlier(kData1, sim_->start() - std::chrono::days(30), true);
  ops::BackupRequest req = Request();
  req.retention.keep = 1;
  auto r = Start(Plan(req));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->outcome, runbook::Outcome::kFailed);
  EXPECT_NE(r->reason.find("SnapshotCreationPerVolumeRateExceeded"), std::string::npos)
      << r->reason;
  EXPECT_EQ(Freezes(kDb1), "fu");
  // db-1's set failed: its old backup stays; db-2's went through.
  EXPECT_EQ(Snapshots("rotor:operation", "op-earlier").size(), 1u);
  EXPECT_EQ(Made(), (ByHost{{kDb2, {kData2}}}));
}

TEST_F(BackupTest, RetentionDeletesOnlyRotorsOwnOldBackups) {
  Load();
  core::Time t0 = sim_->start();
  std::vector<std::string> rotors;
  for (int d = 4; d >= 1; --d) rotors.push_back(Earlier(kData1, t0 - std::chrono::days(d), true));
  std::string foreign = Earlier(kData1, t0 - std::chrono::days(9), false);  // same description
  clock().SleepFor(15min);                                                  // all completed
  ops::BackupRequest req = Request();
  req.retention.keep = 3;
  ops::BackupPlan plan = Plan(req);
  // The plan names what goes: beyond the newest 3 once tonight's completes, on data-1 the two
  // oldest of the four (4d, 3d).
  EXPECT_EQ(plan.prune_now[kDb1], (std::vector<std::string>{rotors[0], rotors[1]}));
  auto r = Start(plan);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->outcome, runbook::Outcome::kCompleted) << r->reason;
  std::set<std::string> left;
  for (const cloud::Snapshot& s : Snapshots()) {
    if (s.volume_id == kData1) left.insert(s.id);
  }
  std::string tonight;
  for (const cloud::Snapshot& s : Snapshots("rotor:operation", "op-1")) {
    if (s.volume_id == kData1) tonight = s.id;
  }
  EXPECT_EQ(left, (std::set<std::string>{rotors[2], rotors[3], tonight, foreign}));
}

TEST_F(BackupTest, RetentionByAgeWithNoWaitKeepsEveryCompletedOneUntilTonightsCompletes) {
  Load();
  core::Time t0 = sim_->start();
  std::string old = Earlier(kData2, t0 - std::chrono::days(10), true);
  std::string recent = Earlier(kData2, t0 - std::chrono::days(2), true);
  clock().SleepFor(15min);  // both completed
  ops::BackupRequest req = Request();
  req.wait = false;
  req.retention.keep = 1;
  req.retention.max_age = std::chrono::days(7);
  auto r = Start(Plan(req));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->outcome, runbook::Outcome::kCompleted) << r->reason;
  for (const cloud::Snapshot& s : Snapshots("rotor:operation", "op-1")) {
    EXPECT_EQ(s.state, "pending") << "--no-wait returns once started";
  }
  // Tonight's is pending, so it does not count: of the two completed the newest stays (keep
  // 1) and the 10-day-old one, beyond it and older than 7 days, goes.
  std::set<std::string> left;
  for (const cloud::Snapshot& s : Snapshots("rotor:operation", "op-earlier")) left.insert(s.id);
  EXPECT_EQ(left, (std::set<std::string>{recent}));
}

TEST_F(BackupTest, ASnapshotThatNeverCompletesFailsTheWaitAndPrunesNothing) {
  Load("  - {kind: snapshot_slow, volume: vol-0db2000000000da02, for: 48h}\n");
  std::string old = Earlier(kData2, sim_->start() - std::chrono::days(30), true);
  clock().SleepFor(15min);
  ops::BackupRequest req = Request();
  req.retention.keep = 1;
  req.wait_timeout = 1h;
  auto r = Start(Plan(req));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->outcome, runbook::Outcome::kFailed);
  EXPECT_NE(r->reason.find("still pending after 3600s"), std::string::npos) << r->reason;
  EXPECT_NE(r->reason.find("the backup of db-2 (" + std::string(kDb2) + ") does not stand"),
            std::string::npos)
      << r->reason;
  EXPECT_EQ(Snapshots("rotor:operation", "op-earlier").size(), 1u) << "db-2's old one stays";
}

TEST_F(BackupTest, RefusesWhatDoesNotFitChangingNothing) {
  Load();
  struct Row {
    const char* name;
    std::function<void(ops::BackupRequest&)> change;
    core::Code code;
    const char* says;
  };
  const Row rows[] = {
      {"keep 0", [](auto& r) { r.retention.keep = 0; }, core::Code::kInvalidArgument, "--keep 0"},
      {"copy without waiting",
       [](auto& r) {
         r.copy_to = "eu-central-1";
         r.wait = false;
       },
       core::Code::kInvalidArgument, "--no-wait"},
      {"copy to the same region", [](auto& r) { r.copy_to = "eu-west-1"; },
       core::Code::kInvalidArgument, "--copy-to eu-west-1"},
      {"a secret in a command", [](auto& r) { r.pre = {"PGPASSWORD=hunter2 psql -c checkpoint"}; },
       core::Code::kInvalidArgument, "--pre"},
      {"an unknown instance",
       [](auto& r) {
         r.target = {"db-9", "", "", ""};
       },
       core::Code::kNotFound, "db-9"},
      {"a tag nobody carries",
       [](auto& r) {
         r.target = {"", "backup", "weekly", ""};
       },
       core::Code::kNotFound, "backup=weekly"},
      {"an instance with nothing to back up",
       [](auto& r) {
         r.target = {"app-1", "", "", ""};
       },
       core::Code::kInvalidArgument, "no data volume"},
  };
  for (const Row& row : rows) {
    ops::BackupRequest r = Request();
    row.change(r);
    auto plan = ops::PlanBackup(c(), r, "op-1", clock().Now());
    ASSERT_FALSE(plan.ok()) << row.name;
    EXPECT_EQ(plan.status().code(), row.code) << row.name << ": " << plan.status().message();
    EXPECT_NE(plan.status().message().find(row.says), std::string::npos)
        << row.name << ": " << plan.status().message();
  }
  EXPECT_EQ(sim_->changes(), 0);
}

TEST_F(BackupTest, AScenariosEarlierBackupsAreRotorsAndPrunedByRetention) {
  auto s = sim::ParseScenario(
      std::regex_replace(Scenario(),
                         std::regex("mount: /var/lib/pgsql, tags: \\{Name: db-2-data, "
                                    "role: db\\}"),
                         "mount: /var/lib/pgsql, tags: {Name: db-2-data, role: db}, backups: 3"),
      "nightly-backup.yaml");
  ASSERT_TRUE(s.ok()) << s.status().message();
  sim_ = std::make_unique<sim::SimCloud>(*s);
  auto earlier = sim_->cloud().volumes.DescribeSnapshots({});
  ASSERT_TRUE(earlier.ok());
  ASSERT_EQ(earlier->size(), 3u);
  for (int d = 0; d < 3; ++d) {
    const cloud::Snapshot& e = (*earlier)[d];
    EXPECT_EQ(e.volume_id, kData2);
    EXPECT_EQ(e.state, "completed");
    EXPECT_EQ(e.tags.at("rotor:backup-of"), kDb2);
    EXPECT_EQ(ops::BackupTime(e), sim_->start() - std::chrono::hours(24 * (3 - d)));
  }
  auto kept = ops::RotorBackups(sim_->cloud().volumes, kData2, false);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->size(), 3u);
  std::vector<ops::Kept> k;
  for (const auto& e : *kept) k.push_back({e.id, ops::BackupTime(e), e.state});
  EXPECT_EQ(ops::ToPrune(k, {2, std::nullopt}, sim_->start()),
            std::vector<std::string>{(*earlier)[0].id});
}

TEST_F(BackupTest, ThePlanSurvivesTheJournal) {
  Load();
  ops::BackupRequest req = Request();
  req.retention = {5, std::chrono::days(7)};
  req.tags = {{"team", "db"}};
  ops::BackupPlan p = Plan(req);
  auto back = ops::BackupPlanFromJson(ops::BackupPlanToJson(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ops::BackupPlanToJson(*back), ops::BackupPlanToJson(p));
  EXPECT_EQ(back->retention.keep, 5);
  EXPECT_EQ(back->hosts[0].volumes.size(), 2u);
  EXPECT_EQ(ops::BackupPlanFromJson("{}").status().code(), core::Code::kInvalidArgument);
}

// A crash at every change of the cloud (each snapshot set, each deletion; before it reaches the
// cloud and after the cloud acted), resumed by the next rotor: every host ends thawed (its last
// fsfreeze is -u), one snapshot set each, the old backup pruned once.
TEST_F(BackupTest, KilledAtEveryChangeAndResumedEveryHostIsThawedAndBackedUpOnce) {
  auto setup = [this] {
    Load();
    Earlier(kData1, sim_->start() - std::chrono::days(30), true);
    clock().SleepFor(15min);
    ops::BackupRequest req = Request();
    req.retention.keep = 1;
    return Plan(req);
  };
  ops::BackupPlan plan = setup();
  ASSERT_TRUE(Start(plan).ok());
  const int changes = faulty_->changes;
  ASSERT_EQ(changes, 3);  // two snapshot sets, one deletion
  for (bool after : {false, true}) {
    for (int at = 1; at <= changes; ++at) {
      SCOPED_TRACE(
          fmt::format("killed at change {} ({} it acted)", at, after ? "after" : "before"));
      plan = setup();
      faulty_->kill_at = at;
      faulty_->after = after;
      auto first = Start(plan);
      ASSERT_FALSE(first.ok());
      EXPECT_EQ(first.status().code(), core::Code::kAborted);
      faulty_->Revive();
      clock().SleepFor(2min);  // the lease lapses
      auto r = Resume();
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_EQ(r->outcome, runbook::Outcome::kCompleted) << r->reason;
      for (const char* host : {kDb1, kDb2}) {
        std::string f = Freezes(host);
        ASSERT_FALSE(f.empty()) << host;
        EXPECT_EQ(f.back(), 'u') << host << " left frozen: " << f;
      }
      EXPECT_EQ(Made(), Both());
      EXPECT_TRUE(Snapshots("rotor:operation", "op-earlier").empty()) << "pruned";
    }
  }
}

}  // namespace
}  // namespace rotor
