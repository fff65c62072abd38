#include "remote/disks.h"

#include <gtest/gtest.h>

namespace rotor::remote {
namespace {

// A Nitro host: the root disk, a data volume with a partition mounted twice-deep, and a data
// volume mounted whole; then a Xen-style disk with no serial.
constexpr char kLsblk[] =
    R"(NAME="/dev/nvme0n1" PKNAME="" SERIAL="vol0aaaaaaaaaaaaaaaa" MOUNTPOINT="" TYPE="disk" FSTYPE="" SIZE="8589934592"
NAME="/dev/nvme0n1p1" PKNAME="/dev/nvme0n1" SERIAL="" MOUNTPOINT="/" TYPE="part" FSTYPE="xfs" SIZE="8588886016"
NAME="/dev/nvme1n1" PKNAME="" SERIAL="vol0bbbbbbbbbbbbbbbb" MOUNTPOINT="" TYPE="disk" FSTYPE="" SIZE="107374182400"
NAME="/dev/nvme1n1p1" PKNAME="/dev/nvme1n1" SERIAL="" MOUNTPOINT="/var/lib/copr" TYPE="part" FSTYPE="LVM2_member" SIZE="107373133824"
NAME="/dev/mapper/vg-results" PKNAME="/dev/nvme1n1p1" SERIAL="" MOUNTPOINT="/var/lib/copr/public\x20html" TYPE="lvm" FSTYPE="ext4" SIZE="53687091200"
NAME="/dev/nvme2n1" PKNAME="" SERIAL="vol0cccccccccccccccc" MOUNTPOINT="/srv" TYPE="disk" FSTYPE="ext4" SIZE="214748364800"
NAME="/dev/xvdg" PKNAME="" SERIAL="" MOUNTPOINT="/old" TYPE="disk" FSTYPE="ext3" SIZE="10737418240"
)";

TEST(Disks, ParsesPairsAndEscapes) {
  auto disks = ParseDisks(kLsblk);
  ASSERT_TRUE(disks.ok()) << disks.status().message();
  ASSERT_EQ(disks->size(), 7u);
  EXPECT_EQ((*disks)[4].mountpoint, "/var/lib/copr/public html");
  EXPECT_EQ((*disks)[4].parent, "/dev/nvme1n1p1");
  EXPECT_EQ((*disks)[2].serial, "vol0bbbbbbbbbbbbbbbb");
}

TEST(Disks, FormatsWhatItReadsBack) {
  auto disks = ParseDisks(kLsblk).value();
  disks.push_back(
      Disk{"/dev/nvme3n1", "", "vol0dddddddddddddddd", "/q\"uote\\d\tx", "disk", "xfs", 1});
  std::string text = FormatDisks(disks);
  auto again = ParseDisks(text);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(*again, disks);
  // Written as lsblk writes them: the lines it gave (less the last, ours).
  EXPECT_EQ(text.substr(0, std::string(kLsblk).size()), kLsblk);
  EXPECT_NE(text.find(R"(MOUNTPOINT="/q\x22uote\x5cd\x09x")"), std::string::npos) << text;
  EXPECT_EQ(FormatDisks({}), "");
}

TEST(Disks, RefusesWhatIsNotPairs) {
  auto disks = ParseDisks("NAME=\"/dev/sda\"\nsda 8:0 0 8G 0 disk\n");
  ASSERT_FALSE(disks.ok());
  EXPECT_NE(disks.status().message().find("line 2"), std::string::npos);
}

TEST(Disks, FindsAVolumeBySerialOrDevice) {
  auto disks = ParseDisks(kLsblk).value();
  struct Row {
    const char* name;
    const char* volume;
    const char* device;
    std::vector<std::string> mounts;  // deepest first
  };
  for (const Row& row : std::vector<Row>{
           {"serial, partition and lvm below it",
            "vol-0bbbbbbbbbbbbbbbb",
            "/dev/sdf",
            {"/var/lib/copr/public html", "/var/lib/copr"}},
           {"serial, whole disk mounted", "vol-0cccccccccccccccc", "/dev/sdz", {"/srv"}},
           {"no serial: /dev/sdg is /dev/xvdg on Xen",
            "vol-0dddddddddddddddd",
            "/dev/sdg",
            {"/old"}},
           {"neither serial nor device", "vol-0eeeeeeeeeeeeeeee", "/dev/sdq", {}},
       }) {
    auto found = DisksOfVolume(disks, row.volume, row.device);
    EXPECT_EQ(MountPoints(found), row.mounts) << row.name;
    EXPECT_EQ(found.empty(), row.mounts.empty()) << row.name;
  }
}

TEST(Disks, CommandsReadBack) {
  std::string unmount = UnmountCommand({"/var/lib/copr/public html", "/var/lib/copr"});
  DiskCommand u = ParseDiskCommand(unmount);
  EXPECT_EQ(u.kind, DiskCommand::Kind::kUnmount);
  EXPECT_EQ(u.mountpoints,
            (std::vector<std::string>{"/var/lib/copr/public html", "/var/lib/copr"}));
  EXPECT_NE(unmount.find("sudo -n"), std::string::npos) << "never a password prompt";

  DiskCommand m = ParseDiskCommand(MountCommand("/dev/nvme1n1p1", "/it's here"));
  EXPECT_EQ(m.kind, DiskCommand::Kind::kMount);
  EXPECT_EQ(m.device, "/dev/nvme1n1p1");
  EXPECT_EQ(m.mountpoints, std::vector<std::string>{"/it's here"});

  EXPECT_EQ(ParseDiskCommand(ListDisksCommand()).kind, DiskCommand::Kind::kList);
  EXPECT_EQ(ParseDiskCommand("systemctl stop copr-frontend").kind, DiskCommand::Kind::kOther);
  EXPECT_EQ(ParseDiskCommand(UnmountCommand({"/a"}) + " && rm -rf /").kind,
            DiskCommand::Kind::kOther);
}

TEST(Disks, ReadsSizesAndRefusesOtherThanBytes) {
  auto disks = ParseDisks(kLsblk).value();
  EXPECT_EQ(disks[5].fstype, "ext4");
  EXPECT_EQ(disks[5].size_bytes, 200LL << 30);
  auto human = ParseDisks(R"(NAME="/dev/nvme1n1" SIZE="100G")");
  ASSERT_FALSE(human.ok()) << "lsblk without -b writes 100G";
  EXPECT_NE(human.status().message().find("SIZE \"100G\""), std::string::npos);
}

TEST(Disks, HowAFileSystemGrows) {
  struct Row {
    const char* name;
    const char* fstype;
    bool mounted;
    FsGrow want;
  };
  for (const Row& row : std::vector<Row>{
           {"ext4 in use grows in use", "ext4", true, FsGrow::kExtOnline},
           {"ext3 in use too", "ext3", true, FsGrow::kExtOnline},
           {"ext2 only offline", "ext2", true, FsGrow::kNone},
           {"ext2 unmounted: checked, then grown", "ext2", false, FsGrow::kExtOffline},
           {"ext4 unmounted: the same", "ext4", false, FsGrow::kExtOffline},
           {"xfs mounted", "xfs", true, FsGrow::kXfs},
           {"xfs grows only mounted", "xfs", false, FsGrow::kNone},
           {"btrfs mounted", "btrfs", true, FsGrow::kBtrfs},
           {"an LVM physical volume is the operator's", "LVM2_member", true, FsGrow::kNone},
           {"unknown", "", true, FsGrow::kNone},
       }) {
    EXPECT_EQ(GrowFor(row.fstype, row.mounted), row.want) << row.name;
  }
}

TEST(Disks, PartitionNumbers) {
  EXPECT_EQ(PartitionNumber("/dev/nvme1n1", "/dev/nvme1n1p1"), 1);
  EXPECT_EQ(PartitionNumber("/dev/nvme1n1", "/dev/nvme1n1p12"), 12);
  EXPECT_EQ(PartitionNumber("/dev/xvdf", "/dev/xvdf2"), 2);
  EXPECT_EQ(PartitionNumber("/dev/xvdf", "/dev/xvdf"), 0);
  EXPECT_EQ(PartitionNumber("/dev/xvdf", "/dev/mapper/vg-data"), 0);
}

TEST(Disks, GrowCommandsReadBack) {
  DiskCommand part = ParseDiskCommand(GrowPartCommand("/dev/nvme1n1", 1));
  EXPECT_EQ(part.kind, DiskCommand::Kind::kGrowPart);
  EXPECT_EQ(part.device, "/dev/nvme1n1");
  EXPECT_EQ(part.partition, 1);
  DiskCommand check = ParseDiskCommand(CheckFsCommand("/dev/nvme1n1p1"));
  EXPECT_EQ(check.kind, DiskCommand::Kind::kCheckFs);
  EXPECT_EQ(check.device, "/dev/nvme1n1p1");
  DiskCommand ext = ParseDiskCommand(GrowFsCommand(FsGrow::kExtOnline, "/dev/nvme1n1p1", "/d"));
  EXPECT_EQ(ext.kind, DiskCommand::Kind::kGrowFs);
  EXPECT_EQ(ext.device, "/dev/nvme1n1p1");
  EXPECT_TRUE(ext.mountpoints.empty()) << "resize2fs takes the device";
  for (FsGrow grow : {FsGrow::kXfs, FsGrow::kBtrfs}) {
    std::string command = GrowFsCommand(grow, "/dev/nvme2n1", "/srv/my data");
    DiskCommand fs = ParseDiskCommand(command);
    EXPECT_EQ(fs.kind, DiskCommand::Kind::kGrowFs) << command;
    EXPECT_EQ(fs.mountpoints, std::vector<std::string>{"/srv/my data"}) << command;
    EXPECT_NE(command.find("sudo -n"), std::string::npos) << command;
  }
  EXPECT_EQ(ParseDiskCommand(GrowPartCommand("/dev/nvme1n1", 1) + " && rm -rf /").kind,
            DiskCommand::Kind::kOther);
}

TEST(Disks, ShellWords) {
  EXPECT_EQ(ShellWord("/var/lib/copr"), "/var/lib/copr");
  EXPECT_EQ(ShellWord("a b"), "'a b'");
  EXPECT_EQ(ShellWord("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellWord(""), "''");
}

}  // namespace
}  // namespace rotor::remote
