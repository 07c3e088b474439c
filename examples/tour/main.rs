//! The course tour: matcalc, lecture by lecture.
//!
//! matcalc follows MIT's "Matrix Calculus for Machine Learning and Beyond" (18.S096). Each topic
//! of this tour takes one lecture, computes something with the derivatives that
//! `#[differentiate]` generates, and checks the result against an independent reference: a
//! derivative worked out by hand, a finite difference, or a formula from the lecture. Every
//! check prints as one row (what is computed, the AD result, the reference, the measured error
//! and its bound, PASS or FAIL), and the program exits non-zero if any check fails, so the tour
//! is also the project's end-to-end test:
//!
//! ```text
//! cargo run --release --example tour
//! ```
//!
//! To add a lecture, write a function `fn topic(checks: &mut Checks)` that records its checks
//! with [`Checks::close`] (a result against a reference) or [`Checks::bound`] (a measured
//! quantity against a limit), and list it in [`TOPICS`].

mod intro;
mod plots;
mod random;
mod variations;

use matcalc::linalg::kronecker;
use matcalc::{Tangent, check, differentiate};
use nalgebra::{DMatrix, DVector, Matrix2, SMatrix, Vector2, Vector4};
use std::fmt;
use std::process::ExitCode;
use std::time::Instant;

mod newton;
mod ode;
mod second_order;

/// The topics, in course order.
const TOPICS: &[Topic] = &[
    Topic {
        lecture: "1.1",
        title: "introduction: a gradient of a matrix function, three ways",
        run: intro::introduction,
    },
    Topic {
        lecture: "1.2",
        title: "derivatives as linear operators",
        run: linear_operators,
    },
    Topic {
        lecture: "2.1/2.2",
        title: "Jacobians of matrix functions",
        run: matrix_function_jacobians,
    },
    Topic {
        lecture: "3.1",
        title: "vectorization and Kronecker products",
        run: kronecker_products,
    },
    Topic {
        lecture: "3.2",
        title: "finite-difference approximations",
        run: finite_differences,
    },
    Topic {
        lecture: "4.1",
        title: "gradients under the Frobenius inner product",
        run: frobenius_gradients,
    },
    Topic {
        lecture: "4.2",
        title: "nonlinear root finding and adjoint gradient methods",
        run: newton::root_finding,
    },
    Topic {
        lecture: "5.1",
        title: "derivatives of the determinant and the inverse",
        run: determinant_and_inverse,
    },
    Topic {
        lecture: "5.2",
        title: "forward AD via dual numbers: the Babylonian square root",
        run: babylonian_square_root,
    },
    Topic {
        lecture: "5.3/8.2",
        title: "reverse mode on a computational graph",
        run: computational_graph,
    },
    Topic {
        lecture: "6.1",
        title: "adjoint differentiation of ODE solutions: the double pendulum, a checkpointed heat flow",
        run: ode::adjoint_sensitivities,
    },
    Topic {
        lecture: "6.2",
        title: "calculus of variations: gradients of functionals",
        run: variations::variations,
    },
    Topic {
        lecture: "7.1",
        title: "derivatives of random functions",
        run: random::random_functions,
    },
    Topic {
        lecture: "7.2",
        title: "second derivatives, bilinear forms and Hessian matrices",
        run: second_order::second_derivatives,
    },
    Topic {
        lecture: "8.1",
        title: "derivatives of eigenproblems",
        run: eigenproblems,
    },
    Topic {
        lecture: "figures",
        title: "the tour's pictures (finite differences, optimizers, brachistochrone)",
        run: plots::figures,
    },
];

fn main() -> ExitCode {
    println!(
        "matcalc course tour: {} topics, figures in {}\n",
        TOPICS.len(),
        plots::folder().display()
    );
    let mut tour = Tour::default();
    for (number, topic) in TOPICS.iter().enumerate() {
        tour.run(number + 1, topic);
    }
    tour.summary()
}

// ---------------------------------------------------------------------------------------------
// 1.2 Derivatives as linear operators
// ---------------------------------------------------------------------------------------------

/// A small nonlinear map R³ → R².
#[differentiate]
fn field(x: [f64; 3]) -> (f64, f64) {
    (x[0] * x[1] + x[2].sin(), x[0] * x[0] * x[2].exp() - x[1])
}

/// The product PQ of two 2×2 matrices stored column-major: entry (i, j) at index i + 2j.
#[differentiate]
fn matmul2(p: [f64; 4], q: [f64; 4]) -> [f64; 4] {
    [
        p[0] * q[0] + p[2] * q[1],
        p[1] * q[0] + p[3] * q[1],
        p[0] * q[2] + p[2] * q[3],
        p[1] * q[2] + p[3] * q[3],
    ]
}

