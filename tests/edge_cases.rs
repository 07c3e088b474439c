//! Numerical edge cases through the macro: singular and nearly singular matrices (the gradient
//! of `det` is the cofactor matrix, finite; inverses near singularity are finite and large),
//! repeated eigenvalues and singular values, zero vectors under norms (0, not NaN), NaN and
//! infinite inputs (they propagate, nothing panics) in scalar and matrix code, log-sum-exp of
//! large values written with the max trick (finite gradients summing to 1), and single precision
//! against double (an `f32` function's gradient against its `f64` twin).
//!
//! One test is ignored: eigenvector losses whose weights vary inside a cluster of repeated
//! eigenvalues (Σᵢ λᵢ·qᵢᵀWqᵢ = tr(W·S)) get inexact derivatives there, see
//! `eigenvalue_weighted_eigenvectors_at_repeated_eigenvalues_are_exact`.

mod common;

use common::{Sampler, assert_close, check_ref_binary, check_ref_unary};
use matcalc::{check, differentiate, linalg};
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};

/// The relative difference `‖a − b‖ / ‖b‖` of two flat views.
fn relative(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let d: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>();
    let n: f64 = b.iter().map(|y| y * y).sum::<f64>();
    (d / n).sqrt()
}

fn all_finite(m: &DMatrix<f64>) -> bool {
    m.iter().all(|x| x.is_finite())
}

// ======================================================================== determinants

#[differentiate(hessian)]
fn det(a: &DMatrix<f64>) -> f64 {
    a.determinant()
}

#[differentiate]
fn det_fixed(a: &Matrix3<f64>) -> f64 {
    linalg::det(a)
}

/// The cofactor matrix from its definition: `C[i, j] = (−1)^(i+j)·det(A without row i and
/// column j)`.
fn cofactors(a: &DMatrix<f64>) -> DMatrix<f64> {
    DMatrix::from_fn(a.nrows(), a.ncols(), |i, j| {
        let minor = a.clone().remove_row(i).remove_column(j).determinant();
        if (i + j) % 2 == 0 { minor } else { -minor }
    })
}

/// The Hessian of det at `a` (3×3) over vec(A), column-major: the cofactor matrix is quadratic
/// in A, so the central difference of it with a unit step is exact.
fn det_hessian_by_cofactors(a: &DMatrix<f64>) -> DMatrix<f64> {
    let n = a.len();
    let mut h = DMatrix::zeros(n, n);
    for k in 0..n {
        let (mut plus, mut minus) = (a.clone(), a.clone());
        plus[k] += 1.0;
        minus[k] -= 1.0;
        let column = (cofactors(&plus) - cofactors(&minus)) * 0.5;
        h.set_column(k, &DVector::from_column_slice(column.as_slice()));
    }
    h
}

