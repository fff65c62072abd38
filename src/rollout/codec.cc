#include "rollout/codec.h"

#include <nlohmann/json.hpp>

namespace rotor::rollout {
namespace {

using nlohmann::json;

int64_t Ms(core::Time t) { return t.time_since_epoch().count(); }
core::Time At(int64_t ms) { return core::Time(core::Duration(ms)); }
int64_t Ms(core::Duration d) { return d.count(); }

json TimesToJson(const std::map<std::string, core::Time>& m) {
  json out = json::object();
  for (const auto& [k, t] : m) out[k] = Ms(t);
  return out;
}
std::map<std::string, core::Time> TimesFromJson(const json& j) {
  std::map<std::string, core::Time> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) out[k] = At(v.get<int64_t>());
  return out;
}

json OptTime(const std::optional<core::Time>& t) { return t ? json(Ms(*t)) : json(nullptr); }
std::optional<core::Time> OptTimeFrom(const json& j) {
  if (!j.is_number()) return std::nullopt;
  return At(j.get<int64_t>());
}

json AmountToJson(const std::optional<Amount>& a) {
  if (!a) return nullptr;
  return a->ToString();
}
std::optional<Amount> AmountFrom(const json& j) {
  if (!j.is_string()) return std::nullopt;
  auto a = Amount::Parse(j.get<std::string>(), "journal");
  return a.ok() ? std::optional<Amount>(*a) : std::nullopt;
}

template <typename T>
std::optional<T> OptInt(const json& j) {
  if (!j.is_number()) return std::nullopt;
  return j.get<T>();
}

core::Result<json> Parse(const std::string& text, const char* what) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) {
    return core::InvalidArgument(std::string("the journal's ") + what + " is not a JSON object");
  }
  return j;
}

// Catches the library's type errors on a record written by hand or by another version.
template <typename Fn>
auto Guarded(const char* what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const json::exception& e) {
    return core::InvalidArgument(std::string("the journal's ") + what +
                                 " is malformed: " + e.what());
  }
}

}  // namespace

json SpecToJson(const cloud::LaunchSpec& s) {
  return {{"kind", static_cast<int>(s.kind)},
          {"template_id", s.template_id},
          {"template_name", s.template_name},
          {"version", s.version},
          {"resolved_version", s.resolved_version},
          {"configuration_name", s.configuration_name},
          {"image_id", s.image_id},
          {"instance_type", s.instance_type}};
}
cloud::LaunchSpec SpecFrom(const json& j) {
  cloud::LaunchSpec s;
  s.kind = static_cast<cloud::LaunchSpec::Kind>(j.value("kind", 0));
  s.template_id = j.value("template_id", "");
  s.template_name = j.value("template_name", "");
  s.version = j.value("version", "");
  s.resolved_version = j.value("resolved_version", "");
  s.configuration_name = j.value("configuration_name", "");
  s.image_id = j.value("image_id", "");
  s.instance_type = j.value("instance_type", "");
  return s;
}

std::string PolicyToJson(const Policy& p) {
  json j = {{"strategy", StrategyName(p.strategy)},
            {"max_surge", AmountToJson(p.max_surge)},
            {"max_unavailable", AmountToJson(p.max_unavailable)},
            {"min_healthy", AmountToJson(p.min_healthy)},
            {"warmup_ms", Ms(p.warmup)},
            {"bake_ms", Ms(p.bake)},
            {"health_timeout_ms", Ms(p.health_timeout)},
            {"deadline_ms", Ms(p.deadline)},
            {"drain_ms", p.drain ? json(Ms(*p.drain)) : json(nullptr)},
            {"order", OrderName(p.order)},
            {"on_failure", OnFailureName(p.on_failure)},
            {"max_failed_launches", p.max_failed_launches},
            {"canary", p.canary},
            {"all", p.all},
            {"max_size_cap", p.max_size_cap},
            {"probes", p.probes},
            {"probe_address", p.probe_address}};
  return j.dump();
}