/// The lecture's exercise F(X) = XAX.
///
/// Both arguments are active, and the tour passes dA = 0: with `#[differentiate(wrt(x))]`, the
/// calls `matmul2(x, a)` with an inactive `a` do not compile yet (reported to the macro's owner).
#[differentiate]
fn xax(x: [f64; 4], a: [f64; 4]) -> [f64; 4] {
    let xa = matmul2(x, a);
    matmul2(xa, x)
}

/// `f_jvp` is the linear operator dx ↦ f'(x)[dx]: it matches a finite difference, it is linear in
/// dx, and for F(X) = XAX it is dF = dX·A·X + X·A·dX (not 2·X·A·dX: matrices do not commute).
fn linear_operators(checks: &mut Checks) {
    let x = [0.7, -1.3, 0.4];
    let (u, v) = ([1.0, 0.5, -2.0], [-0.3, 2.0, 1.0]);

    let (_, df) = field_jvp(x, u);
    let (fd, _) = check::richardson(|x: &[f64; 3]| field(*x), &x, &u);
    checks.close(
        "f: R³→R², f'(x)[u] vs finite difference (Richardson)",
        &df,
        &fd,
        1e-9,
    );

    let (a, b) = (2.0, -3.0);
    let w: [f64; 3] = std::array::from_fn(|i| a * u[i] + b * v[i]);
    let (_, df_w) = field_jvp(x, w);
    let (_, df_v) = field_jvp(x, v);
    let combined = (a * df.0 + b * df_v.0, a * df.1 + b * df_v.1);
    checks.close(
        "linearity: f'(x)[2u − 3v] vs 2f'(x)[u] − 3f'(x)[v]",
        &df_w,
        &combined,
        1e-14,
    );

    let big_x = [1.0, -0.5, 2.0, 0.3];
    let a = [0.2, 1.1, -0.7, 0.9];
    let dx = [0.4, -1.2, 0.6, 0.8];
    let (_, df) = xax_jvp(big_x, a, dx, [0.0; 4]);
    let reference = add2(
        matmul2(matmul2(dx, a), big_x),
        matmul2(matmul2(big_x, a), dx),
    );
    checks.close(
        "F(X) = XAX on 2×2: dF vs dX·A·X + X·A·dX",
        &df,
        &reference,
        1e-14,
    );
}

/// The sum of two 2×2 matrices.
fn add2(p: [f64; 4], q: [f64; 4]) -> [f64; 4] {
    std::array::from_fn(|i| p[i] + q[i])
}

// ---------------------------------------------------------------------------------------------
// 2.1 / 2.2 Jacobians of matrix functions
// ---------------------------------------------------------------------------------------------

/// A linear map R² → R²: x ↦ Ax.
#[differentiate]
fn linear2(x: &Vector2<f64>) -> Vector2<f64> {
    Matrix2::new(2.0, 3.0, -1.0, 0.5) * x
}

/// X ↦ X² on 2×2 matrices.
#[differentiate]
fn square2(x: &Matrix2<f64>) -> Matrix2<f64> {
    x * x
}

/// X ↦ X³ on 2×2 matrices, by nalgebra's `pow`.
#[differentiate]
fn cube2(x: &Matrix2<f64>) -> Matrix2<f64> {
    x.pow(3)
}

/// The LU factorization without pivoting of A = [[p, r], [q, s]] = [[1, 0], [L₂₁, 1]]·[[U₁₁,
/// U₁₂], [0, U₂₂]], as the map vec(A) = (p, q, r, s) ↦ (L₂₁, U₁₁, U₁₂, U₂₂) = (q/p, p, r,
/// s − qr/p).
#[differentiate]
fn lu2(a: &Matrix2<f64>) -> Vector4<f64> {
    let p = a[(0, 0)];
    let q = a[(1, 0)];
    let r = a[(0, 1)];
    let s = a[(1, 1)];
    let l21 = q / p;
    Vector4::new(l21, p, r, s - l21 * r)
}

