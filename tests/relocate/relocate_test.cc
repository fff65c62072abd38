// `rotor relocate` as a runbook on the simulator: in place (ModifyVolume, then the file system
// grown the way its type grows), by a swap (another volume family, a magnetic volume, an ext2
// file system in use), rollback of a swap, refusals that change nothing, and a kill at every
// change of the cloud, resumed, ending as the unbroken run.
#include "ops/relocate.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "cli/sim_runner.h"
#include "core/strings.h"
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
constexpr char kData[] = "vol-0da7a000000000001";   // ext4 at /var/lib/pgsql, 500 GiB gp3
constexpr char kWal[] = "vol-0da7a000000000002";    // xfs at /var/lib/pgsql/wal, inside it
constexpr char kSpare[] = "vol-0da7a000000000003";  // xfs, not mounted
constexpr char kOld[] = "vol-0da7a000000000005";    // ext2 at /old, magnetic

constexpr char kScenario[] = R"(seed: 3
region: eu-west-1
start: 2026-12-01T03:00:00Z
images:
  - {id: ami-0de6b1a2000000001, name: debian-12-amd64-20261110, created: 2026-11-10T00:00:00Z}
hosts:
  - name: db-1
    id: i-0db1000000000a001
    image: ami-0de6b1a2000000001
    zone: eu-west-1a
    volumes:
      - {device: /dev/xvda, size: 20, type: gp3}
      - {device: /dev/sdf, id: vol-0da7a000000000001, size: 500, type: gp3,
         mount: /var/lib/pgsql, tags: {Name: db-1-data}}
      - {device: /dev/sdg, id: vol-0da7a000000000002, size: 50, type: gp3,
         mount: /var/lib/pgsql/wal, fs: xfs}
      - {device: /dev/sdh, id: vol-0da7a000000000003, size: 20, type: gp2, fs: xfs}
      - {device: /dev/sdi, id: vol-0da7a000000000004, size: 30, type: gp2, fs: LVM2_member}
      - {device: /dev/sdj, id: vol-0da7a000000000005, size: 10, type: standard, mount: /old,
         fs: ext2}
timing:
  api_latency: 50ms
  command: 1s
  snapshot: 12m
)";

class RelocateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = sim::ParseScenario(kScenario, "relocate.yaml");
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

  static ops::RelocateRequest Request(const std::string& volume, int size,
                                      const std::string& type = "") {
    ops::RelocateRequest r;
    r.instance = "db-1";
    r.volume = volume;
    r.size_gib = size;
    r.volume_type = type;
    return r;
  }
  core::Result<ops::RelocatePlan> TryPlan(const ops::RelocateRequest& r) {
    return ops::PlanRelocate(c(), *runner_, r, "op-1", clock().Now());
  }
  ops::RelocatePlan Plan(const ops::RelocateRequest& r) {
    auto p = TryPlan(r);
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? *p : ops::RelocatePlan{};
  }
  ops::RunbookOptions Options(const std::string& owner) {
    ops::RunbookOptions o;
    o.operation_id = "op-1";
    o.owner = owner;
    o.remote = runner_.get();
    return o;
  }
  core::Result<runbook::Report> Start(const ops::RelocatePlan& p) {
    return ops::StartRunbook(c(), clock(), journal_, journal::OperationKind::kRelocate,
                             ops::RelocateResources(p), ops::RelocatePlanToJson(p),
                             Options("me@here:1"));
  }
  core::Result<runbook::Report> Resume(bool rollback) {
    auto info = journal_.GetRollout("op-1");
    EXPECT_TRUE(info.ok());
    return ops::ResumeRunbook(c(), clock(), journal_, *info, rollback, false, Options("me@here:2"));
  }
  cloud::Volume Volume(const std::string& id) {
    cloud::VolumeQuery q;
    q.ids = {id};
    auto v = c().volumes.DescribeVolumes(q);
    EXPECT_TRUE(v.ok() && v->size() == 1u);
    return v.ok() && v->size() == 1u ? (*v)[0] : cloud::Volume{};
  }
  std::vector<cloud::Volume> Created() {
    cloud::VolumeQuery q;
    q.tag_key = "rotor:operation";
    q.tag_value = "op-1";
    auto v = c().volumes.DescribeVolumes(q);
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : std::vector<cloud::Volume>{};
  }
  std::vector<cloud::Snapshot> Snapshots() {
    cloud::SnapshotQuery q;
    q.tag_key = "rotor:operation";
    q.tag_value = "op-1";
    auto s = c().volumes.DescribeSnapshots(q);
    EXPECT_TRUE(s.ok());
    return s.ok() ? *s : std::vector<cloud::Snapshot>{};
  }
  std::string Where(const std::string& id) {
    cloud::Volume v = Volume(id);
    return v.attachment ? v.attachment->instance_id + " " + v.attachment->device : "";
  }
  // The disk of volume `id` on db-1 as its OS sees it (its mount point, file-system size).
  sim::HostDisk Disk(const std::string& id) {
    auto h = c().instances.DescribeHost(kDb1);
    EXPECT_TRUE(h.ok());
    auto disks = sim_->HostDisks(h->instance.private_ip);
    EXPECT_TRUE(disks.ok());
    std::string serial = "vol" + id.substr(4);
    for (const sim::HostDisk& d : disks.ok() ? *disks : std::vector<sim::HostDisk>{}) {
      if (d.serial == serial) return d;
    }
    return sim::HostDisk{};
  }
  // The host commands run, in order, by their tool: stop, umount, mount, growpart, e2fsck,
  // resize2fs, xfs_growfs, start (lsblk left out).
  std::vector<std::string> Actions() {
    std::vector<std::string> out;
    for (const std::string& l : runner_->log) {
      for (const char* tool : {"systemctl stop", "umount", " mount ", "growpart", "e2fsck",
                               "resize2fs", "xfs_growfs", "systemctl start"}) {
        if (l.find(tool) == std::string::npos) continue;
        std::string t = core::Trim(tool);
        out.push_back(t.starts_with("systemctl") ? t.substr(10) : t);
      }
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

TEST_F(RelocateTest, InPlaceTheVolumeGrowsThenItsFileSystemTheWayItsTypeGrows) {
  struct Row {
    const char* name;
    const char* volume;
    int size;
    const char* type;
    std::vector<std::string> actions;
  };
  for (const Row& row : std::vector<Row>{
           {"ext4 in use: resize2fs", "/dev/sdf", 800, "", {"resize2fs"}},
           {"xfs in use, by volume id, and gp3 to io2", kWal, 100, "io2", {"xfs_growfs"}},
       }) {
    SCOPED_TRACE(row.name);
    SetUp();
    ops::RelocateRequest r = Request(row.volume, row.size, row.type);
    if (std::string(row.type) == "io2") r.iops = 6000;
    ops::RelocatePlan p = Plan(r);
    EXPECT_FALSE(p.swap) << p.why_swap;
    runner_->log.clear();
    core::Time began = clock().Now();
    auto report = Start(p);
    ASSERT_TRUE(report.ok()) << report.status().message();
    EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted) << report->reason;
    EXPECT_FALSE(report->outage.has_value()) << "nothing stopped, nothing unmounted";
    EXPECT_GE(clock().Now() - began, 30s) << "the change was waited for until optimizing";
    cloud::Volume v = Volume(p.volume.id);
    EXPECT_EQ(v.size_gib, row.size);
    EXPECT_EQ(Disk(p.volume.id).fs_gib, row.size) << "the file system fills it";
    EXPECT_EQ(Actions(), row.actions);
    EXPECT_TRUE(Created().empty());
    EXPECT_TRUE(Snapshots().empty());
    if (std::string(row.type) == "io2") {
      EXPECT_EQ(v.volume_type, "io2");
      EXPECT_EQ(v.iops, 6000);
    }
  }
}

TEST_F(RelocateTest, AnotherFamilyIsASwapWithTheVolumeInsideItAndRollbackSwapsBack) {
  ops::RelocateRequest r = Request("/dev/sdf", 800, "st1");
  r.stop = {"systemctl stop postgresql"};
  r.start = {"systemctl start postgresql"};
  ops::RelocatePlan p = Plan(r);
  ASSERT_TRUE(p.swap);
  EXPECT_NE(p.why_swap.find("another family"), std::string::npos) << p.why_swap;
  ASSERT_TRUE(p.restore.has_value());
  ASSERT_EQ(p.restore->riders.size(), 1u) << "the WAL volume mounted inside";
  runner_->log.clear();
  auto report = Start(p);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted) << report->reason;
  ASSERT_TRUE(report->outage.has_value());
  std::vector<cloud::Volume> made = Created();
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made[0].volume_type, "st1");
  EXPECT_EQ(made[0].size_gib, 800);
  EXPECT_EQ(made[0].tags.at("Name"), "db-1-data") << "the volume's own tags";
  EXPECT_EQ(made[0].tags.at("rotor:relocated-from"), kData);
  EXPECT_EQ(Where(made[0].id), std::string(kDb1) + " /dev/sdf");
  EXPECT_EQ(Where(kData), "") << "the old one detached and kept";
  EXPECT_EQ(Disk(made[0].id).mountpoint, "/var/lib/pgsql");
  EXPECT_EQ(Disk(made[0].id).fs_gib, 800);
  EXPECT_EQ(Disk(kWal).mountpoint, "/var/lib/pgsql/wal");
  std::vector<cloud::Snapshot> snaps = Snapshots();
  ASSERT_EQ(snaps.size(), 2u) << "ahead, and in the outage";
  EXPECT_EQ(made[0].snapshot_id, snaps[1].id) << "made from the one taken unmounted";
  EXPECT_EQ(Actions(),
            (std::vector<std::string>{"stop", "umount", "mount", "mount", "resize2fs", "start"}));
  EXPECT_EQ(sim_->violations(), std::vector<std::string>{});

  runner_->log.clear();
  auto back = Resume(true);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->outcome, runbook::Outcome::kRolledBack) << back->reason;
  EXPECT_EQ(Where(kData), std::string(kDb1) + " /dev/sdf");
  EXPECT_EQ(Where(made[0].id), "") << "the new one detached and kept";
  EXPECT_EQ(Disk(kData).mountpoint, "/var/lib/pgsql");
  EXPECT_EQ(Disk(kWal).mountpoint, "/var/lib/pgsql/wal");
  EXPECT_EQ(Snapshots().size(), 2u) << "snapshots are data: never deleted";
  EXPECT_EQ(sim_->violations(), std::vector<std::string>{});
}

