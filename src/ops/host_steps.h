// The steps every job that moves a host's role to a new instance shares (redeploy-bastion,
// replace-instance): launch one like the old, wait for a port, move an elastic IP, repoint
// Route 53 records, stop or terminate the old one. Each looks at the cloud afresh: the new
// instance is found again by the operation's tag (or however the job says), so a resumed run
// never repeats a step blindly. Waits sleep on the injected clock, the leases kept.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "remote/disks.h"
#include "remote/ssh.h"
#include "runbook/step.h"

namespace rotor::ops {

// The pause before looking again while waiting on AWS or a host: every second for the first
// 5 s, then every 5 s. Many waits in a runbook end within seconds (an attachment, a port): looking
// every second sees them up to 4 s sooner than a steady 5 s (in the outage, off the outage), and
// a longer wait no later, for at most four calls more per wait. One per wait.
class Backoff {
 public:
  core::Duration Next();

 private:
  int looks_ = 0;
};

// How long to sleep between looks at what has been pending for `waited` and may take minutes or
// hours (a snapshot, a volume change): a fifth of that, between 15 s and 1 min.
core::Duration SnapshotPoll(core::Duration waited);

inline constexpr auto kDiskTimeout = std::chrono::minutes(2);     // lsblk, umount, mount
inline constexpr auto kVolumeTimeout = std::chrono::minutes(10);  // a detach or an attach
inline constexpr auto kDeviceTimeout = std::chrono::minutes(2);   // an attached disk to show

// A file system on a data volume, as a host had it mounted.
struct VolumeMount {
  std::string node;        // relative to the volume's disk: "" the disk itself, "p1" or "1" a
                           // partition (so /dev/nvme1n1p1 on the old host, /dev/nvme3n1p1 on
                           // the new one)
  std::string mountpoint;  // "/var/lib/copr"
};

// One data volume that moves (replace-instance: to the new host, at the same device name;
// restore --replace: off its host, another taking its device).
struct MovedVolume {
  cloud::Volume volume;             // as the plan found it (attached to the old host)
  std::string device;               // "/dev/sdf"
  std::vector<VolumeMount> mounts;  // deepest first; empty with --unmount none
};

// What the steps of one operation share: the cloud, the clock, the runner, the old host.
class HostMove {
 public:
  // REQUIRES: the references outlive this. `keep_lease` (may be empty) renews the operation's
  // leases; called at every poll of a long wait.
  HostMove(cloud::Cloud& cloud, core::Clock& clock, remote::Runner& runner,
           std::string operation_id, cloud::Host old, std::function<core::Status()> keep_lease);
  virtual ~HostMove() = default;

  // The new instance, once there is one: by default the instance other than the old one that
  // carries rotor:operation = the operation's id.
  virtual core::Result<std::optional<cloud::Host>> NewHost();
  // NewHost, a missing one a step failure.
  core::Result<cloud::Host> RequireNew();

  // Sleeps the wait's next interval, the leases kept (a lost one stops the step: kBlocked).
  core::Status Pause(Backoff& wait);
  // Sleeps `d`, the leases kept first.
  core::Status SleepFor(core::Duration d);
  // Waits (at most 10 minutes) until the instance's EC2 state is one of `states`.
  core::Result<cloud::Host> WaitState(const std::string& id,
                                      const std::vector<std::string>& states);
  // The host's keys from its console, pinned under its own addresses and `also` (elastic IPs
  // moving to it); nothing when EC2 shows none yet.
  core::Status PinKeys(const cloud::Host& host, const std::vector<std::string>& also);

  // A volume as EBS shows it now; a step failure when it no longer exists.
  core::Result<cloud::Volume> Volume(const std::string& id);
  // Waits (at most kVolumeTimeout) until the volume is attached to `instance` ("": until it is
  // available), the leases kept; a step failure saying what it is still doing.
  core::Status WaitVolume(const std::string& id, const std::string& instance);
  // The host's disks, from lsblk; a step failure when lsblk fails.
  core::Result<std::vector<remote::Disk>> Disks(const remote::SshTarget& target);
  // Runs a disk command (umount, mount) on `target`; a step failure saying `what` failed.
  core::Status RunDisk(const remote::SshTarget& target, const std::string& command,
                       const std::string& what);
  // The end of a command's output (stderr, else stdout), for a message.
  static std::string Tail(const remote::CommandResult& r);