core::Result<Policy> PolicyFromJson(const std::string& text) {
  ASSIGN_OR_RETURN(json j, Parse(text, "policy"));
  return Guarded("policy", [&]() -> core::Result<Policy> {
    Policy p;
    ASSIGN_OR_RETURN(p.strategy, ParseStrategy(j.value("strategy", "surge")));
    ASSIGN_OR_RETURN(p.order, ParseOrder(j.value("order", "oldest")));
    ASSIGN_OR_RETURN(p.on_failure, ParseOnFailure(j.value("on_failure", "rollback")));
    p.max_surge = AmountFrom(j.value("max_surge", json()));
    p.max_unavailable = AmountFrom(j.value("max_unavailable", json()));
    p.min_healthy = AmountFrom(j.value("min_healthy", json()));
    p.warmup = core::Duration(j.value("warmup_ms", int64_t{0}));
    p.bake = core::Duration(j.value("bake_ms", int64_t{0}));
    p.health_timeout = core::Duration(j.value("health_timeout_ms", Ms(p.health_timeout)));
    p.deadline = core::Duration(j.value("deadline_ms", int64_t{0}));
    if (auto d = OptInt<int64_t>(j.value("drain_ms", json()))) p.drain = core::Duration(*d);
    p.max_failed_launches = j.value("max_failed_launches", p.max_failed_launches);
    p.canary = j.value("canary", 0);
    p.all = j.value("all", false);
    p.max_size_cap = j.value("max_size_cap", 0);
    p.probes = j.value("probes", std::vector<std::string>{});
    p.probe_address = j.value("probe_address", "private");
    return p;
  });
}

std::string StepToJson(const Step& s) {
  json j = {{"kind", static_cast<int>(s.kind)},
            {"ids", s.ids},
            {"decrement", s.decrement},
            {"min", s.sizes.min ? json(*s.sizes.min) : json(nullptr)},
            {"max", s.sizes.max ? json(*s.sizes.max) : json(nullptr)},
            {"desired", s.sizes.desired ? json(*s.sizes.desired) : json(nullptr)},
            {"processes", s.processes},
            {"until", Ms(s.until)},
            {"observe", s.observe},
            {"outcome", static_cast<int>(s.outcome)},
            {"reason", s.reason}};
  return j.dump();
}

core::Result<Step> StepFromJson(const std::string& text) {
  ASSIGN_OR_RETURN(json j, Parse(text, "step"));
  return Guarded("step", [&]() -> core::Result<Step> {
    Step s;
    s.kind = static_cast<Step::Kind>(j.value("kind", static_cast<int>(Step::Kind::kWait)));
    s.ids = j.value("ids", std::vector<std::string>{});
    s.decrement = j.value("decrement", false);
    s.sizes.min = OptInt<int>(j.value("min", json()));
    s.sizes.max = OptInt<int>(j.value("max", json()));
    s.sizes.desired = OptInt<int>(j.value("desired", json()));
    s.processes = j.value("processes", std::vector<std::string>{});
    s.until = At(j.value("until", int64_t{0}));
    s.observe = j.value("observe", true);
    s.outcome = static_cast<Outcome>(j.value("outcome", 0));
    s.reason = j.value("reason", "");
    return s;
  });
}

