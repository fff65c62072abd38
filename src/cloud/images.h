// Images: AMIs by id and by query.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/model.h"
#include "core/status.h"

namespace rotor::cloud {

struct ImageQuery {
  std::string name_glob;            // e.g. "app-*"; empty: any name
  std::vector<std::string> owners;  // account ids, "self", "amazon"; empty: "self"
};

// Whether `text` names one image by id (rather than by a name or glob): the provider's own form.
bool IsImageId(std::string_view text);

class Images {
 public:
  virtual ~Images() = default;

  // The images with these ids; ids that no longer exist come back with only `id` set.
  virtual core::Result<std::vector<Image>> DescribeImages(const std::vector<std::string>& ids) = 0;

  // Available images matching the query.
  virtual core::Result<std::vector<Image>> FindImages(const ImageQuery& query) = 0;
};

// Forwards every verb to another Images; a test overrides only what it cares about.
class ImagesWrapper : public Images {
 public:
  explicit ImagesWrapper(Images& target) : target_(target) {}
  core::Result<std::vector<Image>> DescribeImages(const std::vector<std::string>& ids) override {
    return target_.DescribeImages(ids);
  }
  core::Result<std::vector<Image>> FindImages(const ImageQuery& query) override {
    return target_.FindImages(query);
  }

 private:
  Images& target_;
};

}  // namespace rotor::cloud
