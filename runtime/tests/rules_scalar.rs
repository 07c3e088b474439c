//! Tests of `rules/scalar.rs`: every method of the table against Richardson-extrapolated central
//! differences of the std primal (through `matcalc_runtime::check`), on inputs drawn from a
//! per-method domain sampler, in `f64` and `f32`; its second-order companions `NAME_jvp` and
//! `NAME_vjp` in the same loop (against finite differences of the partials, by the dot-product
//! test, and as the total second derivative against finite differences of the first); then the
//! edge cases listed on the entries.

use matcalc_runtime::check::{self, Config};
use matcalc_runtime::rules::scalar::{self, METHODS};
use matcalc_runtime::{Real, Tangent};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::rc::Rc;

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

/// A method under test: the std primal on flat inputs, the table's partials and their
/// second-order companions.
struct Rule<F> {
    label: String,
    primal: Primal<F>,
    partials: Partials<F>,
    second: SecondOrder<F>,
}

/// The second-order companions of a method, behind flat signatures so that rules of every arity
/// share one list. `X` below is the tuple (inputs..., y) and `P` the partials.
struct SecondOrder<F> {
    /// Runs the checks of [`check_second_order`] at flat inputs, with the method's primal.
    check: SecondOrderCheck<F>,
    /// `NAME_jvp` at flat (inputs..., y) along a flat tangent: the flat partials and their
    /// tangent.
    jvp: FlatJvp<F>,
    /// `NAME_vjp` at flat (inputs..., y), its pullback applied to a flat cotangent of the
    /// partials: the flat adjoints of (inputs..., y).
    vjp: FlatVjp<F>,
}

/// The checks of one method's companions: flat inputs, the primal, a seed; the largest relative
/// error, or what failed.
type SecondOrderCheck<F> = Box<dyn Fn(&[F], &Primal<F>, u64) -> Result<f64, String>>;
/// A forward companion on flat values: (point, tangent) to (partials, their tangent).
type FlatJvp<F> = Box<dyn Fn(&[F], &[F]) -> (Vec<F>, Vec<F>)>;
/// A reverse companion on flat values: (point, cotangent of the partials) to the adjoints.
type FlatVjp<F> = Box<dyn Fn(&[F], &[F]) -> Vec<F>>;

/// Rules of one-input methods, each given with its companions; `F` is the float type of the
/// module that expands it.
macro_rules! unary {
    ($(($name:ident, $jvp:ident, $vjp:ident)),* $(,)?) => {
        vec![$(Rule::<F> {
            label: stringify!($name).to_string(),
            primal: Box::new(|x: &[F]| x[0].$name()),
            partials: Box::new(|x: &[F], y: F| vec![scalar::$name(x[0], y)]),
            second: second_order(
                |&(x, y): &(F, F)| scalar::$name(x, y),
                |&(x, y): &(F, F), &(x_dot, y_dot): &(F, F)| scalar::$jvp(x, y, x_dot, y_dot),
                |&(x, y): &(F, F)| scalar::$vjp(x, y),
            ),
        }),*]
    };
}

/// Rules of two-input methods, each given with its companions; `F` is the float type of the
/// module that expands it.
macro_rules! binary {
    ($(($name:ident, $jvp:ident, $vjp:ident)),* $(,)?) => {
        vec![$(Rule::<F> {
            label: stringify!($name).to_string(),
            primal: Box::new(|x: &[F]| x[0].$name(x[1])),
            partials: Box::new(|x: &[F], y: F| {
                let (a, b) = scalar::$name(x[0], x[1], y);
                vec![a, b]
            }),
            second: second_order(
                |&(a, b, y): &(F, F, F)| scalar::$name(a, b, y),
                |&(a, b, y): &(F, F, F), &(a_dot, b_dot, y_dot): &(F, F, F)| {
                    scalar::$jvp(a, b, y, a_dot, b_dot, y_dot)
                },
                |&(a, b, y): &(F, F, F)| scalar::$vjp(a, b, y),
            ),
        }),*]
    };
}

