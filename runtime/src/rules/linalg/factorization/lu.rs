//! The LU-based rules: the determinant, the log-determinant, the inverse and linear solves
//! (`a.determinant()`, `a.try_inverse()` and `a.lu().solve(b)` in nalgebra's spelling), all
//! from one LU factorization `PA = LU` that the pullbacks keep.
//!
//! Sources: M. B. Giles, "Collected matrix derivative results for forward and reverse mode
//! algorithmic differentiation" (2008), cited as Giles §n; Bright, Edelman and Johnson, "Matrix
//! Calculus (for Machine Learning and Beyond)", arXiv 2501.14787 (the MIT 18.S096 notes), cited
//! as 18.S096 §n.

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use super::{LinearSolver, solve_pullback, solve_second, solve_tangent};
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{DMatrix, DefaultAllocator, Dim, DimMin, OMatrix, OVector, RealField, U1};
use num_traits::Float;

// ========================================================================= the LU-based rules

/// The LU factorization `PA = LU` of a square matrix, kept by the pullbacks of `det`, `logdet`
/// and `solve` so that the reverse sweep reuses the factorization of the forward sweep.
///
/// It is nalgebra's `LU::new` (partial pivoting, the same pivots and the same floating-point
/// operations in the same order, so the same determinant bit for bit as `determinant()`), but
/// held in storage of our own: nalgebra's keeps the factors private and hands out copies of L
/// and U, while the rules here solve and invert in place, column by column, on the packed
/// factors (one copy of A for the factorization, none per solve).
struct Lu<T, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    /// U on and above the diagonal, the multipliers of L below it (L's unit diagonal implied).
    packed: OMatrix<T, D, D>,
    /// Step k swapped rows k and `swaps[k]` (LAPACK's `ipiv`; `swaps[k] = k` when it did not).
    swaps: OVector<usize, D>,
    /// Whether P is an odd permutation, the sign of det P.
    odd: bool,
}

impl<T, D> Lu<T, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    fn new(a: &OMatrix<T, D, D>) -> Self {
        let mut packed = a.clone_owned();
        let dim = packed.shape_generic().0;
        let mut swaps = OVector::<usize, D>::from_fn_generic(dim, U1, |i, _| i);
        let mut odd = false;
        let n = dim.value();
        let m = packed.as_mut_slice();
        for i in 0..n {
            // The first entry of largest magnitude on or below the diagonal (nalgebra's icamax).
            let column = &m[i * n..(i + 1) * n];
            let (mut piv, mut largest) = (i, Float::abs(column[i]));
            for (r, x) in column.iter().enumerate().skip(i + 1) {
                if Float::abs(*x) > largest {
                    (piv, largest) = (r, Float::abs(*x));
                }
            }
            let diag = column[piv];
            if diag == T::zero() {
                // Nothing to eliminate in this column, as in nalgebra: U gets a zero pivot.
                continue;
            }
            if piv != i {
                swaps[i] = piv;
                odd = !odd;
                for c in 0..n {
                    m.swap(c * n + i, c * n + piv);
                }
            }
            let inv_diag = T::one() / diag;
            let (left, right) = m.split_at_mut((i + 1) * n);
            let multipliers = &mut left[i * n + i + 1..];
            for l in multipliers.iter_mut() {
                *l *= inv_diag;
            }
            for column in right.chunks_exact_mut(n) {
                let u = column[i];
                axpy(&mut column[i + 1..], -u, multipliers);
            }
        }
        Lu { packed, swaps, odd }
    }

    fn n(&self) -> usize {
        self.packed.nrows()
    }

    /// Column j of the packed factors.
    fn column(&self, j: usize) -> &[T] {
        let n = self.n();
        &self.packed.as_slice()[j * n..(j + 1) * n]
    }

    /// The diagonal of U, the pivots.
    fn pivots(&self) -> impl Iterator<Item = T> + '_ {
        (0..self.n()).map(|i| self.packed[(i, i)])
    }

    /// Whether a pivot is exactly 0 (nalgebra's test, the one its solves use).
    fn is_singular(&self) -> bool {
        self.pivots().any(|p| p == T::zero())
    }

    /// det A = det(P)·Π uᵢᵢ, in nalgebra's order of products.
    fn determinant(&self) -> T {
        let product = self.pivots().fold(T::one(), |res, p| res * p);
        if self.odd { -product } else { product }
    }

    /// s·A⁻ᵀ, keeping the factors (a pullback called again needs them).
    fn scaled_inverse_transpose(&self, s: T) -> OMatrix<T, D, D> {
        Lu {
            packed: self.packed.clone(),
            swaps: self.swaps.clone(),
            odd: self.odd,
        }
        .into_scaled_inverse_transpose(s)
    }

    /// s·A⁻ᵀ in the storage of the factors. A⁻¹ = U⁻¹L⁻¹P as LAPACK's getri computes it: U⁻¹
    /// in place, then X = U⁻¹L⁻¹ from X·L = U⁻¹ column by column from the last, then the column
    /// swaps of P; about 2/3·n³ multiply-adds against n³ for two triangular solves with the
    /// identity, and every inner loop an update of a contiguous column. With a zero pivot the
    /// entries are infinite or NaN (no panic).
    fn into_scaled_inverse_transpose(mut self, s: T) -> OMatrix<T, D, D> {
        let n = self.n();
        let m = self.packed.as_mut_slice();
        // U⁻¹, column by column: with W = U⁻¹ on columns 0..j, column j of W is
        // −W[0..j, 0..j]·U[0..j, j]/uⱼⱼ above the diagonal and 1/uⱼⱼ on it.
        for j in 0..n {
            let (done, rest) = m.split_at_mut(j * n);
            let column = &mut rest[..n];
            let w_jj = T::one() / column[j];
            column[j] = w_jj;
            for k in 0..j {
                let u_kj = column[k];
                axpy(&mut column[..k], u_kj, &done[k * n..k * n + k]);
                column[k] = done[k * n + k] * u_kj;
            }
            for x in &mut column[..j] {
                *x *= -w_jj;
            }
        }
        // X·L = U⁻¹: column j of X is column j of U⁻¹ minus Σₖ₌ⱼ₊₁ lₖⱼ·(column k of X).
        let mut multipliers = vec![T::zero(); n];
        for j in (0..n).rev() {
            let (left, done) = m.split_at_mut((j + 1) * n);
            let column = &mut left[j * n..];
            for (l, x) in multipliers[j + 1..].iter_mut().zip(&mut column[j + 1..]) {
                *l = *x;
                *x = T::zero();
            }
            for (k, x_k) in done.chunks_exact(n).enumerate() {
                axpy(column, -multipliers[j + 1 + k], x_k);
            }
        }
        // A⁻¹ = X·P: the column swaps of P, last first.
        for k in (0..n).rev() {
            let piv = self.swaps[k];
            if piv != k {
                let (left, right) = m.split_at_mut(piv * n);
                left[k * n..(k + 1) * n].swap_with_slice(&mut right[..n]);
            }
        }
        // s·A⁻ᵀ by swaps across the diagonal.
        for j in 0..n {
            m[j * n + j] *= s;
            for i in j + 1..n {
                let (lower, upper) = (m[j * n + i], m[i * n + j]);
                m[j * n + i] = upper * s;
                m[i * n + j] = lower * s;
            }
        }
        self.packed
    }
}

