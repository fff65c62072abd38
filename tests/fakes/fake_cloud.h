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
      out.push_back(it == images.end() ? cloud::DeregisteredImage(id) : *it);
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
  core::Status AttachInstances(const std::string& group,
                               const std::vector<std::string>& ids) override {
    actions.push_back("Attach " + group + " " + core::Join(ids, ","));
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

  // Launch specs: templates by id (version n at index n-1) and configurations by name.
  struct Template {
    std::vector<cloud::LaunchData> versions;
    int default_version = 1;
  };
  std::map<std::string, Template> templates;
  std::map<std::string, cloud::LaunchData> configurations;

  core::Result<cloud::LaunchData> ReadLaunchData(const cloud::LaunchSpec& spec) override {
    if (spec.kind == cloud::LaunchSpec::Kind::kConfiguration) {
      auto it = configurations.find(spec.configuration_name);
      if (it == configurations.end())
        return core::NotFound("no configuration " + spec.configuration_name);
      return it->second;
    }
    auto it = templates.find(spec.template_id);
    if (it == templates.end()) return core::NotFound("no template " + spec.template_id);
    std::string v = spec.resolved_version.empty() ? spec.version : spec.resolved_version;
    size_t n = v == "$Latest"    ? it->second.versions.size()
               : v == "$Default" ? it->second.default_version
                                 : std::strtoul(v.c_str(), nullptr, 10);
    if (n < 1 || n > it->second.versions.size()) return core::NotFound("no version " + v);
    return it->second.versions[n - 1];
  }
  core::Result<std::string> DefaultVersion(const std::string& id) override {
    if (!templates.count(id)) return core::NotFound("no template " + id);
    return std::to_string(templates[id].default_version);
  }
  core::Result<std::optional<std::string>> FindVersion(const std::string& id,
                                                       const std::string& description) override {
    if (!templates.count(id)) return core::NotFound("no template " + id);
    std::optional<std::string> found;
    const auto& vs = templates[id].versions;
    for (size_t i = 0; i < vs.size(); ++i) {
      if (vs[i].description == description) found = std::to_string(i + 1);
    }
    return found;
  }
  core::Result<std::string> CreateVersion(const std::string& id, const cloud::LaunchData& data,
                                          const std::string& description) override {
    if (!templates.count(id)) return core::NotFound("no template " + id);
    auto& vs = templates[id].versions;
    cloud::LaunchData d = data;
    d.description = description;
    d.spec.resolved_version = d.spec.version = std::to_string(vs.size() + 1);
    vs.push_back(d);
    actions.push_back("CreateVersion " + id + " " + d.spec.version + " " + d.image_id);
    return d.spec.version;
  }
  core::Status SetDefaultVersion(const std::string& id, const std::string& version) override {
    if (!templates.count(id)) return core::NotFound("no template " + id);
    templates[id].default_version = std::stoi(version);
    actions.push_back("SetDefaultVersion " + id + " " + version);
    return core::Status::Ok();
  }
  core::Status CreateConfiguration(const std::string& name,
                                   const cloud::LaunchData& data) override {
    if (configurations.count(name))
      return core::Status(core::Code::kFailedPrecondition, name + " exists");
    cloud::LaunchData d = data;
    d.spec.kind = cloud::LaunchSpec::Kind::kConfiguration;
    d.spec.configuration_name = name;
    configurations[name] = d;
    actions.push_back("CreateConfiguration " + name + " " + d.image_id);
    return core::Status::Ok();
  }

  // CloudFormation beyond DescribeStack is SimCloud's: tests of stack updates run on it.
  static core::Status NoStacks() {
    return core::Status(core::Code::kInternal, "FakeCloud has no CloudFormation: use SimCloud");
  }
  core::Result<cloud::StackSettings> ReadSettings(const std::string&) override {
    return NoStacks();
  }
  core::Result<cloud::TemplateSummary> Summarize(const std::string&) override { return NoStacks(); }
  core::Result<cloud::ChangeSet> PrepareChange(const cloud::StackChange&) override {
    return NoStacks();
  }
  core::Result<cloud::ChangeSet> ReadChange(const std::string&, const std::string&) override {
    return NoStacks();
  }
  core::Status ApplyChange(const std::string&, const std::string&) override { return NoStacks(); }
  core::Status DropChange(const std::string&, const std::string&) override { return NoStacks(); }
  core::Result<std::string> CreateStack(const cloud::StackChange&) override { return NoStacks(); }
  core::Result<std::vector<cloud::StackEvent>> Events(const std::string&,
                                                      const std::string&) override {
    return NoStacks();
  }
  core::Status CancelUpdate(const std::string&) override { return NoStacks(); }
  core::Result<std::string> ReadPolicy(const std::string&) override { return NoStacks(); }
  // Hosts, elastic IPs and Route 53 are SimCloud's: tests of host runbooks run on it.
  static core::Status NoHosts() {
    return core::Status(core::Code::kInternal,
                        "FakeCloud has no hosts, addresses, DNS or volumes: use SimCloud");
  }
  core::Result<cloud::Host> DescribeHost(const std::string&) override { return NoHosts(); }
  core::Result<std::vector<cloud::Host>> FindHosts(const std::string&,
                                                   const std::string&) override {
    return NoHosts();
  }
  core::Result<std::string> RunInstance(const cloud::LaunchLike&) override { return NoHosts(); }
  core::Status SetRunning(const std::string&, bool) override { return NoHosts(); }
  core::Status Tag(const std::string&, const std::map<std::string, std::string>&,
                   const std::vector<std::string>&) override {
    return NoHosts();
  }
  core::Status SetTerminationProtection(const std::string&, bool) override { return NoHosts(); }
  core::Result<std::string> ConsoleOutput(const std::string&) override { return NoHosts(); }
  core::Result<std::vector<cloud::ElasticIp>> AddressesOf(const std::string&) override {
    return NoHosts();
  }
  core::Result<cloud::ElasticIp> DescribeAddress(const std::string&) override { return NoHosts(); }
  core::Status Associate(const std::string&, const std::string&) override { return NoHosts(); }
  core::Status Disassociate(const std::string&) override { return NoHosts(); }
  core::Result<std::vector<cloud::HostedZone>> ListZones() override { return NoHosts(); }
  core::Result<std::vector<cloud::DnsRecord>> ListRecords(const std::string&) override {
    return NoHosts();
  }
  core::Result<std::string> ChangeRecords(const std::string&,
                                          const std::vector<cloud::RecordChange>&,
                                          const std::string&) override {
    return NoHosts();
  }
  core::Result<bool> ChangeInSync(const std::string&) override { return NoHosts(); }
  core::Result<std::vector<cloud::Volume>> DescribeVolumes(const cloud::VolumeQuery&) override {
    return NoHosts();
  }
  core::Status Attach(const std::string&, const std::string&, const std::string&) override {
    return NoHosts();
  }
  core::Status Detach(const std::string&, const std::string&) override { return NoHosts(); }
  core::Result<std::string> CreateSnapshot(const std::string&, const std::string&,
                                           const std::map<std::string, std::string>&) override {
    return NoHosts();
  }
  core::Result<std::vector<cloud::Snapshot>> DescribeSnapshots(
      const cloud::SnapshotQuery&) override {
    return NoHosts();
  }
  core::Result<std::vector<cloud::Snapshot>> CreateSnapshotSet(
      const cloud::SnapshotSetRequest&) override {
    return NoHosts();
  }
  core::Status DeleteSnapshot(const std::string&) override { return NoHosts(); }
  core::Result<std::string> CopySnapshot(const std::string&, const std::string&, const std::string&,
                                         const std::map<std::string, std::string>&) override {
    return NoHosts();
  }
  core::Result<std::string> CreateVolume(const cloud::NewVolume&) override { return NoHosts(); }
  core::Status ModifyVolume(const std::string&, const cloud::VolumeChange&) override {
    return NoHosts();
  }
  core::Result<std::vector<cloud::VolumeModification>> DescribeModifications(
      const std::vector<std::string>&) override {
    return NoHosts();
  }
};

}  // namespace rotor::testing
