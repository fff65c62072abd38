// rotor: keeps AWS fleets current without downtime (DESIGN.md). Never lets an exception or a
// crash reach the user: internal errors exit 70 with a one-line message.
#include <cstdio>
#include <exception>
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"

int main(int argc, char** argv) {
  // Every line reaches a pipe or a file as it is written: a CI log shows progress live, and
  // the log of a killed rotor keeps every line it printed (std::cout writes through stdout).
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    return rotor::cli::RunCommandLine(args, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "rotor: internal error: " << e.what() << "; please report it\n";
  } catch (...) {
    std::cerr << "rotor: internal error; please report it\n";
  }
  return rotor::cli::kExitInternal;
}