impl<T, D> LinearSolver<T, D> for Lu<T, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    /// A⁻¹B by the triangular solves of nalgebra's `LU::solve` (the same operations); with a
    /// zero pivot the entries are infinite or NaN (no panic).
    fn solve<C2: Dim>(&self, b: &OMatrix<T, D, C2>) -> OMatrix<T, D, C2>
    where
        DefaultAllocator: Allocator<D, C2>,
    {
        let mut x = b.clone_owned();
        let n = self.n();
        if n == 0 {
            return x;
        }
        // Columns of B in blocks, each step of the substitutions applied to every column of a
        // block in turn: the column of the factors it reads stays in cache across the block.
        for block in x.as_mut_slice().chunks_mut(BLOCK * n) {
            for x in block.chunks_exact_mut(n) {
                for (k, piv) in self.swaps.iter().enumerate() {
                    x.swap(k, *piv);
                }
            }
            // Ly = Pb, L unit lower triangular.
            for k in 0..n {
                let l = &self.column(k)[k + 1..];
                for x in block.chunks_exact_mut(n) {
                    let y_k = x[k];
                    axpy(&mut x[k + 1..], -y_k, l);
                }
            }
            // Ux = y.
            for k in (0..n).rev() {
                let u = self.column(k);
                for x in block.chunks_exact_mut(n) {
                    let x_k = x[k] / u[k];
                    x[k] = x_k;
                    axpy(&mut x[..k], -x_k, &u[..k]);
                }
            }
        }
        x
    }

    /// A⁻ᵀB with the same factors: Aᵀ = UᵀLᵀP, so solve Uᵀz = B, then Lᵀw = z, then x = Pᵀw.
    /// Row i of Uᵀ (and of Lᵀ) is column i of the packed factors, so each step is a dot
    /// product with a contiguous column.
    fn solve_transpose<C2: Dim>(&self, b: &OMatrix<T, D, C2>) -> OMatrix<T, D, C2>
    where
        DefaultAllocator: Allocator<D, C2>,
    {
        let mut x = b.clone_owned();
        let n = self.n();
        if n == 0 {
            return x;
        }
        for block in x.as_mut_slice().chunks_mut(BLOCK * n) {
            for i in 0..n {
                let u = self.column(i);
                for x in block.chunks_exact_mut(n) {
                    x[i] = (x[i] - dot(&u[..i], &x[..i])) / u[i];
                }
            }
            for i in (0..n).rev() {
                let l = &self.column(i)[i + 1..];
                for x in block.chunks_exact_mut(n) {
                    x[i] -= dot(l, &x[i + 1..]);
                }
            }
            for x in block.chunks_exact_mut(n) {
                for (k, piv) in self.swaps.iter().enumerate().rev() {
                    x.swap(k, *piv);
                }
            }
        }
        x
    }

    /// LU reads every entry of A.
    fn project(&self, x: OMatrix<T, D, D>) -> OMatrix<T, D, D> {
        x
    }
}

/// The number of right-hand sides the solves take together.
const BLOCK: usize = 8;

/// y ← a·x + y, nalgebra's `axpy` with β = 1 (the same rounding), on slices so that it
/// vectorizes.
fn axpy<T: Real>(y: &mut [T], a: T, x: &[T]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y = a * *x + *y;
    }
}

/// xᵀy with four partial sums, so that each addition does not wait for the one before.
fn dot<T: Real>(x: &[T], y: &[T]) -> T {
    let mut sums = [T::zero(); 4];
    let (x_chunks, y_chunks) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail = x_chunks
        .remainder()
        .iter()
        .zip(y_chunks.remainder())
        .fold(T::zero(), |s, (x, y)| s + *x * *y);
    for (x, y) in x_chunks.zip(y_chunks) {
        for ((s, x), y) in sums.iter_mut().zip(x).zip(y) {
            *s += *x * *y;
        }
    }
    (sums[0] + sums[1]) + (sums[2] + sums[3]) + tail
}

