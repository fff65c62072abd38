#include "cloud/pacer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace rotor::cloud {
namespace {

// The most crowded window of a service's sorted send times: its start and how many it held.
struct Busiest {
  core::Time start;
  size_t count = 0;
};

// Two pointers: for each send i, [i, j) are the sends in [times[i], times[i] + window).
// Ties keep the earliest window.
Busiest BusiestWindow(const std::vector<core::Time>& times, core::Duration window) {
  Busiest best;
  size_t j = 0;
  for (size_t i = 0; i < times.size(); ++i) {
    while (j < times.size() && times[j] < times[i] + window) ++j;
    if (j - i > best.count) best = {times[i], j - i};
  }
  return best;
}

std::string Describe(const std::string& service, const Busiest& b, const RateRule& rule,
                     double ceiling, core::Time origin) {
  std::string span =
      rule.window == std::chrono::seconds(1)
          ? "the second"
          : fmt::format("the {:.3f}s", std::chrono::duration<double>(rule.window).count());
  double from = std::chrono::duration<double>(b.start - origin).count();
  return fmt::format("I9: {} {} requests in {} from {:+.3f}s, ceiling {:g}", b.count, service, span,
                     from, ceiling);
}

}  // namespace

RateRule RateRuleFor(double ceiling) {
  if (!std::isfinite(ceiling) || ceiling <= 0) return {};
  double c = std::min(ceiling, kMaxRequestCeiling);
  if (c >= 1) return {static_cast<size_t>(std::floor(c)), std::chrono::seconds(1)};
  // c = 0.3: one request per 3334 ms, rounded up so never faster than asked; capped at about
  // 31 years so that a vanishing ceiling cannot overflow.
  double ms = std::min(std::ceil(1000.0 / c), 1e12);
  return {1, core::Duration(static_cast<core::Duration::rep>(ms))};
}

core::Time RequestPacer::Reserve(const std::string& service, core::Time now) {
  if (rule_.limit == 0) return now;
  std::deque<core::Time>& recent = recent_[service];
  core::Time at = now;
  if (!recent.empty()) at = std::max(at, recent.back());
  // With limit sends already in the window, the next waits until the oldest of them leaves it:
  // limit 10, ten sends at 0.000 s: the 11th goes at 1.000 s, when [1.000, 2.000) holds one.
  if (recent.size() == rule_.limit) at = std::max(at, recent.front() + rule_.window);
  recent.push_back(at);
  if (recent.size() > rule_.limit) recent.pop_front();
  return at;
}

void RequestPacer::Answered(const std::string& service, core::Time at, core::Time answered) {
  auto it = recent_.find(service);
  if (it == recent_.end() || answered <= at) return;
  std::deque<core::Time>& recent = it->second;
  auto record = std::find(recent.rbegin(), recent.rend(), at);
  if (record == recent.rend()) return;
  *record = answered;
  // Later only, so the deque still holds the latest sends; sorted again for Reserve.
  std::sort(recent.begin(), recent.end());
}

std::vector<std::string> RateViolations(const std::vector<TimedCall>& calls, double ceiling,
                                        std::optional<core::Time> origin) {
  RateRule rule = RateRuleFor(ceiling);
  if (rule.limit == 0 || calls.empty()) return {};
  std::map<std::string, std::vector<core::Time>> by_service;
  core::Time first = calls.front().second;
  for (const auto& [service, t] : calls) {
    by_service[service].push_back(t);
    first = std::min(first, t);
  }
  std::vector<std::string> out;
  for (auto& [service, times] : by_service) {
    std::sort(times.begin(), times.end());  // cheap when already in order, as documented
    Busiest b = BusiestWindow(times, rule.window);
    if (b.count > rule.limit) {
      out.push_back(Describe(service, b, rule, ceiling, origin.value_or(first)));
    }
  }
  return out;
}

}  // namespace rotor::cloud
