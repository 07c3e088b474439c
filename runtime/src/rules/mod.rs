//! Derivative rules, by domain, forward and reverse side by side.
//!
//! - [`scalar`]: the float methods, one declarative table.
//! - [`arith`]: the arithmetic operators `*` and `/` (sums and negation need no rule: they are
//!   linear, and the generated code uses the vector-space operations of [`crate::Tangent`]).

pub mod arith;
pub mod linalg;
pub mod scalar;
