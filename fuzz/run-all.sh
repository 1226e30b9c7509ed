#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) each, on the nightly
# toolchain, and prints one summary line per target. Needs cargo-fuzz
# (`cargo install cargo-fuzz`). CI runs the proptest equivalents instead
# (asyncgate-config/tests/fuzz_props.rs), never nightly.
set -uo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
status=0
for target in env_values dotenv toml_file yaml_file json_file instance_id detect mask; do
  log=$(mktemp)
  dict=()
  [ -f "$target.dict" ] && dict=(-dict="$target.dict")
  if cargo +nightly fuzz run -O "$target" -- -max_total_time="$seconds" "${dict[@]}" >"$log" 2>&1; then
    echo "$target: $(grep -E '^Done' "$log" | tail -1) -- 0 crashes"
  else
    status=1
    echo "$target: CRASH"; grep -A5 panicked "$log" | head -8
  fi
  rm -f "$log"
done
exit $status