// ======================================================================================== det

// y = det A. Forward: dy = det(A)·tr(A⁻¹dA) = tr(adj(A)·dA) = ⟨cof A, dA⟩. Reverse:
// Ā = ȳ·cof(A), the cofactor matrix, which is det(A)·A⁻ᵀ when A is invertible (Giles §2.2.2;
// 18.S096 §5.1, "the gradient of det is the cofactor matrix").
//
// Both modes use cof(A) itself, not det(A)·A⁻ᵀ, so that they stay finite and exact at singular
// matrices: cof([[1, 2], [2, 4]]) = [[4, −2], [−2, 1]]. It comes from the LU of the primal when the
// pivots are well away from 0 (smallest |uᵢᵢ| above √ε times the largest) and otherwise from an
// SVD A = UΣVᵀ: cof(A) = det(U)·det(V)·U·diag(Πⱼ≠ᵢ σⱼ)·Vᵀ, which involves no division.
// Not handled: matrices with NaN or infinite entries give NaN, as the primal does.

/// The determinant `det A` (nalgebra's `determinant`).
///
/// ```
/// use matcalc_runtime::linalg::det;
/// use nalgebra::Matrix2;
/// assert_eq!(det(&Matrix2::new(1.0, 2.0, 3.0, 4.0)), -2.0);
/// ```
pub fn det<T, D>(a: &OMatrix<T, D, D>) -> T
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    a.determinant()
}

/// Forward mode of [`det`]: `(det A, ⟨cof A, dA⟩)`, finite at singular matrices.
///
/// ```
/// use matcalc_runtime::linalg::det_jvp;
/// use nalgebra::Matrix2;
/// // d det = det(A)·tr(A⁻¹dA): along dA = A, d det = n·det A
/// let a = Matrix2::new(2.0f64, 1.0, 1.0, 3.0);
/// let (d, d_dot) = det_jvp(&a, &a);
/// assert!((d_dot - 2.0 * d).abs() < 1e-12);
/// ```
pub fn det_jvp<T, D>(a: &OMatrix<T, D, D>, a_dot: &OMatrix<T, D, D>) -> (T, T)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    if let Some(cof) = small_cofactor(a) {
        return (a.determinant(), cof.dot(a_dot));
    }
    let lu = Lu::new(a);
    let value = det_value(a, &lu);
    (value, cofactor(a, lu).dot(a_dot))
}

/// Reverse mode of [`det`]: the value and the pullback `ȳ ↦ ȳ·cof(A)`, the cofactor matrix
/// (`det(A)·A⁻ᵀ` when A is invertible, and still finite and exact when it is not).
///
/// ```
/// use matcalc_runtime::linalg::det_vjp;
/// use nalgebra::Matrix2;
/// let (d, pullback) = det_vjp(&Matrix2::new(1.0, 2.0, 2.0, 4.0));
/// assert_eq!(d, 0.0);
/// let g = pullback(1.0);
/// assert!((g - Matrix2::new(4.0, -2.0, -2.0, 1.0)).norm() < 1e-14);
/// ```
pub fn det_vjp<T, D>(a: &OMatrix<T, D, D>) -> (T, impl Fn(T) -> OMatrix<T, D, D> + use<T, D>)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let (value, cof) = match small_cofactor(a) {
        Some(cof) => (a.determinant(), cof),
        None => {
            let lu = Lu::new(a);
            (det_value(a, &lu), cofactor(a, lu))
        }
    };
    (value, move |y_bar: T| &cof * y_bar)
}

// Second order: ẏ = ⟨cof A, Ȧ⟩, whose gradient with respect to A is H = D cof(A)[Ȧ], the
// Hessian of det applied to Ȧ (symmetric: det″(A)[U, V] = ⟨D cof(A)[U], V⟩ =
// det(A)·(tr(A⁻¹U)·tr(A⁻¹V) − tr(A⁻¹UA⁻¹V)), 18.S096 §5.1 differentiated once more). So
// Ā = ȳ·cof A + ẏ̄·H, Ǡ = ẏ̄·cof A, with, for invertible A,
// H = det A·(tr(A⁻¹Ȧ)·A⁻ᵀ − A⁻ᵀȦᵀA⁻ᵀ).
// Like cof A, H stays finite and exact at singular matrices: in the SVD branch, with
// M = UᵀȦV, s = det(U)·det(V) and Pᵢⱼ = Πₖ∉{i,j} σₖ (Pᵢᵢ = 0), the terms i = j of the formula
// cancel and H = s·U·(diag(P·diag M) − P ∘ Mᵀ)·Vᵀ, which involves no division.

