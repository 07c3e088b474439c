//! Annotated functions as [argmin](https://argmin-rs.org) problems (cargo feature `argmin`).
//!
//! [`Problem`] takes a function and the companions `#[differentiate(hessian)]` generates for
//! it, `f_grad` and `f_hessian`, and implements argmin's [`CostFunction`], [`Gradient`] and [`Hessian`] with
//! them, so argmin's gradient-based solvers (L-BFGS, steepest descent, nonlinear conjugate
//! gradients) and its Hessian-based ones (Newton, Newton-CG, trust regions) run on exact
//! derivatives with no hand-written glue:
//!
//! ```
//! use argmin::core::{Executor, State};
//! use argmin::solver::linesearch::MoreThuenteLineSearch;
//! use argmin::solver::newton::Newton;
//! use argmin::solver::quasinewton::LBFGS;
//! use matcalc::argmin::Problem;
//! use matcalc::differentiate;
//!
//! #[differentiate(hessian)]
//! fn rosenbrock(x: &[f64]) -> f64 {
//!     let mut s = 0.0;
//!     for i in 0..x.len() - 1 {
//!         let (a, b) = (1.0 - x[i], x[i + 1] - x[i] * x[i]);
//!         s += a * a + 100.0 * b * b;
//!     }
//!     s
//! }
//!
//! // Quasi-Newton: cost and gradient.
//! let problem = Problem::new(rosenbrock, rosenbrock_grad, rosenbrock_hessian);
//! let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
//! let result = Executor::new(problem, solver)
//!     .configure(|state| state.param(vec![-1.2, 1.0, -1.2, 1.0]).max_iters(200))
//!     .run()
//!     .unwrap();
//! let x = result.state().get_best_param().unwrap();
//! assert!(x.iter().all(|xi| (xi - 1.0).abs() < 1e-6));
//!
//! // Newton: the Hessian too, from the generated `rosenbrock_hessian`.
//! let problem = Problem::new(rosenbrock, rosenbrock_grad, rosenbrock_hessian);
//! let result = Executor::new(problem, Newton::<f64>::new())
//!     .configure(|state| state.param(vec![-1.2, 1.0]).max_iters(8))
//!     .run()
//!     .unwrap();
//! let x = result.state().get_param().unwrap();
//! assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12);
//! ```
//!
//! # Parameters
//!
//! argmin's parameter is a `Vec<F>` (`f64` or `f32`): argmin-math 0.5 implements its vector
//! arithmetic for `Vec` but supports nalgebra only up to 0.34, not the 0.35 matcalc uses. The
//! annotated function may take its one parameter as `&[F]`, `Vec<F>`, `&Vec<F>`, `[F; N]`,
//! `&[F; N]`, `DVector<F>` or `&DVector<F>`; [`Problem`] converts argmin's `Vec<F>` to that
//! type (a copy for the owned and nalgebra forms) and the gradient back. Which of the forms it
//! is ([`Signature`]) is inferred from the functions' types. A function of more arguments (data,
//! sizes, or several active parameters) is passed as closures over one slice:
//!
//! ```
//! use matcalc::argmin::Problem;
//! use matcalc::differentiate;
//!
//! #[differentiate(wrt(w), hessian)]
//! fn least_squares(w: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
//!     let mut s = 0.0;
//!     for i in 0..xs.len() {
//!         let r = w[0] + w[1] * xs[i] - ys[i];
//!         s += r * r;
//!     }
//!     s
//! }
//!
//! let (xs, ys) = ([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]);
//! let problem = Problem::new(
//!     |w: &[f64]| least_squares(w, &xs, &ys),
//!     |w: &[f64]| least_squares_grad(w, &xs, &ys),
//!     |w: &[f64]| least_squares_hessian(w, &xs, &ys),
//! );
//! # let _ = problem;
//! ```
//!
//! The Hessian is argmin's `Hessian` as a [`HessianMatrix`], a dense nalgebra matrix that
//! implements what argmin's Newton, Newton-CG and trust-region solvers ask of it. A function
//! annotated `#[differentiate]` without `hessian` has no `f_hessian`: [`Problem::first_order`] takes
//! the cost and the gradient alone, for the solvers that need no more.
//!
//! Each argmin call evaluates its own function: `cost` calls `f`, `gradient` calls `f_grad`
//! (which computes the value again) and `hessian` calls `f_hessian`.

