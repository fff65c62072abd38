// SimVolumes (issue 13): the scenario's EBS volumes and snapshots, EC2's refusals, attachments
// and snapshots as timelines in virtual time, the volume faults, and a mounted volume detached.
#include <gtest/gtest.h>

#include "sim/sim_cloud.h"

namespace rotor::sim {
namespace {

using namespace std::chrono_literals;

constexpr char kData[] = "vol-0da7a000000000001";   // old:/dev/sdf, mounted at /var/lib/copr
constexpr char kDb[] = "vol-0db00000000000001";     // old:/dev/sdg, mounted at /var/lib/pgsql
constexpr char kSpare[] = "vol-0e5c0000000000001";  // old:/dev/sdh, not mounted
constexpr char kOld[] = "i-0a1d0000000000001";
constexpr char kFresh[] = "i-0be40000000000001";  // same zone as old
constexpr char kFar[] = "i-0fa00000000000001";    // another zone

std::string Scenario(const std::string& faults = "") {
  return R"(seed: 1
region: us-east-1
start: 2026-11-30T09:00:00Z
images:
  - {id: ami-1, name: fedora-41, created: 2026-11-01T00:00:00Z}
stacks:
  - name: web
    groups:
      - {name: web-Asg, launch_configuration: {name: web-lc, image: ami-1}, zones: [us-east-1c],
         min: 1, max: 1, desired: 1}
hosts:
  - name: old
    id: i-0a1d0000000000001
    image: ami-1
    zone: us-east-1c
    volumes:
      - {device: /dev/xvda, size: 20}
      - {device: /dev/sdf, id: vol-0da7a000000000001, size: 160, encrypted: true,
         mount: /var/lib/copr, tags: {app: copr, Name: data}}
      - {device: /dev/sdg, id: vol-0db00000000000001, size: 10, type: io2,
         mount: /var/lib/pgsql, tags: {app: copr}}
      - {device: /dev/sdh, id: vol-0e5c0000000000001, size: 5}
  - {name: fresh, id: i-0be40000000000001, image: ami-1, zone: us-east-1c}
  - {name: far, id: i-0fa00000000000001, image: ami-1, zone: us-east-1a}
timing:
  api_latency: 0s
  shutdown: 10s
)" + faults;
}

// Queries (GCC warns about designated initializers that leave fields out).
cloud::VolumeQuery Ids(std::vector<std::string> ids) {
  cloud::VolumeQuery q;
  q.ids = std::move(ids);
  return q;
}
cloud::VolumeQuery On(const std::string& instance, const std::string& tag_key = "") {
  cloud::VolumeQuery q;
  q.instance_id = instance;
  q.tag_key = tag_key;
  return q;
}
cloud::VolumeQuery Tagged(const std::string& key, const std::string& value = "") {
  cloud::VolumeQuery q;
  q.tag_key = key;
  q.tag_value = value;
  return q;
}
cloud::SnapshotQuery Snaps(std::vector<std::string> ids, const std::string& volume = "",
                           const std::string& key = "", const std::string& value = "") {
  return cloud::SnapshotQuery{std::move(ids), volume, key, value};
}

class SimVolumesTest : public ::testing::Test {
 protected:
  void Load(const std::string& text = Scenario()) {
    auto s = ParseScenario(text, "volumes.yaml");
    ASSERT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<SimCloud>(*s);
  }
  void At(int seconds) { sim_->clock().SleepUntil(sim_->start() + std::chrono::seconds(seconds)); }
  cloud::Volumes& ebs() { return sim_->cloud().volumes; }
  cloud::Volume Volume(const std::string& id) {
    auto v = ebs().DescribeVolumes(Ids({id}));
    EXPECT_TRUE(v.ok() && v->size() == 1) << v.status().message();
    return v.ok() && v->size() == 1 ? v->front() : cloud::Volume{};
  }
  std::string AttachState(const std::string& id) {
    cloud::Volume v = Volume(id);
    return v.attachment ? v.attachment->state : v.state;
  }
  std::vector<std::string> Devices(const std::string& instance) {
    auto h = sim_->cloud().instances.DescribeHost(instance);
    EXPECT_TRUE(h.ok()) << h.status().message();
    std::vector<std::string> out;
    for (const cloud::BlockDevice& d : h.ok() ? h->devices : std::vector<cloud::BlockDevice>{}) {
      out.push_back(d.device + "=" + d.volume_id);
    }
    return out;
  }
  int Calls(const std::string& op) {
    auto it = sim_->api_calls().find(op);
    return it == sim_->api_calls().end() ? 0 : it->second;
  }
  bool Traced(const std::string& line) { return sim_->TraceText().find(line) != std::string::npos; }
  std::unique_ptr<SimCloud> sim_;
};

TEST_F(SimVolumesTest, DescribesTheScenarioVolumesAndDerivesTheHostsDevices) {
  Load();
  cloud::Volume data = Volume(kData);
  EXPECT_EQ(data.zone, "us-east-1c");
  EXPECT_EQ(data.size_gib, 160);
  EXPECT_EQ(data.volume_type, "gp3");
  EXPECT_TRUE(data.encrypted);
  EXPECT_EQ(data.state, "in-use");
  ASSERT_TRUE(data.attachment.has_value());
  EXPECT_EQ(*data.attachment, (cloud::VolumeAttachment{kOld, "/dev/sdf", "attached", false}));
  EXPECT_EQ(data.tags.at("Name"), "data");
  EXPECT_EQ(Volume(kDb).volume_type, "io2");

  auto of_old = ebs().DescribeVolumes(On(kOld));
  ASSERT_TRUE(of_old.ok());
  ASSERT_EQ(of_old->size(), 4u);  // the root and three data volumes, in id order
  EXPECT_EQ(of_old->front().size_gib, 20);
  EXPECT_TRUE(of_old->front().attachment->delete_on_termination);
  EXPECT_EQ((*of_old)[1].id, kData);
  std::vector<std::string> want = {"/dev/xvda=" + of_old->front().id,
                                   std::string("/dev/sdf=") + kData, std::string("/dev/sdg=") + kDb,
                                   std::string("/dev/sdh=") + kSpare};
  EXPECT_EQ(Devices("old"), want);  // DescribeHost: the attached volumes in attach order

  struct Row {
    const char* name;
    cloud::VolumeQuery query;
    size_t count;
  };
  const Row rows[] = {
      {"the region: three hosts' and a member's", {}, 7},
      {"tag and value", Tagged("app", "copr"), 2},
      {"tag, any value", Tagged("Name"), 1},
      {"tag with another value", Tagged("app", "web"), 0},
      {"instance and tag", On(kFresh, "app"), 0},
      {"an instance that does not exist", On("i-0feedfeedfeedfeed"), 0},
  };
  for (const Row& r : rows) {
    auto got = ebs().DescribeVolumes(r.query);
    ASSERT_TRUE(got.ok()) << r.name;
    EXPECT_EQ(got->size(), r.count) << r.name;
    EXPECT_TRUE(std::is_sorted(got->begin(), got->end(), [](auto& a, auto& b) {
      return a.id < b.id;
    })) << r.name;
  }
  auto missing = ebs().DescribeVolumes(Ids({kData, "vol-0feedfeedfeedfeed"}));
  EXPECT_EQ(missing.status().code(), core::Code::kNotFound);
  EXPECT_EQ(missing.status().aws_code(), "InvalidVolume.NotFound");
  EXPECT_NE(missing.status().message().find("vol-0feedfeedfeedfeed"), std::string::npos);
  EXPECT_EQ(Calls("ec2:DescribeVolumes"), 11);  // one per verb, and DescribeHost's
}

TEST_F(SimVolumesTest, RefusesWhatEc2Refuses) {
  Load();
  At(100);
  ASSERT_TRUE(ebs().Detach(kSpare, kOld).ok());
  At(110);
  ASSERT_EQ(Volume(kSpare).state, "available");
  std::string root = ebs().DescribeVolumes(On(kOld))->front().id;
  using C = core::Code;
  struct Row {
    const char* name;
    bool attach;
    std::string volume, instance, device;
    C code;
    const char* aws_code;
    const char* says;
  };
  const Row rows[] = {
      {"attach one in use", true, kData, kFresh, "/dev/sdf", C::kFailedPrecondition, "VolumeInUse",
       "is already attached"},
      {"attach across zones", true, kSpare, kFar, "/dev/sdf", C::kFailedPrecondition,
       "InvalidVolume.ZoneMismatch", "us-east-1c and us-east-1a"},
      {"attach at the root's device", true, kSpare, kFresh, "/dev/xvda", C::kFailedPrecondition,
       "InvalidParameterValue", "Attachment point /dev/xvda is already in use"},
      {"attach at a device in use, Xen name", true, kSpare, kOld, "/dev/xvdf",
       C::kFailedPrecondition, "InvalidParameterValue", "already in use"},
      {"attach an unknown volume", true, "vol-0feedfeedfeedfeed", kFresh, "/dev/sdf", C::kNotFound,
       "InvalidVolume.NotFound", "vol-0feedfeedfeedfeed"},
      {"attach to an unknown instance", true, kSpare, "i-0feedfeedfeedfeed", "/dev/sdf",
       C::kNotFound, "InvalidInstanceID.NotFound", "i-0feedfeedfeedfeed"},
      {"detach one available", false, kSpare, kOld, "", C::kFailedPrecondition, "IncorrectState",
       "'available'"},
      {"detach from another instance", false, kData, kFresh, "", C::kFailedPrecondition,
       "InvalidAttachment.NotFound", kFresh},
      {"detach the root of a running instance", false, root, kOld, "", C::kFailedPrecondition,
       "IncorrectState", "Unable to detach root volume"},
      {"detach an unknown volume", false, "vol-0feedfeedfeedfeed", kOld, "", C::kNotFound,
       "InvalidVolume.NotFound", ""},
  };
  for (const Row& r : rows) {
    core::Status s = r.attach ? ebs().Attach(r.volume, r.instance, r.device)
                              : ebs().Detach(r.volume, r.instance);
    EXPECT_EQ(s.code(), r.code) << r.name << ": " << s.message();
    EXPECT_EQ(s.aws_code(), r.aws_code) << r.name;
    EXPECT_NE(s.message().find(r.says), std::string::npos) << r.name << ": " << s.message();
  }
  EXPECT_EQ(Volume(kSpare).state, "available");  // nothing changed
  EXPECT_EQ(AttachState(kData), "attached");
  EXPECT_EQ(Calls("ec2:AttachVolume"), 6);
  EXPECT_EQ(Calls("ec2:DetachVolume"), 5);
}

TEST_F(SimVolumesTest, AttachAndDetachTakeTheirTime) {
  Load();
  At(100);
  ASSERT_TRUE(ebs().Detach(kSpare, kOld).ok());
  EXPECT_EQ(Volume(kSpare).state, "in-use");
  EXPECT_EQ(AttachState(kSpare), "detaching");
  EXPECT_EQ(Devices("old").size(), 4u);          // EC2 lists it until it is detached
  ASSERT_TRUE(ebs().Detach(kSpare, kOld).ok());  // again: nothing changes
  At(109);
  EXPECT_EQ(AttachState(kSpare), "detaching");
  At(110);
  EXPECT_EQ(AttachState(kSpare), "available");
  EXPECT_FALSE(Volume(kSpare).attachment.has_value());
  EXPECT_EQ(Devices("old").size(), 3u);

  ASSERT_TRUE(ebs().Attach(kSpare, kFresh, "/dev/sdf").ok());
  cloud::Volume attaching = Volume(kSpare);
  EXPECT_EQ(attaching.state, "in-use");
  EXPECT_EQ(*attaching.attachment,
            (cloud::VolumeAttachment{kFresh, "/dev/sdf", "attaching", false}));
  EXPECT_EQ(Devices("fresh").back(), std::string("/dev/sdf=") + kSpare);
  At(114);
  EXPECT_EQ(AttachState(kSpare), "attaching");
  At(115);
  EXPECT_EQ(AttachState(kSpare), "attached");
  for (const char* line :
       {"100.000 detach vol-0e5c0000000000001 from i-0a1d0000000000001\n",
        "110.000 detached vol-0e5c0000000000001 from i-0a1d0000000000001\n",
        "110.000 attach vol-0e5c0000000000001 to i-0be40000000000001 at /dev/sdf\n",
        "115.000 attached vol-0e5c0000000000001 to i-0be40000000000001 at /dev/sdf\n"}) {
    EXPECT_TRUE(Traced(line)) << line << sim_->TraceText();
  }
  EXPECT_TRUE(sim_->violations().empty());
}

TEST_F(SimVolumesTest, VolumeStuckHoldsTheAttachmentInItsState) {
  Load(Scenario(R"(faults:
  - {kind: volume_stuck, volume: vol-0e5c0000000000001, state: detaching}
  - {kind: volume_stuck, host: fresh, device: /dev/sdk, state: attaching, for: 2m}
)"));
  ASSERT_TRUE(ebs().Detach(kSpare, kOld).ok());
  At(3600);
  EXPECT_EQ(AttachState(kSpare), "detaching");  // for ever

  ASSERT_TRUE(sim_->cloud().instances.SetRunning(kOld, false).ok());  // nothing stays mounted
  ASSERT_TRUE(ebs().Detach(kDb, kOld).ok());
  At(3610);
  ASSERT_EQ(AttachState(kDb), "available");  // the fault is the other volume's
  ASSERT_TRUE(ebs().Attach(kDb, kFresh, "/dev/sdk").ok());
  At(3729);
  EXPECT_EQ(AttachState(kDb), "attaching");
  At(3730);
  EXPECT_EQ(AttachState(kDb), "attached");
}

TEST_F(SimVolumesTest, SnapshotsArePendingThenCompletedAndTaggedAtCreation) {
  Load(Scenario(R"(faults:
  - {kind: snapshot_slow, volume: vol-0db00000000000001, for: 10m}
)"));
  At(10);
  auto first = ebs().CreateSnapshot(kData, "before the move", {{"rotor:operation", "op-1"}});
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto slow = ebs().CreateSnapshot(kDb, "", {{"rotor:operation", "op-2"}});
  ASSERT_TRUE(slow.ok());
  auto snaps = ebs().DescribeSnapshots({});
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 2u);  // oldest first
  const cloud::Snapshot& s = snaps->front();
  EXPECT_EQ(s.id, *first);
  EXPECT_EQ(s.volume_id, kData);
  EXPECT_EQ(s.state, "pending");
  EXPECT_EQ(s.progress_percent, 0);
  EXPECT_EQ(s.started, sim_->start() + 10s);
  EXPECT_EQ(s.description, "before the move");
  EXPECT_EQ(s.tags.at("rotor:operation"), "op-1");
  struct Row {
    int at;
    std::string id;
    const char* state;
    int progress;
  };
  const Row rows[] = {
      {40, *first, "pending", 50}, {69, *first, "pending", 98}, {70, *first, "completed", 100},
      {70, *slow, "pending", 9},   {669, *slow, "pending", 99}, {670, *slow, "completed", 100},
  };
  for (const Row& r : rows) {
    At(r.at);
    auto got = ebs().DescribeSnapshots(Snaps({r.id}));
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->front().state, r.state) << r.at << " " << r.id;
    EXPECT_EQ(got->front().progress_percent, r.progress) << r.at << " " << r.id;
  }
  EXPECT_EQ(ebs().DescribeSnapshots(Snaps({}, kDb))->size(), 1u);
  EXPECT_EQ(ebs().DescribeSnapshots(Snaps({}, "", "rotor:operation", "op-1"))->size(), 1u);
  auto unknown = ebs().DescribeSnapshots(Snaps({"snap-0feedfeedfeedfeed"}));
  EXPECT_EQ(unknown.status().code(), core::Code::kNotFound);
  EXPECT_EQ(unknown.status().aws_code(), "InvalidSnapshot.NotFound");
  EXPECT_EQ(ebs().CreateSnapshot("vol-0feedfeedfeedfeed", "", {}).status().aws_code(),
            "InvalidVolume.NotFound");
  EXPECT_EQ(Calls("ec2:CreateSnapshot"), 3);
  EXPECT_TRUE(Traced("70.000 snapshot_completed " + *first + " of " + kData + "\n"));
  EXPECT_TRUE(Traced("670.000 snapshot_completed " + *slow + " of " + kDb + "\n"));
}

TEST_F(SimVolumesTest, ACompletedSnapshotIsCopiedWithinTheRegionWithTheTagsAsked) {
  Load();
  At(10);
  auto first = ebs().CreateSnapshot(kData, "nightly", {{"rotor:operation", "op-1"}});
  ASSERT_TRUE(first.ok());
  auto early = ebs().CopySnapshot("us-east-1", *first, "copy", {});
  EXPECT_EQ(early.status().code(), core::Code::kFailedPrecondition);  // pending: not yet
  EXPECT_EQ(early.status().aws_code(), "IncorrectState");
  At(70);
  auto copy = ebs().CopySnapshot("us-east-1", *first, "copy", {{"rotor:copy-of", *first}});
  ASSERT_TRUE(copy.ok()) << copy.status().message();
  auto got = ebs().DescribeSnapshots(Snaps({*copy}));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->front().state, "pending");
  EXPECT_EQ(got->front().volume_id, kData);
  EXPECT_EQ(got->front().size_gib, Volume(kData).size_gib);
  EXPECT_EQ(got->front().tags, (std::map<std::string, std::string>{{"rotor:copy-of", *first}}));
  At(130);
  EXPECT_EQ(ebs().DescribeSnapshots(Snaps({*copy}))->front().state, "completed");
  EXPECT_EQ(ebs().CopySnapshot("eu-west-1", *first, "", {}).status().code(),
            core::Code::kFailedPrecondition);  // one region only
  EXPECT_EQ(ebs().CopySnapshot("us-east-1", "snap-0feedfeedfeedfeed", "", {}).status().code(),
            core::Code::kNotFound);
  EXPECT_TRUE(Traced("70.000 copy_snapshot " + *copy + " of " + *first));
}

