// `rotor restore SNAPSHOT --to INSTANCE` (DESIGN.md section 7b): a volume made from a snapshot in
// the instance's zone (at least the snapshot's size; encrypted when the snapshot is), waited
// for, and attached at a device, as one journaled, reversible runbook. With --replace it takes
// the place of the volume at that device, with replace-instance's steps on one host: *outage
// begins*; the --stop commands; the old volume's file systems unmounted; the old volume
// detached (kept, and named); the new one attached at its device and mounted where the old one
// was; the --start commands; *outage ends*. `rotor rollout rollback ID` swaps back. Nothing is
// ever deleted: a rolled-back new volume is detached and kept (tagged rotor:operation).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "ops/host_plan.h"
#include "ops/host_steps.h"
#include "remote/disks.h"
#include "remote/ssh.h"
#include "runbook/step.h"

namespace rotor::ops {

struct RestoreRequest {
  std::string snapshot;     // snap-...
  std::string instance;     // --to: an id or a Name tag
  std::string device;       // --device; "": where the snapshot's volume is on the instance
  int size_gib = 0;         // --size; 0: the snapshot's
  std::string volume_type;  // --type; "": the snapshot's volume's type, else gp3
  int iops = 0;             // --iops
  bool replace = false;     // --replace
  std::vector<std::string> stop, start;  // --stop, --start (with --replace), on the host
  bool unmount = true;                   // --unmount auto (true) | none
  AddressKind address = AddressKind::kPrivate;
};

// A file system of another disk mounted inside one of the replaced volume's (a WAL volume at
// /var/lib/pgsql/wal inside /var/lib/pgsql): unmounted before it, mounted again after.
// Found again by its disk's EBS serial when it has one (a disk's name may change across a
// reboot between a pause and a resume), else by its name.
struct Rider {
  std::string device;  // as the host named it at the plan: "/dev/nvme2n1", "/dev/nvme2n1p1"
  std::string mountpoint;
  std::string serial;  // its disk's ("vol0abc..."); "" for a disk with none
  std::string node;    // the part of `device` after its disk's name: "", "p1", "1"
};

// Where `rider` is on the host now (`disks` from lsblk): by serial, else by its planned name.
std::string RiderDevice(const std::vector<remote::Disk>& disks, const Rider& rider);
// The file systems of other disks mounted inside `old`'s on `host` (lsblk over ssh), deepest
// first. kInvalidArgument when lsblk fails; the runner's errors for a host it cannot reach.
core::Result<std::vector<Rider>> FindRiders(remote::Runner& runner, const cloud::Host& host,
                                            AddressKind address, const MovedVolume& old);

struct RestorePlan {
  std::string operation_id;
  cloud::Snapshot snapshot;
  cloud::Host host;  // as the plan found it
  std::string device;
  cloud::NewVolume volume;  // what is created (zone, size, type, IOPS, tags, token)
  bool replace = false;
  std::optional<MovedVolume> old;  // --replace: the volume at `device` now, with its mounts
  std::vector<Rider> riders;       // --replace: mounted inside its file systems, deepest first
  std::vector<std::string> stop, start;
  bool unmount = true;
  AddressKind address = AddressKind::kPrivate;
};

// Looks at the snapshot, the instance and its devices (and, for --replace with --unmount auto,
// at what is mounted over ssh). Refuses, changing nothing: kNotFound for an unknown snapshot or
// instance; kFailedPrecondition for a snapshot not completed; kInvalidArgument for a request
// that does not fit (a size below the snapshot's; no --device and the snapshot's volume not on
// the instance; a device in use without --replace, or free with it; --replace on a host that
// is not running; --stop/--start without --replace; a command that seems to hold a secret).
core::Result<RestorePlan> PlanRestore(cloud::Cloud& cloud, remote::Runner& runner,
                                      const RestoreRequest& request,
                                      const std::string& operation_id);

std::vector<std::string> DescribeRestore(const RestorePlan& plan);
// The resources the operation leases: the instance, and the volume it replaces.
std::vector<std::string> RestoreResources(const RestorePlan& plan);

std::string RestorePlanToJson(const RestorePlan& plan);
core::Result<RestorePlan> RestorePlanFromJson(const std::string& text);

// The runbook's steps, in order. REQUIRES: every reference outlives them.
std::vector<std::unique_ptr<runbook::Step>> RestoreSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                         remote::Runner& runner,
                                                         const RestorePlan& plan,
                                                         std::function<core::Status()> keep_lease);

// What another runbook puts into a --replace swap (relocate). With `source`, the new volume is
// made in the outage, from the snapshot `source` names when that step runs (`before_create`
// having taken it, after the old volume's file systems were unmounted), rather than first from
// the plan's snapshot; `before_mount` steps run once it is attached, `after_mount` once mounted.
struct SwapExtras {
  std::function<core::Result<std::string>()> source;
  std::vector<std::unique_ptr<runbook::Step>> before_create, before_mount, after_mount;
};
// REQUIRES: plan.replace.
std::vector<std::unique_ptr<runbook::Step>> SwapSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                      remote::Runner& runner,
                                                      const RestorePlan& plan,
                                                      std::function<core::Status()> keep_lease,
                                                      SwapExtras extras);

}  // namespace rotor::ops
