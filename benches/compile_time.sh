#!/usr/bin/env bash
# Compile-time figures of #[differentiate], measured with stable tools only:
#
#   1. the time to build a crate of 50 annotated functions (`cargo check`, `cargo build`,
#      `cargo build --release`), against the same crate with the attributes removed;
#   2. the same, one build each, for a crate holding one function of 250, 500, 1,000 and 2,000
#      statements (the growth with the size of a function);
#   3. the expansion alone: the macro's own source (macros/src/, read-only) compiled into a
#      small program that calls its expansion core, `expand::differentiate`, on the same
#      functions and times it (the compiler runs the proc macro unoptimized in a dev build and
#      optimized in a release build; both are timed);
#   4. the generated code per input statement: the expansion printed with prettyplease, in
#      lines and in tokens, over the lines and tokens of the input function.
#
# Everything is generated under target/compile-time/ and built with its own target folder, so
# the project's builds are untouched. The dependencies are built first and excluded from the
# figures; a figure of the 50 functions is the median of three builds after touching the crate's
# source, one of the long function a single build.
#
#   benches/compile_time.sh            # all figures
#   LIMIT=300 benches/compile_time.sh  # stop each single build after 300 s (default 900)
#
# Timings depend on the machine and on what else runs: the script prints the load average.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$root/target/compile-time"
export CARGO_TARGET_DIR="$work/target"
# Every build compiles from scratch: an incremental build of unchanged source would reuse the
# previous one's results.
export CARGO_INCREMENTAL=0
mkdir -p "$work"

# -------------------------------------------------------------------------- generators

# 50 functions in 5 shapes: scalar loops, branches, buffers, calls, matrices.
fifty() {
    local attr="$1"
    echo "#![allow(clippy::all, dead_code, unused)]"
    echo "use matcalc::differentiate;"
    echo "use nalgebra::DMatrix;"
    for i in $(seq 0 9); do
        cat <<EOF
$attr
pub fn loop_$i(x: &[f64], k: f64) -> f64 {
    let mut s = 0.0;
    for j in 1..x.len() {
        let d = x[j] - x[j - 1] * $i.5;
        s += k * d * d + (x[j] * k).sin();
    }
    s
}
$attr
pub fn branch_$i(x: f64, y: f64) -> f64 {
    let mut z = x * y + $i.0;
    if z > 1.0 {
        z = z.ln() * y;
    } else {
        z = (z * x).exp() - y.powi(2);
    }
    let w = z.max(x) + y.hypot(z);
    w * w + z.atan2(y)
}
$attr
pub fn buffer_$i(x: &[f64], n: usize) -> f64 {
    let mut v = vec![0.0; n];
    for j in 0..n {
        v[j] = x[j % x.len()] * (j as f64 + $i.0);
    }
    let mut s = 0.0;
    for j in 0..n {
        s += v[j].sqrt() * v[(j + 1) % n];
    }
    s
}
$attr
pub fn call_$i(x: &[f64], k: f64) -> f64 {
    loop_$i(x, k) * branch_$i(k, x[0]) + buffer_$i(x, 4)
}
$attr
pub fn matrix_$i(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    let c = a * b + a.transpose() * $i.5;
    (c.transpose() * &c).trace() + a.determinant()
}
EOF
    done
}

# One function of $1 statements, straight-line code cycling through arithmetic and
# elementary functions of the earlier statements.
big() {
    local attr="$1" count="$2"
    echo "#![allow(clippy::all, dead_code, unused)]"
    echo "use matcalc::differentiate;"
    echo "$attr"
    echo "pub fn big(x: &[f64]) -> f64 {"
    echo "    let t0 = x[0];"
    echo "    let t1 = x[1] * t0;"
    echo "    let t2 = x[2] + t1;"
    for ((i = 3; i < count; i++)); do
        local a=$((i - 1)) b=$((i - 2)) c=$((i - 3)) j=$((i % 8))
        case $((i % 4)) in
            0) echo "    let t$i = t$a * x[$j] + t$b;" ;;
            1) echo "    let t$i = (t$a - t$c).sin();" ;;
            2) echo "    let t$i = t$a * t$b / (1.0 + t$a * t$a);" ;;
            3) echo "    let t$i = t$a.exp().ln_1p() * x[$j] - t$c;" ;;
        esac
    done
    echo "    t$((count - 1))"
    echo "}"
}