/// Second order of [`det`], the reverse mode of [`det_jvp`]: the value `(det A, ⟨cof A, Ȧ⟩)`
/// and the pullback `(ȳ, ẏ̄) ↦ (ȳ·cof A + ẏ̄·H, ẏ̄·cof A)`, with `H = det A·(tr(A⁻¹Ȧ)·A⁻ᵀ −
/// A⁻ᵀȦᵀA⁻ᵀ)` the Hessian of det applied to `Ȧ` (computed without division near singular
/// matrices, so finite and exact there too).
///
/// ```
/// use matcalc_runtime::linalg::det_jvp_vjp;
/// use nalgebra::Matrix2;
/// // det″(A)[U, V] = det A·(tr(A⁻¹U)·tr(A⁻¹V) − tr(A⁻¹UA⁻¹V)); for 2×2, det″ = ⟨H, V⟩ with
/// // H = [[u₂₂, −u₂₁], [−u₁₂, u₁₁]] whatever A
/// let a = Matrix2::new(2.0f64, 1.0, 1.0, 3.0);
/// let u = Matrix2::new(1.0, 2.0, 3.0, 4.0);
/// let ((d, _), pullback) = det_jvp_vjp(&a, &u);
/// assert!((d - 5.0).abs() < 1e-14);
/// let (h, cofactor) = pullback((0.0, 1.0));
/// assert!((h - Matrix2::new(4.0, -3.0, -2.0, 1.0)).norm() < 1e-14);
/// assert!((cofactor - Matrix2::new(3.0, -1.0, -1.0, 2.0)).norm() < 1e-14);
/// ```
pub fn det_jvp_vjp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (
    (T, T),
    impl Fn((T, T)) -> (OMatrix<T, D, D>, OMatrix<T, D, D>) + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let lu = Lu::new(a);
    let (cof, h) = cofactor_and_derivative(a, &lu, Some(a_dot));
    let h = h.expect("the derivative was asked for");
    let value = (det_value(a, &lu), cof.dot(a_dot));
    (value, move |(y_bar, y_dot_bar): (T, T)| {
        (&cof * y_bar + &h * y_dot_bar, &cof * y_dot_bar)
    })
}

/// The determinant as nalgebra's `determinant` computes it: closed forms up to 3×3, the LU
/// beyond.
fn det_value<T, D>(a: &OMatrix<T, D, D>, lu: &Lu<T, D>) -> T
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    if a.nrows() <= 3 {
        a.determinant()
    } else {
        lu.determinant()
    }
}

/// The cofactor matrix of a matrix of size 1 to 3 by its closed form, as nalgebra's
/// `determinant` computes the value there: products of entries, exact at singular matrices and
/// without a factorization. For 3×3, with columns a₀, a₁, a₂ and det A = a₀·(a₁×a₂), the
/// columns of cof A are a₁×a₂, a₂×a₀ and a₀×a₁. `None` for larger matrices.
fn small_cofactor<T, D>(a: &OMatrix<T, D, D>) -> Option<OMatrix<T, D, D>>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    if !(1..=3).contains(&a.nrows()) {
        return None;
    }
    let mut cof = a.clone_owned();
    match a.nrows() {
        1 => cof[(0, 0)] = T::one(),
        2 => {
            cof[(0, 0)] = a[(1, 1)];
            cof[(0, 1)] = -a[(1, 0)];
            cof[(1, 0)] = -a[(0, 1)];
            cof[(1, 1)] = a[(0, 0)];
        }
        // 3×3, the size left
        _ => {
            for (j, (p, q)) in [(1, 2), (2, 0), (0, 1)].into_iter().enumerate() {
                // column j of cof A: a_p × a_q
                for i in 0..3 {
                    let (r, s) = ((i + 1) % 3, (i + 2) % 3);
                    cof[(i, j)] = a[(r, p)] * a[(s, q)] - a[(s, p)] * a[(r, q)];
                }
            }
        }
    }
    Some(cof)
}

/// The cofactor matrix cof(A) = adj(A)ᵀ = det(A)·A⁻ᵀ, from the LU when its pivots are safely
/// nonzero (in the LU's own storage: no factorization and no matrix beyond it) and from the
/// SVD otherwise.
fn cofactor<T, D>(a: &OMatrix<T, D, D>, lu: Lu<T, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    if lu_serves(a, &lu) {
        let det = lu.determinant();
        lu.into_scaled_inverse_transpose(det)
    } else {
        svd_cofactor_and_derivative(a, None).0
    }
}

/// Whether cof(A) is taken from the LU: its pivots are well away from 0 (the smallest |uᵢᵢ|
/// above √ε times the largest), or A has entries that are not finite (NaN out, as the primal).
fn lu_serves<T, D>(a: &OMatrix<T, D, D>, lu: &Lu<T, D>) -> bool
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let (smallest, largest) = lu.pivots().fold((T::infinity(), T::zero()), |(s, l), p| {
        let p = Float::abs(p);
        (Float::min(s, p), Float::max(l, p))
    });
    let well_conditioned = smallest > Float::sqrt(<T as Float>::epsilon()) * largest;
    a.nrows() == 0 || well_conditioned || a.iter().any(|x| !Float::is_finite(*x))
}

/// The cofactor matrix cof(A) and, given `a_dot`, its derivative D cof(A)\[Ȧ\] (the Hessian of
/// det applied to Ȧ), both from the LU when its pivots are safely nonzero and from the SVD
/// otherwise.
fn cofactor_and_derivative<T, D>(
    a: &OMatrix<T, D, D>,
    lu: &Lu<T, D>,
    a_dot: Option<&OMatrix<T, D, D>>,
) -> (OMatrix<T, D, D>, Option<OMatrix<T, D, D>>)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    if !lu_serves(a, lu) {
        return svd_cofactor_and_derivative(a, a_dot);
    }
    let det = lu.determinant();
    let inverse_transpose = lu.scaled_inverse_transpose(T::one());
    // H = det A·(tr(X)·A⁻ᵀ − A⁻ᵀXᵀ) with X = A⁻¹Ȧ, since A⁻ᵀȦᵀA⁻ᵀ = A⁻ᵀ(A⁻¹Ȧ)ᵀ.
    let derivative = a_dot.map(|a_dot| {
        let x = lu.solve(a_dot);
        (&inverse_transpose * x.trace() - &inverse_transpose * x.transpose()) * det
    });
    (inverse_transpose * det, derivative)
}