/// `f_jacobian` is the matrix of f'(x) in the column-major (vec) coordinates: for a linear map
/// it is the map's matrix; for X² it is I⊗X + Xᵀ⊗I (from dX·X + X·dX); for X³ it is
/// (X²)ᵀ⊗I + Xᵀ⊗X + I⊗X² (from dX·X² + X·dX·X + X²·dX); for the LU map it is worked out by
/// hand.
fn matrix_function_jacobians(checks: &mut Checks) {
    let a = Matrix2::new(2.0, 3.0, -1.0, 0.5);
    let (_, j) = linear2_jacobian(&Vector2::new(0.7, -1.2));
    checks.close("x ↦ Ax on R²: Jacobian vs A", &j, &dynamic(&a), 1e-15);

    let x = Matrix2::new(1.0, -0.5, 2.0, 0.3);
    let i = Matrix2::identity();
    let (_, j) = square2_jacobian(&x);
    let reference = kronecker(&i, &x) + kronecker(&x.transpose(), &i);
    checks.close(
        "X ↦ X² (2×2): Jacobian vs I⊗X + Xᵀ⊗I",
        &j,
        &dynamic(&reference),
        1e-15,
    );

    let x2 = x * x;
    let (_, j) = cube2_jacobian(&x);
    let reference =
        kronecker(&x2.transpose(), &i) + kronecker(&x.transpose(), &x) + kronecker(&i, &x2);
    checks.close(
        "X ↦ X³ (2×2): Jacobian vs (X²)ᵀ⊗I + Xᵀ⊗X + I⊗X²",
        &j,
        &dynamic(&reference),
        1e-14,
    );

    let (p, q, r, s) = (2.0, 1.5, -0.8, 0.6);
    let a = Matrix2::new(p, r, q, s);
    let (lu, j) = lu2_jacobian(&a);
    let l = Matrix2::new(1.0, 0.0, lu[0], 1.0);
    let u = Matrix2::new(lu[1], lu[2], 0.0, lu[3]);
    checks.close("LU of [[p, r], [q, s]]: L·U vs A", &(l * u), &a, 1e-15);
    // rows: L₂₁, U₁₁, U₁₂, U₂₂; columns: ∂/∂p, ∂/∂q, ∂/∂r, ∂/∂s
    #[rustfmt::skip]
    let by_hand = DMatrix::from_row_slice(4, 4, &[
        -q / (p * p),     1.0 / p,  0.0,     0.0,
        1.0,              0.0,      0.0,     0.0,
        0.0,              0.0,      1.0,     0.0,
        q * r / (p * p),  -r / p,   -q / p,  1.0,
    ]);
    checks.close(
        "LU: ∂(L₂₁, U₁₁, U₁₂, U₂₂)/∂(p, q, r, s) vs by hand",
        &j,
        &by_hand,
        1e-15,
    );
}

/// A statically sized matrix as a `DMatrix` (the Jacobians are dynamic).
fn dynamic<const R: usize, const C: usize>(m: &SMatrix<f64, R, C>) -> DMatrix<f64> {
    DMatrix::from_column_slice(R, C, m.as_slice())
}

// ---------------------------------------------------------------------------------------------
// 3.1 Kronecker products and Jacobians
// ---------------------------------------------------------------------------------------------

/// X ↦ AXB with A and B fixed.
///
/// The clones: the factors written `a * x * b`, inactive references, do not compile yet
/// (reported to the macro's owner).
#[differentiate(wrt(x))]
fn axb(x: &DMatrix<f64>, a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    a.clone() * x * b.clone()
}

/// vec(AXB) = (Bᵀ⊗A)·vec(X): the Jacobian of the linear map X ↦ AXB is the Kronecker product
/// Bᵀ⊗A, whatever the shapes. The identity holds for the values, and `f_jacobian` finds it
/// (forward mode when X has fewer entries than AXB, reverse mode otherwise).
fn kronecker_products(checks: &mut Checks) {
    let mut random = Gaussian::new(31);
    for (m, n, p, q) in [(2, 2, 2, 2), (3, 3, 3, 3), (2, 3, 4, 2), (4, 2, 2, 3)] {
        let a = random.matrix(m, n);
        let x = random.matrix(n, p);
        let b = random.matrix(p, q);
        let kron = kronecker(&b.transpose(), &a);
        let (y, j) = axb_jacobian(&x, &a, &b);
        if (m, q) == (2, 2) && n == 2 {
            checks.close(
                "vec(AXB) vs (Bᵀ⊗A)·vec(X), 2×2",
                &vec_of(&y),
                &(&kron * vec_of(&x)),
                1e-14,
            );
        }
        checks.close(
            &format!("A {m}×{n}, X {n}×{p}, B {p}×{q}: J of X ↦ AXB vs Bᵀ⊗A"),
            &j,
            &kron,
            1e-14,
        );
    }
}

/// The column-major vec of a matrix.
fn vec_of(m: &DMatrix<f64>) -> DVector<f64> {
    DVector::from_column_slice(m.as_slice())
}

// ---------------------------------------------------------------------------------------------
// 3.2 Finite-difference approximations
// ---------------------------------------------------------------------------------------------

