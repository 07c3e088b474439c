//! Checks of derivatives: finite differences for forward mode, the dot-product test for reverse
//! mode.
//!
//! matcalc checks every rule it ships this way, and you can check your own functions (the
//! `f_jvp` and `f_vjp` that `#[differentiate]` writes, or a custom rule you wrote by hand) with
//! the same tools. Two checks cover a pair of derivatives:
//!
//! - [`jvp`] compares forward mode with a finite difference: in a few seeded random directions
//!   `v`, the JVP `J·v` must match the central difference `(f(x + hv) − f(x − hv)) / 2h`,
//!   refined by Richardson extrapolation ([`richardson`]) so that the truncation error of the
//!   step is extrapolated away. It also checks that the value the JVP returns is `f(x)`.
//! - [`dot_product`] compares reverse mode with forward mode: for random `ẋ` and `ȳ`, the
//!   adjoint identity `⟨ȳ, J·ẋ⟩ = ⟨Jᵀ·ȳ, ẋ⟩` must hold to rounding error. No finite difference
//!   is involved, so the tolerance is tight.
//!
//! [`all`] runs both. Inputs and outputs can be any [`Tangent`]: floats, `Vec`s and arrays of
//! floats, tuples of those. Both checks return a [`Report`] on success and a [`Failure`] that
//! says which check failed, in which direction and by how much.
//!
//! # Checking your own function
//!
//! Take f(x, y) = x·sin(y). Its input is the pair `X = (f64, f64)` and its output `Y = f64`.
//! Write (or generate) the value, the forward mode and the reverse mode as closures over `&X`:
//!
//! ```
//! use matcalc_runtime::check::{self, Config};
//!
//! // f(x, y) = x·sin(y)
//! let f = |p: &(f64, f64)| p.0 * p.1.sin();
//! // forward mode: the value and df = sin(y)·dx + x·cos(y)·dy
//! let f_jvp = |p: &(f64, f64), dp: &(f64, f64)| {
//!     let (x, y) = *p;
//!     (x * y.sin(), y.sin() * dp.0 + x * y.cos() * dp.1)
//! };
//! // reverse mode: the adjoint of the input from the adjoint of the output
//! let f_vjp = |p: &(f64, f64), y_bar: &f64| {
//!     let (x, y) = *p;
//!     (y_bar * y.sin(), y_bar * x * y.cos())
//! };
//!
//! let x = (1.5, 0.3);
//! let report = check::jvp(f, &f_jvp, &x, &Config::for_jvp::<f64>()).unwrap();
//! assert!(report.max_rel_error < 1e-7);
//! check::dot_product(&f_jvp, &f_vjp, &x, &Config::for_dot_product::<f64>()).unwrap();
//!
//! // A wrong derivative is caught, and the error says by how much:
//! let wrong_vjp = |p: &(f64, f64), y_bar: &f64| (y_bar * p.1.sin(), -y_bar * p.0 * p.1.cos());
//! let failure = check::dot_product(&f_jvp, wrong_vjp, &x, &Config::for_dot_product::<f64>())
//!     .unwrap_err();
//! assert_eq!(failure.check, check::Check::DotProduct);
//! println!("{failure}");
//! ```
//!
//! With `#[differentiate]` on `fn f(x: f64, y: f64) -> f64`, the closures wrap the generated
//! functions instead:
//!
//! ```text
//! let f_jvp = |p: &(f64, f64), dp: &(f64, f64)| f_jvp(p.0, p.1, dp.0, dp.1);
//! let f_vjp = |p: &(f64, f64), y_bar: &f64| f_vjp(p.0, p.1).1(*y_bar);
//! check::all(|p: &(f64, f64)| f(p.0, p.1), f_jvp, f_vjp, &(1.5, 0.3),
//!            &Config::for_jvp::<f64>(), &Config::for_dot_product::<f64>())?;
//! ```
//!
//! Buffers work the same way. Here `X = Vec<f64>` and `Y = Vec<f64>`, with
//! yᵢ = xᵢ·xᵢ₊₁:
//!
//! ```
//! use matcalc_runtime::check::{self, Config};
//!
//! let f = |x: &Vec<f64>| -> Vec<f64> { x.windows(2).map(|w| w[0] * w[1]).collect() };
//! // dyᵢ = dxᵢ·xᵢ₊₁ + xᵢ·dxᵢ₊₁
//! let f_jvp = |x: &Vec<f64>, dx: &Vec<f64>| {
//!     let dy: Vec<f64> = (0..x.len() - 1).map(|i| dx[i] * x[i + 1] + x[i] * dx[i + 1]).collect();
//!     (f(x), dy)
//! };
//! // x̄ᵢ += ȳᵢ·xᵢ₊₁ and x̄ᵢ₊₁ += ȳᵢ·xᵢ
//! let f_vjp = |x: &Vec<f64>, y_bar: &Vec<f64>| {
//!     let mut x_bar = vec![0.0; x.len()];
//!     for (i, y_bar) in y_bar.iter().enumerate() {
//!         x_bar[i] += y_bar * x[i + 1];
//!         x_bar[i + 1] += y_bar * x[i];
//!     }
//!     x_bar
//! };
//!
//! let x = vec![0.5, -1.0, 2.0, 0.25];
//! let reports = check::all(
//!     f,
//!     f_jvp,
//!     f_vjp,
//!     &x,
//!     &Config::for_jvp::<f64>(),
//!     &Config::for_dot_product::<f64>().directions(5),
//! )
//! .unwrap();
//! assert!(reports.jvp.max_rel_error < 1e-7);
//! assert!(reports.dot_product.max_rel_error < 1e-10);
//! ```
//!
//! A generated function over `&[f64]` is wrapped the same way:
//! `|x: &Vec<f64>, dx: &Vec<f64>| f_jvp(x, dx)`.
//!
//! # What the checks can and cannot tell
//!
//! Check at points where the function is smooth: across a kink (`abs` at 0, `max` at a tie) or
//! a branch of an `if`, the finite difference straddles two pieces and disagrees with any
//! derivative. Random directions make it unlikely that an error hides in a direction that is
//! not tested; more [`Config::directions`] make it less likely still. The checks are
//! deterministic for a given [`Config::seed`].

