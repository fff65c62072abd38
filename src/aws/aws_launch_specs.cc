// AwsLaunchSpecs: template versions through EC2, launch configurations through Auto Scaling.
// Every field of a version or configuration is read (flattened by its wire name) so that a copy
// can be checked field by field.
#include "aws/aws_launch_specs.h"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <set>

#include "aws/ec2.h"
#include "core/strings.h"

namespace rotor::aws {
namespace {

// Every non-empty leaf under `node`, keyed by its path of element names; list entries
// ("member" in Auto Scaling answers, "item" in EC2's) are numbered from 1 as the requests number
// them ("SecurityGroups.member.1", "securityGroupIdSet.1").
void Flatten(const pugi::xml_node& node, const std::string& prefix,
             std::map<std::string, std::string>& out) {
  int index = 0;
  for (const pugi::xml_node& c : node.children()) {
    if (c.type() != pugi::node_element) continue;
    std::string name = c.name();
    std::string key = name == "item"     ? fmt::format("{}.{}", prefix, ++index)
                      : name == "member" ? fmt::format("{}.member.{}", prefix, ++index)
                      : prefix.empty()   ? name
                                         : prefix + "." + name;
    if (c.first_child().type() == pugi::node_element) {
      Flatten(c, key, out);
    } else if (!std::string(c.text().get()).empty()) {
      out[key] = c.text().get();
    }
  }
}

// A provider error in the layers' words: a template, version or configuration that is gone is
// kNotFound.
core::Status Translate(core::Status s, const std::string& what) {
  if (s.ok()) return s;
  if (s.aws_code().find("NotFound") != std::string::npos) {
    return core::NotFound(fmt::format("{} does not exist ({})", what, s.message()))
        .set_aws_code(s.aws_code());
  }
  return s.WithContext(what);
}

core::Result<std::string> DecodeUserData(const std::string& base64, const std::string& what) {
  if (base64.empty()) return std::string();
  auto bytes = core::Base64Decode(base64);
  if (!bytes.ok()) return core::Status(core::Code::kMalformed, what + ": user data is not base64");
  return *bytes;
}

core::Result<cloud::LaunchData> TemplateData(const pugi::xml_node& v, const std::string& id) {
  pugi::xml_node data = v.child("launchTemplateData");
  cloud::LaunchData d;
  d.spec.kind = cloud::LaunchSpec::Kind::kTemplate;
  d.spec.template_id = id;
  d.spec.template_name = Text(v, "launchTemplateName");
  d.spec.version = d.spec.resolved_version = Text(v, "versionNumber");
  d.description = Text(v, "versionDescription");
  Flatten(data, "", d.other);
  d.image_id = d.other["imageId"];
  d.instance_type = d.other["instanceType"];
  ASSIGN_OR_RETURN(d.user_data, DecodeUserData(d.other["userData"], "launch template " + id));
  for (const char* k : {"imageId", "instanceType", "userData"}) d.other.erase(k);
  return d;
}

}  // namespace

// A launch template field as DescribeLaunchTemplateVersions names it ("blockDeviceMappingSet.1.
// ebs.volumeSize") to the name CreateLaunchTemplateVersion takes ("BlockDeviceMapping.1.Ebs.
// VolumeSize"), as the EC2 model defines them: each part capitalized, a list's "Set" dropped,
// and the three lists the model names differently. Empty for read-only fields, which are not
// sent.
std::string TemplateRequestName(const std::string& key) {
  static const std::map<std::string, std::string> kRenamed = {
      {"licenseSet", "LicenseSpecification"},
      {"networkInterfaceSet.groupSet", "SecurityGroupId"},
      {"secondaryInterfaceSet.privateIpAddressesSet", "PrivateIpAddress"}};
  static const std::set<std::string> kReadOnly = {"metadataOptions.state", "operator",
                                                  "isPrimaryIpv6"};
  std::vector<std::string> parts = core::Split(key, '.');
  std::string out, context;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    bool index = !p.empty() && std::isdigit(static_cast<unsigned char>(p[0]));
    if (!index) {
      std::string scoped = context.empty() ? p : context + "." + p;
      if (kReadOnly.count(p) || kReadOnly.count(scoped)) return "";
      std::string name = p;
      if (auto r = kRenamed.find(scoped); r != kRenamed.end()) {
        name = r->second;
      } else if (auto r2 = kRenamed.find(p); r2 != kRenamed.end() && context.empty()) {
        name = r2->second;
      } else if (i + 1 < parts.size() && core::EndsWith(p, "Set") &&
                 std::isdigit(static_cast<unsigned char>(parts[i + 1][0]))) {
        name = p.substr(0, p.size() - 3);
      }
      name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
      context = p;
      out += (out.empty() ? "" : ".") + name;
    } else {
      out += "." + p;
    }
  }
  return out;
}