/// Rules of three-input methods, each given with its companions; `F` is the float type of the
/// module that expands it.
macro_rules! ternary {
    ($(($name:ident, $jvp:ident, $vjp:ident)),* $(,)?) => {
        vec![$(Rule::<F> {
            label: stringify!($name).to_string(),
            primal: Box::new(|x: &[F]| x[0].$name(x[1], x[2])),
            partials: Box::new(|x: &[F], y: F| {
                let (a, b, c) = scalar::$name(x[0], x[1], x[2], y);
                vec![a, b, c]
            }),
            second: second_order(
                |&(a, b, c, y): &(F, F, F, F)| scalar::$name(a, b, c, y),
                |&(a, b, c, y): &(F, F, F, F), &(a_dot, b_dot, c_dot, y_dot): &(F, F, F, F)| {
                    scalar::$jvp(a, b, c, y, a_dot, b_dot, c_dot, y_dot)
                },
                |&(a, b, c, y): &(F, F, F, F)| scalar::$vjp(a, b, c, y),
            ),
        }),*]
    };
}

// ----- the second-order harness, one for every arity -----

/// A value of type `T` from the front of a flat slice (`T` a float or a tuple of floats).
fn from_flat<T: Tangent + Default>(flat: &[T::Scalar]) -> T {
    let mut input = flat;
    let value = T::default().read_flat(&mut input);
    assert!(input.is_empty(), "{} entries left over", input.len());
    value
}

/// `[x..., y]`, flat.
fn append<F: Copy>(x: &[F], y: F) -> Vec<F> {
    x.iter().copied().chain([y]).collect()
}

/// Checks the companions of one method at its inputs `x` (flat), with `y` the method's primal
/// there. `P`, the partials, has the type of the inputs (a float, or a tuple of one float per
/// input), and `X` is the tuple (inputs..., y):
///
/// 1. `NAME_jvp` against Richardson-extrapolated central differences of `NAME` as a function of
///    `X`, the inputs and `y` perturbed independently;
/// 2. `NAME_vjp` against `NAME_jvp` by the dot-product test; its value is `NAME`'s, and its
///    pullback gives the same adjoints when called again;
/// 3. the total second derivative: the directional derivative of x ↦ `NAME(x, f(x))` (the
///    derivative of the method, through the std primal `f`) against `NAME_jvp` with the tangent of
///    `y` set to ⟨p, ẋ⟩, so that the second partials are checked against the true second
///    derivative.
///
/// Returns the largest relative error of the finite-difference checks.
fn check_second_order<F, X, P, B>(
    x: &[F],
    primal: &Primal<F>,
    seed: u64,
    partials: &impl Fn(&X) -> P,
    partials_jvp: &impl Fn(&X, &X) -> (P, P),
    partials_vjp: &impl Fn(&X) -> (P, B),
) -> Result<f64, String>
where
    F: Real + Tangent<Scalar = F>,
    X: Tangent<Scalar = F> + Default,
    P: Tangent<Scalar = F> + Default,
    B: Fn(P) -> X,
{
    let jvp_config = Config::for_jvp::<F>().seed(seed);
    let dot_config = Config::for_dot_product::<F>().seed(seed);
    let point: X = from_flat(&append(x, primal(x)));

    // 1. the partials as a function of (inputs..., y)
    let partials_report = check::jvp(partials, partials_jvp, &point, &jvp_config)
        .map_err(|failure| format!("{{jvp of the partials}} {failure}"))?;

    // 2. reverse against forward mode; the value; a pullback called twice
    let pulled_back = |point: &X, partials_bar: &P| partials_vjp(point).1(partials_bar.clone());
    check::dot_product(partials_jvp, pulled_back, &point, &dot_config)
        .map_err(|failure| format!("{{vjp of the partials}} {failure}"))?;
    let (value, pullback) = partials_vjp(&point);
    if value.to_flat() != partials(&point).to_flat() {
        return Err("{vjp of the partials} its value is not the partials".to_string());
    }
    let partials_bar: P = from_flat(&vec![F::from_f64(0.75); value.dim()]);
    let (first, again) = (pullback(partials_bar.clone()), pullback(partials_bar));
    if first.to_flat() != again.to_flat() {
        return Err("{vjp of the partials} a second call of the pullback differs".to_string());
    }

    // 3. the total second derivative, through y = f(x)
    let inputs: P = from_flat(x);
    let derivative = |inputs: &P| {
        let x = inputs.to_flat();
        partials(&from_flat(&append(&x, primal(&x))))
    };
    let second_derivative = |inputs: &P, inputs_dot: &P| {
        let x = inputs.to_flat();
        let point: X = from_flat(&append(&x, primal(&x)));
        let y_dot = partials(&point).inner(inputs_dot);
        partials_jvp(&point, &from_flat(&append(&inputs_dot.to_flat(), y_dot)))
    };
    let total_report = check::jvp(derivative, second_derivative, &inputs, &jvp_config)
        .map_err(|failure| format!("{{second derivative}} {failure}"))?;

    Ok(partials_report
        .max_rel_error
        .max(total_report.max_rel_error))
}