use ::argmin::core::{CostFunction, Error, Gradient, Hessian};
use argmin_math::{ArgminDot, ArgminInv};
use nalgebra::{DMatrix, DVector, RealField};
use std::marker::PhantomData;

/// An annotated function `f` with its generated `f_grad` and, optionally, `f_hessian`, as an
/// argmin problem over `Vec<F>`: [`CostFunction`], [`Gradient`] and, with a Hessian,
/// [`Hessian`]. See the [module documentation](self).
///
/// `S` is the [`Signature`] of the functions' parameter, inferred from their types.
///
/// ```
/// use argmin::core::{CostFunction, Gradient, Hessian};
/// use matcalc::argmin::Problem;
/// use matcalc::differentiate;
///
/// #[differentiate(hessian)]
/// fn f(x: &[f64]) -> f64 {
///     x[0] * x[0] * x[1]
/// }
///
/// // argmin calls the problem with its own parameter type, `Vec<f64>`.
/// let problem = Problem::new(f, f_grad, f_hessian);
/// let x = vec![3.0, 2.0];
/// assert_eq!(problem.cost(&x).unwrap(), 18.0);
/// assert_eq!(problem.gradient(&x).unwrap(), vec![12.0, 9.0]);
/// let h = problem.hessian(&x).unwrap().0;
/// assert_eq!(h, nalgebra::DMatrix::from_row_slice(2, 2, &[4.0, 6.0, 6.0, 0.0]));
/// ```
pub struct Problem<C, G, H, S> {
    cost: C,
    gradient: G,
    hessian: H,
    signature: PhantomData<fn() -> S>,
}

/// The missing Hessian of a problem made by [`Problem::first_order`].
///
/// ```
/// use matcalc::argmin::{NoHessian, Problem, Slice};
/// let cost = |x: &[f64]| x[0] * x[0];
/// let gradient = |x: &[f64]| (x[0] * x[0], vec![2.0 * x[0]]);
/// let _: Problem<_, _, NoHessian, Slice<f64>> = Problem::first_order(cost, gradient);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHessian;

impl<C, G, H, S> Problem<C, G, H, S>
where
    S: Signature,
    C: CostFn<S>,
    G: GradientFn<S>,
    H: HessianFn<S>,
{
    /// The problem of minimizing `cost` (`f`), with its gradient `gradient` (`f_grad`: value
    /// and gradient) and Hessian `hessian` (`f_hessian`: value, gradient and Hessian).
    ///
    /// ```
    /// use argmin::core::{Executor, State};
    /// use argmin::solver::newton::Newton;
    /// use matcalc::argmin::Problem;
    /// use matcalc::differentiate;
    ///
    /// #[differentiate(hessian)]
    /// fn bowl(x: &[f64; 2]) -> f64 {
    ///     (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2)
    /// }
    ///
    /// // A quadratic: one Newton step finds the minimum.
    /// let problem = Problem::new(bowl, bowl_grad, bowl_hessian);
    /// let result = Executor::new(problem, Newton::<f64>::new())
    ///     .configure(|state| state.param(vec![0.0, 0.0]).max_iters(1))
    ///     .run()
    ///     .unwrap();
    /// let x = result.state().get_param().unwrap();
    /// assert!((x[0] - 3.0).abs() < 1e-12 && (x[1] + 1.0).abs() < 1e-12);
    /// ```
    pub fn new(cost: C, gradient: G, hessian: H) -> Self {
        Problem {
            cost,
            gradient,
            hessian,
            signature: PhantomData,
        }
    }
}

impl<C, G, S> Problem<C, G, NoHessian, S>
where
    S: Signature,
    C: CostFn<S>,
    G: GradientFn<S>,
{
    /// The problem of minimizing `cost` (`f`) with its gradient `gradient` (`f_grad`), for
    /// first-order and quasi-Newton solvers; it implements no [`Hessian`].
    ///
    /// ```
    /// use argmin::core::{Executor, State};
    /// use argmin::solver::linesearch::MoreThuenteLineSearch;
    /// use argmin::solver::quasinewton::LBFGS;
    /// use matcalc::argmin::Problem;
    /// use matcalc::differentiate;
    ///
    /// #[differentiate]
    /// fn bowl(x: [f64; 2]) -> f64 {
    ///     (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2)
    /// }
    ///
    /// let solver = LBFGS::new(MoreThuenteLineSearch::new(), 5);
    /// let result = Executor::new(Problem::first_order(bowl, bowl_grad), solver)
    ///     .configure(|state| state.param(vec![0.0, 0.0]).max_iters(50))
    ///     .run()
    ///     .unwrap();
    /// let x = result.state().get_best_param().unwrap();
    /// assert!((x[0] - 3.0).abs() < 1e-8 && (x[1] + 1.0).abs() < 1e-8);
    /// ```
    pub fn first_order(cost: C, gradient: G) -> Self {
        Problem {
            cost,
            gradient,
            hessian: NoHessian,
            signature: PhantomData,
        }
    }
}

