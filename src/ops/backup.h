// `rotor backup` (DESIGN.md section 7b): the data volumes of one instance, of the instances
// carrying a tag, or of a stack's instances, snapshotted as one journaled runbook.
//
// For each instance, one independent step (its failure is reported and the others go on): the
// --pre commands over ssh (a file system frozen, a database flushed), one crash-consistent
// snapshot set of its volumes (CreateSnapshots, tagged at creation), then the --post commands,
// which always run — after a failed pre command, after a failed snapshot, and first of all when
// the step is resumed after a crash (the intent journaled before the pre command is what says
// they are pending). Then one wait until every snapshot completed, with progress; with
// --copy-to, a copy of each into the other region and a wait there; then, per instance whose
// backup succeeded, the retention rule applied to rotor's own snapshots of its volumes (never a
// snapshot without rotor's tags), in each region.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "journal/journal.h"
#include "ops/host_steps.h"
#include "ops/retention.h"
#include "remote/ssh.h"
#include "runbook/step.h"

namespace rotor::ops {

// The tags rotor puts on its backups; prune and `backup list` select by them.
inline constexpr const char* kBackupOf = "rotor:backup-of";     // the instance id
inline constexpr const char* kBackupCreated = "rotor:created";  // ISO 8601, UTC
inline constexpr const char* kBackupOperation = "rotor:operation";
inline constexpr const char* kBackupVolume = "rotor:volume";   // on copies: the source volume
inline constexpr const char* kBackupCopyOf = "rotor:copy-of";  // on copies: the source snapshot

// Exactly one of the three.
struct BackupTarget {
  std::string instance;            // INSTANCE: an id or a Name tag
  std::string tag_key, tag_value;  // --tag K=V
  std::string stack;               // --stack S: its instances (aws:cloudformation:stack-name)
};

struct BackupRequest {
  BackupTarget target;
  bool include_root = false;
  std::vector<std::string> pre, post;                     // over ssh, in order
  core::Duration pre_timeout = std::chrono::seconds(60);  // each pre (and post) command
  bool wait = true;                                       // --no-wait: false
  core::Duration wait_timeout = std::chrono::hours(6);    // for the snapshots to complete
  RetentionRule retention;
  std::string copy_to;                      // --copy-to REGION; "" none
  std::string region;                       // where rotor runs: the copies' source region
  std::map<std::string, std::string> tags;  // --tag-snapshot K=V
  AddressKind address = AddressKind::kPrivate;
};

// One instance whose volumes are snapshotted, as the plan found it.
struct BackupHost {
  std::string id;
  std::string name;
  bool running = true;  // stopped: no pre or post command (its file systems are quiet)
  std::vector<cloud::BlockDevice> volumes;  // those the set takes
};

std::string BackupHostName(const BackupHost& host);  // "db-1 (i-0abc)", or the id alone

struct BackupPlan {
  std::string operation_id;
  std::string created;  // rotor:created, ISO 8601
  std::vector<BackupHost> hosts;
  std::vector<std::string> skipped;  // instances left out, with why (no data volume, pending)
  bool include_root = false;
  std::vector<std::string> pre, post;
  core::Duration pre_timeout = std::chrono::seconds(60);
  bool wait = true;
  core::Duration wait_timeout = std::chrono::hours(6);
  RetentionRule retention;
  std::string copy_to, region;
  std::map<std::string, std::string> tags;
  AddressKind address = AddressKind::kPrivate;
  // For the plan shown only (not journaled): per instance, what retention would delete now.
  std::map<std::string, std::vector<std::string>> prune_now;
};

// The instances the target names, in id order: kNotFound for an unknown instance or stack, or a
// tag no instance carries; kAmbiguous for a Name several carry.
core::Result<std::vector<cloud::Host>> BackupTargets(cloud::Cloud& cloud,
                                                     const BackupTarget& target);

// Looks at the target's instances and volumes, and at what retention would delete. Refuses,
// changing nothing: the target's errors; kInvalidArgument for a request that does not fit
// (--keep below 1, a command that seems to hold a secret, --copy-to with --no-wait or to this
// region, nothing to back up at all).
core::Result<BackupPlan> PlanBackup(cloud::Cloud& cloud, const BackupRequest& request,
                                    const std::string& operation_id, core::Time now);

std::vector<std::string> DescribeBackup(const BackupPlan& plan);
// The resources the operation leases: each instance ("instance/ID").
std::vector<std::string> BackupResources(const BackupPlan& plan);

std::string BackupPlanToJson(const BackupPlan& plan);
core::Result<BackupPlan> BackupPlanFromJson(const std::string& text);

// What the steps need from the command that runs them, none of it journaled.
struct BackupHooks {
  std::function<core::Status()> keep_lease;      // at every poll of a wait; may be empty
  std::function<void(const std::string&)> note;  // progress lines; may be empty
  // The other region's volumes (--copy-to); null without one. Must outlive the steps.
  cloud::Volumes* copies = nullptr;
};

// The runbook's steps, in order. REQUIRES: every reference outlives them; `hooks.copies` set
// when the plan copies.
std::vector<std::unique_ptr<runbook::Step>> BackupSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                        remote::Runner& runner,
                                                        const BackupPlan& plan, BackupHooks hooks);

// What each step of a backup's runbook is, in order: BackupSteps builds them from this, and the
// summary reads the journal by it.
struct BackupStepRole {
  enum class Kind { kSnapshot, kWait, kCopy, kWaitCopies, kPrune, kPruneCopies };
  Kind kind;
  int host = -1;  // index in plan.hosts; -1 for the waits
};
std::vector<BackupStepRole> BackupLayout(const BackupPlan& plan);

// What a backup did, per instance, from its journal and a fresh look at the snapshots; a failed
// wait comes last, as an entry of its own ("waiting for the snapshots"). A copy or prune that
// failed only because the instance's own backup failed is not told again.
struct BackupOutcome {
  std::string host;  // "db-1 (i-0abc)"
  std::vector<cloud::Snapshot> created, copied;
  std::vector<std::string> deleted;  // ids, both regions
  int kept = 0;  // rotor's backups of it (rotor:backup-of) left, both regions, the new included
  std::vector<std::string> failed;  // why each of its steps failed (AWS codes included)
};
core::Result<std::vector<BackupOutcome>> SummarizeBackup(
    cloud::Volumes& volumes, cloud::Volumes* copies, const std::vector<journal::Record>& records,
    const BackupPlan& plan);

// `rotor backup list`: rotor's backups of the target's instances (rotor:backup-of), here and,
// when `copies` is given, in `copy_region`; per instance, newest first.
struct BackupListing {
  std::string instance;  // "db-1 (i-0abc)"
  std::string region;
  cloud::Snapshot snapshot;
};
core::Result<std::vector<BackupListing>> ListBackups(cloud::Cloud& cloud,
                                                     const BackupTarget& target,
                                                     const std::string& region,
                                                     cloud::Volumes* copies,
                                                     const std::string& copy_region);

// rotor's snapshots of `volume_id` in one region: in the source region by volume, in a copy's
// region by the rotor:volume tag (a copy's own volume id means nothing). Only snapshots with
// rotor's rotor:backup-of and rotor:created tags; oldest first.
core::Result<std::vector<cloud::Snapshot>> RotorBackups(cloud::Volumes& volumes,
                                                        const std::string& volume_id, bool copies);

// When a backup was made: its rotor:created tag, else when the provider started it.
core::Time BackupTime(const cloud::Snapshot& s);

}  // namespace rotor::ops
