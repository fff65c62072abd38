// An in-memory cloud::Cloud holding plain model values; for ops tests.
#pragma once

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/strings.h"

namespace rotor::testing {

class FakeCloud final : public cloud::Provider {
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

  core::Result<std::vector<cloud::Group>> PollGroups(
      const std::vector<std::string>& names) override {
    return ObserveGroups(names);
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

  core::Result<core::Duration> DrainTime(const std::string&) override { return core::Duration(0); }

  std::map<std::string, cloud::Surroundings> surroundings;  // by group; default: nothing
  cloud::LaunchRoom room{std::nullopt, "not set in the fake", ""};
  core::Result<cloud::Surroundings> DescribeSurroundings(const std::string& group) override {
    if (!groups.count(group))
      return core::NotFound(fmt::format("group '{}' does not exist", group));
    return surroundings[group];
  }
  core::Result<cloud::LaunchRoom> RoomFor(const std::string&) override { return room; }

  // Changes are applied to the stored groups and recorded, in order, as "Verb target".
  std::vector<std::string> actions;

  core::Status SetSizes(const std::string& group, const cloud::Sizes& s) override {
    actions.push_back("SetSizes " + group);
    cloud::Group& g = groups[group];
    if (s.min) g.min_size = *s.min;
    if (s.max) g.max_size = *s.max;
    if (s.desired) g.desired = *s.desired;
    return core::Status::Ok();
  }
  core::Status SetLaunchSpec(const std::string& group, const cloud::LaunchSpec& spec) override {
    actions.push_back("SetLaunchSpec " + group + " " + spec.Describe());
    groups[group].spec = spec;
    return core::Status::Ok();
  }
  core::Status SuspendProcesses(const std::string& group,
                                const std::vector<std::string>& p) override {
    actions.push_back("SuspendProcesses " + group);
    auto& sp = groups[group].suspended_processes;
    sp.insert(sp.end(), p.begin(), p.end());
    return core::Status::Ok();
  }
  core::Status ResumeProcesses(const std::string& group,
                               const std::vector<std::string>& p) override {
    actions.push_back("ResumeProcesses " + group);
    auto& sp = groups[group].suspended_processes;
    for (const std::string& name : p) sp.erase(std::remove(sp.begin(), sp.end(), name), sp.end());
    return core::Status::Ok();
  }
  core::Status TerminateInstance(const std::string& id, bool decrement) override {
    actions.push_back((decrement ? "TerminateDecrement " : "Terminate ") + id);
    return core::Status::Ok();
  }
  core::Status DetachInstances(const std::string& group, const std::vector<std::string>& ids,
                               bool decrement) override {
    actions.push_back((decrement ? "DetachDecrement " : "Detach ") + group + " " +
                      core::Join(ids, ","));
    return core::Status::Ok();
  }
  core::Status Deregister(const std::string& group, const std::vector<std::string>& ids) override {
    actions.push_back("Deregister " + group + " " + core::Join(ids, ","));
    return core::Status::Ok();
  }
  core::Status TerminateInstances(const std::vector<std::string>& ids) override {
    actions.push_back("TerminateInstances " + core::Join(ids, ","));
    return core::Status::Ok();
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
