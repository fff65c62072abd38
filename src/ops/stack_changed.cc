// Whether a stack changed between the plan of an update and its start (ops/update_stack.h).
#include <fmt/format.h>

#include <algorithm>

#include "ops/update_stack.h"

namespace rotor::ops {
namespace {

std::string ValueOf(const std::vector<cloud::StackParameter>& ps, const std::string& key) {
  const cloud::StackParameter* p = cloud::FindParameter(ps, key);
  return p == nullptr ? "(none)" : p->value;
}

// Values of NoEcho keys are never shown: AWS masks them, but not every endpoint does.
void CompareParameters(const std::vector<cloud::StackParameter>& before,
                       const std::vector<cloud::StackParameter>& now,
                       const std::vector<std::string>& no_echo, std::vector<std::string>& out) {
  std::vector<std::string> keys;
  for (const auto* list : {&before, &now}) {
    for (const cloud::StackParameter& p : *list) {
      if (std::find(keys.begin(), keys.end(), p.key) == keys.end()) keys.push_back(p.key);
    }
  }
  for (const std::string& k : keys) {
    std::string a = ValueOf(before, k), b = ValueOf(now, k);
    if (a == b) continue;
    bool secret = std::find(no_echo.begin(), no_echo.end(), k) != no_echo.end() ||
                  a == cloud::kMasked || b == cloud::kMasked;
    out.push_back(secret ? fmt::format("parameter {}: changed (NoEcho)", k)
                         : fmt::format("parameter {}: {} → {}", k, a, b));
  }
}

}  // namespace

core::Result<std::vector<std::string>> StackChangedSince(cloud::Stacks& stacks,
                                                         const StackUpdatePlan& plan) {
  std::vector<std::string> out;
  auto now = stacks.ReadSettings(plan.stack);
  if (!now.ok() && now.status().code() != core::Code::kNotFound) return now.status();
  if (plan.create) {
    if (now.ok()) out.push_back(fmt::format("stack {} now exists ({})", plan.stack, now->status));
    return out;
  }
  if (!now.ok()) return std::vector<std::string>{"stack " + plan.stack + " no longer exists"};
  const cloud::StackSettings& was = plan.basis;
  if (now->status != was.status) {
    out.push_back(fmt::format("stack {}: {} → {}", plan.stack, was.status, now->status));
  }
  if (now->template_body != was.template_body) {
    out.push_back(fmt::format("stack {}: its template changed", plan.stack));
  }
  // NoEcho in the template now (someone else's update may have made a key NoEcho) counts too.
  std::vector<std::string> no_echo = plan.no_echo;
  for (const std::string& k : NoEchoKeys(now->template_body)) no_echo.push_back(k);
  CompareParameters(was.parameters, now->parameters, no_echo, out);
  if (now->tags != was.tags) out.push_back(fmt::format("stack {}: its tags changed", plan.stack));
  if (!plan.no_changes && !plan.change_set.empty()) {
    // Executing a change set deletes the stack's others: someone else's update can take ours.
    auto set = stacks.ReadChange(plan.stack, plan.change_set);
    if (!set.ok() && set.status().code() != core::Code::kNotFound) return set.status();
    if (!set.ok()) {
      out.push_back("the plan's change set is gone");
    } else if (set->execution_status != "AVAILABLE") {
      out.push_back(fmt::format("the plan's change set is now {}", set->execution_status));
    }
  }
  return out;
}

}  // namespace rotor::ops