/// The companions of one method behind flat signatures; the pullbacks must be `'static`, which
/// checks that they capture only owned values.
fn second_order<F, X, P, B>(
    partials: impl Fn(&X) -> P + 'static,
    partials_jvp: impl Fn(&X, &X) -> (P, P) + 'static,
    partials_vjp: impl Fn(&X) -> (P, B) + 'static,
) -> SecondOrder<F>
where
    F: Real + Tangent<Scalar = F>,
    X: Tangent<Scalar = F> + Default + 'static,
    P: Tangent<Scalar = F> + Default + 'static,
    B: Fn(P) -> X + 'static,
{
    let partials_jvp = Rc::new(partials_jvp);
    let partials_vjp = Rc::new(partials_vjp);
    let (jvp, vjp) = (Rc::clone(&partials_jvp), Rc::clone(&partials_vjp));
    SecondOrder {
        check: Box::new(move |x, primal, seed| {
            check_second_order(x, primal, seed, &partials, &*jvp, &*vjp)
        }),
        jvp: Box::new(move |point, point_dot| {
            let (p, p_dot) = partials_jvp(&from_flat(point), &from_flat(point_dot));
            (p.to_flat(), p_dot.to_flat())
        }),
        vjp: Box::new(move |point, partials_bar| {
            partials_vjp(&from_flat(point)).1(from_flat(partials_bar)).to_flat()
        }),
    }
}

/// `rules_f64::rules()` and `rules_f32::rules()`: every method, its primal spelled with the inherent
/// method of the concrete float type (so it is Rust's own), its partials from the table.
macro_rules! rules_for {
    ($module:ident, $float:ty) => {
        mod $module {
            use super::{POWI_EXPONENTS, Rule, scalar, second_order};
            type F = $float;

            /// Every rule, keyed by method name (`powi` once per exponent).
            pub fn rules() -> Vec<(&'static str, Rule<F>)> {
                let mut rules: Vec<(&'static str, Rule<F>)> = Vec::new();
                let unary = unary!(
                    (abs, abs_jvp, abs_vjp),
                    (signum, signum_jvp, signum_vjp),
                    (sqrt, sqrt_jvp, sqrt_vjp),
                    (cbrt, cbrt_jvp, cbrt_vjp),
                    (exp, exp_jvp, exp_vjp),
                    (exp2, exp2_jvp, exp2_vjp),
                    (exp_m1, exp_m1_jvp, exp_m1_vjp),
                    (ln, ln_jvp, ln_vjp),
                    (ln_1p, ln_1p_jvp, ln_1p_vjp),
                    (log2, log2_jvp, log2_vjp),
                    (log10, log10_jvp, log10_vjp),
                    (recip, recip_jvp, recip_vjp),
                    (sin, sin_jvp, sin_vjp),
                    (cos, cos_jvp, cos_vjp),
                    (tan, tan_jvp, tan_vjp),
                    (asin, asin_jvp, asin_vjp),
                    (acos, acos_jvp, acos_vjp),
                    (atan, atan_jvp, atan_vjp),
                    (sinh, sinh_jvp, sinh_vjp),
                    (cosh, cosh_jvp, cosh_vjp),
                    (tanh, tanh_jvp, tanh_vjp),
                    (asinh, asinh_jvp, asinh_vjp),
                    (acosh, acosh_jvp, acosh_vjp),
                    (atanh, atanh_jvp, atanh_vjp),
                    (floor, floor_jvp, floor_vjp),
                    (ceil, ceil_jvp, ceil_vjp),
                    (round, round_jvp, round_vjp),
                    (trunc, trunc_jvp, trunc_vjp),
                );
                let binary = binary!(
                    (powf, powf_jvp, powf_vjp),
                    (log, log_jvp, log_vjp),
                    (atan2, atan2_jvp, atan2_vjp),
                    (hypot, hypot_jvp, hypot_vjp),
                    (max, max_jvp, max_vjp),
                    (min, min_jvp, min_vjp),
                );
                let ternary = ternary!(
                    (mul_add, mul_add_jvp, mul_add_vjp),
                    (clamp, clamp_jvp, clamp_vjp),
                );
                for rule in unary.into_iter().chain(binary).chain(ternary) {
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
                            second: second_order(
                                move |&(x, y): &(F, F)| scalar::powi(x, n, y),
                                move |&(x, y): &(F, F), &(x_dot, y_dot): &(F, F)| {
                                    scalar::powi_jvp(x, n, y, x_dot, y_dot)
                                },
                                move |&(x, y): &(F, F)| scalar::powi_vjp(x, n, y),
                            ),
                        },
                    ));
                }
                rules
            }
        }
    };
}
rules_for!(rules_f64, f64);
rules_for!(rules_f32, f32);

