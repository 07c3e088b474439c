//! Matrix functions: the exponential `expm`, integer powers `pow`, and `exp`, which dispatches
//! between floats and square matrices.
//!
//! Each function comes as the triple `f`, `f_jvp`, `f_vjp` (see [`super::dense`] for the
//! conventions).
//!
//! Sources: N. J. Higham, "Functions of Matrices: Theory and Computation" (SIAM 2008), §3.2
//! and Theorem 3.6 (the block-triangular formula for the Fréchet derivative, after Mathias 1996);
//! A. H. Al-Mohy and N. J. Higham, "Computing the Fréchet derivative of the matrix
//! exponential" (2009); Bright, Edelman and Johnson, arXiv 2501.14787 (MIT 18.S096), §2.2.

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{DMatrix, DefaultAllocator, Dim, DimMin, DimMinimum, OMatrix, RealField};

// ====================================================================================== expm

// Y = exp(A). The Fréchet derivative L(A, E) = ∫₀¹ e^{sA}·E·e^{(1−s)A} ds is the upper-right
// block of exp([[A, E], [0, A]]) (Higham 2008, Theorem 3.6).
// Forward: dY = L(A, dA), one exponential of the 2n×2n block matrix.
// Reverse: Ā = L(Aᵀ, Ȳ), the same identity with Aᵀ: ⟨Ȳ, L(A, E)⟩ = ⟨L(Aᵀ, Ȳ), E⟩.
// Not handled: the block exponential is computed on a dynamic matrix (a static input is copied
// in and out); its accuracy is that of nalgebra's Padé approximant with scaling and squaring.

