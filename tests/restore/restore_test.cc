// `rotor restore` as a runbook on the simulator (examples/nightly-backup.yaml, whose volumes have
// a week of rotor's backups): a plain restore attaches a new volume at a free device; --replace
// swaps it in for db-1's data volume, whose WAL volume is mounted inside it, and rollback swaps
// back; refusals change nothing; a kill at every change of the cloud, resumed, ends as the
// unbroken run.
#include "ops/restore.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "cli/sim_runner.h"
#include "fakes/killing_volumes.h"
#include "fakes/recording_runner.h"
#include "journal/memory_journal.h"
#include "ops/runbooks.h"
#include "remote/disks.h"
#include "sim/sim_cloud.h"

namespace rotor {
namespace {

using namespace std::chrono_literals;

constexpr char kDb1[] = "i-0db1000000000a001";
constexpr char kDb2[] = "i-0db2000000000a002";
constexpr char kData1[] = "vol-0db1000000000da01";
constexpr char kWal1[] = "vol-0db1000000000a101";

std::string Scenario() {
  std::ifstream in(std::string(ROTOR_SOURCE_DIR) + "/examples/nightly-backup.yaml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class RestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = sim::ParseScenario(Scenario(), "nightly-backup.yaml");
    ASSERT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<sim::SimCloud>(*s);
    sim_runner_ = std::make_unique<cli::SimRunner>(*sim_);
    runner_ = std::make_unique<testing::RecordingRunner>(*sim_runner_);
    killing_ = std::make_unique<testing::KillingVolumes>(sim_->cloud().volumes);
    journal_ = journal::MemoryJournal();
    cloud::Cloud& w = sim_->cloud();
    bundle_ = std::make_unique<cloud::Cloud>(cloud::Cloud{w.groups, w.group_changes, w.instances,
                                                          w.images, w.launch_specs, w.stacks,
                                                          w.addresses, w.dns, *killing_});
  }
  cloud::Cloud& c() { return *bundle_; }
  core::Clock& clock() { return sim_->clock(); }

  // db-1's data volume's newest backup (a day old).
  std::string LatestOf(const std::string& volume) {
    cloud::SnapshotQuery q;
    q.volume_id = volume;
    auto s = c().volumes.DescribeSnapshots(q);
    EXPECT_TRUE(s.ok() && !s->empty());
    return s.ok() && !s->empty() ? s->back().id : "";
  }
  ops::RestoreRequest Replace() {
    ops::RestoreRequest r;
    r.snapshot = LatestOf(kData1);
    r.instance = "db-1";
    r.replace = true;
    r.stop = {"systemctl stop postgresql"};
    r.start = {"systemctl start postgresql"};
    return r;
  }
  core::Result<ops::RestorePlan> TryPlan(const ops::RestoreRequest& r) {
    return ops::PlanRestore(c(), *runner_, r, "op-1");
  }
  ops::RestorePlan Plan(const ops::RestoreRequest& r) {
    auto p = TryPlan(r);
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? *p : ops::RestorePlan{};
  }
  ops::RunbookOptions Options(const std::string& owner) {
    ops::RunbookOptions o;
    o.operation_id = "op-1";
    o.owner = owner;
    o.remote = runner_.get();
    return o;
  }
  core::Result<runbook::Report> Start(const ops::RestorePlan& p) {
    return ops::StartRunbook(c(), clock(), journal_, journal::OperationKind::kRestore,
                             ops::RestoreResources(p), ops::RestorePlanToJson(p),
                             Options("me@here:1"));
  }
  core::Result<runbook::Report> Resume(bool rollback) {
    auto info = journal_.GetRollout("op-1");
    EXPECT_TRUE(info.ok());
    return ops::ResumeRunbook(c(), clock(), journal_, *info, rollback, false, Options("me@here:2"));
  }
  std::vector<cloud::Volume> Created() {
    cloud::VolumeQuery q;
    q.tag_key = "rotor:operation";
    q.tag_value = "op-1";
    auto v = c().volumes.DescribeVolumes(q);
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : std::vector<cloud::Volume>{};
  }
  std::string Where(const cloud::Volume& v) {
    cloud::VolumeQuery q;
    q.ids = {v.id};
    auto now = c().volumes.DescribeVolumes(q);
    if (!now.ok() || now->empty() || !(*now)[0].attachment) return "";
    return (*now)[0].attachment->instance_id + " " + (*now)[0].attachment->device;
  }
  std::string Where(const std::string& id) {
    cloud::Volume v;
    v.id = id;
    return Where(v);
  }
  // What is mounted on db-1: mount point -> volume (by the disk's serial).
  using Mounts = std::map<std::string, std::string>;
  Mounts Mounted() {
    auto h = c().instances.DescribeHost(kDb1);
    EXPECT_TRUE(h.ok());
    auto r =
        sim_runner_->Run({"probe", h->instance.private_ip, true}, remote::ListDisksCommand(), 30s);
    EXPECT_TRUE(r.ok());
    auto disks = remote::ParseDisks(r.ok() ? r->out : "");
    EXPECT_TRUE(disks.ok());
    std::map<std::string, std::string> serial;
    Mounts out;
    for (const remote::Disk& d : *disks) {
      if (d.type == "disk") serial[d.name] = d.serial;
    }
    for (const remote::Disk& d : *disks) {
      if (d.mountpoint.empty() || d.mountpoint == "/") continue;
      std::string s = serial[d.parent.empty() ? d.name : d.parent];
      out[d.mountpoint] = s.size() > 3 ? "vol-" + s.substr(3) : s;
    }
    return out;
  }
  // The commands db-1 ran, in order, without lsblk: "stop", "umount", "mount", "start".
  std::vector<std::string> Actions() {
    std::vector<std::string> out;
    for (const std::string& l : runner_->log) {
      if (l.find("systemctl stop") != std::string::npos) out.push_back("stop");
      if (l.find("umount") != std::string::npos) out.push_back("umount");
      if (l.find(" mount ") != std::string::npos) out.push_back("mount");
      if (l.find("systemctl start") != std::string::npos) out.push_back("start");
    }
    return out;
  }

  std::unique_ptr<sim::SimCloud> sim_;
  std::unique_ptr<cli::SimRunner> sim_runner_;
  std::unique_ptr<testing::RecordingRunner> runner_;
  std::unique_ptr<testing::KillingVolumes> killing_;
  std::unique_ptr<cloud::Cloud> bundle_;
  journal::MemoryJournal journal_;
};

TEST_F(RestoreTest, APlainRestoreAttachesANewVolumeAtAFreeDevice) {
  ops::RestoreRequest r;
  r.snapshot = LatestOf(kData1);
  r.instance = "db-2";  // another host, another zone: a snapshot is the region's
  r.device = "/dev/sdh";
  r.size_gib = 600;
  ops::RestorePlan p = Plan(r);
  auto report = Start(p);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted) << report->reason;
  std::vector<cloud::Volume> made = Created();
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(Where(made[0]), std::string(kDb2) + " /dev/sdh");
  EXPECT_EQ(made[0].zone, "eu-west-1b");
  EXPECT_EQ(made[0].size_gib, 600);
  EXPECT_EQ(made[0].volume_type, "gp3");
  EXPECT_TRUE(made[0].encrypted) << "its snapshot is";
  EXPECT_EQ(made[0].snapshot_id, r.snapshot);
  EXPECT_EQ(made[0].tags.at("Name"), "db-1-data") << "the snapshot's own tags";
  EXPECT_EQ(made[0].tags.at("rotor:restored-from"), r.snapshot);
  EXPECT_TRUE(runner_->log.empty()) << "a plain restore runs nothing on the host";
  // Rolled back: detached and kept.
  auto back = Resume(true);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->outcome, runbook::Outcome::kRolledBack) << back->reason;
  EXPECT_EQ(Where(made[0]), "");
  EXPECT_EQ(Created().size(), 1u) << "never deleted";
}

