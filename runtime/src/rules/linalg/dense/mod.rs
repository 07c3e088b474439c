//! Dense linear algebra: products (the `*` and `/` operators, `dot`), the structural maps
//! (transpose, Kronecker products), the parts of a matrix (columns, rows and blocks), reductions
//! (trace, sums, norms, sums and means along rows or columns) and entrywise products, one file
//! each. The LU-based functions (det, logdet, inv, solve) are in
//! [`super::factorization::lu`].
//!
//! Every function `f` comes as a triple: `f` (the value), `f_jvp` (the value and its directional
//! derivative; tangents of the matrix arguments appended in order) and `f_vjp` (the value and the
//! pullback, a closure that owns what it needs and may be called many times). Each section gives
//! the forward and the reverse rule side by side, the formula and its source, and what the rule
//! does not handle. Gradients are taken under the Frobenius inner product ⟨A, B⟩ = tr(AᵀB).
//!
//! Sources: M. B. Giles, "Collected matrix derivative results for forward and reverse mode
//! algorithmic differentiation" (2008), cited as Giles §n; Bright, Edelman and Johnson, "Matrix
//! Calculus (for Machine Learning and Beyond)", arXiv 2501.14787 (the MIT 18.S096 notes), cited
//! as 18.S096 §n.

mod blocks;
mod entrywise;
mod products;
mod reductions;
mod structural;

pub use blocks::*;
pub use entrywise::*;
pub use products::*;
pub use reductions::*;
pub use structural::*;
