// rotor: keeps AWS fleets current without downtime (DESIGN.md). Never lets an exception or a
// crash reach the user: internal errors exit 70 with a one-line message.
#include <exception>
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/exit_codes.h"

int main(int argc, char** argv) {
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
