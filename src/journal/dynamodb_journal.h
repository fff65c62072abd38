// A Journal in one DynamoDB table, shared by a team (`--state dynamodb://TABLE`). The table is
// created on first use (on-demand billing). Items, keyed by pk/sk:
//   meta / schema               the schema version
//   rollout#ID / info           a rollout
//   rollout#ID / rec#000000042  its records, in sequence
//   lease#GROUP / lease         a group's lease (token kept after release)
// Appends and leases use conditional writes (attribute_not_exists, token checks), so two
// rotors anywhere never both succeed.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/clock.h"
#include "journal/journal.h"

namespace rotor::journal {

// Sends one DynamoDB operation ("PutItem", ...) with its JSON body and returns the answer; the
// error keeps the AWS code (aws_code()). Built in cli/ from the wire layer.
using DynamoCall =
    std::function<core::Result<nlohmann::json>(const std::string& op, const nlohmann::json& body)>;

class DynamoDbJournal final : public Journal {
 public:
  // Opens the table, creating it (and waiting on `clock` until it is active) when missing.
  // kInvalidArgument when the table holds a newer schema or is not a rotor journal.
  static core::Result<std::unique_ptr<DynamoDbJournal>> Open(DynamoCall call,
                                                             const std::string& table,
                                                             core::Clock& clock);

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

 private:
  DynamoDbJournal(DynamoCall call, std::string table)
      : call_(std::move(call)), table_(std::move(table)) {}
  core::Status Init(core::Clock& clock);
  core::Status Migrate(int64_t from);
  core::Status MigrateItem(const nlohmann::json& item);
  core::Result<nlohmann::json> Call(const std::string& op, nlohmann::json body);
  core::Result<std::optional<nlohmann::json>> Get(const std::string& pk, const std::string& sk);
  core::Status Update(const std::string& pk, const std::string& sk, const std::string& set,
                      const nlohmann::json& values, const std::string& condition);

  DynamoCall call_;
  std::string table_;
};

}  // namespace rotor::journal
