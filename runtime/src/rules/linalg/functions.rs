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
    fn exp(x: &Self) -> Self;
    /// `(exp(x), d exp(x)[x_dot])`.
    fn exp_jvp(x: &Self, x_dot: &Self) -> (Self, Self);
    /// `(exp(x), ȳ ↦ x̄)`.
    fn exp_vjp(x: &Self) -> (Self, impl Fn(Self) -> Self + use<Self>);
}

// y = eˣ for a float. Forward: dy = y·dx. Reverse: x̄ = ȳ·y.
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