/// cof(A) and D cof(A)\[Ȧ\] from the SVD A = UΣVᵀ, without dividing by a singular value, so
/// exact at singular matrices (formulas in the section comment above).
fn svd_cofactor_and_derivative<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: Option<&OMatrix<T, D, D>>,
) -> (OMatrix<T, D, D>, Option<OMatrix<T, D, D>>)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let n = a.nrows();
    let dense = DMatrix::from_iterator(n, n, a.iter().copied());
    let svd = dense.svd(true, true);
    let (u, v_t) = (
        svd.u.expect("the SVD computed U"),
        svd.v_t.expect("the SVD computed Vᵀ"),
    );
    let sign = Float::signum(u.determinant()) * Float::signum(v_t.determinant());
    let sigma = &svd.singular_values;
    // Πⱼ≠ᵢ σⱼ from prefix and suffix products, without dividing by σᵢ.
    let mut products = vec![T::one(); n];
    let mut prefix = T::one();
    for (i, p) in products.iter_mut().enumerate() {
        *p = prefix;
        prefix *= sigma[i];
    }
    let mut suffix = T::one();
    for (i, p) in products.iter_mut().enumerate().rev() {
        *p *= suffix;
        suffix *= sigma[i];
    }
    let (r, c) = a.shape_generic();
    let derivative = a_dot.map(|a_dot| {
        // Pᵢⱼ = Πₖ∉{i,j} σₖ, without dividing; 0 on the diagonal.
        let pair_products = DMatrix::from_fn(n, n, |i, j| {
            if i == j {
                T::zero()
            } else {
                (0..n)
                    .filter(|k| *k != i && *k != j)
                    .fold(T::one(), |p, k| p * sigma[k])
            }
        });
        let a_dot = DMatrix::from_iterator(n, n, a_dot.iter().copied());
        let m = u.tr_mul(&(a_dot * v_t.transpose()));
        // G = s·(diag(P·diag M) − P ∘ Mᵀ), H = U·G·Vᵀ
        let weighted = &pair_products * m.diagonal();
        let mut g = -pair_products.component_mul(&m.transpose());
        for j in 0..n {
            g[(j, j)] += weighted[j];
        }
        let h = &u * g * &v_t * sign;
        OMatrix::<T, D, D>::from_iterator_generic(r, c, h.iter().copied())
    });
    let mut scaled_u = u;
    for (i, p) in products.iter().enumerate() {
        scaled_u.column_mut(i).scale_mut(*p * sign);
    }
    let cof = scaled_u * v_t;
    (
        OMatrix::<T, D, D>::from_iterator_generic(r, c, cof.iter().copied()),
        derivative,
    )
}

// ===================================================================================== logdet

// y = log|det A|. Forward: dy = tr(A⁻¹dA). Reverse: Ā = ȳ·A⁻ᵀ (Giles §2.2.2; 18.S096 §5.1).
// The value is Σ log|uᵢᵢ| over the LU pivots, so it neither overflows nor underflows where det
// would, and it is valid for negative determinants (log|det| has the same derivative).
// Not handled: at a singular A the value is −∞ and the derivatives are infinite or NaN.

/// `log |det A|`, valid for negative determinants.
///
/// ```
/// use matcalc_runtime::linalg::logdet;
/// use nalgebra::Matrix2;
/// // det = -2
/// assert!((logdet(&Matrix2::new(1.0, 2.0, 3.0, 4.0)) - 2f64.ln()).abs() < 1e-15);
/// ```
pub fn logdet<T, D>(a: &OMatrix<T, D, D>) -> T
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    logdet_value(&Lu::new(a))
}

/// Forward mode of [`logdet`]: `(log|det A|, tr(A⁻¹dA))`.
///
/// ```
/// use matcalc_runtime::linalg::logdet_jvp;
/// use nalgebra::Matrix2;
/// let a = Matrix2::new(2.0f64, 0.0, 0.0, -3.0);
/// let (_, y_dot) = logdet_jvp(&a, &Matrix2::identity());
/// assert!((y_dot - (0.5 - 1.0 / 3.0)).abs() < 1e-15);
/// ```
pub fn logdet_jvp<T, D>(a: &OMatrix<T, D, D>, a_dot: &OMatrix<T, D, D>) -> (T, T)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let lu = Lu::new(a);
    let value = logdet_value(&lu);
    // tr(A⁻¹dA) = ⟨A⁻ᵀ, dA⟩: the inverse from the LU costs 2/3·n³ multiply-adds, a solve with
    // the n columns of dA costs n³.
    (value, lu.into_scaled_inverse_transpose(T::one()).dot(a_dot))
}

/// Reverse mode of [`logdet`]: the value and the pullback `ȳ ↦ ȳ·A⁻ᵀ`, which reuses the LU of
/// the forward sweep.
///
/// ```
/// use matcalc_runtime::linalg::logdet_vjp;
/// use nalgebra::Matrix2;
/// let (_, pullback) = logdet_vjp(&Matrix2::new(2.0, 0.0, 0.0, -4.0));
/// assert_eq!(pullback(1.0), Matrix2::new(0.5, 0.0, 0.0, -0.25));
/// ```
pub fn logdet_vjp<T, D>(a: &OMatrix<T, D, D>) -> (T, impl Fn(T) -> OMatrix<T, D, D> + use<T, D>)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let lu = Lu::new(a);
    (logdet_value(&lu), move |y_bar: T| {
        lu.scaled_inverse_transpose(y_bar)
    })
}

// Second order: ẏ = tr(A⁻¹Ȧ) and d ẏ = −tr(A⁻¹dA·A⁻¹Ȧ) = ⟨−A⁻ᵀȦᵀA⁻ᵀ, dA⟩, so
// Ā = ȳ·A⁻ᵀ − ẏ̄·A⁻ᵀȦᵀA⁻ᵀ, Ǡ = ẏ̄·A⁻ᵀ (18.S096 §5.1, differentiated once more).