crate_at() { # dir name
    mkdir -p "$1/src"
    cat >"$1/Cargo.toml" <<EOF
[package]
name = "$2"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
matcalc = { path = "$root" }
nalgebra = "=0.35.0"

[workspace]
EOF
}

# -------------------------------------------------------------------------- timing

median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

# Median wall time of three `cargo $*` after touching src/lib.rs, dependencies prebuilt.
time_build() {
    local dir="$1"
    shift
    (cd "$dir" && cargo "$@" -q >/dev/null 2>&1) # dependencies and a first build
    local runs=()
    for _ in 1 2 3; do
        touch "$dir/src/lib.rs"
        local start end
        start=$(date +%s.%N)
        (cd "$dir" && cargo "$@" -q >/dev/null 2>&1)
        end=$(date +%s.%N)
        runs+=("$(echo "$end - $start" | bc)")
    done
    median3 "${runs[@]}"
}

# Wall time of one `cargo $*` after building the dependencies (with an empty crate source),
# or "> LIMIT s" when it is stopped.
time_once() {
    local dir="$1"
    shift
    local source="$dir/src/lib.rs"
    mv "$source" "$source.full"
    : >"$source"
    (cd "$dir" && cargo "$@" -q >/dev/null 2>&1)
    mv "$source.full" "$source"
    touch "$source" # newer than the empty build, or cargo would call the crate fresh
    local start end pid
    start=$(date +%s.%N)
    # its own process group, so that stopping it stops the compiler too
    (cd "$dir" && exec setsid cargo "$@" -q >/dev/null 2>&1) &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if (($(echo "$(date +%s.%N) - $start > $LIMIT" | bc))); then
            kill -- "-$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            printf '> %s (stopped)' "$LIMIT"
            return
        fi
        sleep 0.2
    done
    end=$(date +%s.%N)
    printf '%.2f' "$(echo "$end - $start" | bc)"
}

# -------------------------------------------------------------------------- the expander

