#include "journal/dynamodb_journal.h"

#include <fmt/format.h>

#include <algorithm>

namespace rotor::journal {
namespace {

using nlohmann::json;

constexpr int kMaxAppendRaces = 20;
constexpr const char* kConditionFailed = "ConditionalCheckFailedException";

json S(const std::string& s) { return {{"S", s}}; }
json N(int64_t n) { return {{"N", std::to_string(n)}}; }
int64_t Ms(core::Time t) { return t.time_since_epoch().count(); }
core::Time At(int64_t ms) { return core::Time(core::Duration(ms)); }

std::string GetS(const json& item, const char* name) {
  if (!item.contains(name) || !item[name].contains("S")) return "";
  return item[name]["S"].get<std::string>();
}
int64_t GetN(const json& item, const char* name) {
  if (!item.contains(name) || !item[name].contains("N")) return 0;
  return std::stoll(item[name]["N"].get<std::string>());
}

json Key(const std::string& pk, const std::string& sk) { return {{"pk", S(pk)}, {"sk", S(sk)}}; }
std::string RolloutKey(const std::string& id) { return "rollout#" + id; }
std::string LeaseKey(const std::string& resource) { return "lease#" + resource; }

// Expression names for every attribute rotor updates (several are DynamoDB reserved words).
const json kNames = {{"#st", "rstatus"},   {"#up", "updated"}, {"#pa", "pause"},   {"#ow", "owner"},
                     {"#ro", "rollout"},   {"#tk", "token"},   {"#ex", "expires"}, {"#ki", "kind"},
                     {"#rs", "resources"}, {"#ve", "version"}};

RolloutInfo RolloutFrom(const json& item) {
  RolloutInfo r;
  r.id = GetS(item, "id");
  r.command = GetS(item, "command");
  r.owner = GetS(item, "owner");
  // Schema 1 items (not yet migrated) name groups and have no kind: respawns.
  if (item.contains("resources") && item["resources"].contains("L")) {
    for (const json& g : item["resources"]["L"]) r.resources.push_back(g.value("S", ""));
  } else if (item.contains("groups") && item["groups"].contains("L")) {
    for (const json& g : item["groups"]["L"])
      r.resources.push_back(GroupResource(g.value("S", "")));
  }
  r.kind = ParseOperationKind(GetS(item, "kind")).value_or(OperationKind::kRespawn);
  r.policy = GetS(item, "policy");
  r.status = GetS(item, "rstatus");
  r.pause_requested = item.contains("pause") && item["pause"].value("BOOL", false);
  r.started = At(GetN(item, "started"));
  r.updated = At(GetN(item, "updated"));
  return r;
}

std::optional<Lease> LeaseFrom(const json& item, const std::string& resource) {
  std::string owner = GetS(item, "owner");
  if (owner.empty()) return std::nullopt;
  return Lease{resource, owner, GetS(item, "rollout"), GetN(item, "token"),
               At(GetN(item, "expires"))};
}

bool ConditionFailed(const core::Status& s) { return s.aws_code() == kConditionFailed; }

}  // namespace

core::Result<std::unique_ptr<DynamoDbJournal>> DynamoDbJournal::Open(DynamoCall call,
                                                                     const std::string& table,
                                                                     core::Clock& clock) {
  std::unique_ptr<DynamoDbJournal> j(new DynamoDbJournal(std::move(call), table));
  RETURN_IF_ERROR(j->Init(clock));
  return j;
}

core::Result<json> DynamoDbJournal::Call(const std::string& op, json body) {
  body["TableName"] = table_;
  auto answer = call_(op, body);
  if (!answer.ok()) {
    if (ConditionFailed(answer.status())) return answer.status();  // control flow, not context
    return answer.status().WithContext("journal dynamodb://" + table_);
  }
  return answer;
}

core::Status DynamoDbJournal::Init(core::Clock& clock) {
  auto described = Call("DescribeTable", json::object());
  if (!described.ok()) {
    if (described.status().aws_code() != "ResourceNotFoundException") return described.status();
    json create = {{"KeySchema",
                    {{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
                     {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}},
                   {"AttributeDefinitions",
                    {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
                     {{"AttributeName", "sk"}, {"AttributeType", "S"}}}},
                   {"BillingMode", "PAY_PER_REQUEST"}};
    auto created = Call("CreateTable", create);
    if (!created.ok() && created.status().aws_code() != "ResourceInUseException") {
      return created.status();
    }
    core::Time give_up = clock.Now() + std::chrono::minutes(5);
    while (true) {
      ASSIGN_OR_RETURN(described, Call("DescribeTable", json::object()));
      if ((*described)["Table"].value("TableStatus", "") == "ACTIVE") break;
      if (clock.Now() > give_up) {
        return core::Status(core::Code::kUnavailable,
                            fmt::format("journal dynamodb://{}: the new table did not become "
                                        "active within 5 minutes",
                                        table_));
      }
      clock.SleepFor(std::chrono::seconds(2));
    }
  }
  json keys = (*described)["Table"].value("KeySchema", json::array());
  bool ours = keys.size() == 2 && keys[0].value("AttributeName", "") == "pk" &&
              keys[1].value("AttributeName", "") == "sk";
  if (!ours) {
    return core::InvalidArgument(fmt::format(
        "dynamodb table {} is not a rotor journal (its key is not pk/sk): pick another --state",
        table_));
  }
  ASSIGN_OR_RETURN(std::optional<json> meta, Get("meta", "schema"));
  if (meta) {
    int64_t version = GetN(*meta, "version");
    if (version > kSchemaVersion) {
      return core::InvalidArgument(fmt::format(
          "journal dynamodb://{} was written by a newer rotor (schema {}, this rotor knows up to "
          "{}): use that rotor, or upgrade this one",
          table_, version, kSchemaVersion));
    }
    if (version < kSchemaVersion) return Migrate(version);
    return core::Status::Ok();
  }
  json item = Key("meta", "schema");
  item["version"] = N(kSchemaVersion);
  auto put = Call("PutItem", {{"Item", item}, {"ConditionExpression", "attribute_not_exists(pk)"}});
  if (!put.ok() && !ConditionFailed(put.status())) return put.status();
  return core::Status::Ok();
}

// Schema 1 to 2, safe to run twice at once and to resume after a crash: every item step is
// conditional on the item still being in the old layout (no `kind` on a rollout, no `resource`
// on a lease), and the version moves last.
core::Status DynamoDbJournal::Migrate(int64_t from) {
  if (from != 1) {
    return core::InvalidArgument(fmt::format(
        "journal dynamodb://{} has schema {}, which this rotor cannot migrate: use the rotor that "
        "wrote it",
        table_, from));
  }
  // Schema 2 writes `kind` on rollouts and records and `resource` on leases: what has neither is
  // of schema 1 (or the meta item).
  json body = {{"FilterExpression", "attribute_not_exists(#ki) AND attribute_not_exists(#rc)"},
               {"ExpressionAttributeNames", {{"#ki", "kind"}, {"#rc", "resource"}}},
               {"ConsistentRead", true}};
  while (true) {
    ASSIGN_OR_RETURN(json page, Call("Scan", body));
    for (const json& item : page.value("Items", json::array())) {
      RETURN_IF_ERROR(MigrateItem(item));
    }
    if (!page.contains("LastEvaluatedKey")) break;
    body["ExclusiveStartKey"] = page["LastEvaluatedKey"];
  }
  core::Status moved = Update("meta", "schema", "SET #ve = :v",
                              {{":v", N(kSchemaVersion)}, {":old", N(from)}}, "#ve = :old");
  return ConditionFailed(moved) ? core::Status::Ok() : moved;
}

core::Status DynamoDbJournal::MigrateItem(const json& item) {
  std::string pk = GetS(item, "pk");
  std::string sk = GetS(item, "sk");
  if (sk == "info" && pk.starts_with("rollout#")) {
    json resources = json::array();
    if (item.contains("groups") && item["groups"].contains("L")) {
      for (const json& g : item["groups"]["L"])
        resources.push_back(S(GroupResource(g.value("S", ""))));
    }
    core::Status s = Update(pk, sk, "SET #ki = :k, #rs = :r",
                            {{":k", S(std::string(OperationKindName(OperationKind::kRespawn)))},
                             {":r", {{"L", resources}}}},
                            "attribute_not_exists(#ki)");
    return ConditionFailed(s) ? core::Status::Ok() : s;
  }
  if (sk == "lease" && pk.starts_with("lease#")) {
    // The lease moves to the group's resource key with its holder and token, so a rotor of
    // schema 1 still running keeps the group, then the old key goes.
    json moved = item;
    std::string resource = GroupResource(pk.substr(6));
    moved["pk"] = S(LeaseKey(resource));
    moved["resource"] = S(resource);
    auto put =
        Call("PutItem", {{"Item", moved}, {"ConditionExpression", "attribute_not_exists(pk)"}});
    if (!put.ok() && !ConditionFailed(put.status())) return put.status();
    return Call("DeleteItem", {{"Key", Key(pk, sk)}}).status();
  }
  return core::Status::Ok();
}

core::Result<std::optional<json>> DynamoDbJournal::Get(const std::string& pk,
                                                       const std::string& sk) {
  ASSIGN_OR_RETURN(json answer, Call("GetItem", {{"Key", Key(pk, sk)}, {"ConsistentRead", true}}));
  if (!answer.contains("Item")) return std::optional<json>();
  return std::optional<json>(answer["Item"]);
}

core::Status DynamoDbJournal::Update(const std::string& pk, const std::string& sk,
                                     const std::string& set, const json& values,
                                     const std::string& condition) {
  json body = {{"Key", Key(pk, sk)},
               {"UpdateExpression", set},
               {"ExpressionAttributeNames", json::object()},
               {"ExpressionAttributeValues", values}};
  for (const auto& [alias, name] : kNames.items()) {
    if (set.find(alias) != std::string::npos || condition.find(alias) != std::string::npos) {
      body["ExpressionAttributeNames"][alias] = name;
    }
  }
  if (!condition.empty()) body["ConditionExpression"] = condition;
  return Call("UpdateItem", body).status();
}

core::Status DynamoDbJournal::CreateRollout(const RolloutInfo& r) {
  json item = Key(RolloutKey(r.id), "info");
  json resources = json::array();
  for (const std::string& g : r.resources) resources.push_back(S(g));
  item.update({{"id", S(r.id)},
               {"kind", S(std::string(OperationKindName(r.kind)))},
               {"command", S(r.command)},
               {"owner", S(r.owner)},
               {"resources", {{"L", resources}}},
               {"policy", S(r.policy)},
               {"rstatus", S(r.status)},
               {"pause", {{"BOOL", r.pause_requested}}},
               {"started", N(Ms(r.started))},
               {"updated", N(Ms(r.updated))}});
  auto put = Call("PutItem", {{"Item", item}, {"ConditionExpression", "attribute_not_exists(pk)"}});
  if (!put.ok() && ConditionFailed(put.status())) {
    return core::Status(
        core::Code::kFailedPrecondition,
        fmt::format("rollout {} already exists in journal dynamodb://{}", r.id, table_));
  }
  return put.status();
}

core::Result<RolloutInfo> DynamoDbJournal::GetRollout(const std::string& id) {
  ASSIGN_OR_RETURN(std::optional<json> item, Get(RolloutKey(id), "info"));
  if (!item) {
    return core::NotFound(fmt::format(
        "no rollout {} in journal dynamodb://{} (see `rotor rollout list`)", id, table_));
  }
  return RolloutFrom(*item);
}

core::Result<std::vector<RolloutInfo>> DynamoDbJournal::ListRollouts() {
  std::vector<RolloutInfo> out;
  json body = {{"FilterExpression", "sk = :info"},
               {"ExpressionAttributeValues", {{":info", S("info")}}},
               {"ConsistentRead", true}};
  while (true) {
    ASSIGN_OR_RETURN(json page, Call("Scan", body));
    for (const json& item : page.value("Items", json::array())) out.push_back(RolloutFrom(item));
    if (!page.contains("LastEvaluatedKey")) break;
    body["ExclusiveStartKey"] = page["LastEvaluatedKey"];
  }
  std::sort(out.begin(), out.end(), [](const RolloutInfo& a, const RolloutInfo& b) {
    return a.started != b.started ? a.started > b.started : a.id > b.id;
  });
  return out;
}

core::Status DynamoDbJournal::SetStatus(const std::string& id, const std::string& status,
                                        core::Time now) {
  core::Status s = Update(RolloutKey(id), "info", "SET #st = :s, #up = :u",
                          {{":s", S(status)}, {":u", N(Ms(now))}}, "attribute_exists(pk)");
  if (ConditionFailed(s)) return core::NotFound("no rollout " + id + " in the journal");
  return s;
}

core::Status DynamoDbJournal::RequestPause(const std::string& id, bool pause) {
  core::Status s = Update(RolloutKey(id), "info", "SET #pa = :p", {{":p", {{"BOOL", pause}}}},
                          "attribute_exists(pk)");
  if (ConditionFailed(s)) return core::NotFound("no rollout " + id + " in the journal");
  return s;
}

core::Status DynamoDbJournal::Append(Record& r) {
  json last = {
      {"KeyConditionExpression", "pk = :pk AND begins_with(sk, :rec)"},
      {"ExpressionAttributeValues", {{":pk", S(RolloutKey(r.rollout))}, {":rec", S("rec#")}}},
      {"ScanIndexForward", false},
      {"Limit", 1},
      {"ConsistentRead", true}};
  ASSIGN_OR_RETURN(json page, Call("Query", last));
  int64_t seq = 0;
  for (const json& item : page.value("Items", json::array())) seq = GetN(item, "seq");
  // Another rotor may append at the same moment: the conditional write makes one of us retry.
  for (int race = 0; race < kMaxAppendRaces; ++race) {
    r.seq = ++seq;
    json item = Key(RolloutKey(r.rollout), fmt::format("rec#{:012}", r.seq));
    item.update({{"seq", N(r.seq)},
                 {"t", N(Ms(r.t))},
                 {"grp", S(r.group)},
                 {"kind", S(std::string(RecordKindName(r.kind)))},
                 {"text", S(r.text)},
                 {"data", S(r.data)}});
    auto put =
        Call("PutItem", {{"Item", item}, {"ConditionExpression", "attribute_not_exists(pk)"}});
    if (put.ok()) return core::Status::Ok();
    if (!ConditionFailed(put.status())) return put.status();
  }
  return core::Status(
      core::Code::kUnavailable,
      fmt::format("journal dynamodb://{}: too many concurrent appends to rollout {}", table_,
                  r.rollout));
}

core::Result<std::vector<Record>> DynamoDbJournal::Read(const std::string& rollout) {
  std::vector<Record> out;
  json body = {
      {"KeyConditionExpression", "pk = :pk AND begins_with(sk, :rec)"},
      {"ExpressionAttributeValues", {{":pk", S(RolloutKey(rollout))}, {":rec", S("rec#")}}},
      {"ConsistentRead", true}};
  while (true) {
    ASSIGN_OR_RETURN(json page, Call("Query", body));
    for (const json& item : page.value("Items", json::array())) {
      out.push_back({At(GetN(item, "t")), rollout, GetN(item, "seq"), GetS(item, "grp"),
                     ParseRecordKind(GetS(item, "kind")), GetS(item, "text"), GetS(item, "data")});
    }
    if (!page.contains("LastEvaluatedKey")) break;
    body["ExclusiveStartKey"] = page["LastEvaluatedKey"];
  }
  return out;
}

core::Result<Lease> DynamoDbJournal::TakeLease(const std::string& resource,
                                               const std::string& owner, const std::string& rollout,
                                               core::Duration ttl, core::Time now, bool force) {
  ASSIGN_OR_RETURN(std::optional<json> item, Get(LeaseKey(resource), "lease"));
  int64_t token = 0;
  if (item) {
    std::optional<Lease> held = LeaseFrom(*item, resource);
    if (held && held->expires > now && !force) return HeldBy(*held, now);
    token = GetN(*item, "token");
  }
  Lease l{resource, owner, rollout, token + 1, now + ttl};
  json put = Key(LeaseKey(resource), "lease");
  put.update({{"resource", S(resource)},
              {"owner", S(owner)},
              {"rollout", S(rollout)},
              {"token", N(l.token)},
              {"expires", N(Ms(l.expires))}});
  json body = {{"Item", put}};
  if (item) {
    body["ConditionExpression"] = "#tk = :old";
    body["ExpressionAttributeNames"] = {{"#tk", "token"}};
    body["ExpressionAttributeValues"] = {{":old", N(token)}};
  } else {
    body["ConditionExpression"] = "attribute_not_exists(pk)";
  }
  auto written = Call("PutItem", body);
  if (written.ok()) return l;
  if (!ConditionFailed(written.status())) return written.status();
  // Someone took it between our read and our write: they hold it now.
  ASSIGN_OR_RETURN(std::optional<Lease> winner, GetLease(resource));
  if (winner) return HeldBy(*winner, now);
  return core::Status(core::Code::kBlocked,
                      fmt::format("the lease on {} changed hands while rotor took it; try again",
                                  ResourceLabel(resource)));
}

core::Result<Lease> DynamoDbJournal::RenewLease(const Lease& lease, core::Duration ttl,
                                                core::Time now) {
  core::Status s = Update(LeaseKey(lease.resource), "lease", "SET #ex = :e",
                          {{":e", N(Ms(now + ttl))}, {":t", N(lease.token)}, {":none", S("")}},
                          "#tk = :t AND #ow <> :none");
  if (s.ok()) {
    Lease l = lease;
    l.expires = now + ttl;
    return l;
  }
  if (!ConditionFailed(s)) return s;
  ASSIGN_OR_RETURN(std::optional<Lease> held, GetLease(lease.resource));
  return Lost(lease.resource, held, now);
}

core::Status DynamoDbJournal::ReleaseLease(const Lease& lease) {
  core::Status s =
      Update(LeaseKey(lease.resource), "lease", "SET #ow = :none, #ro = :none, #ex = :z",
             {{":none", S("")}, {":z", N(0)}, {":t", N(lease.token)}}, "#tk = :t");
  return ConditionFailed(s) ? core::Status::Ok() : s;  // no longer ours: nothing to give back
}

core::Result<std::optional<Lease>> DynamoDbJournal::GetLease(const std::string& resource) {
  ASSIGN_OR_RETURN(std::optional<json> item, Get(LeaseKey(resource), "lease"));
  if (!item) return std::optional<Lease>();
  return LeaseFrom(*item, resource);
}

}  // namespace rotor::journal
