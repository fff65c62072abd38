#include "cloud/model.h"

#include "cloud/images.h"

namespace rotor::cloud {

std::string LaunchSpec::Describe() const {
  switch (kind) {
    case Kind::kTemplate: {
      std::string v = resolved_version.empty() ? version : resolved_version;
      std::string out = (template_name.empty() ? template_id : template_name) + " v" + v;
      if (!version.empty() && version != v) out += " (" + version + ")";
      return out;
    }
    case Kind::kConfiguration:
      return configuration_name;
    case Kind::kNone:
      break;
  }
  return "none";
}

bool IsImageId(std::string_view text) { return text.starts_with("ami-"); }

bool IsOutOfDate(const Group& group, const Instance& instance) {
  const LaunchSpec& want = group.spec;
  const LaunchSpec& have = instance.spec;
  if (want.kind != have.kind) return true;
  if (want.kind == LaunchSpec::Kind::kTemplate) {
    if (!want.template_id.empty() && !have.template_id.empty() &&
        want.template_id != have.template_id) {
      return true;
    }
    if (!want.resolved_version.empty() && !have.resolved_version.empty() &&
        want.resolved_version != have.resolved_version) {
      return true;
    }
  } else if (want.kind == LaunchSpec::Kind::kConfiguration &&
             want.configuration_name != have.configuration_name) {
    return true;
  }
  return !want.image_id.empty() && !instance.image_id.empty() && want.image_id != instance.image_id;
}

Image DeregisteredImage(const std::string& id) {
  Image gone;
  gone.id = id;
  gone.state = "deregistered";
  return gone;
}

}  // namespace rotor::cloud
