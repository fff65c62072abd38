#include "core/clock.h"

#include <thread>

namespace rotor::core {

Time RealClock::Now() {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

void RealClock::SleepUntil(Time t) {
  Time now = Now();
  if (t > now) std::this_thread::sleep_for(t - now);
}

void ManualClock::SleepUntil(Time t) {
  if (t <= now_) return;
  sleeps_.push_back(t - now_);
  now_ = t;
}

}  // namespace rotor::core
