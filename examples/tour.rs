//! The course tour: matcalc, lecture by lecture.
//!
//! matcalc follows MIT's "Matrix Calculus for Machine Learning and Beyond" (18.S096). Each topic
//! of this tour takes one lecture, computes something with the derivatives that
//! `#[differentiate]` generates, and checks the result against an independent reference: a
//! derivative worked out by hand, a finite difference, or a formula from the lecture. Every
//! check prints as one row (what is computed, the AD result, the reference, the measured error
//! and its bound, PASS or FAIL), and the program exits non-zero if any check fails, so the tour
//! is also the project's end-to-end test:
//!
//! ```text
//! cargo run --release --example tour
//! ```
//!
//! To add a lecture, write a function `fn topic(checks: &mut Checks)` that records its checks
//! with [`Checks::close`] (a result against a reference) or [`Checks::bound`] (a measured
//! quantity against a limit), and list it in [`TOPICS`].

use matcalc::{Tangent, check, differentiate};
use std::fmt;
use std::process::ExitCode;
use std::time::Instant;

/// The topics, in course order.
const TOPICS: &[Topic] = &[
    Topic {
        lecture: "1.2",
        title: "derivatives as linear operators",
        run: linear_operators,
    },
    Topic {
        lecture: "3.2",
        title: "finite-difference approximations",
        run: finite_differences,
    },
    Topic {
        lecture: "5.2",
        title: "forward AD via dual numbers: the Babylonian square root",
        run: babylonian_square_root,
    },
    Topic {
        lecture: "5.3/8.2",
        title: "reverse mode on a computational graph",
        run: computational_graph,
    },
];

fn main() -> ExitCode {
    println!("matcalc course tour: {} topics\n", TOPICS.len());
    let mut tour = Tour::default();
    for topic in TOPICS {
        tour.run(topic);
    }
    tour.summary()
}

// ---------------------------------------------------------------------------------------------
// 1.2 Derivatives as linear operators
// ---------------------------------------------------------------------------------------------

/// A small nonlinear map R³ → R².
#[differentiate]
fn field(x: [f64; 3]) -> (f64, f64) {
    (x[0] * x[1] + x[2].sin(), x[0] * x[0] * x[2].exp() - x[1])
}

/// The product PQ of two 2×2 matrices stored column-major: entry (i, j) at index i + 2j.
#[differentiate]
fn matmul2(p: [f64; 4], q: [f64; 4]) -> [f64; 4] {
    [
        p[0] * q[0] + p[2] * q[1],
        p[1] * q[0] + p[3] * q[1],
        p[0] * q[2] + p[2] * q[3],
        p[1] * q[2] + p[3] * q[3],
    ]
}

/// The lecture's exercise F(X) = XAX.
///
/// Both arguments are active, and the tour passes dA = 0: with `#[differentiate(wrt(x))]`, the
/// calls `matmul2(x, a)` with an inactive `a` do not compile yet (reported to the macro's owner).
#[differentiate]
fn xax(x: [f64; 4], a: [f64; 4]) -> [f64; 4] {
    let xa = matmul2(x, a);
    matmul2(xa, x)
}

/// `f_jvp` is the linear operator dx ↦ f'(x)[dx]: it matches a finite difference, it is linear in
/// dx, and for F(X) = XAX it is dF = dX·A·X + X·A·dX (not 2·X·A·dX: matrices do not commute).
fn linear_operators(checks: &mut Checks) {
    let x = [0.7, -1.3, 0.4];
    let (u, v) = ([1.0, 0.5, -2.0], [-0.3, 2.0, 1.0]);

    let (_, df) = field_jvp(x, u);
    let (fd, _) = check::richardson(|x: &[f64; 3]| field(*x), &x, &u);
    checks.close(
        "f: R³→R², f'(x)[u] vs finite difference (Richardson)",
        &df,
        &fd,
        1e-9,
    );

    let (a, b) = (2.0, -3.0);
    let w: [f64; 3] = std::array::from_fn(|i| a * u[i] + b * v[i]);
    let (_, df_w) = field_jvp(x, w);
    let (_, df_v) = field_jvp(x, v);
    let combined = (a * df.0 + b * df_v.0, a * df.1 + b * df_v.1);
    checks.close(
        "linearity: f'(x)[2u − 3v] vs 2f'(x)[u] − 3f'(x)[v]",
        &df_w,
        &combined,
        1e-14,
    );

    let big_x = [1.0, -0.5, 2.0, 0.3];
    let a = [0.2, 1.1, -0.7, 0.9];
    let dx = [0.4, -1.2, 0.6, 0.8];
    let (_, df) = xax_jvp(big_x, a, dx, [0.0; 4]);
    let reference = add2(
        matmul2(matmul2(dx, a), big_x),
        matmul2(matmul2(big_x, a), dx),
    );
    checks.close(
        "F(X) = XAX on 2×2: dF vs dX·A·X + X·A·dX",
        &df,
        &reference,
        1e-14,
    );
}