/// f(x) = sin(x)·exp(x).
#[differentiate]
fn sin_exp(x: f64) -> f64 {
    x.sin() * x.exp()
}

/// Forward and central differences against the exact derivative as the step shrinks: the error
/// falls with the truncation error (O(h), O(h²)) until roundoff (O(ε/h)) takes over.
fn finite_differences(checks: &mut Checks) {
    let x = 1.0f64;
    let (_, exact) = sin_exp_grad(x);
    let by_hand = (x.cos() + x.sin()) * x.exp();
    checks.close(
        "f = sin x·eˣ at x = 1: f'(x) vs (cos x + sin x)·eˣ",
        &exact,
        &by_hand,
        1e-14,
    );

    let steps: Vec<f64> = (1..=15).map(|k| 10f64.powi(-k)).collect();
    let relative = |d: f64| ((d - exact) / exact).abs();
    let forward: Vec<f64> = steps
        .iter()
        .map(|&h| {
            relative(check::forward_difference(
                |x: &f64| sin_exp(*x),
                &x,
                &1.0,
                h,
            ))
        })
        .collect();
    let central: Vec<f64> = steps
        .iter()
        .map(|&h| {
            relative(check::central_difference(
                |x: &f64| sin_exp(*x),
                &x,
                &1.0,
                h,
            ))
        })
        .collect();

    checks.note(&format!(
        "{:>7}  {:>14}  {:>14}",
        "h", "forward error", "central error"
    ));
    for ((h, f), c) in steps.iter().zip(&forward).zip(&central) {
        checks.note(&format!("{h:>7.0e}  {f:>14.3e}  {c:>14.3e}"));
    }

    let (best_forward, h_forward) = smallest(&forward, &steps);
    let (best_central, h_central) = smallest(&central, &steps);
    checks.bound(
        &format!("best central (h = {h_central:.0e}) vs best forward (h = {h_forward:.0e})"),
        best_central,
        best_forward,
        Limit::Below(1.0),
    );
    let last = steps.len() - 1;
    checks.bound(
        &format!("forward error at h = {:.0e} vs its best", steps[last]),
        forward[last],
        best_forward,
        Limit::Above(1.0),
    );
    checks.bound(
        &format!("central error at h = {:.0e} vs its best", steps[last]),
        central[last],
        best_central,
        Limit::Above(1.0),
    );
}

/// The smallest error and the step that reached it.
fn smallest(errors: &[f64], steps: &[f64]) -> (f64, f64) {
    errors
        .iter()
        .zip(steps)
        .fold((f64::INFINITY, f64::NAN), |best, (&e, &h)| {
            if e < best.0 { (e, h) } else { best }
        })
}

// ---------------------------------------------------------------------------------------------
// 4.1 Gradients and inner products in other vector spaces
// ---------------------------------------------------------------------------------------------

/// f(A, X) = tr(AᵀX) = ⟨A, X⟩.
#[differentiate]
fn trace_atx(a: &DMatrix<f64>, x: &DMatrix<f64>) -> f64 {
    (a.transpose() * x).trace()
}

/// f(A, X) = ‖AX‖²_F.
#[differentiate]
fn norm_ax(a: &DMatrix<f64>, x: &DMatrix<f64>) -> f64 {
    (a * x).norm_squared()
}

/// The gradient of a function of a matrix is the matrix ∇f with df = ⟨∇f, dX⟩ = tr(∇fᵀdX) (the
/// Frobenius inner product): for tr(AᵀX) it is A (and X for A); for ‖AX‖² it is 2AᵀAX (and
/// 2AXXᵀ for A). One reverse pass gives both.
fn frobenius_gradients(checks: &mut Checks) {
    let mut random = Gaussian::new(41);
    let (a, x) = (random.matrix(3, 4), random.matrix(3, 4));
    let (_, (grad_a, grad_x)) = trace_atx_grad(&a, &x);
    checks.close("f = tr(AᵀX): ∇ₓf vs A", &grad_x, &a, 1e-15);
    checks.close("f = tr(AᵀX): ∇_A f vs X", &grad_a, &x, 1e-15);

    let (a, x) = (random.matrix(3, 2), random.matrix(2, 4));
    let (_, (grad_a, grad_x)) = norm_ax_grad(&a, &x);
    checks.close(
        "f = ‖AX‖²: ∇ₓf vs 2AᵀAX",
        &grad_x,
        &(a.transpose() * &a * &x * 2.0),
        1e-14,
    );
    checks.close(
        "f = ‖AX‖²: ∇_A f vs 2AXXᵀ",
        &grad_a,
        &(&a * &x * x.transpose() * 2.0),
        1e-14,
    );

    let (da, dx) = (random.matrix(3, 2), random.matrix(2, 4));
    let (_, df) = norm_ax_jvp(&a, &x, &da, &dx);
    checks.close(
        "‖AX‖²: f'[dA, dX] vs ⟨∇_A f, dA⟩ + ⟨∇ₓf, dX⟩",
        &df,
        &(grad_a.dot(&da) + grad_x.dot(&dx)),
        1e-14,
    );
}

