#include "cli/confirm.h"

#include <fmt/format.h>

#include <map>

#include "core/strings.h"

namespace rotor::cli {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& line : core::Split(text, '\n')) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// The lines of `a` not matched by one of `b` (a multiset difference, in a's order).
std::vector<std::string> Missing(const std::vector<std::string>& a,
                                 const std::vector<std::string>& b) {
  std::map<std::string, int> left;
  for (const std::string& line : b) ++left[line];
  std::vector<std::string> out;
  for (const std::string& line : a) {
    if (left[line] > 0) {
      --left[line];
    } else {
      out.push_back(line);
    }
  }
  return out;
}

std::string Trimmed(const std::string& line) {
  size_t start = line.find_first_not_of(' ');
  return start == std::string::npos ? "" : line.substr(start);
}

}  // namespace

std::vector<std::string> DiffLines(const std::string& before, const std::string& after) {
  std::vector<std::string> a = Lines(before), b = Lines(after), out;
  for (const std::string& line : Missing(a, b)) out.push_back("- " + Trimmed(line));
  for (const std::string& line : Missing(b, a)) out.push_back("+ " + Trimmed(line));
  return out;
}

core::Status KeptChanging(int plans) {
  return core::Status(
      core::Code::kBlocked,
      fmt::format(
          "the fleet changed under {} plans in a row; nothing was changed: try again when it is "
          "still (or find out who else is changing it)",
          plans));
}

}  // namespace rotor::cli
