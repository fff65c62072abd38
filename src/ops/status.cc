#include "ops/status.h"

#include <algorithm>

#include "rollout/engine.h"

namespace rotor::ops {

core::Result<StatusReport> BuildStatus(cloud::Cloud& cloud, const TargetSelector& selector) {
  ASSIGN_OR_RETURN(Targets targets, ResolveTargets(cloud, selector));
  StatusReport report;
  report.stack = targets.stack;
  ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, cloud.groups.ObserveGroups(targets.groups));
  for (cloud::Group& g : groups) {
    GroupStatus gs;
    std::sort(g.instances.begin(), g.instances.end(),
              [](const cloud::Instance& a, const cloud::Instance& b) {
                return std::tie(a.launch_time, a.id) < std::tie(b.launch_time, b.id);
              });
    for (cloud::Instance& i : g.instances) {
      MemberStatus m{std::move(i), false, false};
      m.out_of_date = cloud::IsOutOfDate(g, m.instance);
      m.in_service_everywhere = rollout::IsReady(m.instance);
      gs.out_of_date += m.out_of_date;
      gs.ready += m.in_service_everywhere;
      gs.members.push_back(std::move(m));
    }
    g.instances.clear();
    gs.group = std::move(g);
    report.groups.push_back(std::move(gs));
  }
  return report;
}

}  // namespace rotor::ops