TEST_F(RestoreTest, ReplaceSwapsTheVolumeWithTheOneInsideItAndRollbackSwapsBack) {
  EXPECT_EQ(Mounted(), (Mounts{{"/var/lib/pgsql", kData1}, {"/var/lib/pgsql/wal", kWal1}}));
  ops::RestorePlan p = Plan(Replace());
  EXPECT_EQ(p.device, "/dev/sdf") << "where the snapshot's volume is";
  ASSERT_EQ(p.riders.size(), 1u) << "the WAL volume mounted inside";
  EXPECT_EQ(p.riders[0].mountpoint, "/var/lib/pgsql/wal");
  EXPECT_EQ(p.riders[0].serial, "vol0db1000000000a101") << "found again by its serial";
  runner_->log.clear();
  auto report = Start(p);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted) << report->reason;
  ASSERT_TRUE(report->outage.has_value());
  std::vector<cloud::Volume> made = Created();
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(Where(made[0]), std::string(kDb1) + " /dev/sdf");
  EXPECT_EQ(Where(kData1), "") << "the old one detached and kept";
  EXPECT_EQ(Where(kWal1), std::string(kDb1) + " /dev/sdg");
  EXPECT_EQ(Mounted(), (Mounts{{"/var/lib/pgsql", made[0].id}, {"/var/lib/pgsql/wal", kWal1}}));
  EXPECT_EQ(Actions(), (std::vector<std::string>{"stop", "umount", "mount", "mount", "start"}));
  EXPECT_EQ(sim_->violations(), std::vector<std::string>{});

  runner_->log.clear();
  auto back = Resume(true);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->outcome, runbook::Outcome::kRolledBack) << back->reason;
  EXPECT_EQ(Where(kData1), std::string(kDb1) + " /dev/sdf");
  EXPECT_EQ(Where(made[0]), "") << "the restored one detached and kept";
  EXPECT_EQ(Mounted(), (Mounts{{"/var/lib/pgsql", kData1}, {"/var/lib/pgsql/wal", kWal1}}));
  EXPECT_EQ(Actions(), (std::vector<std::string>{"stop", "umount", "mount", "mount", "start"}));
  EXPECT_EQ(sim_->violations(), std::vector<std::string>{});
}

