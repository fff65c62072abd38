#include "aws/ec2.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace rotor::aws::ec2 {
namespace {

constexpr size_t kFilterValuesPerCall = 200;  // EC2 accepts up to 200 values per filter

std::optional<core::Time> TimeText(const pugi::xml_node& n, const char* child) {
  auto t = core::ParseIso8601(Text(n, child));
  if (!t.ok()) return std::nullopt;
  return *t;
}

// The IPv6 addresses of the primary interface (device index 0), else the instance's own one.
std::vector<std::string> Ipv6Addresses(const pugi::xml_node& i) {
  std::vector<std::string> out;
  for (const pugi::xml_node& eni : ListItems(i, "networkInterfaceSet")) {
    if (IntText(eni.child("attachment"), "deviceIndex", 0) != 0) continue;
    for (const pugi::xml_node& a : ListItems(eni, "ipv6AddressesSet")) {
      out.push_back(Text(a, "ipv6Address"));
    }
  }
  if (out.empty() && !Text(i, "ipv6Address").empty()) out.push_back(Text(i, "ipv6Address"));
  return out;
}

template <typename Fn>
core::Status Paged(AwsClient& client, const std::string& action, Params base, Fn&& on_page) {
  std::string token;
  do {
    Params p = base;
    if (!token.empty()) p.Add("NextToken", token);
    ASSIGN_OR_RETURN(XmlDoc doc, client.Query(action, p));
    on_page(doc->document_element());
    token = Text(doc->document_element(), "nextToken");
  } while (!token.empty());
  return core::Status::Ok();
}

// Accepts the document or its root element.
pugi::xml_node Top(const pugi::xml_node& n) {
  if (n.type() != pugi::node_document) return n;
  for (const pugi::xml_node& c : n.children()) {
    if (c.type() == pugi::node_element) return c;
  }
  return n;
}

}  // namespace

core::Status ForEachPage(AwsClient& client, const std::string& action, const Params& params,
                         const std::function<void(const pugi::xml_node&)>& on_page) {
  return Paged(client, action, params, on_page);
}

cloud::Instance DecodeInstance(const pugi::xml_node& i) {
  cloud::Instance out;
  out.id = Text(i, "instanceId");
  out.image_id = Text(i, "imageId");
  out.ec2_state = Text(i.child("instanceState"), "name");
  out.instance_type = Text(i, "instanceType");
  out.zone = Text(i.child("placement"), "availabilityZone");
  out.private_ip = Text(i, "privateIpAddress");
  out.public_ip = Text(i, "ipAddress");
  out.ipv6_addresses = Ipv6Addresses(i);
  out.spot = Text(i, "instanceLifecycle") == "spot";
  if (auto t = TimeText(i, "launchTime")) out.launch_time = *t;
  for (const pugi::xml_node& tag : ListItems(i, "tagSet")) {
    out.tags[Text(tag, "key")] = Text(tag, "value");
  }
  return out;
}

void DecodeInstances(const pugi::xml_node& root, std::vector<cloud::Instance>& out) {
  for (const pugi::xml_node& r : ListItems(Top(root), "reservationSet")) {
    for (const pugi::xml_node& i : ListItems(r, "instancesSet")) out.push_back(DecodeInstance(i));
  }
}

void DecodeImages(const pugi::xml_node& root, std::vector<cloud::Image>& out) {
  for (const pugi::xml_node& i : ListItems(Top(root), "imagesSet")) {
    cloud::Image img;
    img.id = Text(i, "imageId");
    img.name = Text(i, "name");
    img.owner_id = Text(i, "imageOwnerId");
    img.state = Text(i, "imageState");
    img.created = TimeText(i, "creationDate");
    img.architecture = Text(i, "architecture");
    img.virtualization = Text(i, "virtualizationType");
    img.deprecated = TimeText(i, "deprecationTime");
    img.root_device = Text(i, "rootDeviceName");
    for (const pugi::xml_node& d : ListItems(i, "blockDeviceMapping")) {
      if (Text(d, "deviceName") != img.root_device) continue;
      img.root_size_gib = std::atoi(Text(d.child("ebs"), "volumeSize").c_str());
    }
    out.push_back(std::move(img));
  }
}

core::Result<std::vector<cloud::Instance>> DescribeInstances(
    AwsClient& client, const std::vector<std::string>& ids,
    const std::vector<std::string>& states) {
  std::vector<cloud::Instance> out;
  auto fetch = [&](const std::vector<std::string>& batch) -> core::Status {
    Params p;
    if (!batch.empty()) p.AddFilter("instance-id", batch);
    if (!states.empty()) p.AddFilter("instance-state-name", states);
    p.Add("MaxResults", "1000");
    return Paged(client, "DescribeInstances", p,
                 [&](const pugi::xml_node& root) { DecodeInstances(root, out); });
  };
  if (ids.empty()) {
    RETURN_IF_ERROR(fetch({}));
    return out;
  }
  RETURN_IF_ERROR(ForEachBatch(ids, kFilterValuesPerCall, fetch));
  return out;
}

