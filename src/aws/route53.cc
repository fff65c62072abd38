#include "aws/route53.h"

#include <fmt/format.h>

#include <sstream>
#include <utility>

#include "core/strings.h"

namespace rotor::aws::route53 {
namespace {

constexpr char kApi[] = "/2013-04-01";
constexpr char kXmlns[] = "https://route53.amazonaws.com/doc/2013-04-01/";

using QueryParams = std::vector<std::pair<std::string, std::string>>;

std::string StripPrefix(const std::string& id, std::string_view prefix) {
  return core::StartsWith(id, prefix) ? id.substr(prefix.size()) : id;
}

std::string ZonePath(const std::string& zone_id) {
  return fmt::format("{}/hostedzone/{}", kApi,
                     core::UriEncode(StripPrefix(zone_id, "/hostedzone/")));
}

// "?a=1&b=2" from the parameters that have a value; "" when none has one.
std::string QueryString(const QueryParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!v.empty()) out += (out.empty() ? "?" : "&") + k + "=" + core::UriEncode(v);
  }
  return out;
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

cloud::DnsRecord DecodeRecordSet(const pugi::xml_node& r, const std::string& zone_id) {
  cloud::DnsRecord out;
  out.zone_id = zone_id;
  out.name = DecodeName(Text(r, "Name"));
  out.type = Text(r, "Type");
  out.ttl = r.child("TTL").text().as_llong(0);
  out.set_identifier = Text(r, "SetIdentifier");
  out.alias = static_cast<bool>(r.child("AliasTarget"));
  for (pugi::xml_node v : r.child("ResourceRecords").children("ResourceRecord")) {
    out.values.push_back(Text(v, "Value"));
  }
  return out;
}

// Name, Type, SetIdentifier, TTL, ResourceRecords: the model's order (botocore's shape).
void AppendRecordSet(pugi::xml_node parent, const cloud::DnsRecord& r) {
  pugi::xml_node set = parent.append_child("ResourceRecordSet");
  set.append_child("Name").text().set(r.name.c_str());
  set.append_child("Type").text().set(r.type.c_str());
  if (!r.set_identifier.empty())
    set.append_child("SetIdentifier").text().set(r.set_identifier.c_str());
  set.append_child("TTL").text().set(static_cast<long long>(r.ttl));
  pugi::xml_node values = set.append_child("ResourceRecords");
  for (const std::string& v : r.values) {
    values.append_child("ResourceRecord").append_child("Value").text().set(v.c_str());
  }
}

core::Status CheckWritable(const std::vector<cloud::RecordChange>& changes) {
  if (changes.empty()) return core::InvalidArgument("a Route 53 change batch needs a change");
  for (const cloud::RecordChange& c : changes) {
    if (c.record.alias || c.record.values.empty()) {
      return core::InvalidArgument(
          fmt::format("{} {}: rotor changes only records with values, not aliases", c.record.name,
                      c.record.type));
    }
  }
  return core::Status::Ok();
}

}  // namespace

std::string DecodeName(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    bool escape = name[i] == '\\' && i + 3 < name.size() && IsOctal(name[i + 1]) &&
                  IsOctal(name[i + 2]) && IsOctal(name[i + 3]);
    if (!escape) {
      out += name[i];
      continue;
    }
    int code = (name[i + 1] - '0') * 64 + (name[i + 2] - '0') * 8 + (name[i + 3] - '0');
    out += static_cast<char>(code);
    i += 3;
  }
  return out;
}

void DecodeRecordSets(const pugi::xml_node& root, const std::string& zone_id,
                      std::vector<cloud::DnsRecord>& out) {
  for (pugi::xml_node r : root.child("ResourceRecordSets").children("ResourceRecordSet")) {
    out.push_back(DecodeRecordSet(r, zone_id));
  }
}

