// `rotor images`: which AMIs run where, and how far behind the newest each stack is. Reads only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud.h"

namespace rotor::ops {

struct ImagesOptions {
  std::vector<std::string> stacks;          // empty: every running instance in the region
  std::string image_filter;                 // name glob; empty: no "newest" comparison
  std::vector<std::string> owners;          // for the filter; empty: "self"
  std::optional<int> hide_older_than_days;  // hide unused images older than this
  core::Time now{};
};

struct ImageRow {
  cloud::Image image;
  std::optional<int> age_days;  // empty when the creation date is unknown
  int instances = 0;
  std::map<std::string, int> stacks;  // stack ("" = none) -> instances
  bool newest = false;                // the newest image matching the filter
};

struct StackCurrency {
  std::string stack;
  int instances = 0;
  bool current = false;            // every instance runs the newest image
  std::optional<int> days_behind;  // newest.created − oldest used image's created
};

struct ImagesReport {
  std::vector<ImageRow> images;        // newest first; unknown dates last
  std::optional<cloud::Image> newest;  // with a filter, when one matches
  std::vector<StackCurrency> stacks;   // with a filter
};

core::Result<ImagesReport> BuildImages(cloud::Cloud& cloud, const ImagesOptions& options);

inline constexpr char kStackTag[] = "aws:cloudformation:stack-name";

}  // namespace rotor::ops
