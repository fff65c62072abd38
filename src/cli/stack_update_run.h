// The update-stack flow from a request to a started runbook, shared by `update-stack` and
// `import` (its create path): the plan made (a change set, or the stack to create), shown under
// `preface` and confirmed, then run and journaled as `kind`.
#pragma once

#include <string>
#include <vector>

#include "cli/commands/commands.h"
#include "journal/format.h"
#include "ops/update_stack.h"
#include "rollout/policy.h"

namespace rotor::cli {

// Returns the process exit code.
int RunStackUpdate(Session& session, Runtime& rt, Format format, ops::StackUpdateRequest request,
                   const rollout::Policy& policy, int parallel, journal::OperationKind kind,
                   const std::vector<std::string>& preface);

}  // namespace rotor::cli