/// A rank-2 and a rank-1 matrix: det is 0, its gradient is the cofactor matrix (finite; 0 at
/// rank 1, where every 2×2 minor vanishes), forward mode gives ⟨cof A, dA⟩, and the Hessian is
/// finite and exact (det is a polynomial).
#[test]
fn det_at_singular_matrices_has_the_cofactor_gradient_and_a_finite_hessian() {
    let rank2 = DMatrix::from_row_slice(3, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    let u = DVector::from_vec(vec![1.0, -2.0, 0.5]);
    let v = DVector::from_vec(vec![0.3, 1.0, 2.0]);
    let rank1 = &u * v.transpose();
    for a in [&rank2, &rank1] {
        let (value, gradient) = det_grad(a);
        assert!(value.abs() < 1e-12, "det = {value}");
        let c = cofactors(a);
        assert!(all_finite(&gradient), "{gradient}");
        assert!(
            (&gradient - &c).amax() <= 1e-12 * c.amax().max(1.0),
            "gradient {gradient} vs cofactors {c}"
        );
        let (_, gradient) = det_fixed_grad(&Matrix3::from_column_slice(a.as_slice()));
        assert!(
            (DMatrix::from_column_slice(3, 3, gradient.as_slice()) - &c).amax()
                <= 1e-12 * c.amax().max(1.0)
        );

        let da = DMatrix::from_fn(3, 3, |i, j| 0.1 * (i as f64 + 1.0) - 0.2 * j as f64);
        let (_, d_det) = det_jvp(a, &da);
        assert!((d_det - c.dot(&da)).abs() <= 1e-12 * (c.norm() * da.norm()).max(1.0));

        let (_, _, h) = det_hessian(a);
        let exact = det_hessian_by_cofactors(a);
        assert!(all_finite(&h), "{h}");
        assert!(
            (&h - &exact).amax() <= 1e-12 * exact.amax(),
            "{h} vs {exact}"
        );
    }
    // at rank 1 the gradient is 0, the Hessian is not
    assert!(det_grad(&rank1).1.amax() < 1e-12);
    assert!(det_hessian(&rank1).2.amax() > 1.0);
}

/// Nearly singular (det ≈ 1e-12): the gradient is still the cofactor matrix to full relative
/// precision, and forward and reverse mode agree (dot-product test).
#[test]
fn det_near_singular_matrices_is_accurate() {
    let mut a = DMatrix::from_row_slice(3, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    a[(0, 0)] += 1e-12 / cofactors(&a)[(0, 0)];
    let (value, gradient) = det_grad(&a);
    assert!(value.abs() < 1e-10);
    let c = cofactors(&a);
    assert!(relative(gradient.as_slice(), c.as_slice()) < 1e-12);
    check_ref_unary(det, det_jvp, det_vjp, std::slice::from_ref(&a));
}

// ======================================================================== inverses

#[differentiate]
fn inverse_trace(a: &DMatrix<f64>) -> f64 {
    let b = a.clone().try_inverse().unwrap();
    b.trace()
}

#[differentiate]
fn inverse(a: &DMatrix<f64>) -> DMatrix<f64> {
    linalg::inv(a)
}

/// A = Q·diag(1, 0.5, δ)·Qᵀ with δ = 1e-7: A⁻¹ has entries of about 1e7 and the gradient of
/// tr(A⁻¹), −(A⁻²)ᵀ = −Q·diag(1, 4, 1/δ²)·Qᵀ, of about 1e14: finite and large, and correct to
/// the precision the conditioning (κ = 1e7) allows; the pullback of `inv` is finite too.
#[test]
fn inverse_near_a_singular_matrix_is_finite_and_large() {
    let delta = 1e-7;
    let q = Sampler::seeded().orthogonal(3);
    let lambda = DVector::from_vec(vec![1.0, 0.5, delta]);
    let a = &q * DMatrix::from_diagonal(&lambda) * q.transpose();
    let expected = -(&q * DMatrix::from_diagonal(&lambda.map(|l| 1.0 / (l * l))) * q.transpose());

    let (value, gradient) = inverse_trace_grad(&a);
    assert!(value.is_finite() && value > 1e6, "{value}");
    assert!(all_finite(&gradient));
    assert!(gradient.amax() > 1e13, "{gradient}");
    let e = relative(gradient.as_slice(), expected.as_slice());
    assert!(e < 1e-6, "relative error {e:e}");

    let (b, pullback) = inverse_vjp(&a);
    assert!(all_finite(&b) && b.amax() > 1e6);
    let a_bar = pullback(DMatrix::from_element(3, 3, 1.0));
    assert!(all_finite(&a_bar) && a_bar.amax() > 1e13, "{a_bar}");
    // forward and reverse mode agree to rounding, relative to the size of the terms
    let jvp = |a: &DMatrix<f64>, d: &DMatrix<f64>| inverse_jvp(a, d);
    let vjp = |a: &DMatrix<f64>, y: &DMatrix<f64>| inverse_vjp(a).1(y.clone());
    check::dot_product(jvp, vjp, &a, &check::Config::for_dot_product::<f64>()).unwrap();
}

// ======================================================================== repeated eigenvalues

/// Σᵢ cᵢ·qᵢᵀWqᵢ over the eigenpairs of S = (A + Aᵀ)/2 (the rules take a symmetric input), with
/// cᵢ = 1 for the eigenvalues below 3 and 3 above: tr(W·P₁) + 3·tr(W·P₂) for the spectral
/// projectors of the two clusters. The weights are constant inside a cluster, so
/// the loss is invariant under rotations inside an eigenspace and smooth in S where eigenvalues
/// repeat, as long as no eigenvalue crosses 3.
#[differentiate(wrt(a))]
fn cluster_loss(a: &DMatrix<f64>, w: &DMatrix<f64>) -> f64 {
    let s = (a + a.transpose()) * 0.5;
    let n = s.nrows();
    let eig = s.symmetric_eigen();
    let mut total = 0.0;
    for i in 0..n {
        let q = eig.eigenvectors.column(i);
        let lambda = eig.eigenvalues[i];
        let weight = if lambda < 3.0 { 1.0 } else { 3.0 };
        total += weight * q.dot(&(w * q));
    }
    total
}

/// The same through `linalg::eigh`, on a fixed-size matrix.
#[differentiate(wrt(a))]
fn cluster_loss_fixed(a: &Matrix3<f64>, w: &Matrix3<f64>) -> f64 {
    let s = (a + a.transpose()) * 0.5;
    let (values, vectors) = linalg::eigh(&s);
    let mut total = 0.0;
    for i in 0..3 {
        let q = vectors.column(i);
        let weight = if values[i] < 3.0 { 1.0 } else { 3.0 };
        total += weight * q.dot(&(w * q));
    }
    total
}

/// Σᵢ λᵢ·qᵢᵀWqᵢ = tr(W·S) with S = (A + Aᵀ)/2: smooth everywhere (linear), with gradient
/// (W + Wᵀ)/2 at a symmetric A, but its eigenvector weights λᵢ are not constant inside a
/// cluster.
#[differentiate(wrt(a))]
fn eigenvalue_weighted(a: &DMatrix<f64>, w: &DMatrix<f64>) -> f64 {
    let s = (a + a.transpose()) * 0.5;
    let n = s.nrows();
    let eig = s.symmetric_eigen();
    let mut total = 0.0;
    for i in 0..n {
        let q = eig.eigenvectors.column(i);
        total += eig.eigenvalues[i] * q.dot(&(w * q));
    }
    total
}

/// Σ σᵢ (the nuclear norm): smooth where A is invertible, also where singular values repeat;
/// at an orthogonal A (every σ = 1) its gradient is U·Vᵀ = A.
#[differentiate]
fn nuclear_norm(a: &DMatrix<f64>) -> f64 {
    linalg::svdvals(a).sum()
}

/// Σ λᵢ² = ‖S‖²: gradient 2S everywhere (S symmetric).
#[differentiate]
fn eigenvalue_energy(s: &Matrix3<f64>) -> f64 {
    linalg::eigvalsh(s).norm_squared()
}

/// Symmetric matrices with a repeated pair of eigenvalues on either side of 3, and 2·I (every
/// eigenvalue equal).
fn degenerate(sampler: &mut Sampler) -> Vec<DMatrix<f64>> {
    [[2.0, 2.0, 5.0], [1.0, 4.0, 4.0], [2.0, 2.0, 2.0]]
        .iter()
        .map(|l| sampler.symmetric_with_eigenvalues(l))
        .collect()
}

/// Where eigenvalues repeat, the cluster loss has finite derivatives that pass both checks
/// (forward mode against finite differences, reverse against forward), through
/// `symmetric_eigen` and through `linalg::eigh`; at 2·I (a single cluster, P₁ = I) its gradient
/// is 0. Σλᵢ² has the gradient 2S there.
#[test]
fn eigenvector_losses_at_repeated_eigenvalues() {
    let sampler = &mut Sampler::seeded();
    let w: DMatrix<f64> = sampler.matrix(&common::Domain::new(-1.0, 1.0), 3, 3);
    let w3 = Matrix3::from_column_slice(w.as_slice());
    // (at 2·I the loss is constant: the finite difference is rounding noise, checked below)
    for s in degenerate(sampler).into_iter().take(2) {
        let (_, gradient) = cluster_loss_grad(&s, &w);
        assert!(all_finite(&gradient), "{s}: {gradient}");
        common::check_at(
            |s: &DMatrix<f64>| cluster_loss(s, &w),
            |s: &DMatrix<f64>, d: &DMatrix<f64>| cluster_loss_jvp(s, &w, d),
            |s: &DMatrix<f64>, y: &f64| cluster_loss_vjp(s, &w).1(*y),
            std::slice::from_ref(&s),
        );
        let s3 = Matrix3::from_column_slice(s.as_slice());
        let (_, gradient_fixed) = cluster_loss_fixed_grad(&s3, &w3);
        assert!((gradient_fixed - Matrix3::from_column_slice(gradient.as_slice())).amax() < 1e-12);

        let (_, gradient) = eigenvalue_energy_grad(&s3);
        assert!((gradient - s3 * 2.0).amax() < 1e-12);
    }
    let two = DMatrix::<f64>::identity(3, 3) * 2.0;
    let (value, gradient) = cluster_loss_grad(&two, &w);
    assert_close(value, w.trace(), 1e-14);
    assert!(gradient.amax() < 1e-12, "{gradient}");
}

/// tr(W·S) written as Σᵢ λᵢ·qᵢᵀWqᵢ is invariant under rotations inside an eigenspace, yet its
/// derivatives are wrong where eigenvalues repeat: dropping the terms 1/(λⱼ − λᵢ) of a
/// repeated pair drops their limit (the divided difference (λᵢ − λⱼ)/(λᵢ − λⱼ) = 1 times
/// qᵢᵀ(W + Wᵀ)qⱼ/2), which is not 0 because the weights λᵢ vary inside the cluster. The
/// derivatives stay finite.
#[test]
fn eigenvalue_weighted_eigenvectors_at_repeated_eigenvalues_are_finite() {
    let sampler = &mut Sampler::seeded();
    let w: DMatrix<f64> = sampler.matrix(&common::Domain::new(-1.0, 1.0), 3, 3);
    for s in degenerate(sampler) {
        let (value, gradient) = eigenvalue_weighted_grad(&s, &w);
        assert_close(value, (&w * &s).trace(), 1e-12);
        assert!(all_finite(&gradient), "{s}: {gradient}");
    }
}

/// The exact gradient (W + Wᵀ)/2 of the same loss at repeated eigenvalues: fails, with a
/// relative error of 0.42 at eigenvalues (2, 2, 5) and 0.12 at (2, 2 + g, 5) for g = 0 after
/// rounding; the error grows like ε/g as the gap g closes (2e-8 at g = 1e-9, 2e-4 at 1e-12, 0.13
/// at 1e-14), see the next test.
#[test]
#[ignore = "the eigenvector rules drop the 1/(λⱼ − λᵢ) terms of repeated eigenvalues, exact only \
            for weights constant inside a cluster (reported)"]
fn eigenvalue_weighted_eigenvectors_at_repeated_eigenvalues_are_exact() {
    let sampler = &mut Sampler::seeded();
    let w: DMatrix<f64> = sampler.matrix(&common::Domain::new(-1.0, 1.0), 3, 3);
    let sym_w = (&w + w.transpose()) * 0.5;
    for s in degenerate(sampler) {
        let (_, gradient) = eigenvalue_weighted_grad(&s, &w);
        let e = relative(gradient.as_slice(), sym_w.as_slice());
        assert!(e < 1e-10, "{s}: relative error {e:e}\n{gradient}");
    }
}

/// Away from repeated eigenvalues the same loss is exact: to 1e-9 for gaps down to 1e-6.
#[test]
fn eigenvalue_weighted_eigenvectors_near_repeated_eigenvalues() {
    let sampler = &mut Sampler::seeded();
    let w: DMatrix<f64> = sampler.matrix(&common::Domain::new(-1.0, 1.0), 3, 3);
    let sym_w = (&w + w.transpose()) * 0.5;
    for gap in [1.0, 1e-3, 1e-6] {
        let s: DMatrix<f64> = sampler.symmetric_with_eigenvalues(&[2.0, 2.0 + gap, 5.0]);
        let (_, gradient) = eigenvalue_weighted_grad(&s, &w);
        let e = relative(gradient.as_slice(), sym_w.as_slice());
        assert!(e < 1e-9, "gap {gap:e}: relative error {e:e}");
    }
}

#[test]
fn singular_values_at_repeated_values() {
    let q = Sampler::seeded().orthogonal(3);
    let (value, gradient) = nuclear_norm_grad(&q);
    assert_close(value, 3.0, 1e-12);
    assert!(all_finite(&gradient));
    assert!((&gradient - &q).amax() < 1e-10, "{gradient} vs {q}");
    check_ref_unary(nuclear_norm, nuclear_norm_jvp, nuclear_norm_vjp, &[q * 2.0]);
}

// ======================================================================== norms at zero

#[differentiate(hessian)]
fn norm(v: &DVector<f64>) -> f64 {
    v.norm()
}

#[differentiate]
fn norm_fixed(v: &Vector3<f64>) -> f64 {
    v.norm()
}

#[differentiate]
fn frobenius(a: &DMatrix<f64>) -> f64 {
    linalg::norm(a)
}

#[differentiate]
fn distance(a: &DVector<f64>, b: &DVector<f64>) -> f64 {
    let d = a - b;
    d.norm()
}

#[differentiate(hessian)]
fn hypot(x: f64, y: f64) -> f64 {
    x.hypot(y)
}

#[differentiate]
fn abs_sum(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].abs();
    }
    s
}

