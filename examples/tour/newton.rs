//! 4.2 Nonlinear root finding, optimization and adjoint gradient methods.
//!
//! Newton's method linearizes: to solve F(x) = 0, solve F′(x)·δ = −F(x) and step, with the
//! Jacobian F′(x) from `f_jacobian`; near a simple root the error squares at every step. A root
//! of a scalar function of a matrix, det M(λ) = 0, takes its derivative from Jacobi's formula,
//! d det M = det M·tr(M⁻¹dM). And the gradient of a loss of the solution x(p) of g(x, p) = 0
//! costs one adjoint solve with (∂g/∂x)ᵀ, however many parameters p has.

use crate::{Checks, Limit};
use matcalc::{check, differentiate, linalg};
use nalgebra::{DMatrix, DVector};

/// F(x) = (x₀² + x₁² + x₂² − 14, x₀x₁x₂ − 6, e^(x₀ − 1) + x₁ − x₂), with a root at (1, 2, 3).
#[differentiate]
fn system(x: [f64; 3]) -> [f64; 3] {
    [
        x[0] * x[0] + x[1] * x[1] + x[2] * x[2] - 14.0,
        x[0] * x[1] * x[2] - 6.0,
        (x[0] - 1.0).exp() + x[1] - x[2],
    ]
}

/// The quadratic pencil M(λ) = A − λI + λ²B.
///
/// The clone: `a - ...` with an inactive reference `a` does not compile yet (reported to the
/// macro's owner).
#[differentiate(wrt(lambda))]
fn pencil(lambda: f64, a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    let n = a.nrows();
    a.clone() - DMatrix::identity(n, n) * lambda + b * (lambda * lambda)
}

/// det M(λ).
///
/// M(λ) is written again, not called: a call `pencil(lambda, a, b)` with inactive `a`, `b` to
/// a `wrt(lambda)` function does not compile yet (reported to the macro's owner).
#[differentiate(wrt(lambda))]
fn pencil_det(lambda: f64, a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    let n = a.nrows();
    let m = a.clone() - DMatrix::identity(n, n) * lambda + b * (lambda * lambda);
    m.determinant()
}

/// The residual of the equilibrium of a chain of nonlinear springs with stiffnesses p:
/// g(x, p) = (K + diag(p))·x + 0.1·x³ − f, elementwise cube, K and f fixed.
#[differentiate]
fn equilibrium(x: [f64; 3], p: [f64; 3]) -> [f64; 3] {
    let k = stiffness();
    let f = load();
    let mut g = [0.0; 3];
    for i in 0..3 {
        let mut kx = 0.0;
        for j in 0..3 {
            kx += k[i][j] * x[j];
        }
        g[i] = kx + p[i] * x[i] + 0.1 * x[i] * x[i] * x[i] - f[i];
    }
    g
}

/// K: the stiffness of the chain (symmetric positive definite, tridiagonal).
fn stiffness() -> [[f64; 3]; 3] {
    [[2.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 2.0]]
}

/// f: the load.
fn load() -> [f64; 3] {
    [1.0, -0.5, 2.0]
}

/// The loss of a solution: L(x) = Σ xᵢ⁴/4 + x₀x₂.
#[differentiate]
fn loss_of_solution(x: [f64; 3]) -> f64 {
    (x[0].powi(4) + x[1].powi(4) + x[2].powi(4)) * 0.25 + x[0] * x[2]
}

/// L(x(p)) with x(p) from `iterations` Newton steps from 0, all differentiated by the macro.
#[differentiate(wrt(p))]
fn loss_through_newton(p: &DVector<f64>, iterations: usize) -> f64 {
    let k = DMatrix::from_fn(3, 3, |i, j| stiffness()[i][j]);
    let f = DVector::from_fn(3, |i, _| load()[i]);
    let mut x = p * 0.0;
    for _ in 0..iterations {
        let r = &k * &x + p.component_mul(&x) + x.map(|v| 0.1 * v * v * v) - f.clone();
        let j = DMatrix::from_fn(3, 3, |i, l| {
            if i == l {
                k[(i, l)] + p[i] + 0.3 * x[i] * x[i]
            } else {
                k[(i, l)]
            }
        });
        x -= linalg::solve(&j, &r);
    }
    (x[0].powi(4) + x[1].powi(4) + x[2].powi(4)) * 0.25 + x[0] * x[2]
}

/// Newton on F(x) = 0 with `system_jacobian`, the Newton step for det M(λ) = 0, and the adjoint
/// method.
pub(crate) fn root_finding(checks: &mut Checks) {
    newton_on_a_system(checks);
    nonlinear_eigenproblem(checks);
    adjoint_method(checks);
}