use crate::value::{Real, Tangent};
use core::fmt;
use num_traits::{Float, One};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// The settings of a check: the seed of its random directions, how many directions, and the
/// relative tolerance.
///
/// Start from [`Config::for_jvp`] or [`Config::for_dot_product`], which choose the tolerance for
/// the float type, and adjust with the builder methods.
///
/// ```
/// use matcalc_runtime::check::Config;
/// let config = Config::for_jvp::<f64>().seed(7).directions(10).rtol(1e-6);
/// assert_eq!((config.seed, config.directions, config.rtol), (7, 10, 1e-6));
/// assert_eq!(Config::for_jvp::<f32>().rtol, 1e-3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    /// The seed of the random directions; the same seed gives the same directions.
    pub seed: u64,
    /// How many random directions (or direction pairs) to check.
    pub directions: usize,
    /// The largest relative error that passes.
    pub rtol: f64,
}

impl Config {
    /// The settings for [`jvp`] with scalar type `F`: relative tolerance 1e-7 for `f64` and
    /// 1e-3 for `f32` (a Richardson-extrapolated difference is typically accurate to 1e-10 and
    /// 1e-5, so these leave a margin for less well-conditioned functions), 3 directions, seed 0.
    ///
    /// ```
    /// use matcalc_runtime::check::Config;
    /// let config = Config::for_jvp::<f64>();
    /// assert_eq!((config.seed, config.directions, config.rtol), (0, 3, 1e-7));
    /// ```
    pub fn for_jvp<F: Real>() -> Self {
        Config {
            seed: 0,
            directions: 3,
            rtol: if is_single_precision::<F>() {
                1e-3
            } else {
                1e-7
            },
        }
    }

    /// The settings for [`dot_product`] with scalar type `F`: relative tolerance 1e-10 for
    /// `f64` and 1e-4 for `f32` (forward and reverse mode differ only by rounding), 3
    /// directions, seed 0.
    ///
    /// ```
    /// use matcalc_runtime::check::Config;
    /// assert_eq!(Config::for_dot_product::<f64>().rtol, 1e-10);
    /// assert_eq!(Config::for_dot_product::<f32>().rtol, 1e-4);
    /// ```
    pub fn for_dot_product<F: Real>() -> Self {
        Config {
            seed: 0,
            directions: 3,
            rtol: if is_single_precision::<F>() {
                1e-4
            } else {
                1e-10
            },
        }
    }

