// `rotor export STACK FILE.tgz` (DESIGN.md section 7b): what it takes to build a stack again
// elsewhere, read without changing anything, as the files of an export tarball (ops/bundle.h):
//
//   stack.json        name, region, description, status, tags, capabilities, termination
//                     protection, stack policy, outputs, and the parameters: each with its value,
//                     a NoEcho one listed {"key", "no_echo": true} with no value (the service
//                     shows only "****"; the importer must give it)
//   template.json|yaml the template as it was given (the original, not the processed one)
//   groups/ID.json    per Auto Scaling group of the stack (ID its logical id): sizes, zones,
//                     suspended processes, load balancers and target groups, health check,
//                     lifecycle hooks, and its launch spec with the data it launches with (image,
//                     instance type, user data decoded, the rest)
//   images.json       every image a group launches: id, name, owner, architecture,
//                     virtualization, creation date (what import maps by name)
//
// User data and parameters may hold secrets: the caller writes the tarball readable by its
// owner only, and never prints what is in it.
#pragma once

#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "ops/bundle.h"

namespace rotor::ops {

inline constexpr int kExportSchema = kBundleSchema;

struct Export {
  BundleFiles files;
  std::vector<std::string> no_echo;  // the NoEcho parameters, whose values are not in it
  std::vector<std::string> groups;   // the groups' names
  std::vector<std::string> images;   // "ami-... (name)"
  std::vector<std::string> unread;   // what could not be read, with why (an image gone, ...)
};

// Reads stack `stack` (in `region`) and what it owns. kNotFound for an unknown stack; the
// cloud's errors otherwise. Changes nothing.
core::Result<Export> ExportStack(cloud::Cloud& cloud, const std::string& stack,
                                 const std::string& region);

}  // namespace rotor::ops
