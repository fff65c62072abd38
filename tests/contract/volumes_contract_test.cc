// The volumes contract (issue 13): cloud::Volumes answers alike on every cloud that builds the
// world of tests/e2e/volume_fixture.py (db with two data volumes, db-new beside it, far in
// another zone). Cases assert relative facts, never a cloud's own ids. The simulator's twin of
// the fixture is tests/testdata/volumes.yaml.
//
// moto changes state at once (attached, detached and completed as soon as asked) and refuses
// less than EC2: it attaches a volume that is attached elsewhere, across zones, and at a device
// the instance already uses. Those cases pin what each cloud does, so that a change on either
// side shows; rotor's runbooks check those conditions themselves before they attach.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "cloud/volumes.h"
#include "fakes/moto_cloud.h"
#include "fakes/moto_server.h"
#include "sim/scenario.h"
#include "sim/sim_cloud.h"

namespace rotor {
namespace {

using Tags = std::map<std::string, std::string>;

// One cloud under test, freshly set to the volumes fixture.
class VolumeWorld {
 public:
  virtual ~VolumeWorld() = default;
  // Whether the world was built; cloud() REQUIRES it.
  const core::Status& status() const { return status_; }
  virtual cloud::Cloud& cloud() = 0;
  virtual bool simulated() const = 0;
  virtual void Settle() {}  // let state changes run their course (moto makes them at once)

 protected:
  core::Status status_;
};

class MotoVolumeWorld final : public VolumeWorld {
 public:
  static testing::MotoServer* server;

  MotoVolumeWorld() : moto_(server->url()) {
    status_ = server->Reset();
    if (!status_.ok()) return;
    status_ = server->BuildVolumeFixture().status();
    if (!status_.ok()) return;
    status_ = moto_.status();
  }
  cloud::Cloud& cloud() override { return moto_.cloud(); }
  bool simulated() const override { return false; }

 private:
  testing::MotoCloud moto_;
};
testing::MotoServer* MotoVolumeWorld::server = nullptr;

// The simulator with tests/testdata/volumes.yaml, the twin of volume_fixture.py.
class SimVolumeWorld final : public VolumeWorld {
 public:
  SimVolumeWorld() {
    auto s = sim::LoadScenario(std::string(ROTOR_TESTS_DIR) + "/testdata/volumes.yaml");
    status_ = s.status();
    if (s.ok()) sim_ = std::make_unique<sim::SimCloud>(*s);
  }
  cloud::Cloud& cloud() override { return sim_->cloud(); }
  bool simulated() const override { return true; }
  // Longer than any attach, detach or snapshot in the scenario's timing.
  void Settle() override { sim_->clock().SleepFor(std::chrono::minutes(2)); }

 private:
  std::unique_ptr<sim::SimCloud> sim_;
};

class VolumesContract : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    auto m = testing::MotoServer::Start();
    ASSERT_TRUE(m.ok()) << m.status().message();
    moto_ = std::move(m).value();
    MotoVolumeWorld::server = moto_.get();
  }
  static void TearDownTestSuite() {
    MotoVolumeWorld::server = nullptr;
    moto_.reset();
  }
  void SetUp() override {
    if (GetParam() == "sim") {
      world_ = std::make_unique<SimVolumeWorld>();
    } else {
      ASSERT_NE(MotoVolumeWorld::server, nullptr) << "moto_server did not start";
      world_ = std::make_unique<MotoVolumeWorld>();
    }
    ASSERT_TRUE(world_->status().ok()) << "the fixture: " << world_->status().message();
  }

