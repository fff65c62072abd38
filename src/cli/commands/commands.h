// Each command registers its subcommand and, when chosen, the function that runs it.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>

#include "cli/runtime.h"

namespace rotor::cli {

// Runs a chosen command; returns the process exit code. Writes results to `out`, messages to
// `err`.
using CommandFn = std::function<int(Runtime& runtime, std::ostream& out, std::ostream& err)>;

void AddImagesCommand(CLI::App& app, CommandFn& chosen);
void AddStatusCommand(CLI::App& app, CommandFn& chosen);

// Prints "rotor: MESSAGE" and returns the exit code for `status`.
int ReportError(const core::Status& status, std::ostream& err);

}  // namespace rotor::cli
