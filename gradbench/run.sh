#!/usr/bin/env bash
# Runs GradBench evals against matcalc-gradbench through the suite's own harness, which
# validates every output against the C++ reference (`manual`) or the eval's expected values.
#
# Usage: gradbench/run.sh [--compare] [--quick] [EVAL...]
#   EVAL        hello gmm det lse llsq lstm ba ode kmeans ht particle saddle (default: all)
#   --compare   also run the reference tools, `manual` (C++, hand-written derivatives) on the
#               evals it implements and `jax` on the evals it implements, and print one table:
#               per eval and size, the median primal and derivative times of each tool and
#               matcalc's derivative time over each other tool's
#   --quick     small sizes and one run per size (what CI runs), instead of the evals' own
#
# Needs the Rust toolchain, python3 (with pip access to PyPI), g++ and make. The suite is read
# from GB_HARNESS (default: ../shared/gradbench beside this checkout); the harness copies itself
# to GB_WORK (default: ~/.cache/gradbench-harness) and builds there once (a Python venv, the C++
# reference, the gradbench CLI). Logs and the table go to target/gradbench/.
# Exit status: non-zero if any eval fails for matcalc.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARNESS="${GB_HARNESS:-$REPO/../shared/gradbench}"
export GB_WORK="${GB_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/gradbench-harness}"
ALL=(hello gmm det lse llsq lstm ba ode kmeans ht particle saddle)
# The evals each reference tool implements.
MANUAL=" hello gmm det lse llsq lstm ba ode kmeans ht "
JAX=" hello gmm kmeans llsq lse ode "

compare=0
quick=0
evals=()
for arg in "$@"; do
    case "$arg" in
        --compare) compare=1 ;;
        --quick) quick=1 ;;
        -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
        *) evals+=("$arg") ;;
    esac
done
[ ${#evals[@]} -gt 0 ] || evals=("${ALL[@]}")

if [ ! -x "$HARNESS/run-eval.sh" ]; then
    echo "run.sh: no GradBench harness at $HARNESS (set GB_HARNESS)" >&2
    exit 2
fi

# The arguments of each eval: its own sizes (ht without its largest instance, whose data is not
# in the package), or with --quick a few small sizes and a single run of each.
eval_args() {
    if [ "$quick" = 0 ]; then
        case "$1" in
            ht) echo "--max 11" ;;
        esac
        return
    fi
    local runs="--min-runs 1 --min-seconds 0"
    case "$1" in
        det) echo "-l 3 4 5 6 7 $runs" ;;
        lse) echo "-n 100 1000 10000 $runs" ;;
        llsq) echo "-n 16 64 256 -m 8 32 $runs" ;;
        gmm) echo "-d 2 5 -k 3 5 -n 100 $runs" ;;
        lstm) echo "-l 2 -c 64 256 $runs" ;;
        ba) echo "--max 2 $runs" ;;
        ode) echo "-n 100 1000 -s 1 10 $runs" ;;
        kmeans) echo "-k 10 -n 100 -d 8 $runs" ;;
        ht) echo "--max 2 $runs" ;;
        *) echo "$runs" ;;
    esac
}

echo "[run.sh] building matcalc-gradbench" >&2
(cd "$REPO" && cargo build --release -p matcalc-gradbench)
OUT="$REPO/target/gradbench"
mkdir -p "$OUT"
# The run uses its own copy of the binary, which a rebuild meanwhile leaves alone.
TOOL="$OUT/matcalc-gradbench"
cp "${CARGO_TARGET_DIR:-$REPO/target}/release/matcalc-gradbench" "$TOOL"

tools=(matcalc)
if [ "$compare" = 1 ]; then
    tools+=(manual jax)
    # jax's packages stay installed for every run: the harness reinstalls when the set changes.
    export GB_WITH_JAX=1
fi

failed=()
for e in "${evals[@]}"; do
    for tool in "${tools[@]}"; do
        case "$tool" in
            matcalc) command="$TOOL" ;;
            manual) [[ "$MANUAL" == *" $e "* ]] || continue
                command="python3 python/gradbench/gradbench/cpp.py manual" ;;
            jax) [[ "$JAX" == *" $e "* ]] || continue
                command="python3 python/gradbench/gradbench/tools/jax/run.py" ;;
        esac
        echo "[run.sh] $e: $tool" >&2
        # shellcheck disable=SC2046 # the eval's arguments are words
        if ! env -u CARGO_TARGET_DIR GB_LOG_DIR="$OUT/logs/$tool" \
            "$HARNESS/run-eval.sh" "$e" "$command" $(eval_args "$e"); then
            failed+=("$e ($tool)")
        fi
    done
done

if [ "$compare" = 1 ]; then
    {
        echo "Command: gradbench/run.sh $*"
        echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, $(rustc --version)"
        echo
        python3 "$REPO/gradbench/table.py" "$OUT/logs" "${evals[@]}"
    } | tee "$OUT/table.md"
fi

if [ ${#failed[@]} -gt 0 ]; then
    echo "[run.sh] FAILED: ${failed[*]}" >&2
    for f in "${failed[@]}"; do
        [[ "$f" == *"(matcalc)" ]] && exit 1
    done
fi
echo "[run.sh] every eval passed for matcalc: ${evals[*]}" >&2
