#include "ops/images.h"

#include <algorithm>
#include <set>

namespace rotor::ops {
namespace {

int DaysBetween(core::Time from, core::Time to) {
  return static_cast<int>(std::chrono::floor<std::chrono::days>(to - from).count());
}

// Instance id -> stack, for the instances rotor should report on: the stack tag, and for
// named stacks also every member of the stack's groups (tags are not always propagated).
core::Result<std::map<std::string, std::string>> StackOfInstances(
    cloud::Cloud& cloud, const std::vector<cloud::Instance>& all,
    const std::vector<std::string>& stacks) {
  std::map<std::string, std::string> out;
  std::set<std::string> wanted(stacks.begin(), stacks.end());
  for (const cloud::Instance& i : all) {
    auto tag = i.tags.find(kStackTag);
    std::string stack = tag == i.tags.end() ? "" : tag->second;
    if (wanted.empty() || wanted.count(stack)) out[i.id] = stack;
  }
  for (const std::string& name : stacks) {
    ASSIGN_OR_RETURN(cloud::Stack stack, cloud.stacks.DescribeStack(name));
    if (stack.group_names.empty()) continue;
    ASSIGN_OR_RETURN(std::vector<cloud::Group> groups, cloud.groups.ListGroups(stack.group_names));
    for (const cloud::Group& g : groups) {
      for (const cloud::Instance& m : g.instances) out[m.id] = name;
    }
  }
  return out;
}

bool NewerFirst(const ImageRow& a, const ImageRow& b) {
  if (a.image.created.has_value() != b.image.created.has_value())
    return a.image.created.has_value();
  if (a.image.created != b.image.created) return a.image.created > b.image.created;
  return a.image.id < b.image.id;
}

std::optional<cloud::Image> Newest(const std::vector<cloud::Image>& images) {
  std::optional<cloud::Image> best;
  for (const cloud::Image& i : images) {
    if (!i.created) continue;
    if (!best || *i.created > *best->created || (*i.created == *best->created && i.id > best->id)) {
      best = i;
    }
  }
  return best;
}

std::vector<StackCurrency> Currency(const std::map<std::string, ImageRow>& rows,
                                    const cloud::Image& newest) {
  std::map<std::string, StackCurrency> by_stack;
  std::map<std::string, std::optional<core::Time>> oldest;
  std::map<std::string, bool> unknown;
  for (const auto& [id, row] : rows) {
    for (const auto& [stack, n] : row.stacks) {
      StackCurrency& c = by_stack[stack];
      c.stack = stack;
      c.instances += n;
      if (!row.image.created)
        unknown[stack] = true;
      else if (!oldest[stack] || *row.image.created < *oldest[stack])
        oldest[stack] = row.image.created;
    }
  }
  std::vector<StackCurrency> out;
  for (auto& [stack, c] : by_stack) {
    bool all_newest = true;
    for (const auto& [id, row] : rows) {
      if (row.stacks.count(stack) && id != newest.id) all_newest = false;
    }
    c.current = all_newest;
    if (!c.current && !unknown[stack] && oldest[stack]) {
      c.days_behind = std::max(0, DaysBetween(*oldest[stack], *newest.created));
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

core::Result<ImagesReport> BuildImages(cloud::Cloud& cloud, const ImagesOptions& options) {
  ASSIGN_OR_RETURN(std::vector<cloud::Instance> all, cloud.instances.ListInstances({}));
  ASSIGN_OR_RETURN(auto stack_of, StackOfInstances(cloud, all, options.stacks));

  std::map<std::string, ImageRow> rows;
  for (const cloud::Instance& i : all) {
    auto it = stack_of.find(i.id);
    if (it == stack_of.end()) continue;
    ImageRow& row = rows[i.image_id];
    row.image.id = i.image_id;
    ++row.instances;
    ++row.stacks[it->second];
  }
  std::vector<std::string> used;
  for (const auto& [id, row] : rows) used.push_back(id);
  if (!used.empty()) {
    ASSIGN_OR_RETURN(std::vector<cloud::Image> described, cloud.images.DescribeImages(used));
    for (const cloud::Image& img : described) {
      if (rows.count(img.id)) rows[img.id].image = img;
    }
  }

  ImagesReport report;
  if (!options.image_filter.empty()) {
    ASSIGN_OR_RETURN(std::vector<cloud::Image> matching,
                     cloud.images.FindImages({options.image_filter, options.owners}));
    report.newest = Newest(matching);
    for (const cloud::Image& img : matching) {
      if (!rows.count(img.id)) rows[img.id].image = img;
    }
    if (report.newest) {
      rows[report.newest->id].newest = true;
      report.stacks = Currency(rows, *report.newest);
    }
  }
  for (auto& [id, row] : rows) {
    if (row.image.created) row.age_days = DaysBetween(*row.image.created, options.now);
    bool hidden = options.hide_older_than_days && row.instances == 0 && !row.newest &&
                  row.age_days && *row.age_days > *options.hide_older_than_days;
    if (!hidden) report.images.push_back(row);
  }
  std::sort(report.images.begin(), report.images.end(), NewerFirst);
  return report;
}

}  // namespace rotor::ops
