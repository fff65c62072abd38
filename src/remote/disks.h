// The block devices of a host as lsblk lists them, and the commands rotor runs on a host to
// find, unmount and mount the file systems of EBS volumes (replace-instance --unmount auto).
// This file owns the format both ways: the runbook writes these commands and reads lsblk's
// answer; the simulator reads the commands back (ParseDiskCommand) to act them out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace rotor::remote {

// One line of `lsblk -P -p -b -o NAME,PKNAME,SERIAL,MOUNTPOINT,TYPE,FSTYPE,SIZE` (columns every
// util-linux since 2.19 knows, so Amazon Linux 2's lsblk answers too).
struct Disk {
  std::string name;        // "/dev/nvme1n1", "/dev/nvme1n1p1", "/dev/xvdf"
  std::string parent;      // the disk a partition is on ("" for a disk)
  std::string serial;      // Nitro EBS: the volume id without its dash ("vol0abc...")
  std::string mountpoint;  // "" when not mounted
  std::string type;        // disk | part | lvm | ...
  std::string fstype;      // what it holds: ext4 | xfs | btrfs | LVM2_member | ... ("" unknown)
  std::int64_t size_bytes = 0;  // the block device's size as the kernel sees it now
  bool operator==(const Disk&) const = default;
};

// The command that lists a host's block devices (no privileges needed).
std::string ListDisksCommand();

// lsblk's -P output. kInvalidArgument for a line that is not KEY="VALUE" pairs (quoting with
// \xHH escapes decoded).
core::Result<std::vector<Disk>> ParseDisks(const std::string& output);

// `disks` as lsblk -P writes them, one line each (NAME, PKNAME, SERIAL, MOUNTPOINT, TYPE, FSTYPE,
// SIZE), with
// space, '"', '\' and every byte that is not printable ASCII written \xHH: what ParseDisks
// reads back.
std::string FormatDisks(const std::vector<Disk>& disks);

// The disks holding the EBS volume `volume_id`, attached at `device` ("/dev/sdf"): its whole
// disk, found by serial (Nitro: "vol0abc..." for vol-0abc...) or by device name (Xen: /dev/sdf
// appears as /dev/sdf or /dev/xvdf), then its partitions. Empty when the host shows neither.
std::vector<Disk> DisksOfVolume(const std::vector<Disk>& disks, const std::string& volume_id,
                                const std::string& device);

// The mount points among `disks`, deepest first (so /data/a is unmounted before /data).
std::vector<std::string> MountPoints(const std::vector<Disk>& disks);

// Unmounts each mount point in order, then flushes with sync; root's own or through `sudo -n`
// (never a password prompt). REQUIRES: `mountpoints` not empty.
std::string UnmountCommand(const std::vector<std::string>& mountpoints);

// Mounts `device` at `mountpoint` (made first when missing).
std::string MountCommand(const std::string& device, const std::string& mountpoint);

// Writes `paths` (absolute) as a tar stream on stdout, owners and modes kept; and reads such a
// stream back onto `/`. REQUIRES: every path absolute.
std::string TarOutCommand(const std::vector<std::string>& paths);
std::string TarInCommand();

// Growing a file system to fill its (grown) volume, in up to three commands run in order:
// the partition grown to the end of its disk (cloud-utils' growpart: exit 0 grown, 1 with
// "NOCHANGE" when it fills the disk already, else failed); for an ext file system that is not
// mounted, a forced check (e2fsck -f -p: exit 0 or 1 is clean, as resize2fs requires); then the
// file system grown (resize2fs DEVICE; xfs_growfs MOUNTPOINT; btrfs filesystem resize max
// MOUNTPOINT). Every command is idempotent: run again it changes nothing.
enum class FsGrow {
  kNone,        // nothing rotor can grow (or --grow none)
  kExtOnline,   // ext3/ext4 mounted: resize2fs while in use
  kExtOffline,  // ext2/3/4 not mounted: e2fsck -f, then resize2fs
  kXfs,         // xfs, mounted (xfs grows only mounted)
  kBtrfs,       // btrfs, mounted
};
// How `fstype` grows, mounted or not; kNone when rotor cannot grow it that way (ext2 mounted,
// xfs or btrfs not mounted, LVM, LUKS, swap, an unknown type).
FsGrow GrowFor(const std::string& fstype, bool mounted);
// The partition number of `partition` on `disk` ("/dev/nvme1n1p1" on "/dev/nvme1n1": 1; 0 when
// it is not one).
int PartitionNumber(const std::string& disk, const std::string& partition);
std::string GrowPartCommand(const std::string& disk, int partition);
std::string CheckFsCommand(const std::string& device);
// REQUIRES: grow is not kNone; `mountpoint` given for kXfs and kBtrfs.
std::string GrowFsCommand(FsGrow grow, const std::string& device, const std::string& mountpoint);

// A command of this file read back: what the simulator acts out.
struct DiskCommand {
  enum class Kind { kOther, kList, kUnmount, kMount, kGrowPart, kCheckFs, kGrowFs };
  Kind kind = Kind::kOther;
  std::vector<std::string> mountpoints;  // kUnmount: in order; kMount, kGrowFs (xfs, btrfs): one
  std::string device;  // kMount; kGrowPart: the disk; kCheckFs, kGrowFs (ext): the file system's
  int partition = 0;   // kGrowPart
};
DiskCommand ParseDiskCommand(const std::string& command);

// `text` as one word for a POSIX shell: 'single quoted' when it needs it.
std::string ShellWord(const std::string& text);

}  // namespace rotor::remote