    /// Replaces the seed.
    ///
    /// ```
    /// use matcalc_runtime::check::Config;
    /// assert_eq!(Config::for_jvp::<f64>().seed(42).seed, 42);
    /// ```
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Replaces the number of directions.
    ///
    /// ```
    /// use matcalc_runtime::check::Config;
    /// assert_eq!(Config::for_jvp::<f64>().directions(8).directions, 8);
    /// ```
    #[must_use]
    pub fn directions(mut self, directions: usize) -> Self {
        self.directions = directions;
        self
    }

    /// Replaces the relative tolerance.
    ///
    /// ```
    /// use matcalc_runtime::check::Config;
    /// assert_eq!(Config::for_jvp::<f64>().rtol(1e-5).rtol, 1e-5);
    /// ```
    #[must_use]
    pub fn rtol(mut self, rtol: f64) -> Self {
        self.rtol = rtol;
        self
    }
}

impl Default for Config {
    /// [`Config::for_jvp`] for `f64`.
    ///
    /// ```
    /// use matcalc_runtime::check::Config;
    /// assert_eq!(Config::default(), Config::for_jvp::<f64>());
    /// ```
    fn default() -> Self {
        Config::for_jvp::<f64>()
    }
}

/// What a passing check measured.
///
/// ```
/// use matcalc_runtime::check::{self, Config};
/// let report = check::jvp(|x: &f64| x * x, |x: &f64, v: &f64| (x * x, 2.0 * x * v), &3.0,
///                         &Config::for_jvp::<f64>()).unwrap();
/// assert_eq!(report.directions, 3);
/// assert!(report.max_rel_error < 1e-7);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Report {
    /// The largest relative error over the directions checked.
    pub max_rel_error: f64,
    /// How many directions were checked.
    pub directions: usize,
}

/// The reports of [`all`]: one per check.
///
/// ```
/// use matcalc_runtime::check::{self, Config};
/// let reports = check::all(
///     |x: &f64| x.exp(),
///     |x: &f64, v: &f64| (x.exp(), x.exp() * v),
///     |x: &f64, y_bar: &f64| x.exp() * y_bar,
///     &0.5,
///     &Config::for_jvp::<f64>(),
///     &Config::for_dot_product::<f64>(),
/// )
/// .unwrap();
/// assert!(reports.jvp.max_rel_error < 1e-7 && reports.dot_product.max_rel_error < 1e-10);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reports {
    /// The report of [`jvp`].
    pub jvp: Report,
    /// The report of [`dot_product`].
    pub dot_product: Report,
}

/// Which comparison failed.
///
/// ```
/// use matcalc_runtime::check::Check;
/// assert_eq!(Check::DotProduct.to_string(), "dot-product");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Check {
    /// The value returned by the JVP differs from `f(x)`.
    Value,
    /// The JVP differs from the finite difference.
    Jvp,
    /// `⟨ȳ, J·ẋ⟩` (forward mode) differs from `⟨Jᵀ·ȳ, ẋ⟩` (reverse mode).
    DotProduct,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Check::Value => "value",
            Check::Jvp => "jvp",
            Check::DotProduct => "dot-product",
        })
    }
}

