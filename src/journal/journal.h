// The journal: what a rollout intends and what happened, appended before and after every act,
// so that a crash can be resumed (DESIGN.md section 4). The SQLite and DynamoDB stores come with
// the journal issue; until then MemoryJournal keeps the same records in memory.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace rotor::journal {

struct Record {
  core::Time t{};
  std::string rollout;  // rollout id
  std::string kind;     // "start", "intent", "outcome", "state", "finish"
  std::string text;     // a step's description, an error, or a state summary
};

class Journal {
 public:
  virtual ~Journal() = default;
  // Appends one record. An error means the record may not be durable: the caller must not act.
  virtual core::Status Append(const Record& record) = 0;
  virtual core::Result<std::vector<Record>> Read(const std::string& rollout) = 0;
};

class MemoryJournal final : public Journal {
 public:
  core::Status Append(const Record& record) override {
    records_.push_back(record);
    return core::Status::Ok();
  }
  core::Result<std::vector<Record>> Read(const std::string& rollout) override {
    std::vector<Record> out;
    for (const Record& r : records_) {
      if (r.rollout == rollout) out.push_back(r);
    }
    return out;
  }
  const std::vector<Record>& records() const { return records_; }

 private:
  std::vector<Record> records_;
};

}  // namespace rotor::journal