/// The matrix exponential `exp(A)` of a square matrix (nalgebra's `exp`).
///
/// ```
/// use matcalc_runtime::linalg::expm;
/// use nalgebra::Matrix2;
/// let y = expm(&Matrix2::new(1.0, 0.0, 0.0, 2.0));
/// assert!((y - Matrix2::new(1f64.exp(), 0.0, 0.0, 2f64.exp())).norm() < 1e-13);
/// ```
pub fn expm<T, D>(a: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<DimMinimum<D, D>> + Allocator<D>,
{
    a.exp()
}

/// Forward mode of [`expm`]: `(exp(A), L(A, dA))`, the upper-right block of
/// `exp([[A, dA], [0, A]])`.
///
/// ```
/// use matcalc_runtime::linalg::expm_jvp;
/// use nalgebra::Matrix2;
/// // A and dA commute here, so d exp(A) = exp(A)·dA
/// let a = Matrix2::new(1.0, 0.0, 0.0, 2.0);
/// let (y, y_dot) = expm_jvp(&a, &Matrix2::identity());
/// assert!((y_dot - y).norm() < 1e-12);
/// ```
pub fn expm_jvp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (OMatrix<T, D, D>, OMatrix<T, D, D>)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<DimMinimum<D, D>> + Allocator<D>,
{
    (a.exp(), frechet_exp(a, a_dot))
}

/// Reverse mode of [`expm`]: the value and the pullback `Ȳ ↦ L(Aᵀ, Ȳ)`, the upper-right block
/// of `exp([[Aᵀ, Ȳ], [0, Aᵀ]])`.
///
/// ```
/// use matcalc_runtime::linalg::expm_vjp;
/// use nalgebra::Matrix1;
/// let (y, pullback) = expm_vjp(&Matrix1::new(1.0));
/// assert!((pullback(Matrix1::new(1.0)) - y).norm() < 1e-14);
/// ```
pub fn expm_vjp<T, D>(
    a: &OMatrix<T, D, D>,
) -> (
    OMatrix<T, D, D>,
    impl Fn(OMatrix<T, D, D>) -> OMatrix<T, D, D> + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<DimMinimum<D, D>> + Allocator<D>,
{
    let a_t = a.transpose();
    (a.exp(), move |y_bar: OMatrix<T, D, D>| {
        frechet_exp(&a_t, &y_bar)
    })
}

// Second order. D²exp(A)[E₁, E₂] = T(A; E₁, E₂) + T(A; E₂, E₁), with
// T(A; E₁, E₂) = ∫ e^{t₀A}·E₁·e^{t₁A}·E₂·e^{t₂A} over the simplex t₀ + t₁ + t₂ = 1, and the
// block (1, 3) of exp([[A, E₁, C], [0, A, E₂], [0, 0, A]]) is T(A; E₁, E₂) + L(A, C) (the
// Dyson expansion of the block-triangular exponential; Higham 2008 §3.2, Higham and Relton
// 2014 for the higher Fréchet derivatives). Taking adjoints inside the integral,
// ⟨W, T(A; Ȧ, E)⟩ = ⟨T(Aᵀ; Ȧᵀ, W), E⟩ and ⟨W, T(A; E, Ȧ)⟩ = ⟨T(Aᵀ; W, Ȧᵀ), E⟩. So, with
// W = Ẏ̄:
//   Ā = L(Aᵀ, Ȳ) + T(Aᵀ; Ȧᵀ, W) + T(Aᵀ; W, Ȧᵀ), Ǡ = L(Aᵀ, W),
// which two exponentials of 3n×3n blocks give: block (1, 3) of exp([[Aᵀ, Ȧᵀ, Ȳ], [0, Aᵀ, W],
// [0, 0, Aᵀ]]) is L(Aᵀ, Ȳ) + T(Aᵀ; Ȧᵀ, W), and blocks (1, 3) and (1, 2) of
// exp([[Aᵀ, W, 0], [0, Aᵀ, Ȧᵀ], [0, 0, Aᵀ]]) are T(Aᵀ; W, Ȧᵀ) and L(Aᵀ, W).

/// Second order of [`expm`], the reverse mode of [`expm_jvp`]: the value `(exp(A), L(A, Ȧ))` and
/// the pullback `(Ȳ, Ẏ̄) ↦ (Ā, Ǡ)` with `Ǡ = L(Aᵀ, Ẏ̄)` (the first-order pullback of `Ẏ̄`) and
/// `Ā = L(Aᵀ, Ȳ) + T(Aᵀ; Ȧᵀ, Ẏ̄) + T(Aᵀ; Ẏ̄, Ȧᵀ)`, where `T(X; E₁, E₂)` is the upper-right block
/// of `exp([[X, E₁, 0], [0, X, E₂], [0, 0, X]])`: two exponentials of `3n×3n` block matrices
/// per call.
///
/// ```
/// use matcalc_runtime::linalg::expm_jvp_vjp;
/// use nalgebra::Matrix1;
/// // eᵃ: every derivative is eᵃ
/// let ((y, y_dot), pullback) = expm_jvp_vjp(&Matrix1::new(1.0), &Matrix1::new(1.0));
/// let e = 1f64.exp();
/// assert!((y[0] - e).abs() < 1e-14 && (y_dot[0] - e).abs() < 1e-14);
/// let (hv, gradient) = pullback((Matrix1::zeros(), Matrix1::new(1.0)));
/// assert!((hv[0] - e).abs() < 1e-13 && (gradient[0] - e).abs() < 1e-13);
/// ```
pub fn expm_jvp_vjp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (
    (OMatrix<T, D, D>, OMatrix<T, D, D>),
    impl Fn((OMatrix<T, D, D>, OMatrix<T, D, D>)) -> (OMatrix<T, D, D>, OMatrix<T, D, D>) + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<DimMinimum<D, D>> + Allocator<D>,
{
    let value = expm_jvp(a, a_dot);
    let (a_t, a_dot_t) = (a.transpose(), a_dot.transpose());
    (
        value,
        move |(y_bar, y_dot_bar): (OMatrix<T, D, D>, OMatrix<T, D, D>)| {
            let (_, first) = block_exp3(&a_t, &a_dot_t, &y_dot_bar, Some(&y_bar));
            let (a_dot_bar, second) = block_exp3(&a_t, &y_dot_bar, &a_dot_t, None);
            (first + second, a_dot_bar)
        },
    )
}

/// The blocks (1, 2) and (1, 3) of exp([[X, E₁, C], [0, X, E₂], [0, 0, X]]) (C = 0 if absent):
/// L(X, E₁) and T(X; E₁, E₂) + L(X, C).
fn block_exp3<T, D>(
    x: &OMatrix<T, D, D>,
    e1: &OMatrix<T, D, D>,
    e2: &OMatrix<T, D, D>,
    c: Option<&OMatrix<T, D, D>>,
) -> (OMatrix<T, D, D>, OMatrix<T, D, D>)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let n = x.nrows();
    let mut block = DMatrix::<T>::zeros(3 * n, 3 * n);
    for j in 0..n {
        for i in 0..n {
            for k in 0..3 {
                block[(k * n + i, k * n + j)] = x[(i, j)];
            }
            block[(i, n + j)] = e1[(i, j)];
            block[(n + i, 2 * n + j)] = e2[(i, j)];
            if let Some(c) = c {
                block[(i, 2 * n + j)] = c[(i, j)];
            }
        }
    }
    let exp = dynamic_exp(&block);
    let (r, cols) = x.shape_generic();
    (
        OMatrix::<T, D, D>::from_fn_generic(r, cols, |i, j| exp[(i, n + j)]),
        OMatrix::<T, D, D>::from_fn_generic(r, cols, |i, j| exp[(i, 2 * n + j)]),
    )
}

/// L(A, E): the upper-right block of exp([[A, E], [0, A]]).
fn frechet_exp<T, D>(a: &OMatrix<T, D, D>, e: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let n = a.nrows();
    let mut block = DMatrix::<T>::zeros(2 * n, 2 * n);
    for j in 0..n {
        for i in 0..n {
            block[(i, j)] = a[(i, j)];
            block[(n + i, n + j)] = a[(i, j)];
            block[(i, n + j)] = e[(i, j)];
        }
    }
    let exp = dynamic_exp(&block);
    let (r, c) = a.shape_generic();
    OMatrix::<T, D, D>::from_fn_generic(r, c, |i, j| exp[(i, n + j)])
}

/// The exponential of a dynamic matrix.
fn dynamic_exp<T: Real + RealField>(m: &DMatrix<T>) -> DMatrix<T> {
    m.exp()
}

// ======================================================================================= pow

// Y = Aⁿ for an integer n ≥ 0 (u32, the exponent type of nalgebra's `pow`). The value is computed
// by nalgebra's exponentiation by squaring, and both modes differentiate that same sequence of
// products with the product rule d(XZ) = dX·Z + X·dZ, so they cost O(log n) matrix products, not
// the O(n) of the expanded sum dY = Σₖ Aᵏ·dA·Aⁿ⁻¹⁻ᵏ they equal (18.S096 §2.2).
// Reverse: each product XZ sends X̄ += Ȳ·Zᵀ and Z̄ += Xᵀ·Ȳ back, in reverse order.
// Not handled: negative exponents (compose with `inv`).

/// The integer power `Aⁿ` of a square matrix, `A⁰ = I` (nalgebra's `pow`).
///
/// ```
/// use matcalc_runtime::linalg::pow;
/// use nalgebra::Matrix2;
/// let a = Matrix2::new(1.0, 1.0, 0.0, 1.0);
/// assert_eq!(pow(&a, 5), Matrix2::new(1.0, 5.0, 0.0, 1.0));
/// assert_eq!(pow(&a, 0), Matrix2::identity());
/// ```
pub fn pow<T, D>(a: &OMatrix<T, D, D>, n: u32) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    a.pow(n)
}

/// Forward mode of [`pow`]: `(Aⁿ, Σₖ Aᵏ·dA·Aⁿ⁻¹⁻ᵏ)`, in O(log n) products.
///
/// ```
/// use matcalc_runtime::linalg::pow_jvp;
/// use nalgebra::Matrix1;
/// // d(a³) = 3a²·da
/// assert_eq!(pow_jvp(&Matrix1::new(2.0), 3, &Matrix1::new(1.0)), (Matrix1::new(8.0), Matrix1::new(12.0)));
/// ```
pub fn pow_jvp<T, D>(
    a: &OMatrix<T, D, D>,
    n: u32,
    a_dot: &OMatrix<T, D, D>,
) -> (OMatrix<T, D, D>, OMatrix<T, D, D>)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let (r, c) = a.shape_generic();
    let identity = OMatrix::<T, D, D>::identity_generic(r, c);
    match n {
        0 => (identity, a_dot * T::zero()),
        1 => (a.clone_owned(), a_dot.clone_owned()),
        _ => {
            // The squaring chain x = A^(2^k) and the accumulated result, each with its tangent,
            // in the order of nalgebra's `pow_mut`.
            let (mut x, mut x_dot) = (a.clone_owned(), a_dot.clone_owned());
            let mut e = n;
            let (mut y, mut y_dot) = if e.is_multiple_of(2) {
                (identity, a_dot * T::zero())
            } else {
                e -= 1;
                (a.clone_owned(), a_dot.clone_owned())
            };
            loop {
                if e % 2 == 1 {
                    y_dot = &y_dot * &x + &y * &x_dot;
                    y = &y * &x;
                }
                e /= 2;
                if e == 0 {
                    break;
                }
                x_dot = &x_dot * &x + &x * &x_dot;
                x = &x * &x;
            }
            (y, y_dot)
        }
    }
}