TEST_F(SimVolumesTest, AChangeIsModifyingThenOptimizingWithTheNewSizeThenCompleted) {
  Load();  // modifying 30 s, optimizing 10 min: the defaults
  At(10);
  int before = Volume(kData).size_gib;
  cloud::VolumeChange grow;
  grow.size_gib = before + 100;
  grow.volume_type = "io2";
  grow.iops = 4000;
  ASSERT_TRUE(ebs().ModifyVolume(kData, grow).ok());
  struct Row {
    int at;
    const char* state;
    int size;
    int progress;
  };
  const Row rows[] = {
      {20, "modifying", before, 1},
      {40, "optimizing", before + 100, 4},
      {639, "optimizing", before + 100, 99},
      {640, "completed", before + 100, 100},
  };
  for (const Row& r : rows) {
    At(r.at);
    auto m = ebs().DescribeModifications({kData});
    ASSERT_TRUE(m.ok() && m->size() == 1u) << r.at;
    EXPECT_EQ((*m)[0].state, r.state) << r.at;
    EXPECT_EQ((*m)[0].progress_percent, r.progress) << r.at;
    EXPECT_EQ(Volume(kData).size_gib, r.size) << r.at;
  }
  EXPECT_EQ(Volume(kData).volume_type, "io2");
  EXPECT_EQ(Volume(kData).iops, 4000);
  EXPECT_TRUE(Traced("40.000 volume_optimizing " + std::string(kData)));
}