impl<C, G, H, S> CostFunction for Problem<C, G, H, S>
where
    S: Signature,
    C: CostFn<S>,
{
    type Param = Vec<S::Float>;
    type Output = S::Float;

    fn cost(&self, param: &Vec<S::Float>) -> Result<S::Float, Error> {
        self.cost.cost_at(param)
    }
}

impl<C, G, H, S> Gradient for Problem<C, G, H, S>
where
    S: Signature,
    G: GradientFn<S>,
{
    type Param = Vec<S::Float>;
    type Gradient = Vec<S::Float>;

    fn gradient(&self, param: &Vec<S::Float>) -> Result<Vec<S::Float>, Error> {
        self.gradient.gradient_at(param)
    }
}

impl<C, G, H, S> Hessian for Problem<C, G, H, S>
where
    S: Signature,
    H: HessianFn<S>,
{
    type Param = Vec<S::Float>;
    type Hessian = HessianMatrix<S::Float>;

    fn hessian(&self, param: &Vec<S::Float>) -> Result<HessianMatrix<S::Float>, Error> {
        self.hessian.hessian_at(param).map(HessianMatrix)
    }
}

/// A dense Hessian for argmin: its inverse and its products with `Vec<F>` parameters (and so,
/// through argmin-math, the form uᵀHv), what Newton, Newton-CG and the trust-region
/// subproblems (Cauchy point, dogleg, Steihaug) need.
///
/// ```
/// use argmin_math::{ArgminDot, ArgminInv};
/// use matcalc::argmin::HessianMatrix;
/// use nalgebra::DMatrix;
///
/// let h = HessianMatrix(DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 0.0, 4.0]));
/// assert_eq!(h.dot(&vec![1.0, 1.0]), vec![2.0, 4.0]);
/// assert_eq!(h.inv().unwrap().dot(&vec![2.0, 4.0]), vec![1.0, 1.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct HessianMatrix<F: RealField + Copy>(pub DMatrix<F>);

impl<F: RealField + Copy> ArgminInv<HessianMatrix<F>> for HessianMatrix<F> {
    /// The inverse by LU decomposition; an error (which stops the solver) if it is singular.
    fn inv(&self) -> Result<HessianMatrix<F>, Error> {
        self.0
            .clone()
            .try_inverse()
            .map(HessianMatrix)
            .ok_or_else(|| Error::msg("the Hessian is singular"))
    }
}

impl<F: RealField + Copy> ArgminDot<Vec<F>, Vec<F>> for HessianMatrix<F> {
    /// The product H·v.
    fn dot(&self, v: &Vec<F>) -> Vec<F> {
        (&self.0 * DVector::from_column_slice(v)).data.into()
    }
}

/// How an annotated function takes its parameter: a marker type, one per supported form
/// (`&[F]`, `Vec<F>`, `&Vec<F>`, `[F; N]`, `&[F; N]`, `DVector<F>`, `&DVector<F>`), inferred by
/// [`Problem`] from the functions' types.
///
/// ```
/// use matcalc::argmin::{OwnedDVector, Signature};
/// fn float_size<S: Signature>() -> usize {
///     size_of::<S::Float>()
/// }
/// assert_eq!(float_size::<OwnedDVector<f32>>(), 4);
/// ```
pub trait Signature: sealed::Sealed {
    /// The float type of the parameter and the result.
    type Float: RealField + Copy;
}

/// A function `f` of the parameter form `S`, as argmin's cost.
///
/// ```
/// use matcalc::argmin::{CostFn, Slice};
/// let f = |x: &[f64]| x[0] + x[1];
/// assert_eq!(CostFn::<Slice<f64>>::cost_at(&f, &[1.0, 2.0]).unwrap(), 3.0);
/// ```
pub trait CostFn<S: Signature> {
    /// f(x), with argmin's parameter converted to the function's.
    ///
    /// ```
    /// use matcalc::argmin::{Array, CostFn};
    /// let f = |x: [f64; 2]| x[0] * x[1];
    /// assert_eq!(CostFn::<Array<f64, 2>>::cost_at(&f, &[3.0, 4.0]).unwrap(), 12.0);
    /// // argmin's parameter of the wrong length is an error, not a panic
    /// assert!(CostFn::<Array<f64, 2>>::cost_at(&f, &[3.0]).is_err());
    /// ```
    fn cost_at(&self, x: &[S::Float]) -> Result<S::Float, Error>;
}

