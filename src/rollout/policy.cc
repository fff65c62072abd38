#include "rollout/policy.h"

#include <fmt/format.h>

#include <charconv>

namespace rotor::rollout {

core::Result<Amount> Amount::Parse(const std::string& text, const std::string& flag) {
  Amount a;
  std::string digits = text;
  if (!digits.empty() && digits.back() == '%') {
    a.percent = true;
    digits.pop_back();
  }
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), a.value);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || a.value < 0 ||
      (a.percent && a.value > 100)) {
    return core::InvalidArgument(
        fmt::format("{} '{}' is not a count or a percentage (write 2 or 25%)", flag, text));
  }
  return a;
}

std::string Amount::ToString() const { return std::to_string(value) + (percent ? "%" : ""); }

core::Result<Strategy> ParseStrategy(const std::string& s) {
  if (s == "surge") return Strategy::kSurge;
  if (s == "replace") return Strategy::kReplace;
  if (s == "double") return Strategy::kDouble;
  return core::InvalidArgument(fmt::format("--strategy '{}': use surge, replace or double", s));
}

core::Result<Order> ParseOrder(const std::string& s) {
  if (s == "oldest") return Order::kOldest;
  if (s == "az-balanced") return Order::kAzBalanced;
  if (s == "id") return Order::kId;
  return core::InvalidArgument(fmt::format("--order '{}': use oldest, az-balanced or id", s));
}

core::Result<OnFailure> ParseOnFailure(const std::string& s) {
  if (s == "rollback") return OnFailure::kRollback;
  if (s == "pause") return OnFailure::kPause;
  if (s == "abort") return OnFailure::kAbort;
  return core::InvalidArgument(fmt::format("--on-failure '{}': use rollback, pause or abort", s));
}

const char* StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kSurge:
      return "surge";
    case Strategy::kReplace:
      return "replace";
    case Strategy::kDouble:
      return "double";
  }
  return "?";
}

const char* OrderName(Order o) {
  switch (o) {
    case Order::kOldest:
      return "oldest";
    case Order::kAzBalanced:
      return "az-balanced";
    case Order::kId:
      return "id";
  }
  return "?";
}

const char* OnFailureName(OnFailure f) {
  switch (f) {
    case OnFailure::kRollback:
      return "rollback";
    case OnFailure::kPause:
      return "pause";
    case OnFailure::kAbort:
      return "abort";
  }
  return "?";
}

}  // namespace rotor::rollout
