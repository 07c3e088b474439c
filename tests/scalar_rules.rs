//! Every float method with a derivative rule, through `#[differentiate]`, in both spellings
//! (`x.sin()` and `f64::sin(x)`), each checked in forward mode (against finite differences) and
//! in reverse mode (the dot-product test against forward mode) at points drawn from the rule's
//! domain. Binary and ternary rules are checked with every argument active, and again with only
//! one of them active; a few rules run in `f32`.
//!
//! Each rule gets a module holding the two annotated spellings and a test for each:
//! `sin::method` checks `x.sin()`, `sin::path` checks `f64::sin(x)`.

mod common;

use common::{Domain, Sampler, check_binary, check_ternary, check_unary};
use matcalc::{Real, differentiate};

/// How many points each rule is checked at.
const POINTS: usize = 5;

fn points<F: Real>(domain: &Domain) -> Vec<F> {
    Sampler::seeded().points(domain, POINTS)
}

fn pairs<F: Real>(a: &Domain, b: &Domain, keep: impl Fn(F, F) -> bool) -> Vec<(F, F)> {
    Sampler::seeded().pairs(a, b, POINTS, keep)
}

fn triples<F: Real>(
    domains: (&Domain, &Domain, &Domain),
    keep: impl Fn(F, F, F) -> bool,
) -> Vec<(F, F, F)> {
    Sampler::seeded().triples(domains, POINTS, keep)
}

/// `name: F, |x| { method spelling } { path spelling } in domain;` makes the module `name` with
/// the two annotated functions of one active `F` and a test for each.
macro_rules! unary_rules {
    ($($name:ident: $t:ident, |$x:ident| { $($m:tt)* } { $($p:tt)* } in $domain:expr;)*) => {$(
        mod $name {
            use super::*;

            #[differentiate]
            fn by_method($x: $t) -> $t {
                $($m)*
            }

            #[differentiate]
            fn by_path($x: $t) -> $t {
                $($p)*
            }

            #[test]
            fn method() {
                check_unary(by_method, by_method_jvp, by_method_vjp, &points::<$t>(&$domain));
            }

            #[test]
            fn path() {
                check_unary(by_path, by_path_jvp, by_path_vjp, &points::<$t>(&$domain));
            }
        }
    )*};
}

/// As [`unary_rules`] for two active arguments, with a filter on the sampled pairs.
macro_rules! binary_rules {
    ($($name:ident: $t:ident, |$a:ident, $b:ident| { $($m:tt)* } { $($p:tt)* }
        in ($da:expr, $db:expr) if $keep:expr;)*) => {$(
        mod $name {
            use super::*;

            #[differentiate]
            fn by_method($a: $t, $b: $t) -> $t {
                $($m)*
            }

            #[differentiate]
            fn by_path($a: $t, $b: $t) -> $t {
                $($p)*
            }

            #[test]
            fn method() {
                check_binary(by_method, by_method_jvp, by_method_vjp, &pairs::<$t>(&$da, &$db, $keep));
            }

            #[test]
            fn path() {
                check_binary(by_path, by_path_jvp, by_path_vjp, &pairs::<$t>(&$da, &$db, $keep));
            }
        }
    )*};
}

/// As [`unary_rules`] for three active arguments.
macro_rules! ternary_rules {
    ($($name:ident: $t:ident, |$a:ident, $b:ident, $c:ident| { $($m:tt)* } { $($p:tt)* }
        in ($da:expr, $db:expr, $dc:expr) if $keep:expr;)*) => {$(
        mod $name {
            use super::*;

            #[differentiate]
            fn by_method($a: $t, $b: $t, $c: $t) -> $t {
                $($m)*
            }

            #[differentiate]
            fn by_path($a: $t, $b: $t, $c: $t) -> $t {
                $($p)*
            }

            #[test]
            fn method() {
                check_ternary(by_method, by_method_jvp, by_method_vjp, &triples::<$t>((&$da, &$db, &$dc), $keep));
            }

            #[test]
            fn path() {
                check_ternary(by_path, by_path_jvp, by_path_vjp, &triples::<$t>((&$da, &$db, &$dc), $keep));
            }
        }
    )*};
}

// ----- one input -----

