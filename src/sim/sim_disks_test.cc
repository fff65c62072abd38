// Disks on simulated hosts (issue 13): what the OS lists, unmount and mount, what stop and start
// do to mounts; and examples/persistent-host.yaml.
#include <gtest/gtest.h>

#include <functional>

#include "sim/sim_cloud.h"

namespace rotor::sim {
namespace {

using namespace std::chrono_literals;

constexpr char kScenario[] = R"(seed: 1
region: us-east-1
start: 2026-11-30T09:00:00Z
images:
  - {id: ami-1, name: fedora-41, created: 2026-11-01T00:00:00Z}
hosts:
  - name: old
    image: ami-1
    zone: us-east-1c
    volumes:
      - {device: /dev/sdf, id: vol-0da7a000000000001, size: 160, encrypted: true,
         mount: /var/lib/copr, tags: {app: copr}}
      - {device: /dev/sdg, id: vol-0db00000000000001, size: 10, mount: /var/lib/pgsql, fs: xfs}
      - {device: /dev/sdh, id: vol-0e5c0000000000001, size: 5}
  - {name: fresh, image: ami-1, zone: us-east-1c}
timing:
  api_latency: 0s
  shutdown: 10s
  launch_to_running: 20s
  ssh_ready: 25s
)";

class SimDisksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = ParseScenario(kScenario, "disks.yaml");
    ASSERT_TRUE(s.ok()) << s.status().message();
    sim_ = std::make_unique<SimCloud>(*s);
    old_ = Host("old");
    fresh_ = Host("fresh");
  }
  cloud::Host Host(const std::string& name) {
    auto h = sim_->cloud().instances.DescribeHost(name);
    EXPECT_TRUE(h.ok()) << h.status().message();
    return h.ok() ? *h : cloud::Host{};
  }
  void At(int seconds) { sim_->clock().SleepUntil(sim_->start() + std::chrono::seconds(seconds)); }
  // Mount point by disk name, of what the host lists now.
  std::map<std::string, std::string> Mounts(const cloud::Host& h) {
    auto disks = sim_->HostDisks(h.instance.private_ip);
    EXPECT_TRUE(disks.ok()) << disks.status().message();
    std::map<std::string, std::string> out;
    for (const HostDisk& d : disks.ok() ? *disks : std::vector<HostDisk>{}) {
      out[d.name] = d.mountpoint;
    }
    return out;
  }
  std::unique_ptr<SimCloud> sim_;
  cloud::Host old_, fresh_;
};

TEST_F(SimDisksTest, ListsTheAttachedVolumesNitroStyle) {
  auto disks = sim_->HostDisks(old_.instance.private_ip);
  ASSERT_TRUE(disks.ok()) << disks.status().message();
  std::string root = old_.devices.front().volume_id;
  std::vector<HostDisk> want = {
      {"/dev/nvme0n1", "", "vol" + root.substr(4), "", "disk", "", 8LL << 30, 0},
      {"/dev/nvme0n1p1", "/dev/nvme0n1", "", "/", "part", "xfs", (8LL << 30) - (1 << 20), 8},
      {"/dev/nvme1n1", "", "vol0da7a000000000001", "/var/lib/copr", "disk", "ext4", 160LL << 30,
       160},
      {"/dev/nvme2n1", "", "vol0db00000000000001", "/var/lib/pgsql", "disk", "xfs", 10LL << 30, 10},
      {"/dev/nvme3n1", "", "vol0e5c0000000000001", "", "disk", "ext4", 5LL << 30, 5},
  };
  EXPECT_EQ(*disks, want);
  EXPECT_EQ(sim_->HostDisks("203.0.113.99").status().code(), core::Code::kUnavailable);
}