/// At the zero vector the norm is 0 and its gradient, tangent and Hessian are the documented
/// finite values (0), never NaN; `abs` at 0 has the right derivative 1, `hypot` at the origin 0.
#[test]
fn norms_of_zero_are_zero_with_finite_derivatives() {
    let zero = DVector::<f64>::zeros(3);
    let (value, gradient) = norm_grad(&zero);
    assert_eq!(value, 0.0);
    assert_eq!(gradient, zero);
    let (_, tangent) = norm_jvp(&zero, &DVector::from_vec(vec![1.0, -2.0, 0.5]));
    assert_eq!(tangent, 0.0);
    let (_, _, h) = norm_hessian(&zero);
    assert!(all_finite(&h), "{h}");

    let (value, gradient) = norm_fixed_grad(&Vector3::zeros());
    assert_eq!((value, gradient), (0.0, Vector3::zeros()));

    let (value, gradient) = frobenius_grad(&DMatrix::zeros(2, 3));
    assert_eq!((value, gradient), (0.0, DMatrix::zeros(2, 3)));

    let a = DVector::from_vec(vec![0.3, -1.0, 2.0]);
    let (value, (da, db)) = distance_grad(&a, &a);
    assert_eq!(value, 0.0);
    assert_eq!((da, db), (zero.clone(), zero.clone()));

    assert_eq!(hypot_grad(0.0, 0.0), (0.0, (0.0, 0.0)));
    let (_, _, h) = hypot_hessian(0.0, 0.0);
    assert!(all_finite(&h), "{h}");

    assert_eq!(abs_sum_grad(&[0.0, -0.0, 1.0]), (1.0, vec![1.0, 1.0, 1.0]));

    // away from zero the norm is checked as usual
    check_ref_binary(
        distance,
        distance_jvp,
        distance_vjp,
        &[(a.clone(), DVector::from_vec(vec![0.1, 0.2, 0.3]))],
    );
}

