//! Tests of `rules/scalar.rs`: every method of the table against Richardson-extrapolated central
//! differences of the std primal (through `matcalc_runtime::check`), on inputs drawn from a
//! per-method domain sampler, in `f64` and `f32`; then the edge cases listed on the entries.

use matcalc_runtime::check::{self, Config};
use matcalc_runtime::rules::scalar::{self, METHODS};
use matcalc_runtime::{Real, Tangent};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How many sampled points each method is checked at.
const SAMPLES: usize = 12;

/// The methods the table must cover, with their numbers of float inputs.
const EXPECTED: &[(&str, usize)] = &[
    ("abs", 1),
    ("signum", 1),
    ("sqrt", 1),
    ("cbrt", 1),
    ("exp", 1),
    ("exp2", 1),
    ("exp_m1", 1),
    ("ln", 1),
    ("ln_1p", 1),
    ("log2", 1),
    ("log10", 1),
    ("recip", 1),
    ("sin", 1),
    ("cos", 1),
    ("tan", 1),
    ("asin", 1),
    ("acos", 1),
    ("atan", 1),
    ("sinh", 1),
    ("cosh", 1),
    ("tanh", 1),
    ("asinh", 1),
    ("acosh", 1),
    ("atanh", 1),
    ("floor", 1),
    ("ceil", 1),
    ("round", 1),
    ("trunc", 1),
    ("powi", 1),
    ("powf", 2),
    ("log", 2),
    ("atan2", 2),
    ("hypot", 2),
    ("max", 2),
    ("min", 2),
    ("mul_add", 3),
    ("clamp", 3),
];

/// The methods whose derivative is 0 everywhere.
const PIECEWISE_CONSTANT: &[&str] = &["signum", "floor", "ceil", "round", "trunc"];

#[test]
fn methods_lists_every_method_once_with_its_arity() {
    for expected in EXPECTED {
        assert!(
            METHODS.contains(expected),
            "METHODS lacks {expected:?}: {METHODS:?}"
        );
    }
    for method in METHODS {
        assert!(
            EXPECTED.contains(method),
            "METHODS has {method:?}, which no test expects"
        );
    }
    let mut names: Vec<&str> = METHODS.iter().map(|(name, _)| *name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), METHODS.len(), "a method is listed twice");
}

// ----- the per-method domain sampler -----

fn uniform(rng: &mut StdRng, lo: f64, hi: f64) -> f64 {
    rng.random_range(lo..hi)
}

/// `lo..hi` with a random sign.
fn signed(rng: &mut StdRng, lo: f64, hi: f64) -> f64 {
    let magnitude = uniform(rng, lo, hi);
    if rng.random_bool(0.5) {
        magnitude
    } else {
        -magnitude
    }
}

/// An integer in -3..3 plus a fraction in `lo..hi`.
fn integer_plus(rng: &mut StdRng, lo: f64, hi: f64) -> f64 {
    f64::from(rng.random_range(-3i32..3)) + uniform(rng, lo, hi)
}