/// A generated `f_grad` of the parameter form `S`, as argmin's gradient.
///
/// ```
/// use matcalc::argmin::{GradientFn, VecRef};
/// let f_grad = |x: &Vec<f64>| (x[0] * x[0], vec![2.0 * x[0]]);
/// assert_eq!(GradientFn::<VecRef<f64>>::gradient_at(&f_grad, &[3.0]).unwrap(), vec![6.0]);
/// ```
pub trait GradientFn<S: Signature> {
    /// ∇f(x) as argmin's `Vec`.
    ///
    /// ```
    /// use matcalc::argmin::{DVectorRef, GradientFn};
    /// use nalgebra::DVector;
    /// let f_grad = |x: &DVector<f64>| (x.norm_squared(), 2.0 * x);
    /// let g = GradientFn::<DVectorRef<f64>>::gradient_at(&f_grad, &[1.0, -1.0]).unwrap();
    /// assert_eq!(g, vec![2.0, -2.0]);
    /// ```
    fn gradient_at(&self, x: &[S::Float]) -> Result<Vec<S::Float>, Error>;
}

/// A generated `f_hessian` of the parameter form `S`, as argmin's Hessian.
///
/// ```
/// use matcalc::argmin::{HessianFn, OwnedVec};
/// use nalgebra::DMatrix;
/// let f_hessian = |x: Vec<f64>| (x[0] * x[0], vec![2.0 * x[0]], DMatrix::from_element(1, 1, 2.0));
/// let h = HessianFn::<OwnedVec<f64>>::hessian_at(&f_hessian, &[3.0]).unwrap();
/// assert_eq!(h[(0, 0)], 2.0);
/// ```
pub trait HessianFn<S: Signature> {
    /// The Hessian of f at x, over the flat (column-major) view of the parameter.
    ///
    /// ```
    /// use matcalc::argmin::{ArrayRef, HessianFn};
    /// use nalgebra::DMatrix;
    /// // f(x) = x₀·x₁
    /// let f_hessian = |x: &[f64; 2]| {
    ///     (x[0] * x[1], [x[1], x[0]], DMatrix::from_row_slice(2, 2, &[0.0, 1.0, 1.0, 0.0]))
    /// };
    /// let h = HessianFn::<ArrayRef<f64, 2>>::hessian_at(&f_hessian, &[1.0, 2.0]).unwrap();
    /// assert_eq!(h[(0, 1)], 1.0);
    /// ```
    fn hessian_at(&self, x: &[S::Float]) -> Result<DMatrix<S::Float>, Error>;
}

mod sealed {
    pub trait Sealed {}
}

/// The array `[F; N]` of argmin's parameter, or an error naming both lengths.
fn array<F: Copy, const N: usize>(x: &[F]) -> Result<[F; N], Error> {
    x.try_into().map_err(|_| {
        Error::msg(format!(
            "the argmin parameter has {} entries but the function takes an array of {N}",
            x.len()
        ))
    })
}