TEST_F(RestoreTest, RefusesWhatDoesNotFitChangingNothing) {
  std::string snap = LatestOf(kData1);
  struct Row {
    const char* name;
    std::function<void(ops::RestoreRequest&)> change;
    core::Code code;
    const char* says;
  };
  const Row rows[] = {
      {"an unknown snapshot", [](auto& r) { r.snapshot = "snap-0feedfeedfeedfeed"; },
       core::Code::kNotFound, "snap-0feedfeedfeedfeed"},
      {"an unknown instance", [](auto& r) { r.instance = "db-9"; }, core::Code::kNotFound, "db-9"},
      {"smaller than the snapshot", [](auto& r) { r.size_gib = 100; }, core::Code::kInvalidArgument,
       "--size 100"},
      {"a device in use without --replace",
       [](auto& r) {
         r.replace = false;
         r.stop.clear();
         r.start.clear();
       },
       core::Code::kInvalidArgument, "at /dev/sdf already"},
      {"--replace of a free device", [](auto& r) { r.device = "/dev/sdk"; },
       core::Code::kInvalidArgument, "no volume at /dev/sdk"},
      {"--replace of the root", [](auto& r) { r.device = "/dev/xvda"; },
       core::Code::kInvalidArgument, "root volume"},
      {"commands without --replace",
       [](auto& r) {
         r.replace = false;
         r.device = "/dev/sdk";
       },
       core::Code::kInvalidArgument, "--stop and --start go with --replace"},
      {"no device and the volume elsewhere",
       [](auto& r) {
         r.instance = "db-2";
         r.device.clear();
       },
       core::Code::kInvalidArgument, "name the device with --device"},
      {"a secret in a command", [](auto& r) { r.stop = {"PGPASSWORD=x pg_ctl stop"}; },
       core::Code::kInvalidArgument, "--stop"},
  };
  int before = sim_->changes();
  for (const Row& row : rows) {
    ops::RestoreRequest r = Replace();
    r.snapshot = snap;
    row.change(r);
    auto p = TryPlan(r);
    ASSERT_FALSE(p.ok()) << row.name;
    EXPECT_EQ(p.status().code(), row.code) << row.name << ": " << p.status().message();
    EXPECT_NE(p.status().message().find(row.says), std::string::npos)
        << row.name << ": " << p.status().message();
  }
  EXPECT_EQ(sim_->changes(), before);
}

