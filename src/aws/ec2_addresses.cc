#include "aws/ec2_addresses.h"

#include <fmt/format.h>

namespace rotor::aws::ec2 {
namespace {

cloud::ElasticIp DecodeAddress(const pugi::xml_node& a) {
  cloud::ElasticIp out;
  out.allocation_id = Text(a, "allocationId");
  out.public_ip = Text(a, "publicIp");
  out.association_id = Text(a, "associationId");
  out.instance_id = Text(a, "instanceId");
  out.private_ip = Text(a, "privateIpAddress");
  for (const pugi::xml_node& tag : ListItems(a, "tagSet")) {
    out.tags[Text(tag, "key")] = Text(tag, "value");
  }
  return out;
}

core::Result<std::vector<cloud::ElasticIp>> Describe(AwsClient& client, const Params& p) {
  ASSIGN_OR_RETURN(XmlDoc doc, client.Query("DescribeAddresses", p));  // not paginated
  std::vector<cloud::ElasticIp> out;
  DecodeAddresses(*doc, out);
  return out;
}

core::Status NoAddress(const std::string& what, const std::string& aws_code) {
  std::string why = aws_code.empty() ? "" : fmt::format(" ({})", aws_code);
  return core::NotFound(fmt::format("no elastic IP {} in this region{}", what, why))
      .set_aws_code(aws_code);
}

}  // namespace

void DecodeAddresses(const pugi::xml_node& root, std::vector<cloud::ElasticIp>& out) {
  for (const pugi::xml_node& a : Find(root, "addressesSet").children()) {
    out.push_back(DecodeAddress(a));
  }
}

core::Result<std::vector<cloud::ElasticIp>> AddressesOfInstance(AwsClient& client,
                                                                const std::string& instance_id) {
  Params p;
  p.AddFilter("instance-id", {instance_id});
  return Describe(client, p);
}

core::Result<cloud::ElasticIp> DescribeAddress(AwsClient& client,
                                               const std::string& allocation_id_or_ip) {
  Params p;
  bool by_id = allocation_id_or_ip.starts_with("eipalloc-");
  p.Add(by_id ? "AllocationId.1" : "PublicIp.1", allocation_id_or_ip);
  auto found = Describe(client, p);
  if (!found.ok()) {
    const std::string& code = found.status().aws_code();
    bool gone = code == "InvalidAllocationID.NotFound" || code == "InvalidAddress.NotFound";
    return gone ? NoAddress(allocation_id_or_ip, code) : found.status();
  }
  if (found->empty()) return NoAddress(allocation_id_or_ip, "");
  return found->front();
}

core::Status AssociateAddress(AwsClient& client, const std::string& allocation_id,
                              const std::string& instance_id) {
  Params p;
  p.Add("AllocationId", allocation_id).Add("InstanceId", instance_id);
  p.Add("AllowReassociation", "true");
  return client.Query("AssociateAddress", p)
      .status()
      .WithContext(fmt::format("associate {} with {}", allocation_id, instance_id));
}

core::Status DisassociateAddress(AwsClient& client, const std::string& association_id) {
  Params p;
  p.Add("AssociationId", association_id);
  auto r = client.Query("DisassociateAddress", p);
  if (r.ok()) return core::Status::Ok();
  if (r.status().aws_code() == "InvalidAssociationID.NotFound") {
    return core::NotFound(fmt::format("no association {} in this region", association_id))
        .set_aws_code(r.status().aws_code());
  }
  return r.status();
}

}  // namespace rotor::aws::ec2