/// A failed check: which comparison, in which direction, what was expected, what came out, and
/// the relative error against the tolerance.
///
/// `expected` and `got` are flat (column-major) views converted to `f64`:
///
/// | check | expected | got |
/// |---|---|---|
/// | [`Check::Value`] | `f(x)` | the value returned by the JVP |
/// | [`Check::Jvp`] | the extrapolated finite difference | the JVP's tangent |
/// | [`Check::DotProduct`] | `[⟨ȳ, J·ẋ⟩]` from forward mode | `[⟨Jᵀ·ȳ, ẋ⟩]` from reverse mode |
///
/// ```
/// use matcalc_runtime::check::{self, Check, Config};
/// // the derivative of x² is 2x, not 2.02x
/// let failure = check::jvp(|x: &f64| x * x, |x: &f64, v: &f64| (x * x, 2.02 * x * v), &3.0,
///                          &Config::for_jvp::<f64>()).unwrap_err();
/// assert_eq!(failure.check, Check::Jvp);
/// assert_eq!(failure.direction, 0);
/// assert!((failure.relative_error - 0.02 / 2.02).abs() < 1e-6);
/// assert!(failure.to_string().starts_with("jvp check failed"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// Which comparison failed.
    pub check: Check,
    /// The index of the random direction (or direction pair) that failed, from 0.
    pub direction: usize,
    /// The reference value, flat.
    pub expected: Vec<f64>,
    /// The value under test, flat.
    pub got: Vec<f64>,
    /// The relative error between them (NaN or infinite if either is, or if their shapes differ).
    pub relative_error: f64,
    /// The tolerance it exceeded.
    pub tolerance: f64,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, expected, got) = match self.check {
            Check::Value => (
                "the value returned by the jvp differs from f(x)",
                "f(x)",
                "jvp value",
            ),
            Check::Jvp => (
                "the jvp differs from the finite difference",
                "finite difference",
                "jvp",
            ),
            Check::DotProduct => (
                "forward and reverse mode disagree",
                "<y_bar, J x_dot> (forward)",
                "<J^T y_bar, x_dot> (reverse)",
            ),
        };
        write!(
            f,
            "{} check failed in direction {}: {what} by a relative error of {:.3e} \
             (tolerance {:.1e}); {expected} = {}, {got} = {}",
            self.check,
            self.direction,
            self.relative_error,
            self.tolerance,
            Flat(&self.expected),
            Flat(&self.got),
        )
    }
}

impl std::error::Error for Failure {}

/// Prints a flat view, shortened when long.
struct Flat<'a>(&'a [f64]);

impl fmt::Display for Flat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 6;
        match self.0 {
            [single] => write!(f, "{single:e}"),
            entries => {
                f.write_str("[")?;
                for (i, x) in entries.iter().take(SHOWN).enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x:e}")?;
                }
                if entries.len() > SHOWN {
                    write!(f, ", ... ({} entries)", entries.len())?;
                }
                f.write_str("]")
            }
        }
    }
}

/// Checks forward mode against finite differences.
///
/// In `config.directions` random directions `v` (entries standard normal, seeded by
/// `config.seed`), compares the tangent that `f_jvp(x, v)` returns with the
/// Richardson-extrapolated central difference of `f` ([`richardson`]); also checks that the value
/// `f_jvp` returns equals `f(x)` (to the same tolerance). The relative error of a direction is
/// `‖jvp − fd‖ / max(‖jvp‖, ‖fd‖)` in the flat Euclidean norm (with a tiny floor, so that two
/// exact zeros agree).
///
/// `f_jvp(x, ẋ)` returns `(f(x), J·ẋ)`, the shape of the generated `f_jvp`.
///
/// # Errors
///
/// A [`Failure`] for the first direction whose relative error exceeds `config.rtol` (or is
/// NaN): [`Check::Value`] if the value is off, [`Check::Jvp`] if the tangent is.
///
/// ```
/// use matcalc_runtime::check::{self, Config};
/// // f(x) = (x₀·x₁, x₀ + x₁)
/// let f = |x: &[f64; 2]| (x[0] * x[1], x[0] + x[1]);
/// let f_jvp = |x: &[f64; 2], v: &[f64; 2]| (f(x), (v[0] * x[1] + x[0] * v[1], v[0] + v[1]));
/// let report = check::jvp(f, f_jvp, &[2.0, -3.0], &Config::for_jvp::<f64>()).unwrap();
/// assert!(report.max_rel_error < 1e-7);
/// ```
pub fn jvp<X, Y>(
    f: impl Fn(&X) -> Y,
    f_jvp: impl Fn(&X, &X) -> (Y, Y),
    x: &X,
    config: &Config,
) -> Result<Report, Failure>
where
    X: Tangent,
    Y: Tangent<Scalar = X::Scalar>,
{
    let mut rng = StdRng::seed_from_u64(config.seed);
    let value = flat_f64(&f(x));
    let mut max_rel_error = 0.0f64;
    for direction in 0..config.directions {
        let v = random_like(x, &mut rng);
        let (y, y_dot) = f_jvp(x, &v);
        let got = flat_f64(&y);
        compare(Check::Value, direction, &value, got, config.rtol)?;
        let (fd, _) = richardson(&f, x, &v);
        let error = compare(
            Check::Jvp,
            direction,
            &flat_f64(&fd),
            flat_f64(&y_dot),
            config.rtol,
        )?;
        max_rel_error = max_rel_error.max(error);
    }
    Ok(Report {
        max_rel_error,
        directions: config.directions,
    })
}

