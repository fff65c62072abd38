// Live progress on a terminal: one line per group, redrawn in place with ANSI cursor movement
// (several lines when groups roll in parallel), with an ETA from each group's own pace.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "rollout/engine.h"

namespace rotor::cli {

class LiveBoard {
 public:
  // Redraws every group's line with `e` applied to its group.
  void Update(const rollout::Event& e, std::ostream& out);

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::string> lines_;
  std::map<std::string, core::Time> started_;
  int drawn_ = 0;
};

// "45s", "12m05s".
std::string Seconds(core::Duration d);

}  // namespace rotor::cli
