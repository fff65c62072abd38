#include "aws/ec2_hosts.h"

#include <fmt/format.h>

#include "aws/ec2.h"
#include "core/strings.h"

namespace rotor::aws::ec2 {
namespace {

const std::vector<std::string> kNotTerminated = {"pending", "running", "shutting-down", "stopping",
                                                 "stopped"};
constexpr size_t kFilterValuesPerCall = 200;

// EC2's answer for an id it does not know, as kNotFound naming the id.
core::Status NamingId(const core::Status& s, const std::string& id) {
  const std::string& code = s.aws_code();
  if (code != "InvalidInstanceID.NotFound" && code != "InvalidInstanceID.Malformed") return s;
  return core::Status(core::Code::kNotFound,
                      fmt::format("no instance {} in this region ({})", id, code))
      .set_aws_code(code)
      .set_request_id(s.request_id());
}

core::Result<XmlDoc> Call(AwsClient& client, const std::string& action, const Params& p,
                          const std::string& id) {
  auto r = client.Query(action, p);
  if (!r.ok()) return NamingId(r.status(), id);
  return r;
}

std::string TagOf(const cloud::Instance& i, const std::string& key) {
  auto it = i.tags.find(key);
  return it == i.tags.end() ? "" : it->second;
}

std::vector<cloud::BlockDevice> DecodeDevices(const pugi::xml_node& i) {
  std::vector<cloud::BlockDevice> out;
  for (const pugi::xml_node& d : ListItems(i, "blockDeviceMapping")) {
    pugi::xml_node ebs = d.child("ebs");
    if (!ebs) continue;
    cloud::BlockDevice b;
    b.device = Text(d, "deviceName");
    b.volume_id = Text(ebs, "volumeId");
    b.delete_on_termination = BoolText(ebs, "deleteOnTermination");
    out.push_back(std::move(b));
  }
  return out;
}

cloud::Host DecodeHost(const pugi::xml_node& i) {
  cloud::Host h;
  h.instance = DecodeInstance(i);
  h.name = TagOf(h.instance, "Name");
  h.group = TagOf(h.instance, "aws:autoscaling:groupName");
  h.launch_template_id = TagOf(h.instance, "aws:ec2launchtemplate:id");
  h.subnet_id = Text(i, "subnetId");
  h.vpc_id = Text(i, "vpcId");
  for (const pugi::xml_node& g : ListItems(i, "groupSet")) {
    h.security_groups.push_back(Text(g, "groupId"));
  }
  h.key_name = Text(i, "keyName");
  h.profile_arn = Text(i.child("iamInstanceProfile"), "arn");
  h.root_device = Text(i, "rootDeviceName");
  h.devices = DecodeDevices(i);
  return h;
}

core::Result<std::vector<cloud::Host>> Describe(AwsClient& client, Params p) {
  std::vector<cloud::Host> out;
  p.AddFilter("instance-state-name", kNotTerminated);
  RETURN_IF_ERROR(ForEachPage(client, "DescribeInstances", p,
                              [&](const pugi::xml_node& root) { DecodeHosts(root, out); }));
  return out;
}

core::Result<bool> DisableApiTermination(AwsClient& client, const std::string& id) {
  Params p;
  p.Add("InstanceId", id).Add("Attribute", "disableApiTermination");
  ASSIGN_OR_RETURN(XmlDoc doc, Call(client, "DescribeInstanceAttribute", p, id));
  return BoolText(Find(*doc, "disableApiTermination"), "value");
}

// Prefix.N.Key / Prefix.N.Value, in key order.
void AddTags(Params& p, const std::string& prefix, const std::map<std::string, std::string>& tags) {
  int n = 0;
  for (const auto& [k, v] : tags) {
    ++n;
    p.Add(fmt::format("{}.{}.Key", prefix, n), k);
    p.Add(fmt::format("{}.{}.Value", prefix, n), v);
  }
}

void AddIfSet(Params& p, const std::string& key, const std::string& value) {
  if (!value.empty()) p.Add(key, value);
}

void AddRoot(Params& p, const cloud::RootVolume& root) {
  p.Add("BlockDeviceMapping.1.DeviceName", root.device);
  if (root.size_gib > 0)
    p.Add("BlockDeviceMapping.1.Ebs.VolumeSize", std::to_string(root.size_gib));
  AddIfSet(p, "BlockDeviceMapping.1.Ebs.VolumeType", root.volume_type);
  p.Add("BlockDeviceMapping.1.Ebs.Encrypted", root.encrypted ? "true" : "false");
  p.Add("BlockDeviceMapping.1.Ebs.DeleteOnTermination", "true");
}

void AddPlacement(Params& p, const cloud::LaunchLike& l) {
  AddIfSet(p, "SubnetId", l.subnet_id);
  p.AddIndexedList("SecurityGroupId", l.security_groups);
  AddIfSet(p, "KeyName", l.key_name);
  AddIfSet(p, "IamInstanceProfile.Arn", l.profile_arn);
  if (l.ipv6_count > 0) p.Add("Ipv6AddressCount", std::to_string(l.ipv6_count));
}

// The same tags on the instance and on its volumes; EC2 refuses keys starting "aws:" (its own).
void AddTagSpecifications(Params& p, std::map<std::string, std::string> tags) {
  std::erase_if(tags, [](const auto& kv) { return kv.first.rfind("aws:", 0) == 0; });
  if (tags.empty()) return;
  p.Add("TagSpecification.1.ResourceType", "instance");
  AddTags(p, "TagSpecification.1.Tag", tags);
  p.Add("TagSpecification.2.ResourceType", "volume");
  AddTags(p, "TagSpecification.2.Tag", tags);
}

}  // namespace

void DecodeHosts(const pugi::xml_node& root, std::vector<cloud::Host>& out) {
  for (const pugi::xml_node& r : Find(root, "reservationSet").children()) {
    for (const pugi::xml_node& i : ListItems(r, "instancesSet")) out.push_back(DecodeHost(i));
  }
}

void DecodeVolumes(const pugi::xml_node& root, std::vector<cloud::Host>& hosts) {
  for (const pugi::xml_node& v : Find(root, "volumeSet").children()) {
    std::string id = Text(v, "volumeId");
    for (cloud::Host& h : hosts) {
      for (cloud::BlockDevice& d : h.devices) {
        if (d.volume_id != id) continue;
        d.size_gib = IntText(v, "size");
        d.volume_type = Text(v, "volumeType");
        d.encrypted = BoolText(v, "encrypted");
      }
    }
  }
}

core::Result<std::vector<cloud::Host>> HostsTagged(AwsClient& client, const std::string& key,
                                                   const std::string& value) {
  Params p;
  p.AddFilter("tag:" + key, {value});
  return Describe(client, p);
}

core::Result<std::vector<cloud::Host>> NamedHosts(AwsClient& client) {
  Params p;
  p.AddFilter("tag-key", {"Name"});
  return Describe(client, p);
}

core::Result<std::vector<cloud::Host>> HostById(AwsClient& client, const std::string& id) {
  Params p;
  p.Add("InstanceId.1", id);
  auto hosts = Describe(client, p);
  if (!hosts.ok()) return NamingId(hosts.status(), id);
  return hosts;
}

core::Status CompleteHosts(AwsClient& client, std::vector<cloud::Host>& hosts) {
  std::vector<std::string> volumes;
  for (const cloud::Host& h : hosts) {
    for (const cloud::BlockDevice& d : h.devices) volumes.push_back(d.volume_id);
  }
  // The volume-id filter (unlike VolumeId.N) does not fail on a volume deleted meanwhile.
  RETURN_IF_ERROR(
      ForEachBatch(volumes, kFilterValuesPerCall, [&](const std::vector<std::string>& batch) {
        Params p;
        p.AddFilter("volume-id", batch);
        return ForEachPage(client, "DescribeVolumes", p,
                           [&](const pugi::xml_node& root) { DecodeVolumes(root, hosts); });
      }));
  for (cloud::Host& h : hosts) {
    ASSIGN_OR_RETURN(h.termination_protection, DisableApiTermination(client, h.instance.id));
  }
  return core::Status::Ok();
}

Params RunInstancesParams(const cloud::LaunchLike& l) {
  Params p;
  p.Add("ImageId", l.image_id).Add("InstanceType", l.instance_type);
  p.Add("MinCount", "1").Add("MaxCount", "1");
  AddPlacement(p, l);
  if (l.root) AddRoot(p, *l.root);
  if (!l.user_data.empty()) p.Add("UserData", core::Base64Encode(l.user_data));
  p.Add("DisableApiTermination", l.termination_protection ? "true" : "false");
  AddIfSet(p, "ClientToken", l.client_token);
  AddTagSpecifications(p, l.tags);
  return p;
}

core::Result<std::string> RunInstance(AwsClient& client, const cloud::LaunchLike& launch) {
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("RunInstances", RunInstancesParams(launch)));
  std::string id = Text(Find(*doc, "instancesSet").child("item"), "instanceId");
  if (id.empty()) return core::Malformed("ec2 RunInstances: the answer names no instance");
  return id;
}

