//! The printed table: the machine and the command, one section per case, and the targets.

use crate::measure::{Kind, Options, Row, fmt_secs};
use crate::{CHECKPOINTED, CHUNKED, GRAD, JVP, PARALLEL};
use std::time::Duration;

pub fn print_machine(options: &Options) {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let processors = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let threads = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("# matcalc benchmark table\n");
    println!(
        "- command: `cargo run --release -p matcalc-bench --bin bench_table{}{}`",
        if args.is_empty() { "" } else { " -- " },
        args.join(" ")
    );
    println!(
        "- machine: {model}, {processors} logical CPUs in /proc/cpuinfo, {threads} available to this process"
    );
    println!(
        "- rustc on PATH: {rustc}; profile: {}",
        if cfg!(debug_assertions) {
            "DEBUG (figures meaningless)"
        } else {
            "release"
        }
    );
    println!("- load average at start: {}", load_average());
    println!(
        "- method: per group, interleaved rounds (≤ {} each), batches ≥ {:?}, median per call; baselines estimated over {:?} per call are skipped",
        options.rounds, options.batch, options.call_budget
    );
    println!(
        "- columns: `× primal` = t(method)/t(primal); `matcalc ÷ this` = t(matcalc method it is compared with)/t(baseline), below 1 when matcalc is faster\n"
    );
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

pub fn find<'r>(rows: &'r [Row], case: &str, size: &str, method: &str) -> Option<&'r Row> {
    rows.iter()
        .find(|r| r.case == case && r.size == size && r.method == method)
}

pub fn secs(row: Option<&Row>) -> Option<f64> {
    row.and_then(|r| r.time.as_ref().ok())
        .map(Duration::as_secs_f64)
}

pub fn print_case(rows: &[Row], case: &str) {
    println!("### {case}\n");
    println!("| size | method | time | × primal | matcalc ÷ this |");
    println!("|---|---|---:|---:|---:|");
    for row in rows.iter().filter(|r| r.case == case) {
        let primal = rows
            .iter()
            .find(|r| r.case == case && r.size == row.size && r.kind == Kind::Primal);
        let (time, ratio, vs) = match &row.time {
            Err(note) => (note.clone(), String::new(), String::new()),
            Ok(t) => {
                let t = t.as_secs_f64();
                let ratio = secs(primal).map_or(String::new(), |p| format!("{:.2}", t / p));
                let vs = match row.kind {
                    Kind::Baseline(vs) => secs(find(rows, case, &row.size, vs))
                        .map_or(String::new(), |m| format!("{:.2}", m / t)),
                    _ => String::new(),
                };
                (fmt_secs(t), ratio, vs)
            }
        };
        println!(
            "| {} | {} | {time} | {ratio} | {vs} |",
            row.size, row.method
        );
    }
    println!();
}

/// One target: a ratio of two measured methods against a bound.
#[allow(clippy::too_many_arguments)]
fn target(
    rows: &[Row],
    what: &str,
    case: &str,
    size: &str,
    num: &str,
    den: &str,
    bound: f64,
    below: bool,
) {
    let (n, d) = (
        secs(find(rows, case, size, num)),
        secs(find(rows, case, size, den)),
    );
    let Some((n, d)) = n.zip(d) else { return };
    let ratio = n / d;
    let met = if below {
        ratio <= bound
    } else {
        ratio >= bound
    };
    let op = if below { "≤" } else { "≥" };
    println!(
        "| {what} | {size} | {ratio:.2} | {op} {bound} | {} |",
        if met { "met" } else { "**missed**" }
    );
}