  cloud::Cloud& c() { return world_->cloud(); }
  std::string HostId(const std::string& name) {
    auto h = c().instances.DescribeHost(name);
    EXPECT_TRUE(h.ok()) << name << ": " << h.status().message();
    return h.ok() ? h->instance.id : "";
  }
  std::vector<cloud::Volume> Find(const cloud::VolumeQuery& q) {
    auto v = c().volumes.DescribeVolumes(q);
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : std::vector<cloud::Volume>{};
  }
  std::vector<cloud::Volume> OfInstance(const std::string& id) { return Find({{}, id, "", ""}); }
  cloud::Volume ById(const std::string& id) {
    std::vector<cloud::Volume> v = Find({{id}, "", "", ""});
    EXPECT_EQ(v.size(), 1u) << id;
    return v.empty() ? cloud::Volume{} : v[0];
  }
  // db's volume at `device`.
  cloud::Volume DbVolume(const std::string& device) {
    for (const cloud::Volume& v : OfInstance(HostId("db"))) {
      if (v.attachment && v.attachment->device == device) return v;
    }
    ADD_FAILURE() << "db has no volume at " << device;
    return {};
  }
  // The device of the instance's root volume (neither /dev/sdf nor /dev/sdg on db).
  std::string RootDevice(const std::string& id) {
    for (const cloud::Volume& v : OfInstance(id)) {
      if (v.attachment && v.attachment->device != "/dev/sdf" && v.attachment->device != "/dev/sdg")
        return v.attachment->device;
    }
    return "";
  }
  // Detaches db's data volume and waits for it to be available; returns its id.
  std::string DetachedDataVolume() {
    std::string id = DbVolume("/dev/sdf").id;
    EXPECT_TRUE(c().volumes.Detach(id, HostId("db")).ok());
    world_->Settle();
    EXPECT_EQ(ById(id).state, "available");
    return id;
  }
  std::vector<std::string> SnapshotIds(const cloud::SnapshotQuery& q) {
    auto s = c().volumes.DescribeSnapshots(q);
    EXPECT_TRUE(s.ok()) << s.status().message();
    std::vector<std::string> ids;
    for (const cloud::Snapshot& snap : s.ok() ? *s : std::vector<cloud::Snapshot>{}) {
      ids.push_back(snap.id);
    }
    return ids;
  }

  static std::unique_ptr<testing::MotoServer> moto_;
  std::unique_ptr<VolumeWorld> world_;
};
std::unique_ptr<testing::MotoServer> VolumesContract::moto_;

TEST_P(VolumesContract, ByInstanceTheDataVolumesAndTheRoot) {
  std::string db = HostId("db");
  std::vector<cloud::Volume> vols = OfInstance(db);
  ASSERT_EQ(vols.size(), 3u);
  EXPECT_TRUE(std::is_sorted(vols.begin(), vols.end(),
                             [](const auto& a, const auto& b) { return a.id < b.id; }));
  for (const cloud::Volume& v : vols) {
    EXPECT_EQ(v.zone, "us-east-1a") << v.id;
    EXPECT_EQ(v.state, "in-use") << v.id;
    ASSERT_TRUE(v.attachment.has_value()) << v.id;
    EXPECT_EQ(v.attachment->instance_id, db);
    EXPECT_EQ(v.attachment->state, "attached") << v.id;
    EXPECT_EQ(v.volume_type, "gp3") << v.id;
    const std::string& device = v.attachment->device;
    if (device == "/dev/sdf") {
      EXPECT_EQ(v.size_gib, 100);
      EXPECT_TRUE(v.encrypted);
      EXPECT_EQ(v.tags, (Tags{{"role", "data"}, {"Name", "db-data"}}));
    } else if (device == "/dev/sdg") {
      EXPECT_EQ(v.size_gib, 20);
      EXPECT_FALSE(v.encrypted);
      EXPECT_EQ(v.tags, (Tags{{"role", "logs"}}));
    } else {  // the root, wherever the image puts it
      EXPECT_EQ(v.size_gib, 8) << device;
    }
  }
  std::vector<cloud::Volume> far = OfInstance(HostId("far"));
  ASSERT_EQ(far.size(), 1u);
  EXPECT_EQ(far[0].zone, "us-east-1b");
}

TEST_P(VolumesContract, ByTag) {
  std::vector<cloud::Volume> data = Find({{}, "", "role", "data"});
  ASSERT_EQ(data.size(), 1u);
  ASSERT_TRUE(data[0].attachment.has_value());
  EXPECT_EQ(data[0].attachment->device, "/dev/sdf");
  EXPECT_EQ(data[0].attachment->instance_id, HostId("db"));
  EXPECT_EQ(Find({{}, "", "role", ""}).size(), 2u);  // any value
  EXPECT_TRUE(Find({{}, "", "role", "cache"}).empty());
  // Every field given must match.
  EXPECT_EQ(Find({{}, HostId("db"), "role", "logs"}).size(), 1u);
  EXPECT_TRUE(Find({{}, HostId("db-new"), "role", "logs"}).empty());
}

TEST_P(VolumesContract, UnknownIdsAreNotFoundNamingThem) {
  const std::string gone = "vol-0123456789abcdef0";
  for (const std::vector<std::string>& ids :
       {std::vector<std::string>{gone}, std::vector<std::string>{DbVolume("/dev/sdf").id, gone}}) {
    auto v = c().volumes.DescribeVolumes({ids, "", "", ""});
    EXPECT_EQ(v.status().code(), core::Code::kNotFound) << v.status().message();
    EXPECT_NE(v.status().message().find(gone), std::string::npos) << v.status().message();
  }
}