/// Reverse mode of [`pow`]: the value and the pullback, which runs the products of the
/// exponentiation by squaring backwards (O(log n) products; it keeps the O(log n) intermediate
/// powers).
///
/// ```
/// use matcalc_runtime::linalg::pow_vjp;
/// use nalgebra::Matrix1;
/// let (y, pullback) = pow_vjp(&Matrix1::new(2.0), 3);
/// assert_eq!((y, pullback(Matrix1::new(1.0))), (Matrix1::new(8.0), Matrix1::new(12.0)));
/// ```
pub fn pow_vjp<T, D>(
    a: &OMatrix<T, D, D>,
    n: u32,
) -> (
    OMatrix<T, D, D>,
    impl Fn(OMatrix<T, D, D>) -> OMatrix<T, D, D> + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let (r, c) = a.shape_generic();
    // The forward sweep: the squares x₀ = A, xₖ₊₁ = xₖ², and, for each product y ← y·xₖ,
    // the pair (k, y before the product).
    let mut squares = vec![a.clone_owned()];
    let mut products: Vec<(usize, OMatrix<T, D, D>)> = Vec::new();
    let odd_start = n > 1 && n % 2 == 1;
    let y = if n < 2 {
        a.pow(n)
    } else {
        let mut e = n;
        let mut y = if odd_start {
            e -= 1;
            a.clone_owned()
        } else {
            OMatrix::<T, D, D>::identity_generic(r, c)
        };
        loop {
            let k = squares.len() - 1;
            if e % 2 == 1 {
                let next = &y * &squares[k];
                products.push((k, core::mem::replace(&mut y, next)));
            }
            e /= 2;
            if e == 0 {
                break;
            }
            let next = &squares[k] * &squares[k];
            squares.push(next);
        }
        y
    };
    (y, move |y_bar: OMatrix<T, D, D>| {
        match n {
            0 => return y_bar * T::zero(),
            1 => return y_bar,
            _ => {}
        }
        let mut y_bar = y_bar;
        let mut square_bars: Vec<Option<OMatrix<T, D, D>>> = vec![None; squares.len()];
        // Undo in reverse: the products and squarings interleave as k decreases.
        let mut pending = products.iter().rev().peekable();
        for k in (0..squares.len()).rev() {
            // xₖ₊₁ = xₖ·xₖ: x̄ₖ += x̄ₖ₊₁·xₖᵀ + xₖᵀ·x̄ₖ₊₁
            if let Some(Some(next_bar)) = square_bars.get_mut(k + 1).map(Option::take) {
                let x = &squares[k];
                let contribution = &next_bar * x.transpose() + x.tr_mul(&next_bar);
                accumulate(&mut square_bars[k], contribution);
            }
            // y_after = y_before·xₖ: ȳ_before = ȳ·xₖᵀ, x̄ₖ += y_beforeᵀ·ȳ
            if let Some((_, y_before)) = pending.next_if(|(j, _)| *j == k) {
                let x = &squares[k];
                accumulate(&mut square_bars[k], y_before.tr_mul(&y_bar));
                y_bar = &y_bar * x.transpose();
            }
        }
        let mut a_bar = square_bars[0]
            .take()
            .unwrap_or_else(|| OMatrix::<T, D, D>::zeros_generic(r, c));
        if odd_start {
            a_bar += y_bar;
        }
        a_bar
    })
}

