#include "cli/interrupt.h"

#include <signal.h>

#include <algorithm>

namespace rotor::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void OnInterrupt(int) { g_interrupted.store(true); }

}  // namespace

std::atomic<bool>& InstallInterruptHandler() {
  static bool installed = [] {
    struct sigaction sa {};
    sa.sa_handler = OnInterrupt;
    sa.sa_flags = SA_RESETHAND;  // the second Ctrl-C gets the default: terminate
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGINT, &sa, nullptr) == 0;
  }();
  (void)installed;
  return g_interrupted;
}

void InterruptibleClock::SleepUntil(core::Time t) {
  constexpr core::Duration kSlice = std::chrono::milliseconds(200);
  while (!flag_.load() && inner_.Now() < t) inner_.SleepUntil(std::min(t, inner_.Now() + kSlice));
}

}  // namespace rotor::cli
