// An in-memory cloud::Cloud holding plain model values; for ops tests.
#pragma once

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/strings.h"

namespace rotor::testing {

class FakeCloud final : public cloud::Cloud {
 public:
  std::map<std::string, cloud::Group> groups;
  std::map<std::string, cloud::Stack> stacks;
  std::vector<cloud::Instance> instances;  // running ones, for ListInstances
  std::vector<cloud::Image> images;

  core::Result<std::vector<cloud::Group>> ObserveGroups(
      const std::vector<std::string>& names) override {
    std::vector<cloud::Group> out;
    for (const std::string& n : names) {
      auto it = groups.find(n);
      if (it == groups.end()) return core::NotFound(fmt::format("group '{}' does not exist", n));
      out.push_back(it->second);
    }
    return out;
  }

  core::Result<std::vector<cloud::Group>> ListGroups(
      const std::vector<std::string>& names) override {
    std::vector<cloud::Group> out;
    for (const auto& [name, g] : groups) {
      if (names.empty() || std::find(names.begin(), names.end(), name) != names.end()) {
        out.push_back(g);
      }
    }
    return out;
  }

  core::Result<cloud::Stack> DescribeStack(const std::string& name) override {
    auto it = stacks.find(name);
    if (it == stacks.end()) return core::NotFound(fmt::format("stack '{}' does not exist", name));
    return it->second;
  }

  core::Result<std::vector<cloud::Instance>> ListInstances(
      const std::vector<std::string>&) override {
    return instances;
  }

  core::Result<std::vector<cloud::Image>> DescribeImages(
      const std::vector<std::string>& ids) override {
    std::vector<cloud::Image> out;
    for (const std::string& id : ids) {
      auto it = std::find_if(images.begin(), images.end(), [&](auto& i) { return i.id == id; });
      out.push_back(it == images.end() ? cloud::Image{id, "", "", "deregistered", std::nullopt}
                                       : *it);
    }
    return out;
  }

  core::Result<std::vector<cloud::Image>> FindImages(const cloud::ImageQuery& q) override {
    std::vector<cloud::Image> out;
    for (const cloud::Image& i : images) {
      if (core::GlobMatch(q.name_glob, i.name)) out.push_back(i);
    }
    return out;
  }
};

}  // namespace rotor::testing