/// Defines the marker of one parameter form and the three function traits for it: `$view`
/// turns argmin's `&[F]` (named `$x`) into the function's argument, `$flat` its gradient
/// (named `$g`, of the parameter's owned type) into a `Vec<F>`.
macro_rules! signature {
    (
        $(#[$doc:meta])*
        $marker:ident $(<const $n:ident>)?: $param:ty => $adjoint:ty,
        |$x:ident| $view:expr,
        |$g:ident| $flat:expr
    ) => {
        $(#[$doc])*
        pub struct $marker<F $(, const $n: usize)?>(PhantomData<F>);

        impl<F: RealField + Copy $(, const $n: usize)?> sealed::Sealed for $marker<F $(, $n)?> {}

        impl<F: RealField + Copy $(, const $n: usize)?> Signature for $marker<F $(, $n)?> {
            type Float = F;
        }

        impl<F, C $(, const $n: usize)?> CostFn<$marker<F $(, $n)?>> for C
        where
            F: RealField + Copy,
            C: Fn($param) -> F,
        {
            fn cost_at(&self, $x: &[F]) -> Result<F, Error> {
                Ok(self($view))
            }
        }

        impl<F, C $(, const $n: usize)?> GradientFn<$marker<F $(, $n)?>> for C
        where
            F: RealField + Copy,
            C: Fn($param) -> (F, $adjoint),
        {
            fn gradient_at(&self, $x: &[F]) -> Result<Vec<F>, Error> {
                let $g = self($view).1;
                Ok($flat)
            }
        }

        impl<F, C $(, const $n: usize)?> HessianFn<$marker<F $(, $n)?>> for C
        where
            F: RealField + Copy,
            C: Fn($param) -> (F, $adjoint, DMatrix<F>),
        {
            fn hessian_at(&self, $x: &[F]) -> Result<DMatrix<F>, Error> {
                Ok(self($view).2)
            }
        }
    };
}

signature! {
    /// The parameter is `&[F]`.
    ///
    /// ```
    /// use matcalc::argmin::{CostFn, Slice};
    /// let f = |x: &[f64]| x[0] + x[1];
    /// assert_eq!(CostFn::<Slice<f64>>::cost_at(&f, &[1.0, 2.0]).unwrap(), 3.0);
    /// ```
    Slice: &[F] => Vec<F>,
    |x| x,
    |g| g
}

signature! {
    /// The parameter is `Vec<F>`.
    ///
    /// ```
    /// use matcalc::argmin::{CostFn, OwnedVec};
    /// let f = |x: Vec<f64>| x[0] + x[1];
    /// assert_eq!(CostFn::<OwnedVec<f64>>::cost_at(&f, &[1.0, 2.0]).unwrap(), 3.0);
    /// ```
    OwnedVec: Vec<F> => Vec<F>,
    |x| x.to_vec(),
    |g| g
}

signature! {
    /// The parameter is `&Vec<F>`.
    ///
    /// ```
    /// use matcalc::argmin::{CostFn, VecRef};
    /// let f = |x: &Vec<f64>| x[0] + x[1];
    /// assert_eq!(CostFn::<VecRef<f64>>::cost_at(&f, &[1.0, 2.0]).unwrap(), 3.0);
    /// ```
    VecRef: &Vec<F> => Vec<F>,
    |x| &x.to_vec(),
    |g| g
}

signature! {
    /// The parameter is `[F; N]`.
    ///
    /// ```
    /// use matcalc::argmin::{CostFn, Array};
    /// let f = |x: [f64; 2]| x[0] + x[1];
    /// assert_eq!(CostFn::<Array<f64, 2>>::cost_at(&f, &[1.0, 2.0]).unwrap(), 3.0);
    /// ```
    Array<const N>: [F; N] => [F; N],
    |x| array(x)?,
    |g| g.to_vec()
}

signature! {
    /// The parameter is `&[F; N]`.
    ///
    /// ```
    /// use matcalc::argmin::{CostFn, ArrayRef};
    /// let f = |x: &[f64; 2]| x[0] + x[1];
    /// assert_eq!(CostFn::<ArrayRef<f64, 2>>::cost_at(&f, &[1.0, 2.0]).unwrap(), 3.0);
    /// ```
    ArrayRef<const N>: &[F; N] => [F; N],
    |x| &array(x)?,
    |g| g.to_vec()
}

signature! {
    /// The parameter is `DVector<F>`.
    ///
    /// ```
    /// use matcalc::argmin::{CostFn, OwnedDVector};
    /// use nalgebra::DVector;
    /// let f = |x: DVector<f64>| x.sum();
    /// assert_eq!(CostFn::<OwnedDVector<f64>>::cost_at(&f, &[1.0, 2.0]).unwrap(), 3.0);
    /// ```
    OwnedDVector: DVector<F> => DVector<F>,
    |x| DVector::from_column_slice(x),
    |g| g.data.into()
}

signature! {
    /// The parameter is `&DVector<F>`.
    ///
    /// ```
    /// use matcalc::argmin::{CostFn, DVectorRef};
    /// use nalgebra::DVector;
    /// let f = |x: &DVector<f64>| x.sum();
    /// assert_eq!(CostFn::<DVectorRef<f64>>::cost_at(&f, &[1.0, 2.0]).unwrap(), 3.0);
    /// ```
    DVectorRef: &DVector<F> => DVector<F>,
    |x| &DVector::from_column_slice(x),
    |g| g.data.into()
}
