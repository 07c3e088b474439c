//! The Cholesky factorization `A = LLᵀ` of a symmetric positive-definite matrix.
//!
//! Source: I. Murray, "Differentiation of the Cholesky decomposition", arXiv 1602.07527 (2016).

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use super::{LinearSolver, solve_pullback, solve_second, solve_tangent, symmetric_part};
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{Cholesky, DefaultAllocator, Dim, OMatrix, RealField};

// ================================================================================== cholesky

// A = LLᵀ, L lower triangular with a positive diagonal. With Φ(X) the lower triangle of X with
// its diagonal halved:
// Forward: dL = L·Φ(L⁻¹·dA·L⁻ᵀ)                           (Murray 2016, eq. 8)
// Reverse: S = L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹, Ā = (S + Sᵀ)/2            (Murray 2016, eq. 10, symmetrized)
// The tangent is symmetrized first (dA → (dA + dAᵀ)/2), so the two are adjoint to each other.
// Not handled: a matrix that is not positive definite panics, as `cholesky().unwrap()` does;
// the upper triangle of L̄ is ignored (L has none).

/// The lower-triangular Cholesky factor `L` of a symmetric positive-definite `A = LLᵀ`
/// (nalgebra's `cholesky().unwrap().l()`, which reads the lower triangle of `A`).
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky;
/// use nalgebra::Matrix2;
/// let l = cholesky(&Matrix2::new(4.0, 2.0, 2.0, 5.0));
/// assert_eq!(l, Matrix2::new(2.0, 0.0, 1.0, 2.0));
/// ```
pub fn cholesky<T, D>(a: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    factor(a, "cholesky").l()
}

/// Forward mode of [`cholesky`]: `(L, L·Φ(L⁻¹·sym(dA)·L⁻ᵀ))`, where `Φ` takes the lower triangle
/// with the diagonal halved and `sym(dA) = (dA + dAᵀ)/2`.
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_jvp;
/// use nalgebra::Matrix1;
/// // d√a = da/(2√a)
/// let (l, l_dot) = cholesky_jvp(&Matrix1::new(4.0), &Matrix1::new(1.0));
/// assert_eq!((l, l_dot), (Matrix1::new(2.0), Matrix1::new(0.25)));
/// ```
pub fn cholesky_jvp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (OMatrix<T, D, D>, OMatrix<T, D, D>)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let l = cholesky(a);
    // M = L⁻¹·sym(dA)·L⁻ᵀ = L⁻¹·(L⁻¹·sym(dA))ᵀ, since sym(dA) is symmetric.
    let w = l.solve_lower_triangular_unchecked(&symmetric_part(a_dot));
    let m = l.solve_lower_triangular_unchecked(&w.transpose());
    let l_dot = &l * phi(m);
    (l, l_dot)
}

/// Reverse mode of [`cholesky`]: the value and the pullback `L̄ ↦ (S + Sᵀ)/2` with
/// `S = L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹` (a symmetric adjoint).
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_vjp;
/// use nalgebra::Matrix1;
/// let (_, pullback) = cholesky_vjp(&Matrix1::new(4.0));
/// assert_eq!(pullback(Matrix1::new(1.0)), Matrix1::new(0.25));
/// ```
pub fn cholesky_vjp<T, D>(
    a: &OMatrix<T, D, D>,
) -> (
    OMatrix<T, D, D>,
    impl Fn(OMatrix<T, D, D>) -> OMatrix<T, D, D> + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let l = cholesky(a);
    (l.clone(), move |l_bar: OMatrix<T, D, D>| {
        cholesky_pullback(&l, &l_bar)
    })
}

/// sym(L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹), the adjoint of A for `L = chol(A)`.
fn cholesky_pullback<T, D>(l: &OMatrix<T, D, D>, l_bar: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    sandwich_inverse(l, &phi(l.tr_mul(l_bar)))
}

