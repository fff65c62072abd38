// A Journal in memory: for tests and rehearsals in the simulator. Nothing survives the process.
#pragma once

#include <map>

#include "journal/journal.h"

namespace rotor::journal {

class MemoryJournal final : public Journal {
 public:
  core::Status CreateRollout(const RolloutInfo& info) override;
  core::Result<RolloutInfo> GetRollout(const std::string& id) override;
  core::Result<std::vector<RolloutInfo>> ListRollouts() override;
  core::Status SetStatus(const std::string& id, const std::string& status, core::Time now) override;
  core::Status RequestPause(const std::string& id, bool pause) override;
  core::Status Append(Record& record) override;
  core::Result<std::vector<Record>> Read(const std::string& rollout) override;
  core::Result<Lease> TakeLease(const std::string& resource, const std::string& owner,
                                const std::string& rollout, core::Duration ttl, core::Time now,
                                bool force) override;
  core::Result<Lease> RenewLease(const Lease& lease, core::Duration ttl, core::Time now) override;
  core::Status ReleaseLease(const Lease& lease) override;
  core::Result<std::optional<Lease>> GetLease(const std::string& resource) override;

  const std::vector<Record>& records() const { return records_; }

  // What a lost machine leaves of a store that syncs only durable records (SQLite with
  // synchronous=NORMAL): every record after the last durable one is gone. For crash tests.
  void LoseUnsynced();

 private:
  std::vector<RolloutInfo> rollouts_;  // in creation order
  std::vector<Record> records_;
  std::map<std::string, int64_t> next_seq_;  // per rollout
  std::map<std::string, Lease> leases_;
  std::map<std::string, int64_t> tokens_;  // survives a release: tokens never repeat
};

}  // namespace rotor::journal