TEST_F(SimVolumesTest, AChangeRefusedAsEbsRefusesIt) {
  Load();
  At(10);
  cloud::VolumeChange smaller;
  smaller.size_gib = 1;
  core::Status s = ebs().ModifyVolume(kData, smaller);
  EXPECT_EQ(s.code(), core::Code::kInvalidArgument);
  EXPECT_EQ(s.aws_code(), "InvalidParameterValue");
  cloud::VolumeChange iops;
  iops.volume_type = "gp2";
  iops.iops = 3000;
  EXPECT_EQ(ebs().ModifyVolume(kData, iops).aws_code(), "InvalidParameterCombination");
  cloud::VolumeChange grow;
  grow.size_gib = 500;
  ASSERT_TRUE(ebs().ModifyVolume(kData, grow).ok());
  EXPECT_EQ(ebs().ModifyVolume(kData, grow).aws_code(), "IncorrectModificationState");
  At(3600);  // completed, but within 6 hours of the last
  EXPECT_EQ(ebs().ModifyVolume(kData, grow).aws_code(), "VolumeModificationRateExceeded");
  At(6 * 3600 + 11);
  grow.size_gib = 600;
  EXPECT_TRUE(ebs().ModifyVolume(kData, grow).ok());
  EXPECT_EQ(ebs().ModifyVolume("vol-0feedfeedfeedfeed", grow).code(), core::Code::kNotFound);
  EXPECT_EQ(ebs().DescribeModifications({"vol-0feedfeedfeedfeed"}).status().code(),
            core::Code::kNotFound);
}

