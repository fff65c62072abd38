// Output formats: aligned tables for people, JSON for programs, tab-separated text for scripts.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/status.h"

namespace rotor::cli {

enum class Format { kTable, kJson, kText };

core::Result<Format> ParseFormat(const std::string& name);

// Columns padded to the widest cell; the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out, const std::string& indent = "") const;
  size_t size() const { return rows_.size() - 1; }

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "targetgroup/web/0123" -> "web" for target group ARNs; classic ELB names unchanged.
std::string ShortLoadBalancerName(const std::string& name_or_arn);
std::string DateOnly(const std::string& iso8601);

}  // namespace rotor::cli