unary_rules! {
    abs: f64, |x| { x.abs() } { f64::abs(x) } in Domain::nonzero();
    sqrt: f64, |x| { x.sqrt() } { f64::sqrt(x) } in Domain::positive();
    cbrt: f64, |x| { x.cbrt() } { f64::cbrt(x) } in Domain::nonzero();
    exp: f64, |x| { x.exp() } { f64::exp(x) } in Domain::any();
    exp2: f64, |x| { x.exp2() } { f64::exp2(x) } in Domain::any();
    exp_m1: f64, |x| { x.exp_m1() } { f64::exp_m1(x) } in Domain::any();
    ln: f64, |x| { x.ln() } { f64::ln(x) } in Domain::positive();
    ln_1p: f64, |x| { x.ln_1p() } { f64::ln_1p(x) } in Domain::new(-0.8, 4.0);
    log2: f64, |x| { x.log2() } { f64::log2(x) } in Domain::positive();
    log10: f64, |x| { x.log10() } { f64::log10(x) } in Domain::positive();
    recip: f64, |x| { x.recip() } { f64::recip(x) } in Domain::nonzero();
    sin: f64, |x| { x.sin() } { f64::sin(x) } in Domain::any();
    cos: f64, |x| { x.cos() } { f64::cos(x) } in Domain::any();
    tan: f64, |x| { x.tan() } { f64::tan(x) } in Domain::new(-1.2, 1.2);
    asin: f64, |x| { x.asin() } { f64::asin(x) } in Domain::open_unit();
    acos: f64, |x| { x.acos() } { f64::acos(x) } in Domain::open_unit();
    atan: f64, |x| { x.atan() } { f64::atan(x) } in Domain::any();
    sinh: f64, |x| { x.sinh() } { f64::sinh(x) } in Domain::any();
    cosh: f64, |x| { x.cosh() } { f64::cosh(x) } in Domain::any();
    tanh: f64, |x| { x.tanh() } { f64::tanh(x) } in Domain::any();
    asinh: f64, |x| { x.asinh() } { f64::asinh(x) } in Domain::any();
    acosh: f64, |x| { x.acosh() } { f64::acosh(x) } in Domain::above_one();
    atanh: f64, |x| { x.atanh() } { f64::atanh(x) } in Domain::open_unit();
    powi_cube: f64, |x| { x.powi(3) } { f64::powi(x, 3) } in Domain::any();
    powi_negative: f64, |x| { x.powi(-2) } { f64::powi(x, -2) } in Domain::nonzero();
    powi_zero: f64, |x| { x.powi(0) * x } { f64::powi(x, 0) * x } in Domain::any();
    powi_one: f64, |x| { x.powi(1) } { f64::powi(x, 1) } in Domain::any();
}

// The piecewise constant methods have derivative 0; multiplied by `x`, the derivative is the
// method's value, so that a wrong (nonzero) rule or a wrong primal shows.
unary_rules! {
    signum: f64, |x| { x.signum() * x } { f64::signum(x) * x } in Domain::nonzero();
    floor: f64, |x| { x.floor() * x } { f64::floor(x) * x } in Domain::off_half_integers();
    ceil: f64, |x| { x.ceil() * x } { f64::ceil(x) * x } in Domain::off_half_integers();
    round: f64, |x| { x.round() * x } { f64::round(x) * x } in Domain::off_half_integers();
    trunc: f64, |x| { x.trunc() * x } { f64::trunc(x) * x } in Domain::off_half_integers();
}

// ----- two and three inputs, all active -----

binary_rules! {
    powf: f64, |a, b| { a.powf(b) } { f64::powf(a, b) }
        in (Domain::positive(), Domain::any()) if |_, _| true;
    log: f64, |a, b| { a.log(b) } { f64::log(a, b) }
        in (Domain::positive(), Domain::new(1.5, 4.0)) if |_, _| true;
    atan2: f64, |a, b| { a.atan2(b) } { f64::atan2(a, b) }
        in (Domain::any(), Domain::any()) if |a: f64, b: f64| a.hypot(b) > 0.3 && (b > 0.2 || a.abs() > 0.2);
    hypot: f64, |a, b| { a.hypot(b) } { f64::hypot(a, b) }
        in (Domain::any(), Domain::any()) if |a: f64, b: f64| a.hypot(b) > 0.3;
    max: f64, |a, b| { a.max(b) } { f64::max(a, b) }
        in (Domain::any(), Domain::any()) if |a: f64, b: f64| (a - b).abs() > 0.3;
    min: f64, |a, b| { a.min(b) } { f64::min(a, b) }
        in (Domain::any(), Domain::any()) if |a: f64, b: f64| (a - b).abs() > 0.3;
}