/// Checks reverse mode against forward mode with the dot-product test.
///
/// For `config.directions` random pairs `ẋ`, `ȳ` (entries standard normal, seeded by
/// `config.seed`), computes `J·ẋ` with `f_jvp` and `Jᵀ·ȳ` with `f_vjp` and compares
/// `⟨ȳ, J·ẋ⟩` with `⟨Jᵀ·ȳ, ẋ⟩` (flat inner products, accumulated in `f64`). The relative error
/// is `|⟨ȳ, J·ẋ⟩ − ⟨Jᵀ·ȳ, ẋ⟩|` over `|⟨ȳ, J·ẋ⟩| + |⟨Jᵀ·ȳ, ẋ⟩| + ‖ȳ‖·‖J·ẋ‖`; the last term
/// keeps the test meaningful when the inner products cancel, and two exact zeros agree.
///
/// `f_jvp(x, ẋ)` returns `(f(x), J·ẋ)`; `f_vjp(x, ȳ)` returns `Jᵀ·ȳ`, which for a generated
/// `f_vjp` is `f_vjp(x).1(ȳ)`.
///
/// # Errors
///
/// A [`Failure`] with [`Check::DotProduct`] for the first pair whose relative error exceeds
/// `config.rtol` (or is NaN, or whose tangent or adjoint has the wrong number of entries).
///
/// ```
/// use matcalc_runtime::check::{self, Config};
/// // f(x) = A·x with A = [[1, 2], [3, 4]]
/// let f_jvp = |x: &[f64; 2], v: &[f64; 2]| {
///     ((x[0] + 2.0 * x[1], 3.0 * x[0] + 4.0 * x[1]), (v[0] + 2.0 * v[1], 3.0 * v[0] + 4.0 * v[1]))
/// };
/// let f_vjp = |_: &[f64; 2], y_bar: &(f64, f64)| [y_bar.0 + 3.0 * y_bar.1, 2.0 * y_bar.0 + 4.0 * y_bar.1];
/// let config = Config::for_dot_product::<f64>();
/// assert!(check::dot_product(f_jvp, f_vjp, &[1.0, 1.0], &config).is_ok());
/// // Aᵀ is not A
/// let not_transposed = |_: &[f64; 2], y_bar: &(f64, f64)| [y_bar.0 + 2.0 * y_bar.1, 3.0 * y_bar.0 + 4.0 * y_bar.1];
/// assert!(check::dot_product(f_jvp, not_transposed, &[1.0, 1.0], &config).is_err());
/// ```
pub fn dot_product<X, Y>(
    f_jvp: impl Fn(&X, &X) -> (Y, Y),
    f_vjp: impl Fn(&X, &Y) -> X,
    x: &X,
    config: &Config,
) -> Result<Report, Failure>
where
    X: Tangent,
    Y: Tangent<Scalar = X::Scalar>,
{
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut max_rel_error = 0.0f64;
    for direction in 0..config.directions {
        let x_dot = random_like(x, &mut rng);
        let (y, y_dot) = f_jvp(x, &x_dot);
        let y_bar = random_like(&y, &mut rng);
        let x_bar = f_vjp(x, &y_bar);

        let (x_dot, y_dot, y_bar, x_bar) = (
            flat_f64(&x_dot),
            flat_f64(&y_dot),
            flat_f64(&y_bar),
            flat_f64(&x_bar),
        );
        let forward = dot(&y_bar, &y_dot);
        let reverse = dot(&x_bar, &x_dot);
        let error = if y_dot.len() != y_bar.len() || x_bar.len() != x_dot.len() {
            f64::INFINITY
        } else if forward == reverse {
            0.0
        } else {
            (forward - reverse).abs()
                / (forward.abs() + reverse.abs() + norm(&y_bar) * norm(&y_dot))
        };
        // Written so that a NaN error fails.
        if error <= config.rtol {
            max_rel_error = max_rel_error.max(error);
        } else {
            return Err(Failure {
                check: Check::DotProduct,
                direction,
                expected: vec![forward],
                got: vec![reverse],
                relative_error: error,
                tolerance: config.rtol,
            });
        }
    }
    Ok(Report {
        max_rel_error,
        directions: config.directions,
    })
}

