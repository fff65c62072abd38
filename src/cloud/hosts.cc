#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cloud/instances.h"
#include "core/strings.h"

namespace rotor::cloud {
namespace {

bool Gone(const Host& h) { return h.instance.ec2_state == "terminated"; }

// "i-0abc (running, eu-west-1a, launched 2026-11-02)"
std::string Candidate(const Host& h) {
  return fmt::format("{} ({}, {}, launched {})", h.instance.id, h.instance.ec2_state,
                     h.instance.zone, core::FormatIso8601(h.instance.launch_time).substr(0, 10));
}

std::string ClosestNames(const std::string& text, const std::vector<Host>& hosts) {
  std::vector<std::string> names;
  std::string lower = core::ToLower(text);
  for (const Host& h : hosts) {
    if (Gone(h) || h.name.empty()) continue;
    if (core::ToLower(h.name).find(lower) == std::string::npos) continue;
    if (std::find(names.begin(), names.end(), h.name) == names.end()) names.push_back(h.name);
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) return "give an instance id or the exact value of its Name tag";
  if (names.size() > 8) names.resize(8);
  return "names like it: " + core::Join(names, ", ");
}

}  // namespace

core::Result<Host> PickHost(const std::string& text, const std::vector<Host>& hosts) {
  std::vector<const Host*> found;
  bool by_id = text.rfind("i-", 0) == 0;
  for (const Host& h : hosts) {
    if (Gone(h)) continue;
    if (by_id ? h.instance.id == text : h.name == text) found.push_back(&h);
  }
  if (found.size() == 1) return *found.front();
  if (found.empty()) {
    if (by_id) return core::NotFound(fmt::format("no instance {} in this region", text));
    return core::NotFound(fmt::format("no instance is named '{}' (its Name tag); {}", text,
                                      ClosestNames(text, hosts)));
  }
  std::vector<std::string> listed;
  for (const Host* h : found) listed.push_back(Candidate(*h));
  return core::Status(core::Code::kAmbiguous,
                      fmt::format("'{}' names {} instances: {}; give the instance id", text,
                                  found.size(), core::Join(listed, ", ")));
}

}  // namespace rotor::cloud