/// Second order of [`logdet`], the reverse mode of [`logdet_jvp`]: the value
/// `(log|det A|, tr(A⁻¹Ȧ))` and the pullback `(ȳ, ẏ̄) ↦ (ȳ·A⁻ᵀ − ẏ̄·A⁻ᵀȦᵀA⁻ᵀ, ẏ̄·A⁻ᵀ)`.
///
/// ```
/// use matcalc_runtime::linalg::logdet_jvp_vjp;
/// use nalgebra::Matrix1;
/// // log a: the second derivative is −1/a²
/// let (_, pullback) = logdet_jvp_vjp(&Matrix1::new(2.0), &Matrix1::new(1.0));
/// assert_eq!(pullback((0.0, 1.0)), (Matrix1::new(-0.25), Matrix1::new(0.5)));
/// ```
pub fn logdet_jvp_vjp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (
    (T, T),
    impl Fn((T, T)) -> (OMatrix<T, D, D>, OMatrix<T, D, D>) + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let lu = Lu::new(a);
    let x = lu.solve(a_dot);
    let value = (logdet_value(&lu), x.trace());
    let inverse_transpose = lu.scaled_inverse_transpose(T::one());
    // A⁻ᵀȦᵀA⁻ᵀ = A⁻ᵀ(A⁻¹Ȧ)ᵀ
    let curvature = -(&inverse_transpose * x.transpose());
    (value, move |(y_bar, y_dot_bar): (T, T)| {
        (
            &inverse_transpose * y_bar + &curvature * y_dot_bar,
            &inverse_transpose * y_dot_bar,
        )
    })
}

/// Σ log|uᵢᵢ|.
fn logdet_value<T, D>(lu: &Lu<T, D>) -> T
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    lu.pivots()
        .fold(T::zero(), |s, p| s + Float::ln(Float::abs(p)))
}

// ======================================================================================== inv

// Y = A⁻¹. Forward: dY = −Y·dA·Y. Reverse: Ā = −Yᵀ·Ȳ·Yᵀ (Giles §2.2.2; 18.S096 §5.1).
// Not handled: a singular A panics, as `try_inverse().unwrap()` does.

/// The inverse `A⁻¹` (nalgebra's `try_inverse`, unwrapped).
///
/// # Panics
///
/// If `A` is singular (a zero pivot).
///
/// ```
/// use matcalc_runtime::linalg::inv;
/// use nalgebra::Matrix2;
/// assert_eq!(inv(&Matrix2::new(2.0, 0.0, 0.0, 4.0)), Matrix2::new(0.5, 0.0, 0.0, 0.25));
/// ```
pub fn inv<T, D>(a: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    a.clone_owned()
        .try_inverse()
        .expect("matcalc::linalg::inv: the matrix is singular")
}

/// Forward mode of [`inv`]: `(Y, −Y·dA·Y)` with `Y = A⁻¹`.
///
/// # Panics
///
/// If `A` is singular.
///
/// ```
/// use matcalc_runtime::linalg::inv_jvp;
/// use nalgebra::Matrix1;
/// // d(1/a) = -da/a²
/// assert_eq!(inv_jvp(&Matrix1::new(2.0), &Matrix1::new(1.0)).1, Matrix1::new(-0.25));
/// ```
pub fn inv_jvp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (OMatrix<T, D, D>, OMatrix<T, D, D>)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let y = inv(a);
    let y_dot = -(&y * a_dot * &y);
    (y, y_dot)
}

/// Reverse mode of [`inv`]: the value and the pullback `Ȳ ↦ −Yᵀ·Ȳ·Yᵀ`.
///
/// # Panics
///
/// If `A` is singular.
///
/// ```
/// use matcalc_runtime::linalg::inv_vjp;
/// use nalgebra::Matrix1;
/// let (y, pullback) = inv_vjp(&Matrix1::new(2.0));
/// assert_eq!((y, pullback(Matrix1::new(1.0))), (Matrix1::new(0.5), Matrix1::new(-0.25)));
/// ```
pub fn inv_vjp<T, D>(
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
    let y = inv(a);
    let y_t = y.transpose();
    (y, move |y_bar: OMatrix<T, D, D>| -(&y_t * y_bar * &y_t))
}

// Second order: Ẏ = −YȦY. Along dA, dY = −Y·dA·Y, so d Ẏ = Y·dA·YȦY + YȦY·dA·Y
// = −Y·dA·Ẏ − Ẏ·dA·Y, whose adjoint is −YᵀẎ̄Ẏᵀ − ẎᵀẎ̄Yᵀ. So
// Ā = −YᵀȲYᵀ − YᵀẎ̄Ẏᵀ − ẎᵀẎ̄Yᵀ, Ǡ = −YᵀẎ̄Yᵀ.

/// Second order of [`inv`], the reverse mode of [`inv_jvp`]: the value `(Y, Ẏ) = (A⁻¹, −YȦY)`
/// and the pullback `(Ȳ, Ẏ̄) ↦ (−YᵀȲYᵀ − YᵀẎ̄Ẏᵀ − ẎᵀẎ̄Yᵀ, −YᵀẎ̄Yᵀ)`.
///
/// # Panics
///
/// If `A` is singular.
///
/// ```
/// use matcalc_runtime::linalg::inv_jvp_vjp;
/// use nalgebra::Matrix1;
/// // 1/a at a = 2: the second derivative is 2/a³ = 0.25
/// let ((y, y_dot), pullback) = inv_jvp_vjp(&Matrix1::new(2.0), &Matrix1::new(1.0));
/// assert_eq!((y, y_dot), (Matrix1::new(0.5), Matrix1::new(-0.25)));
/// assert_eq!(pullback((Matrix1::zeros(), Matrix1::new(1.0))), (Matrix1::new(0.25), Matrix1::new(-0.25)));
/// ```
pub fn inv_jvp_vjp<T, D>(
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
    let (y, y_dot) = inv_jvp(a, a_dot);
    let (y_t, y_dot_t) = (y.transpose(), y_dot.transpose());
    (
        (y, y_dot),
        move |(y_bar, y_dot_bar): (OMatrix<T, D, D>, OMatrix<T, D, D>)| {
            let a_dot_bar = -(&y_t * &y_dot_bar * &y_t);
            let a_bar =
                -(&y_t * y_bar * &y_t) - &y_t * &y_dot_bar * &y_dot_t - &y_dot_t * y_dot_bar * &y_t;
            (a_bar, a_dot_bar)
        },
    )
}