namespace {

// Field deltas. An array: the elements to delete (one occurrence each) and to append, the
// result sorted when the new array is (a std::set, or sorted times); used only when applying
// it gives the new array exactly, else the field is written whole. An object (a map): the keys
// set and the keys removed. Anything else: the new value.
json ApplyArray(const json& old, const json& d) {
  json out = old;
  for (const json& x : d["del"]) {
    auto it = std::find(out.begin(), out.end(), x);
    if (it != out.end()) out.erase(it);
  }
  for (const json& x : d["add"]) out.push_back(x);
  if (d.value("sorted", false)) std::sort(out.begin(), out.end());
  return out;
}

json FieldDelta(const json& old, const json& now) {
  if (old.is_array() && now.is_array()) {
    json del = json::array(), add = json::array();
    if (std::is_sorted(old.begin(), old.end()) && std::is_sorted(now.begin(), now.end())) {
      // Sets and sorted times: one merge pass.
      std::set_difference(old.begin(), old.end(), now.begin(), now.end(), std::back_inserter(del));
      std::set_difference(now.begin(), now.end(), old.begin(), old.end(), std::back_inserter(add));
      return {{"arr", {{"del", del}, {"add", add}, {"sorted", true}}}};
    }
    if (now.size() >= old.size() && std::equal(old.begin(), old.end(), now.begin())) {
      add.insert(add.end(), now.begin() + static_cast<std::ptrdiff_t>(old.size()), now.end());
      return {{"arr", {{"del", del}, {"add", add}, {"sorted", false}}}};  // appended to
    }
  } else if (old.is_object() && now.is_object()) {
    json set = json::object(), unset = json::array();
    for (const auto& [k, v] : now.items()) {
      if (!old.contains(k) || old[k] != v) set[k] = v;
    }
    for (const auto& [k, v] : old.items()) {
      if (!now.contains(k)) unset.push_back(k);
    }
    return {{"obj", {{"set", set}, {"unset", unset}}}};
  }
  return {{"=", now}};
}

json ApplyField(const json& old, const json& d) {
  if (d.contains("arr") && old.is_array()) return ApplyArray(old, d["arr"]);
  if (d.contains("obj") && old.is_object()) {
    json out = old;
    for (const auto& [k, v] : d["obj"]["set"].items()) out[k] = v;
    for (const json& k : d["obj"]["unset"]) out.erase(k.get<std::string>());
    return out;
  }
  if (d.contains("=")) return d["="];
  throw json::other_error::create(501, "a field delta rotor cannot read", nullptr);
}

// The state's fields, each with its JSON form, so that a step's delta compares the fields in
// C++ and encodes only those that changed (a 300-instance state is 16 KB of JSON; encoding it
// whole on every record cost a quarter of a simulated rollout's CPU).
struct Field {
  const char* name;
  json (*value)(const RolloutState&);
  bool (*same)(const RolloutState&, const RolloutState&);
  void (*copy)(RolloutState& to, const RolloutState& from);
  json (*delta)(const RolloutState& old, const RolloutState& now);  // REQUIRES: !same
};

template <auto kMember>
Field Of(const char* name, json (*value)(const RolloutState&),
         json (*delta)(const RolloutState&, const RolloutState&) = nullptr) {
  return {name, value,
          [](const RolloutState& a, const RolloutState& b) { return a.*kMember == b.*kMember; },
          [](RolloutState& to, const RolloutState& from) { to.*kMember = from.*kMember; }, delta};
}

// The same deltas as FieldDelta gives, computed on the sets and maps themselves.
json SetDelta(const std::set<std::string>& old, const std::set<std::string>& now) {
  json del = json::array(), add = json::array();
  std::set_difference(old.begin(), old.end(), now.begin(), now.end(), std::back_inserter(del));
  std::set_difference(now.begin(), now.end(), old.begin(), old.end(), std::back_inserter(add));
  return {{"arr", {{"del", del}, {"add", add}, {"sorted", true}}}};
}

json TimesDelta(const std::map<std::string, core::Time>& old,
                const std::map<std::string, core::Time>& now) {
  json set = json::object(), unset = json::array();
  for (const auto& [k, t] : now) {
    auto it = old.find(k);
    if (it == old.end() || it->second != t) set[k] = Ms(t);
  }
  for (const auto& [k, t] : old) {
    if (!now.count(k)) unset.push_back(k);
  }
  return {{"obj", {{"set", set}, {"unset", unset}}}};
}

template <auto kMember>
Field OfSet(const char* name) {
  return Of<kMember>(
      name, [](const RolloutState& s) -> json { return s.*kMember; },
      [](const RolloutState& a, const RolloutState& b) {
        return SetDelta(a.*kMember, b.*kMember);
      });
}

template <auto kMember>
Field OfTimes(const char* name) {
  return Of<kMember>(
      name, [](const RolloutState& s) { return TimesToJson(s.*kMember); },
      [](const RolloutState& a, const RolloutState& b) {
        return TimesDelta(a.*kMember, b.*kMember);
      });
}

using S = RolloutState;

const std::vector<Field>& Fields() {
  static const std::vector<Field> fields = {
      Of<&S::group>("group", [](const S& s) -> json { return s.group; }),
      Of<&S::phase>("phase", [](const S& s) -> json { return static_cast<int>(s.phase); }),
      Of<&S::outcome>("outcome", [](const S& s) -> json { return static_cast<int>(s.outcome); }),
      Of<&S::reason>("reason", [](const S& s) -> json { return s.reason; }),
      Of<&S::error>("error", [](const S& s) -> json { return s.error; }),
      Of<&S::interrupted>("interrupted", [](const S& s) -> json { return s.interrupted; }),
      Of<&S::rollback_requested>("rollback_requested",
                                 [](const S& s) -> json { return s.rollback_requested; }),
      Of<&S::original>("original",
                       [](const S& s) -> json {
                         return {{"min", s.original.min},
                                 {"max", s.original.max},
                                 {"desired", s.original.desired},
                                 {"suspended", s.original.suspended},
                                 {"old_spec", SpecToJson(s.original.old_spec)}};
                       }),
      Of<&S::budget>("budget",
                     [](const S& s) -> json {
                       return {{"max_surge", s.budget.max_surge},
                               {"max_unavailable", s.budget.max_unavailable},
                               {"min_healthy", s.budget.min_healthy}};
                     }),
      Of<&S::drain>("drain_ms", [](const S& s) -> json { return Ms(s.drain); }),
      Of<&S::surge>("surge", [](const S& s) -> json { return s.surge; }),
      Of<&S::victims>("victims", [](const S& s) -> json { return s.victims; }),
      OfSet<&S::initial>("initial"),
      OfSet<&S::removed>("removed"),
      OfSet<&S::chosen>("chosen"),
      Of<&S::decrements>("decrements", [](const S& s) -> json { return s.decrements; }),
      OfTimes<&S::draining>("draining"),
      OfSet<&S::deregistered>("deregistered"),
      OfSet<&S::suspended_by_us>("suspended_by_us"),
      OfTimes<&S::seen>("seen"),
      OfTimes<&S::ready_since>("ready_since"),
      Of<&S::expected_launches>("expected_launches",
                                [](const S& s) -> json {
                                  std::vector<int64_t> out;
                                  for (core::Time t : s.expected_launches) out.push_back(Ms(t));
                                  return out;
                                }),
      Of<&S::boot_samples>("boot_samples_ms",
                           [](const S& s) -> json {
                             std::vector<int64_t> out;
                             for (core::Duration d : s.boot_samples) out.push_back(Ms(d));
                             return out;
                           }),
      OfSet<&S::failed>("failed"),
      Of<&S::failed_launches>("failed_launches",
                              [](const S& s) -> json { return s.failed_launches; }),
      Of<&S::canary_left>("canary_left", [](const S& s) -> json { return s.canary_left; }),
      Of<&S::bake_until>("bake_until", [](const S& s) { return OptTime(s.bake_until); }),
      Of<&S::started>("started", [](const S& s) -> json { return Ms(s.started); }),
      Of<&S::deadline>("deadline", [](const S& s) { return OptTime(s.deadline); }),
      Of<&S::rollback_started>("rollback_started",
                               [](const S& s) -> json { return Ms(s.rollback_started); }),
  };
  return fields;
}

json StateValue(const RolloutState& s) {
  json j = json::object();
  for (const Field& f : Fields()) j[f.name] = f.value(s);
  return j;
}

}  // namespace