/// Checks every rule at sampled points: forward mode against finite differences of the primal,
/// reverse mode (the partials times the adjoint) against forward mode, and the second-order
/// companions by [`check_second_order`]. Collects all failures.
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
    let mut worst_second = (0.0f64, String::new());
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
            match (rule.second.check)(&x, &rule.primal, seed) {
                Ok(error) => {
                    if error > worst_second.0 {
                        worst_second = (error, format!("{} at {x:?}", rule.label));
                    }
                }
                Err(failure) => failures.push(format!("{} at {x:?}: {failure}", rule.label)),
            }
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
    println!(
        "largest relative error of the second order: {:.2e} ({})",
        worst_second.0, worst_second.1
    );
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

// ----- edge cases of the second-order companions -----

/// The methods whose partials are constant, so that their second partials are 0 and the tangent
/// of `y` stays finite at a NaN receiver: the piecewise constant methods, the selections, and
/// `powi` with n = 0, 1 (p = 0, 1). Others with constant second partials, `mul_add` and `powi`
/// with n = 2 (p = 2x), have a NaN tangent of y there, and their zero second partial in y times
/// NaN is NaN: the companions multiply as IEEE does, like the first-order rules.
fn has_constant_partials(name: &str, label: &str) -> bool {
    PIECEWISE_CONSTANT.contains(&name)
        || ["max", "min", "clamp"].contains(&name)
        || ["powi(n = 0)", "powi(n = 1)"].contains(&label)
}

/// The total second derivative of a rule along `x_dot`, from its flat jvp: the tangent of `y` is
/// ⟨p, ẋ⟩.
fn total_second_derivative(rule: &Rule<f64>, x: &[f64], x_dot: &[f64]) -> Vec<f64> {
    let y = (rule.primal)(x);
    let p = (rule.partials)(x, y);
    let y_dot = p.iter().zip(x_dot).map(|(p, v)| p * v).sum();
    let (partials, partials_dot) = (rule.second.jvp)(&append(x, y), &append(x_dot, y_dot));
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&partials),
        bits(&p),
        "{}: the jvp's value is the partials",
        rule.label
    );
    partials_dot
}

#[test]
fn second_order_nan_propagates_except_for_constant_partials() {
    for (name, rule) in rules_f64::rules() {
        let arity = METHODS.iter().find(|(m, _)| *m == name).unwrap().1;
        // NaN in the receiver, ordinary values elsewhere (2.5: not an exponent with a constant
        // second partial)
        let x: Vec<f64> = [f64::NAN, 2.5, 3.0][..arity].to_vec();
        let second = total_second_derivative(&rule, &x, &vec![1.0; arity]);
        if has_constant_partials(name, &rule.label) {
            assert!(
                second.iter().all(|d| d.is_finite()),
                "{}: {second:?}",
                rule.label
            );
        } else {
            assert!(
                second.iter().all(|d| d.is_nan()),
                "{}: {second:?}",
                rule.label
            );
        }
    }
}