core::Result<cloud::LaunchData> AwsLaunchSpecs::ReadLaunchData(const cloud::LaunchSpec& spec) {
  if (spec.kind == cloud::LaunchSpec::Kind::kConfiguration) {
    std::string what = "launch configuration " + spec.configuration_name;
    Params p;
    p.AddMemberList("LaunchConfigurationNames", {spec.configuration_name});
    auto doc = asg_.Query("DescribeLaunchConfigurations", p);
    if (!doc.ok()) return Translate(doc.status(), what);
    pugi::xml_node lc = (*doc)
                            ->document_element()
                            .child("DescribeLaunchConfigurationsResult")
                            .child("LaunchConfigurations")
                            .child("member");
    if (!lc) return core::NotFound(what + " does not exist");
    cloud::LaunchData d;
    d.spec.kind = spec.kind;
    d.spec.configuration_name = spec.configuration_name;
    Flatten(lc, "", d.other);
    d.image_id = d.other["ImageId"];
    d.instance_type = d.other["InstanceType"];
    ASSIGN_OR_RETURN(d.user_data, DecodeUserData(d.other["UserData"], what));
    for (const char* k : {"ImageId", "InstanceType", "UserData", "LaunchConfigurationName",
                          "LaunchConfigurationARN", "CreatedTime"}) {
      d.other.erase(k);
    }
    return d;
  }
  std::string version = spec.resolved_version.empty() ? spec.version : spec.resolved_version;
  std::string what = fmt::format("version {} of launch template {}", version, spec.template_id);
  Params p;
  p.Add("LaunchTemplateId", spec.template_id);
  p.AddIndexedList("LaunchTemplateVersion", {version});
  auto doc = ec2_.Query("DescribeLaunchTemplateVersions", p);
  if (!doc.ok()) return Translate(doc.status(), what);
  auto versions = ListItems((*doc)->document_element(), "launchTemplateVersionSet");
  if (versions.empty()) return core::NotFound(what + " does not exist");
  return TemplateData(versions.front(), spec.template_id);
}

core::Result<std::string> AwsLaunchSpecs::DefaultVersion(const std::string& template_id) {
  auto templates = ec2::DescribeLaunchTemplates(ec2_, {template_id}, {});
  if (!templates.ok()) return Translate(templates.status(), "launch template " + template_id);
  auto it = templates->find(template_id);
  if (it == templates->end()) return core::NotFound("launch template " + template_id);
  return it->second.default_version;
}

core::Result<std::optional<std::string>> AwsLaunchSpecs::FindVersion(
    const std::string& template_id, const std::string& description) {
  std::optional<std::string> found;
  std::string token;
  do {
    Params p;
    p.Add("LaunchTemplateId", template_id);
    if (!token.empty()) p.Add("NextToken", token);
    auto doc = ec2_.Query("DescribeLaunchTemplateVersions", p);
    if (!doc.ok()) return Translate(doc.status(), "launch template " + template_id);
    for (const pugi::xml_node& v :
         ListItems((*doc)->document_element(), "launchTemplateVersionSet")) {
      if (Text(v, "versionDescription") == description) found = Text(v, "versionNumber");
    }
    token = Text((*doc)->document_element(), "nextToken");
  } while (!token.empty());
  return found;
}

