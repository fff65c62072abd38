// Events ordered by (time, insertion order), so that equal times run deterministically.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "core/clock.h"

namespace rotor::sim {

class EventQueue {
 public:
  using Action = std::function<void()>;

  void At(core::Time t, Action action) { heap_.push(Entry{t, next_seq_++, std::move(action)}); }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  core::Time next_time() const { return heap_.top().t; }  // REQUIRES: !empty()
  uint64_t executed() const { return executed_; }

  // Removes and runs the earliest event. REQUIRES: !empty().
  void RunNext();

 private:
  struct Entry {
    core::Time t;
    uint64_t seq;
    Action action;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.t != b.t ? a.t > b.t : a.seq > b.seq;
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
  uint64_t next_seq_ = 0;
  uint64_t executed_ = 0;
};

// A core::Clock on virtual time: sleeping runs every event due up to the wake-up time, in
// order, then sets the time. Nothing waits for real.
class SimClock final : public core::Clock {
 public:
  SimClock(core::Time start, EventQueue& queue) : now_(start), queue_(queue) {}
  core::Time Now() override { return now_; }
  core::Time now() const { return now_; }
  void SleepUntil(core::Time t) override;

 private:
  core::Time now_;
  EventQueue& queue_;
};

}  // namespace rotor::sim
