#include "ops/image_choice.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "cloud/images.h"
#include "core/strings.h"

namespace rotor::ops {
namespace {

bool Digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool Separator(char c) { return c == '.' || c == '-' || c == '_'; }

// The end of a version token starting at `i` (digits with single separators between), and how
// many digits it has.
std::pair<size_t, int> TokenAt(const std::string& s, size_t i) {
  int digits = 0;
  size_t end = i;
  while (end < s.size()) {
    if (Digit(s[end])) {
      ++digits;
      ++end;
    } else if (Separator(s[end]) && end + 1 < s.size() && Digit(s[end + 1])) {
      ++end;
    } else {
      break;
    }
  }
  return {end, digits};
}

bool Usable(const cloud::Image& i, core::Time now) {
  return i.state == "available" && i.created.has_value() && !(i.deprecated && *i.deprecated <= now);
}

core::Status FitsType(const cloud::Image& image, const std::string& instance_type) {
  std::string want = ArchitectureOf(instance_type);
  if (image.architecture.empty() || image.architecture == want) return core::Status::Ok();
  return core::InvalidArgument(fmt::format(
      "image {} ({}) is {} but instance type {} needs {}: pick an image of that architecture or "
      "another --instance-type",
      image.id, image.name, image.architecture, instance_type, want));
}

}  // namespace

std::string FamilyGlob(const std::string& name) {
  std::optional<std::pair<size_t, size_t>> last;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!Digit(name[i])) continue;
    bool word_start = i == 0 || Separator(name[i - 1]) || name[i - 1] == '/' || name[i - 1] == ' ';
    auto [end, digits] = TokenAt(name, i);
    if (word_start && digits >= 4) last = {i, end};
    i = end;
  }
  if (!last) return name;
  return name.substr(0, last->first) + "*" + name.substr(last->second);
}

std::string ArchitectureOf(const std::string& instance_type) {
  std::string family = instance_type.substr(0, instance_type.find('.'));
  if (family == "a1") return "arm64";
  size_t d = family.find_first_of("0123456789");
  if (d == std::string::npos) return "x86_64";
  size_t after = family.find_first_not_of("0123456789", d);
  if (after != std::string::npos && family[after] == 'g') return "arm64";
  return "x86_64";
}

std::string QueryGlob(const ImageRequest& r, const cloud::Image& current) {
  if (r.image != "latest" && !cloud::IsImageId(r.image)) return r.image;
  return r.name_filter.empty() ? FamilyGlob(current.name) : r.name_filter;
}

std::string QueryOwner(const ImageRequest& r, const cloud::Image& current) {
  return r.owner.empty() ? current.owner_id : r.owner;
}

core::Result<ImageChoice> ChooseImage(const ImageRequest& r, const cloud::Image& current,
                                      const std::vector<cloud::Image>& candidates,
                                      const std::string& instance_type, core::Time now) {
  if (cloud::IsImageId(r.image)) {
    auto it = std::find_if(candidates.begin(), candidates.end(),
                           [&](const cloud::Image& i) { return i.id == r.image; });
    if (it == candidates.end() || it->state != "available") {
      return core::InvalidArgument(
          fmt::format("--image {}: no such available image in this region", r.image));
    }
    RETURN_IF_ERROR(FitsType(*it, instance_type));
    return ImageChoice{*it, "as given"};
  }
  std::string glob = QueryGlob(r, current);
  std::string owner = QueryOwner(r, current);
  std::string arch = ArchitectureOf(instance_type);
  std::vector<cloud::Image> family;
  for (const cloud::Image& i : candidates) {
    if (!Usable(i, now) || !core::GlobMatch(glob, i.name)) continue;
    if (!owner.empty() && !i.owner_id.empty() && i.owner_id != owner) continue;
    if (!i.architecture.empty() && i.architecture != arch) continue;
    if (r.image == "latest" && !current.virtualization.empty() && !i.virtualization.empty() &&
        i.virtualization != current.virtualization) {
      continue;
    }
    family.push_back(i);
  }
  if (family.empty()) {
    return core::InvalidArgument(
        fmt::format("--image {}: no available {} image named {} owned by {}; see `rotor images` "
                    "or give --image-filter / --owner",
                    r.image, arch, glob, owner.empty() ? "anyone" : owner));
  }
  auto newest = std::max_element(family.begin(), family.end(), [](const auto& a, const auto& b) {
    return *a.created != *b.created ? *a.created < *b.created : a.id < b.id;
  });
  return ImageChoice{*newest, fmt::format("newest by creation date of {} available {} image{} "
                                          "named {} owned by {}",
                                          family.size(), arch, family.size() == 1 ? "" : "s", glob,
                                          owner.empty() ? "anyone" : owner)};
}

}  // namespace rotor::ops
