// LaunchSpecs: what groups launch — launch template versions and launch configurations, read in
// full and written as new versions or copies (DESIGN.md section 7b, patch). A group is pointed at
// a spec through GroupChanges::SetLaunchSpec.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "cloud/model.h"
#include "core/status.h"

namespace rotor::cloud {

// The complete data of one template version or one configuration. Every field is kept: the
// three a patch changes by name, the others by their request name ("KeyName",
// "SecurityGroups.member.1", "BlockDeviceMappings.member.1.Ebs.VolumeSize", ...) so that a copy
// loses none and a plan can diff them one by one.
struct LaunchData {
  LaunchSpec spec;  // the template version (resolved number) or configuration it is
  std::string image_id;
  std::string instance_type;
  std::string user_data;  // decoded bytes (may be gzip-compressed); empty if none
  std::map<std::string, std::string> other;
  std::string description;  // a template version's description; rotor marks its own with it

  bool operator==(const LaunchData&) const = default;
};

class LaunchSpecs {
 public:
  virtual ~LaunchSpecs() = default;

  // The data `spec` launches with: a template at `spec.resolved_version` (or `spec.version`
  // when it is a number), or a configuration by name. kNotFound when either is gone.
  virtual core::Result<LaunchData> ReadLaunchData(const LaunchSpec& spec) = 0;

  // The template's default version number. kNotFound for an unknown template.
  virtual core::Result<std::string> DefaultVersion(const std::string& template_id) = 0;

  // The newest version of the template with this exact description, if any: how a resumed
  // patch finds the version it made before a crash or a lost answer.
  virtual core::Result<std::optional<std::string>> FindVersion(const std::string& template_id,
                                                               const std::string& description) = 0;

  // A new version of `template_id` with `data` (all of it, not only what changed) and
  // `description`; returns its number.
  virtual core::Result<std::string> CreateVersion(const std::string& template_id,
                                                  const LaunchData& data,
                                                  const std::string& description) = 0;

  virtual core::Status SetDefaultVersion(const std::string& template_id,
                                         const std::string& version) = 0;

  // A new launch configuration `name` with `data`. kFailedPrecondition when the name is taken.
  virtual core::Status CreateConfiguration(const std::string& name, const LaunchData& data) = 0;
};

// Forwards every verb to another LaunchSpecs; a test overrides only what it cares about.
class LaunchSpecsWrapper : public LaunchSpecs {
 public:
  explicit LaunchSpecsWrapper(LaunchSpecs& target) : target_(target) {}
  core::Result<LaunchData> ReadLaunchData(const LaunchSpec& spec) override {
    return target_.ReadLaunchData(spec);
  }
  core::Result<std::string> DefaultVersion(const std::string& template_id) override {
    return target_.DefaultVersion(template_id);
  }
  core::Result<std::optional<std::string>> FindVersion(const std::string& template_id,
                                                       const std::string& description) override {
    return target_.FindVersion(template_id, description);
  }
  core::Result<std::string> CreateVersion(const std::string& template_id, const LaunchData& data,
                                          const std::string& description) override {
    return target_.CreateVersion(template_id, data, description);
  }
  core::Status SetDefaultVersion(const std::string& template_id,
                                 const std::string& version) override {
    return target_.SetDefaultVersion(template_id, version);
  }
  core::Status CreateConfiguration(const std::string& name, const LaunchData& data) override {
    return target_.CreateConfiguration(name, data);
  }

 private:
  LaunchSpecs& target_;
};

}  // namespace rotor::cloud