/// sym(L⁻ᵀ·P·L⁻¹) for a lower-triangular L.
fn sandwich_inverse<T, D>(l: &OMatrix<T, D, D>, p: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    // S = L⁻ᵀ·P·L⁻¹ = L⁻ᵀ·(L⁻ᵀ·Pᵀ)ᵀ
    let z = l.tr_solve_lower_triangular_unchecked(&p.transpose());
    let s = l.tr_solve_lower_triangular_unchecked(&z.transpose());
    symmetric_part(&s)
}

// Second order: the tangent program is S = sym(Ȧ), M = L⁻¹·S·L⁻ᵀ (symmetric), P = Φ(M),
// L̇ = L·P. Backwards from (L̄, L̇̄):
//   L̇ = L·P:          L̄ += L̇̄·Pᵀ,  P̄ = Lᵀ·L̇̄
//   P = Φ(M):          M̄ = Φ(P̄)    (Φ is a mask, its own adjoint)
//   M = L⁻¹·S·L⁻ᵀ:     S̄ = L⁻ᵀ·M̄·L⁻¹, and, from dM = −L⁻¹·dL·M − M·dLᵀ·L⁻ᵀ,
//                      L̄ += −L⁻ᵀ·(M̄ + M̄ᵀ)·M
//   then Ǡ = sym(S̄) (the first-order pullback of L̇̄), and Ā is the first-order pullback of the
//   accumulated L̄ (which reads only its lower triangle, the entries L has).

/// Second order of [`cholesky`], the reverse mode of [`cholesky_jvp`]: the value
/// `(L, L̇) = (L, L·Φ(M))` with `M = L⁻¹·sym(Ȧ)·L⁻ᵀ`, and the pullback `(L̄, L̇̄) ↦ (Ā, Ǡ)`:
/// with `M̄ = Φ(Lᵀ·L̇̄)`, `Ǡ = sym(L⁻ᵀ·M̄·L⁻¹)` (the first-order pullback of `L̇̄`) and `Ā` the
/// first-order pullback of `L̄ + L̇̄·Φ(M)ᵀ − L⁻ᵀ·(M̄ + M̄ᵀ)·M`. Both adjoints are symmetric.
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_jvp_vjp;
/// use nalgebra::Matrix1;
/// // √a at a = 4: the second derivative is −a^(−3/2)/4 = −1/32
/// let ((l, l_dot), pullback) = cholesky_jvp_vjp(&Matrix1::new(4.0), &Matrix1::new(1.0));
/// assert_eq!((l, l_dot), (Matrix1::new(2.0), Matrix1::new(0.25)));
/// assert_eq!(pullback((Matrix1::zeros(), Matrix1::new(1.0))), (Matrix1::new(-1.0 / 32.0), Matrix1::new(0.25)));
/// ```
pub fn cholesky_jvp_vjp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (
    (OMatrix<T, D, D>, OMatrix<T, D, D>),
    impl Fn((OMatrix<T, D, D>, OMatrix<T, D, D>)) -> (OMatrix<T, D, D>, OMatrix<T, D, D>) + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let l = cholesky(a);
    // As in `cholesky_jvp`: M = L⁻¹·(L⁻¹·sym(Ȧ))ᵀ
    let w = l.solve_lower_triangular_unchecked(&symmetric_part(a_dot));
    let m = l.solve_lower_triangular_unchecked(&w.transpose());
    let p = phi(m.clone());
    let l_dot = &l * &p;
    let p_t = p.transpose();
    (
        (l.clone(), l_dot),
        move |(l_bar, l_dot_bar): (OMatrix<T, D, D>, OMatrix<T, D, D>)| {
            let m_bar = phi(l.tr_mul(&l_dot_bar));
            let a_dot_bar = sandwich_inverse(&l, &m_bar);
            let m_bar_sym = &m_bar + m_bar.transpose();
            let through_m = l.tr_solve_lower_triangular_unchecked(&(m_bar_sym * &m));
            let l_bar = l_bar + &l_dot_bar * &p_t - through_m;
            (cholesky_pullback(&l, &l_bar), a_dot_bar)
        },
    )
}