core::Result<std::vector<cloud::Image>> DescribeImagesById(AwsClient& client,
                                                           const std::vector<std::string>& ids) {
  std::vector<cloud::Image> out;
  // The image-id filter (unlike ImageId.N) does not fail on ids that no longer exist.
  RETURN_IF_ERROR(
      ForEachBatch(ids, kFilterValuesPerCall, [&](const std::vector<std::string>& batch) {
        Params p;
        p.AddFilter("image-id", batch);
        p.Add("IncludeDeprecated", "true");
        return Paged(client, "DescribeImages", p,
                     [&](const pugi::xml_node& root) { DecodeImages(root, out); });
      }));
  return out;
}

core::Result<std::vector<cloud::Image>> FindImages(AwsClient& client, const std::string& name_glob,
                                                   const std::vector<std::string>& owners) {
  std::vector<cloud::Image> out;
  Params p;
  p.AddIndexedList("Owner", owners.empty() ? std::vector<std::string>{"self"} : owners);
  if (!name_glob.empty()) p.AddFilter("name", {name_glob});
  p.AddFilter("state", {"available"});
  p.Add("MaxResults", "1000");
  RETURN_IF_ERROR(Paged(client, "DescribeImages", p,
                        [&](const pugi::xml_node& root) { DecodeImages(root, out); }));
  return out;
}

core::Result<std::map<std::string, LaunchTemplate>> DescribeLaunchTemplates(
    AwsClient& client, const std::vector<std::string>& ids, const std::vector<std::string>& names) {
  std::map<std::string, LaunchTemplate> out;
  Params p;
  p.AddIndexedList("LaunchTemplateId", ids);
  p.AddIndexedList("LaunchTemplateName", names);
  RETURN_IF_ERROR(Paged(client, "DescribeLaunchTemplates", p, [&](const pugi::xml_node& root) {
    for (const pugi::xml_node& t : ListItems(root, "launchTemplates")) {
      LaunchTemplate lt{Text(t, "launchTemplateId"), Text(t, "launchTemplateName"),
                        Text(t, "latestVersionNumber"), Text(t, "defaultVersionNumber")};
      out[lt.id] = lt;
    }
  }));
  return out;
}

core::Result<std::map<std::string, TemplateVersion>> DescribeLaunchTemplateVersions(
    AwsClient& client, const std::string& template_id, const std::vector<std::string>& versions) {
  std::map<std::string, TemplateVersion> out;
  Params p;
  p.Add("LaunchTemplateId", template_id);
  p.AddIndexedList("LaunchTemplateVersion", versions);
  RETURN_IF_ERROR(
      Paged(client, "DescribeLaunchTemplateVersions", p, [&](const pugi::xml_node& root) {
        for (const pugi::xml_node& v : ListItems(root, "launchTemplateVersionSet")) {
          pugi::xml_node data = v.child("launchTemplateData");
          TemplateVersion tv{Text(v, "versionNumber"), Text(data, "imageId"),
                             Text(data, "instanceType")};
          out[tv.number] = tv;
        }
      }));
  return out;
}

core::Status TerminateInstances(AwsClient& client, const std::vector<std::string>& ids) {
  return ForEachBatch(ids, 1000, [&](const std::vector<std::string>& batch) {
    Params p;
    p.AddIndexedList("InstanceId", batch);
    return client.Query("TerminateInstances", p).status();
  });
}

}  // namespace rotor::aws::ec2

namespace rotor::aws::ec2 {

core::Result<std::map<std::string, int>> InstanceTypeVcpus(AwsClient& client,
                                                           const std::vector<std::string>& types) {
  std::map<std::string, int> out;
  constexpr size_t kTypesPerCall = 100;  // DescribeInstanceTypes takes up to 100 types
  RETURN_IF_ERROR(ForEachBatch(types, kTypesPerCall, [&](const std::vector<std::string>& batch) {
    Params p;
    p.AddIndexedList("InstanceType", batch);
    return Paged(client, "DescribeInstanceTypes", p, [&](const pugi::xml_node& root) {
      for (const pugi::xml_node& t :
           ListItems(Find(root, "DescribeInstanceTypesResponse"), "instanceTypeSet")) {
        out[Text(t, "instanceType")] = IntText(t.child("vCpuInfo"), "defaultVCpus");
      }
    });
  }));
  return out;
}

}  // namespace rotor::aws::ec2