ternary_rules! {
    mul_add: f64, |a, b, c| { a.mul_add(b, c) } { f64::mul_add(a, b, c) }
        in (Domain::any(), Domain::any(), Domain::any()) if |_, _, _| true;
    // x below, inside and above [lo, hi]: the derivative goes to lo, x and hi in turn.
    clamp: f64, |x, lo, hi| { x.clamp(lo, hi) } { f64::clamp(x, lo, hi) }
        in (Domain::new(-3.0, 3.0), Domain::new(-1.5, -0.5), Domain::new(0.5, 1.5))
        if |x: f64, lo: f64, hi: f64| (x - lo).abs() > 0.2 && (x - hi).abs() > 0.2;
}

// ----- one argument of a binary rule active, the other a constant -----

unary_rules! {
    powf_constant_exponent: f64, |x| { x.powf(2.5) } { f64::powf(x, 2.5) } in Domain::positive();
    powf_constant_base: f64, |x| { 2.0f64.powf(x) } { f64::powf(2.0f64, x) } in Domain::any();
    log_constant_base: f64, |x| { x.log(3.0) } { f64::log(x, 3.0) } in Domain::positive();
    log_constant_argument: f64, |x| { 5.0f64.log(x) } { f64::log(5.0f64, x) } in Domain::new(1.5, 4.0);
    atan2_constant_x: f64, |y| { y.atan2(1.5) } { f64::atan2(y, 1.5) } in Domain::any();
    atan2_constant_y: f64, |x| { 1.5f64.atan2(x) } { f64::atan2(1.5f64, x) } in Domain::any();
    hypot_constant: f64, |x| { x.hypot(0.75) } { f64::hypot(x, 0.75) } in Domain::any();
    relu: f64, |x| { x.max(0.0) } { f64::max(x, 0.0) } in Domain::nonzero();
    min_constant: f64, |x| { x.min(1.0) } { f64::min(x, 1.0) }
        in Domain::any().avoiding(common::Kinks { period: f64::INFINITY, phase: 1.0, margin: 0.2 });
    clamp_constant_bounds: f64, |x| { x.clamp(-1.0, 1.0) } { f64::clamp(x, -1.0, 1.0) }
        in Domain::any().avoiding(common::Kinks { period: 2.0, phase: 1.0, margin: 0.2 });
    mul_add_constant: f64, |x| { x.mul_add(2.0, 1.0) } { f64::mul_add(x, 3.0, -1.0) } in Domain::any();
    mul_add_addend: f64, |x| { 2.0f64.mul_add(3.0, x) } { f64::mul_add(x, x, x) } in Domain::any();
}

// The path spelling with an unsuffixed literal first: the literal takes the float type of the
// active argument.
unary_rules! {
    literal_first_powf: f64, |x| { f64::powf(2.0, x) } { f64::powf(2.0, x * 1.0) } in Domain::any();
    literal_first_log: f64, |x| { f64::log(5.0, x) } { f64::log(5.0, x * 1.0) } in Domain::new(1.5, 4.0);
    literal_first_atan2: f64, |x| { f64::atan2(1.5, x) } { f64::atan2(1.5, x * 1.0) } in Domain::any();
    literal_first_hypot: f64, |x| { f64::hypot(0.75, x) } { f64::hypot(0.75, x * 1.0) } in Domain::any();
    literal_first_max: f64, |x| { f64::max(0.0, x) } { f64::max(0.0, x * 1.0) } in Domain::nonzero();
    literal_first_min: f64, |x| { f64::min(1.0, x) } { f64::min(1.0, x * 1.0) }
        in Domain::any().avoiding(common::Kinks { period: f64::INFINITY, phase: 1.0, margin: 0.2 });
    literal_first_mul_add: f64, |x| { f64::mul_add(3.0, x, -1.0) } { f64::mul_add(3.0, x * 1.0, -1.0) } in Domain::any();
    literal_first_f32: f32, |x| { f32::max(0.0, x) } { f32::atan2(1.5, x * 1.0) } in Domain::nonzero();
}