/// A point of the method's domain, away from kinks, jumps and singularities: the finite
/// difference of a well-conditioned smooth piece is what the rule must match.
fn sample(name: &str, rng: &mut StdRng) -> Vec<f64> {
    match name {
        "abs" | "signum" => vec![signed(rng, 0.5, 3.0)],
        "floor" | "ceil" | "trunc" => vec![integer_plus(rng, 0.2, 0.8)],
        "round" => {
            let fraction = if rng.random_bool(0.5) {
                uniform(rng, 0.1, 0.35)
            } else {
                uniform(rng, 0.65, 0.9)
            };
            vec![f64::from(rng.random_range(-3i32..3)) + fraction]
        }
        "sqrt" | "ln" | "log2" | "log10" => vec![uniform(rng, 0.2, 5.0)],
        "cbrt" => vec![signed(rng, 0.2, 5.0)],
        "recip" => vec![signed(rng, 0.3, 3.0)],
        "exp" | "exp2" | "exp_m1" | "sin" | "cos" | "sinh" | "cosh" | "tanh" | "atan" | "asinh" => {
            vec![uniform(rng, -3.0, 3.0)]
        }
        "ln_1p" => vec![uniform(rng, -0.8, 3.0)],
        "tan" => vec![uniform(rng, -1.2, 1.2)],
        "asin" | "acos" | "atanh" => vec![uniform(rng, -0.9, 0.9)],
        "acosh" => vec![uniform(rng, 1.2, 5.0)],
        "powi" => vec![signed(rng, 0.3, 2.5)],
        "powf" => vec![uniform(rng, 0.3, 3.0), uniform(rng, -2.5, 2.5)],
        "log" => {
            let base = if rng.random_bool(0.5) {
                uniform(rng, 1.5, 5.0)
            } else {
                uniform(rng, 0.2, 0.7)
            };
            vec![uniform(rng, 0.2, 5.0), base]
        }
        "atan2" | "hypot" => loop {
            let (a, b) = (uniform(rng, -3.0, 3.0), uniform(rng, -3.0, 3.0));
            if a.hypot(b) > 0.5 {
                break vec![a, b];
            }
        },
        "max" | "min" => {
            let a = uniform(rng, -3.0, 3.0);
            vec![a, a + signed(rng, 0.5, 2.0)]
        }
        "mul_add" => (0..3).map(|_| uniform(rng, -3.0, 3.0)).collect(),
        "clamp" => {
            let lo = uniform(rng, -2.0, 0.0);
            let hi = lo + uniform(rng, 1.0, 3.0);
            let x = match rng.random_range(0..3) {
                0 => lo - uniform(rng, 0.3, 2.0),
                1 => lo + (hi - lo) * uniform(rng, 0.2, 0.8),
                _ => hi + uniform(rng, 0.3, 2.0),
            };
            vec![x, lo, hi]
        }
        other => panic!("no sampler for `{other}`: add its domain to `sample`"),
    }
}

/// The integer exponents `powi` is checked with.
const POWI_EXPONENTS: &[i32] = &[-3, -1, 0, 1, 2, 5];

// ----- the rules, per float type -----

/// The primal of a method on its flat float inputs.
type Primal<F> = Box<dyn Fn(&[F]) -> F>;
/// The table's partials of a method, from its flat inputs and its output.
type Partials<F> = Box<dyn Fn(&[F], F) -> Vec<F>>;

/// A method under test: the std primal on flat inputs and the table's partials.
struct Rule<F> {
    label: String,
    primal: Primal<F>,
    partials: Partials<F>,
}

/// Rules of one-input methods; `F` is the float type of the module that expands it.
macro_rules! unary {
    ($($name:ident),*) => {
        vec![$(Rule::<F> {
            label: stringify!($name).to_string(),
            primal: Box::new(|x: &[F]| x[0].$name()),
            partials: Box::new(|x: &[F], y: F| vec![scalar::$name(x[0], y)]),
        }),*]
    };
}

/// Rules of two-input methods; `F` is the float type of the module that expands it.
macro_rules! binary {
    ($($name:ident),*) => {
        vec![$(Rule::<F> {
            label: stringify!($name).to_string(),
            primal: Box::new(|x: &[F]| x[0].$name(x[1])),
            partials: Box::new(|x: &[F], y: F| {
                let (a, b) = scalar::$name(x[0], x[1], y);
                vec![a, b]
            }),
        }),*]
    };
}

