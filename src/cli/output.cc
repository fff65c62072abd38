#include "cli/output.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"

namespace rotor::cli {

core::Result<Format> ParseFormat(const std::string& name) {
  if (name == "table") return Format::kTable;
  if (name == "json") return Format::kJson;
  if (name == "text") return Format::kText;
  return core::InvalidArgument(
      fmt::format("--output '{}' is not a format; use table, json or text", name));
}

void Table::Print(std::ostream& out, const std::string& indent) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows_) {
    std::string line = indent;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

std::string ShortLoadBalancerName(const std::string& name_or_arn) {
  size_t pos = name_or_arn.find(":targetgroup/");
  if (pos == std::string::npos) return name_or_arn;
  std::vector<std::string> parts = core::Split(name_or_arn.substr(pos + 1), '/');
  return parts.size() >= 2 ? parts[1] : name_or_arn;
}

std::string DateOnly(const std::string& iso8601) { return iso8601.substr(0, 10); }

}  // namespace rotor::cli
