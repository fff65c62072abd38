// `rotor relocate INSTANCE --volume DEV|VOL --size GIB [--type T]` (DESIGN.md section 7b): a
// volume's data onto a larger (or another type of) volume, as one journaled runbook.
//
// Online, when EBS can change the volume in place: ModifyVolume, a wait until the change is
// `optimizing` (the new size usable), then the partition and file system grown over ssh
// (growpart; resize2fs, xfs_growfs or btrfs, chosen from what lsblk reports). The change cannot
// be undone (EBS never shrinks a volume): the plan says so and the runbook asks before it.
//
// By a swap, when it cannot (a volume type of another family, a magnetic volume, an ext2 file
// system in use, or --new-volume): a snapshot ahead while the host works (so the one in the
// outage copies only what changed since); *outage begins*; the --stop commands; the file systems
// unmounted; the final snapshot; a volume of the new size and type from it; restore's swap
// (the old one detached and kept, the new one attached at its device and mounted); the file
// system grown; the --start commands; *outage ends*. `rotor rollout rollback ID` swaps back.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "ops/host_steps.h"
#include "ops/restore.h"
#include "remote/disks.h"
#include "remote/ssh.h"
#include "runbook/step.h"

namespace rotor::ops {

struct RelocateRequest {
  std::string instance;                  // an id or a Name tag
  std::string volume;                    // --volume: a device ("/dev/sdf") or a volume id
  int size_gib = 0;                      // --size: at least the volume's
  std::string volume_type;               // --type; "": the volume's
  int iops = 0;                          // --iops; 0: the volume's (where the new type takes it)
  bool grow = true;                      // --grow auto (true) | none
  bool new_volume = false;               // --new-volume: always by a swap
  std::vector<std::string> stop, start;  // the swap's --stop and --start, on the host
  AddressKind address = AddressKind::kPrivate;
};

// The file system on the volume and how it grows once the volume did.
struct GrowPlan {
  remote::FsGrow how = remote::FsGrow::kNone;  // kNone: not grown (--grow none)
  std::string fstype;
  std::string node;        // the file system's device relative to its disk: "" or "p1", "1"
  int partition = 0;       // growpart's number (0: the file system fills the whole disk)
  std::string mountpoint;  // "" when not mounted
};

struct RelocatePlan {
  std::string operation_id;
  cloud::Host host;            // as the plan found it
  cloud::Volume volume;        // the volume relocated, as the plan found it
  std::string device;          // where it is attached ("/dev/sdf")
  cloud::VolumeChange target;  // size, type and IOPS afterwards (all set)
  bool swap = false;           // by a swap (else in place)
  std::string why_swap;        // the reason, for the plan ("" in place)
  GrowPlan grow;
  std::optional<RestorePlan> restore;  // swap: restore's plan, its snapshot the final one
  std::vector<std::string> notes;      // what the plan warns about
  AddressKind address = AddressKind::kPrivate;
};

// Looks at the instance, its volume, the volume's latest change and (unless --grow none in
// place) the host's disks over ssh. Refuses, changing nothing: kNotFound for an unknown
// instance or volume; kFailedPrecondition for a change of the volume under way; kInvalidArgument
// for a request that does not fit (a smaller size: EBS cannot shrink; nothing to change; a
// volume not attached to the instance; a host not running; a volume rotor cannot find on the
// host; a file system it cannot grow without --grow none; the root volume by a swap; --stop or
// --start in place; a command that seems to hold a secret).
core::Result<RelocatePlan> PlanRelocate(cloud::Cloud& cloud, remote::Runner& runner,
                                        const RelocateRequest& request,
                                        const std::string& operation_id, core::Time now);

std::vector<std::string> DescribeRelocate(const RelocatePlan& plan);
// The growth as the plan and the step say it: "grow the ext4 file system at /data to fill it:
// growpart (partition 1), resize2fs"; --grow none said as such.
std::string DescribeGrow(const GrowPlan& grow);
// The resources the operation leases: the instance and the volume.
std::vector<std::string> RelocateResources(const RelocatePlan& plan);

std::string RelocatePlanToJson(const RelocatePlan& plan);
core::Result<RelocatePlan> RelocatePlanFromJson(const std::string& text);

// The runbook's steps, in order. REQUIRES: every reference outlives them.
std::vector<std::unique_ptr<runbook::Step>> RelocateSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                          remote::Runner& runner,
                                                          const RelocatePlan& plan,
                                                          std::function<core::Status()> keep_lease);

}  // namespace rotor::ops
