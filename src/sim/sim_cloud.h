// SimCloud: a deterministic discrete-event simulation of EC2, Auto Scaling, load balancers and
// their health checks, and CloudFormation stacks, behind the same cloud interfaces as AwsCloud
// (DESIGN.md sections 2 and 6). One shared world (sim/world.h: clock, queue, rngs, API gate)
// and one simulated service per capability, handed out as one cloud::Cloud bundle. Time is
// virtual: rotor sleeps on clock(), which runs events. Not thread-safe; not copyable or movable
// (the bundle refers to its services).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "cloud/pacer.h"
#include "core/clock.h"
#include "sim/scenario.h"
#include "sim/sim_addresses.h"
#include "sim/sim_changes.h"
#include "sim/sim_dns.h"
#include "sim/sim_groups.h"
#include "sim/sim_images.h"
#include "sim/sim_instances.h"
#include "sim/sim_launch_specs.h"
#include "sim/sim_stacks.h"
#include "sim/sim_volumes.h"
#include "sim/trace.h"

namespace rotor::sim {

class World;

// What running a command over ssh on a simulated host does (SimCloud::HostCommand).
struct RemoteAnswer {
  bool reachable = false;  // false: ssh cannot connect, for `why`
  std::string why;
  core::Duration duration{0};  // how long the command runs
  int exit_status = 0;
  std::string output;
};

// One block device of a simulated host as its OS lists it (lsblk's NAME, PKNAME, SERIAL,
// MOUNTPOINT, TYPE, FSTYPE and SIZE), and the size of the file system on it.
struct HostDisk {
  std::string name;        // "/dev/nvme1n1", "/dev/nvme0n1p1"
  std::string parent;      // the disk a partition is on ("" for a disk)
  std::string serial;      // the EBS volume's id without its dash ("" for a partition)
  std::string mountpoint;  // "" when not mounted
  std::string type;        // disk | part
  std::string fstype;      // "" for the root disk (its file system is on p1) and an empty volume
  std::int64_t size_bytes = 0;  // the volume's size as the OS sees it (the new one once optimizing)
  int fs_gib = 0;               // the file system's size (0: none)
  bool operator==(const HostDisk&) const = default;
};

// What a disk command did on a simulated host: its exit status and output, as the tool's.
struct DiskAnswer {
  int exit_status = 0;
  std::string output, error;
};

class SimCloud final : public cloud::Backend {
 public:
  // REQUIRES: `scenario` came from LoadScenario / ParseScenario (validated).
  explicit SimCloud(const Scenario& scenario);
  ~SimCloud() override;
  SimCloud(const SimCloud&) = delete;
  SimCloud& operator=(const SimCloud&) = delete;

  // Every capability, each a simulated service on the one world; valid as long as this lives.
  cloud::Cloud& cloud() override { return cloud_; }

  // The virtual clock every caller must sleep on.
  core::Clock& clock();
  core::Time start() const;