// ---------------------------------------------------------------------------------------------
// 5.1 Derivative of matrix determinant and inverse
// ---------------------------------------------------------------------------------------------

/// det A.
#[differentiate]
fn det_of(a: &DMatrix<f64>) -> f64 {
    a.determinant()
}

/// A⁻¹.
#[differentiate]
fn inverse_of(a: &DMatrix<f64>) -> DMatrix<f64> {
    a.clone().try_inverse().unwrap()
}

/// d(det A) = det A·tr(A⁻¹dA), so ∇det = det(A)·A⁻ᵀ, the cofactor matrix, which stays finite
/// where A is singular; d(A⁻¹) = −A⁻¹·dA·A⁻¹, whose adjoint is Ȳ ↦ −A⁻ᵀ·Ȳ·A⁻ᵀ.
fn determinant_and_inverse(checks: &mut Checks) {
    let mut random = Gaussian::new(51);
    let a = random.matrix(3, 3);
    let (det, gradient) = det_of_grad(&a);
    let cofactors = DMatrix::from_fn(3, 3, |i, j| {
        let minor = a.clone().remove_row(i).remove_column(j).determinant();
        if (i + j) % 2 == 0 { minor } else { -minor }
    });
    let inverse = a
        .clone()
        .try_inverse()
        .expect("a random matrix is invertible");
    checks.close(
        "∇det A (3×3) vs the cofactor matrix (by minors)",
        &gradient,
        &cofactors,
        1e-14,
    );
    checks.close(
        "∇det A vs det(A)·A⁻ᵀ",
        &gradient,
        &(inverse.transpose() * det),
        1e-14,
    );
    let da = random.matrix(3, 3);
    let (_, d_det) = det_of_jvp(&a, &da);
    checks.close(
        "d det[dA] vs det(A)·tr(A⁻¹dA)",
        &d_det,
        &(det * (&inverse * &da).trace()),
        1e-14,
    );

    let singular = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 4.0]);
    let (_, gradient) = det_of_grad(&singular);
    checks.close(
        "∇det at [[1, 2], [2, 4]] vs [[4, −2], [−2, 1]]",
        &gradient,
        &DMatrix::from_row_slice(2, 2, &[4.0, -2.0, -2.0, 1.0]),
        1e-15,
    );

    let (_, d_inverse) = inverse_of_jvp(&a, &da);
    checks.close(
        "d(A⁻¹)[dA] vs −A⁻¹·dA·A⁻¹",
        &d_inverse,
        &-(&inverse * &da * &inverse),
        1e-13,
    );
    let y_bar = random.matrix(3, 3);
    let (_, pullback) = inverse_of_vjp(&a);
    checks.close(
        "pullback of A⁻¹ at Ȳ vs −A⁻ᵀ·Ȳ·A⁻ᵀ",
        &pullback(y_bar.clone()),
        &-(inverse.transpose() * &y_bar * inverse.transpose()),
        1e-13,
    );
}

// ---------------------------------------------------------------------------------------------
// 5.2 Forward automatic differentiation via dual numbers
// ---------------------------------------------------------------------------------------------

/// √x by the Babylonian (Heron, Newton) iteration t ← (t + x/t)/2, until it has converged.
///
/// Every iterate is an arithmetic mean of t and x/t, so it is at least √x and the iteration
/// decreases; in floating point it has converged when it stops decreasing.
#[differentiate]
fn babylonian(x: f64) -> f64 {
    let mut t = (1.0 + x) / 2.0;
    for _ in 0..100 {
        let next = (t + x / t) / 2.0;
        if next >= t {
            break;
        }
        t = next;
    }
    t
}

