//! 7.2 Second derivatives, bilinear forms and Hessian matrices.
//!
//! The second derivative of f: Rⁿ → R at x is a bilinear form: f″(x)[u, v] is the derivative
//! along u of f′(·)[v], and in coordinates it is uᵀHv with the Hessian matrix H, symmetric
//! because the order of differentiation does not matter. matcalc computes H·v by reverse mode
//! over forward mode (`f_hvp`, the cost of a few gradients), and H one column per HVP
//! (`f_hessian`).

use crate::{Checks, Limit};
use matcalc::{check, differentiate, linalg};
use nalgebra::{DMatrix, DVector};
use std::time::Instant;

/// f(x) = x₀²x₁ + sin(x₁x₂) + e^(x₀ − x₂).
#[differentiate(hessian)]
fn bumpy(x: [f64; 3]) -> f64 {
    x[0] * x[0] * x[1] + (x[1] * x[2]).sin() + (x[0] - x[2]).exp()
}

/// The Rosenbrock function (1 − x)² + 100(y − x²)².
#[differentiate(hessian)]
fn rosenbrock(x: f64, y: f64) -> f64 {
    let a = 1.0 - x;
    let b = y - x * x;
    a * a + 100.0 * b * b
}

/// The n-dimensional Rosenbrock chain Σ (1 − xᵢ)² + 100(xᵢ₊₁ − xᵢ²)².
#[differentiate(hessian)]
fn rosenbrock_chain(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        s += a * a + 100.0 * b * b;
    }
    s
}

/// log det A.
#[differentiate(hessian)]
fn log_det(a: &DMatrix<f64>) -> f64 {
    linalg::logdet(a)
}

/// The Hessian as a bilinear form, checked against finite differences of the gradient; the
/// Rosenbrock Hessian by hand and at its minimum; the second derivative of log det,
/// −tr(A⁻¹UA⁻¹V); Newton's method for minimization; and what an HVP costs.
pub(crate) fn second_derivatives(checks: &mut Checks) {
    bilinear_form(checks);
    rosenbrock_hessians(checks);
    log_det_bilinear_form(checks);
    newton_minimization(checks);
    hvp_cost(checks);
}

fn bilinear_form(checks: &mut Checks) {
    let x = [0.7, -0.4, 1.1];
    let (u, v) = ([1.0, -2.0, 0.5], [0.3, 0.8, -1.5]);
    let (_, _, h) = bumpy_hessian(x);
    let (u_col, v_col) = (
        DVector::from_column_slice(&u),
        DVector::from_column_slice(&v),
    );
    let form = u_col.dot(&(&h * &v_col));

    // f″(x)[u, v] = d/dt f′(x + tu)[v]: the derivative along u of the gradient dotted with v
    let slope_along_v = |x: &[f64; 3]| {
        let (_, g) = bumpy_grad(*x);
        g.iter().zip(&v).map(|(g, v)| g * v).sum::<f64>()
    };
    let (fd, _) = check::richardson(slope_along_v, &x, &u);
    checks.close(
        "f: R³→R, uᵀHv vs d/dt ⟨∇f(x + tu), v⟩ (Richardson)",
        &form,
        &fd,
        1e-10,
    );
    let (_, _, hv) = bumpy_hvp(x, v);
    let by_hvp: f64 = hv.iter().zip(&u).map(|(a, b)| a * b).sum();
    checks.close("uᵀHv vs uᵀ·f_hvp(x, v)", &form, &by_hvp, 1e-15);
    let reversed = v_col.dot(&(&h * &u_col));
    checks.close(
        "symmetry: f″(x)[u, v] vs f″(x)[v, u]",
        &form,
        &reversed,
        1e-15,
    );
    checks.close("H vs Hᵀ (3×3)", &h, &h.transpose(), 1e-15);

    // by hand: ∂²f/∂x₀² = 2x₁ + e, ∂²f/∂x₀∂x₁ = 2x₀, ∂²f/∂x₀∂x₂ = −e, ∂²f/∂x₁² = −x₂²s,
    // ∂²f/∂x₁∂x₂ = c − x₁x₂s, ∂²f/∂x₂² = −x₁²s + e, with s = sin(x₁x₂), c = cos(x₁x₂),
    // e = e^(x₀ − x₂)
    let [x0, x1, x2] = x;
    let (s, c, e) = ((x1 * x2).sin(), (x1 * x2).cos(), (x0 - x2).exp());
    #[rustfmt::skip]
    let by_hand = DMatrix::from_row_slice(3, 3, &[
        2.0 * x1 + e,  2.0 * x0,           -e,
        2.0 * x0,      -x2 * x2 * s,       c - x1 * x2 * s,
        -e,            c - x1 * x2 * s,    -x1 * x1 * s + e,
    ]);
    checks.close("H vs the second partials by hand", &h, &by_hand, 1e-15);
}