core::Result<std::vector<cloud::HostedZone>> ListHostedZones(AwsClient& client) {
  std::vector<cloud::HostedZone> out;
  std::string marker;
  do {
    std::string path = std::string(kApi) + "/hostedzone" + QueryString({{"marker", marker}});
    ASSIGN_OR_RETURN(XmlDoc doc, client.RestXml("ListHostedZones", "GET", path, ""));
    pugi::xml_node root = doc->document_element();
    for (pugi::xml_node z : root.child("HostedZones").children("HostedZone")) {
      out.push_back({StripPrefix(Text(z, "Id"), "/hostedzone/"), DecodeName(Text(z, "Name")),
                     BoolText(z.child("Config"), "PrivateZone")});
    }
    marker = BoolText(root, "IsTruncated") ? Text(root, "NextMarker") : "";
  } while (!marker.empty());
  return out;
}

core::Result<std::vector<cloud::DnsRecord>> ListResourceRecordSets(AwsClient& client,
                                                                   const std::string& zone_id) {
  std::vector<cloud::DnsRecord> out;
  std::string zone = StripPrefix(zone_id, "/hostedzone/");
  QueryParams start;
  for (;;) {
    std::string path = ZonePath(zone) + "/rrset" + QueryString(start);
    ASSIGN_OR_RETURN(XmlDoc doc, client.RestXml("ListResourceRecordSets", "GET", path, ""));
    pugi::xml_node root = doc->document_element();
    DecodeRecordSets(root, zone, out);
    if (!BoolText(root, "IsTruncated")) return out;
    // The next page starts at the names as Route 53 spells them, escapes and all.
    start = {{"name", Text(root, "NextRecordName")},
             {"type", Text(root, "NextRecordType")},
             {"identifier", Text(root, "NextRecordIdentifier")}};
    if (start[0].second.empty()) {
      return core::Malformed(fmt::format(
          "route53 ListResourceRecordSets of {}: a truncated page without NextRecordName", zone));
    }
  }
}

core::Result<std::string> ChangeBatchXml(const std::vector<cloud::RecordChange>& changes,
                                         const std::string& comment) {
  RETURN_IF_ERROR(CheckWritable(changes));
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node request = doc.append_child("ChangeResourceRecordSetsRequest");
  request.append_attribute("xmlns") = kXmlns;
  pugi::xml_node batch = request.append_child("ChangeBatch");
  if (!comment.empty()) batch.append_child("Comment").text().set(comment.c_str());
  pugi::xml_node list = batch.append_child("Changes");
  for (const cloud::RecordChange& c : changes) {
    pugi::xml_node change = list.append_child("Change");
    bool upsert = c.action == cloud::RecordChange::Action::kUpsert;
    change.append_child("Action").text().set(upsert ? "UPSERT" : "DELETE");
    AppendRecordSet(change, c.record);
  }
  std::ostringstream out;
  doc.save(out, "  ");  // pugixml escapes &, < and > in text
  return out.str();
}

core::Result<std::string> ChangeResourceRecordSets(AwsClient& client, const std::string& zone_id,
                                                   const std::vector<cloud::RecordChange>& changes,
                                                   const std::string& comment) {
  ASSIGN_OR_RETURN(std::string body, ChangeBatchXml(changes, comment));
  ASSIGN_OR_RETURN(XmlDoc doc, client.RestXml("ChangeResourceRecordSets", "POST",
                                              ZonePath(zone_id) + "/rrset/", body));
  std::string id = StripPrefix(Text(Find(*doc, "ChangeInfo"), "Id"), "/change/");
  if (id.empty()) {
    return core::Malformed("route53 ChangeResourceRecordSets: the answer has no ChangeInfo Id");
  }
  return id;
}

core::Result<bool> ChangeInSync(AwsClient& client, const std::string& change_id) {
  std::string id = StripPrefix(change_id, "/change/");
  std::string path = fmt::format("{}/change/{}", kApi, core::UriEncode(id));
  ASSIGN_OR_RETURN(XmlDoc doc, client.RestXml("GetChange", "GET", path, ""));
  std::string status = Text(Find(*doc, "ChangeInfo"), "Status");
  if (status == "INSYNC" || status == "PENDING") return status == "INSYNC";
  return core::Malformed(fmt::format(
      "route53 GetChange {}: unknown status '{}' (INSYNC or PENDING expected)", id, status));
}

}  // namespace rotor::aws::route53