#[test]
fn second_order_never_panics_on_nan_or_infinity() {
    let specials = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, 1.0];
    for (_, rule) in rules_f64::rules() {
        let arity = (rule.partials)(&[1.0, 1.0, 2.0], 1.0).len();
        // every combination of special inputs and outputs (inconsistent ones included: the
        // companions must not panic regardless)
        let mut point = vec![0.0; arity + 1];
        for index in 0..specials.len().pow(point.len() as u32) {
            let mut rest = index;
            for slot in point.iter_mut() {
                *slot = specials[rest % specials.len()];
                rest /= specials.len();
            }
            let (partials, partials_dot) = (rule.second.jvp)(&point, &vec![1.0; arity + 1]);
            assert_eq!((partials.len(), partials_dot.len()), (arity, arity));
            let adjoints = (rule.second.vjp)(&point, &vec![1.0; arity]);
            assert_eq!(adjoints.len(), arity + 1);
        }
    }
}

/// A unit vector.
fn unit(len: usize, index: usize) -> Vec<f64> {
    (0..len).map(|k| f64::from(k == index)).collect()
}

/// The second partials of a rule at flat (inputs..., y): row i is ∂pᵢ/∂(inputs..., y).
///
/// Each entry is read twice, from the jvp along a unit tangent (column j) and from the pullback
/// of a unit cotangent (row i). The zeros of a unit vector multiply the other entries of the
/// row, or of the column, and 0·∞ is NaN, so an entry next to an infinite one reads NaN one
/// way; the other way gives it unless its row and its column both hold an infinity.
fn second_partials(rule: &Rule<f64>, point: &[f64]) -> Vec<Vec<f64>> {
    let columns: Vec<Vec<f64>> = (0..point.len())
        .map(|j| (rule.second.jvp)(point, &unit(point.len(), j)).1)
        .collect();
    let rows: Vec<Vec<f64>> = (0..columns[0].len())
        .map(|i| (rule.second.vjp)(point, &unit(columns[0].len(), i)))
        .collect();
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .zip(&columns)
                .map(|(from_row, column)| {
                    if column[i].is_nan() {
                        *from_row
                    } else {
                        column[i]
                    }
                })
                .collect()
        })
        .collect()
}

fn rule(label: &str) -> Rule<f64> {
    rules_f64::rules()
        .into_iter()
        .map(|(_, rule)| rule)
        .find(|rule| rule.label == label)
        .unwrap_or_else(|| panic!("no rule `{label}`"))
}

#[test]
fn second_partials_are_zero_where_the_first_are_constant_by_convention() {
    let zeros = |rule: &Rule<f64>, x: &[f64]| {
        let y = if rule.label == "clamp" {
            x[0].max(x[1]).min(x[2])
        } else {
            (rule.primal)(x)
        };
        let second = second_partials(rule, &append(x, y));
        assert!(
            second.iter().flatten().all(|d| *d == 0.0),
            "{} at {x:?}: {second:?}",
            rule.label
        );
    };
    // abs at its kink
    zeros(&rule("abs"), &[0.0]);
    zeros(&rule("abs"), &[-0.0]);
    // hypot and atan2 at the origin, any signs of zero
    for (a, b) in [(0.0, 0.0), (-0.0, 0.0), (0.0, -0.0), (-0.0, -0.0)] {
        zeros(&rule("hypot"), &[a, b]);
        zeros(&rule("atan2"), &[a, b]);
    }
    // selections at ties and with NaN
    for name in ["max", "min"] {
        for x in [[1.0, 1.0], [0.0, -0.0], [f64::NAN, 2.0], [2.0, f64::NAN]] {
            zeros(&rule(name), &x);
        }
    }
    for x in [
        [0.0, 0.0, 1.0],
        [1.0, 0.0, 1.0],
        [f64::NAN, 0.0, 1.0],
        [5.0, 0.0, 1.0],
    ] {
        zeros(&rule("clamp"), &x);
    }
    // x⁰ and x¹ at 0 and NaN, where xⁿ⁻² is infinite or NaN
    for x in [0.0, -0.0, f64::NAN, f64::INFINITY] {
        zeros(&rule("powi(n = 0)"), &[x]);
        zeros(&rule("powi(n = 1)"), &[x]);
    }
}

