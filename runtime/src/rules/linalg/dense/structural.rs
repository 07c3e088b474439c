//! The structural maps: transpose and Kronecker products (the parts of a matrix, its columns,
//! rows and blocks, are in [`super::blocks`]).

// The second-order companions return a pair and a pullback, as every rule's does.
#![allow(clippy::type_complexity)]

use crate::rules::linalg::both;
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, DimMul, DimProd, OMatrix, RealField};

// ================================================================================== transpose

// Y = Aᵀ. Forward: dY = dAᵀ. Reverse: Ā = Ȳᵀ (linear; Giles §2.2.1).

/// The transpose `Aᵀ`, for matrices and vectors of any size.
///
/// ```
/// use matcalc_runtime::linalg::transpose;
/// use nalgebra::Matrix2x3;
/// let a = Matrix2x3::new(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
/// assert_eq!(transpose(&a), a.transpose());
/// ```
pub fn transpose<T, R, C>(a: &OMatrix<T, R, C>) -> OMatrix<T, C, R>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<C, R>,
{
    a.transpose()
}

/// Forward mode of [`transpose`]: `(Aᵀ, dAᵀ)`.
///
/// ```
/// use matcalc_runtime::linalg::transpose_jvp;
/// use nalgebra::DMatrix;
/// let a = DMatrix::from_row_slice(1, 2, &[1.0, 2.0]);
/// let (y, y_dot) = transpose_jvp(&a, &DMatrix::from_row_slice(1, 2, &[0.0, 1.0]));
/// assert_eq!((y.shape(), y_dot[(1, 0)]), ((2, 1), 1.0));
/// ```
pub fn transpose_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (OMatrix<T, C, R>, OMatrix<T, C, R>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<C, R>,
{
    (a.transpose(), a_dot.transpose())
}

/// Reverse mode of [`transpose`]: the value and the pullback `Ȳ ↦ Ȳᵀ`.
///
/// ```
/// use matcalc_runtime::linalg::transpose_vjp;
/// use nalgebra::Matrix2;
/// let (_, pullback) = transpose_vjp(&Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(pullback(Matrix2::new(0.0, 1.0, 0.0, 0.0)), Matrix2::new(0.0, 0.0, 1.0, 0.0));
/// ```
pub fn transpose_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
) -> (
    OMatrix<T, C, R>,
    impl Fn(OMatrix<T, C, R>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<C, R>,
{
    (a.transpose(), |y_bar: OMatrix<T, C, R>| y_bar.transpose())
}

/// Second order of [`transpose`], the reverse mode of [`transpose_jvp`] (linear): the value
/// `(Aᵀ, Ȧᵀ)` and the pullback `(Ȳ, Ẏ̄) ↦ (Ȳᵀ, Ẏ̄ᵀ)`.
///
/// ```
/// use matcalc_runtime::linalg::transpose_jvp_vjp;
/// use nalgebra::Matrix2;
/// let a = Matrix2::new(1.0, 2.0, 3.0, 4.0);
/// let ((y, y_dot), pullback) = transpose_jvp_vjp(&a, &Matrix2::identity());
/// assert_eq!((y, y_dot), (a.transpose(), Matrix2::identity()));
/// assert_eq!(pullback((a, Matrix2::zeros())), (a.transpose(), Matrix2::zeros()));
/// ```
pub fn transpose_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (OMatrix<T, C, R>, OMatrix<T, C, R>),
    impl Fn((OMatrix<T, C, R>, OMatrix<T, C, R>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<C, R>,
{
    (transpose_jvp(a, a_dot), both(transpose_vjp(a).1))
}

// ================================================================================== kronecker

// K = A ⊗ B, the block matrix [Aᵢⱼ·B]. Forward: dK = dA ⊗ B + A ⊗ dB. Reverse, with K̄ᵢⱼ the
// (i, j) block of K̄ (the shape of B): Āᵢⱼ = ⟨K̄ᵢⱼ, B⟩ and B̄ = Σᵢⱼ Aᵢⱼ·K̄ᵢⱼ (18.S096 §3).

/// The Kronecker product `A ⊗ B`.
///
/// ```
/// use matcalc_runtime::linalg::kronecker;
/// use nalgebra::{Matrix2, Matrix4};
/// let k = kronecker(&Matrix2::identity(), &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(k[(2, 3)], 2.0);
/// assert_eq!(k.shape(), (4, 4));
/// ```
pub fn kronecker<T, R1, C1, R2, C2>(
    a: &OMatrix<T, R1, C1>,
    b: &OMatrix<T, R2, C2>,
) -> OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>
where
    T: Real + RealField,
    R1: Dim + DimMul<R2>,
    C1: Dim + DimMul<C2>,
    R2: Dim,
    C2: Dim,
    DefaultAllocator:
        Allocator<R1, C1> + Allocator<R2, C2> + Allocator<DimProd<R1, R2>, DimProd<C1, C2>>,
{
    a.kronecker(b)
}

/// Forward mode of [`kronecker`]: `(A ⊗ B, dA ⊗ B + A ⊗ dB)`.
///
/// ```
/// use matcalc_runtime::linalg::kronecker_jvp;
/// use nalgebra::DMatrix;
/// let (a, b) = (DMatrix::from_element(1, 1, 2.0), DMatrix::from_element(1, 2, 3.0));
/// let (k, k_dot) = kronecker_jvp(&a, &b, &DMatrix::from_element(1, 1, 1.0), &DMatrix::zeros(1, 2));
/// assert_eq!((k[(0, 1)], k_dot[(0, 1)]), (6.0, 3.0));
/// ```
pub fn kronecker_jvp<T, R1, C1, R2, C2>(
    a: &OMatrix<T, R1, C1>,
    b: &OMatrix<T, R2, C2>,
    a_dot: &OMatrix<T, R1, C1>,
    b_dot: &OMatrix<T, R2, C2>,
) -> (
    OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
    OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
)
where
    T: Real + RealField,
    R1: Dim + DimMul<R2>,
    C1: Dim + DimMul<C2>,
    R2: Dim,
    C2: Dim,
    DefaultAllocator:
        Allocator<R1, C1> + Allocator<R2, C2> + Allocator<DimProd<R1, R2>, DimProd<C1, C2>>,
{
    (a.kronecker(b), a_dot.kronecker(b) + a.kronecker(b_dot))
}

/// Reverse mode of [`kronecker`]: the value and the pullback `K̄ ↦ (Ā, B̄)` with
/// `Āᵢⱼ = ⟨K̄ᵢⱼ, B⟩` and `B̄ = Σᵢⱼ Aᵢⱼ·K̄ᵢⱼ` over the blocks `K̄ᵢⱼ` of `K̄`.
///
/// ```
/// use matcalc_runtime::linalg::kronecker_vjp;
/// use nalgebra::{Matrix1, Matrix2, Vector2};
/// let (k, pullback) = kronecker_vjp(&Matrix1::new(2.0), &Vector2::new(3.0, 4.0));
/// assert_eq!(k, Vector2::new(6.0, 8.0));
/// let (a_bar, b_bar) = pullback(Vector2::new(1.0, 1.0));
/// assert_eq!((a_bar, b_bar), (Matrix1::new(7.0), Vector2::new(2.0, 2.0)));
/// ```
pub fn kronecker_vjp<T, R1, C1, R2, C2>(
    a: &OMatrix<T, R1, C1>,
    b: &OMatrix<T, R2, C2>,
) -> (
    OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
    impl Fn(OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>) -> (OMatrix<T, R1, C1>, OMatrix<T, R2, C2>)
    + use<T, R1, C1, R2, C2>,
)
where
    T: Real + RealField,
    R1: Dim + DimMul<R2>,
    C1: Dim + DimMul<C2>,
    R2: Dim,
    C2: Dim,
    DefaultAllocator:
        Allocator<R1, C1> + Allocator<R2, C2> + Allocator<DimProd<R1, R2>, DimProd<C1, C2>>,
{
    let (a, b) = (a.clone(), b.clone());
    (a.kronecker(&b), move |k_bar| {
        kronecker_pullback(&a, &b, &k_bar)
    })
}

/// The adjoints `(Ā, B̄)` of `K = A ⊗ B`: `Āᵢⱼ = ⟨K̄ᵢⱼ, B⟩`, `B̄ = Σᵢⱼ Aᵢⱼ·K̄ᵢⱼ`.
fn kronecker_pullback<T, R1, C1, R2, C2>(
    a: &OMatrix<T, R1, C1>,
    b: &OMatrix<T, R2, C2>,
    k_bar: &OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
) -> (OMatrix<T, R1, C1>, OMatrix<T, R2, C2>)
where
    T: Real + RealField,
    R1: Dim + DimMul<R2>,
    C1: Dim + DimMul<C2>,
    R2: Dim,
    C2: Dim,
    DefaultAllocator:
        Allocator<R1, C1> + Allocator<R2, C2> + Allocator<DimProd<R1, R2>, DimProd<C1, C2>>,
{
    let (mb, nb) = b.shape();
    let mut a_bar = a.clone_owned();
    let mut b_bar = b.clone_owned();
    b_bar.fill(T::zero());
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            let a_ij = a[(i, j)];
            let mut inner = T::zero();
            for q in 0..nb {
                for p in 0..mb {
                    let k = k_bar[(i * mb + p, j * nb + q)];
                    inner += k * b[(p, q)];
                    b_bar[(p, q)] += a_ij * k;
                }
            }
            a_bar[(i, j)] = inner;
        }
    }
    (a_bar, b_bar)
}

// Second order: K̇ = Ȧ ⊗ B + A ⊗ Ḃ is bilinear in (A, Ḃ) and in (Ȧ, B); with P(X, Z; W) the
// first-order adjoints of X ⊗ Z paired with W:
// (Ā, B̄) = P(A, B; K̄) + (P(A, Ḃ; K̇̄)₁, P(Ȧ, B; K̇̄)₂), (Ǡ, Ḃ̄) = P(A, B; K̇̄).

/// Second order of [`kronecker`], the reverse mode of [`kronecker_jvp`]: the value
/// `(A ⊗ B, Ȧ ⊗ B + A ⊗ Ḃ)` and the pullback `(K̄, K̇̄) ↦ (Ā, B̄, Ǡ, Ḃ̄)`, where `(Ǡ, Ḃ̄)` is the
/// first-order pullback of `K̇̄`, and `(Ā, B̄)` that of `K̄` plus the pullback of `K̇̄` through
/// `Ȧ ⊗ B + A ⊗ Ḃ` with respect to `A` and `B`.
///
/// ```
/// use matcalc_runtime::linalg::kronecker_jvp_vjp;
/// use nalgebra::{Matrix1, Vector2};
/// let (a, b) = (Matrix1::new(2.0), Vector2::new(3.0, 4.0));
/// let ((k, k_dot), pullback) = kronecker_jvp_vjp(&a, &b, &Matrix1::new(1.0), &Vector2::zeros());
/// assert_eq!((k, k_dot), (Vector2::new(6.0, 8.0), b));
/// let (a_bar, b_bar, a_dot_bar, b_dot_bar) = pullback((Vector2::zeros(), Vector2::new(1.0, 1.0)));
/// assert_eq!((a_bar, b_bar), (Matrix1::new(0.0), Vector2::new(1.0, 1.0)));
/// assert_eq!((a_dot_bar, b_dot_bar), (Matrix1::new(7.0), Vector2::new(2.0, 2.0)));
/// ```
pub fn kronecker_jvp_vjp<T, R1, C1, R2, C2>(
    a: &OMatrix<T, R1, C1>,
    b: &OMatrix<T, R2, C2>,
    a_dot: &OMatrix<T, R1, C1>,
    b_dot: &OMatrix<T, R2, C2>,
) -> (
    (
        OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
        OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
    ),
    impl Fn(
        (
            OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
            OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
        ),
    ) -> (
        OMatrix<T, R1, C1>,
        OMatrix<T, R2, C2>,
        OMatrix<T, R1, C1>,
        OMatrix<T, R2, C2>,
    ) + use<T, R1, C1, R2, C2>,
)
where
    T: Real + RealField,
    R1: Dim + DimMul<R2>,
    C1: Dim + DimMul<C2>,
    R2: Dim,
    C2: Dim,
    DefaultAllocator:
        Allocator<R1, C1> + Allocator<R2, C2> + Allocator<DimProd<R1, R2>, DimProd<C1, C2>>,
{
    let value = kronecker_jvp(a, b, a_dot, b_dot);
    let (a, b, a_dot, b_dot) = (a.clone(), b.clone(), a_dot.clone(), b_dot.clone());
    (value, move |(k_bar, k_dot_bar)| {
        let (a_bar, b_bar) = kronecker_pullback(&a, &b, &k_bar);
        let (a_dot_bar, b_dot_bar) = kronecker_pullback(&a, &b, &k_dot_bar);
        // K̇̄ through Ȧ ⊗ B (to B) and A ⊗ Ḃ (to A)
        let (a_second, _) = kronecker_pullback(&a, &b_dot, &k_dot_bar);
        let (_, b_second) = kronecker_pullback(&a_dot, &b, &k_dot_bar);
        (a_bar + a_second, b_bar + b_second, a_dot_bar, b_dot_bar)
    })
}