/// The loop is differentiated as written, in forward mode (a dual number carried through every
/// iteration) and in reverse mode (the iterations replayed backwards); both give 1/(2√x).
fn babylonian_square_root(checks: &mut Checks) {
    for x in [2.0f64, 49.0, 1e-3] {
        let reference = 1.0 / (2.0 * x.sqrt());
        let (value, forward) = babylonian_jvp(x, 1.0);
        let (_, reverse) = babylonian_grad(x);
        checks.close(
            &format!("x = {x}: loop value vs x.sqrt()"),
            &value,
            &x.sqrt(),
            1e-14,
        );
        checks.close(
            &format!("x = {x}: forward mode vs 1/(2√x)"),
            &forward,
            &reference,
            1e-14,
        );
        checks.close(
            &format!("x = {x}: reverse mode vs 1/(2√x)"),
            &reverse,
            &reference,
            1e-14,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 5.3 / 8.2 Differentiation on computational graphs
// ---------------------------------------------------------------------------------------------

/// f(x₁, x₂) = (x₁x₂ + sin x₁)·(x₁x₂): the node a = x₁x₂ is used twice, so its adjoint
/// accumulates two contributions in the backward sweep.
#[differentiate]
fn graph(x1: f64, x2: f64) -> f64 {
    let a = x1 * x2;
    let b = a + x1.sin();
    b * a
}

/// The same pattern with n inputs: a = Σ xᵢxᵢ₊₁ feeds f = (a + sin x₀)·a.
#[differentiate]
fn graph_n(x: &[f64]) -> f64 {
    let mut a = 0.0;
    for i in 0..x.len() - 1 {
        a += x[i] * x[i + 1];
    }
    let b = a + x[0].sin();
    b * a
}

/// One reverse pass gives the whole gradient; forward mode needs one pass per input.
fn computational_graph(checks: &mut Checks) {
    let (x1, x2): (f64, f64) = (0.8, -1.7);
    let a = x1 * x2;
    let b = a + x1.sin();
    // ∂f/∂x₁ = (x₂ + cos x₁)·a + b·x₂ and ∂f/∂x₂ = x₁·a + b·x₁
    let by_hand = (((x2 + x1.cos()) * a + b * x2), (x1 * a + b * x1));

    let (_, reverse) = graph_grad(x1, x2);
    checks.close("∇f by 1 reverse pass vs by hand", &reverse, &by_hand, 1e-14);

    let forward = (graph_jvp(x1, x2, 1.0, 0.0).1, graph_jvp(x1, x2, 0.0, 1.0).1);
    checks.close(
        "∇f by 2 forward passes vs by hand",
        &forward,
        &by_hand,
        1e-14,
    );

    let (_, pullback) = graph_vjp(x1, x2);
    let seeded = pullback(2.5);
    let scaled = (2.5 * by_hand.0, 2.5 * by_hand.1);
    checks.close(
        "pullback called again with ȳ = 2.5 vs 2.5·∇f",
        &seeded,
        &scaled,
        1e-14,
    );

    let n = 1000;
    let x: Vec<f64> = (0..n).map(|i| (0.37 * i as f64).sin()).collect();
    let start = Instant::now();
    let (_, reverse) = graph_n_grad(&x);
    let reverse_time = start.elapsed();
    let start = Instant::now();
    let mut e = vec![0.0; n];
    let forward: Vec<f64> = (0..n)
        .map(|i| {
            e[i] = 1.0;
            let (_, d) = graph_n_jvp(&x, &e);
            e[i] = 0.0;
            d
        })
        .collect();
    let forward_time = start.elapsed();
    checks.note(&format!(
        "n = {n} inputs: 1 reverse pass took {reverse_time:.2?}, {n} forward passes {forward_time:.2?}"
    ));
    checks.close(
        &format!("n = {n}: ∇f by 1 reverse vs by {n} forward passes"),
        &reverse,
        &forward,
        1e-13,
    );
}

// ---------------------------------------------------------------------------------------------
// 8.1 Derivatives of eigenproblems
// ---------------------------------------------------------------------------------------------

/// The eigenvalues of the symmetric part of A.
#[differentiate]
fn eigenvalues_of(a: &DMatrix<f64>) -> DVector<f64> {
    let s = (a + a.transpose()) * 0.5;
    s.symmetric_eigenvalues()
}

/// The eigenvectors of the symmetric part of A, as the columns of Q.
#[differentiate]
fn eigenvectors_of(a: &DMatrix<f64>) -> DMatrix<f64> {
    let s = (a + a.transpose()) * 0.5;
    let eig = s.symmetric_eigen();
    eig.eigenvectors
}

/// For symmetric A = QΛQᵀ with distinct eigenvalues: dλᵢ = qᵢᵀ·dA·qᵢ, so ∇λᵢ = qᵢqᵢᵀ, and
/// dqᵢ = Σⱼ≠ᵢ qⱼ·(qⱼᵀ·dA·qᵢ)/(λᵢ − λⱼ). A is a random symmetric matrix and each dA a random
/// direction uniform on the unit sphere of symmetric matrices: a Gaussian matrix, symmetrized
/// (which keeps it isotropic under the Frobenius inner product) and normalized.
fn eigenproblems(checks: &mut Checks) {
    let n = 4;
    let mut random = Gaussian::new(81);
    let a = random.symmetric(n);
    let eig = a.clone().symmetric_eigen();
    let (lambda, q) = (&eig.eigenvalues, &eig.eigenvectors);

    let da = random.unit_symmetric(n);
    let (_, d_lambda) = eigenvalues_of_jvp(&a, &da);
    let reference = DVector::from_fn(n, |i, _| q.column(i).dot(&(&da * q.column(i))));
    checks.close(
        "dλ[dA] (4×4, dA on the unit sphere) vs (qᵢᵀ·dA·qᵢ)ᵢ",
        &d_lambda,
        &reference,
        1e-13,
    );
    let (fd, _) = check::richardson(|a: &DMatrix<f64>| eigenvalues_of(a), &a, &da);
    checks.close(
        "dλ[dA] vs finite difference (Richardson)",
        &d_lambda,
        &fd,
        1e-8,
    );

    let directions = 200;
    let (mut ad, mut by_formula) = (Vec::new(), Vec::new());
    for _ in 0..directions {
        let da = random.unit_symmetric(n);
        let (_, d_lambda) = eigenvalues_of_jvp(&a, &da);
        ad.extend(d_lambda.iter());
        by_formula.extend((0..n).map(|i| q.column(i).dot(&(&da * q.column(i)))));
    }
    checks.close(
        &format!("dλ in {directions} random directions vs qᵢᵀ·dA·qᵢ"),
        &ad,
        &by_formula,
        1e-13,
    );

    let (_, pullback) = eigenvalues_of_vjp(&a);
    let mut seed = DVector::zeros(n);
    seed[0] = 1.0;
    let q0 = q.column(0);
    checks.close(
        "∇λ₀ by reverse mode vs q₀q₀ᵀ",
        &pullback(seed),
        &(q0 * q0.transpose()),
        1e-13,
    );

    let (_, d_q) = eigenvectors_of_jvp(&a, &da);
    let reference = DMatrix::from_fn(n, n, |row, i| {
        (0..n)
            .filter(|&j| j != i)
            .map(|j| {
                let coupling = q.column(j).dot(&(&da * q.column(i)));
                q[(row, j)] * coupling / (lambda[i] - lambda[j])
            })
            .sum()
    });
    checks.close(
        "dQ[dA] vs Σⱼ≠ᵢ qⱼ·(qⱼᵀ·dA·qᵢ)/(λᵢ − λⱼ)",
        &d_q,
        &reference,
        1e-12,
    );
}

/// Standard normal samples (SplitMix64 and the Box–Muller transform), seeded so that the tour
/// prints the same rows every run.
struct Gaussian {
    state: u64,
}

impl Gaussian {
    fn new(seed: u64) -> Self {
        Gaussian { state: seed }
    }

    /// Uniform in (0, 1].
    fn uniform(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 + f64::EPSILON / 2.0
    }

    fn sample(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// A matrix of independent standard normal entries.
    fn matrix(&mut self, rows: usize, cols: usize) -> DMatrix<f64> {
        DMatrix::from_fn(rows, cols, |_, _| self.sample())
    }

    /// (G + Gᵀ)/2 for a Gaussian G: isotropic in the space of symmetric matrices.
    fn symmetric(&mut self, n: usize) -> DMatrix<f64> {
        let g = self.matrix(n, n);
        (&g + g.transpose()) * 0.5
    }

    /// A random symmetric direction uniform on the unit sphere (Frobenius norm 1).
    fn unit_symmetric(&mut self, n: usize) -> DMatrix<f64> {
        let s = self.symmetric(n);
        &s / s.norm()
    }
}

// ---------------------------------------------------------------------------------------------
// The tour's machinery
// ---------------------------------------------------------------------------------------------

/// One lecture of the tour.
struct Topic {
    /// The lecture number in the course, e.g. "1.2".
    lecture: &'static str,
    /// What the lecture is about.
    title: &'static str,
    /// Computes and records the checks.
    run: fn(&mut Checks),
}

/// What a check measures against its limit.
#[derive(Clone, Copy)]
enum Limit {
    /// A relative error, at most this tolerance.
    RelativeError(f64),
    /// A ratio measured / reference, strictly below this.
    Below(f64),
    /// A ratio measured / reference, strictly above this.
    Above(f64),
}

/// One check: a result, its reference, and the verdict.
struct Row {
    lecture: &'static str,
    what: String,
    ad: Vec<f64>,
    reference: Vec<f64>,
    /// The relative error, or the ratio of a [`Limit::Below`]/[`Limit::Above`] check.
    measure: f64,
    limit: Limit,
}

impl Row {
    /// Written so that a NaN fails.
    fn passed(&self) -> bool {
        match self.limit {
            Limit::RelativeError(tolerance) => self.measure <= tolerance,
            Limit::Below(limit) => self.measure < limit,
            Limit::Above(limit) => self.measure > limit,
        }
    }
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let check = match self.limit {
            Limit::RelativeError(tolerance) => {
                format!("rel. error {:.1e} ≤ {tolerance:.0e}", self.measure)
            }
            Limit::Below(limit) => format!("ratio {:.1e} < {limit}", self.measure),
            Limit::Above(limit) => format!("ratio {:.1e} > {limit}", self.measure),
        };
        write!(
            f,
            "  {:<52} {:>26} {:>26}  {:<26} {}",
            self.what,
            Values(&self.ad),
            Values(&self.reference),
            check,
            if self.passed() { "PASS" } else { "FAIL" },
        )
    }
}

/// A flat list of values, shortened to its first two entries.
struct Values<'a>(&'a [f64]);

impl fmt::Display for Values<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self.0 {
            [single] => format!("{single:.15e}"),
            [first, second] => format!("[{first:.5e}, {second:.5e}]"),
            [first, second, ..] => format!("[{first:.4e}, {second:.4e}, …]"),
            [] => "[]".to_string(),
        };
        f.pad(&text)
    }
}

