// A `rotor replace-instance --plan FILE --role NAME` file (DESIGN.md section 7b): a team's
// runbook for its persistent hosts, kept in a repository, read into the ReplaceRequest the
// flags would make. examples/copr-plan.yaml is a whole one.
//
//   defaults:                  # optional; every key below may stand here or in a role
//     image: latest            # latest | ami-... | a name glob        (--image)
//     image_filter: "Fedora-Cloud-Base-*"  # with latest: names to consider (--image-filter)
//     owner: "125523088429"    # with latest or a glob: the images' owner (--owner)
//     instance_type: t3a.large #                                     (--instance-type)
//     root_size: 20            # GiB, a positive whole number        (--root-size)
//     volumes: [vol-0abc, "tag:K=V"]  # the data volumes that move   (--volume)
//     addresses: []            # elastic IPs by allocation id or IP  (--address)
//     dns: [host.example.org]  # A/AAAA records to repoint           (--dns)
//     copy: [/etc/letsencrypt] # absolute paths, old host to new     (--copy)
//     prepare: [CMD]           # run here, before the outage         (--prepare)
//     stop: [CMD]              # on the old host, as the outage begins (--stop)
//     start: [CMD]             # on the new host, once the data is there (--start)
//     after: [CMD]             # run here, once the outage ends      (--after)
//     unmount: auto            # auto | none                         (--unmount)
//     probes: ["tcp:443"]      # readiness of the new host           (--probe)
//     probe_address: private   # private | public                    (--probe-address)
//     keep_old: 7d             # a duration: terminate the old host then (--keep-old)
//     health_timeout: 20m      # a duration                          (--health-timeout)
//   roles:                     # at least one
//     frontend:                # a role: the same keys, each replacing the default's
//       instance_type: t3a.large
//
// A role takes every key from `defaults` and may override each one. A list in a role replaces
// the default's list whole (it never appends), and an empty list (`[]`) is the flag's default
// ("every volume", "every elastic IP", "no command"). A key given nowhere keeps the flag's
// default. Commands may use the {old.*}, {new.*} and {env:NAME} placeholders as on the command
// line; a literal secret in one is refused. The host itself is named on the command line, never
// in the file, so `instance` is left empty.
#pragma once

#include <string>

#include "core/status.h"
#include "ops/replace_instance.h"

namespace rotor::ops {

// The request of `role` in the plan file at `path` (`role` "": the file's only role). Every role
// in the file is checked, not only the one chosen, so a file is either wholly valid or refused.
// kInvalidArgument, its message "FILE:LINE: KEY: what is wrong" (KEY a dotted path such as
// roles.frontend.root_size), for a file that cannot be read ("FILE: ..." without a line) or is
// not YAML, an unknown or repeated key anywhere, a value of the wrong type, an unknown role or no
// role chosen among several (listing the roles there are), a duration ParseDuration refuses or
// that is not positive, an unmount or probe_address value not in its set, a root_size that is
// not a positive whole number, a copy path that is not absolute, a command holding a secret.
core::Result<ReplaceRequest> LoadReplacePlan(const std::string& path, const std::string& role);

// The same from the file's text; `path` is only for the messages.
core::Result<ReplaceRequest> ParseReplacePlan(const std::string& text, const std::string& path,
                                              const std::string& role);

}  // namespace rotor::ops
