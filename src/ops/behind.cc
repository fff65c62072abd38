#include "ops/behind.h"

#include <fmt/format.h>

#include <map>

#include "core/strings.h"
#include "ops/images.h"

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

}  // namespace rotor::ops