core::Status SetRunning(AwsClient& client, const std::string& id, bool running) {
  Params p;
  p.Add("InstanceId.1", id);
  return Call(client, running ? "StartInstances" : "StopInstances", p, id).status();
}

core::Status CreateTags(AwsClient& client, const std::string& id,
                        const std::map<std::string, std::string>& tags) {
  if (tags.empty()) return core::Status::Ok();
  Params p;
  p.Add("ResourceId.1", id);
  AddTags(p, "Tag", tags);
  return Call(client, "CreateTags", p, id).status();
}

core::Status DeleteTags(AwsClient& client, const std::string& id,
                        const std::vector<std::string>& keys) {
  if (keys.empty()) return core::Status::Ok();
  Params p;
  p.Add("ResourceId.1", id);
  for (size_t n = 0; n < keys.size(); ++n) p.Add(fmt::format("Tag.{}.Key", n + 1), keys[n]);
  return Call(client, "DeleteTags", p, id).status();
}

core::Status SetDisableApiTermination(AwsClient& client, const std::string& id, bool on) {
  Params p;
  p.Add("InstanceId", id).Add("DisableApiTermination.Value", on ? "true" : "false");
  return Call(client, "ModifyInstanceAttribute", p, id).status();
}

core::Result<std::string> UserData(AwsClient& client, const std::string& id) {
  Params p;
  p.Add("InstanceId", id).Add("Attribute", "userData");
  ASSIGN_OR_RETURN(XmlDoc doc, Call(client, "DescribeInstanceAttribute", p, id));
  std::string encoded = Text(Find(*doc, "userData"), "value");
  if (encoded.empty()) return std::string();
  return core::Base64Decode(encoded);
}

core::Result<std::string> ConsoleOutput(AwsClient& client, const std::string& id) {
  Params p;
  p.Add("InstanceId", id);
  ASSIGN_OR_RETURN(XmlDoc doc, Call(client, "GetConsoleOutput", p, id));
  std::string encoded = Text(doc->document_element(), "output");
  if (encoded.empty()) return std::string();
  return core::Base64Decode(encoded);
}

}  // namespace rotor::aws::ec2
