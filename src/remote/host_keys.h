// Host keys of instances rotor launched (DESIGN.md section 5b): cloud-init prints an instance's
// public host keys on its console ("-----BEGIN SSH HOST KEY KEYS-----"), which EC2 hands out
// through GetConsoleOutput; rotor pins them in its own known-hosts file under the instance's
// addresses, so that the first connection is already checked. Pure parsing, and one file write.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace rotor::remote {

// "ssh-ed25519 AAAAC3...", one per key in the console's key block (type and key, the comment
// dropped). Lines may carry cloud-init's prefixes ("ec2: ", a timestamp). A key whose blob does
// not decode, or names another type than its line, is left out. Empty when there is no block.
std::vector<std::string> HostKeysFromConsole(const std::string& console);

// Writes `keys` for each of `addresses` into the known-hosts file at `path` (created with its
// directory when missing), replacing the lines those addresses had: an address that belonged
// to another instance before (an elastic IP that moved) must not keep that one's key. Written
// to a temporary file, then renamed. Errors: kInternal naming the file.
core::Status PinHostKeys(const std::string& path, const std::vector<std::string>& addresses,
                         const std::vector<std::string>& keys);

}  // namespace rotor::remote
