// A Journal in one SQLite file (the default store): WAL mode, synchronous=FULL, every append in
// its own transaction, leases in the same file so that rotors on one machine exclude each other.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "journal/journal.h"

struct sqlite3;

namespace rotor::journal {

class SqliteJournal final : public Journal {
 public:
  // Opens or creates the journal at `path` (its directory must exist). kInvalidArgument naming
  // the file when it is not an SQLite database, is damaged, or was written by a newer rotor;
  // a damaged file is never reset.
  static core::Result<std::unique_ptr<SqliteJournal>> Open(const std::string& path);
  ~SqliteJournal() override;

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

  struct Statements;  // internal: prepared statements kept for the connection's life

 private:
  SqliteJournal(sqlite3* db, std::string path);
  core::Status Init();
  core::Status Migrate(int from);
  core::Status Error(const std::string& what);
  core::Status Exec(const std::string& sql);

  sqlite3* db_;
  std::string path_;
  std::unique_ptr<Statements> statements_;
  std::map<std::string, int64_t> next_seq_;  // per rollout, as this process last wrote it
};

}  // namespace rotor::journal
