//! 1.1 Introduction: the gradient of a matrix function, three ways.

use super::Checks;
use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// f(A) = tr(A³).
#[differentiate]
fn trace_cube(a: &DMatrix<f64>) -> f64 {
    (a * a * a).trace()
}

/// f(x, A) = xᵀAx, with both the vector and the matrix active.
#[differentiate]
fn quadratic_form(x: &DVector<f64>, a: &DMatrix<f64>) -> f64 {
    x.dot(&(a * x))
}

/// The gradient ∇f of f(A) = tr(A³) is the matrix with df = ⟨∇f, dA⟩ = tr(∇fᵀdA). By hand,
/// with the product rule and the cyclic property of the trace: d tr(A³) = tr(dA·A² + A·dA·A +
/// A²·dA) = 3 tr(A²·dA), so ∇f = 3(A²)ᵀ. Forward mode gets it entry by entry, one directional
/// derivative f'(A)[Eᵢⱼ] per unit matrix (n² passes); reverse mode gets all of it in one pass.
/// The same for xᵀAx, whose gradients are (A + Aᵀ)x and xxᵀ.
pub(crate) fn introduction(checks: &mut Checks) {
    let n = 4;
    let mut rng = StdRng::seed_from_u64(11);
    let mut gaussian =
        |rows, cols| DMatrix::from_fn(rows, cols, |_, _| rng.sample::<f64, _>(StandardNormal));
    let a = gaussian(n, n);

    let by_hand = (&a * &a).transpose() * 3.0;
    let forward = DMatrix::from_fn(n, n, |i, j| {
        let mut unit = DMatrix::zeros(n, n);
        unit[(i, j)] = 1.0;
        trace_cube_jvp(&a, &unit).1
    });
    let (_, reverse) = trace_cube_grad(&a);
    checks.note("f(A) = tr(A³), A a 4×4 Gaussian matrix: ∇f by hand is 3(A²)ᵀ");
    checks.close(
        "∇tr(A³) by 16 forward passes vs 3(A²)ᵀ",
        &forward,
        &by_hand,
        1e-14,
    );
    checks.close(
        "∇tr(A³) by 1 reverse pass vs 3(A²)ᵀ",
        &reverse,
        &by_hand,
        1e-14,
    );
    let da = gaussian(n, n);
    let (_, df) = trace_cube_jvp(&a, &da);
    checks.close(
        "f'(A)[dA] (forward) vs ⟨∇f, dA⟩ = tr(∇fᵀdA)",
        &df,
        &(by_hand.transpose() * &da).trace(),
        1e-13,
    );

    let x = DVector::from_iterator(n, gaussian(n, 1).iter().copied());
    let (_, (grad_x, grad_a)) = quadratic_form_grad(&x, &a);
    checks.close(
        "xᵀAx: ∇ₓ by reverse mode vs (A + Aᵀ)x",
        &grad_x,
        &((&a + a.transpose()) * &x),
        1e-14,
    );
    checks.close(
        "xᵀAx: ∇_A by reverse mode vs xxᵀ",
        &grad_a,
        &(&x * x.transpose()),
        1e-14,
    );
    let forward_x = DVector::from_fn(n, |i, _| {
        let mut unit = DVector::zeros(n);
        unit[i] = 1.0;
        quadratic_form_jvp(&x, &a, &unit, &DMatrix::zeros(n, n)).1
    });
    checks.close(
        "xᵀAx: ∇ₓ by 4 forward passes vs (A + Aᵀ)x",
        &forward_x,
        &((&a + a.transpose()) * &x),
        1e-14,
    );
}
