// rotor images [STACK...] [--image-filter GLOB] [--owner ID] [--hide-older-than DAYS]
#include "ops/images.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "core/strings.h"

namespace rotor::cli {
namespace {

struct ImagesArgs {
  std::vector<std::string> stacks;
  std::string filter;
  std::vector<std::string> owners;
  int hide_older_than = -1;
};

std::string StacksText(const ops::ImageRow& row) {
  std::vector<std::string> parts;
  for (const auto& [stack, n] : row.stacks) {
    parts.push_back(fmt::format("{} ({})", stack.empty() ? "(no stack)" : stack, n));
  }
  return parts.empty() ? "-" : core::Join(parts, ", ");
}

std::string Created(const cloud::Image& i) {
  return i.created ? core::FormatIso8601(*i.created) : "";
}

std::string BehindText(const ops::StackCurrency& c) {
  if (c.current) return "current";
  if (c.days_behind == 0) return "behind by less than a day";
  if (c.days_behind) return fmt::format("{} days behind", *c.days_behind);
  return "behind (image date unknown)";
}

nlohmann::json ImageJson(const cloud::Image& i) {
  return {{"id", i.id},
          {"name", i.name},
          {"owner_id", i.owner_id},
          {"state", i.state},
          {"created", i.created ? nlohmann::json(Created(i)) : nlohmann::json()}};
}

nlohmann::json ReportJson(const ops::ImagesReport& r) {
  nlohmann::json images = nlohmann::json::array();
  for (const ops::ImageRow& row : r.images) {
    nlohmann::json j = ImageJson(row.image);
    j["age_days"] = row.age_days ? nlohmann::json(*row.age_days) : nlohmann::json();
    j["instances"] = row.instances;
    j["stacks"] = row.stacks;
    j["newest"] = row.newest;
    images.push_back(j);
  }
  nlohmann::json stacks = nlohmann::json::array();
  for (const ops::StackCurrency& c : r.stacks) {
    stacks.push_back(
        {{"stack", c.stack},
         {"instances", c.instances},
         {"current", c.current},
         {"days_behind", c.days_behind ? nlohmann::json(*c.days_behind) : nlohmann::json()}});
  }
  return {{"images", images},
          {"newest", r.newest ? ImageJson(*r.newest) : nlohmann::json()},
          {"stacks", stacks}};
}

void PrintTable(const ops::ImagesReport& r, const std::string& filter, std::ostream& out) {
  Table t({"IMAGE", "NAME", "CREATED", "AGE", "INSTANCES", "STACKS", ""});
  for (const ops::ImageRow& row : r.images) {
    t.AddRow({row.image.id, row.image.name.empty() ? "(" + row.image.state + ")" : row.image.name,
              row.image.created ? DateOnly(Created(row.image)) : "-",
              row.age_days ? fmt::format("{}d", *row.age_days) : "-", std::to_string(row.instances),
              StacksText(row), row.newest ? "newest" : ""});
  }
  if (t.size() == 0)
    out << "no running instances\n";
  else
    t.Print(out);
  if (filter.empty()) return;
  if (!r.newest) {
    out << fmt::format("\nno available image matches '{}'\n", filter);
    return;
  }
  out << fmt::format("\nnewest image matching '{}': {} {} ({})\n", filter, r.newest->id,
                     r.newest->name, DateOnly(Created(*r.newest)));
  if (r.stacks.empty()) return;
  Table s({"STACK", "INSTANCES", "STATUS"});
  for (const ops::StackCurrency& c : r.stacks) {
    s.AddRow(
        {c.stack.empty() ? "(no stack)" : c.stack, std::to_string(c.instances), BehindText(c)});
  }
  out << "\n";
  s.Print(out);
}

void PrintText(const ops::ImagesReport& r, std::ostream& out) {
  for (const ops::ImageRow& row : r.images) {
    out << core::Join({row.image.id, row.image.name, Created(row.image),
                       row.age_days ? std::to_string(*row.age_days) : "",
                       std::to_string(row.instances), StacksText(row), row.newest ? "newest" : ""},
                      "\t")
        << "\n";
  }
}

int Run(const ImagesArgs& args, Session& session) {
  auto build = [&](Runtime& rt) {
    ops::ImagesOptions opts;
    opts.stacks = args.stacks;
    opts.image_filter = args.filter;
    opts.owners = args.owners;
    if (args.hide_older_than >= 0) opts.hide_older_than_days = args.hide_older_than;
    opts.now = rt.clock().Now();
    return ops::BuildImages(rt.cloud(), opts);
  };
  auto print = [&](const ops::ImagesReport& report, Format format, std::ostream& out) {
    switch (format) {
      case Format::kJson:
        out << ReportJson(report).dump(2) << "\n";
        break;
      case Format::kText:
        PrintText(report, out);
        break;
      case Format::kTable:
        PrintTable(report, args.filter, out);
        break;
    }
  };
  return RunReport(session, build, print);
}

}  // namespace

void AddImagesCommand(CLI::App& app, CommandFn& chosen) {
  auto args = std::make_shared<ImagesArgs>();
  CLI::App* cmd = app.add_subcommand(
      "images", "AMIs in use per stack, and how far each stack is behind the newest");
  cmd->add_option("stacks", args->stacks, "stacks to report on (default: every running instance)");
  cmd->add_option("--image-filter", args->filter, "image name glob, e.g. 'app-*': find the newest");
  cmd->add_option("--owner", args->owners,
                  "image owner account id, 'self' or 'amazon' (repeatable; default self)");
  cmd->add_option("--hide-older-than", args->hide_older_than, "hide unused images older than DAYS")
      ->check(CLI::NonNegativeNumber);
  cmd->callback(
      [args, &chosen] { chosen = [args](Session& session) { return Run(*args, session); }; });
}

}  // namespace rotor::cli