expander() {
    local dir="$work/expander"
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<EOF
[package]
name = "expander"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
syn = { version = "=2.0.119", features = ["full", "visit", "visit-mut", "extra-traits"] }
quote = "=1.0.47"
proc-macro2 = "=1.0.107"
prettyplease = "=0.2.37"

[workspace]
EOF
    {
        echo "// The expansion core of matcalc-macros compiled as a plain program (generated by"
        echo "// benches/compile_time.sh): the macro's modules, read from macros/src/, unchanged."
        echo "#![allow(dead_code, unused)]"
        for m in $(sed -n 's/^\(pub(crate) \)\{0,1\}mod \([a-z_]*\);$/\2/p' "$root/macros/src/lib.rs"); do
            # a module is a file or a folder with its mod.rs
            file="$root/macros/src/$m.rs"
            [ -f "$file" ] || file="$root/macros/src/$m/mod.rs"
            echo "#[path = \"$file\"]"
            echo "mod $m;"
        done
        cat <<'EOF'
use quote::ToTokens;
use std::time::Instant;

/// Reads a file of annotated functions; for each, times the expansion (median of up to 5) and
/// measures it. Prints: functions, input lines, input tokens, output lines, output tokens,
/// expansion seconds.
fn main() {
    let path = std::env::args().nth(1).expect("a file");
    let file: syn::File = syn::parse_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (mut functions, mut in_lines, mut in_tokens, mut out_lines, mut out_tokens) = (0, 0, 0, 0, 0);
    let mut seconds = 0.0;
    for item in file.items {
        let syn::Item::Fn(mut func) = item else { continue };
        let Some(at) = func.attrs.iter().position(|a| a.path().is_ident("differentiate")) else { continue };
        let attr = func.attrs.remove(at);
        let args = match attr.meta {
            syn::Meta::List(list) => list.tokens,
            _ => proc_macro2::TokenStream::new(),
        };
        let item = func.to_token_stream();
        let mut times = Vec::new();
        let mut out = proc_macro2::TokenStream::new();
        // up to 5 runs, fewer for a slow expansion
        while times.len() < 5 && times.iter().sum::<f64>() < 5.0 {
            let start = Instant::now();
            out = expand::differentiate(args.clone(), item.clone());
            times.push(start.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        seconds += times[times.len() / 2];
        let count = |t: &proc_macro2::TokenStream| t.clone().into_iter().map(tokens).sum::<usize>();
        let pretty = |t: proc_macro2::TokenStream| prettyplease::unparse(&syn::parse2::<syn::File>(t).unwrap());
        functions += 1;
        in_lines += pretty(item.clone()).lines().count();
        in_tokens += count(&item);
        out_lines += pretty(out.clone()).lines().count();
        out_tokens += count(&out);
    }
    println!("{functions} {in_lines} {in_tokens} {out_lines} {out_tokens} {seconds:.6}");
}

/// The number of leaf tokens in a token tree.
fn tokens(tree: proc_macro2::TokenTree) -> usize {
    match tree {
        proc_macro2::TokenTree::Group(g) => 2 + g.stream().into_iter().map(tokens).sum::<usize>(),
        _ => 1,
    }
}
EOF
    } >"$dir/src/main.rs"
    (cd "$dir" && cargo build -q 2>/dev/null && cargo build -q --release 2>/dev/null)
}

# -------------------------------------------------------------------------- main

echo "# Compile-time figures of #[differentiate]"
echo
echo "- command: benches/compile_time.sh"
echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs; $(rustc --version)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

SIZES=(250 500 1000 2000)
for variant in annotated plain; do
    attr="#[differentiate]"
    [ "$variant" = plain ] && attr=""
    crate_at "$work/fifty-$variant" "fifty_$variant"
    fifty "$attr" >"$work/fifty-$variant/src/lib.rs"
    for n in "${SIZES[@]}"; do
        crate_at "$work/big$n-$variant" "big${n}_$variant"
        big "$attr" "$n" >"$work/big$n-$variant/src/lib.rs"
    done
done

expander
echo "## Expansion alone and generated code (the macro's source compiled as a program)"
echo
echo "| input | functions | input lines / tokens | expansion lines / tokens | per input line: lines / tokens | expansion time, unoptimized | optimized |"
echo "|---|---:|---:|---:|---:|---:|---:|"
inputs=("50 functions:$work/fifty-annotated/src/lib.rs")
for n in "${SIZES[@]}"; do
    inputs+=("1 function, $n statements:$work/big$n-annotated/src/lib.rs")
done
for s in "$root"/macros/tests/snapshots/*.expanded.rs; do
    inputs+=("snapshot $(basename "$s" .expanded.rs):$s")
done
for input in "${inputs[@]}"; do
    label="${input%%:*}"
    file="${input#*:}"
    if [[ "$file" == *.expanded.rs ]]; then
        # the snapshot's input function, from its header comment, annotated again
        src="$work/$(basename "$file" .expanded.rs).rs"
        {
            echo "#[differentiate]"
            awk 'NR > 2 && /^\/\/$/ { exit } NR > 2 { sub(/^\/\/     /, ""); print }' "$file"
        } >"$src"
        file="$src"
    fi
    read -r f il it ol ot sd < <("$work/target/debug/expander" "$file")
    read -r _ _ _ _ _ sr < <("$work/target/release/expander" "$file")
    printf '| %s | %d | %d / %d | %d / %d | %.1f / %.1f | %.1f ms | %.1f ms |\n' \
        "$label" "$f" "$il" "$it" "$ol" "$ot" "$(echo "$ol / $il" | bc -l)" "$(echo "$ot / $it" | bc -l)" \
        "$(echo "$sd * 1000" | bc -l)" "$(echo "$sr * 1000" | bc -l)"
done
echo

echo "## Build times (seconds; dependencies prebuilt)"
echo
echo "50 functions: median of 3 builds after touching the source."
echo
echo "| crate | command | with #[differentiate] | without | difference |"
echo "|---|---|---:|---:|---:|"
for profile in "check" "build" "build --release"; do
    # shellcheck disable=SC2086
    a=$(time_build "$work/fifty-annotated" $profile)
    # shellcheck disable=SC2086
    p=$(time_build "$work/fifty-plain" $profile)
    printf '| 50 functions | cargo %s | %.2f | %.2f | %.2f |\n' "$profile" "$a" "$p" "$(echo "$a - $p" | bc)"
done
echo
echo "One function of n statements: one build each, stopped after ${LIMIT:=900} s."
echo
echo "| statements | command | with #[differentiate] | without |"
echo "|---:|---|---:|---:|"
for n in "${SIZES[@]}"; do
    for profile in "check" "build"; do
        # shellcheck disable=SC2086
        a=$(time_once "$work/big$n-annotated" $profile)
        # shellcheck disable=SC2086
        p=$(time_once "$work/big$n-plain" $profile)
        printf '| %d | cargo %s | %s | %s |\n' "$n" "$profile" "$a" "$p"
    done
done
echo
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