/// √x computed before a branch that reads it only for x > 1, the classic trap of reverse mode:
/// at x = 0 the square root's derivative is infinite, and a pullback that sent a zero adjoint
/// through it would make the gradient NaN (0·∞). The adjoint of a value read only in a branch
/// not taken reaches nothing.
#[differentiate(hessian)]
fn root_in_a_branch(x: f64) -> f64 {
    let r = x.sqrt();
    let mut y = x * x;
    if x > 1.0 {
        y = r;
    }
    y
}

/// √x whose only reader is multiplied by zero: the adjoint that reaches it is a zero, and the
/// infinite derivative at 0 makes the gradient NaN, in matcalc as in every AD tool (0·∞ is NaN).
#[differentiate]
fn root_times_zero(x: f64) -> f64 {
    let r = x.sqrt();
    0.0 * r + x
}

#[test]
fn a_value_read_only_in_a_branch_not_taken_gets_no_adjoint() {
    let (value, gradient) = root_in_a_branch_grad(0.0);
    assert_eq!((value, gradient), (0.0, 0.0));
    let (_, tangent) = root_in_a_branch_jvp(0.0, 1.0);
    assert_eq!(tangent, 0.0);
    let (_, _, hessian) = root_in_a_branch_hessian(0.0);
    assert_eq!(hessian[(0, 0)], 2.0);
    // on the other side of the branch, the square root's derivative
    let (_, gradient) = root_in_a_branch_grad(4.0);
    assert_close(gradient, 0.25, 1e-15);
    // where a zero adjoint does reach the square root, 0·∞ is NaN, as in any AD tool
    assert!(root_times_zero_grad(0.0).1.is_nan());
    assert_eq!(root_times_zero_grad(1.0).1, 1.0);
}

