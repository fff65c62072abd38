#include "cli/replace_flags.h"

#include <fmt/format.h>

#include <utility>

#include "core/strings.h"
#include "ops/replace_plan_file.h"

namespace rotor::cli {
namespace {

using ops::ReplaceRequest;

core::Result<core::Duration> Duration(const std::string& flag, const std::string& text) {
  auto d = core::ParseDuration(text);
  if (!d.ok() || d->count() <= 0) {
    return core::InvalidArgument(fmt::format("{} '{}' is not a duration such as 15m", flag, text));
  }
  return *d;
}

// The request the flags make on their own, every flag at its value or its default.
core::Result<ReplaceRequest> FromFlags(const ReplaceFlags& a) {
  ReplaceRequest r;
  r.instance = a.instance;
  if (!a.image.empty() || !a.image_filter.empty() || !a.owner.empty()) {
    r.image = ops::ImageRequest{a.image.empty() ? "latest" : a.image, a.image_filter, a.owner};
  }
  r.instance_type = a.instance_type;
  if (a.root_size < 0) return core::InvalidArgument("--root-size: give a size in GiB");
  r.root_size_gib = a.root_size;
  r.volumes = a.volumes;
  r.addresses = a.addresses;
  r.dns = a.dns;
  r.stop = a.stop;
  r.start = a.start;
  r.copy = a.copy;
  r.prepare = a.prepare;
  r.after = a.after;
  if (a.unmount != "auto" && a.unmount != "none") {
    return core::InvalidArgument("--unmount " + a.unmount + ": use auto or none");
  }
  r.unmount = a.unmount == "auto";
  r.probes = a.probes;
  r.probe_address = a.probe_address;
  if (!a.keep_old.empty()) {
    ASSIGN_OR_RETURN(r.keep_old, Duration("--keep-old", a.keep_old));
  }
  ASSIGN_OR_RETURN(r.health_timeout, Duration("--health-timeout", a.health_timeout));
  return r;
}

// --image, --image-filter and --owner each replace their part of the plan's image (a plan
// without one asks for the latest, as the flags alone do).
void OverlayImage(const ReplaceFlags& f, ReplaceRequest& r) {
  bool image = f.given.count("--image"), filter = f.given.count("--image-filter"),
       owner = f.given.count("--owner");
  if (!image && !filter && !owner) return;
  ops::ImageRequest merged = r.image.value_or(ops::ImageRequest{});
  if (image) merged.image = f.image.empty() ? "latest" : f.image;
  if (filter) merged.name_filter = f.image_filter;
  if (owner) merged.owner = f.owner;
  r.image = merged;
}

// Each flag the command line gave replaces the plan's value of it.
void Overlay(const ReplaceFlags& f, const ReplaceRequest& flags, ReplaceRequest& r) {
  static const std::pair<const char*, std::vector<std::string> ReplaceRequest::*> kLists[] = {
      {"--volume", &ReplaceRequest::volumes},  {"--address", &ReplaceRequest::addresses},
      {"--dns", &ReplaceRequest::dns},         {"--stop", &ReplaceRequest::stop},
      {"--start", &ReplaceRequest::start},     {"--copy", &ReplaceRequest::copy},
      {"--prepare", &ReplaceRequest::prepare}, {"--after", &ReplaceRequest::after},
      {"--probe", &ReplaceRequest::probes}};
  auto given = [&](const char* flag) { return f.given.count(flag) > 0; };
  for (const auto& [flag, field] : kLists) {
    if (given(flag)) r.*field = flags.*field;
  }
  OverlayImage(f, r);
  if (given("--instance-type")) r.instance_type = flags.instance_type;
  if (given("--root-size")) r.root_size_gib = flags.root_size_gib;
  if (given("--unmount")) r.unmount = flags.unmount;
  if (given("--probe-address")) r.probe_address = flags.probe_address;
  if (given("--keep-old")) r.keep_old = flags.keep_old;
  if (given("--health-timeout")) r.health_timeout = flags.health_timeout;
}

// Repeatable flags, one value each (a second word is the next argument, not another value).
void AddListFlags(CLI::App* cmd, ReplaceFlags& a) {
  cmd->add_option("--volume", a.volumes,
                  "a data volume that moves: vol-... or tag:KEY=VALUE (default: every volume "
                  "but the root)")
      ->allow_extra_args(false);
  cmd->add_option("--address", a.addresses,
                  "an elastic IP that moves, by allocation id or address (default: all of them)")
      ->allow_extra_args(false);
  cmd->add_option("--dns", a.dns,
                  "an A/AAAA record to repoint (default: every record naming the old host)")
      ->allow_extra_args(false);
  cmd->add_option("--stop", a.stop, "a command run on the old host as the outage begins")
      ->allow_extra_args(false);
  cmd->add_option("--start", a.start, "a command run on the new host once the data is there")
      ->allow_extra_args(false);
  cmd->add_option("--copy", a.copy, "a file or directory copied from the old host to the new one")
      ->allow_extra_args(false);
  cmd->add_option("--prepare", a.prepare,
                  "a command run here once the new host answers, before the outage")
      ->allow_extra_args(false);
  cmd->add_option("--after", a.after, "a command run here once the outage ends")
      ->allow_extra_args(false);
  cmd->add_option("--probe", a.probes,
                  "readiness of the new host: tcp:PORT, http://:PORT/PATH or ssh:COMMAND")
      ->allow_extra_args(false);
}

}  // namespace

void AddReplaceFlags(CLI::App* cmd, ReplaceFlags& a) {
  cmd->add_option("instance", a.instance, "the instance id, or the value of its Name tag")
      ->required();
  cmd->add_option("--plan", a.plan,
                  "a YAML file of defaults and roles holding these choices (see "
                  "examples/copr-plan.yaml); a flag given overrides it");
  cmd->add_option("--role", a.role,
                  "the role of the --plan file to use (needed when it has several)");
  cmd->add_option("--image", a.image,
                  "latest, an AMI id or a name glob (default: the image it runs)");
  cmd->add_option("--image-filter", a.image_filter, "with --image latest: the names to consider");
  cmd->add_option("--owner", a.owner, "with --image latest or a glob: the images' owner");
  cmd->add_option("--instance-type", a.instance_type, "default: the old one's");
  cmd->add_option("--root-size", a.root_size,
                  "the new encrypted root's size in GiB (default: the old root's)");
  AddListFlags(cmd, a);
  cmd->add_option("--unmount", a.unmount,
                  "auto: unmount the moved volumes' file systems (found by lsblk) and mount "
                  "them on the new host; none: leave that to --stop/--start")
      ->capture_default_str();
  cmd->add_option("--probe-address", a.probe_address, "private or public")->capture_default_str();
  cmd->add_option("--keep-old", a.keep_old,
                  "terminate the old host once this has passed (default: only `rollout finish`)");
  cmd->add_option("--health-timeout", a.health_timeout,
                  "how long the new host has to become ready, before and after the outage")
      ->capture_default_str();
  cmd->add_option("--on-failure", a.on_failure, "rollback, pause or abort")->capture_default_str();
}

void NoteGivenFlags(const CLI::App& cmd, ReplaceFlags& f) {
  f.given.clear();
  for (const CLI::Option* option : cmd.get_options()) {
    if (option->count() > 0) f.given.insert(option->get_name());
  }
}

core::Result<ReplaceRequest> BuildReplaceRequest(const ReplaceFlags& f) {
  ASSIGN_OR_RETURN(ReplaceRequest flags, FromFlags(f));
  if (f.plan.empty()) {
    if (!f.role.empty()) {
      return core::InvalidArgument(fmt::format(
          "--role {}: a role is a section of a plan file; give the file with --plan", f.role));
    }
    return flags;
  }
  ASSIGN_OR_RETURN(ReplaceRequest r, ops::LoadReplacePlan(f.plan, f.role));
  r.instance = flags.instance;
  Overlay(f, flags, r);
  return r;
}

}  // namespace rotor::cli