/// Newton's method x ← x − F′(x)⁻¹F(x) with the Jacobian from `f_jacobian`: the error squares
/// at each step (the ratio eₖ₊₁/eₖ² settles to a constant) until it reaches rounding.
fn newton_on_a_system(checks: &mut Checks) {
    let root = [1.0, 2.0, 3.0];
    let (_, j) = system_jacobian(root);
    #[rustfmt::skip]
    let by_hand = DMatrix::from_row_slice(3, 3, &[
        2.0, 4.0, 6.0,
        6.0, 3.0, 2.0,
        1.0, 1.0, -1.0,
    ]);
    checks.close("F′ at the root (1, 2, 3) vs by hand", &j, &by_hand, 1e-15);

    let error = |x: &[f64; 3]| {
        x.iter()
            .zip(&root)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt()
    };
    let mut x = [1.3, 1.7, 3.2];
    let mut errors = vec![error(&x)];
    checks.note(&format!(
        "{:>4}  {:>10}  {:>13}  {:>10}",
        "step", "‖F(x)‖", "eₖ = ‖x − x*‖", "eₖ/eₖ₋₁²"
    ));
    for step in 1..=10 {
        let (f, j) = system_jacobian(x);
        let delta = j
            .lu()
            .solve(&DVector::from_column_slice(&f))
            .expect("F′ is invertible on the path");
        for i in 0..3 {
            x[i] -= delta[i];
        }
        let (e, previous) = (error(&x), errors[errors.len() - 1]);
        errors.push(e);
        let residual = system(x).iter().map(|r| r * r).sum::<f64>().sqrt();
        let ratio = if previous > 1e-7 {
            format!("{:.3}", e / (previous * previous))
        } else {
            "(rounding)".to_string()
        };
        checks.note(&format!(
            "{step:>4}  {residual:>10.3e}  {e:>13.3e}  {ratio:>10}"
        ));
        if e < 1e-15 {
            break;
        }
    }
    checks.close("Newton: x vs the root (1, 2, 3)", &x, &root, 1e-15);
    // quadratic convergence: once close, eₖ₊₁ ≈ C·eₖ² with a constant C
    let ratios: Vec<f64> = errors
        .windows(2)
        .filter(|w| w[0] > 1e-7)
        .map(|w| w[1] / (w[0] * w[0]))
        .collect();
    let last = ratios.len() - 1;
    checks.close(
        "eₖ/eₖ₋₁² at the last two steps above rounding",
        &ratios[last],
        &ratios[last - 1],
        0.05,
    );
    checks.bound(
        &format!("steps from e₀ = {:.2} to eₖ < 1e-15", errors[0]),
        (errors.len() - 1) as f64,
        1.0,
        Limit::Below(8.0),
    );
}

/// A nonlinear eigenvalue: λ with det M(λ) = 0 for M(λ) = A − λI + λ²B. Newton on det M needs
/// d det M/dλ = det M·tr(M⁻¹M′) (Jacobi's formula), so the step is −1/tr(M⁻¹M′), with M′ from
/// `pencil_jvp`; no determinant is ever differentiated by hand. The root is checked against the
/// eigenvalues of the linearization [[A, 0], [0, I]]·z = λ·[[I, −B], [I, 0]]·z.
fn nonlinear_eigenproblem(checks: &mut Checks) {
    #[rustfmt::skip]
    let a = DMatrix::from_row_slice(3, 3, &[
        2.0, 0.5, 0.0,
        0.5, 1.0, 0.3,
        0.0, 0.3, -1.0,
    ]);
    #[rustfmt::skip]
    let b = DMatrix::from_row_slice(3, 3, &[
        0.2, 0.1, 0.0,
        0.1, 0.3, 0.1,
        0.0, 0.1, 0.1,
    ]);
    let n = 3;

    let lambda0 = 0.9;
    let (_, m_dot) = pencil_jvp(lambda0, &a, &b, 1.0);
    checks.close(
        "M′(λ) by f_jvp vs −I + 2λB",
        &m_dot,
        &(&b * (2.0 * lambda0) - DMatrix::identity(n, n)),
        1e-15,
    );
    let (det, det_dot) = pencil_det_jvp(lambda0, &a, &b, 1.0);
    let m = pencil(lambda0, &a, &b);
    let m_inv = m.clone().try_inverse().expect("M(λ₀) is invertible");
    checks.close(
        "step −det/det′ (f_jvp of det M) vs −1/tr(M⁻¹M′)",
        &(-det / det_dot),
        &(-1.0 / (&m_inv * &m_dot).trace()),
        1e-14,
    );

    checks.note(&format!("{:>4}  {:>20}  {:>10}", "step", "λ", "|det M(λ)|"));
    let mut lambda = lambda0;
    for step in 1..=8 {
        let (m, m_dot) = pencil_jvp(lambda, &a, &b, 1.0);
        let m_inv = m.try_inverse().expect("M(λ) is invertible before the root");
        let delta = -1.0 / (&m_inv * &m_dot).trace();
        lambda += delta;
        checks.note(&format!(
            "{step:>4}  {lambda:>20.15}  {:>10.3e}",
            pencil_det(lambda, &a, &b).abs()
        ));
        if delta.abs() <= 1e-15 * lambda.abs() {
            break;
        }
    }

    // det M(λ*) = 0: the smallest singular value of M(λ*) is at rounding relative to the largest
    let sigma = pencil(lambda, &a, &b).singular_values();
    checks.bound(
        "σ_min(M(λ*)) / σ_max(M(λ*)) vs machine ε",
        sigma.min() / sigma.max(),
        f64::EPSILON,
        Limit::Below(10.0),
    );

    let mut left = DMatrix::identity(2 * n, 2 * n);
    left.view_mut((0, 0), (n, n)).copy_from(&a);
    let mut right = DMatrix::zeros(2 * n, 2 * n);
    right
        .view_mut((0, 0), (n, n))
        .copy_from(&DMatrix::identity(n, n));
    right.view_mut((0, n), (n, n)).copy_from(&-&b);
    right
        .view_mut((n, 0), (n, n))
        .copy_from(&DMatrix::identity(n, n));
    let linearized = right.try_inverse().expect("B is invertible") * left;
    let nearest = linearized
        .complex_eigenvalues()
        .iter()
        .filter(|z| z.im.abs() < 1e-12)
        .map(|z| z.re)
        .fold(f64::NAN, |best, re| {
            if best.is_nan() || (re - lambda).abs() < (best - lambda).abs() {
                re
            } else {
                best
            }
        });
    checks.close(
        "λ* vs the nearest eigenvalue of the 6×6 linearization",
        &lambda,
        &nearest,
        1e-12,
    );
}