/// The sum of two 2×2 matrices.
fn add2(p: [f64; 4], q: [f64; 4]) -> [f64; 4] {
    std::array::from_fn(|i| p[i] + q[i])
}

// ---------------------------------------------------------------------------------------------
// 3.2 Finite-difference approximations
// ---------------------------------------------------------------------------------------------

/// f(x) = sin(x)·exp(x).
#[differentiate]
fn sin_exp(x: f64) -> f64 {
    x.sin() * x.exp()
}

/// Forward and central differences against the exact derivative as the step shrinks: the error
/// falls with the truncation error (O(h), O(h²)) until roundoff (O(ε/h)) takes over.
fn finite_differences(checks: &mut Checks) {
    let x = 1.0f64;
    let (_, exact) = sin_exp_grad(x);
    let by_hand = (x.cos() + x.sin()) * x.exp();
    checks.close(
        "f = sin x·eˣ at x = 1: f'(x) vs (cos x + sin x)·eˣ",
        &exact,
        &by_hand,
        1e-14,
    );

    let steps: Vec<f64> = (1..=15).map(|k| 10f64.powi(-k)).collect();
    let relative = |d: f64| ((d - exact) / exact).abs();
    let forward: Vec<f64> = steps
        .iter()
        .map(|&h| {
            relative(check::forward_difference(
                |x: &f64| sin_exp(*x),
                &x,
                &1.0,
                h,
            ))
        })
        .collect();
    let central: Vec<f64> = steps
        .iter()
        .map(|&h| {
            relative(check::central_difference(
                |x: &f64| sin_exp(*x),
                &x,
                &1.0,
                h,
            ))
        })
        .collect();

    checks.note(&format!(
        "{:>7}  {:>14}  {:>14}",
        "h", "forward error", "central error"
    ));
    for ((h, f), c) in steps.iter().zip(&forward).zip(&central) {
        checks.note(&format!("{h:>7.0e}  {f:>14.3e}  {c:>14.3e}"));
    }

    let (best_forward, h_forward) = smallest(&forward, &steps);
    let (best_central, h_central) = smallest(&central, &steps);
    checks.bound(
        &format!("best central (h = {h_central:.0e}) vs best forward (h = {h_forward:.0e})"),
        best_central,
        best_forward,
        Limit::Below(1.0),
    );
    let last = steps.len() - 1;
    checks.bound(
        &format!("forward error at h = {:.0e} vs its best", steps[last]),
        forward[last],
        best_forward,
        Limit::Above(1.0),
    );
    checks.bound(
        &format!("central error at h = {:.0e} vs its best", steps[last]),
        central[last],
        best_central,
        Limit::Above(1.0),
    );
}

/// The smallest error and the step that reached it.
fn smallest(errors: &[f64], steps: &[f64]) -> (f64, f64) {
    errors
        .iter()
        .zip(steps)
        .fold((f64::INFINITY, f64::NAN), |best, (&e, &h)| {
            if e < best.0 { (e, h) } else { best }
        })
}

// ---------------------------------------------------------------------------------------------
// 5.2 Forward automatic differentiation via dual numbers
// ---------------------------------------------------------------------------------------------

/// √x by the Babylonian (Heron, Newton) iteration t ← (t + x/t)/2, until it has converged.
///
/// Every iterate is an arithmetic mean of t and x/t, so it is at least √x and the iteration
/// decreases; in floating point it has converged when it stops decreasing.
#[differentiate]
fn babylonian(x: f64) -> f64 {
    let mut t = (1.0 + x) / 2.0;
    for _ in 0..100 {
        let next = (t + x / t) / 2.0;
        if next >= t {
            break;
        }
        t = next;
    }
    t
}