/// Φ(X): the lower triangle of X with its diagonal halved (a self-adjoint mask).
fn phi<T, D>(mut x: OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let half = <T as Real>::from_f64(0.5);
    x.fill_upper_triangle(T::zero(), 1);
    for i in 0..x.nrows() {
        x[(i, i)] *= half;
    }
    x
}

// ======================================================== solves and the inverse by Cholesky

// X = A⁻¹B and Y = A⁻¹ through A = LLᵀ: nalgebra's `cholesky().unwrap().solve(b)` and
// `.inverse()`. The rules are those of every solve through a factorization (`super`'s
// `solve_*`: Ẋ = A⁻¹(Ḃ − sym(Ȧ)·X), B̄ = A⁻¹X̄, Ā = sym(−B̄·Xᵀ), and their second order), with
// the Cholesky factor for the solves (A⁻ᵀ = A⁻¹) and P = sym, the convention of the symmetric
// rules; the inverse is the solve with B = I, whose tangent is 0.
// `cholesky().unwrap().determinant()` needs no rule of its own: at a symmetric A the gradient
// of `det` (det(A)·A⁻¹) is symmetric already, so `det` serves (and `logdet` for its log).
// Not handled: a matrix that is not positive definite panics, as `cholesky().unwrap()` does.

impl<T, D> LinearSolver<T, D> for Cholesky<T, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    fn solve<C2: Dim>(&self, b: &OMatrix<T, D, C2>) -> OMatrix<T, D, C2>
    where
        DefaultAllocator: Allocator<D, C2>,
    {
        Cholesky::solve(self, b)
    }

    /// A is symmetric: A⁻ᵀB = A⁻¹B.
    fn solve_transpose<C2: Dim>(&self, b: &OMatrix<T, D, C2>) -> OMatrix<T, D, C2>
    where
        DefaultAllocator: Allocator<D, C2>,
    {
        Cholesky::solve(self, b)
    }

    /// The symmetric rules differentiate A ↦ f((A + Aᵀ)/2).
    fn project(&self, x: OMatrix<T, D, D>) -> OMatrix<T, D, D> {
        symmetric_part(&x)
    }
}

/// The Cholesky factorization of `A`, or a panic naming `function`.
fn factor<T, D>(a: &OMatrix<T, D, D>, function: &str) -> Cholesky<T, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    Cholesky::new(a.clone_owned()).unwrap_or_else(|| {
        panic!("matcalc::linalg::{function}: the matrix is not positive definite")
    })
}

/// The solution `X = A⁻¹B` of `AX = B` for a symmetric positive-definite `A`, through its
/// Cholesky factor (nalgebra's `cholesky().unwrap().solve(b)`, which reads the lower triangle
/// of `A`).
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_solve;
/// use nalgebra::{Matrix2, Vector2};
/// let x = cholesky_solve(&Matrix2::new(4.0, 2.0, 2.0, 5.0), &Vector2::new(6.0, 7.0));
/// assert!((x - Vector2::new(1.0, 1.0)).norm() < 1e-14);
/// ```
pub fn cholesky_solve<T, D, C2>(a: &OMatrix<T, D, D>, b: &OMatrix<T, D, C2>) -> OMatrix<T, D, C2>
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2>,
{
    factor(a, "cholesky_solve").solve(b)
}

