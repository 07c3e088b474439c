//! matcalc: compile-time automatic differentiation for Rust.
#![forbid(unsafe_code)]

pub use matcalc_macros::differentiate;
pub use matcalc_runtime::{Active, IndexAdjoint, Real, Tangent, check, rules};

#[doc(hidden)]
pub use matcalc_runtime::__private;