// Every field of the source is sent (by its request name); the new version is then read back
// and every field compared with the source's, so a copy that lost anything is refused rather
// than launched.
core::Result<std::string> AwsLaunchSpecs::CreateVersion(const std::string& template_id,
                                                        const cloud::LaunchData& data,
                                                        const std::string& description) {
  std::string what = "launch template " + template_id;
  Params p;
  p.Add("LaunchTemplateId", template_id);
  p.Add("VersionDescription", description);
  // The complete data, never SourceVersion alone: what rotor read is what it writes.
  for (const auto& [key, value] : data.other) {
    std::string name = TemplateRequestName(key);
    if (!name.empty()) p.Add("LaunchTemplateData." + name, value);
  }
  p.Add("LaunchTemplateData.ImageId", data.image_id);
  p.Add("LaunchTemplateData.InstanceType", data.instance_type);
  if (!data.user_data.empty()) {
    p.Add("LaunchTemplateData.UserData", core::Base64Encode(data.user_data));
  }
  auto doc = ec2_.Query("CreateLaunchTemplateVersion", p);
  if (!doc.ok()) return Translate(doc.status(), what);
  pugi::xml_node v = (*doc)->document_element().child("launchTemplateVersion");
  ASSIGN_OR_RETURN(cloud::LaunchData made, TemplateData(v, template_id));
  for (const auto& [key, value] : data.other) {
    if (TemplateRequestName(key).empty()) continue;  // read-only: EC2 sets it
    auto it = made.other.find(key);
    if (it == made.other.end() || it->second != value) {
      return core::Status(core::Code::kFailedPrecondition,
                          fmt::format("{}: version {} differs from version {} in {} ('{}' "
                                      "instead of '{}'); it was created but is not used",
                                      what, made.spec.version, data.spec.resolved_version, key,
                                      it == made.other.end() ? "" : it->second, value));
    }
  }
  return made.spec.version;
}

core::Status AwsLaunchSpecs::SetDefaultVersion(const std::string& template_id,
                                               const std::string& version) {
  Params p;
  p.Add("LaunchTemplateId", template_id);
  p.Add("SetDefaultVersion", version);
  return Translate(ec2_.Query("ModifyLaunchTemplate", p).status(),
                   "launch template " + template_id);
}

core::Status AwsLaunchSpecs::CreateConfiguration(const std::string& name,
                                                 const cloud::LaunchData& data) {
  // AWS refuses a name in use (AlreadyExists); look first as well, so that no endpoint that
  // would replace it silently (moto does) ever does.
  cloud::LaunchSpec existing;
  existing.kind = cloud::LaunchSpec::Kind::kConfiguration;
  existing.configuration_name = name;
  auto there = ReadLaunchData(existing);
  if (there.ok()) {
    return core::Status(core::Code::kFailedPrecondition,
                        "launch configuration " + name + " already exists");
  }
  if (there.status().code() != core::Code::kNotFound) return there.status();
  Params p;
  p.Add("LaunchConfigurationName", name);
  p.Add("ImageId", data.image_id);
  p.Add("InstanceType", data.instance_type);
  if (!data.user_data.empty()) p.Add("UserData", core::Base64Encode(data.user_data));
  for (const auto& [key, value] : data.other) p.Add(key, value);
  core::Status s = asg_.Query("CreateLaunchConfiguration", p).status();
  if (s.aws_code() == "AlreadyExists") {
    return core::Status(core::Code::kFailedPrecondition,
                        "launch configuration " + name + " already exists")
        .set_aws_code(s.aws_code());
  }
  return Translate(s, "launch configuration " + name);
}

}  // namespace rotor::aws
