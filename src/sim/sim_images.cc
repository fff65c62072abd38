// SimImages: the scenario's images, as EC2 describes and finds them.
#include "sim/sim_images.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "sim/world.h"

namespace rotor::sim {

core::Result<std::vector<cloud::Image>> SimImages::DescribeImages(
    const std::vector<std::string>& ids) {
  for (int p = Pages(ids.size(), 200); p > 0; --p)
    RETURN_IF_ERROR(world_.Api(kEc2, "DescribeImages", false));
  std::vector<cloud::Image> out;
  for (const std::string& id : ids) {
    auto it = std::find_if(world_.images_.begin(), world_.images_.end(),
                           [&](auto& i) { return i.id == id; });
    if (it == world_.images_.end())
      out.push_back(cloud::DeregisteredImage(id));
    else
      out.push_back(it->ToImage());
  }
  return out;
}

core::Result<std::vector<cloud::Image>> SimImages::FindImages(const cloud::ImageQuery& q) {
  RETURN_IF_ERROR(world_.Api(kEc2, "DescribeImages", false));
  std::vector<cloud::Image> out;
  for (const ImageSpec& i : world_.images_) {
    if (i.state != "available") continue;
    if (q.name_glob.empty() || core::GlobMatch(q.name_glob, i.name)) out.push_back(i.ToImage());
  }
  return out;
}

}  // namespace rotor::sim
