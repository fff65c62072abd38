// Invariant I8 (DESIGN.md section 3): the journal grows at most linearly in the steps taken. A
// retried act adds a small bounded record, never a reason nested in another or the whole state
// again. Checked on every record as it is appended, in every simulation.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "journal/journal.h"

namespace rotor::cli {

// The rule, apart from any store: one record at a time.
class RecordBounds {
 public:
  // Every record fits in a few KB plus a little per instance of the fleet (a full snapshot of a
  // rollout's state lists its instances), whatever happened before it.
  static constexpr size_t kBase = 4096;
  static constexpr size_t kPerInstance = 512;
  // Retries back off from 5 s: no group journals more than this many in any minute.
  static constexpr size_t kRetriesPerMinute = 12;

  // A violation, or nullopt. `instances`: how many instances the fleet has known so far.
  std::optional<std::string> Check(const journal::Record& record, size_t instances);

 private:
  std::set<std::string> failures_;  // the head of every failure recorded so far
  std::map<std::string, std::deque<core::Time>> retries_;  // by group: the latest retry times
};

// A Journal that forwards every call to `inner` and checks each appended record with
// RecordBounds; violations go to `report`, which says whether to go on: when it returns false,
// Append fails (kInternal) after the record is stored, so a run that breaks I8 stops instead of
// filling memory. REQUIRES: `inner` outlives the wrapper.
class WatchedJournal final : public journal::Journal {
 public:
  WatchedJournal(journal::Journal& inner, std::function<size_t()> instances,
                 std::function<bool(std::string)> report)
      : inner_(inner), instances_(std::move(instances)), report_(std::move(report)) {}

  core::Status CreateRollout(const journal::RolloutInfo& info) override {
    return inner_.CreateRollout(info);
  }
  core::Result<journal::RolloutInfo> GetRollout(const std::string& id) override {
    return inner_.GetRollout(id);
  }
  core::Result<std::vector<journal::RolloutInfo>> ListRollouts() override {
    return inner_.ListRollouts();
  }
  core::Status SetStatus(const std::string& id, const std::string& status,
                         core::Time now) override {
    return inner_.SetStatus(id, status, now);
  }
  core::Status RequestPause(const std::string& id, bool pause) override {
    return inner_.RequestPause(id, pause);
  }
  core::Status Append(journal::Record& record) override;
  core::Result<std::vector<journal::Record>> Read(const std::string& rollout) override {
    return inner_.Read(rollout);
  }
  core::Result<journal::Lease> TakeLease(const std::string& group, const std::string& owner,
                                         const std::string& rollout, core::Duration ttl,
                                         core::Time now, bool force) override {
    return inner_.TakeLease(group, owner, rollout, ttl, now, force);
  }
  core::Result<journal::Lease> RenewLease(const journal::Lease& lease, core::Duration ttl,
                                          core::Time now) override {
    return inner_.RenewLease(lease, ttl, now);
  }
  core::Status ReleaseLease(const journal::Lease& lease) override {
    return inner_.ReleaseLease(lease);
  }
  core::Result<std::optional<journal::Lease>> GetLease(const std::string& group) override {
    return inner_.GetLease(group);
  }

 private:
  journal::Journal& inner_;
  std::function<size_t()> instances_;
  std::function<bool(std::string)> report_;
  RecordBounds bounds_;
};

}  // namespace rotor::cli
