// The journal's vocabulary, owned here and only here (like LevelDB's log_format.h): the kinds of
// operation, the kinds of record, and the keys of leased resources. Every store writes these
// names and reads them back through the functions below; no other layer spells them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rotor::journal {

// What an operation is (DESIGN.md section 3b). Stored by name; an operation written before
// kinds existed (schema 1) reads as kRespawn, the only operation rotor then had.
enum class OperationKind {
  kRespawn,
  kPatch,
  kUpgrade,
  kUpdateStack,
  kUpdateAsgs,
  kReplaceInstance,
  kRedeployBastion,
  kBackup,
  kRestore,
  kRelocate,
  kImport,
};
std::string_view OperationKindName(OperationKind kind);  // "respawn", "update-stack", ...
std::optional<OperationKind> ParseOperationKind(std::string_view name);

// What a record says. The stored names are those of schema 1, so old journals read unchanged.
enum class RecordKind {
  kStart,        // an engine began (data: its state)
  kResume,       // an engine resumed (data: its state)
  kIntent,       // a step about to act (durable before the act; data: the step)
  kOutcome,      // what the act did (data: the state after it)
  kRetry,        // a failed act waits to be tried again (small, bounded: invariant I8)
  kPaused,       // stopped for a person (data: the state)
  kInterrupted,  // Ctrl-C or a lost lease changed the plan (data: the state)
  kFinish,       // the engine ended (data: the final state)
  kNote,         // a journaled side act outside the engine (pointing a group back, ...)
  kUnknown,      // written by a newer rotor: shown, never interpreted
};
std::string_view RecordKindName(RecordKind kind);
RecordKind ParseRecordKind(std::string_view name);  // kUnknown for a name this rotor lacks

// Lease keys: "group/NAME", "stack/NAME", "instance/ID". The type comes first so that names
// of different things never collide.
std::string GroupResource(std::string_view group);
std::string StackResource(std::string_view stack);
std::string InstanceResource(std::string_view id);
// "group web-1" for messages; a key without a type is shown as it is.
std::string ResourceLabel(std::string_view resource);
// The group names among `resources`, in order.
std::vector<std::string> GroupsOf(const std::vector<std::string>& resources);
std::vector<std::string> GroupResources(const std::vector<std::string>& groups);

}  // namespace rotor::journal