// ======================================================================== NaN and infinity

/// Runs `f`, failing the test with `what` if it panics.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(t) => t,
        Err(_) => panic!("{what} panicked"),
    }
}

#[differentiate(hessian)]
fn scalar_code(x: f64, y: f64) -> f64 {
    let t = x * y + x.sin();
    let u = if t > 0.0 { t.exp() } else { t * t };
    u - y.ln_1p() + x.tanh()
}

#[differentiate(hessian)]
fn saturating(x: f64, y: f64) -> f64 {
    x.tanh() * y + x.atan() + (-x).exp()
}

#[differentiate]
fn sum_of_squares(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
    }
    s
}

#[differentiate(hessian)]
fn matrix_code(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    let c = a * b;
    let d = c.map(|e| e.tanh());
    let bt = b.transpose();
    d.trace() + a.determinant() + (&bt * &c).norm_squared() + linalg::logdet(&(&c * c.transpose()))
}

/// NaN in, NaN out: the value, the tangent, the gradient and the Hessian are NaN, and nothing
/// panics.
#[test]
fn nan_inputs_propagate_through_scalar_code() {
    let nan = f64::NAN;
    let value = no_panic("f", || scalar_code(nan, 0.5));
    assert!(value.is_nan());
    let (value, tangent) = no_panic("f_jvp", || scalar_code_jvp(nan, 0.5, 1.0, 1.0));
    assert!(value.is_nan() && tangent.is_nan());
    let (value, (dx, dy)) = no_panic("f_grad", || scalar_code_grad(nan, 0.5));
    assert!(value.is_nan() && dx.is_nan() && dy.is_nan(), "{dx} {dy}");
    let (_, _, h) = no_panic("f_hessian", || scalar_code_hessian(nan, 0.5));
    assert!(h.iter().all(|x| x.is_nan()), "{h}");
    let (_, (dx, dy)) = no_panic("f_grad", || scalar_code_grad(0.5, nan));
    assert!(dx.is_nan() && dy.is_nan());
}