TEST_P(VolumesContract, DetachLeavesTheVolumeAvailable) {
  std::string db = HostId("db");
  std::string id = DbVolume("/dev/sdf").id;
  ASSERT_TRUE(c().volumes.Detach(id, db).ok());
  world_->Settle();
  cloud::Volume v = ById(id);
  EXPECT_EQ(v.state, "available");
  EXPECT_FALSE(v.attachment.has_value());
  EXPECT_EQ(OfInstance(db).size(), 2u);
  EXPECT_EQ(v.tags.at("role"), "data");  // a detached volume keeps what it is
}

TEST_P(VolumesContract, AttachToAnotherHostInTheZone) {
  std::string id = DetachedDataVolume();
  std::string db_new = HostId("db-new");
  core::Status attached = c().volumes.Attach(id, db_new, "/dev/sdf");
  ASSERT_TRUE(attached.ok()) << attached.message();
  world_->Settle();
  cloud::Volume v = ById(id);
  EXPECT_EQ(v.state, "in-use");
  ASSERT_TRUE(v.attachment.has_value());
  EXPECT_EQ(v.attachment->instance_id, db_new);
  EXPECT_EQ(v.attachment->device, "/dev/sdf");
  EXPECT_EQ(v.attachment->state, "attached");
  EXPECT_EQ(OfInstance(db_new).size(), 2u);  // its root and the data volume
}

// moto refuses this one only because db-new has nothing at /dev/sdf: it checks the device on the
// instance named, not where the volume is attached (with a volume at that device there, it
// would detach db's volume and drop db-new's mapping).
TEST_P(VolumesContract, DetachFromTheWrongInstanceIsRefused) {
  std::string db = HostId("db");
  std::string id = DbVolume("/dev/sdf").id;
  core::Status wrong = c().volumes.Detach(id, HostId("db-new"));
  EXPECT_EQ(wrong.code(), core::Code::kFailedPrecondition) << wrong.message();
  world_->Settle();
  cloud::Volume v = ById(id);
  ASSERT_TRUE(v.attachment.has_value());
  EXPECT_EQ(v.attachment->instance_id, db);
  EXPECT_EQ(v.attachment->state, "attached");
}

TEST_P(VolumesContract, DetachOfAnUnknownVolumeIsNotFound) {
  core::Status s = c().volumes.Detach("vol-0123456789abcdef0", HostId("db"));
  EXPECT_EQ(s.code(), core::Code::kNotFound) << s.message();
}

// EC2 and the simulator refuse (InvalidVolume.ZoneMismatch); moto attaches across zones.
TEST_P(VolumesContract, AttachAcrossZones) {
  std::string id = DetachedDataVolume();
  core::Status s = c().volumes.Attach(id, HostId("far"), "/dev/sdf");
  if (world_->simulated()) {
    EXPECT_EQ(s.code(), core::Code::kFailedPrecondition) << s.message();
    world_->Settle();
    EXPECT_EQ(ById(id).state, "available");
  } else {
    EXPECT_TRUE(s.ok()) << "moto refuses now; make this case strict: " << s.message();
  }
}

// EC2 and the simulator refuse (VolumeInUse; InvalidParameterValue for the device); moto moves
// the volume, and attaches at a device in use.
TEST_P(VolumesContract, AttachOfAnAttachedVolumeOrAtATakenDevice) {
  std::string db = HostId("db");
  core::Status in_use = c().volumes.Attach(DbVolume("/dev/sdg").id, HostId("db-new"), "/dev/sdg");
  std::string id = DetachedDataVolume();
  core::Status taken = c().volumes.Attach(id, db, "/dev/sdg");
  if (world_->simulated()) {
    EXPECT_EQ(in_use.code(), core::Code::kFailedPrecondition) << in_use.message();
    EXPECT_EQ(taken.code(), core::Code::kFailedPrecondition) << taken.message();
    world_->Settle();
    EXPECT_EQ(DbVolume("/dev/sdg").tags.at("role"), "logs");
  } else {
    EXPECT_TRUE(in_use.ok()) << "moto refuses now; make this case strict: " << in_use.message();
    EXPECT_TRUE(taken.ok()) << "moto refuses now; make this case strict: " << taken.message();
  }
}

