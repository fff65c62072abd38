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
#include "journal/journal_wrapper.h"

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
class WatchedJournal final : public journal::JournalWrapper {
 public:
  WatchedJournal(journal::Journal& inner, std::function<size_t()> instances,
                 std::function<bool(std::string)> report)
      : JournalWrapper(inner), instances_(std::move(instances)), report_(std::move(report)) {}

  core::Status Append(journal::Record& record) override;

 private:
  std::function<size_t()> instances_;
  std::function<bool(std::string)> report_;
  RecordBounds bounds_;
};

}  // namespace rotor::cli
