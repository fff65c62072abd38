// SimDns: Route 53 on the world. A change batch is checked whole against a copy of the zone
// and applied only when every change is valid, as Route 53 does; it is PENDING for `dns_sync`.
#include "sim/sim_dns.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "sim/world.h"

namespace rotor::sim {
namespace {

constexpr char kRoute53[] = "route53";

core::Status BadBatch(const std::string& why) {
  return core::Status(core::Code::kInvalidArgument, "InvalidChangeBatch: " + why)
      .set_aws_code("InvalidChangeBatch");
}

std::string Dotted(const std::string& name) {
  std::string n = core::ToLower(name);
  return core::EndsWith(n, ".") ? n : n + ".";
}

bool SameSet(const cloud::DnsRecord& a, const cloud::DnsRecord& b) {
  return Dotted(a.name) == Dotted(b.name) && a.type == b.type &&
         a.set_identifier == b.set_identifier;
}

// One change against `records`: a DELETE must match the record exactly; an UPSERT replaces.
core::Status Apply(const cloud::RecordChange& c, const std::string& zone,
                   std::vector<cloud::DnsRecord>& records) {
  cloud::DnsRecord rec = c.record;
  rec.name = Dotted(rec.name);
  std::string what = fmt::format("[name='{}', type='{}']", rec.name, rec.type);
  if (rec.name != zone && !core::EndsWith(rec.name, "." + zone)) {
    return BadBatch(
        fmt::format("RRSet with DNS name {} is not permitted in zone {}", rec.name, zone));
  }
  auto it = std::find_if(records.begin(), records.end(),
                         [&](const cloud::DnsRecord& r) { return SameSet(r, rec); });
  if (c.action == cloud::RecordChange::Action::kDelete) {
    if (it == records.end()) {
      return BadBatch("Tried to delete resource record set " + what + " but it was not found");
    }
    if (it->ttl != rec.ttl || it->values != rec.values) {
      return BadBatch("Tried to delete resource record set " + what +
                      " but the values provided do not match the current values");
    }
    records.erase(it);
    return core::Status::Ok();
  }
  if (rec.values.empty() && !rec.alias) return BadBatch(what + " has no values");
  if (it != records.end()) {
    *it = rec;
  } else {
    records.push_back(rec);
  }
  return core::Status::Ok();
}

}  // namespace

core::Result<SimZone*> SimDns::Zone(const std::string& zone_id) {
  std::string id = core::StartsWith(zone_id, "/hostedzone/") ? zone_id.substr(12) : zone_id;
  for (SimZone& z : world_.zones_) {
    if (z.zone.id == id) return &z;
  }
  return core::Status(core::Code::kNotFound, fmt::format("No hosted zone found with ID: {}", id))
      .set_aws_code("NoSuchHostedZone");
}

core::Result<std::vector<cloud::HostedZone>> SimDns::ListZones() {
  RETURN_IF_ERROR(world_.Api(kRoute53, "ListHostedZones", false));
  std::vector<cloud::HostedZone> out;
  for (const SimZone& z : world_.zones_) out.push_back(z.zone);
  return out;
}

core::Result<std::vector<cloud::DnsRecord>> SimDns::ListRecords(const std::string& zone_id) {
  RETURN_IF_ERROR(world_.Api(kRoute53, "ListResourceRecordSets", false));
  ASSIGN_OR_RETURN(SimZone * z, Zone(zone_id));
  return z->records;
}

core::Result<std::string> SimDns::ChangeRecords(const std::string& zone_id,
                                                const std::vector<cloud::RecordChange>& changes,
                                                const std::string& comment) {
  RETURN_IF_ERROR(world_.Api(kRoute53, "ChangeResourceRecordSets", true));
  ASSIGN_OR_RETURN(SimZone * z, Zone(zone_id));
  std::vector<cloud::DnsRecord> records = z->records;
  for (const cloud::RecordChange& c : changes) {
    RETURN_IF_ERROR(Apply(c, z->zone.name, records));
  }
  for (cloud::DnsRecord& r : records) r.zone_id = z->zone.id;
  z->records = std::move(records);
  std::string id = fmt::format("C{:013X}", world_.dns_changes_.size() + 1);
  world_.dns_changes_[id] = world_.clock_.Now() + world_.timing_.dns_sync;
  world_.Trace("dns_change",
               fmt::format("{} {} ({} changes) {}", id, z->zone.name, changes.size(), comment));
  return id;
}

core::Result<bool> SimDns::ChangeInSync(const std::string& change_id) {
  RETURN_IF_ERROR(world_.Api(kRoute53, "GetChange", false));
  std::string id = core::StartsWith(change_id, "/change/") ? change_id.substr(8) : change_id;
  auto it = world_.dns_changes_.find(id);
  if (it == world_.dns_changes_.end()) {
    return core::Status(core::Code::kNotFound, "No change found with ID: " + id)
        .set_aws_code("NoSuchChange");
  }
  return world_.clock_.Now() >= it->second;
}

}  // namespace rotor::sim
