// Forwards every call to another Journal (like LevelDB's EnvWrapper): a test or a watcher
// overrides only the calls it cares about.
#pragma once

#include "journal/journal.h"

namespace rotor::journal {

class JournalWrapper : public Journal {
 public:
  // REQUIRES: `target` outlives the wrapper.
  explicit JournalWrapper(Journal& target) : target_(target) {}

  core::Status CreateRollout(const RolloutInfo& info) override {
    return target_.CreateRollout(info);
  }
  core::Result<RolloutInfo> GetRollout(const std::string& id) override {
    return target_.GetRollout(id);
  }
  core::Result<std::vector<RolloutInfo>> ListRollouts() override { return target_.ListRollouts(); }
  core::Status SetStatus(const std::string& id, const std::string& status,
                         core::Time now) override {
    return target_.SetStatus(id, status, now);
  }
  core::Status RequestPause(const std::string& id, bool pause) override {
    return target_.RequestPause(id, pause);
  }
  core::Status Append(Record& record) override { return target_.Append(record); }
  core::Result<std::vector<Record>> Read(const std::string& rollout) override {
    return target_.Read(rollout);
  }
  core::Result<Lease> TakeLease(const std::string& resource, const std::string& owner,
                                const std::string& rollout, core::Duration ttl, core::Time now,
                                bool force) override {
    return target_.TakeLease(resource, owner, rollout, ttl, now, force);
  }
  core::Result<Lease> RenewLease(const Lease& lease, core::Duration ttl, core::Time now) override {
    return target_.RenewLease(lease, ttl, now);
  }
  core::Status ReleaseLease(const Lease& lease) override { return target_.ReleaseLease(lease); }
  core::Result<std::optional<Lease>> GetLease(const std::string& resource) override {
    return target_.GetLease(resource);
  }

 protected:
  Journal& target() { return target_; }

 private:
  Journal& target_;
};

}  // namespace rotor::journal