  const std::string& old_id() const { return old.instance.id; }

  cloud::Cloud& cloud;
  core::Clock& clock;
  remote::Runner& runner;
  const std::string operation_id;
  const cloud::Host old;  // as the plan found it

 private:
  std::function<core::Status()> keep_lease_;
};

// A step failure (not a retryable error): the runbook's on-failure applies.
core::Status StepFailed(std::string why);

// The disks of volume `m` among a host's (the whole disk first; empty when it does not show).
std::vector<remote::Disk> DisksOf(const std::vector<remote::Disk>& disks, const MovedVolume& m);
// The mount points of `m` that are mounted among `disks`, deepest first.
std::vector<std::string> StillMounted(const std::vector<remote::Disk>& disks, const MovedVolume& m);
// Mounts `m`'s file systems on `target`, where the volume is attached, parents first; those
// already mounted are left alone. A step failure when the volume does not show there.
core::Status MountOn(HostMove& move, const remote::SshTarget& target, const MovedVolume& m);

// Which address of an instance rotor reaches it by (--ssh-address).
enum class AddressKind { kPrivate, kPublic, kIpv6 };
core::Result<AddressKind> ParseAddressKind(const std::string& text);  // "private|public|ipv6"
const char* AddressKindName(AddressKind kind);
std::string AddressOf(const cloud::Host& host, AddressKind kind);  // "" when it has none

// What happens to the new instance when its launch is undone.
enum class LaunchUndo {
  kTerminate,  // it held nothing yet: it goes (its termination protection off first)
  kStopKeep,   // stopped, tagged rotor:rolled-back, kept for a person to look at
};

// Launches `launch` (its user data read again from the old host: never journaled); done once
// the new instance is listed.
std::unique_ptr<runbook::Step> LaunchLikeStep(std::shared_ptr<HostMove> move,
                                              cloud::LaunchLike launch, LaunchUndo undo);

// Waits until `port` on the new instance accepts connections (at most `timeout`): on its own
// address of `kind`, or through `via` (an elastic IP) when not empty. Reached on its own
// address, its console's keys are pinned under it and `pin_also`.
struct PortWait {
  int port = 22;
  AddressKind kind = AddressKind::kPrivate;
  std::string via;
  std::vector<std::string> pin_also;
  core::Duration timeout = std::chrono::minutes(10);
};
std::unique_ptr<runbook::Step> WaitPortStep(std::shared_ptr<HostMove> move, PortWait wait);

// Moves an elastic IP from the old instance to the new one (reassociation allowed); undo moves
// it back.
std::unique_ptr<runbook::Step> MoveAddressStep(std::shared_ptr<HostMove> move,
                                               cloud::ElasticIp eip);

// UPSERTs `records` (as the plan found them) so that each value naming an address of the old
// instance other than its elastic IPs (`eips`) names the new instance's address of the same
// kind (private, public, IPv6 in order), then waits until in sync; undo writes the old values
// back.
std::unique_ptr<runbook::Step> UpdateRecordsStep(std::shared_ptr<HostMove> move,
                                                 std::vector<cloud::DnsRecord> records,
                                                 std::vector<std::string> eips);

// Stops the old instance (kept, termination protection as it was), renamed `rename_to` first
// unless that is empty; undo renames it back and starts it.
std::unique_ptr<runbook::Step> StopOldStep(std::shared_ptr<HostMove> move, std::string rename_to);

// Terminates the old instance, its termination protection off first. Irreversible.
std::unique_ptr<runbook::Step> TerminateOldStep(std::shared_ptr<HostMove> move);

}  // namespace rotor::ops