// Second order: reverse mode of the tangent program of `pow_jvp`, the squaring chain with
// tangents. Backwards through each step, with (ȳ, ẏ̄) the adjoints of (y, ẏ):
//   y′ = y·x, ẏ′ = ẏ·x + y·ẋ:   ȳ = ȳ′·xᵀ + ẏ̄′·ẋᵀ, ẏ̄ = ẏ̄′·xᵀ, x̄ += yᵀ·ȳ′ + ẏᵀ·ẏ̄′, ẋ̄ += yᵀ·ẏ̄′
//   x′ = x·x, ẋ′ = ẋ·x + x·ẋ:   x̄ += x̄′·xᵀ + xᵀ·x̄′ + ẋ̄′·ẋᵀ + ẋᵀ·ẋ̄′, ẋ̄ += ẋ̄′·xᵀ + xᵀ·ẋ̄′
// O(log n) products, keeping the O(log n) intermediate powers and their tangents.

/// Second order of [`pow`], the reverse mode of [`pow_jvp`]: the value
/// `(Aⁿ, Σₖ Aᵏ·Ȧ·Aⁿ⁻¹⁻ᵏ)` and the pullback `(Ȳ, Ẏ̄) ↦ (Ā, Ǡ)`, which runs the products of the
/// exponentiation by squaring and their tangents backwards (O(log n) products).
///
/// ```
/// use matcalc_runtime::linalg::pow_jvp_vjp;
/// use nalgebra::Matrix1;
/// // a³ at a = 2: first derivative 3a² = 12, second 6a = 12
/// let ((y, y_dot), pullback) = pow_jvp_vjp(&Matrix1::new(2.0), 3, &Matrix1::new(1.0));
/// assert_eq!((y, y_dot), (Matrix1::new(8.0), Matrix1::new(12.0)));
/// assert_eq!(pullback((Matrix1::zeros(), Matrix1::new(1.0))), (Matrix1::new(12.0), Matrix1::new(12.0)));
/// ```
pub fn pow_jvp_vjp<T, D>(
    a: &OMatrix<T, D, D>,
    n: u32,
    a_dot: &OMatrix<T, D, D>,
) -> (
    (OMatrix<T, D, D>, OMatrix<T, D, D>),
    impl Fn((OMatrix<T, D, D>, OMatrix<T, D, D>)) -> (OMatrix<T, D, D>, OMatrix<T, D, D>) + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    type Pair<T, D> = (OMatrix<T, D, D>, OMatrix<T, D, D>);
    let (r, c) = a.shape_generic();
    // The forward sweep, in the order of `pow_jvp`: the squares (xₖ, ẋₖ), and for each product
    // y ← y·xₖ the triple (k, y, ẏ) before it.
    let mut squares: Vec<Pair<T, D>> = vec![(a.clone_owned(), a_dot.clone_owned())];
    let mut products: Vec<(usize, OMatrix<T, D, D>, OMatrix<T, D, D>)> = Vec::new();
    let odd_start = n > 1 && n % 2 == 1;
    let value = if n < 2 {
        pow_jvp(a, n, a_dot)
    } else {
        let mut e = n;
        let (mut y, mut y_dot) = if odd_start {
            e -= 1;
            (a.clone_owned(), a_dot.clone_owned())
        } else {
            (
                OMatrix::<T, D, D>::identity_generic(r, c),
                a_dot * T::zero(),
            )
        };
        loop {
            let k = squares.len() - 1;
            if e % 2 == 1 {
                let (x, x_dot) = &squares[k];
                let next_dot = &y_dot * x + &y * x_dot;
                let next = &y * x;
                products.push((
                    k,
                    core::mem::replace(&mut y, next),
                    core::mem::replace(&mut y_dot, next_dot),
                ));
            }
            e /= 2;
            if e == 0 {
                break;
            }
            let (x, x_dot) = &squares[k];
            let next = (x * x, x_dot * x + x * x_dot);
            squares.push(next);
        }
        (y, y_dot)
    };
    (value, move |(y_bar, y_dot_bar): Pair<T, D>| {
        let zeros = || OMatrix::<T, D, D>::zeros_generic(r, c);
        match n {
            0 => return (zeros(), zeros()),
            1 => return (y_bar, y_dot_bar),
            _ => {}
        }
        let (mut y_bar, mut y_dot_bar) = (y_bar, y_dot_bar);
        let mut square_bars: Vec<Pair<T, D>> =
            (0..squares.len()).map(|_| (zeros(), zeros())).collect();
        let mut pending = products.iter().rev().peekable();
        for k in (0..squares.len()).rev() {
            let (x, x_dot) = &squares[k];
            // x_{k+1} = xₖ·xₖ, ẋ_{k+1} = ẋₖ·xₖ + xₖ·ẋₖ
            if k + 1 < squares.len() {
                let (next_bar, next_dot_bar) =
                    core::mem::replace(&mut square_bars[k + 1], (zeros(), zeros()));
                let (x_bar, x_dot_bar) = &mut square_bars[k];
                *x_bar += &next_bar * x.transpose()
                    + x.tr_mul(&next_bar)
                    + &next_dot_bar * x_dot.transpose()
                    + x_dot.tr_mul(&next_dot_bar);
                *x_dot_bar += &next_dot_bar * x.transpose() + x.tr_mul(&next_dot_bar);
            }
            // y′ = y·xₖ, ẏ′ = ẏ·xₖ + y·ẋₖ
            if let Some((_, y_before, y_dot_before)) = pending.next_if(|(j, _, _)| *j == k) {
                let (x_bar, x_dot_bar) = &mut square_bars[k];
                *x_bar += y_before.tr_mul(&y_bar) + y_dot_before.tr_mul(&y_dot_bar);
                *x_dot_bar += y_before.tr_mul(&y_dot_bar);
                y_bar = &y_bar * x.transpose() + &y_dot_bar * x_dot.transpose();
                y_dot_bar = &y_dot_bar * x.transpose();
            }
        }
        let (mut a_bar, mut a_dot_bar) =
            core::mem::replace(&mut square_bars[0], (zeros(), zeros()));
        if odd_start {
            a_bar += y_bar;
            a_dot_bar += y_dot_bar;
        }
        (a_bar, a_dot_bar)
    })
}

