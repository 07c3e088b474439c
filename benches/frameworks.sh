#!/usr/bin/env bash
# JAX and PyTorch beside the bench table: runs the table with `--export`, which writes each
# problem's inputs, matcalc's value and gradient and the table's medians, then times the same
# problems on the same inputs with `jax.jit(jax.value_and_grad(f))` and with PyTorch forward +
# backward, single-threaded, in float64, checks every gradient against matcalc's, and prints one
# table (benches/frameworks/compare.py).
#
# Usage: benches/frameworks.sh [--quick] [--only NAME]... [--no-table]
#   --quick      the table's fewer rounds and shorter budgets, here and on the Python side
#   --only NAME  the table's cases named *NAME* (rosenbrock logsumexp rk4 det logdet eig gmm)
#   --no-table   compare on the export of the previous run, without running the table again
#
# The GMM instances are read from ../shared/data/adbench beside the checkout, or from
# $MATCALC_ADBENCH_DIR when set (the table skips the GMM without them).
#
# Needs the Rust toolchain and python3 with venv and pip access to PyPI. Everything it installs
# goes to a venv under the cargo target directory ($CARGO_TARGET_DIR, default target/), made
# once and again when the requirements change: benches/frameworks/requirements.txt, then
# requirements-torch.txt (PyTorch's CPU wheel; PyPI's build of the same version when that index
# cannot be reached). The outputs go beside the venv: export/, bench_table.md, compare.md.
# Exit status: non-zero if the table fails or any gradient differs from matcalc's.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
# Relative to the current directory, as cargo reads it (cargo runs from here, by --manifest-path).
TARGET="$(realpath -m "${CARGO_TARGET_DIR:-$REPO/target}")"
OUT="$TARGET/frameworks"
VENV="$OUT/venv"
EXPORT="$OUT/export"

table_args=()
run_table=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) table_args+=(--quick) ;;
        --only) [ $# -ge 2 ] || { echo "frameworks.sh: --only NAME" >&2; exit 2; }
            table_args+=(--only "$2"); shift ;;
        --no-table) run_table=0 ;;
        -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "frameworks.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

# The venv, remade when the requirements change (their hash is kept beside it).
requirements=("$HERE/frameworks/requirements.txt" "$HERE/frameworks/requirements-torch.txt")
stamp="$(cat "${requirements[@]}" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$VENV/requirements.sha256" 2>/dev/null)" != "$stamp" ]; then
    echo "[frameworks.sh] making the venv $VENV" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    # no pip cache: nothing is written outside the target directory
    pip=("$VENV/bin/python" -m pip --disable-pip-version-check --no-cache-dir)
    "${pip[@]}" install -r "${requirements[0]}"
    if ! "${pip[@]}" install --retries 1 -r "${requirements[1]}"; then
        torch="$(sed -n 's/^torch==\([^+]*\).*/\1/p' "${requirements[1]}")"
        echo "[frameworks.sh] PyTorch's CPU index cannot be reached: torch==$torch from PyPI" >&2
        "${pip[@]}" install "torch==$torch"
    fi
    echo "$stamp" >"$VENV/requirements.sha256"
fi

mkdir -p "$OUT"
if [ "$run_table" = 1 ]; then
    rm -rf "$EXPORT"
    cargo run --release --manifest-path "$REPO/Cargo.toml" -p matcalc-bench --bin bench_table \
        -- "${table_args[@]}" --export "$EXPORT" | tee "$OUT/bench_table.md"
fi
"$VENV/bin/python" "$HERE/frameworks/compare.py" "$EXPORT" | tee "$OUT/compare.md"
echo "[frameworks.sh] the table: $OUT/compare.md (the bench table's: $OUT/bench_table.md)" >&2
