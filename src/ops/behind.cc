#include "ops/behind.h"

#include <fmt/format.h>

#include <map>

#include "core/strings.h"
#include "ops/images.h"
#include "ops/targets.h"

namespace rotor::ops {
namespace {

// Why `stack`, running `images`, is left alone; "" when it is in the family.
std::string Outside(const std::string& stack, const std::vector<const ImageRow*>& images,
                    const std::string& glob) {
  for (const ImageRow* row : images) {
    if (row->image.name.empty()) {
      return fmt::format("{}: runs {}, whose name is unknown (deregistered?): left alone", stack,
                         row->image.id);
    }
    if (!core::GlobMatch(glob, row->image.name)) {
      return fmt::format("{}: runs {} ({}), outside {}: left alone", stack, row->image.id,
                         row->image.name, glob);
    }
  }
  return "";
}

// Whether the plan changes nothing: no new spec, no member to replace.
bool Current(const UpgradePlan& plan, const std::vector<cloud::Group>& groups) {
  for (const GroupPatch& p : plan.patch.groups) {
    if (p.Changes()) return false;
    for (const cloud::Group& g : groups) {
      if (g.name == p.group && MembersToReplace(plan, p, g) > 0) return false;
    }
  }
  return true;
}

}  // namespace

core::Result<Behind> FindBehind(cloud::Cloud& cloud, const std::string& image_filter,
                                const std::vector<std::string>& owners, core::Time now) {
  ImagesOptions o;
  o.image_filter = image_filter;
  o.owners = owners;
  o.now = now;
  ASSIGN_OR_RETURN(ImagesReport report, BuildImages(cloud, o));
  if (!report.newest) {
    return core::NotFound(fmt::format(
        "no available image is named like '{}'{}: nothing to be current with (see `rotor "
        "images --image-filter`)",
        image_filter, owners.empty() ? "" : " owned by " + core::Join(owners, ",")));
  }
  Behind out;
  out.newest = *report.newest;
  std::map<std::string, std::vector<const ImageRow*>> run_by;  // stack -> images its members run
  for (const ImageRow& row : report.images) {
    for (const auto& [stack, n] : row.stacks) run_by[stack].push_back(&row);
  }
  for (const StackCurrency& c : report.stacks) {
    if (c.stack.empty() || c.current) continue;
    std::string outside = Outside(c.stack, run_by[c.stack], image_filter);
    if (!outside.empty()) {
      out.left.push_back(outside);
      continue;
    }
    out.stacks.push_back({c.stack, c.instances, c.days_behind});
  }
  return out;
}

core::Result<AllBehindPlan> PlanAllBehind(
    cloud::Cloud& cloud, const AllBehindRequest& request, const rollout::Policy& policy,
    core::Time now, const std::function<std::string(const std::string& stack)>& id_for) {
  std::vector<std::string> owners;
  if (!request.owner.empty()) owners.push_back(request.owner);
  AllBehindPlan all;
  all.glob = request.image_filter;
  ASSIGN_OR_RETURN(all.behind, FindBehind(cloud, request.image_filter, owners, now));
  PatchRequest patch_request;
  patch_request.image = ImageRequest{"latest", request.image_filter, request.owner};
  for (const BehindStack& b : all.behind.stacks) {
    ASSIGN_OR_RETURN(Targets targets, ResolveTargets(cloud, {b.stack, "", "", ""}));
    ASSIGN_OR_RETURN(PatchPlan patch,
                     PlanPatch(cloud, targets.groups, patch_request, id_for(b.stack), now));
    UpgradePlan plan{patch, policy};
    ASSIGN_OR_RETURN(auto groups, cloud.groups.ObserveGroups(targets.groups));
    if (Current(plan, groups)) {
      all.current.push_back(b.stack);
      continue;
    }
    std::vector<std::string> roll = DescribeRoll(plan, groups);
    all.stacks.push_back({b.stack, b.days_behind, targets.groups, std::move(plan), roll});
  }
  return all;
}

}  // namespace rotor::ops
