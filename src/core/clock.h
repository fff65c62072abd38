// Time as an interface: production uses RealClock; tests and the simulator use a virtual one.
#pragma once

#include <chrono>
#include <vector>

namespace rotor::core {

using Duration = std::chrono::milliseconds;
using Time = std::chrono::sys_time<std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() = 0;
  // Returns when Now() >= t. Thread-compatible, not thread-safe.
  virtual void SleepUntil(Time t) = 0;
  void SleepFor(Duration d) { SleepUntil(Now() + d); }
};

// The system's wall clock; sleeps for real.
class RealClock final : public Clock {
 public:
  Time Now() override;
  void SleepUntil(Time t) override;
};

// A clock that moves only when told or slept on; sleeps return at once and advance it.
// Records every sleep so tests can assert on back-off delays.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Time start) : now_(start) {}
  Time Now() override { return now_; }
  void SleepUntil(Time t) override;
  void Advance(Duration d) { now_ += d; }
  const std::vector<Duration>& sleeps() const { return sleeps_; }

 private:
  Time now_;
  std::vector<Duration> sleeps_;
};

}  // namespace rotor::core