#[test]
fn second_order_of_roots_at_zero_is_the_one_sided_value() {
    // d²/dx² √x = −x^(−3/2)/4 → −∞ as x → 0⁺, also for −0.0 (whose root is −0.0)
    for x in [0.0f64, -0.0] {
        assert_eq!(scalar::sqrt_jvp(x, x.sqrt(), 0.0, 1.0).1, f64::NEG_INFINITY);
        let p = scalar::sqrt(x, x.sqrt());
        assert_eq!(scalar::sqrt_jvp(x, x.sqrt(), 1.0, p).1, f64::NEG_INFINITY);
    }
    // ∛x: −∞ on the right of 0, +∞ on the left, following the sign of the zero
    assert_eq!(scalar::cbrt_jvp(0.0f64, 0.0, 0.0, 1.0).1, f64::NEG_INFINITY);
    assert_eq!(scalar::cbrt_jvp(-0.0f64, -0.0, 0.0, 1.0).1, f64::INFINITY);
    assert_eq!(scalar::cbrt_jvp(0.0f32, 0.0, 0.0, 1.0).1, f32::NEG_INFINITY);
    // and the reverse companions agree
    assert_eq!(
        scalar::sqrt_vjp(0.0f64, 0.0).1(1.0),
        (0.0, f64::NEG_INFINITY)
    );
    assert_eq!(scalar::cbrt_vjp(-0.0f64, -0.0).1(1.0), (0.0, f64::INFINITY));
}

#[test]
fn second_order_limits_at_infinity_stay_finite() {
    let inf = f64::INFINITY;
    for (name, x) in [
        ("atan", inf),
        ("atan", -inf),
        ("asinh", inf),
        ("asinh", -inf),
        ("acosh", inf),
        ("tanh", inf),
        ("tanh", -inf),
        ("sqrt", inf),
        ("ln", inf),
    ] {
        let rule = rule(name);
        let first = (rule.partials)(&[x], (rule.primal)(&[x]))[0];
        assert_eq!(first, 0.0, "{name}({x}): the first order is 0 here");
        let second = total_second_derivative(&rule, &[x], &[1.0]);
        assert_eq!(second, vec![0.0], "{name}({x})");
    }
    // large finite inputs: no overflow to NaN either
    for (name, x) in [
        ("atan", 1e200),
        ("asinh", -1e200),
        ("acosh", 1e200),
        ("tanh", 400.0),
    ] {
        let second = total_second_derivative(&rule(name), &[x], &[1.0]);
        assert!(second[0].is_finite(), "{name}({x}): {second:?}");
    }
    let (a, b) = (1e200f64, -3e200);
    let (_, p_dot) = scalar::atan2_jvp(a, b, a.atan2(b), 1.0, 1.0, 0.0);
    assert!(p_dot.0.is_finite() && p_dot.1.is_finite(), "{p_dot:?}");
}

#[test]
fn second_order_singularities_go_where_the_formula_takes_them() {
    let inf = f64::INFINITY;
    // d/dx of the partials at the ends of the domains
    assert_eq!(scalar::asin_jvp(1.0f64, 1f64.asin(), 1.0, 0.0).1, inf);
    assert_eq!(scalar::asin_jvp(-1.0f64, (-1f64).asin(), 1.0, 0.0).1, -inf);
    assert_eq!(scalar::acos_jvp(1.0f64, 0.0, 1.0, 0.0).1, -inf);
    assert_eq!(scalar::atanh_jvp(1.0f64, inf, 1.0, 0.0).1, inf);
    assert_eq!(scalar::acosh_jvp(1.0f64, 0.0, 1.0, 0.0).1, -inf);
    assert_eq!(scalar::ln_jvp(0.0f64, -inf, 1.0, 0.0).1, -inf);
    assert_eq!(scalar::ln_1p_jvp(-1.0f64, -inf, 1.0, 0.0).1, -inf);
    assert_eq!(scalar::log2_jvp(0.0f64, -inf, 1.0, 0.0).1, -inf);
}