/// NaN in one entry of a buffer makes the gradient NaN in that entry only: the other entries
/// keep their finite values.
#[test]
fn nan_stays_in_its_entry() {
    let (value, gradient) = no_panic("f_grad", || sum_of_squares_grad(&[1.0, f64::NAN, 3.0]));
    assert!(value.is_nan());
    assert_eq!(gradient[0], 2.0);
    assert!(gradient[1].is_nan());
    assert_eq!(gradient[2], 6.0);
}

/// Infinities go where the formulas take them: tanh, atan and exp saturate with finite (zero)
/// derivatives at the infinity where they flatten, and exp(−x) at −∞ is infinite with an
/// infinite derivative.
#[test]
fn infinite_inputs_follow_the_formulas() {
    let (value, (dx, dy)) = no_panic("f_grad", || saturating_grad(f64::INFINITY, 2.0));
    assert_close(value, 2.0 + std::f64::consts::FRAC_PI_2, 1e-15);
    assert_eq!((dx, dy), (0.0, 1.0));
    let (value, tangent) = no_panic("f_jvp", || saturating_jvp(f64::INFINITY, 2.0, 1.0, 1.0));
    assert!(value.is_finite());
    assert_eq!(tangent, 1.0);
    let (_, _, h) = no_panic("f_hessian", || saturating_hessian(f64::INFINITY, 2.0));
    assert!(all_finite(&h), "{h}");

    let (value, (dx, _)) = no_panic("f_grad", || saturating_grad(f64::NEG_INFINITY, 2.0));
    assert_eq!(value, f64::INFINITY);
    assert_eq!(dx, f64::NEG_INFINITY);
}

