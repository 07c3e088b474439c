//! Derivative rules, by domain, forward and reverse side by side.
//!
//! - [`scalar`]: the float methods, one declarative table.
//! - [`arith`]: the arithmetic operators `*` and `/` (sums and negation need no rule: they are
//!   linear, and the generated code uses the vector-space operations of [`crate::Tangent`]);
//! - [`linalg`]: the matrix calculus on nalgebra (re-exported as [`crate::linalg`]).
//!
//! ```
//! use matcalc_runtime::rules::{arith, scalar};
//! // y = x·sin x at x = 1: ẏ = (sin x + x·cos x)·ẋ, from the product rule and the sin rule
//! let x = 1.0f64;
//! let s = x.sin();
//! let s_dot = scalar::sin(x, s) * 1.0;
//! let y_dot = arith::mul(&1.0, &s) + arith::mul(&x, &s_dot);
//! assert!((y_dot - (x.sin() + x * x.cos())).abs() < 1e-15);
//! ```

pub mod arith;
pub mod linalg;
pub mod scalar;