TEST_P(VolumesContract, SnapshotTaggedFoundAndCompleted) {
  std::string data = DbVolume("/dev/sdf").id;
  auto snap = c().volumes.CreateSnapshot(data, "before the move",
                                         {{"rotor:operation", "op-9"}, {"Name", "db-data"}});
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  EXPECT_EQ(SnapshotIds({{}, data, "", ""}), std::vector<std::string>{*snap});
  EXPECT_EQ(SnapshotIds({{}, "", "rotor:operation", "op-9"}), std::vector<std::string>{*snap});
  EXPECT_EQ(SnapshotIds({{}, "", "rotor:operation", ""}), std::vector<std::string>{*snap});
  EXPECT_TRUE(SnapshotIds({{}, "", "rotor:operation", "op-10"}).empty());
  EXPECT_TRUE(SnapshotIds({{}, DbVolume("/dev/sdg").id, "", ""}).empty());

  auto started = c().volumes.DescribeSnapshots({{*snap}, "", "", ""});
  ASSERT_TRUE(started.ok()) << started.status().message();
  ASSERT_EQ(started->size(), 1u);
  const cloud::Snapshot& s = (*started)[0];
  EXPECT_TRUE(s.state == "pending" || s.state == "completed") << s.state;
  EXPECT_EQ(s.volume_id, data);
  EXPECT_EQ(s.description, "before the move");
  EXPECT_EQ(s.tags, (Tags{{"rotor:operation", "op-9"}, {"Name", "db-data"}}));

  world_->Settle();
  auto done = c().volumes.DescribeSnapshots({{*snap}, "", "", ""});
  ASSERT_TRUE(done.ok()) << done.status().message();
  ASSERT_EQ(done->size(), 1u);
  EXPECT_EQ((*done)[0].state, "completed");
  EXPECT_EQ((*done)[0].progress_percent, 100);
  EXPECT_EQ((*done)[0].started, s.started);
}

TEST_P(VolumesContract, UnknownSnapshotIsNotFound) {
  const std::string gone = "snap-0123456789abcdef0";
  auto s = c().volumes.DescribeSnapshots({{gone}, "", "", ""});
  EXPECT_EQ(s.status().code(), core::Code::kNotFound) << s.status().message();
  EXPECT_NE(s.status().message().find(gone), std::string::npos) << s.status().message();
  auto snap = c().volumes.CreateSnapshot("vol-0123456789abcdef0", "", {});
  EXPECT_EQ(snap.status().code(), core::Code::kNotFound) << snap.status().message();
}

// A snapshot set of db's data volumes (the root left out), tagged at creation. moto 5.2 differs
// from EC2 three ways, pinned here so that a change shows: it snapshots the root too (it does
// not match ExcludeBootVolume against this fixture's root), it does not copy each volume's own
// tags (CopyTagsFromSource), and its answer has no state (rotor reads a new one as pending).
// The simulator does as EC2 does. The end-to-end tests emulate EC2 in the fault layer.
TEST_P(VolumesContract, ASnapshotSetOfTheDataVolumes) {
  std::string db = HostId("db");
  cloud::SnapshotSetRequest r;
  r.instance_id = db;
  r.description = "nightly";
  r.tags = {{"rotor:backup-of", db}};
  auto set = c().volumes.CreateSnapshotSet(r);
  ASSERT_TRUE(set.ok()) << set.status().message();
  std::string data = DbVolume("/dev/sdf").id, logs = DbVolume("/dev/sdg").id;
  std::vector<std::string> volumes;
  for (const cloud::Snapshot& s : *set) {
    volumes.push_back(s.volume_id);
    EXPECT_EQ(s.tags.at("rotor:backup-of"), db) << s.id;
    EXPECT_EQ(s.description, "nightly") << s.id;
    EXPECT_TRUE(s.state == "pending" || s.state == "completed") << s.state;
  }
  std::vector<std::string> want = {data, logs};
  if (!world_->simulated()) want.push_back(DbVolume(RootDevice(db)).id);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(volumes, want);
  EXPECT_EQ(SnapshotIds({{}, "", "rotor:backup-of", db}).size(), want.size());
  if (world_->simulated()) {
    for (const cloud::Snapshot& s : *set) {
      EXPECT_EQ(s.tags.at("role"), s.volume_id == data ? "data" : "logs") << s.id;
    }
  }
  auto unknown = c().volumes.CreateSnapshotSet({"i-0123456789abcdef0", false, {}, "", {}, true});
  EXPECT_EQ(unknown.status().code(), core::Code::kNotFound) << unknown.status().message();
}

TEST_P(VolumesContract, ADeletedSnapshotIsGoneAndASecondDeleteIsNotFound) {
  auto snap = c().volumes.CreateSnapshot(DbVolume("/dev/sdg").id, "", {{"k", "v"}});
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  world_->Settle();
  EXPECT_TRUE(c().volumes.DeleteSnapshot(*snap).ok());
  EXPECT_TRUE(SnapshotIds({{}, "", "k", "v"}).empty());
  core::Status again = c().volumes.DeleteSnapshot(*snap);
  EXPECT_EQ(again.code(), core::Code::kNotFound) << again.message();
}