/// Forward mode of [`cholesky_solve`]: `(X, A⁻¹(dB − sym(dA)·X))`.
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_solve_jvp;
/// use nalgebra::{Matrix1, Vector1};
/// // x = b/a: dx = db/a − x·da/a
/// let (x, x_dot) = cholesky_solve_jvp(&Matrix1::new(4.0), &Vector1::new(1.0), &Matrix1::new(1.0), &Vector1::new(1.0));
/// assert_eq!((x, x_dot), (Vector1::new(0.25), Vector1::new(0.1875)));
/// ```
pub fn cholesky_solve_jvp<T, D, C2>(
    a: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
    a_dot: &OMatrix<T, D, D>,
    b_dot: &OMatrix<T, D, C2>,
) -> (OMatrix<T, D, C2>, OMatrix<T, D, C2>)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2>,
{
    let chol = factor(a, "cholesky_solve");
    let x = Cholesky::solve(&chol, b);
    let x_dot = solve_tangent(&chol, &x, a_dot, b_dot);
    (x, x_dot)
}

/// Reverse mode of [`cholesky_solve`]: the value and the pullback `X̄ ↦ (Ā, B̄)` with
/// `B̄ = A⁻¹X̄` (through the factor of the forward sweep) and the symmetric `Ā = sym(−B̄·Xᵀ)`.
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_solve_vjp;
/// use nalgebra::{Matrix1, Vector1};
/// let (x, pullback) = cholesky_solve_vjp(&Matrix1::new(4.0), &Vector1::new(1.0));
/// assert_eq!(x, Vector1::new(0.25));
/// assert_eq!(pullback(Vector1::new(1.0)), (Matrix1::new(-0.0625), Vector1::new(0.25)));
/// ```
pub fn cholesky_solve_vjp<T, D, C2>(
    a: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
) -> (
    OMatrix<T, D, C2>,
    impl Fn(OMatrix<T, D, C2>) -> (OMatrix<T, D, D>, OMatrix<T, D, C2>) + use<T, D, C2>,
)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2> + Allocator<C2, D>,
{
    let chol = factor(a, "cholesky_solve");
    let x = Cholesky::solve(&chol, b);
    let pullback = solve_pullback(chol, &x);
    (x, pullback)
}

/// Second order of [`cholesky_solve`], the reverse mode of [`cholesky_solve_jvp`]: the value
/// `(X, Ẋ)` and the pullback `(X̄, Ẋ̄) ↦ (Ā, B̄, Ǡ, Ḃ̄)` with `R̄ = A⁻¹Ẋ̄`,
/// `B̄ = A⁻¹(X̄ − sym(Ȧ)R̄)`, `Ā = sym(−B̄Xᵀ − R̄Ẋᵀ)`, `Ǡ = sym(−R̄Xᵀ)`, `Ḃ̄ = R̄`.
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::{cholesky_solve_jvp, cholesky_solve_jvp_vjp};
/// use nalgebra::{Matrix1, Vector1};
/// // x = b/a at (a, b) = (4, 1): ∂²x/∂a² = 2b/a³ = 1/32
/// let (a, b, a_dot) = (Matrix1::new(4.0), Vector1::new(1.0), Matrix1::new(1.0));
/// let (value, pullback) = cholesky_solve_jvp_vjp(&a, &b, &a_dot, &Vector1::zeros());
/// assert_eq!(value, cholesky_solve_jvp(&a, &b, &a_dot, &Vector1::zeros()));
/// let (a_bar, _, _, _) = pullback((Vector1::zeros(), Vector1::new(1.0)));
/// assert_eq!(a_bar, Matrix1::new(1.0 / 32.0));
/// ```
pub fn cholesky_solve_jvp_vjp<T, D, C2>(
    a: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
    a_dot: &OMatrix<T, D, D>,
    b_dot: &OMatrix<T, D, C2>,
) -> (
    (OMatrix<T, D, C2>, OMatrix<T, D, C2>),
    impl Fn(
        (OMatrix<T, D, C2>, OMatrix<T, D, C2>),
    ) -> (
        OMatrix<T, D, D>,
        OMatrix<T, D, C2>,
        OMatrix<T, D, D>,
        OMatrix<T, D, C2>,
    ) + use<T, D, C2>,
)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2> + Allocator<C2, D>,
{
    let chol = factor(a, "cholesky_solve");
    let x = Cholesky::solve(&chol, b);
    solve_second(chol, x, a_dot, b_dot)
}