/// The loop is differentiated as written, in forward mode (a dual number carried through every
/// iteration) and in reverse mode (the iterations replayed backwards); both give 1/(2√x).
fn babylonian_square_root(checks: &mut Checks) {
    for x in [2.0f64, 49.0, 1e-3] {
        let reference = 1.0 / (2.0 * x.sqrt());
        let (value, forward) = babylonian_jvp(x, 1.0);
        let (_, reverse) = babylonian_grad(x);
        checks.close(
            &format!("x = {x}: loop value vs x.sqrt()"),
            &value,
            &x.sqrt(),
            1e-14,
        );
        checks.close(
            &format!("x = {x}: forward mode vs 1/(2√x)"),
            &forward,
            &reference,
            1e-14,
        );
        checks.close(
            &format!("x = {x}: reverse mode vs 1/(2√x)"),
            &reverse,
            &reference,
            1e-14,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 5.3 / 8.2 Differentiation on computational graphs
// ---------------------------------------------------------------------------------------------

/// f(x₁, x₂) = (x₁x₂ + sin x₁)·(x₁x₂): the node a = x₁x₂ is used twice, so its adjoint
/// accumulates two contributions in the backward sweep.
#[differentiate]
fn graph(x1: f64, x2: f64) -> f64 {
    let a = x1 * x2;
    let b = a + x1.sin();
    b * a
}

/// The same pattern with n inputs: a = Σ xᵢxᵢ₊₁ feeds f = (a + sin x₀)·a.
#[differentiate]
fn graph_n(x: &[f64]) -> f64 {
    let mut a = 0.0;
    for i in 0..x.len() - 1 {
        a += x[i] * x[i + 1];
    }
    let b = a + x[0].sin();
    b * a
}

/// One reverse pass gives the whole gradient; forward mode needs one pass per input.
fn computational_graph(checks: &mut Checks) {
    let (x1, x2): (f64, f64) = (0.8, -1.7);
    let a = x1 * x2;
    let b = a + x1.sin();
    // ∂f/∂x₁ = (x₂ + cos x₁)·a + b·x₂ and ∂f/∂x₂ = x₁·a + b·x₁
    let by_hand = (((x2 + x1.cos()) * a + b * x2), (x1 * a + b * x1));

    let (_, reverse) = graph_grad(x1, x2);
    checks.close("∇f by 1 reverse pass vs by hand", &reverse, &by_hand, 1e-14);

    let forward = (graph_jvp(x1, x2, 1.0, 0.0).1, graph_jvp(x1, x2, 0.0, 1.0).1);
    checks.close(
        "∇f by 2 forward passes vs by hand",
        &forward,
        &by_hand,
        1e-14,
    );

    let (_, pullback) = graph_vjp(x1, x2);
    let seeded = pullback(2.5);
    let scaled = (2.5 * by_hand.0, 2.5 * by_hand.1);
    checks.close(
        "pullback called again with ȳ = 2.5 vs 2.5·∇f",
        &seeded,
        &scaled,
        1e-14,
    );

    let n = 1000;
    let x: Vec<f64> = (0..n).map(|i| (0.37 * i as f64).sin()).collect();
    let start = Instant::now();
    let (_, reverse) = graph_n_grad(&x);
    let reverse_time = start.elapsed();
    let start = Instant::now();
    let mut e = vec![0.0; n];
    let forward: Vec<f64> = (0..n)
        .map(|i| {
            e[i] = 1.0;
            let (_, d) = graph_n_jvp(&x, &e);
            e[i] = 0.0;
            d
        })
        .collect();
    let forward_time = start.elapsed();
    checks.note(&format!(
        "n = {n} inputs: 1 reverse pass took {reverse_time:.2?}, {n} forward passes {forward_time:.2?}"
    ));
    checks.close(
        &format!("n = {n}: ∇f by 1 reverse vs by {n} forward passes"),
        &reverse,
        &forward,
        1e-13,
    );
}

// ---------------------------------------------------------------------------------------------
// The tour's machinery
// ---------------------------------------------------------------------------------------------

/// One lecture of the tour.
struct Topic {
    /// The lecture number in the course, e.g. "1.2".
    lecture: &'static str,
    /// What the lecture is about.
    title: &'static str,
    /// Computes and records the checks.
    run: fn(&mut Checks),
}

/// What a check measures against its limit.
#[derive(Clone, Copy)]
enum Limit {
    /// A relative error, at most this tolerance.
    RelativeError(f64),
    /// A ratio measured / reference, strictly below this.
    Below(f64),
    /// A ratio measured / reference, strictly above this.
    Above(f64),
}

/// One check: a result, its reference, and the verdict.
struct Row {
    lecture: &'static str,
    what: String,
    ad: Vec<f64>,
    reference: Vec<f64>,
    /// The relative error, or the ratio of a [`Limit::Below`]/[`Limit::Above`] check.
    measure: f64,
    limit: Limit,
}

impl Row {
    /// Written so that a NaN fails.
    fn passed(&self) -> bool {
        match self.limit {
            Limit::RelativeError(tolerance) => self.measure <= tolerance,
            Limit::Below(limit) => self.measure < limit,
            Limit::Above(limit) => self.measure > limit,
        }
    }
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let check = match self.limit {
            Limit::RelativeError(tolerance) => {
                format!("rel. error {:.1e} ≤ {tolerance:.0e}", self.measure)
            }
            Limit::Below(limit) => format!("ratio {:.1e} < {limit}", self.measure),
            Limit::Above(limit) => format!("ratio {:.1e} > {limit}", self.measure),
        };
        write!(
            f,
            "  {:<52} {:>26} {:>26}  {:<26} {}",
            self.what,
            Values(&self.ad),
            Values(&self.reference),
            check,
            if self.passed() { "PASS" } else { "FAIL" },
        )
    }
}

/// A flat list of values, shortened to its first two entries.
struct Values<'a>(&'a [f64]);

impl fmt::Display for Values<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self.0 {
            [single] => format!("{single:.15e}"),
            [first, second] => format!("[{first:.5e}, {second:.5e}]"),
            [first, second, ..] => format!("[{first:.4e}, {second:.4e}, …]"),
            [] => "[]".to_string(),
        };
        f.pad(&text)
    }
}