// ----- compositions: a rule applied to the result of another operation -----

unary_rules! {
    composed_receiver: f64, |x| { (x * x + 1.0).ln() } { f64::ln(x * x + 1.0) } in Domain::any();
    chained: f64, |x| { x.sin().exp().sqrt() } { f64::sqrt(f64::exp(f64::sin(x))) } in Domain::any();
}

binary_rules! {
    shared_argument: f64, |a, b| { a.atan2(b) * a.hypot(b) + a.powf(b.abs()) }
        { f64::atan2(a, b) * f64::hypot(a, b) + f64::powf(a, f64::abs(b)) }
        in (Domain::positive(), Domain::nonzero()) if |_, _| true;
}

// ----- f32 -----

unary_rules! {
    sin_f32: f32, |x| { x.sin() } { f32::sin(x) } in Domain::any();
    exp_f32: f32, |x| { x.exp() } { f32::exp(x) } in Domain::any();
    sqrt_f32: f32, |x| { x.sqrt() } { f32::sqrt(x) } in Domain::positive();
    ln_f32: f32, |x| { x.ln() } { f32::ln(x) } in Domain::positive();
    tanh_f32: f32, |x| { x.tanh() } { f32::tanh(x) } in Domain::any();
    powi_f32: f32, |x| { x.powi(3) } { f32::powi(x, 3) } in Domain::any();
    powf_f32: f32, |x| { x.powf(1.5) } { f32::powf(x, 1.5) } in Domain::positive();
    acosh_f32: f32, |x| { x.acosh() } { f32::acosh(x) } in Domain::above_one();
    floor_f32: f32, |x| { x.floor() * x } { f32::floor(x) * x } in Domain::off_half_integers();
}

binary_rules! {
    atan2_f32: f32, |a, b| { a.atan2(b) } { f32::atan2(a, b) }
        in (Domain::any(), Domain::positive()) if |_, _| true;
    hypot_f32: f32, |a, b| { a.hypot(b) } { f32::hypot(a, b) }
        in (Domain::any(), Domain::any()) if |a: f32, b: f32| a.hypot(b) > 0.3;
    max_f32: f32, |a, b| { a.max(b) } { f32::max(a, b) }
        in (Domain::any(), Domain::any()) if |a: f32, b: f32| (a - b).abs() > 0.3;
}

ternary_rules! {
    mul_add_f32: f32, |a, b, c| { a.mul_add(b, c) } { f32::mul_add(a, b, c) }
        in (Domain::any(), Domain::any(), Domain::any()) if |_, _, _| true;
}

// ----- an inactive integer exponent, and closed-form spot checks of the gradients -----

#[differentiate]
fn powi_by_parameter(x: f64, n: i32) -> f64 {
    x.powi(n)
}

#[test]
fn powi_inactive_exponent() {
    for n in [-3, -1, 0, 1, 2, 5] {
        check_unary(
            |x| powi_by_parameter(x, n),
            |x, d| powi_by_parameter_jvp(x, n, d),
            |x| powi_by_parameter_vjp(x, n),
            &points::<f64>(&Domain::nonzero()),
        );
    }
}

#[differentiate]
fn every_unary(x: f64) -> f64 {
    x.sin() + x.cos() + x.tan() + x.exp() + x.exp2() + x.exp_m1() + x.ln() + x.ln_1p() - x.log2()
        + x.log10()
        + x.sqrt()
        + x.cbrt()
        + x.recip()
        + x.asin()
        + x.acos()
        + x.atan()
        + x.sinh()
        + x.cosh()
        + x.tanh()
        + x.asinh()
        + x.atanh()
        + (x + 1.0).acosh()
        + x.abs()
}