std::string StateToJson(const RolloutState& s) { return StateValue(s).dump(); }

core::Result<RolloutState> StateFromJson(const std::string& text) {
  ASSIGN_OR_RETURN(json j, Parse(text, "state"));
  return Guarded("state", [&]() -> core::Result<RolloutState> {
    using Set = std::set<std::string>;
    using List = std::vector<std::string>;
    RolloutState s;
    s.group = j.value("group", "");
    s.phase = static_cast<Phase>(j.value("phase", 0));
    s.outcome = static_cast<Outcome>(j.value("outcome", 0));
    s.reason = j.value("reason", "");
    s.error = j.value("error", "");
    s.interrupted = j.value("interrupted", false);
    s.rollback_requested = j.value("rollback_requested", false);
    const json& o = j.at("original");
    s.original.min = o.value("min", 0);
    s.original.max = o.value("max", 0);
    s.original.desired = o.value("desired", 0);
    s.original.suspended = o.value("suspended", List{});
    s.original.old_spec = SpecFrom(o.value("old_spec", json::object()));
    const json& b = j.value("budget", json::object());
    s.budget = {b.value("max_surge", 0), b.value("max_unavailable", 0), b.value("min_healthy", 0)};
    s.drain = core::Duration(j.value("drain_ms", int64_t{0}));
    s.surge = j.value("surge", 0);
    s.victims = j.value("victims", List{});
    s.initial = j.value("initial", Set{});
    s.removed = j.value("removed", Set{});
    s.chosen = j.value("chosen", Set{});
    s.decrements = j.value("decrements", 0);
    s.draining = TimesFromJson(j.value("draining", json::object()));
    s.deregistered = j.value("deregistered", Set{});
    s.suspended_by_us = j.value("suspended_by_us", Set{});
    s.seen = TimesFromJson(j.value("seen", json::object()));
    s.ready_since = TimesFromJson(j.value("ready_since", json::object()));
    for (int64_t t : j.value("expected_launches", std::vector<int64_t>{})) {
      s.expected_launches.push_back(At(t));
    }
    for (int64_t d : j.value("boot_samples_ms", std::vector<int64_t>{})) {
      s.boot_samples.push_back(core::Duration(d));
    }
    s.failed = j.value("failed", Set{});
    s.failed_launches = j.value("failed_launches", 0);
    s.canary_left = j.value("canary_left", 0);
    s.bake_until = OptTimeFrom(j.value("bake_until", json()));
    s.started = At(j.value("started", int64_t{0}));
    s.deadline = OptTimeFrom(j.value("deadline", json()));
    s.rollback_started = At(j.value("rollback_started", int64_t{0}));
    return s;
  });
}