/// `slot += g`, creating the slot.
fn accumulate<T, D>(slot: &mut Option<OMatrix<T, D, D>>, g: OMatrix<T, D, D>)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    match slot {
        Some(s) => *s += g,
        None => *slot = Some(g),
    }
}

// ======================================================================================= exp

/// The derivative rules of `exp`, for floats (`f32`, `f64`) and square matrices (the matrix
/// exponential, [`expm`]).
///
/// The macro cannot tell `x.exp()` on a float from `m.exp()` on a matrix, so it calls
/// [`exp`], [`exp_jvp`] and [`exp_vjp`], which dispatch through this trait.
///
/// ```
/// use matcalc_runtime::linalg::ExpRule;
/// use nalgebra::Matrix1;
/// assert_eq!(<f64 as ExpRule>::exp(&0.0), 1.0);
/// assert_eq!(ExpRule::exp(&Matrix1::new(0.0)), Matrix1::new(1.0));
/// ```
#[diagnostic::on_unimplemented(
    message = "no derivative rule for `exp` on `{Self}`",
    label = "matcalc differentiates `exp` of `f32`, `f64` and square nalgebra matrices",
    note = "for an entrywise exponential of a matrix, use `map(|x| x.exp())`"
)]
pub trait ExpRule: Sized {
    /// `exp(x)`.
    ///
    /// ```
    /// use matcalc_runtime::linalg::ExpRule;
    /// use nalgebra::Matrix2;
    /// // a diagonal matrix exponentiates entrywise on its diagonal
    /// let y = ExpRule::exp(&Matrix2::new(1.0, 0.0, 0.0, 0.0));
    /// assert!((y - Matrix2::new(1f64.exp(), 0.0, 0.0, 1.0)).norm() < 1e-14);
    /// ```
    fn exp(x: &Self) -> Self;
    /// `(exp(x), d exp(x)[x_dot])`.
    ///
    /// ```
    /// use matcalc_runtime::linalg::ExpRule;
    /// assert_eq!(<f64 as ExpRule>::exp_jvp(&0.0, &2.0), (1.0, 2.0));
    /// ```
    fn exp_jvp(x: &Self, x_dot: &Self) -> (Self, Self);
    /// `(exp(x), ȳ ↦ x̄)`.
    ///
    /// ```
    /// use matcalc_runtime::linalg::ExpRule;
    /// let (y, pullback) = <f64 as ExpRule>::exp_vjp(&0.0);
    /// assert_eq!((y, pullback(3.0)), (1.0, 3.0));
    /// ```
    fn exp_vjp(x: &Self) -> (Self, impl Fn(Self) -> Self + use<Self>);
    /// `((exp(x), d exp(x)[x_dot]), (ȳ, ẏ̄) ↦ (x̄, ẋ̄))`, the reverse mode of `exp_jvp`.
    ///
    /// ```
    /// use matcalc_runtime::linalg::ExpRule;
    /// // ẏ = eˣ·ẋ: ∂ẏ/∂x = eˣ·ẋ, ∂ẏ/∂ẋ = eˣ (at x = 0, ẋ = 2)
    /// let ((y, y_dot), pullback) = <f64 as ExpRule>::exp_jvp_vjp(&0.0, &2.0);
    /// assert_eq!((y, y_dot), (1.0, 2.0));
    /// assert_eq!(pullback((0.0, 1.0)), (2.0, 1.0));
    /// ```
    fn exp_jvp_vjp(
        x: &Self,
        x_dot: &Self,
    ) -> (
        (Self, Self),
        impl Fn((Self, Self)) -> (Self, Self) + use<Self>,
    );
}