/// A NaN or an infinite entry in matrix code (products, maps, transposes, traces, det,
/// logdet): NaN comes out and nothing panics.
#[test]
fn nan_and_infinite_entries_in_matrix_code() {
    let b = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, -0.3, 2.0]);
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let a = DMatrix::from_row_slice(2, 2, &[0.7, bad, 0.2, 1.1]);
        let value = no_panic("f", || matrix_code(&a, &b));
        assert!(!value.is_finite(), "{bad}: {value}");
        let (_, tangent) = no_panic("f_jvp", || matrix_code_jvp(&a, &b, &b, &b));
        assert!(!tangent.is_finite(), "{bad}: {tangent}");
        let (_, (da, db)) = no_panic("f_grad", || matrix_code_grad(&a, &b));
        assert!(
            da.iter().chain(db.iter()).any(|x| !x.is_finite()),
            "{bad}: {da} {db}"
        );
        no_panic("f_hessian", || matrix_code_hessian(&a, &b));
    }
}

// ======================================================================== log-sum-exp

/// log Σ exp(xᵢ), written with the max trick so that large values do not overflow:
/// m + log Σ exp(xᵢ − m).
#[differentiate(hessian)]
fn logsumexp(x: &[f64]) -> f64 {
    let mut m = x[0];
    for i in 1..x.len() {
        m = m.max(x[i]);
    }
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (x[i] - m).exp();
    }
    m + s.ln()
}

/// The same without the trick, which overflows.
#[differentiate]
fn logsumexp_naive(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].exp();
    }
    s.ln()
}