TEST_F(RelocateTest, AMagneticExt2VolumeIsSwappedAndItsFileSystemGrownBeforeItIsMounted) {
  ops::RelocatePlan p = Plan(Request("/dev/sdj", 40, "gp3"));
  ASSERT_TRUE(p.swap);
  EXPECT_NE(p.why_swap.find("magnetic"), std::string::npos) << p.why_swap;
  EXPECT_EQ(p.grow.how, remote::FsGrow::kExtOffline);
  runner_->log.clear();
  auto report = Start(p);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted) << report->reason;
  std::vector<cloud::Volume> made = Created();
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(Disk(made[0].id).fs_gib, 40);
  EXPECT_EQ(Disk(made[0].id).mountpoint, "/old");
  EXPECT_EQ(Actions(), (std::vector<std::string>{"umount", "e2fsck", "resize2fs", "mount"}));
}

TEST_F(RelocateTest, GrowNoneChangesTheVolumeAndLeavesTheFileSystem) {
  ops::RelocateRequest r = Request(kSpare, 60);  // xfs not mounted: rotor could not grow it
  EXPECT_EQ(TryPlan(r).status().code(), core::Code::kInvalidArgument);
  r.grow = false;
  ops::RelocatePlan p = Plan(r);
  std::vector<std::string> lines = ops::DescribeRelocate(p);
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("--grow none") != std::string::npos;
  }));
  runner_->log.clear();
  auto report = Start(p);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->outcome, runbook::Outcome::kCompleted) << report->reason;
  EXPECT_EQ(Volume(kSpare).size_gib, 60);
  EXPECT_EQ(Disk(kSpare).fs_gib, 20) << "left to the operator";
  EXPECT_TRUE(runner_->log.empty()) << "nothing run on the host";
}

