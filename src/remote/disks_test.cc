#include "remote/disks.h"

#include <gtest/gtest.h>

namespace rotor::remote {
namespace {

// A Nitro host: the root disk, a data volume with a partition mounted twice-deep, and a data
// volume mounted whole; then a Xen-style disk with no serial.
constexpr char kLsblk[] =
    R"(NAME="/dev/nvme0n1" PKNAME="" SERIAL="vol0aaaaaaaaaaaaaaaa" MOUNTPOINT="" TYPE="disk"
NAME="/dev/nvme0n1p1" PKNAME="/dev/nvme0n1" SERIAL="" MOUNTPOINT="/" TYPE="part"
NAME="/dev/nvme1n1" PKNAME="" SERIAL="vol0bbbbbbbbbbbbbbbb" MOUNTPOINT="" TYPE="disk"
NAME="/dev/nvme1n1p1" PKNAME="/dev/nvme1n1" SERIAL="" MOUNTPOINT="/var/lib/copr" TYPE="part"
NAME="/dev/mapper/vg-results" PKNAME="/dev/nvme1n1p1" SERIAL="" MOUNTPOINT="/var/lib/copr/public\x20html" TYPE="lvm"
NAME="/dev/nvme2n1" PKNAME="" SERIAL="vol0cccccccccccccccc" MOUNTPOINT="/srv" TYPE="disk"
NAME="/dev/xvdg" PKNAME="" SERIAL="" MOUNTPOINT="/old" TYPE="disk"
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
  disks.push_back(Disk{"/dev/nvme3n1", "", "vol0dddddddddddddddd", "/q\"uote\\d\tx", "disk"});
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

TEST(Disks, ShellWords) {
  EXPECT_EQ(ShellWord("/var/lib/copr"), "/var/lib/copr");
  EXPECT_EQ(ShellWord("a b"), "'a b'");
  EXPECT_EQ(ShellWord("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellWord(""), "''");
}

}  // namespace
}  // namespace rotor::remote