  // Every group as it is now, without API calls or latency: for invariant checks and tests.
  std::vector<cloud::Group> Peek() const;
  // Whether the application on the instance with this private address answers now (running,
  // booted, not failed, its zone up): what a custom probe from rotor's machine would see.
  bool AppAnswers(const std::string& address) const;
  // Remote work, without API calls (rotor reaches hosts itself): `address` is an instance's
  // private, public, elastic or IPv6 address. HostCommand: what running `command` over ssh does
  // if started now — unreachable unless the instance is running, its zone up, sshd up
  // (`timing.ssh_ready` after running) and port 22 not closed by a port_closed fault; else the
  // first `commands:` entry matching the command and host (default: exit 0 after
  // `timing.command`), a matching command_failure fault overriding its exit status and output.
  RemoteAnswer HostCommand(const std::string& address, const std::string& command);
  // What running `command` on this machine does (--prepare, --after): the first `commands:`
  // entry with `host: local` matching it (default: exit 0 at once), a command_failure fault
  // with `host: local` overriding its exit status and output. Always reachable.
  RemoteAnswer LocalCommand(const std::string& command);
  // Ok when a TCP connection to `port` would be accepted now: the instance running, its zone up,
  // no port_closed fault covering it, and for port 22 sshd up, for any other port its
  // application answering (as AppAnswers). kUnavailable with the reason otherwise.
  core::Status PortAnswers(const std::string& address, int port) const;
  // Disks on a host, without API calls (sim_disks.cc), for acting out remote commands. Each
  // answers kUnavailable, as HostCommand would, when the host does not answer on port 22.
  // HostDisks: its block devices now, Nitro-style: the root volume /dev/nvme0n1 with its
  // partition /dev/nvme0n1p1 mounted at /, then each attached data volume /dev/nvmeNn1 (its
  // serial the volume id without the dash), mounted whole where the host has it mounted; in
  // NVMe order. A volume with a `mount:` is mounted from the start (it is in the host's fstab);
  // a stopped instance has nothing mounted, a started one mounts its fstab volumes that are
  // attached; a volume attached later is not mounted until Mount.
  core::Result<std::vector<HostDisk>> HostDisks(const std::string& address) const;
  // Unmounts the file system at `mountpoint`. kFailedPrecondition with umount's message when
  // nothing is mounted there ("umount: /x: not mounted."), another file system is mounted
  // inside it, or it is the root ("umount: /x: target is busy.").
  core::Status Unmount(const std::string& address, const std::string& mountpoint);
  // Mounts the disk `device` (a name HostDisks lists) at `mountpoint`. kFailedPrecondition
  // with mount's message when there is no such disk, it is mounted already, or something else
  // is mounted there.
  core::Status Mount(const std::string& address, const std::string& device,
                     const std::string& mountpoint);
  // Growing a file system (remote/disks.h's commands), each as its tool answers. GrowPart:
  // growpart DISK N (the data volumes hold no partitions: "partition N does not exist", exit 2;
  // the root's p1 fills its disk: "NOCHANGE", exit 1). CheckFs: e2fsck -f -p on an ext file
  // system that is not mounted (exit 0; 8 when it is mounted or not ext). GrowFs: resize2fs
  // DEVICE (ext3/4 mounted or any ext not mounted) or xfs_growfs / btrfs resize at MOUNTPOINT
  // (mounted): the file system then fills the volume as the OS sees it; refused (exit 1) for a
  // file system of another type or state.
  core::Result<DiskAnswer> GrowPart(const std::string& address, const std::string& disk,
                                    int partition);
  core::Result<DiskAnswer> CheckFs(const std::string& address, const std::string& device);
  core::Result<DiskAnswer> GrowFs(const std::string& address, const std::string& device,
                                  const std::string& mountpoint);
  // An instance's EC2 state now ("" if unknown), without API calls.
  std::string PeekState(const std::string& instance_id) const;
  // Invariant violations found by whoever watches the simulation (reported by simulate), and
  // those the world finds itself (a volume detached while mounted, also traced).
  void AddViolation(std::string v);
  const std::vector<std::string>& violations() const;

  // The run's ceiling on requests per second per service (--max-rps): every call, and every
  // retry of one, waits its turn as AwsClient does on the real wire (I9). Default 10; <= 0:
  // none.
  void SetRequestCeiling(double ceiling);
  double request_ceiling() const;

  // Accounting and results.
  const std::map<std::string, int>& api_calls() const;
  // Every request sent (retries included), with its service and when it left, in time order.
  const std::vector<cloud::TimedCall>& calls() const;
  int api_calls_total() const;
  const std::vector<TraceEvent>& trace() const;
  std::string TraceText() const;   // one line per event
  uint64_t TraceHash() const;      // FNV-1a of TraceText()
  double InstanceSeconds() const;  // every instance's running time since the start, so far
  int min_ready_observed() const;  // -1 before any observation
  uint64_t events_executed() const;
  bool crashed() const;
  size_t instances_known() const;  // initial and launched, all told
  int changes() const;             // mutating calls so far
  // The next rotor process after a crash: calls go through again (the crash fault fires once).
  void Revive();

 private:
  std::unique_ptr<World> world_;  // first: the services refer to it
  SimGroups sim_groups_;
  SimGroupChanges sim_group_changes_;
  SimInstances sim_instances_;
  SimImages sim_images_;
  SimLaunchSpecs sim_launch_specs_;
  SimStacks sim_stacks_;
  SimAddresses sim_addresses_;
  SimDns sim_dns_;
  SimVolumes sim_volumes_;
  cloud::Cloud cloud_;
};

}  // namespace rotor::sim
