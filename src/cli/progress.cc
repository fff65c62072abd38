#include "cli/progress.h"

#include <fmt/format.h>

namespace rotor::cli {

std::string Seconds(core::Duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  return s >= 120 ? fmt::format("{}m{:02}s", s / 60, s % 60) : fmt::format("{}s", s);
}

void LiveBoard::Update(const rollout::Event& e, std::ostream& out) {
  if (!lines_.count(e.group)) {
    order_.push_back(e.group);
    started_[e.group] = e.t;
  }
  double t = std::chrono::duration<double>(e.t - started_[e.group]).count();
  std::string eta;
  if (e.replaced > 0 && e.replaced < e.total) {
    double left = t / e.replaced * (e.total - e.replaced);
    eta = "  ETA " +
          Seconds(std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(left)));
  }
  lines_[e.group] = fmt::format("  {}  {}/{} replaced  {} ready  {}{}  — {}", e.group, e.replaced,
                                e.total, e.ready, e.phase, eta, e.what);
  if (drawn_ > 0) out << "\033[" << drawn_ << "F";  // back to the board's first line
  for (const std::string& g : order_) out << "\033[K" << lines_[g] << "\n";
  drawn_ = static_cast<int>(order_.size());
  out << std::flush;
}

}  // namespace rotor::cli