// y = eˣ for a float. Forward: dy = y·dx. Reverse: x̄ = ȳ·y.
// Second order: ẏ = y·ẋ, so x̄ = ȳ·y + ẏ̄·y·ẋ and ẋ̄ = ẏ̄·y.
macro_rules! impl_exp_float {
    ($($t:ty),*) => {$(
        impl ExpRule for $t {
            fn exp(x: &$t) -> $t {
                x.exp()
            }
            fn exp_jvp(x: &$t, x_dot: &$t) -> ($t, $t) {
                let y = x.exp();
                (y, y * x_dot)
            }
            fn exp_vjp(x: &$t) -> ($t, impl Fn($t) -> $t + use<>) {
                let y = x.exp();
                (y, move |y_bar: $t| y_bar * y)
            }
            fn exp_jvp_vjp(x: &$t, x_dot: &$t) -> (($t, $t), impl Fn(($t, $t)) -> ($t, $t) + use<>) {
                let (y, x_dot) = (x.exp(), *x_dot);
                ((y, y * x_dot), move |(y_bar, y_dot_bar): ($t, $t)| {
                    (y * (y_bar + y_dot_bar * x_dot), y_dot_bar * y)
                })
            }
        }
    )*};
}
impl_exp_float!(f32, f64);

// The matrix exponential: the rules of `expm`.
impl<T, D> ExpRule for OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim + DimMin<D, Output = D>,
    DefaultAllocator: Allocator<D, D> + Allocator<DimMinimum<D, D>> + Allocator<D>,
{
    fn exp(x: &Self) -> Self {
        expm(x)
    }
    fn exp_jvp(x: &Self, x_dot: &Self) -> (Self, Self) {
        expm_jvp(x, x_dot)
    }
    fn exp_vjp(x: &Self) -> (Self, impl Fn(Self) -> Self + use<T, D>) {
        expm_vjp(x)
    }
    fn exp_jvp_vjp(
        x: &Self,
        x_dot: &Self,
    ) -> (
        (Self, Self),
        impl Fn((Self, Self)) -> (Self, Self) + use<T, D>,
    ) {
        expm_jvp_vjp(x, x_dot)
    }
}

