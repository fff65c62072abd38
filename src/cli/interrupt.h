// Ctrl-C during a rollout: the first one stops rotor at the next step boundary, where it asks
// (on a terminal) whether to pause, roll back or abort; a second one kills it as usual, and the
// journal lets `rotor rollout resume` finish the job.
#pragma once

#include <atomic>

#include "core/clock.h"

namespace rotor::cli {

// Installs the SIGINT handler (once). Returns the flag it sets; whoever handles the interrupt
// clears it (so that sleeps are whole again).
std::atomic<bool>& InstallInterruptHandler();

// A clock whose sleeps end early when the flag is set, so a Ctrl-C is acted on within a moment
// rather than after the current wait.
class InterruptibleClock final : public core::Clock {
 public:
  InterruptibleClock(core::Clock& inner, const std::atomic<bool>& flag)
      : inner_(inner), flag_(flag) {}
  core::Time Now() override { return inner_.Now(); }
  void SleepUntil(core::Time t) override;

 private:
  core::Clock& inner_;
  const std::atomic<bool>& flag_;
};

}  // namespace rotor::cli
