#include "cli/journal_watch.h"

#include <fmt/format.h>

namespace rotor::cli {
namespace {

// How much of a failure identifies it: enough to be unlikely by chance, short enough to be
// found again inside a longer text that carries it.
constexpr size_t kHead = 60;

size_t Occurrences(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// An outcome other than "ok" or a retry: the error as the engine recorded it, without the
// code's name in front ("UNAVAILABLE: cannot reach ..." -> "cannot reach ...").
std::optional<std::string> FailureHead(const journal::Record& r) {
  if (r.kind != journal::RecordKind::kOutcome || r.text == "ok") return std::nullopt;
  size_t colon = r.text.find(": ");
  std::string message = colon == std::string::npos ? r.text : r.text.substr(colon + 2);
  return message.substr(0, kHead);
}

}  // namespace

std::optional<std::string> RecordBounds::Check(const journal::Record& r, size_t instances) {
  std::optional<std::string> violation;
  size_t bytes = r.text.size() + r.data.size();
  size_t allowance = kBase + kPerInstance * instances;
  if (bytes > allowance) {
    violation = fmt::format(
        "I8: journal record {} ({}) holds {} bytes, more than {} for {} "
        "instances",
        r.seq, journal::RecordKindName(r.kind), bytes, allowance, instances);
  }
  for (const std::string& f : failures_) {
    size_t n = Occurrences(r.text, f);
    if (n > 1 && !violation) {
      violation = fmt::format("I8: journal record {} ({}) repeats an earlier failure {} times: {}",
                              r.seq, journal::RecordKindName(r.kind), n, f);
    }
  }
  if (auto head = FailureHead(r)) failures_.insert(*head);
  if (r.kind == journal::RecordKind::kRetry) {
    std::deque<core::Time>& recent = retries_[r.group];
    recent.push_back(r.t);
    while (r.t - recent.front() >= std::chrono::minutes(1)) recent.pop_front();
    if (recent.size() > kRetriesPerMinute && !violation) {
      violation = fmt::format(
          "I8: {} retries of group {} within a minute (back-off from 5 s "
          "allows {})",
          recent.size(), r.group, kRetriesPerMinute);
    }
  }
  return violation;
}

core::Status WatchedJournal::Append(journal::Record& record) {
  core::Status appended = JournalWrapper::Append(record);
  if (!appended.ok()) return appended;
  if (auto v = bounds_.Check(record, instances_())) {
    if (!report_(*v)) return core::Internal(*v);
  }
  return appended;
}

}  // namespace rotor::cli
