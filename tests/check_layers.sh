#!/usr/bin/env bash
# Fails when a layer includes one it may not (DESIGN.md section 2):
#   cli -> ops -> rollout -> cloud -> core;  rollout -> journal -> core;  ops -> remote -> core;
#   ops -> runbook -> cloud, journal;
#   aws -> cloud;  sim -> cloud.
set -euo pipefail
src="${1:?usage: check_layers.sh SRC_DIR}"
declare -A allowed=(
  [core]="core"
  [cloud]="cloud core"
  [aws]="aws cloud core"
  [sim]="sim cloud core"
  [journal]="journal core"
  [rollout]="rollout cloud journal core"
  [runbook]="runbook cloud journal core"
  [remote]="remote core"
  [ops]="ops rollout runbook remote cloud journal core"
  [cli]="cli ops rollout runbook remote journal aws sim cloud core"
)
bad=0
checked=0
for layer in "${!allowed[@]}"; do
  [ -d "$src/$layer" ] || continue
  while IFS= read -r line; do
    file="${line%%:*}"
    inc=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"${line#*:}")
    checked=$((checked + 1))
    # Tests beside the code may also use the shared fakes of tests/fakes.
    [[ "$file" == *_test.cc && "$inc" == fakes ]] && continue
    if ! grep -qw -- "$inc" <<<"${allowed[$layer]}"; then
      echo "layering: $file includes $inc/, which $layer/ may not use"
      bad=1
    fi
  done < <(grep -rHE '^#include "[a-z_]+/' "$src/$layer" || true)
done
[ "$checked" -gt 0 ] || { echo "layering: no includes found under $src"; exit 1; }
[ "$bad" -eq 0 ] && echo "layering: $checked includes checked, all within their layers"
exit "$bad"