// ====================================================================================== solve

// X = A⁻¹B for a vector or a matrix B. Forward: dX = A⁻¹(dB − dA·X), one solve with the LU of
// the primal. Reverse: B̄ = A⁻ᵀX̄, one solve with Aᵀ through the same LU factors (Aᵀ = UᵀLᵀP),
// and Ā = −B̄·Xᵀ (Giles §2.2.3; 18.S096 §4.2, the adjoint method). The rules, first and second
// order, are those of every solve through a factorization (`super`'s `solve_*`), with the LU.
// The same function is nalgebra's `lu().solve(b)` and, for a square A, `qr().solve(b)`.
// Not handled: a singular A panics, as `lu().solve(..).unwrap()` does; least squares (write
// R⁻¹·Qᵀ·B with `qr` and `solve_upper_triangular`).

/// The solution `X = A⁻¹B` of `AX = B`, for a vector or a matrix `B` (nalgebra's
/// `lu().solve(b)`, unwrapped).
///
/// # Panics
///
/// If `A` is singular (a zero pivot).
///
/// ```
/// use matcalc_runtime::linalg::solve;
/// use nalgebra::{Matrix2, Vector2};
/// let x = solve(&Matrix2::new(2.0, 0.0, 0.0, 4.0), &Vector2::new(1.0, 1.0));
/// assert_eq!(x, Vector2::new(0.5, 0.25));
/// ```
pub fn solve<T, D, C2>(a: &OMatrix<T, D, D>, b: &OMatrix<T, D, C2>) -> OMatrix<T, D, C2>
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<D, C2>,
{
    solve_checked(&Lu::new(a), b)
}

fn solve_checked<T, D, C2>(lu: &Lu<T, D>, b: &OMatrix<T, D, C2>) -> OMatrix<T, D, C2>
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<D, C2>,
{
    assert!(
        !lu.is_singular(),
        "matcalc::linalg::solve: the matrix is singular"
    );
    lu.solve(b)
}

/// Forward mode of [`solve`]: `(X, A⁻¹(dB − dA·X))`.
///
/// # Panics
///
/// If `A` is singular.
///
/// ```
/// use matcalc_runtime::linalg::solve_jvp;
/// use nalgebra::{Matrix1, Vector1};
/// // x = b/a: dx = db/a - x·da/a
/// let (x, x_dot) = solve_jvp(&Matrix1::new(2.0), &Vector1::new(1.0), &Matrix1::new(1.0), &Vector1::new(1.0));
/// assert_eq!((x, x_dot), (Vector1::new(0.5), Vector1::new(0.25)));
/// ```
pub fn solve_jvp<T, D, C2>(
    a: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
    a_dot: &OMatrix<T, D, D>,
    b_dot: &OMatrix<T, D, C2>,
) -> (OMatrix<T, D, C2>, OMatrix<T, D, C2>)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<D, C2>,
{
    let lu = Lu::new(a);
    let x = solve_checked(&lu, b);
    let x_dot = solve_tangent(&lu, &x, a_dot, b_dot);
    (x, x_dot)
}

/// Reverse mode of [`solve`]: the value and the pullback `X̄ ↦ (Ā, B̄)` with `B̄ = A⁻ᵀX̄` (one
/// solve, reusing the LU of the forward sweep) and `Ā = −B̄·Xᵀ`.
///
/// # Panics
///
/// If `A` is singular.
///
/// ```
/// use matcalc_runtime::linalg::solve_vjp;
/// use nalgebra::{Matrix1, Vector1};
/// let (x, pullback) = solve_vjp(&Matrix1::new(2.0), &Vector1::new(1.0));
/// assert_eq!(x, Vector1::new(0.5));
/// assert_eq!(pullback(Vector1::new(1.0)), (Matrix1::new(-0.25), Vector1::new(0.5)));
/// ```
pub fn solve_vjp<T, D, C2>(
    a: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
) -> (
    OMatrix<T, D, C2>,
    impl Fn(OMatrix<T, D, C2>) -> (OMatrix<T, D, D>, OMatrix<T, D, C2>) + use<T, D, C2>,
)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<D, C2> + Allocator<C2, D>,
{
    let lu = Lu::new(a);
    let x = solve_checked(&lu, b);
    let pullback = solve_pullback(lu, &x);
    (x, pullback)
}

// Second order: the tangent program is X = A⁻¹B, R = Ḃ − ȦX, Ẋ = A⁻¹R; its reverse mode is
// that of every solve through a factorization (`super`), two solves with Aᵀ through the LU.

