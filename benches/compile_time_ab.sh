#!/usr/bin/env bash
# The compile time of this checkout against an earlier commit, on the crates that
# benches/compile_time.sh writes (run it once first, with any LIMIT):
#
#   benches/compile_time_ab.sh af50c0b                       # the three figures of the README
#   benches/compile_time_ab.sh af50c0b fifty-annotated:check # one crate, one command
#   benches/compile_time_ab.sh af50c0b big250-annotated:check:hessian
#
# Each crate is copied twice, one copy built against this checkout and one against a worktree
# of the earlier commit, each with its own target folder. Builds alternate between the two,
# three of each after touching the source, with CARGO_INCREMENTAL=0; the medians are printed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base_commit="${1:?usage: compile_time_ab.sh BASE_COMMIT [crate:command ...]}"
shift
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(fifty-annotated:check fifty-annotated:build
    big250-annotated:check big250-annotated:check:hessian)
generated="$root/target/compile-time"
work="$root/target/compile-time-ab"
export CARGO_INCREMENTAL=0

[ -d "$generated/fifty-annotated" ] || { echo "run benches/compile_time.sh first" >&2; exit 1; }
mkdir -p "$work"
base_tree="$work/base-tree"
rm -rf "$base_tree"
git -C "$root" worktree prune
git -C "$root" worktree add --detach "$base_tree" "$base_commit" >/dev/null
trap 'git -C "$root" worktree remove --force "$base_tree"' EXIT

median() { sort -n | sed -n 2p; }

echo "| crate | command | $base_commit | this checkout |"
echo "|---|---|---:|---:|"
for case in "${cases[@]}"; do
    IFS=: read -r crate command attribute <<<"$case"
    for side in base head; do
        rm -rf "$work/$side-$crate"
        cp -r "$generated/$crate" "$work/$side-$crate"
        tree="$root"
        [ "$side" = base ] && tree="$base_tree"
        sed -i "s#^matcalc = { path = \".*\" }#matcalc = { path = \"$tree\" }#" \
            "$work/$side-$crate/Cargo.toml"
        if [ -n "$attribute" ]; then
            sed -i "s/#\[differentiate\]/#[differentiate($attribute)]/" "$work/$side-$crate/src/lib.rs"
        fi
        # dependencies and the macro, outside the figures
        (cd "$work/$side-$crate" && CARGO_TARGET_DIR="$work/target-$side" cargo "$command" -q)
    done
    declare -A times=([base]="" [head]="")
    for _ in 1 2 3; do
        for side in base head; do
            touch "$work/$side-$crate/src/lib.rs"
            start=$(date +%s.%N)
            (cd "$work/$side-$crate" && CARGO_TARGET_DIR="$work/target-$side" cargo "$command" -q)
            times[$side]+="$(echo "$(date +%s.%N) - $start" | bc)"$'\n'
        done
    done
    printf '| %s %s | cargo %s | %.1f s | %.1f s |\n' "$crate" "${attribute:-}" "$command" \
        "$(printf '%s' "${times[base]}" | median)" "$(printf '%s' "${times[head]}" | median)"
done