/// Runs [`jvp`] with `jvp_config`, then [`dot_product`] with `dot_config`.
///
/// # Errors
///
/// The first [`Failure`] of either check.
///
/// ```
/// use matcalc_runtime::check::{self, Config};
/// // f(x, y) = (x·y, x/y) with X = (f32, f32), Y = (f32, f32)
/// let f = |p: &(f32, f32)| (p.0 * p.1, p.0 / p.1);
/// let f_jvp = |p: &(f32, f32), d: &(f32, f32)| {
///     (f(p), (d.0 * p.1 + p.0 * d.1, d.0 / p.1 - p.0 * d.1 / (p.1 * p.1)))
/// };
/// let f_vjp = |p: &(f32, f32), y_bar: &(f32, f32)| {
///     (y_bar.0 * p.1 + y_bar.1 / p.1, y_bar.0 * p.0 - y_bar.1 * p.0 / (p.1 * p.1))
/// };
/// let reports = check::all(f, f_jvp, f_vjp, &(1.5f32, 2.0f32),
///                          &Config::for_jvp::<f32>(), &Config::for_dot_product::<f32>());
/// assert!(reports.is_ok());
/// ```
pub fn all<X, Y>(
    f: impl Fn(&X) -> Y,
    f_jvp: impl Fn(&X, &X) -> (Y, Y),
    f_vjp: impl Fn(&X, &Y) -> X,
    x: &X,
    jvp_config: &Config,
    dot_config: &Config,
) -> Result<Reports, Failure>
where
    X: Tangent,
    Y: Tangent<Scalar = X::Scalar>,
{
    Ok(Reports {
        jvp: jvp(f, &f_jvp, x, jvp_config)?,
        dot_product: dot_product(&f_jvp, f_vjp, x, dot_config)?,
    })
}

/// The forward difference `(f(x + h·v) − f(x)) / h`, in the scalar type of `x`.
///
/// Its error is O(h) from truncation plus O(ε/h) from rounding: it is the first approximation of
/// a directional derivative, and the least accurate.
///
/// ```
/// use matcalc_runtime::check::forward_difference;
/// // d/dx x³ at x = 1 is 3; the forward difference is off by about 3h
/// let d = forward_difference(|x: &f64| x.powi(3), &1.0, &1.0, 1e-3);
/// assert!((d - 3.0).abs() < 4e-3 && (d - 3.0).abs() > 2e-3);
/// ```
pub fn forward_difference<X, Y>(f: impl Fn(&X) -> Y, x: &X, v: &X, h: X::Scalar) -> Y
where
    X: Tangent,
    Y: Tangent<Scalar = X::Scalar>,
{
    let mut difference = f(&step(x, v, h));
    difference.axpy(-X::Scalar::one(), &f(x));
    difference.scale(h.recip());
    difference
}

/// The central difference `(f(x + h·v) − f(x − h·v)) / 2h`, in the scalar type of `x`.
///
/// Its error is O(h²) from truncation plus O(ε/h) from rounding, so it reaches about ε^(2/3)
/// at the best step.
///
/// ```
/// use matcalc_runtime::check::central_difference;
/// // d/dx x³ at x = 1 is 3; the central difference is off by h²
/// let d = central_difference(|x: &f64| x.powi(3), &1.0, &1.0, 1e-3);
/// assert!((d - 3.0 - 1e-6).abs() < 1e-9);
/// ```
pub fn central_difference<X, Y>(f: impl Fn(&X) -> Y, x: &X, v: &X, h: X::Scalar) -> Y
where
    X: Tangent,
    Y: Tangent<Scalar = X::Scalar>,
{
    let mut difference = f(&step(x, v, h));
    difference.axpy(-X::Scalar::one(), &f(&step(x, v, -h)));
    difference.scale((h + h).recip());
    difference
}