TEST_F(RelocateTest, RefusesWhatDoesNotFitChangingNothing) {
  struct Row {
    const char* name;
    std::function<void(ops::RelocateRequest&)> change;
    core::Code code;
    const char* says;
  };
  const Row rows[] = {
      {"smaller", [](auto& r) { r.size_gib = 100; }, core::Code::kInvalidArgument, "never shrinks"},
      {"nothing to change", [](auto& r) { r.size_gib = 500; }, core::Code::kInvalidArgument,
       "500 GiB gp3 already"},
      {"an unknown instance", [](auto& r) { r.instance = "db-9"; }, core::Code::kNotFound, "db-9"},
      {"a device with no volume", [](auto& r) { r.volume = "/dev/sdq"; },
       core::Code::kInvalidArgument, "--volume /dev/sdq: not attached"},
      {"io2 without IOPS", [](auto& r) { r.volume_type = "io2"; }, core::Code::kInvalidArgument,
       "needs --iops"},
      {"IOPS for st1",
       [](auto& r) {
         r.volume_type = "st1";
         r.iops = 500;
       },
       core::Code::kInvalidArgument, "no provisioned IOPS"},
      {"--stop in place", [](auto& r) { r.stop = {"systemctl stop postgresql"}; },
       core::Code::kInvalidArgument, "--stop and --start go with a swap"},
      {"the root by a swap",
       [](auto& r) {
         r.volume = "/dev/xvda";
         r.size_gib = 40;
         r.new_volume = true;
       },
       core::Code::kInvalidArgument, "root volume"},
      {"an LVM physical volume", [](auto& r) { r.volume = "/dev/sdi"; },
       core::Code::kInvalidArgument, "LVM2_member"},
      {"a secret in a command",
       [](auto& r) {
         r.new_volume = true;
         r.stop = {"PGPASSWORD=x pg_ctl stop"};
       },
       core::Code::kInvalidArgument, "--stop"},
  };
  int before = sim_->changes();
  for (const Row& row : rows) {
    ops::RelocateRequest r = Request("/dev/sdf", 800);
    row.change(r);
    auto p = TryPlan(r);
    ASSERT_FALSE(p.ok()) << row.name;
    EXPECT_EQ(p.status().code(), row.code) << row.name << ": " << p.status().message();
    EXPECT_NE(p.status().message().find(row.says), std::string::npos)
        << row.name << ": " << p.status().message();
  }
  EXPECT_EQ(sim_->changes(), before);
  // A change under way: EBS takes the next only once it completed.
  ASSERT_TRUE(c().volumes.ModifyVolume(kData, {600, "", 0}).ok());
  auto busy = TryPlan(Request("/dev/sdf", 800));
  EXPECT_EQ(busy.status().code(), core::Code::kFailedPrecondition) << busy.status().message();
  EXPECT_NE(busy.status().message().find("under way"), std::string::npos);
}

TEST_F(RelocateTest, ThePlanSurvivesTheJournal) {
  for (const auto& r : {Request("/dev/sdf", 800), Request("/dev/sdf", 800, "st1")}) {
    ops::RelocatePlan p = Plan(r);
    auto back = ops::RelocatePlanFromJson(ops::RelocatePlanToJson(p));
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(ops::RelocatePlanToJson(*back), ops::RelocatePlanToJson(p));
  }
  EXPECT_EQ(ops::RelocatePlanFromJson("[]").status().code(), core::Code::kInvalidArgument);
}

// A kill at every change of the cloud (before it reaches the cloud, and after it acted),
// resumed by the next rotor: in place, the volume changed once and its file system grown; by
// a swap, one new volume from the one final snapshot, swapped in and mounted with the WAL
// inside it, no invariant broken.
TEST_F(RelocateTest, KilledAtEveryChangeAndResumedEndsAsTheUnbrokenRun) {
  struct Row {
    const char* name;
    ops::RelocateRequest request;
    int changes;
  };
  for (const Row& row : std::vector<Row>{
           {"in place", Request("/dev/sdf", 800), 1},  // the change
           {"by a swap", Request("/dev/sdf", 800, "st1"),
            5},  // two snapshots, the volume, detach, attach
       }) {
    SetUp();
    ASSERT_TRUE(Start(Plan(row.request)).ok());
    ASSERT_EQ(killing_->changes, row.changes) << row.name;
    for (bool after : {false, true}) {
      for (int at = 1; at <= row.changes; ++at) {
        SCOPED_TRACE(fmt::format("{}: killed at change {} ({} it acted)", row.name, at,
                                 after ? "after" : "before"));
        SetUp();
        ops::RelocatePlan p = Plan(row.request);
        killing_->kill_at = at;
        killing_->after = after;
        auto killed = Start(p);
        ASSERT_FALSE(killed.ok());
        killing_->Revive();
        clock().SleepFor(2min);
        auto r = Resume(false);
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_EQ(r->outcome, runbook::Outcome::kCompleted) << r->reason;
        std::string holder = kData;
        if (p.swap) {
          std::vector<cloud::Volume> made = Created();
          ASSERT_EQ(made.size(), 1u) << "exactly one new volume";
          EXPECT_EQ(Snapshots().size(), 2u) << "exactly two snapshots";
          holder = made[0].id;
          EXPECT_EQ(Disk(kWal).mountpoint, "/var/lib/pgsql/wal");
        }
        EXPECT_EQ(Where(holder), std::string(kDb1) + " /dev/sdf");
        EXPECT_EQ(Disk(holder).mountpoint, "/var/lib/pgsql");
        EXPECT_EQ(Disk(holder).fs_gib, 800);
        EXPECT_EQ(sim_->violations(), std::vector<std::string>{});
      }
    }
  }
}

}  // namespace
}  // namespace rotor
