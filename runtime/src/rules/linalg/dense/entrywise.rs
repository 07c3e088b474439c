//! Entrywise (Hadamard) products and quotients.

// The second-order companions return a pair and a pullback, as every rule's does.
#![allow(clippy::type_complexity)]

use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, OMatrix, RealField};

// ================================================================== entrywise (Hadamard) maps

// C = A ∘ B. Forward: dC = dA ∘ B + A ∘ dB. Reverse: Ā = C̄ ∘ B, B̄ = C̄ ∘ A (Giles §2.2.1).

/// The entrywise product `A ∘ B` (nalgebra's `component_mul`).
///
/// ```
/// use matcalc_runtime::linalg::component_mul;
/// use nalgebra::Vector2;
/// assert_eq!(component_mul(&Vector2::new(1.0, 2.0), &Vector2::new(3.0, 4.0)), Vector2::new(3.0, 8.0));
/// ```
pub fn component_mul<T, R, C>(a: &OMatrix<T, R, C>, b: &OMatrix<T, R, C>) -> OMatrix<T, R, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    a.component_mul(b)
}

/// Forward mode of [`component_mul`]: `(A ∘ B, dA ∘ B + A ∘ dB)`.
///
/// ```
/// use matcalc_runtime::linalg::component_mul_jvp;
/// use nalgebra::Vector2;
/// let (a, b) = (Vector2::new(1.0, 2.0), Vector2::new(3.0, 4.0));
/// let (_, c_dot) = component_mul_jvp(&a, &b, &Vector2::new(1.0, 0.0), &Vector2::new(0.0, 1.0));
/// assert_eq!(c_dot, Vector2::new(3.0, 2.0));
/// ```
pub fn component_mul_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
    b_dot: &OMatrix<T, R, C>,
) -> (OMatrix<T, R, C>, OMatrix<T, R, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    (
        a.component_mul(b),
        a_dot.component_mul(b) + a.component_mul(b_dot),
    )
}

/// Reverse mode of [`component_mul`]: the value and the pullback `C̄ ↦ (C̄ ∘ B, C̄ ∘ A)`.
///
/// ```
/// use matcalc_runtime::linalg::component_mul_vjp;
/// use nalgebra::Vector2;
/// let (_, pullback) = component_mul_vjp(&Vector2::new(1.0, 2.0), &Vector2::new(3.0, 4.0));
/// assert_eq!(pullback(Vector2::new(1.0, 1.0)), (Vector2::new(3.0, 4.0), Vector2::new(1.0, 2.0)));
/// ```
pub fn component_mul_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
) -> (
    OMatrix<T, R, C>,
    impl Fn(OMatrix<T, R, C>) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let (a, b) = (a.clone(), b.clone());
    (a.component_mul(&b), move |c_bar: OMatrix<T, R, C>| {
        (c_bar.component_mul(&b), c_bar.component_mul(&a))
    })
}

// Second order: Ċ = Ȧ ∘ B + A ∘ Ḃ is bilinear in (A, Ḃ) and in (Ȧ, B), so
// Ā = C̄ ∘ B + Ċ̄ ∘ Ḃ, B̄ = C̄ ∘ A + Ċ̄ ∘ Ȧ, Ǡ = Ċ̄ ∘ B, Ḃ̄ = Ċ̄ ∘ A.

/// Second order of [`component_mul`], the reverse mode of [`component_mul_jvp`]: the value
/// `(A ∘ B, Ȧ ∘ B + A ∘ Ḃ)` and the pullback
/// `(C̄, Ċ̄) ↦ (C̄ ∘ B + Ċ̄ ∘ Ḃ, C̄ ∘ A + Ċ̄ ∘ Ȧ, Ċ̄ ∘ B, Ċ̄ ∘ A)`.
///
/// ```
/// use matcalc_runtime::linalg::component_mul_jvp_vjp;
/// use nalgebra::Vector2;
/// let (a, b) = (Vector2::new(1.0, 2.0), Vector2::new(3.0, 4.0));
/// let (_, pullback) = component_mul_jvp_vjp(&a, &b, &Vector2::new(1.0, 1.0), &Vector2::zeros());
/// let (a_bar, b_bar, a_dot_bar, b_dot_bar) = pullback((Vector2::zeros(), Vector2::new(1.0, 1.0)));
/// assert_eq!((a_bar, b_bar), (Vector2::zeros(), Vector2::new(1.0, 1.0)));
/// assert_eq!((a_dot_bar, b_dot_bar), (b, a));
/// ```
pub fn component_mul_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
    b_dot: &OMatrix<T, R, C>,
) -> (
    (OMatrix<T, R, C>, OMatrix<T, R, C>),
    impl Fn(
        (OMatrix<T, R, C>, OMatrix<T, R, C>),
    ) -> (
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
    ) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let value = component_mul_jvp(a, b, a_dot, b_dot);
    let (a, b, a_dot, b_dot) = (a.clone(), b.clone(), a_dot.clone(), b_dot.clone());
    (
        value,
        move |(c_bar, c_dot_bar): (OMatrix<T, R, C>, OMatrix<T, R, C>)| {
            (
                c_bar.component_mul(&b) + c_dot_bar.component_mul(&b_dot),
                c_bar.component_mul(&a) + c_dot_bar.component_mul(&a_dot),
                c_dot_bar.component_mul(&b),
                c_dot_bar.component_mul(&a),
            )
        },
    )
}

// C = A ⊘ B. Forward: dC = dA ⊘ B − C ∘ dB ⊘ B. Reverse: Ā = C̄ ⊘ B, B̄ = −C̄ ∘ C ⊘ B.
// Not handled: zero entries of B (infinities and NaN, as in the primal).