/// The directional derivative of `f` at `x` in the direction `v` by Richardson extrapolation of
/// central differences, with an estimate of its absolute error (in the flat Euclidean norm).
///
/// This is Ridders' method (Ridders 1982; *Numerical Recipes*, `dfridr`): the central
/// difference `D(h)` has an error `c₁h² + c₂h⁴ + …`, so evaluating it at steps `h, h/1.4,
/// h/1.4², …` and extrapolating to `h = 0` in a Neville tableau cancels those terms one by one.
/// The estimate kept is the entry with the smallest error estimate (the distance to its
/// neighbours in the tableau); the extrapolation stops once higher orders get worse. The
/// tableau runs from several initial steps, relative to the scale of `x` and of `v` (and
/// absolute, for `x` near 0), and the best estimate of all wins. Differences and
/// extrapolation are computed in `f64`; `f` itself runs in the scalar type of `x`.
///
/// For a smooth `f` at a well-scaled point, the result is typically accurate to 1e-10 or better
/// in `f64` (about 1e-5 in `f32`), far beyond what a single difference reaches.
///
/// ```
/// use matcalc_runtime::check::richardson;
/// let (d, error) = richardson(|x: &f64| x.sin(), &1.0, &1.0);
/// assert!((d - 1f64.cos()).abs() < 1e-12);
/// assert!(error < 1e-10);
///
/// // the directional derivative of x₀·x₁ at (2, 3) in the direction (1, 1) is 3 + 2
/// let (d, _) = richardson(|x: &Vec<f64>| x[0] * x[1], &vec![2.0, 3.0], &vec![1.0, 1.0]);
/// assert!((d - 5.0).abs() < 1e-12);
/// ```
pub fn richardson<X, Y>(f: impl Fn(&X) -> Y, x: &X, v: &X) -> (Y, f64)
where
    X: Tangent,
    Y: Tangent<Scalar = X::Scalar>,
{
    let like = f(x);
    let x_scale = max_abs(&flat_f64(x));
    let v_scale = max_abs(&flat_f64(v));
    if v_scale == 0.0 {
        return (like.zero_like(), 0.0);
    }
    // Relative steps suit inputs of any magnitude; absolute ones inputs near 0 and functions
    // whose features do not scale with x. Large first steps let the tableau extrapolate over
    // many orders; small ones rescue functions that vary quickly or stop nearby (a domain
    // boundary, a kink).
    let mut bases = vec![x_scale.max(1.0)];
    if x_scale > 0.0 && x_scale < 1.0 {
        bases.push(x_scale);
    }
    let (estimate, error) = bases
        .iter()
        .flat_map(|base| [1e-1, 1e-3].map(|fraction| base * fraction / v_scale))
        .map(|h| ridders(&f, x, v, h))
        .fold((None, f64::INFINITY), |best, (estimate, error)| {
            if best.0.is_none() || error < best.1 {
                (Some(estimate), error)
            } else {
                best
            }
        });
    let estimate = estimate.expect("at least one initial step");
    (from_f64_like(&like, &estimate), error)
}