/// The inverse `A⁻¹` of a symmetric positive-definite `A`, through its Cholesky factor
/// (nalgebra's `cholesky().unwrap().inverse()`).
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_inverse;
/// use nalgebra::Matrix2;
/// let y = cholesky_inverse(&Matrix2::new(2.0, 0.0, 0.0, 4.0));
/// assert!((y - Matrix2::new(0.5, 0.0, 0.0, 0.25)).norm() < 1e-15);
/// ```
pub fn cholesky_inverse<T, D>(a: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    factor(a, "cholesky_inverse").inverse()
}

/// Forward mode of [`cholesky_inverse`]: `(Y, −Y·sym(dA)·Y)` with `Y = A⁻¹`.
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_inverse_jvp;
/// use nalgebra::Matrix1;
/// // d(1/a) = −da/a²
/// assert_eq!(cholesky_inverse_jvp(&Matrix1::new(4.0), &Matrix1::new(1.0)).1, Matrix1::new(-0.0625));
/// ```
pub fn cholesky_inverse_jvp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (OMatrix<T, D, D>, OMatrix<T, D, D>)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let chol = factor(a, "cholesky_inverse");
    let y = chol.inverse();
    let y_dot = solve_tangent(&chol, &y, a_dot, &a_dot.map(|_| T::zero()));
    (y, y_dot)
}

/// Reverse mode of [`cholesky_inverse`]: the value and the pullback `Ȳ ↦ sym(−Y·Ȳ·Y)`.
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_inverse_vjp;
/// use nalgebra::Matrix1;
/// let (y, pullback) = cholesky_inverse_vjp(&Matrix1::new(4.0));
/// assert_eq!((y, pullback(Matrix1::new(1.0))), (Matrix1::new(0.25), Matrix1::new(-0.0625)));
/// ```
pub fn cholesky_inverse_vjp<T, D>(
    a: &OMatrix<T, D, D>,
) -> (
    OMatrix<T, D, D>,
    impl Fn(OMatrix<T, D, D>) -> OMatrix<T, D, D> + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let chol = factor(a, "cholesky_inverse");
    let y = chol.inverse();
    let pullback = solve_pullback(chol, &y);
    (y, move |y_bar| pullback(y_bar).0)
}

/// Second order of [`cholesky_inverse`], the reverse mode of [`cholesky_inverse_jvp`]: the
/// value `(Y, Ẏ) = (A⁻¹, −Y·sym(Ȧ)·Y)` and the pullback `(Ȳ, Ẏ̄) ↦ (Ā, Ǡ)`, the solve's with
/// `B = I` (see [`cholesky_solve_jvp_vjp`]); both adjoints are symmetric.
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_inverse_jvp_vjp;
/// use nalgebra::Matrix1;
/// // 1/a at a = 4: the second derivative is 2/a³ = 1/32
/// let ((y, y_dot), pullback) = cholesky_inverse_jvp_vjp(&Matrix1::new(4.0), &Matrix1::new(1.0));
/// assert_eq!((y, y_dot), (Matrix1::new(0.25), Matrix1::new(-0.0625)));
/// assert_eq!(pullback((Matrix1::zeros(), Matrix1::new(1.0))), (Matrix1::new(1.0 / 32.0), Matrix1::new(-0.0625)));
/// ```
pub fn cholesky_inverse_jvp_vjp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (
    (OMatrix<T, D, D>, OMatrix<T, D, D>),
    impl Fn((OMatrix<T, D, D>, OMatrix<T, D, D>)) -> (OMatrix<T, D, D>, OMatrix<T, D, D>) + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let chol = factor(a, "cholesky_inverse");
    let y = chol.inverse();
    let (value, pullback) = solve_second(chol, y, a_dot, &a_dot.map(|_| T::zero()));
    (value, move |seed| {
        let (a_bar, _, a_dot_bar, _) = pullback(seed);
        (a_bar, a_dot_bar)
    })
}
