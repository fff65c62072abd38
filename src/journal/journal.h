// The journal (DESIGN.md section 4): every operation (a rolling respawn, a runbook) with its
// kind, the intent of every step before it acts and its outcome after, the state a resume needs,
// and one lease per resource ("group/NAME", "stack/NAME", ...) so that two rotors never act on
// the same thing. Stores: SqliteJournal (a file), DynamoDbJournal (a shared table) and
// MemoryJournal (tests, rehearsals). Records are append-only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "journal/format.h"

namespace rotor::journal {

// Bumped whenever the stored layout changes; a store written by a newer rotor is refused, one
// written by an older rotor is migrated when opened. 1: rollouts of groups, leases keyed by group
// name. 2: operations have a kind, and name resources ("group/NAME") rather than groups.
inline constexpr int kSchemaVersion = 2;

// Rollout statuses. "running" until a final one; "paused" waits for a person.
inline constexpr char kRunning[] = "running";
inline constexpr char kPausedStatus[] = "paused";

struct RolloutInfo {
  std::string id;
  OperationKind kind = OperationKind::kRespawn;
  std::string command;                 // the command line as given (rotor takes no secret on it)
  std::string owner;                   // user@host:pid that started it
  std::vector<std::string> resources;  // what it leases and changes: "group/web-1", ...
  std::string policy;                  // JSON (rollout::PolicyToJson)
  std::string status = kRunning;
  bool pause_requested = false;  // `rotor rollout pause`: stop at the next step boundary
  core::Time started{};
  core::Time updated{};
};

struct Record {
  core::Time t{};
  std::string rollout;
  int64_t seq = 0;    // assigned by Append: 1, 2, ... within a rollout
  std::string group;  // the group a record is about; empty for the whole operation
  RecordKind kind = RecordKind::kNote;
  std::string text;  // the step described, an error, an outcome
  std::string data;  // JSON: the step of an intent, the state after an outcome; may be empty
  // Must be on disk before the caller acts (the intent of a change, the originals): a store
  // that can trade durability for speed (SQLite) syncs these and only these. Not stored.
  bool durable = false;
};

// Who may act on a resource ("group/NAME", format.h). `token` grows by one on every take-over
// (fencing): a holder whose token is no longer the stored one has lost the resource.
struct Lease {
  std::string resource;
  std::string owner;
  std::string rollout;
  int64_t token = 0;
  core::Time expires{};
};

// Errors common to every store: kDataLoss for a damaged store, kFailedPrecondition for a schema
// from a newer rotor, kUnavailable / kThrottled when the store cannot be reached. Not
// thread-safe; one Journal per process, several processes may share a store.
class Journal {
 public:
  virtual ~Journal() = default;

  // kAlreadyExists when the id is taken.
  virtual core::Status CreateRollout(const RolloutInfo& info) = 0;
  // kNotFound for an unknown id.
  virtual core::Result<RolloutInfo> GetRollout(const std::string& id) = 0;
  virtual core::Result<std::vector<RolloutInfo>> ListRollouts() = 0;  // newest first
  virtual core::Status SetStatus(const std::string& id, const std::string& status,
                                 core::Time now) = 0;
  virtual core::Status RequestPause(const std::string& id, bool pause) = 0;

  // Appends `record` with the next sequence number (written back into it). An error means the
  // record may not be durable: the caller must not act on it.
  virtual core::Status Append(Record& record) = 0;
  virtual core::Result<std::vector<Record>> Read(const std::string& rollout) = 0;  // in order

  // Takes the resource's lease for `ttl` when it is free, expired, or `force`; the token is the
  // previous one plus one. kBlocked naming the holder, its rollout and the expiry otherwise.
  virtual core::Result<Lease> TakeLease(const std::string& resource, const std::string& owner,
                                        const std::string& rollout, core::Duration ttl,
                                        core::Time now, bool force) = 0;
  // Extends a lease still held with `lease.token`; kBlocked naming the new holder once it was
  // taken over (or released by force).
  virtual core::Result<Lease> RenewLease(const Lease& lease, core::Duration ttl,
                                         core::Time now) = 0;
  // Gives the lease up if it is still held with `lease.token`; otherwise does nothing.
  virtual core::Status ReleaseLease(const Lease& lease) = 0;
  // The lease on `resource`, if any (expired ones included).
  virtual core::Result<std::optional<Lease>> GetLease(const std::string& resource) = 0;
};

// The message for a resource held by someone else, shared by every store.
core::Status HeldBy(const Lease& held, core::Time now);

// kBlocked for a lease this rotor lost: HeldBy its new holder, or released by someone else
// (`held` empty).
core::Status Lost(const std::string& resource, const std::optional<Lease>& held, core::Time now);

}  // namespace rotor::journal