fn softmax(x: &[f64]) -> Vec<f64> {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = x.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

/// At values around 1000 (exp overflows at 710): the value is finite, the gradient is the
/// softmax (finite, summing to 1), also at a tie of the maximum (the derivative through `max`
/// cancels: ∂/∂m = 1 − Σ softmax = 0), and the Hessian is diag(p) − p·pᵀ.
#[test]
fn logsumexp_of_large_values_has_a_softmax_gradient() {
    for x in [
        vec![1000.0, 1001.0, 999.5, 1000.25],
        vec![1000.0, 1000.0, 1000.0],
        vec![-1000.0, 5.0, 800.0],
    ] {
        let (value, gradient) = logsumexp_grad(&x);
        assert!(value.is_finite(), "{value}");
        let p = softmax(&x);
        let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_close(
            value,
            m + x.iter().map(|v| (v - m).exp()).sum::<f64>().ln(),
            1e-15,
        );
        assert!(
            gradient.iter().all(|g| g.is_finite() && *g >= 0.0),
            "{gradient:?}"
        );
        assert_close(gradient.iter().sum::<f64>(), 1.0, 1e-14);
        for (g, q) in gradient.iter().zip(&p) {
            assert!((g - q).abs() <= 1e-15, "{gradient:?} vs {p:?}");
        }
        let (_, _, h) = logsumexp_hessian(&x);
        let pv = DVector::from_vec(p.clone());
        let exact = DMatrix::from_diagonal(&pv) - &pv * pv.transpose();
        assert!((&h - &exact).amax() < 1e-14, "{h} vs {exact}");
    }
    let (value, gradient) = logsumexp_naive_grad(&[1000.0, 1001.0]);
    assert!(!value.is_finite() && gradient.iter().any(|g| !g.is_finite()));
}

// ======================================================================== single precision

/// One body in both precisions: unsuffixed literals take the float type of the function.
macro_rules! twins {
    ($($name:ident: $f:ty),*) => {$(
        #[differentiate]
        fn $name(x: &[$f], w: $f) -> $f {
            let mut acc = 0.5;
            for i in 0..x.len() {
                let t = (x[i] * w).sin() + x[i] * x[i] * 0.25;
                acc = acc * 0.75 + t.exp() / (1.0 + t * t);
            }
            acc.ln() + w.tanh() * x[0]
        }
    )*};
}
twins!(model32: f32, model64: f64);

macro_rules! matrix_twins {
    ($($name:ident: $f:ty),*) => {$(
        #[differentiate]
        fn $name(a: &DMatrix<$f>, b: &DVector<$f>) -> $f {
            let s = a * a.transpose() + DMatrix::<$f>::identity(3, 3);
            let x = linalg::solve(&s, b);
            let ab = a * b;
            linalg::logdet(&s) + x.dot(b) + ab.map(|e| e.sin()).sum()
        }
    )*};
}
matrix_twins!(matrix32: f32, matrix64: f64);

/// The gradient of an `f32` function matches its `f64` twin at the same inputs to 1e-5
/// relative (f32 rounds at 6e-8 relative; a few dozen operations lose a few digits more).
#[test]
fn single_precision_gradients_match_double_precision() {
    let x32: Vec<f32> = vec![0.3, -1.2, 0.8, 1.5, -0.4];
    let w32: f32 = 0.7;
    let x64: Vec<f64> = x32.iter().map(|v| f64::from(*v)).collect();
    let w64 = f64::from(w32);
    let (v32, (gx32, gw32)) = model32_grad(&x32, w32);
    let (v64, (gx64, gw64)) = model64_grad(&x64, w64);
    assert_close(f64::from(v32), v64, 1e-6);
    let mut g32: Vec<f64> = gx32.iter().map(|v| f64::from(*v)).collect();
    g32.push(f64::from(gw32));
    let mut g64 = gx64.clone();
    g64.push(gw64);
    let e = relative(&g32, &g64);
    assert!(e < 1e-5, "relative error {e:e}: {g32:?} vs {g64:?}");
    // and forward mode, in a direction
    let d32: Vec<f32> = vec![1.0, 0.5, -0.25, 0.0, 2.0];
    let d64: Vec<f64> = d32.iter().map(|v| f64::from(*v)).collect();
    let (_, t32) = model32_jvp(&x32, w32, &d32, 1.0);
    let (_, t64) = model64_jvp(&x64, w64, &d64, 1.0);
    assert_close(f64::from(t32), t64, 1e-5);

    let a32 =
        DMatrix::<f32>::from_row_slice(3, 3, &[0.4, -0.2, 0.9, 1.1, 0.3, -0.5, 0.2, 0.8, 0.6]);
    let b32 = DVector::<f32>::from_vec(vec![0.5, -1.0, 0.25]);
    let (a64, b64) = (a32.map(f64::from), b32.map(f64::from));
    let (v32, (ga32, gb32)) = matrix32_grad(&a32, &b32);
    let (v64, (ga64, gb64)) = matrix64_grad(&a64, &b64);
    assert_close(f64::from(v32), v64, 1e-6);
    let g32: Vec<f64> = ga32
        .iter()
        .chain(gb32.iter())
        .map(|v| f64::from(*v))
        .collect();
    let g64: Vec<f64> = ga64.iter().chain(gb64.iter()).copied().collect();
    let e = relative(&g32, &g64);
    assert!(
        e < 1e-5,
        "matrix code: relative error {e:e}: {g32:?} vs {g64:?}"
    );
}

/// The sum of roots `s` is read only by a loop that runs `m` times: with `m = 0` nothing reaches
/// `s̄`, and the first loop's reverse must not run, or its zero adjoint meets √'(0) = ∞.
#[differentiate]
fn roots_read_only_by_a_loop_that_does_not_run(x: &[f64], m: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].sqrt();
    }
    let mut t = 0.0;
    for j in 0..m {
        t += s * x[j];
    }
    t + x[0]
}

#[test]
fn a_loop_whose_values_nothing_reads_gets_no_adjoint() {
    let (value, gradient) = roots_read_only_by_a_loop_that_does_not_run_grad(&[0.0, 1.0], 0);
    assert_eq!((value, gradient), (0.0, vec![1.0, 0.0]));
    // where the second loop runs, s = √x₀ + √x₁ and f = s·(x₀ + x₁) + x₀
    let (_, gradient) = roots_read_only_by_a_loop_that_does_not_run_grad(&[0.25, 1.0], 2);
    assert_close(gradient[0], 1.0 * 1.25 + 1.5 + 1.0, 1e-15);
    assert_close(gradient[1], 0.5 * 1.25 + 1.5, 1e-15);
}
