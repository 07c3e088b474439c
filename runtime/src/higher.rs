//! Jacobians (and, with the higher-order rules, Hessians) assembled from the generated
//! forward and reverse modes. `f_jacobian` calls these; they also work on hand-written pairs.

use crate::linalg::jacobian_matrix;
use crate::value::{Real, Tangent};
use nalgebra::DMatrix;

/// The value and the Jacobian of `f` at `point`, by whichever mode needs fewer passes: forward
/// mode takes one pass per input entry, reverse mode one pullback per output entry after a
/// single forward sweep (reused by every pullback). Row `i`, column `k` is ∂vec(y)ᵢ/∂vec(x)ₖ,
/// in the flat column-major order of [`Tangent`].
///
/// `jvp(ẋ)` returns `(f(x), f′(x)[ẋ])` and `vjp()` returns `(f(x), pullback)`, the shapes of the
/// generated `f_jvp` and `f_vjp` with the point fixed.
///
/// ```
/// use matcalc_runtime::higher::jacobian;
/// // f(x, y) = (x·y, x + y, x − y): three outputs, two inputs, so forward mode.
/// let f = |p: &(f64, f64)| vec![p.0 * p.1, p.0 + p.1, p.0 - p.1];
/// let point = (2.0, 3.0);
/// let jvp = |d: &(f64, f64)| (f(&point), vec![d.0 * 3.0 + 2.0 * d.1, d.0 + d.1, d.0 - d.1]);
/// let vjp = || {
///     (f(&point), |y: Vec<f64>| (3.0 * y[0] + y[1] + y[2], 2.0 * y[0] + y[1] - y[2]))
/// };
/// let (value, j) = jacobian(&point, jvp, vjp);
/// assert_eq!(value, vec![6.0, 5.0, -1.0]);
/// assert_eq!(j, nalgebra::DMatrix::from_row_slice(3, 2, &[3.0, 2.0, 1.0, 1.0, 1.0, -1.0]));
/// ```
pub fn jacobian<X, Y, P>(
    point: &X,
    jvp: impl Fn(&X) -> (Y, Y),
    vjp: impl FnOnce() -> (Y, P),
) -> (Y, DMatrix<X::Scalar>)
where
    X: Tangent,
    Y: Tangent<Scalar = X::Scalar>,
    P: Fn(Y) -> X,
{
    let inputs = point.dim();
    let (value, pullback) = vjp();
    let outputs = value.dim();
    if inputs <= outputs {
        let j = jacobian_matrix(|_: &X, d: &X| jvp(d), point);
        return (value, j);
    }
    let mut unit = vec![<X::Scalar as Real>::from_f64(0.0); outputs];
    let mut j = DMatrix::zeros(outputs, inputs);
    for i in 0..outputs {
        unit[i] = <X::Scalar as Real>::from_f64(1.0);
        let seed = value.read_flat(&mut unit.as_slice());
        unit[i] = <X::Scalar as Real>::from_f64(0.0);
        let row = pullback(seed).to_flat();
        for (k, entry) in row.into_iter().enumerate() {
            j[(i, k)] = entry;
        }
    }
    (value, j)
}

/// The value, the gradient and the Hessian of a scalar function, column by column from
/// Hessian-vector products: `hvp(v)` returns `(f(x), ∇f(x), H(x)·v)`, the shape of a generated
/// `f_hvp` with the point fixed. The Hessian is over the flat, column-major view of the point.
///
/// ```
/// use matcalc_runtime::higher::hessian;
/// // f(x, y) = x²y: ∇f = (2xy, x²), H = [[2y, 2x], [2x, 0]]
/// let (x, y) = (3.0, 2.0);
/// let hvp = |v: &(f64, f64)| {
///     (x * x * y, (2.0 * x * y, x * x), (2.0 * y * v.0 + 2.0 * x * v.1, 2.0 * x * v.0))
/// };
/// let (value, gradient, h) = hessian(&(x, y), hvp);
/// assert_eq!((value, gradient), (18.0, (12.0, 9.0)));
/// assert_eq!(h, nalgebra::DMatrix::from_row_slice(2, 2, &[4.0, 6.0, 6.0, 0.0]));
/// ```
pub fn hessian<X, F>(point: &X, hvp: impl Fn(&X) -> (F, X, X)) -> (F, X, DMatrix<X::Scalar>)
where
    X: Tangent,
    F: Real,
{
    let n = point.dim();
    let mut unit = vec![<X::Scalar as Real>::from_f64(0.0); n];
    let mut h = DMatrix::zeros(n, n);
    let mut value_and_gradient = None;
    for k in 0..n {
        unit[k] = <X::Scalar as Real>::from_f64(1.0);
        let direction = point.read_flat(&mut unit.as_slice());
        unit[k] = <X::Scalar as Real>::from_f64(0.0);
        let (value, gradient, column) = hvp(&direction);
        for (i, entry) in column.to_flat().into_iter().enumerate() {
            h[(i, k)] = entry;
        }
        value_and_gradient.get_or_insert((value, gradient));
    }
    let (value, gradient) = value_and_gradient.unwrap_or_else(|| {
        let (value, gradient, _) = hvp(&point.zero_like());
        (value, gradient)
    });
    (value, gradient, h)
}