/// Ridders' extrapolation tableau from the initial step `h`: the best estimate and its error.
fn ridders<X, Y>(f: &impl Fn(&X) -> Y, x: &X, v: &X, h: f64) -> (Vec<f64>, f64)
where
    X: Tangent,
    Y: Tangent<Scalar = X::Scalar>,
{
    const SHRINK: f64 = 1.4;
    const SHRINK2: f64 = SHRINK * SHRINK;
    const ROWS: usize = 12;
    // Stop once the highest order is this many times worse than the best estimate so far.
    const SAFE: f64 = 2.0;

    let epsilon = Real::to_f64(X::Scalar::epsilon());
    // The central difference at step h, and the size of its rounding error: each value of f is
    // off by about ε times its size, and the difference divides that by 2h.
    let difference = |h: f64| -> (Vec<f64>, f64) {
        // The step actually taken is h rounded to the scalar type.
        let h = <X::Scalar as Real>::from_f64(h);
        let plus = flat_f64(&f(&step(x, v, h)));
        let minus = flat_f64(&f(&step(x, v, -h)));
        let two_h = 2.0 * Real::to_f64(h);
        let rounding = epsilon * (norm(&plus) + norm(&minus)) / two_h;
        let difference = plus
            .iter()
            .zip(&minus)
            .map(|(p, m)| (p - m) / two_h)
            .collect();
        (difference, rounding)
    };

    let mut h = h;
    // previous[j]: the estimate extrapolated j times from the previous step
    let (first, _) = difference(h);
    let mut previous = vec![first];
    let mut best = previous[0].clone();
    let mut error = f64::INFINITY;
    for i in 1..ROWS {
        h /= SHRINK;
        let (finest, rounding) = difference(h);
        let mut current = vec![finest];
        let mut factor = SHRINK2;
        for j in 1..=i {
            // Eliminates the h^(2j) term from the two estimates of order j - 1.
            let extrapolated: Vec<f64> = current[j - 1]
                .iter()
                .zip(&previous[j - 1])
                .map(|(fine, coarse)| (fine * factor - coarse) / (factor - 1.0))
                .collect();
            factor *= SHRINK2;
            // The truncation error, estimated from the neighbours in the tableau, plus the
            // rounding error, which the differences of neighbours can underestimate by chance
            // when it dominates (small steps, f32); extrapolation about doubles it.
            let estimate = distance(&extrapolated, &current[j - 1])
                .max(distance(&extrapolated, &previous[j - 1]))
                + 2.0 * rounding;
            if estimate <= error {
                error = estimate;
                best.clone_from(&extrapolated);
            }
            current.push(extrapolated);
        }
        if distance(&current[i], &previous[i - 1]) >= SAFE * error {
            break;
        }
        previous = current;
    }
    (best, error)
}

/// `x + h·v`.
fn step<X: Tangent>(x: &X, v: &X, h: X::Scalar) -> X {
    let mut shifted = x.clone();
    shifted.axpy(h, v);
    shifted
}

/// Whether `F` has single precision (so the tolerances must be looser).
fn is_single_precision<F: Real>() -> bool {
    Real::to_f64(F::epsilon()) > 1e-10
}

/// A value shaped like `like` with independent standard normal entries.
fn random_like<T: Tangent>(like: &T, rng: &mut StdRng) -> T {
    let entries: Vec<T::Scalar> = (0..like.dim())
        .map(|_| <T::Scalar as Real>::from_f64(rng.sample(StandardNormal)))
        .collect();
    like.read_flat(&mut entries.as_slice())
}

/// The flat view of a value, widened to `f64`.
fn flat_f64<T: Tangent>(value: &T) -> Vec<f64> {
    value.to_flat().into_iter().map(Real::to_f64).collect()
}

/// A value shaped like `like` from a flat view in `f64`.
fn from_f64_like<T: Tangent>(like: &T, flat: &[f64]) -> T {
    let entries: Vec<T::Scalar> = flat
        .iter()
        .map(|x| <T::Scalar as Real>::from_f64(*x))
        .collect();
    like.read_flat(&mut entries.as_slice())
}

/// Compares `got` with `expected` and fails with `check` if the relative error exceeds `rtol`.
fn compare(
    check: Check,
    direction: usize,
    expected: &[f64],
    got: Vec<f64>,
    rtol: f64,
) -> Result<f64, Failure> {
    let relative_error = relative_error(&got, expected);
    if relative_error <= rtol {
        Ok(relative_error)
    } else {
        Err(Failure {
            check,
            direction,
            expected: expected.to_vec(),
            got,
            relative_error,
            tolerance: rtol,
        })
    }
}

/// `‖a − b‖ / max(‖a‖, ‖b‖)`, 0 when they are equal (also where both have the same infinity),
/// infinite when their lengths differ, NaN when either has a NaN.
fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    // Keeps two exact zeros from dividing 0 by 0.
    const FLOOR: f64 = f64::MIN_POSITIVE;
    if a.len() != b.len() {
        return f64::INFINITY;
    }
    let difference: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(a, b)| if a == b { 0.0 } else { a - b })
        .collect();
    let difference = norm(&difference);
    if difference == 0.0 {
        return 0.0;
    }
    difference / norm(a).max(norm(b)).max(FLOOR)
}

/// The Euclidean norm.
fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// The Euclidean distance.
fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}

/// The dot product.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

/// The largest absolute entry, 0 for an empty view.
fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, x| m.max(x.abs()))
}
