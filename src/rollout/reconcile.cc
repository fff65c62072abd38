// Resolving an intent without an outcome: the process died between journaling a step and
// journaling what came of it. Whether the step happened is read from the group, never assumed,
// and never settled by repeating it blindly; what did not happen is left for the planner to
// decide again from the fresh observation.
#include <algorithm>

#include "rollout/engine.h"

namespace rotor::rollout {
namespace {

using Kind = Step::Kind;

const cloud::Instance* FindInstance(const cloud::Group& g, const std::string& id) {
  for (const cloud::Instance& i : g.instances) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Gone from the group, or on its way out.
bool Left(const cloud::Group& g, const std::string& id) {
  const cloud::Instance* i = FindInstance(g, id);
  return !i || i->lifecycle_state.rfind("Terminating", 0) == 0 ||
         i->lifecycle_state.rfind("Detach", 0) == 0;
}

// Deregistered, as far as can be told: no longer in service in some load balancer (a classic
// ELB reports a deregistered instance OutOfService, like a failing one). Either way the intent
// was to take it out of service, so it is drained and terminated from here.
bool Deregistered(const cloud::Group& g, const std::string& id) {
  const cloud::Instance* i = FindInstance(g, id);
  if (!i || i->health.empty()) return false;
  return std::any_of(i->health.begin(), i->health.end(),
                     [](const cloud::LbHealth& h) { return !h.Ready(); });
}

}  // namespace

core::Status Engine::Reconcile(const Step& st) {
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, cloud_.groups.PollGroups({s_.group}));
  const cloud::Group& g = groups.at(0);
  Step done = st;
  done.ids.clear();
  switch (st.kind) {
    case Kind::kSuspend:
      for (const std::string& p : st.processes) {
        if (Contains(g.suspended_processes, p) && !Contains(s_.original.suspended, p)) {
          s_.suspended_by_us.insert(p);
        }
      }
      return core::Status::Ok();
    case Kind::kResume:
      for (const std::string& p : st.processes) {
        if (!Contains(g.suspended_processes, p)) s_.suspended_by_us.erase(p);
      }
      return core::Status::Ok();
    case Kind::kDetach:
    case Kind::kTerminate:
      for (const std::string& id : st.ids) {
        if (Left(g, id)) done.ids.push_back(id);
      }
      break;
    case Kind::kDeregister:
      for (const std::string& id : st.ids) {
        if (Deregistered(g, id)) done.ids.push_back(id);
      }
      break;
    case Kind::kTerminateDetached: {
      ASSIGN_OR_RETURN(std::vector<cloud::Instance> alive, cloud_.instances.ListInstances(st.ids));
      for (const std::string& id : st.ids) {
        bool running = std::any_of(alive.begin(), alive.end(), [&](const cloud::Instance& i) {
          return i.id == id && (i.ec2_state == "running" || i.ec2_state == "pending");
        });
        if (!running) done.ids.push_back(id);
      }
      break;
    }
    default:
      // Sizes are observed afresh; the rest are rotor's own decisions (or, for a rollback, an
      // idempotent change of the launch spec): the planner simply decides them again.
      return core::Status::Ok();
  }
  if (!done.ids.empty()) {
    View ignored;  // Resume observes right after this
    Apply(done, s_, ignored);
  }
  return core::Status::Ok();
}

}  // namespace rotor::rollout
