// Which of rotor's own backups a retention rule deletes: a pure choice, kept apart from the
// steps that list and delete snapshots (ops/backup_steps.cc).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace rotor::ops {

// --keep N and --retention D. Neither set: nothing is ever deleted.
struct RetentionRule {
  std::optional<int> keep;                // the newest N completed backups stay; N >= 1
  std::optional<core::Duration> max_age;  // backups younger than this stay
  bool any() const { return keep || max_age; }
};

// One of rotor's backups of one volume, in one region.
struct Kept {
  std::string id;  // snap-...
  core::Time created{};
  std::string state;  // pending | completed | error
};

// The backups `rule` deletes at `now`, oldest first: the completed ones that are both beyond the
// newest `keep` completed and older than `max_age` (with one of the two set, that one alone).
// A pending backup is neither counted nor deleted (it may still fail, so it stands for nothing
// yet), nor is one in error (a person looks at it).
std::vector<std::string> ToPrune(std::vector<Kept> backups, const RetentionRule& rule,
                                 core::Time now);

}  // namespace rotor::ops