/// The checks of the topic that is running; each is printed as it is recorded.
struct Checks {
    lecture: &'static str,
    rows: Vec<Row>,
}

impl Checks {
    /// Records that `ad` matches `reference` to a relative error of at most `tolerance` (in
    /// the Euclidean norm of their flat, column-major views).
    fn close<T: Tangent<Scalar = f64>>(
        &mut self,
        what: &str,
        ad: &T,
        reference: &T,
        tolerance: f64,
    ) {
        let (ad, reference) = (ad.to_flat(), reference.to_flat());
        let measure = relative_error(&ad, &reference);
        self.push(
            what,
            ad,
            reference,
            measure,
            Limit::RelativeError(tolerance),
        );
    }

    /// Records that the ratio `measured / reference` satisfies `limit`.
    fn bound(&mut self, what: &str, measured: f64, reference: f64, limit: Limit) {
        self.push(
            what,
            vec![measured],
            vec![reference],
            measured / reference,
            limit,
        );
    }

    /// Prints a line of context (a table, a timing) under the topic.
    fn note(&self, line: &str) {
        println!("    {line}");
    }

    fn push(&mut self, what: &str, ad: Vec<f64>, reference: Vec<f64>, measure: f64, limit: Limit) {
        let row = Row {
            lecture: self.lecture,
            what: what.to_string(),
            ad,
            reference,
            measure,
            limit,
        };
        println!("{row}");
        self.rows.push(row);
    }
}

