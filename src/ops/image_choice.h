// Which image a patch moves a group to (DESIGN.md section 7b): `latest` is the newest available
// image by creation date (never by name) in the family of the image the group launches now;
// an id is taken as given; a glob picks the newest available image whose name matches. Every
// choice must fit the architecture of the instance type. Pure: the caller lists the candidates.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cloud/model.h"
#include "core/status.h"

namespace rotor::ops {

struct ImageRequest {
  std::string image = "latest";  // "latest", an AMI id, or a name glob
  std::string name_filter;       // --image-filter; empty: the current name's family
  std::string owner;             // --owner; empty: the current image's owner
};

struct ImageChoice {
  cloud::Image image;
  std::string why;  // "newest available of 4 images named app-* by 123456789012 (x86_64)"
};

// "app-2026.09" -> "app-*": the last date or version token (digits, at least 4 of them, with
// '.', '-' or '_' between, at a word start) becomes a wildcard. No such token: the name itself.
std::string FamilyGlob(const std::string& name);

// "x86_64" or "arm64" for an instance type ("m6g.large" -> arm64: Graviton families have a `g`
// right after their generation digit; "a1.*" too).
std::string ArchitectureOf(const std::string& instance_type);

// The image to use. `current`: the image the group launches now (its family for `latest`);
// `candidates`: the images the query for the request's owner and glob found; `instance_type`:
// what the new spec launches. kInvalidArgument naming the request when nothing fits, when the
// id is unknown or unavailable, or when its architecture does not fit the instance type.
core::Result<ImageChoice> ChooseImage(const ImageRequest& request, const cloud::Image& current,
                                      const std::vector<cloud::Image>& candidates,
                                      const std::string& instance_type, core::Time now);

// The name glob and owner to query for `request` (what FindImages should be asked).
std::string QueryGlob(const ImageRequest& request, const cloud::Image& current);
std::string QueryOwner(const ImageRequest& request, const cloud::Image& current);

}  // namespace rotor::ops
