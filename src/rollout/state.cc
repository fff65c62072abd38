#include "rollout/state.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace rotor::rollout {

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kNone:
      return "in progress";
    case Outcome::kCompleted:
      return "completed";
    case Outcome::kRolledBack:
      return "rolled_back";
    case Outcome::kPaused:
      return "paused";
    case Outcome::kAborted:
      return "aborted";
    case Outcome::kFailed:
      return "failed";
  }
  return "?";
}

std::string Describe(const Step& s) {
  std::string ids = core::Join(s.ids, ",");
  switch (s.kind) {
    case Step::Kind::kSuspend:
      return "suspend " + core::Join(s.processes, ",");
    case Step::Kind::kResume:
      return "resume " + core::Join(s.processes, ",");
    case Step::Kind::kSetSizes:
      return fmt::format("set sizes{}{}{}", s.sizes.min ? fmt::format(" min {}", *s.sizes.min) : "",
                         s.sizes.max ? fmt::format(" max {}", *s.sizes.max) : "",
                         s.sizes.desired ? fmt::format(" desired {}", *s.sizes.desired) : "");
    case Step::Kind::kDetach:
      return fmt::format("detach {}{}", ids, s.decrement ? " (decrement)" : "");
    case Step::Kind::kDeregister:
      return "deregister " + ids;
    case Step::Kind::kTerminate:
      return fmt::format("terminate {}{}", ids, s.decrement ? " (decrement)" : "");
    case Step::Kind::kTerminateDetached:
      return "terminate drained " + ids;
    case Step::Kind::kForget:
      return "gone already " + ids;
    case Step::Kind::kMarkFailed:
      return "give up on " + ids;
    case Step::Kind::kBake:
      return "bake";
    case Step::Kind::kWindUp:
      return fmt::format("wind up: {}{}", OutcomeName(s.outcome),
                         s.reason.empty() ? "" : " (" + s.reason + ")");
    case Step::Kind::kFinish:
      return fmt::format("finish: {}", OutcomeName(s.outcome));
    case Step::Kind::kWait:
      return "wait";
  }
  return "?";
}

std::string Brief(const Step& s) {
  if (s.kind != Step::Kind::kWindUp) return Describe(s);
  return fmt::format("wind up: {}", OutcomeName(s.outcome));
}

}  // namespace rotor::rollout