// A volume restored from db's encrypted data volume's snapshot: larger, another type, tagged at
// creation, encrypted as its snapshot, creating then available, attachable in its zone; a size
// below the snapshot's is refused. (The same ClientToken's second call is the simulator's to
// answer with the first volume, as EC2 does; moto makes a second one, so it is not asked.)
TEST_P(VolumesContract, AVolumeFromASnapshot) {
  cloud::Volume data = DbVolume("/dev/sdf");
  auto snap = c().volumes.CreateSnapshot(data.id, "", {});
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  world_->Settle();
  cloud::NewVolume v;
  v.zone = data.zone;
  v.snapshot_id = *snap;
  v.size_gib = data.size_gib + 50;
  v.volume_type = "io2";
  v.iops = 3000;
  v.tags = {{"rotor:operation", "op-7"}};
  v.client_token = "op-7-volume";
  auto id = c().volumes.CreateVolume(v);
  ASSERT_TRUE(id.ok()) << id.status().message();
  cloud::Volume made = ById(*id);
  EXPECT_TRUE(made.state == "creating" || made.state == "available") << made.state;
  EXPECT_EQ(made.zone, data.zone);
  EXPECT_EQ(made.size_gib, data.size_gib + 50);
  EXPECT_EQ(made.volume_type, "io2");
  EXPECT_EQ(made.iops, 3000);
  EXPECT_TRUE(made.encrypted) << "a volume of an encrypted snapshot is encrypted";
  EXPECT_EQ(made.snapshot_id, *snap);
  EXPECT_EQ(made.tags, (Tags{{"rotor:operation", "op-7"}}));
  EXPECT_FALSE(made.attachment.has_value());
  world_->Settle();
  EXPECT_EQ(ById(*id).state, "available");
  if (world_->simulated()) {
    EXPECT_EQ(*c().volumes.CreateVolume(v), *id) << "the same token: the same volume";
    cloud::NewVolume small = v;
    small.client_token.clear();
    small.size_gib = data.size_gib - 1;
    EXPECT_EQ(c().volumes.CreateVolume(small).status().code(), core::Code::kInvalidArgument);
  }
  cloud::NewVolume unknown = v;
  unknown.client_token.clear();
  unknown.snapshot_id = "snap-0123456789abcdef0";
  EXPECT_EQ(c().volumes.CreateVolume(unknown).status().code(), core::Code::kNotFound);
}

// A data volume grown in place (EBS Elastic Volumes): the change is listed with its target; the
// new size shows once optimizing. moto 5.2 differs from EBS, pinned here: it accepts a smaller
// size and a second change at once (EBS refuses both; rotor checks the first itself, and a
// second within 6 hours is EBS's to refuse, as the simulator does), and it leaves the target
// type out of the change it lists.
TEST_P(VolumesContract, AVolumeGrownInPlace) {
  cloud::Volume data = DbVolume("/dev/sdf");
  cloud::VolumeChange grow;
  grow.size_gib = data.size_gib + 20;
  core::Status changed = c().volumes.ModifyVolume(data.id, grow);
  ASSERT_TRUE(changed.ok()) << changed.message();
  auto m = c().volumes.DescribeModifications({data.id});
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].volume_id, data.id);
  EXPECT_EQ((*m)[0].target_size_gib, data.size_gib + 20);
  if (world_->simulated()) {
    EXPECT_EQ((*m)[0].target_type, data.volume_type);
  } else {
    EXPECT_EQ((*m)[0].target_type, "") << "moto leaves the target type out";
  }
  std::string state = (*m)[0].state;
  EXPECT_TRUE(state == "modifying" || state == "optimizing" || state == "completed") << state;
  world_->Settle();
  EXPECT_EQ(ById(data.id).size_gib, data.size_gib + 20);
  EXPECT_TRUE(c().volumes.DescribeModifications({DbVolume("/dev/sdg").id})->empty())
      << "a volume never changed has none";
  cloud::VolumeChange shrink;
  shrink.size_gib = data.size_gib;
  core::Status smaller = c().volumes.ModifyVolume(data.id, shrink);
  if (world_->simulated()) {
    EXPECT_EQ(smaller.code(), core::Code::kFailedPrecondition) << "a second change so soon";
  } else {
    EXPECT_TRUE(smaller.ok()) << "moto shrinks";
  }
  EXPECT_EQ(c().volumes.ModifyVolume("vol-0123456789abcdef0", grow).code(), core::Code::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Clouds, VolumesContract, ::testing::Values("sim", "moto"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace rotor