/// ‖a − b‖ / max(‖a‖, ‖b‖), 0 when they are equal.
fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>().sqrt();
    let difference = norm(&mut a.iter().zip(b).map(|(a, b)| a - b));
    if difference == 0.0 {
        return 0.0;
    }
    difference / norm(&mut a.iter().copied()).max(norm(&mut b.iter().copied()))
}

/// Runs the topics and collects their checks.
#[derive(Default)]
struct Tour {
    rows: Vec<Row>,
}

impl Tour {
    /// Runs topic `number` (from 1), printing each check as it is made.
    fn run(&mut self, number: usize, topic: &Topic) {
        println!(
            "[{}] {} (topic {number} of {})",
            topic.lecture,
            topic.title,
            TOPICS.len()
        );
        println!(
            "  {:<52} {:>26} {:>26}  {:<26} result",
            "computed", "AD", "reference", "check"
        );
        let start = Instant::now();
        let mut checks = Checks {
            lecture: topic.lecture,
            rows: Vec::new(),
        };
        (topic.run)(&mut checks);
        let failed = checks.rows.iter().filter(|row| !row.passed()).count();
        println!(
            "  -> {} checks, {failed} failed ({:.1?})\n",
            checks.rows.len(),
            start.elapsed()
        );
        self.rows.append(&mut checks.rows);
    }

    /// Prints the summary; failure if any check failed.
    fn summary(&self) -> ExitCode {
        let failed: Vec<&Row> = self.rows.iter().filter(|row| !row.passed()).collect();
        println!(
            "summary: {} topics, {} checks, {} passed, {} failed",
            TOPICS.len(),
            self.rows.len(),
            self.rows.len() - failed.len(),
            failed.len()
        );
        for row in &failed {
            println!("  FAILED [{}] {}", row.lecture, row.what);
        }
        if failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}
