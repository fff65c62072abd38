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

// The NoEcho parameters an export names (their values are not in it). Empty for a bundle
// that is not an export.
std::vector<std::string> ExportedNoEcho(const Bundle& bundle);

// `rotor import FILE.tgz [--name NEW] [KEY=VALUE...] [--image OLD=NEW...]`: what the tarball's
// stack needs to be created here, as an update-stack request (its create path).
struct ImportRequest {
  std::string name;                                         // --name; "": the exported one
  std::vector<std::pair<std::string, std::string>> set;     // KEY=VALUE (NoEcho ones among them)
  std::vector<std::pair<std::string, std::string>> images;  // --image OLD=NEW
};

// One exported image and the one here that takes its place.
struct ImageMapping {
  std::string old_id, name;
  std::string new_id;
  std::string how;  // "--image", "the same image", "newest named NAME (created ...)"
};

struct ImportPlan {
  std::string stack;                                            // the name it is created under
  std::string exported_from;                                    // "web-9 in eu-west-1"
  std::string template_body;                                    // images mapped
  std::vector<std::pair<std::string, std::string>> parameters;  // images mapped, NoEcho given
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> secret_keys;  // the NoEcho ones: never shown
  std::vector<ImageMapping> images;
  bool termination_protection = false;
  std::string policy;              // the stack policy's JSON ("": none)
  std::vector<std::string> notes;  // known before creating it: what no template recreates
};

// Reads the stack's files from `bundle` (`source` names the file in messages) and maps its
// images to this region's: --image OLD=NEW first, else the same id when it is available here,
// else the newest available image with the same name (and owner, or this account's). Refuses,
// changing nothing: kInvalidArgument for a bundle that is not an export of a stack, a NoEcho
// parameter not given (naming them all), an --image that is not OLD=NEW of an exported image,
// an image with no match here (naming them all, and what to do); kNotFound for an --image NEW
// that does not exist.
core::Result<ImportPlan> PlanImport(cloud::Cloud& cloud, const Bundle& bundle,
                                    const std::string& source, const ImportRequest& request);

// What the stack `plan.stack`, created from `bundle`, lacks that the exported one had: per group
// (matched by logical id) a group not created, sizes, suspended processes, load balancers,
// health check, lifecycle hooks, and what it launches (instance type, the image as mapped, user
// data). One line each, naming the group; empty when all match. Reads only. kNotFound when the
// stack is not there.
core::Result<std::vector<std::string>> NotRecreated(cloud::Cloud& cloud, const Bundle& bundle,
                                                    const ImportPlan& plan);

}  // namespace rotor::ops