/// `rules_f64::rules()` and `rules_f32::rules()`: every method, its primal spelled with the inherent
/// method of the concrete float type (so it is Rust's own), its partials from the table.
macro_rules! rules_for {
    ($module:ident, $float:ty) => {
        mod $module {
            use super::{POWI_EXPONENTS, Rule, scalar};
            type F = $float;

            /// Every rule, keyed by method name (`powi` once per exponent).
            pub fn rules() -> Vec<(&'static str, Rule<F>)> {
                let mut rules: Vec<(&'static str, Rule<F>)> = Vec::new();
                let unary = unary!(
                    abs, signum, sqrt, cbrt, exp, exp2, exp_m1, ln, ln_1p, log2, log10, recip, sin,
                    cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh, acosh, atanh, floor, ceil,
                    round, trunc
                );
                let binary = binary!(powf, log, atan2, hypot, max, min);
                for rule in unary.into_iter().chain(binary) {
                    let name = super::EXPECTED
                        .iter()
                        .find(|(name, _)| *name == rule.label)
                        .expect("every rule is expected")
                        .0;
                    rules.push((name, rule));
                }
                for &n in POWI_EXPONENTS {
                    rules.push((
                        "powi",
                        Rule {
                            label: format!("powi(n = {n})"),
                            primal: Box::new(move |x: &[F]| x[0].powi(n)),
                            partials: Box::new(move |x: &[F], y: F| vec![scalar::powi(x[0], n, y)]),
                        },
                    ));
                }
                rules.push((
                    "mul_add",
                    Rule {
                        label: "mul_add".to_string(),
                        primal: Box::new(|x: &[F]| x[0].mul_add(x[1], x[2])),
                        partials: Box::new(|x: &[F], y: F| {
                            let (a, b, c) = scalar::mul_add(x[0], x[1], x[2], y);
                            vec![a, b, c]
                        }),
                    },
                ));
                rules.push((
                    "clamp",
                    Rule {
                        label: "clamp".to_string(),
                        primal: Box::new(|x: &[F]| x[0].clamp(x[1], x[2])),
                        partials: Box::new(|x: &[F], y: F| {
                            let (a, b, c) = scalar::clamp(x[0], x[1], x[2], y);
                            vec![a, b, c]
                        }),
                    },
                ));
                rules
            }
        }
    };
}
rules_for!(rules_f64, f64);
rules_for!(rules_f32, f32);

/// Checks every rule at sampled points: forward mode against finite differences of the primal,
/// reverse mode (the partials times the adjoint) against forward mode. Collects all failures.
fn check_all_rules<F: Real + Tangent<Scalar = F>>(rules: Vec<(&'static str, Rule<F>)>) {
    for (name, _) in METHODS {
        assert!(
            rules.iter().any(|(rule, _)| rule == name),
            "no rule under test for `{name}`"
        );
    }
    let jvp_config = Config::for_jvp::<F>();
    let dot_config = Config::for_dot_product::<F>();
    let mut failures = Vec::new();
    let mut worst = (0.0f64, String::new());
    for (name, rule) in &rules {
        let mut rng = StdRng::seed_from_u64(0x5ca1a);
        for sample_index in 0..SAMPLES {
            let x: Vec<F> = sample(name, &mut rng)
                .into_iter()
                .map(F::from_f64)
                .collect();
            let f = |x: &Vec<F>| (rule.primal)(x);
            let f_jvp = |x: &Vec<F>, x_dot: &Vec<F>| {
                let y = (rule.primal)(x);
                let partials = (rule.partials)(x, y);
                let y_dot = partials
                    .iter()
                    .zip(x_dot)
                    .fold(F::zero(), |sum, (d, x_dot)| sum + *d * *x_dot);
                (y, y_dot)
            };
            let f_vjp = |x: &Vec<F>, y_bar: &F| -> Vec<F> {
                let y = (rule.primal)(x);
                (rule.partials)(x, y).iter().map(|d| *d * *y_bar).collect()
            };
            let seed = sample_index as u64;
            let result = check::all(
                f,
                f_jvp,
                f_vjp,
                &x,
                &jvp_config.seed(seed),
                &dot_config.seed(seed),
            );
            match result {
                Ok(reports) => {
                    if reports.jvp.max_rel_error > worst.0 {
                        worst = (
                            reports.jvp.max_rel_error,
                            format!("{} at {x:?}", rule.label),
                        );
                    }
                }
                Err(failure) => failures.push(format!("{} at {x:?}: {failure}", rule.label)),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("largest relative error: {:.2e} ({})", worst.0, worst.1);
}

#[test]
fn every_rule_matches_finite_differences_in_f64() {
    let rules = rules_f64::rules();
    assert_eq!(Config::for_jvp::<f64>().rtol, 1e-7);
    check_all_rules(rules);
}

#[test]
fn every_rule_matches_finite_differences_in_f32() {
    check_all_rules(rules_f32::rules());
}

// ----- edge cases, as documented on the entries -----

#[test]
fn abs_at_zero_is_the_right_derivative_and_nan_stays_nan() {
    fn at<F: Real>() {
        let zero = F::zero();
        assert_eq!(scalar::abs(zero, zero.abs()), F::one());
        assert_eq!(scalar::abs(-zero, (-zero).abs()), F::one());
        assert!((-zero).is_sign_negative(), "the test must exercise -0.0");
        assert!(scalar::abs(F::nan(), F::nan()).is_nan());
        assert_eq!(scalar::abs(F::from_f64(-2.0), F::from_f64(2.0)), -F::one());
        assert_eq!(scalar::abs(F::infinity(), F::infinity()), F::one());
        assert_eq!(scalar::abs(F::neg_infinity(), F::infinity()), -F::one());
    }
    at::<f64>();
    at::<f32>();
}

#[test]
fn max_and_min_at_ties_go_to_the_first_argument() {
    for x in [0.0f64, -1.5, 2.0, f64::INFINITY] {
        assert_eq!(scalar::max(x, x, x.max(x)), (1.0, 0.0));
        assert_eq!(scalar::min(x, x, x.min(x)), (1.0, 0.0));
    }
    // +0 and -0 compare equal: a tie
    assert_eq!(scalar::max(0.0f64, -0.0, 0.0f64.max(-0.0)), (1.0, 0.0));
    assert_eq!(scalar::min(-0.0f32, 0.0, (-0.0f32).min(0.0)), (1.0, 0.0));
}

#[test]
fn max_and_min_with_a_nan_follow_the_argument_rust_returns() {
    let nan = f64::NAN;
    // Rust's max and min return the argument that is not NaN
    assert_eq!(nan.max(2.0), 2.0);
    assert_eq!(2.0f64.max(nan), 2.0);
    assert_eq!(nan.min(2.0), 2.0);
    assert_eq!(2.0f64.min(nan), 2.0);
    assert_eq!(scalar::max(nan, 2.0, nan.max(2.0)), (0.0, 1.0));
    assert_eq!(scalar::max(2.0, nan, 2.0f64.max(nan)), (1.0, 0.0));
    assert_eq!(scalar::min(nan, 2.0, nan.min(2.0)), (0.0, 1.0));
    assert_eq!(scalar::min(2.0, nan, 2.0f64.min(nan)), (1.0, 0.0));
    assert_eq!(scalar::max(f32::NAN, 1.0, 1.0), (0.0, 1.0));
    assert_eq!(scalar::min(1.0f32, f32::NAN, 1.0), (1.0, 0.0));
}

#[test]
fn clamp_goes_to_the_returned_argument() {
    let (lo, hi) = (-1.0f64, 2.0);
    let d = |x: f64| scalar::clamp(x, lo, hi, x.clamp(lo, hi));
    assert_eq!(d(0.5), (1.0, 0.0, 0.0));
    assert_eq!(d(-3.0), (0.0, 1.0, 0.0));
    assert_eq!(d(5.0), (0.0, 0.0, 1.0));
    // on the boundary the derivative goes to x
    assert_eq!(d(lo), (1.0, 0.0, 0.0));
    assert_eq!(d(hi), (1.0, 0.0, 0.0));
    assert_eq!(d(f64::NEG_INFINITY), (0.0, 1.0, 0.0));
    assert_eq!(d(f64::INFINITY), (0.0, 0.0, 1.0));
    // a NaN x is returned by clamp, and the derivative follows it
    assert!(f64::NAN.clamp(lo, hi).is_nan());
    assert_eq!(d(f64::NAN), (1.0, 0.0, 0.0));
    assert_eq!(scalar::clamp(3.0f32, 0.0, 1.0, 1.0), (0.0, 0.0, 1.0));
    // bounds the primal would panic on: the rule does not
    let _ = scalar::clamp(0.0f64, 1.0, -1.0, 0.0);
    let _ = scalar::clamp(0.0f64, f64::NAN, f64::NAN, 0.0);
}

#[test]
fn powf_at_a_zero_base_has_a_zero_exponent_derivative() {
    for b in [0.5f64, 1.0, 2.0, 3.5] {
        let y = 0.0f64.powf(b);
        assert_eq!(y, 0.0);
        let (_, db) = scalar::powf(0.0, b, y);
        assert_eq!(db, 0.0, "b = {b}");
    }
    // the partial in a at 0: b·0^(b−1)
    assert_eq!(scalar::powf(0.0f64, 2.0, 0.0), (0.0, 0.0));
    assert_eq!(scalar::powf(0.0f64, 1.0, 0.0), (1.0, 0.0));
    assert_eq!(scalar::powf(0.0f64, 0.5, 0.0).0, f64::INFINITY);
    // a zero exponent: a⁰ = 1 for every a, also 0; at (0, 0) the exponent jumps and ∂/∂b is 0
    assert_eq!(scalar::powf(0.0f64, 0.0, 1.0), (0.0, 0.0));
    assert_eq!(
        scalar::powf(0.0f64, -1.0, f64::INFINITY),
        (f64::NEG_INFINITY, 0.0)
    );
    assert_eq!(scalar::powf(3.0f64, 0.0, 1.0), (0.0, 3f64.ln()));
    // +∞ to a negative power is 0: the limit again
    assert_eq!(scalar::powf(f64::INFINITY, -2.0, 0.0), (-0.0, 0.0));
    assert_eq!(scalar::powf(0.0f32, 2.0, 0.0), (0.0, 0.0));
    // a negative base has no derivative in the exponent
    assert!(scalar::powf(-2.0f64, 2.0, 4.0).1.is_nan());
    assert_eq!(scalar::powf(-2.0f64, 2.0, 4.0).0, -4.0);
}

#[test]
fn powi_with_a_zero_exponent_is_exactly_zero() {
    for x in [0.0f64, -0.0, 2.0, f64::INFINITY, f64::NAN] {
        assert_eq!(scalar::powi(x, 0, x.powi(0)), 0.0, "x = {x}");
    }
    assert_eq!(scalar::powi(0.0f64, 1, 0.0), 1.0);
    assert_eq!(scalar::powi(0.0f64, 2, 0.0), 0.0);
    assert_eq!(scalar::powi(0.0f64, -1, f64::INFINITY), f64::NEG_INFINITY);
    // the most negative exponent does not overflow n − 1
    let d = scalar::powi(1.0f64, i32::MIN, 1.0);
    assert_eq!(d, f64::from(i32::MIN));
    let _ = scalar::powi(2.0f64, i32::MIN, 2f64.powi(i32::MIN));
}

#[test]
fn hypot_at_the_origin_is_the_zero_subgradient() {
    assert_eq!(scalar::hypot(0.0f64, 0.0, 0.0), (0.0, 0.0));
    assert_eq!(scalar::hypot(-0.0f64, 0.0, 0.0), (0.0, 0.0));
    assert_eq!(scalar::hypot(0.0f32, -0.0, 0.0), (0.0, 0.0));
    // away from it, the unit vector
    assert_eq!(scalar::hypot(3.0f64, -4.0, 5.0), (0.6, -0.8));
}

#[test]
fn atan2_at_the_origin_is_zero() {
    for (a, b) in [(0.0f64, 0.0), (-0.0, 0.0), (0.0, -0.0), (-0.0, -0.0)] {
        assert_eq!(scalar::atan2(a, b, a.atan2(b)), (0.0, 0.0));
    }
    assert_eq!(scalar::atan2(0.0f32, 0.0, 0.0), (0.0, 0.0));
    // far from the origin a² + b² would overflow; the rule does not
    let (a, b) = (1e200f64, 1e200);
    let (da, db) = scalar::atan2(a, b, a.atan2(b));
    assert!((da * 2e200 - 1.0).abs() < 1e-12 && (db * 2e200 + 1.0).abs() < 1e-12);
}

#[test]
fn sqrt_and_cbrt_at_zero_are_plus_infinity() {
    fn at<F: Real>() {
        let zero = F::zero();
        for x in [zero, -zero] {
            assert_eq!(scalar::sqrt(x, x.sqrt()), F::infinity());
            assert_eq!(scalar::cbrt(x, x.cbrt()), F::infinity());
        }
        // below the domain of sqrt: NaN, like the primal
        let x = F::from_f64(-1.0);
        assert!(scalar::sqrt(x, x.sqrt()).is_nan());
        // cbrt is defined on both sides
        assert_eq!(
            scalar::cbrt(F::from_f64(-8.0), F::from_f64(-2.0)),
            F::from_f64(1.0 / 12.0)
        );
    }
    at::<f64>();
    at::<f32>();
}

#[test]
fn nan_propagates_through_every_unary_rule() {
    for (name, rule) in rules_f64::rules() {
        let arity = METHODS.iter().find(|(m, _)| *m == name).unwrap().1;
        // x⁰ and x¹ have the constant derivatives 0 and 1, NaN included
        if arity != 1 || rule.label == "powi(n = 0)" || rule.label == "powi(n = 1)" {
            continue;
        }
        let x = [f64::NAN];
        let y = (rule.primal)(&x);
        let d = (rule.partials)(&x, y)[0];
        if PIECEWISE_CONSTANT.contains(&name) {
            assert_eq!(d, 0.0, "{}", rule.label);
        } else {
            assert!(d.is_nan(), "{}: {d}", rule.label);
        }
    }
    for (name, d) in [
        ("powf", scalar::powf(f64::NAN, 2.0, f64::NAN)),
        ("log", scalar::log(f64::NAN, 2.0, f64::NAN)),
        ("atan2", scalar::atan2(f64::NAN, 1.0, f64::NAN)),
        ("hypot", scalar::hypot(f64::NAN, 1.0, f64::NAN)),
    ] {
        assert!(d.0.is_nan() && d.1.is_nan(), "{name}: {d:?}");
    }
}

#[test]
fn no_rule_panics_on_nan_or_infinity() {
    let specials = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0];
    for (_, rule) in rules_f64::rules() {
        // every combination of special inputs the rule takes (the primal `clamp` panics on bad
        // bounds, so the output is taken as NaN there; the rule must not panic regardless)
        let arity = (rule.partials)(&[1.0, 1.0, 2.0], 1.0).len();
        let mut x = vec![0.0; arity];
        for index in 0..specials.len().pow(arity as u32) {
            let mut rest = index;
            for slot in x.iter_mut() {
                *slot = specials[rest % specials.len()];
                rest /= specials.len();
            }
            let y = if rule.label == "clamp" {
                f64::NAN
            } else {
                (rule.primal)(&x)
            };
            let partials = (rule.partials)(&x, y);
            assert_eq!(partials.len(), arity);
        }
    }
}

#[test]
fn infinities_go_where_the_formula_takes_them() {
    let inf = f64::INFINITY;
    assert_eq!(scalar::exp(inf, inf), inf);
    assert_eq!(scalar::exp(-inf, 0.0), 0.0);
    assert_eq!(scalar::atan(inf, inf.atan()), 0.0);
    assert_eq!(scalar::tanh(inf, 1.0), 0.0);
    assert_eq!(scalar::asinh(-inf, -inf), 0.0);
    assert_eq!(scalar::sqrt(inf, inf), 0.0);
    assert_eq!(scalar::ln(inf, inf), 0.0);
    assert_eq!(scalar::recip(0.0f64, inf), -inf);
    assert!(scalar::sin(inf, f64::NAN).is_nan());
}

#[test]
fn accurate_formulas_hold_where_naive_ones_lose_precision() {
    // tanh' = 1/cosh² keeps its relative accuracy where 1 − tanh² cancels to 0
    let x = 20.0f64;
    let d = scalar::tanh(x, x.tanh());
    let expected = 4.0 * (-2.0 * x).exp(); // 1/cosh²x ≈ 4e^(−2x)
    assert!((d / expected - 1.0).abs() < 1e-12, "{d} vs {expected}");
    assert_eq!(
        1.0 - x.tanh().powi(2),
        0.0,
        "the naive formula does cancel here"
    );
    // asinh' = 1/√(x² + 1) does not overflow for large x
    let x = 1e200f64;
    assert!((scalar::asinh(x, x.asinh()) * x - 1.0).abs() < 1e-12);
    // acosh' likewise
    assert!((scalar::acosh(x, x.acosh()) * x - 1.0).abs() < 1e-12);
}