fn rosenbrock_hessians(checks: &mut Checks) {
    let (_, _, h) = rosenbrock_hessian(1.0, 1.0);
    checks.close(
        "Rosenbrock: H at (1, 1) vs [[802, −400], [−400, 200]]",
        &h,
        &DMatrix::from_row_slice(2, 2, &[802.0, -400.0, -400.0, 200.0]),
        0.0,
    );
    let (x, y) = (-1.2, 1.0);
    let (_, _, h) = rosenbrock_hessian(x, y);
    let by_hand = DMatrix::from_row_slice(
        2,
        2,
        &[
            1200.0 * x * x - 400.0 * y + 2.0,
            -400.0 * x,
            -400.0 * x,
            200.0,
        ],
    );
    checks.close(
        "H at (−1.2, 1) vs [[1200x²−400y+2, −400x], [·, 200]]",
        &h,
        &by_hand,
        1e-15,
    );
}

fn log_det_bilinear_form(checks: &mut Checks) {
    let mut random = crate::Gaussian::new(72);
    let n = 4;
    let g = random.matrix(n, n);
    let a = &g * g.transpose() + DMatrix::identity(n, n);
    let (u, v) = (random.matrix(n, n), random.matrix(n, n));
    let a_inv = a.clone().try_inverse().expect("A is positive definite");
    let (_, gradient, hu) = log_det_hvp(&a, &u);
    checks.close(
        "∇ log det A (4×4) vs A⁻ᵀ",
        &gradient,
        &a_inv.transpose(),
        1e-14,
    );
    checks.close(
        "log det″(A)[U, V] by f_hvp vs −tr(A⁻¹UA⁻¹V)",
        &hu.dot(&v),
        &-(&a_inv * &u * &a_inv * &v).trace(),
        1e-13,
    );
    let (_, _, h) = log_det_hessian(&a);
    checks.close(
        "16×16 Hessian of log det: H vs Hᵀ",
        &h,
        &h.transpose(),
        1e-15,
    );
}

/// Newton's method for minimization, x ← x − H⁻¹∇f, from the classic start (−1.2, 1): it
/// converges to the minimum (1, 1) quadratically once it is close.
fn newton_minimization(checks: &mut Checks) {
    let (mut x, mut y) = (-1.2, 1.0);
    checks.note(&format!(
        "{:>4}  {:>24}  {:>10}  {:>10}",
        "step", "(x, y)", "f", "‖∇f‖"
    ));
    for step in 0..8 {
        let (f, gradient, h) = rosenbrock_hessian(x, y);
        let g = DVector::from_vec(vec![gradient.0, gradient.1]);
        checks.note(&format!(
            "{step:>4}  ({x:>10.6}, {y:>10.6})  {f:>10.3e}  {:>10.3e}",
            g.norm()
        ));
        if g.norm() == 0.0 {
            break;
        }
        let delta = h.lu().solve(&g).expect("H is invertible on the path");
        x -= delta[0];
        y -= delta[1];
    }
    checks.close(
        "Newton from (−1.2, 1) with f_hessian vs (1, 1)",
        &(x, y),
        &(1.0, 1.0),
        1e-15,
    );
}

/// An HVP is reverse mode over forward mode: a small multiple of one gradient, independent of
/// n, where a Hessian costs n HVPs.
fn hvp_cost(checks: &mut Checks) {
    let n = 1000;
    let x: Vec<f64> = (0..n).map(|i| 0.5 + 0.4 * (0.7 * i as f64).sin()).collect();
    let v: Vec<f64> = (0..n).map(|i| (0.3 * i as f64).cos()).collect();

    let (_, _, hv) = rosenbrock_chain_hvp(&x, &v);
    let (fd, _) = check::richardson(|x: &Vec<f64>| rosenbrock_chain_grad(x).1, &x, &v);
    checks.close(
        &format!("n = {n}: H·v vs the derivative of ∇f along v"),
        &hv,
        &fd,
        1e-9,
    );

    let repeats = 50;
    let best_of = |run: &dyn Fn()| {
        (0..repeats)
            .map(|_| {
                let start = Instant::now();
                run();
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let primal = best_of(&|| {
        std::hint::black_box(rosenbrock_chain(std::hint::black_box(&x)));
    });
    let gradient = best_of(&|| {
        std::hint::black_box(rosenbrock_chain_grad(std::hint::black_box(&x)));
    });
    let hvp = best_of(&|| {
        std::hint::black_box(rosenbrock_chain_hvp(
            std::hint::black_box(&x),
            std::hint::black_box(&v),
        ));
    });
    checks.note(&format!(
        "n = {n}: f {:.1} µs, ∇f {:.1} µs, H·v {:.1} µs (best of {repeats}); \
         the Hessian would take {n} HVPs",
        primal * 1e6,
        gradient * 1e6,
        hvp * 1e6
    ));
    checks.bound(
        &format!("n = {n}: time of H·v / time of ∇f"),
        hvp,
        gradient,
        Limit::Below(10.0),
    );
}