/// Second order of [`solve`], the reverse mode of [`solve_jvp`]: the value
/// `(X, Ẋ) = (A⁻¹B, A⁻¹(Ḃ − ȦX))` and the pullback `(X̄, Ẋ̄) ↦ (Ā, B̄, Ǡ, Ḃ̄)` with
/// `R̄ = A⁻ᵀẊ̄`, `B̄ = A⁻ᵀ(X̄ − ȦᵀR̄)`, `Ā = −B̄Xᵀ − R̄Ẋᵀ`, `Ǡ = −R̄Xᵀ`, `Ḃ̄ = R̄`.
///
/// # Panics
///
/// If `A` is singular.
///
/// ```
/// use matcalc_runtime::linalg::solve_jvp_vjp;
/// use nalgebra::{Matrix1, Vector1};
/// // x = b/a at (a, b) = (2, 1): ∂²x/∂a² = 2b/a³ = 0.25, ∂²x/∂a∂b = −1/a² = −0.25
/// let (a, b) = (Matrix1::new(2.0), Vector1::new(1.0));
/// let ((x, x_dot), pullback) = solve_jvp_vjp(&a, &b, &Matrix1::new(1.0), &Vector1::zeros());
/// assert_eq!((x, x_dot), (Vector1::new(0.5), Vector1::new(-0.25)));
/// let (a_bar, b_bar, a_dot_bar, b_dot_bar) = pullback((Vector1::zeros(), Vector1::new(1.0)));
/// assert_eq!((a_bar, b_bar), (Matrix1::new(0.25), Vector1::new(-0.25)));
/// assert_eq!((a_dot_bar, b_dot_bar), (Matrix1::new(-0.25), Vector1::new(0.5)));
/// ```
pub fn solve_jvp_vjp<T, D, C2>(
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
    D: Dim + DimMin<D, Output = D>,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<D, C2> + Allocator<C2, D>,
{
    let lu = Lu::new(a);
    let x = solve_checked(&lu, b);
    solve_second(lu, x, a_dot, b_dot)
}

#[cfg(test)]
mod tests {
    //! The factorization of our own against nalgebra's, which the primal `determinant()` and
    //! `lu().solve(b)` of users' code run: the same determinant and solves bit for bit, and the
    //! inverse and transposed solves to rounding.

    use super::*;
    use nalgebra::{DMatrix, Matrix4, Vector4};

    /// Square matrices that pivot (large entries off the diagonal), one with a zero first
    /// column (a step nalgebra skips), one singular with nonzero columns, and the empty one.
    fn matrices() -> Vec<DMatrix<f64>> {
        let mut out: Vec<DMatrix<f64>> = [1, 2, 4, 5, 8, 17]
            .into_iter()
            .map(|n| {
                DMatrix::from_fn(n, n, |i, j| {
                    (1.7 * (i * n + j) as f64 + 0.3).sin()
                        + if i == (j + 1) % n { 2.0 } else { 0.0 }
                })
            })
            .collect();
        let mut zero_column = out[3].clone();
        zero_column.column_mut(0).fill(0.0);
        out.push(zero_column);
        out.push(DMatrix::from_row_slice(
            3,
            3,
            &[1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 1.0, 0.0, 1.0],
        ));
        out.push(DMatrix::zeros(0, 0));
        out
    }

    #[test]
    fn determinant_and_solve_are_nalgebras_bit_for_bit() {
        for a in matrices() {
            let (ours, theirs) = (Lu::new(&a), a.clone().lu());
            assert_eq!(ours.determinant(), theirs.determinant(), "det of {a}");
            assert_eq!(ours.is_singular(), !theirs.is_invertible());
            // 19 columns: two blocks of BLOCK and a partial one
            let b = DMatrix::from_fn(a.nrows(), 19, |i, j| (i + 2 * j) as f64 - 1.5);
            // (nalgebra's solve overflows at n = 0)
            let solved = (a.nrows() > 0).then(|| theirs.solve(&b)).flatten();
            if let Some(x) = solved {
                assert_eq!(ours.solve(&b), x, "solve with {a}");
            }
        }
        let a = Matrix4::from_fn(|i, j| (3 * i + j) as f64 % 5.0 + if i == j { 0.5 } else { 0.0 });
        let b = Vector4::new(1.0, -2.0, 0.5, 3.0);
        assert_eq!(Lu::new(&a).determinant(), a.determinant());
        assert_eq!(Lu::new(&a).solve(&b), a.lu().solve(&b).unwrap());
    }

    #[test]
    fn inverse_and_transposed_solves_match_nalgebras() {
        for a in matrices() {
            let Some(inverse) = a.clone().try_inverse() else {
                continue;
            };
            let lu = Lu::new(&a);
            let scale = 1.0 + inverse.amax();
            let want = inverse.transpose() * -2.5;
            let got = lu.scaled_inverse_transpose(-2.5);
            assert!((&got - &want).amax() < 1e-13 * scale, "{got} vs {want}");
            assert!((lu.into_scaled_inverse_transpose(-2.5) - &want).amax() < 1e-13 * scale);
            let b = DMatrix::from_fn(a.nrows(), 11, |i, j| (i * j) as f64 + 0.25);
            let want = inverse.transpose() * &b;
            assert!((Lu::new(&a).solve_transpose(&b) - want).amax() < 1e-13 * scale);
        }
    }

    #[test]
    fn a_zero_pivot_gives_infinities_or_nan_not_a_panic() {
        let a = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 4.0]);
        let lu = Lu::new(&a);
        assert!(lu.is_singular());
        let b = DMatrix::from_element(2, 1, 1.0);
        assert!(lu.solve(&b).iter().any(|x| !x.is_finite()));
        assert!(lu.solve_transpose(&b).iter().any(|x| !x.is_finite()));
        assert!(
            lu.into_scaled_inverse_transpose(1.0)
                .iter()
                .any(|x| !x.is_finite())
        );
    }
}
