// rotor export STACK FILE.tgz: the stack and what it owns, read into an export tarball written
// atomically (a temporary file in the same directory, then renamed), readable by its owner only
// (user data and parameters may hold secrets).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"
#include "core/strings.h"
#include "ops/export_import.h"

namespace rotor::cli {
namespace {

struct ExportArgs {
  std::string stack, file;
};

core::Status WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return core::InvalidArgument(std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return ::fsync(fd) == 0 ? core::Status::Ok() : core::InvalidArgument(std::strerror(errno));
}

// `data` at `path`, whole or not at all, mode 0600.
core::Status WriteFileAtomically(const std::string& path, const std::string& data) {
  std::string temp = fmt::format("{}.tmp-{}", path, ::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return core::InvalidArgument(fmt::format(
        "cannot write {}: {} (is its directory there and writable?)", path, std::strerror(errno)));
  }
  core::Status written = WriteAll(fd, data);
  ::close(fd);
  if (written.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    written = core::InvalidArgument(std::strerror(errno));
  }
  if (!written.ok()) {
    ::unlink(temp.c_str());
    return core::InvalidArgument(fmt::format("cannot write {}: {}", path, written.message()));
  }
  return core::Status::Ok();
}

int Run(const ExportArgs& a, Session& session) {
  std::ostream& err = session.err();
  auto format = session.format();
  if (!format.ok()) return ReportError(format.status(), err);
  auto runtime = session.runtime();
  if (!runtime.ok()) return ReportError(runtime.status(), err);
  Runtime& rt = **runtime;
  auto exported = ops::ExportStack(rt.cloud(), a.stack, rt.region());
  if (!exported.ok()) return ReportError(exported.status(), err);
  auto bytes = ops::WriteBundle(exported->files, rt.clock().Now());
  if (!bytes.ok()) return ReportError(bytes.status(), err);
  core::Status written = WriteFileAtomically(a.file, *bytes);
  if (!written.ok()) return ReportError(written, err);
  std::ostream& out = session.out();
  if (*format == Format::kJson) {
    out << nlohmann::json{{"stack", a.stack},
                          {"file", a.file},
                          {"bytes", bytes->size()},
                          {"sha256", ops::Sha256Hex(*bytes)},
                          {"groups", exported->groups},
                          {"images", exported->images},
                          {"no_echo", exported->no_echo},
                          {"unread", exported->unread}}
               .dump()
        << "\n";
    return kExitOk;
  }
  out << fmt::format("exported {} to {} ({} bytes, sha256 {})\n", a.stack, a.file, bytes->size(),
                     ops::Sha256Hex(*bytes));
  out << fmt::format("  groups: {}\n", exported->groups.empty()
                                           ? std::string("none")
                                           : core::Join(exported->groups, ", "));
  out << fmt::format("  images: {}\n", exported->images.empty()
                                           ? std::string("none")
                                           : core::Join(exported->images, ", "));
  if (!exported->no_echo.empty()) {
    out << fmt::format(
        "  NoEcho parameters, not in the file (give them to import as "
        "KEY=VALUE): {}\n",
        core::Join(exported->no_echo, ", "));
  }
  for (const std::string& u : exported->unread) out << "  not exported: " << u << "\n";
  return kExitOk;
}

}  // namespace

void AddExportCommand(CLI::App& app, CommandFn& chosen) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Write a stack's template, parameters, settings, groups, launch specs and images to a "
      "tarball that `rotor import` builds the stack from (read-only)");
  cmd->add_option("stack", a->stack, "the CloudFormation stack")->required();
  cmd->add_option("file", a->file, "the tarball to write (FILE.tgz; readable by you only)")
      ->required();
  cmd->callback([a, &chosen] { chosen = [a](Session& session) { return Run(*a, session); }; });
}

}  // namespace rotor::cli