TEST_F(SimDisksTest, UnmountsAndMounts) {
  const std::string ip = old_.instance.private_ip;
  struct Row {
    const char* name;
    bool mount;
    const char* device;
    const char* where;
    const char* refusal;  // "" : done
  };
  const Row rows[] = {
      {"unmount", false, "", "/var/lib/copr", ""},
      {"unmount again", false, "", "/var/lib/copr", "umount: /var/lib/copr: not mounted."},
      {"unmount the root", false, "", "/", "umount: /: target is busy."},
      {"mount a disk that is not there", true, "/dev/nvme9n1", "/x",
       "mount: /x: special device /dev/nvme9n1 does not exist."},
      {"mount by EC2's device name", true, "/dev/sdf", "/x",
       "mount: /x: special device /dev/sdf does not exist."},
      {"mount the root's partition", true, "/dev/nvme0n1p1", "/x",
       "mount: /x: /dev/nvme0n1p1 already mounted on /."},
      {"mount one already mounted", true, "/dev/nvme2n1", "/x",
       "mount: /x: /dev/nvme2n1 already mounted on /var/lib/pgsql."},
      {"mount where another is", true, "/dev/nvme3n1", "/var/lib/pgsql",
       "mount: /var/lib/pgsql: /dev/nvme2n1 already mounted on /var/lib/pgsql."},
      {"mount back", true, "/dev/nvme1n1", "/var/lib/copr", ""},
      {"mount one not in the fstab", true, "/dev/nvme3n1", "/srv", ""},
  };
  for (const Row& r : rows) {
    core::Status s = r.mount ? sim_->Mount(ip, r.device, r.where) : sim_->Unmount(ip, r.where);
    EXPECT_EQ(s.ok(), *r.refusal == 0) << r.name << ": " << s.message();
    if (!s.ok()) {
      EXPECT_EQ(s.code(), core::Code::kFailedPrecondition) << r.name;
    }
    EXPECT_EQ(s.message(), r.refusal) << r.name;
  }
  EXPECT_EQ(Mounts(old_)["/dev/nvme1n1"], "/var/lib/copr");
  EXPECT_EQ(Mounts(old_)["/dev/nvme3n1"], "/srv");
  std::string trace = sim_->TraceText();
  EXPECT_NE(trace.find("unmount vol-0da7a000000000001 at /var/lib/copr on " + old_.instance.id),
            std::string::npos)
      << trace;
  EXPECT_NE(trace.find("mount vol-0e5c0000000000001 at /srv on " + old_.instance.id),
            std::string::npos);
}

TEST_F(SimDisksTest, StopUnmountsAndStartMountsTheFstabVolumesStillAttached) {
  ASSERT_TRUE(sim_->Mount(old_.instance.private_ip, "/dev/nvme3n1", "/srv").ok());
  ASSERT_TRUE(sim_->cloud().instances.SetRunning(old_.instance.id, false).ok());
  EXPECT_EQ(sim_->HostDisks(old_.instance.private_ip).status().code(), core::Code::kUnavailable);
  At(10);
  // Stopped, nothing mounted: detaching is safe now.
  ASSERT_TRUE(sim_->cloud().volumes.Detach("vol-0db00000000000001", old_.instance.id).ok());
  EXPECT_TRUE(sim_->violations().empty());
  At(20);
  ASSERT_TRUE(sim_->cloud().instances.SetRunning(old_.instance.id, true).ok());
  std::string ip = Host("old").instance.private_ip;
  At(65);  // running at 40 s, sshd at 65 s
  std::map<std::string, std::string> want = {{"/dev/nvme0n1", ""},
                                             {"/dev/nvme0n1p1", "/"},
                                             {"/dev/nvme1n1", "/var/lib/copr"},
                                             {"/dev/nvme3n1", ""}};  // /srv: not in the fstab
  EXPECT_EQ(Mounts(Host("old")), want);
  EXPECT_NE(sim_->TraceText().find("unmount vol-0e5c0000000000001 at /srv on " + old_.instance.id +
                                   " (shutdown)"),
            std::string::npos);
  EXPECT_NE(sim_->TraceText().find("40.000 mount vol-0da7a000000000001 at /var/lib/copr on " +
                                   old_.instance.id + " (fstab)"),
            std::string::npos)
      << sim_->TraceText();
}

TEST_F(SimDisksTest, AVolumeAttachedLaterIsNotMountedUntilMounted) {
  cloud::Volumes& ebs = sim_->cloud().volumes;
  ASSERT_TRUE(ebs.Detach("vol-0e5c0000000000001", old_.instance.id).ok());
  At(10);
  EXPECT_EQ(Mounts(old_).count("/dev/nvme3n1"), 0u);
  ASSERT_TRUE(ebs.Attach("vol-0e5c0000000000001", fresh_.instance.id, "/dev/sdf").ok());
  EXPECT_EQ(Mounts(fresh_).count("/dev/nvme1n1"), 0u);  // attaching: the OS has no disk yet
  At(15);
  auto disks = sim_->HostDisks(fresh_.instance.private_ip);
  ASSERT_TRUE(disks.ok());
  ASSERT_EQ(disks->size(), 3u);
  EXPECT_EQ(disks->back(), (HostDisk{"/dev/nvme1n1", "", "vol0e5c0000000000001", "", "disk", "ext4",
                                     5LL << 30, 5}));
  ASSERT_TRUE(sim_->Mount(fresh_.instance.private_ip, "/dev/nvme1n1", "/srv").ok());
  EXPECT_EQ(Mounts(fresh_)["/dev/nvme1n1"], "/srv");
}