/// The checks of the topic that is running; each is printed as it is recorded.
struct Checks {
    lecture: &'static str,
    rows: Vec<Row>,
}

impl Checks {
    /// Records that `ad` matches `reference` to a relative error of at most `tolerance` (in
    /// the Euclidean norm of their flat, column-major views).
    fn close<T: Tangent<Scalar = f64>>(
        &mut self,
        what: &str,
        ad: &T,
        reference: &T,
        tolerance: f64,
    ) {
        let (ad, reference) = (ad.to_flat(), reference.to_flat());
        let measure = relative_error(&ad, &reference);
        self.push(
            what,
            ad,
            reference,
            measure,
            Limit::RelativeError(tolerance),
        );
    }

    /// Records that the ratio `measured / reference` satisfies `limit`.
    fn bound(&mut self, what: &str, measured: f64, reference: f64, limit: Limit) {
        self.push(
            what,
            vec![measured],
            vec![reference],
            measured / reference,
            limit,
        );
    }

    /// Prints a line of context (a table, a timing) under the topic.
    fn note(&self, line: &str) {
        println!("    {line}");
    }

    fn push(&mut self, what: &str, ad: Vec<f64>, reference: Vec<f64>, measure: f64, limit: Limit) {
        let row = Row {
            lecture: self.lecture,
            what: what.to_string(),
            ad,
            reference,
            measure,
            limit,
        };
        println!("{row}");
        self.rows.push(row);
    }
}

/// ‖a − b‖ / max(‖a‖, ‖b‖), 0 when they are equal.
fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>().sqrt();
    let difference = norm(&mut a.iter().zip(b).map(|(a, b)| a - b));
    if difference == 0.0 {
        return 0.0;
    }
    difference / norm(&mut a.iter().copied()).max(norm(&mut b.iter().copied()))
}

/// Runs the topics and collects their checks.
#[derive(Default)]
struct Tour {
    rows: Vec<Row>,
}

impl Tour {
    fn run(&mut self, topic: &Topic) {
        println!("[{}] {}", topic.lecture, topic.title);
        println!(
            "  {:<52} {:>26} {:>26}  {:<26} result",
            "computed", "AD", "reference", "check"
        );
        let start = Instant::now();
        let mut checks = Checks {
            lecture: topic.lecture,
            rows: Vec::new(),
        };
        (topic.run)(&mut checks);
        let failed = checks.rows.iter().filter(|row| !row.passed()).count();
        println!(
            "  -> {} checks, {failed} failed ({:.1?})\n",
            checks.rows.len(),
            start.elapsed()
        );
        self.rows.append(&mut checks.rows);
    }

    /// Prints the summary; failure if any check failed.
    fn summary(&self) -> ExitCode {
        let failed: Vec<&Row> = self.rows.iter().filter(|row| !row.passed()).collect();
        println!(
            "summary: {} topics, {} checks, {} passed, {} failed",
            TOPICS.len(),
            self.rows.len(),
            self.rows.len() - failed.len(),
            failed.len()
        );
        for row in &failed {
            println!("  FAILED [{}] {}", row.lecture, row.what);
        }
        if failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}