std::string StateWriter::Next(const RolloutState& state) {
  if (!last_ || ++since_full_ >= kFullEvery) {
    since_full_ = 0;
    last_ = state;
    return json{{"full", StateValue(state)}}.dump();
  }
  json delta = json::object();
  for (const Field& f : Fields()) {
    if (f.same(*last_, state)) continue;
    delta[f.name] = f.delta ? f.delta(*last_, state) : FieldDelta(f.value(*last_), f.value(state));
    f.copy(*last_, state);
  }
  if (delta.empty()) return "";
  return json{{"delta", delta}}.dump();
}

core::Status StateReader::Add(const std::string& part) {
  json j = json::parse(part, nullptr, false);
  if (j.is_object() && j.contains("full") && j["full"].is_object()) {
    current_ = j["full"];
    return core::Status::Ok();
  }
  if (j.is_object() && j.contains("delta") && j["delta"].is_object() && current_.is_object()) {
    try {
      for (const auto& [key, d] : j["delta"].items()) {
        current_[key] =
            current_.contains(key) ? ApplyField(current_[key], d) : d.value("=", json());
      }
      return core::Status::Ok();
    } catch (const json::exception& e) {
      return core::InvalidArgument(std::string("the journal holds a state delta rotor cannot "
                                               "read: ") +
                                   e.what());
    }
  }
  return core::InvalidArgument("the journal holds a state record rotor cannot read");
}

core::Result<RolloutState> StateReader::State() const { return StateFromJson(current_.dump()); }

std::string IntentToJson(const Step& step, const std::string& state_part) {
  json j = {{"step", json::parse(StepToJson(step))}};
  if (!state_part.empty()) j["state"] = json::parse(state_part);
  return j.dump();
}

core::Result<Intent> IntentFromJson(const std::string& text) {
  ASSIGN_OR_RETURN(json j, Parse(text, "intent"));
  if (!j.contains("step")) return core::InvalidArgument("the journal's intent has no step");
  Intent intent;
  ASSIGN_OR_RETURN(intent.step, StepFromJson(j["step"].dump()));
  if (j.contains("state")) intent.state = j["state"].dump();
  return intent;
}

}  // namespace rotor::rollout
