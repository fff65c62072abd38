// EC2 reads, decoded into cloud model values.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "aws/client.h"
#include "cloud/model.h"

namespace rotor::aws::ec2 {

// Calls an EC2 Describe action for every page (NextToken), handing each answer's root element
// to `on_page`; stops at the first error.
core::Status ForEachPage(AwsClient& client, const std::string& action, const Params& params,
                         const std::function<void(const pugi::xml_node&)>& on_page);

// Instances in the given states (e.g. {"pending", "running"}), restricted to `ids` when not
// empty (ids that no longer exist are simply absent), every page.
core::Result<std::vector<cloud::Instance>> DescribeInstances(
    AwsClient& client, const std::vector<std::string>& ids, const std::vector<std::string>& states);

// Images by id; ids that do not exist are absent from the answer.
core::Result<std::vector<cloud::Image>> DescribeImagesById(AwsClient& client,
                                                           const std::vector<std::string>& ids);
// Available images whose name matches `name_glob` (EC2's own wildcard syntax), owned by
// `owners`.
core::Result<std::vector<cloud::Image>> FindImages(AwsClient& client, const std::string& name_glob,
                                                   const std::vector<std::string>& owners);

struct LaunchTemplate {
  std::string id;
  std::string name;
  std::string latest_version;
  std::string default_version;
};
core::Result<std::map<std::string, LaunchTemplate>> DescribeLaunchTemplates(
    AwsClient& client, const std::vector<std::string>& ids, const std::vector<std::string>& names);

struct TemplateVersion {
  std::string number;
  std::string image_id;
  std::string instance_type;
};
// The given versions (numbers, "$Latest" or "$Default") of one template, keyed by number.
core::Result<std::map<std::string, TemplateVersion>> DescribeLaunchTemplateVersions(
    AwsClient& client, const std::string& template_id, const std::vector<std::string>& versions);

core::Status TerminateInstances(AwsClient& client, const std::vector<std::string>& ids);

// Default vCPUs per instance type (DescribeInstanceTypes); unknown types are absent.
core::Result<std::map<std::string, int>> InstanceTypeVcpus(AwsClient& client,
                                                           const std::vector<std::string>& types);

// Decoding, exposed for tests on recorded answers and for ec2_hosts.cc.
cloud::Instance DecodeInstance(const pugi::xml_node& item);  // one instancesSet item
void DecodeInstances(const pugi::xml_node& root, std::vector<cloud::Instance>& out);
void DecodeImages(const pugi::xml_node& root, std::vector<cloud::Image>& out);

}  // namespace rotor::aws::ec2