TEST_F(SimVolumesTest, TerminationDeletesTheRootAndLeavesTheDataAvailable) {
  Load();
  std::string root = ebs().DescribeVolumes(On(kOld))->front().id;
  auto member = sim_->cloud().instances.FindHosts("aws:autoscaling:groupName", "web-Asg");
  ASSERT_TRUE(member.ok());
  ASSERT_EQ(member->size(), 1u);
  auto member_volumes = ebs().DescribeVolumes(On(member->front().instance.id));
  ASSERT_EQ(member_volumes->size(), 1u);  // the image's root, as DescribeHost shows it
  EXPECT_EQ(member_volumes->front().id, member->front().devices.front().volume_id);

  ASSERT_TRUE(sim_->cloud().instances.TerminateInstances({kOld}).ok());
  At(9);
  EXPECT_EQ(AttachState(kData), "attached");
  At(10);
  for (const char* id : {kData, kDb, kSpare}) {
    EXPECT_EQ(Volume(id).state, "available") << id;
    EXPECT_FALSE(Volume(id).attachment.has_value()) << id;
  }
  EXPECT_EQ(ebs().DescribeVolumes(Ids({root})).status().code(), core::Code::kNotFound);
  EXPECT_EQ(ebs().DescribeVolumes(On(kOld))->size(), 0u);
  EXPECT_TRUE(sim_->violations().empty());  // terminated: nothing was mounted any more
}