#[test]
fn gradients_in_closed_form() {
    use common::assert_close;
    let x = 0.3f64;
    let (v, g) = every_unary_grad(x);
    assert_eq!(v, every_unary(x));
    let want = x.cos() - x.sin()
        + 1.0 / x.cos().powi(2)
        + x.exp()
        + x.exp2() * 2f64.ln()
        + x.exp()
        + 1.0 / x
        + 1.0 / (1.0 + x)
        - 1.0 / (x * 2f64.ln())
        + 1.0 / (x * 10f64.ln())
        + 0.5 / x.sqrt()
        + 1.0 / (3.0 * x.cbrt().powi(2))
        - 1.0 / (x * x)
        + 1.0 / (1.0 - x * x).sqrt()
        - 1.0 / (1.0 - x * x).sqrt()
        + 1.0 / (1.0 + x * x)
        + x.cosh()
        + x.sinh()
        + 1.0
        - x.tanh().powi(2)
        + 1.0 / (x * x + 1.0).sqrt()
        + 1.0 / (1.0 - x * x)
        + 1.0 / ((x + 1.0).powi(2) - 1.0).sqrt()
        + 1.0;
    assert_close(g, want, 1e-13);
    let (_, t) = every_unary_jvp(x, 1.0);
    assert_close(t, want, 1e-13);

    let (_, (ga, gb)) = atan2_of_grad(1.5, -0.5);
    // d/da atan2(a, b) = b / (a² + b²), d/db = -a / (a² + b²)
    assert_close(ga, -0.5 / 2.5, 1e-15);
    assert_close(gb, -1.5 / 2.5, 1e-15);
}

#[differentiate]
fn atan2_of(a: f64, b: f64) -> f64 {
    a.atan2(b)
}

// ----- the documented conventions at kinks and singular points, through the macro -----

#[differentiate]
fn at_kink_abs(x: f64) -> f64 {
    x.abs()
}

#[differentiate]
fn at_kink_max(a: f64, b: f64) -> f64 {
    a.max(b)
}

#[differentiate]
fn at_kink_min(a: f64, b: f64) -> f64 {
    f64::min(a, b)
}

#[differentiate]
fn at_kink_clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.clamp(lo, hi)
}

#[differentiate]
fn at_kink_hypot(a: f64, b: f64) -> f64 {
    a.hypot(b)
}

#[differentiate]
fn at_kink_atan2(a: f64, b: f64) -> f64 {
    f64::atan2(a, b)
}

#[differentiate]
fn at_kink_sqrt(x: f64) -> f64 {
    x.sqrt()
}

#[test]
fn conventions_at_kinks_in_both_modes() {
    // abs at ±0: +1
    assert_eq!(at_kink_abs_grad(0.0), (0.0, 1.0));
    assert_eq!(at_kink_abs_grad(-0.0).1, 1.0);
    assert_eq!(at_kink_abs_jvp(0.0, 2.0), (0.0, 2.0));
    // max and min at ties: to the first argument
    assert_eq!(at_kink_max_grad(1.0, 1.0), (1.0, (1.0, 0.0)));
    assert_eq!(at_kink_max_jvp(1.0, 1.0, 3.0, 5.0), (1.0, 3.0));
    assert_eq!(at_kink_min_grad(1.0, 1.0), (1.0, (1.0, 0.0)));
    assert_eq!(at_kink_min_jvp(1.0, 1.0, 3.0, 5.0), (1.0, 3.0));
    // clamp on the boundary: to x
    assert_eq!(at_kink_clamp_grad(-1.0, -1.0, 1.0), (-1.0, (1.0, 0.0, 0.0)));
    assert_eq!(at_kink_clamp_grad(1.0, -1.0, 1.0), (1.0, (1.0, 0.0, 0.0)));
    // inside, below and above
    assert_eq!(at_kink_clamp_grad(0.5, -1.0, 1.0).1, (1.0, 0.0, 0.0));
    assert_eq!(at_kink_clamp_grad(-2.0, -1.0, 1.0).1, (0.0, 1.0, 0.0));
    assert_eq!(at_kink_clamp_grad(2.0, -1.0, 1.0).1, (0.0, 0.0, 1.0));
    // hypot and atan2 at the origin: (0, 0)
    assert_eq!(at_kink_hypot_grad(0.0, 0.0), (0.0, (0.0, 0.0)));
    assert_eq!(at_kink_hypot_jvp(0.0, 0.0, 1.0, 1.0), (0.0, 0.0));
    assert_eq!(at_kink_atan2_grad(0.0, 0.0).1, (0.0, 0.0));
    // sqrt at 0: +inf, the one-sided derivative
    assert_eq!(at_kink_sqrt_grad(0.0), (0.0, f64::INFINITY));
}