/// `exp(x)`: `eˣ` of a float, the matrix exponential of a square matrix.
///
/// ```
/// use matcalc_runtime::linalg::exp;
/// use nalgebra::Matrix2;
/// assert_eq!(exp(&0.0f32), 1.0);
/// assert_eq!(exp(&Matrix2::<f64>::zeros()), Matrix2::identity());
/// ```
pub fn exp<X: ExpRule>(x: &X) -> X {
    X::exp(x)
}

/// Forward mode of [`exp`]: `(eˣ, eˣ·dx)` for a float, `(exp(A), L(A, dA))` for a matrix.
///
/// ```
/// use matcalc_runtime::linalg::exp_jvp;
/// assert_eq!(exp_jvp(&0.0, &2.0), (1.0, 2.0));
/// ```
pub fn exp_jvp<X: ExpRule>(x: &X, x_dot: &X) -> (X, X) {
    X::exp_jvp(x, x_dot)
}

/// Reverse mode of [`exp`]: the value and the pullback (`ȳ ↦ ȳ·eˣ` for a float, `Ȳ ↦ L(Aᵀ, Ȳ)`
/// for a matrix).
///
/// ```
/// use matcalc_runtime::linalg::exp_vjp;
/// let (y, pullback) = exp_vjp(&0.0);
/// assert_eq!((y, pullback(3.0)), (1.0, 3.0));
/// ```
pub fn exp_vjp<X: ExpRule>(x: &X) -> (X, impl Fn(X) -> X + use<X>) {
    X::exp_vjp(x)
}

/// Second order of [`exp`], the reverse mode of [`exp_jvp`]: the value and the pullback
/// `(ȳ, ẏ̄) ↦ (x̄, ẋ̄)` (for a float `(ȳ·eˣ + ẏ̄·eˣ·ẋ, ẏ̄·eˣ)`, for a matrix [`expm_jvp_vjp`]).
///
/// ```
/// use matcalc_runtime::linalg::exp_jvp_vjp;
/// let ((y, y_dot), pullback) = exp_jvp_vjp(&0.0, &2.0);
/// assert_eq!((y, y_dot), (1.0, 2.0));
/// // the Hessian of eˣ at 0 along 2 is 2, the gradient 1
/// assert_eq!(pullback((0.0, 1.0)), (2.0, 1.0));
/// ```
pub fn exp_jvp_vjp<X: ExpRule>(x: &X, x_dot: &X) -> ((X, X), impl Fn((X, X)) -> (X, X) + use<X>) {
    X::exp_jvp_vjp(x, x_dot)
}