/// x(p) solves g(x, p) = 0; the gradient of L(x(p)) is ∇L = −(∂g/∂p)ᵀλ with the adjoint λ
/// solving (∂g/∂x)ᵀλ = ∇ₓL: one extra linear solve for all of p. Against differentiating 20
/// Newton iterations, and finite differences of the converged solve.
fn adjoint_method(checks: &mut Checks) {
    let p = [0.5, 1.5, 0.8];
    let solve = |p: &[f64; 3]| -> [f64; 3] {
        let mut x = [0.9, 2.2, 3.1];
        for _ in 0..50 {
            let (g, j) = equilibrium_jacobian(x, *p);
            let delta = j
                .columns(0, 3)
                .lu()
                .solve(&DVector::from_column_slice(&g))
                .expect("∂g/∂x is invertible");
            for i in 0..3 {
                x[i] -= delta[i];
            }
            if delta.norm() < 1e-15 {
                break;
            }
        }
        x
    };
    let x = solve(&p);
    let residual = equilibrium(x, p)
        .iter()
        .map(|r| r.abs())
        .fold(0.0, f64::max);
    checks.bound(
        "Newton for g(x, p) = 0: max |gᵢ(x, p)| vs ‖f‖∞·ε",
        residual,
        2.0 * f64::EPSILON,
        Limit::Below(10.0),
    );

    // the Jacobian of g over (x, p): its first three columns are ∂g/∂x, the last three ∂g/∂p
    let (_, j) = equilibrium_jacobian(x, p);
    let (g_x, g_p) = (j.columns(0, 3).into_owned(), j.columns(3, 3).into_owned());
    checks.close(
        "∂g/∂p vs diag(x)",
        &g_p,
        &DMatrix::from_diagonal(&DVector::from_column_slice(&x)),
        1e-15,
    );
    let (_, l_x) = loss_of_solution_grad(x);
    let adjoint = g_x
        .transpose()
        .lu()
        .solve(&DVector::from_column_slice(&l_x))
        .expect("∂g/∂x is invertible");
    let by_adjoint = -(g_p.transpose() * adjoint);

    let p_vector = DVector::from_column_slice(&p);
    let (value, through_newton) = loss_through_newton_grad(&p_vector, 20);
    checks.close(
        "L(x(p)) after 20 Newton steps vs at converged x",
        &value,
        &loss_of_solution(x),
        1e-14,
    );
    checks.close(
        "∇L by 1 adjoint solve vs f_grad through 20 steps",
        &by_adjoint,
        &through_newton,
        1e-13,
    );
    let l_of_p = |p: &DVector<f64>| loss_of_solution(solve(&[p[0], p[1], p[2]]));
    let fd = DVector::from_fn(3, |k, _| {
        let e = DVector::from_fn(3, |i, _| if i == k { 1.0 } else { 0.0 });
        check::richardson(l_of_p, &p_vector, &e).0
    });
    checks.close(
        "∇L by the adjoint vs finite differences of L(x(p))",
        &by_adjoint,
        &fd,
        1e-9,
    );
}