TEST(RiderDevice, FoundAgainByItsSerialWhenTheDiskWasRenamed) {
  ops::Rider wal{"/dev/nvme2n1p1", "/data/wal", "vol0abc", "p1"};
  std::vector<remote::Disk> renamed = {
      {"/dev/nvme5n1", "", "vol0abc", "", "disk", "", 0},
      {"/dev/nvme5n1p1", "/dev/nvme5n1", "", "", "part", "ext4", 0},
      {"/dev/nvme2n1", "", "vol0other", "", "disk", "", 0},
  };
  EXPECT_EQ(ops::RiderDevice(renamed, wal), "/dev/nvme5n1p1");
  EXPECT_EQ(ops::RiderDevice({}, wal), "/dev/nvme2n1p1") << "not listed: its planned name";
  ops::Rider local{"/dev/xvdb", "/data/cache", "", ""};  // no serial (instance store)
  EXPECT_EQ(ops::RiderDevice(renamed, local), "/dev/xvdb");
}

TEST_F(RestoreTest, ThePlanSurvivesTheJournal) {
  ops::RestorePlan p = Plan(Replace());
  auto back = ops::RestorePlanFromJson(ops::RestorePlanToJson(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ops::RestorePlanToJson(*back), ops::RestorePlanToJson(p));
  EXPECT_EQ(ops::RestorePlanFromJson("[]").status().code(), core::Code::kInvalidArgument);
}

// A kill at every change of the cloud (create, detach, attach; before it reaches the cloud and
// after it acted), resumed by the next rotor: one new volume, swapped in and mounted with the
// WAL inside it, no invariant broken.
TEST_F(RestoreTest, KilledAtEveryChangeAndResumedEndsAsTheUnbrokenRun) {
  ops::RestorePlan first = Plan(Replace());
  ASSERT_TRUE(Start(first).ok());
  const int changes = killing_->changes;
  ASSERT_EQ(changes, 3);  // create, detach the old, attach the new
  for (bool after : {false, true}) {
    for (int at = 1; at <= changes; ++at) {
      SCOPED_TRACE(
          fmt::format("killed at change {} ({} it acted)", at, after ? "after" : "before"));
      SetUp();
      ops::RestorePlan p = Plan(Replace());
      killing_->kill_at = at;
      killing_->after = after;
      auto killed = Start(p);
      ASSERT_FALSE(killed.ok());
      killing_->Revive();
      clock().SleepFor(2min);
      auto r = Resume(false);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_EQ(r->outcome, runbook::Outcome::kCompleted) << r->reason;
      std::vector<cloud::Volume> made = Created();
      ASSERT_EQ(made.size(), 1u) << "exactly one new volume";
      EXPECT_EQ(Where(made[0]), std::string(kDb1) + " /dev/sdf");
      EXPECT_EQ(Mounted(), (Mounts{{"/var/lib/pgsql", made[0].id}, {"/var/lib/pgsql/wal", kWal1}}));
      EXPECT_EQ(sim_->violations(), std::vector<std::string>{});
    }
  }
}

}  // namespace
}  // namespace rotor