#[test]
fn second_order_of_powi_and_powf_edge_cases() {
    // the most negative exponents do not overflow n − 1 or n − 2; at x = 1 the second
    // derivative is n(n − 1)
    for n in [i32::MIN, i32::MIN + 1] {
        let p = scalar::powi(1.0f64, n, 1.0);
        let (_, second) = scalar::powi_jvp(1.0f64, n, 1.0, 1.0, p);
        let expected = f64::from(n) * (f64::from(n) - 1.0);
        assert_eq!(second, expected, "n = {n}");
    }
    // x² has the constant second derivative 2, also at NaN
    assert_eq!(scalar::powi_jvp(f64::NAN, 2, f64::NAN, 1.0, 0.0).1, 2.0);

    let powf = rule("powf");
    // a base of 0: the row of ∂/∂b is 0, and ∂pₐ/∂b is 0 (next to ∂pₐ/∂a = −∞ for b = 0.5)
    for b in [0.5, 1.0, 2.0, 3.5] {
        let second = second_partials(&powf, &[0.0, b, 0.0f64.powf(b)]);
        assert_eq!(second[1], vec![0.0; 3], "b = {b}");
        assert_eq!(second[0][1], 0.0, "b = {b}");
    }
    // ∂pₐ/∂a at a base of 0: b(b − 1)·0^(b−2), 2 for b = 2, 0 for b = 1 (not 0·∞)
    assert_eq!(second_partials(&powf, &[0.0, 2.0, 0.0])[0][0], 2.0);
    assert_eq!(second_partials(&powf, &[0.0, 1.0, 0.0])[0][0], 0.0);
    assert_eq!(second_partials(&powf, &[0.0, 0.0, 1.0])[0], vec![0.0; 3]);
    // a zero exponent: pₐ = 0 is constant in a, and ∂pₐ/∂b = 1/a, the true mixed derivative
    let second = second_partials(&powf, &[4.0, 0.0, 1.0]);
    assert_eq!(second[0], vec![0.0, 0.25, 0.0]);
    assert_eq!(second[1], vec![0.25, 0.0, 4f64.ln()]);
    // y = 0 (here +∞ to a negative power): the row of ∂/∂b is 0, like the first order
    let second = second_partials(&powf, &[f64::INFINITY, -2.0, 0.0]);
    assert_eq!(second[1], vec![0.0; 3]);
    // a negative base: no derivative in b
    let second = second_partials(&powf, &[-2.0, 2.0, 4.0]);
    assert_eq!(second[0][0], 2.0);
    assert!(second[0][1].is_nan() && second[1][2].is_nan(), "{second:?}");
}

#[test]
fn second_order_keeps_the_accuracy_of_the_first() {
    // tanh'' = −2·tanh·sech², relative accuracy kept where 1 − tanh² cancels
    let x = 20.0f64;
    let p = scalar::tanh(x, x.tanh());
    let (_, second) = scalar::tanh_jvp(x, x.tanh(), 1.0, p);
    let expected = -8.0 * (-2.0 * x).exp(); // −2·tanh x/cosh² x ≈ −8e^(−2x)
    assert!(
        (second / expected - 1.0).abs() < 1e-12,
        "{second} vs {expected}"
    );
    // atan2 far from the origin: r⁴ would overflow
    let (a, b) = (1e100f64, 1e100);
    let (_, p_dot) = scalar::atan2_jvp(a, b, a.atan2(b), 1.0, 0.0, 0.0);
    // ∂pₐ/∂a = −2ab/r⁴ = −1/(2·1e200), ∂p_b/∂a = (a² − b²)/r⁴ = 0
    assert!(
        (p_dot.0 * 2e200 + 1.0).abs() < 1e-12 && p_dot.1 == 0.0,
        "{p_dot:?}"
    );
}

#[test]
fn pullbacks_are_owned_and_reusable() {
    // built in a scope and used outside it, more than once
    let pullbacks: Vec<_> = (1..4)
        .map(|i| {
            let (a, b) = (f64::from(i), 2.0);
            scalar::hypot_vjp(a, b, a.hypot(b)).1
        })
        .collect();
    for pullback in &pullbacks {
        assert_eq!(pullback((1.0, -1.0)), pullback((1.0, -1.0)));
    }
    let (_, pullback) = scalar::powi_vjp(2.0f32, 3, 8.0);
    assert_eq!(pullback(1.0), (12.0, 0.0));
    assert_eq!(pullback(0.5), (6.0, 0.0));
    let (partials, pullback) = scalar::clamp_vjp(0.5f64, 0.0, 1.0, 0.5);
    assert_eq!(partials, (1.0, 0.0, 0.0));
    assert_eq!(pullback((1.0, 1.0, 1.0)), (0.0, 0.0, 0.0, 0.0));
    let (_, pullback) = scalar::mul_add_vjp(2.0f64, 3.0, 1.0, 7.0);
    // p = (b, a, 1): ā = p̄_b, b̄ = p̄ₐ
    assert_eq!(pullback((1.0, 10.0, 100.0)), (10.0, 1.0, 0.0, 0.0));
}