// A volume grown in place: the OS sees the new size once the change is optimizing; the file
// system keeps its size until the host grows it, the way its type allows.
TEST_F(SimDisksTest, AGrownVolumeShowsItsSizeAndItsFileSystemGrowsWhenAsked) {
  const std::string ip = old_.instance.private_ip;
  auto disk = [&](const std::string& name) {
    for (const HostDisk& d : sim_->HostDisks(ip).value()) {
      if (d.name == name) return d;
    }
    return HostDisk{};
  };
  ASSERT_TRUE(sim_->cloud().volumes.ModifyVolume("vol-0db00000000000001", {20, "", 0}).ok());
  ASSERT_TRUE(sim_->cloud().volumes.ModifyVolume("vol-0e5c0000000000001", {9, "", 0}).ok());
  At(10);  // modifying (30 s): the OS sees the old size; growing changes nothing
  EXPECT_EQ(disk("/dev/nvme2n1").size_bytes, 10LL << 30);
  EXPECT_EQ(sim_->GrowFs(ip, "", "/var/lib/pgsql")->output,
            "The filesystem is already as large as it can be.\n");
  At(31);
  EXPECT_EQ(disk("/dev/nvme2n1").size_bytes, 20LL << 30);
  EXPECT_EQ(disk("/dev/nvme2n1").fs_gib, 10);
  struct Row {
    const char* name;
    std::function<core::Result<DiskAnswer>()> run;
    int exit_status;
  };
  for (const Row& row : std::vector<Row>{
           {"xfs grows by its mount point, not its device",
            [&] { return sim_->GrowFs(ip, "/dev/nvme2n1", ""); }, 1},
           {"a data volume has no partition to grow",
            [&] { return sim_->GrowPart(ip, "/dev/nvme2n1", 1); }, 2},
           {"the root's partition fills its disk",
            [&] { return sim_->GrowPart(ip, "/dev/nvme0n1", 1); }, 1},
           {"e2fsck refuses a mounted file system",
            [&] { return sim_->CheckFs(ip, "/dev/nvme1n1"); }, 8},
           {"e2fsck checks one that is not", [&] { return sim_->CheckFs(ip, "/dev/nvme3n1"); }, 0},
           {"resize2fs grows it offline", [&] { return sim_->GrowFs(ip, "/dev/nvme3n1", ""); }, 0},
           {"xfs_growfs grows it", [&] { return sim_->GrowFs(ip, "", "/var/lib/pgsql"); }, 0},
       }) {
    auto a = row.run();
    ASSERT_TRUE(a.ok()) << row.name;
    EXPECT_EQ(a->exit_status, row.exit_status) << row.name << ": " << a->error;
  }
  EXPECT_EQ(disk("/dev/nvme2n1").fs_gib, 20);
  EXPECT_EQ(disk("/dev/nvme3n1").fs_gib, 9);
  EXPECT_NE(sim_->TraceText().find("grow_fs vol-0db00000000000001 on " + old_.instance.id +
                                   " from 10 to 20 GiB"),
            std::string::npos);
}

TEST(PersistentHostExample, LoadsAndShowsTheCoprFrontend) {
  auto s = LoadScenario(std::string(ROTOR_SOURCE_DIR) + "/examples/persistent-host.yaml");
  ASSERT_TRUE(s.ok()) << s.status().message();
  SimCloud sim(*s);
  auto h = sim.cloud().instances.DescribeHost("copr-fe-dev");
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->instance.instance_type, "t3.medium");
  EXPECT_EQ(h->instance.zone, "us-east-1c");
  EXPECT_EQ(h->instance.tags.at("app"), "copr");
  EXPECT_TRUE(h->termination_protection);
  EXPECT_EQ(h->instance.public_ip, "203.0.113.50");
  ASSERT_EQ(h->instance.ipv6_addresses.size(), 1u);
  ASSERT_EQ(h->devices.size(), 3u);
  EXPECT_EQ(h->devices[0].size_gib, 20);
  EXPECT_EQ(h->devices[1].size_gib, 160);
  EXPECT_TRUE(h->devices[1].encrypted);
  EXPECT_EQ(h->devices[2].device, "/dev/sdg");
  auto disks = sim.HostDisks(h->instance.private_ip);
  ASSERT_TRUE(disks.ok()) << disks.status().message();
  std::vector<std::string> mounts;
  for (const HostDisk& d : *disks) mounts.push_back(d.mountpoint);
  EXPECT_EQ(mounts, (std::vector<std::string>{"", "/", "/var/lib/copr", "/var/lib/pgsql"}));
  auto zones = sim.cloud().dns.ListZones();
  ASSERT_TRUE(zones.ok());
  auto records = sim.cloud().dns.ListRecords(zones->front().id);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ(records->at(0).values, std::vector<std::string>{"203.0.113.50"});
  EXPECT_EQ(records->at(1).values, h->instance.ipv6_addresses);
  EXPECT_EQ(sim.HostCommand(h->instance.private_ip, "sudo systemctl stop httpd").duration, 6s);
  auto images =
      sim.cloud().images.DescribeImages({"ami-0fe41c10dba5e0001", "ami-0fe42c10dba5e0001"});
  ASSERT_TRUE(images.ok()) << images.status().message();
  EXPECT_EQ(images->size(), 2u);
}

}  // namespace
}  // namespace rotor::sim
