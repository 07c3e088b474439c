//! Dataflow analyses of the annotated function, each run to its fixed point: never capped, and
//! never on emitted tokens.
//!
//! - [`activity`]: which bindings are varied, that is depend on an active parameter (forward,
//!   over the flows the lowering records between bindings).
//! - [`floats`]: which values are scalars of the function's float type, whose operations need
//!   no guard.

pub(crate) mod activity;
pub(crate) mod floats;
