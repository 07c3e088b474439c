//! The runtime of matcalc: derivative rules, the values derivatives act on, and checks.
//!
//! Users depend on the facade crate `matcalc`, which re-exports this crate's public modules;
//! generated code calls [`__private`] through absolute paths.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod higher;
pub mod linalg;
mod matrix;
pub mod ode;
pub mod rules;
mod value;

pub use value::{Active, IndexAdjoint, Real, Tangent};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
