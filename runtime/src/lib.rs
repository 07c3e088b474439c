//! The runtime of matcalc: derivative rules, the values derivatives act on, and checks.
//!
//! Users depend on the facade crate `matcalc`, which re-exports this crate's public modules;
//! generated code calls [`__private`] through absolute paths.
//!
//! - [`rules`]: the derivative rules, by domain: the scalar table, products and quotients, and
//!   the linear algebra, each with its forward, reverse and second-order companions;
//! - [`linalg`]: the matrix functions annotated code calls (`det`, `logdet`, `inv`, `solve`,
//!   `cholesky`, `cholesky_solve`, `solve_lower_triangular`, `qr`, `eigh`, `eigvalsh`, `svd`,
//!   `svdvals`, `svd_solve`, `expm`, ...), each with `_jvp`, `_vjp` and `_jvp_vjp`, the shapes
//!   of a custom rule;
//! - [`check`]: derivatives against finite differences and the dot-product test;
//! - [`higher`]: Jacobians and Hessians from forward and reverse passes;
//! - [`ode`]: Runge–Kutta solvers with forward and adjoint sensitivities;
//! - [`Tangent`], [`Active`], [`Real`], [`IndexAdjoint`]: the values tangents and adjoints live in.
//!
//! The rules can be called by hand, and checked the same way matcalc checks them:
//!
//! ```
//! use matcalc_runtime::check::{self, Config};
//! use matcalc_runtime::linalg::{logdet, logdet_jvp, logdet_vjp};
//! use nalgebra::Matrix2;
//!
//! let a = Matrix2::new(4.0, 1.0, 2.0, 3.0);
//! // forward: d log|det A| = tr(A⁻¹dA); reverse: Ā = ȳ·A⁻ᵀ
//! let jvp = |a: &Matrix2<f64>, a_dot: &Matrix2<f64>| logdet_jvp(a, a_dot);
//! let vjp = |a: &Matrix2<f64>, y_bar: &f64| logdet_vjp(a).1(*y_bar);
//! check::jvp(logdet, jvp, &a, &Config::for_jvp::<f64>()).unwrap();
//! check::dot_product(jvp, vjp, &a, &Config::for_dot_product::<f64>()).unwrap();
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod checkpoint;
pub mod higher;
pub mod linalg;
mod matrix;
pub mod ode;
pub mod rules;
mod tape;
mod value;

pub use value::{Active, IndexAdjoint, Real, Tangent};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