TEST_F(SimVolumesTest, DetachingAMountedVolumeIsAViolation) {
  Load();
  At(5);
  ASSERT_TRUE(ebs().Detach(kSpare, kOld).ok());  // not mounted
  EXPECT_TRUE(sim_->violations().empty());
  ASSERT_TRUE(ebs().Detach(kData, kOld).ok());  // EBS does not check
  std::string want =
      "vol-0da7a000000000001 detached from i-0a1d0000000000001 while mounted at /var/lib/copr: "
      "data at risk";
  EXPECT_EQ(sim_->violations(), std::vector<std::string>{want});
  EXPECT_TRUE(Traced("5.000 violation " + want + "\n")) << sim_->TraceText();

  ASSERT_TRUE(sim_->cloud().instances.SetRunning(kOld, false).ok());
  At(20);
  ASSERT_TRUE(ebs().Detach(kDb, kOld).ok());  // stopped: nothing is mounted
  EXPECT_EQ(sim_->violations().size(), 1u);
}

TEST_F(SimVolumesTest, ApiFaultsApplyToVolumeCalls) {
  Load(Scenario(R"(faults:
  - {kind: api_error, service: ec2, probability: 1, code: InternalError}
)"));
  auto listed = ebs().DescribeVolumes({});
  EXPECT_EQ(listed.status().code(), core::Code::kUnavailable);
  EXPECT_EQ(listed.status().aws_code(), "InternalError");
  EXPECT_EQ(ebs().Detach(kSpare, kOld).code(), core::Code::kUnavailable);
  EXPECT_GT(Calls("ec2:DescribeVolumes"), 1);  // retried as on the wire
}

TEST_F(SimVolumesTest, SameSeedSameTrace) {
  auto run = [&] {
    Load(Scenario(R"(faults:
  - {kind: snapshot_slow, volume: all, for: 1m}
)"));
    EXPECT_TRUE(ebs().CreateSnapshot(kData, "", {}).ok());
    EXPECT_TRUE(ebs().Detach(kSpare, kOld).ok());
    At(20);
    EXPECT_TRUE(ebs().Attach(kSpare, kFresh, "/dev/sdf").ok());
    At(200);
    return sim_->TraceText();
  };
  std::string first = run();
  EXPECT_EQ(run(), first);
  EXPECT_NE(first.find("snapshot_completed"), std::string::npos);
}

}  // namespace
}  // namespace rotor::sim
