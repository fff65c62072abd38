// A rollout's policy (DESIGN.md section 3): strategy, budgets, timings, order, failure handling.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace rotor::rollout {

enum class Strategy { kSurge, kReplace, kDouble };
enum class Order { kOldest, kAzBalanced, kId };
enum class OnFailure { kRollback, kPause, kAbort };

// "3" or "25%".
struct Amount {
  int value = 0;
  bool percent = false;
  static core::Result<Amount> Parse(const std::string& text, const std::string& flag);
  std::string ToString() const;
};

struct Policy {
  Strategy strategy = Strategy::kSurge;
  std::optional<Amount> max_surge;        // default: surge 1, replace 0, double 100%
  std::optional<Amount> max_unavailable;  // default: surge 0, replace 1, double 0
  std::optional<Amount> min_healthy;      // default: desired − max_unavailable
  core::Duration warmup{0};
  core::Duration bake{0};
  core::Duration health_timeout = std::chrono::minutes(10);  // per new instance
  core::Duration deadline{0};                                // whole rollout; 0 = none
  std::optional<core::Duration> drain;  // nullopt = auto (the load balancer's deregistration)
  Order order = Order::kOldest;
  OnFailure on_failure = OnFailure::kRollback;
  int max_failed_launches = 3;
  int canary = 0;
  bool all = false;                       // replace every instance, not only the out-of-date ones
  int max_size_cap = 0;                   // 0 = none
  std::vector<std::string> probes;        // custom probes, as written: tcp:PORT, http://:PORT/PATH
  std::string probe_address = "private";  // or "public"
};

core::Result<Strategy> ParseStrategy(const std::string& s);
core::Result<Order> ParseOrder(const std::string& s);
core::Result<OnFailure> ParseOnFailure(const std::string& s);
const char* StrategyName(Strategy s);
const char* OrderName(Order o);
const char* OnFailureName(OnFailure f);

}  // namespace rotor::rollout