pub fn print_targets(rows: &[Row]) {
    println!("### Targets\n");
    println!("| target | size | measured | bound | |");
    println!("|---|---|---:|---:|---|");
    let sizes = |case: &str| {
        let mut s: Vec<String> = rows
            .iter()
            .filter(|r| r.case == case)
            .map(|r| r.size.clone())
            .collect();
        s.dedup();
        s
    };
    let scalar = [
        ("1 Rosenbrock (gradient, JVP, HVP)", "gradient by hand"),
        ("2 log-sum-exp (gradient)", "gradient by hand"),
        (
            "3 RK4 Lotka-Volterra (gradient wrt p, u0)",
            "discrete adjoint by hand",
        ),
    ];
    for (case, hand) in scalar {
        let short = &case[..case.find(' ').unwrap_or(1)];
        for size in sizes(case) {
            target(
                rows,
                &format!("({short}) gradient / primal"),
                case,
                &size,
                GRAD,
                "primal",
                2.5,
                true,
            );
            target(
                rows,
                &format!("({short}) gradient / by hand"),
                case,
                &size,
                GRAD,
                hand,
                1.25,
                true,
            );
        }
    }
    let gmm = "7 ADBench GMM (gradient)";
    for size in sizes(gmm).iter().filter(|s| s.starts_with("gmm_d10_K25")) {
        target(
            rows,
            "(7) GMM gradient / objective",
            gmm,
            size,
            GRAD,
            "objective",
            3.0,
            true,
        );
    }
    let ba = "8 ADBench BA (sparse Jacobian)";
    for size in sizes(ba) {
        for (m, label) in [
            (
                "matcalc Jacobian, forward (15 JVPs per obs.)",
                "(8) BA Jacobian forward / objective",
            ),
            (
                "matcalc Jacobian, reverse (1 VJP, 2 pullbacks per obs.)",
                "(8) BA Jacobian reverse / objective",
            ),
        ] {
            target(
                rows,
                label,
                ba,
                &size,
                m,
                "objective (all residuals)",
                6.0,
                true,
            );
        }
    }
    for (case, primal, label) in [
        (
            "4a determinant by LU (gradient)",
            "primal (determinant())",
            "(4) det gradient / primal",
        ),
        (
            "5 logdet(A) + tr(A⁻¹B) (gradient, JVP, HVP)",
            "primal",
            "(5) logdet+trace gradient / primal",
        ),
        (
            "6 Σλᵢ² of a symmetric eigenproblem (gradient)",
            "primal (symmetric_eigenvalues())",
            "(6) eigen gradient / primal",
        ),
    ] {
        for size in sizes(case) {
            target(rows, label, case, &size, GRAD, primal, 3.5, true);
        }
    }
    for (case, label) in [
        (
            "1 Rosenbrock (gradient, JVP, HVP)",
            "(9) JVP / primal, Rosenbrock",
        ),
        (
            "5 logdet(A) + tr(A⁻¹B) (gradient, JVP, HVP)",
            "(9) JVP / primal, logdet+trace",
        ),
    ] {
        for size in sizes(case) {
            target(rows, label, case, &size, JVP, "primal", 2.0, true);
        }
    }
    let checkpointing = "9 checkpointing (gradient)";
    for size in sizes(checkpointing) {
        target(
            rows,
            "(9) checkpointed / recorded gradient",
            checkpointing,
            &size,
            CHECKPOINTED,
            GRAD,
            3.0,
            true,
        );
    }
    target(
        rows,
        "(1) RustQuant tape / matcalc gradient",
        "1 Rosenbrock (gradient, JVP, HVP)",
        "n = 1000",
        "RustQuant_autodiff tape",
        GRAD,
        10.0,
        false,
    );
    println!();
    // the parallel GMM gradient
    println!(
        "### GMM gradient in parallel (rayon, {} threads)\n",
        rayon::current_num_threads()
    );
    println!(
        "| instance | one gradient | chunks, sequential | chunks, parallel | speed-up over chunks, sequential |"
    );
    println!("|---|---:|---:|---:|---:|");
    for size in sizes(gmm) {
        let one = secs(find(rows, gmm, &size, GRAD));
        let s = secs(find(rows, gmm, &size, CHUNKED));
        let p = secs(find(rows, gmm, &size, PARALLEL));
        if let Some(((one, s), p)) = one.zip(s).zip(p) {
            println!(
                "| {size} | {} | {} | {} | {:.2} |",
                fmt_secs(one),
                fmt_secs(s),
                fmt_secs(p),
                s / p
            );
        }
    }
    println!();
}