/// The entrywise quotient `A ⊘ B` (nalgebra's `component_div`).
///
/// ```
/// use matcalc_runtime::linalg::component_div;
/// use nalgebra::Vector2;
/// assert_eq!(component_div(&Vector2::new(3.0, 8.0), &Vector2::new(3.0, 4.0)), Vector2::new(1.0, 2.0));
/// ```
pub fn component_div<T, R, C>(a: &OMatrix<T, R, C>, b: &OMatrix<T, R, C>) -> OMatrix<T, R, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    a.component_div(b)
}

/// Forward mode of [`component_div`]: `(A ⊘ B, dA ⊘ B − C ∘ dB ⊘ B)`.
///
/// ```
/// use matcalc_runtime::linalg::component_div_jvp;
/// use nalgebra::Vector1;
/// // d(a/b)/db = -a/b² = -2 at a = 2, b = 1
/// let (_, c_dot) = component_div_jvp(&Vector1::new(2.0), &Vector1::new(1.0), &Vector1::zeros(), &Vector1::new(1.0));
/// assert_eq!(c_dot, Vector1::new(-2.0));
/// ```
pub fn component_div_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
    b_dot: &OMatrix<T, R, C>,
) -> (OMatrix<T, R, C>, OMatrix<T, R, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let c = a.component_div(b);
    let c_dot = (a_dot - c.component_mul(b_dot)).component_div(b);
    (c, c_dot)
}

/// Reverse mode of [`component_div`]: the value and the pullback
/// `C̄ ↦ (C̄ ⊘ B, −C̄ ∘ C ⊘ B)`.
///
/// ```
/// use matcalc_runtime::linalg::component_div_vjp;
/// use nalgebra::Vector1;
/// let (_, pullback) = component_div_vjp(&Vector1::new(2.0), &Vector1::new(1.0));
/// assert_eq!(pullback(Vector1::new(1.0)), (Vector1::new(1.0), Vector1::new(-2.0)));
/// ```
pub fn component_div_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
) -> (
    OMatrix<T, R, C>,
    impl Fn(OMatrix<T, R, C>) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let b = b.clone();
    let c = a.component_div(&b);
    (c.clone(), move |c_bar: OMatrix<T, R, C>| {
        let a_bar = c_bar.component_div(&b);
        let b_bar = -a_bar.component_mul(&c);
        (a_bar, b_bar)
    })
}

// Second order: Ċ = Ȧ ⊘ B − A ∘ Ḃ ⊘ B², so ∂Ċ/∂A = −Ḃ ⊘ B² and
// ∂Ċ/∂B = −Ȧ ⊘ B² + 2A ∘ Ḃ ⊘ B³ = (C ∘ Ḃ − Ċ ∘ B) ⊘ B² (using Ȧ = Ċ ∘ B + C ∘ Ḃ). With
// Q = Ċ̄ ⊘ B: Ā = C̄ ⊘ B − Q ∘ Ḃ ⊘ B, B̄ = −C̄ ∘ C ⊘ B + Q ∘ (C ∘ Ḃ ⊘ B − Ċ), Ǡ = Q,
// Ḃ̄ = −Q ∘ C.

/// Second order of [`component_div`], the reverse mode of [`component_div_jvp`]: the value
/// `(C, Ċ) = (A ⊘ B, (Ȧ − C ∘ Ḃ) ⊘ B)` and the pullback `(C̄, Ċ̄) ↦ (Ā, B̄, Ǡ, Ḃ̄)` with
/// `Q = Ċ̄ ⊘ B`, `Ā = C̄ ⊘ B − Q ∘ Ḃ ⊘ B`, `B̄ = −C̄ ∘ C ⊘ B + Q ∘ (C ∘ Ḃ ⊘ B − Ċ)`, `Ǡ = Q`
/// and `Ḃ̄ = −Q ∘ C`.
///
/// ```
/// use matcalc_runtime::linalg::component_div_jvp_vjp;
/// use nalgebra::Vector1;
/// // a/b at (a, b) = (2, 1): ∂²/∂b² = 2a/b³ = 4
/// let one = Vector1::new(1.0);
/// let (_, pullback) = component_div_jvp_vjp(&Vector1::new(2.0), &one, &Vector1::zeros(), &one);
/// let (_, b_bar, _, b_dot_bar) = pullback((Vector1::zeros(), one));
/// assert_eq!((b_bar, b_dot_bar), (Vector1::new(4.0), Vector1::new(-2.0)));
/// ```
pub fn component_div_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
    b_dot: &OMatrix<T, R, C>,
) -> (
    (OMatrix<T, R, C>, OMatrix<T, R, C>),
    impl Fn(
        (OMatrix<T, R, C>, OMatrix<T, R, C>),
    ) -> (
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
    ) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let (c, c_dot) = component_div_jvp(a, b, a_dot, b_dot);
    let b = b.clone();
    // Ḃ ⊘ B, and C ∘ Ḃ ⊘ B − Ċ.
    let b_dot_over_b = b_dot.component_div(&b);
    let bend = c.component_mul(&b_dot_over_b) - &c_dot;
    let value = (c.clone(), c_dot);
    (
        value,
        move |(c_bar, c_dot_bar): (OMatrix<T, R, C>, OMatrix<T, R, C>)| {
            let q = c_dot_bar.component_div(&b);
            let first = c_bar.component_div(&b);
            (
                &first - q.component_mul(&b_dot_over_b),
                q.component_mul(&bend) - first.component_mul(&c),
                q.clone(),
                -q.component_mul(&c),
            )
        },
    )
}
