//! Factorizations and views as values, the way nalgebra users write them: least squares through
//! a bound QR and its triangular solve, a square solve and log-determinant through the QR, a
//! PCA residual and a Procrustes loss through a bound SVD, whitening by triangular solves,
//! minibatches of the columns of a data matrix, blocks of an active matrix, and an attention
//! block normalized by row and column sums. Each is checked in forward mode against finite
//! differences, in reverse mode by the dot-product test, and its Hessian-vector products
//! against differences of its gradient; where a closed form is at hand, the value or the
//! gradient against it too.
//!
//! The QR and SVD derivatives need inputs away from where they are undefined: the QR inputs
//! have full column rank (the smallest |rᵢᵢ| is far from 0), and the SVD inputs are built as
//! U·diag(σ)·Vᵀ with singular values 3, 2, 1 (and 0.5): distinct, apart, and away from 0.

use crate::common::{Sampler, assert_close, check_all, check_both};
use matcalc::differentiate;
use nalgebra::{DMatrix, DVector, Matrix3};

// ============================================================================ the functions

/// The least-squares residual ‖A·x − b‖² plus ‖x‖², with x = R⁻¹·Qᵀ·b from a QR bound once.
#[differentiate(hessian)]
fn least_squares_by_qr(a: &DMatrix<f64>, b: &DVector<f64>) -> f64 {
    let f = a.clone().qr();
    let x = f
        .r()
        .solve_upper_triangular(&(f.q().transpose() * b))
        .unwrap();
    (a * &x - b).norm_squared() + x.norm_squared()
}

/// ‖A⁻¹b‖² by the QR's solve, plus log|det A| = Σ log rᵢᵢ by an unbound chain.
#[differentiate(hessian)]
fn qr_solve_and_log_determinant(a: &DMatrix<f64>, b: &DVector<f64>) -> f64 {
    let f = a.clone().qr();
    let x = f.solve(b).expect("invertible");
    x.norm_squared() + a.clone().qr().r().diagonal().map(f64::ln).sum()
}

/// The residual of the best rank-k approximation, ‖X − U_k·U_kᵀ·X‖², with U_k the first k left
/// singular vectors of a bound SVD: Σ_{i ≥ k} σᵢ².
#[differentiate(wrt(x), hessian)]
fn pca_residual(x: &DMatrix<f64>, k: usize) -> f64 {
    let s = x.clone().svd(true, true);
    let u = s.u.unwrap();
    let basis = u.columns(0, k);
    let projected = basis * (basis.transpose() * x);
    (x - projected).norm_squared()
}

/// An orthogonal Procrustes term ⟨U·Vᵀ, W⟩ (the polar factor, invariant under the signs of
/// the singular vectors), the nuclear norm, and the pseudo-inverse solution's ‖A⁺b‖², all
/// from one bound SVD.
#[differentiate(wrt(a, b), hessian)]
fn procrustes_and_pseudo_inverse(a: &DMatrix<f64>, b: &DVector<f64>, w: &DMatrix<f64>) -> f64 {
    let s = a.clone().svd(true, true);
    let x = s.solve(b, 1e-12).unwrap();
    let nuclear = s.singular_values.sum();
    let u = s.u.unwrap();
    let v_t = s.v_t.expect("computed");
    (u * v_t).component_mul(w).sum() + x.norm_squared() + nuclear
}

/// Whitening: Z = L⁻¹X with K = A·Aᵀ + I = L·Lᵀ, ‖Z‖² = tr(XᵀK⁻¹X), and the sum of
/// K⁻¹X = L⁻ᵀZ.
#[differentiate(hessian)]
fn whitened(a: &DMatrix<f64>, x: &DMatrix<f64>) -> f64 {
    let k = a * a.transpose() + DMatrix::identity(a.nrows(), a.nrows());
    let l = k.cholesky().unwrap().l();
    let z = l.solve_lower_triangular(x).unwrap();
    let back = l
        .transpose()
        .solve_upper_triangular(&z)
        .expect("nonsingular");
    z.norm_squared() + back.sum()
}

/// A minibatch loss over the columns of an inactive data matrix: each batch's views
/// `x.columns(..)`, `y.columns(..)` and each example's `x.column(j)` as operands of products
/// with the active weights.
#[differentiate(wrt(w), hessian)]
fn minibatch_loss(w: &DMatrix<f64>, x: &DMatrix<f64>, y: &DMatrix<f64>, batch: usize) -> f64 {
    let mut loss = 0.0;
    let mut start = 0;
    while start < x.ncols() {
        let n = batch.min(x.ncols() - start);
        let residual = w * x.columns(start, n) - y.columns(start, n);
        loss += residual.map(f64::tanh).norm_squared() / n as f64;
        start += n;
    }
    let first = x.column(0);
    for j in 0..x.ncols() {
        loss += (w * x.column(j)).map(f64::sin).sum() * 0.1;
    }
    loss + (w * first).sum()
}

/// Blocks of an active matrix and its sums and means along rows and columns.
#[differentiate(hessian)]
fn blocks_and_sums(a: &DMatrix<f64>) -> f64 {
    let corner = a.view((0, 0), (2, 2)).determinant();
    let top = a.rows(0, 2).sum();
    let right = a.columns(1, 2).norm_squared();
    let means = a.row_mean().norm_squared() + a.column_mean().sum();
    corner * top + right * means + a.row_sum().dot(&a.row(2)) * a.column_sum().dot(&a.column(0))
}

/// The same views of a statically sized matrix: a block of rows keeps its static columns.
#[differentiate(hessian)]
fn static_blocks(a: &Matrix3<f64>) -> f64 {
    let corner = a.view((1, 1), (2, 2)).determinant();
    let lower = a.rows(1, 2).column_sum().norm_squared();
    corner * lower + a.columns(0, 2).row_sum().sum() + a.row(0).sum() * a.column(2).sum()
}

/// An attention block: scores exp(Q·Kᵀ) normalized over each row by the column sum (the sum of
/// a row's entries), applied to V; the mean output row's squared norm and the weights' column
/// totals (`row_sum`).
#[differentiate(hessian)]
fn attention(q: &DMatrix<f64>, k: &DMatrix<f64>, v: &DMatrix<f64>) -> f64 {
    let scores = (q * k.transpose()).map(f64::exp);
    let weights = DMatrix::from_diagonal(&scores.column_sum().map(|s| 1.0 / s)) * &scores;
    let out = &weights * v;
    out.row_mean().norm_squared() + weights.row_sum().map(|c| c * c).sum()
}

// ============================================================================== the inputs

/// A `rows × cols` matrix (rows ≥ cols) U·diag(σ)·Vᵀ with random orthonormal U and V.
fn with_singular_values(sampler: &mut Sampler, rows: usize, sigma: &[f64]) -> DMatrix<f64> {
    let cols = sigma.len();
    let u = sampler.orthogonal(rows).columns(0, cols).into_owned();
    let v = sampler.orthogonal(cols);
    u * DMatrix::from_diagonal(&DVector::from_column_slice(sigma)) * v.transpose()
}

fn vector(entries: &[f64]) -> DVector<f64> {
    DVector::from_column_slice(entries)
}

// ================================================================================== tests

type MatrixAndVector = (DMatrix<f64>, DVector<f64>);

#[test]
fn least_squares_through_a_bound_qr() {
    let a = DMatrix::from_row_slice(
        5,
        3,
        &[
            1.0, 0.2, -0.4, 0.3, 1.1, 0.5, -0.6, 0.4, 0.9, 0.8, -0.3, 0.2, 0.1, 0.7, -1.0,
        ],
    );
    let b = vector(&[0.5, -1.0, 0.3, 0.8, -0.2]);
    // x is the least-squares solution: the normal equations AᵀA·x = Aᵀb
    let f = a.clone().qr();
    let x = f
        .r()
        .solve_upper_triangular(&(f.q().transpose() * &b))
        .unwrap();
    let normal = (a.transpose() * &a)
        .lu()
        .solve(&(a.transpose() * &b))
        .unwrap();
    assert!((x - &normal).norm() < 1e-12);
    assert_close(
        least_squares_by_qr(&a, &b),
        (&a * &normal - &b).norm_squared() + normal.norm_squared(),
        1e-12,
    );
    check_all(
        |p: &MatrixAndVector| least_squares_by_qr(&p.0, &p.1),
        |p: &MatrixAndVector, d: &MatrixAndVector| least_squares_by_qr_jvp(&p.0, &p.1, &d.0, &d.1),
        |p: &MatrixAndVector| least_squares_by_qr_vjp(&p.0, &p.1),
        |p: &MatrixAndVector, v: &MatrixAndVector| least_squares_by_qr_hvp(&p.0, &p.1, &v.0, &v.1),
        |p: &MatrixAndVector| least_squares_by_qr_grad(&p.0, &p.1),
        &(a, b),
    );
}

#[test]
fn a_square_solve_and_log_determinant_through_the_qr() {
    let a = DMatrix::from_row_slice(3, 3, &[2.0, -1.0, 0.3, 0.4, 1.5, -0.2, 0.1, 0.7, 1.1]);
    let b = vector(&[1.0, 0.5, -0.25]);
    // the gradient in closed form: with x = A⁻¹b, ∂/∂A = A⁻ᵀ − 2·A⁻ᵀ·x·xᵀ, ∂/∂b = 2·A⁻ᵀ·x
    let (_, (a_bar, b_bar)) = qr_solve_and_log_determinant_grad(&a, &b);
    let inverse_transpose = a.clone().try_inverse().unwrap().transpose();
    let x = a.clone().lu().solve(&b).unwrap();
    let weighted = &inverse_transpose * &x * 2.0;
    assert!((a_bar - (&inverse_transpose - &weighted * x.transpose())).norm() < 1e-12);
    assert!((b_bar - weighted).norm() < 1e-12);
    check_all(
        |p: &MatrixAndVector| qr_solve_and_log_determinant(&p.0, &p.1),
        |p: &MatrixAndVector, d: &MatrixAndVector| {
            qr_solve_and_log_determinant_jvp(&p.0, &p.1, &d.0, &d.1)
        },
        |p: &MatrixAndVector| qr_solve_and_log_determinant_vjp(&p.0, &p.1),
        |p: &MatrixAndVector, v: &MatrixAndVector| {
            qr_solve_and_log_determinant_hvp(&p.0, &p.1, &v.0, &v.1)
        },
        |p: &MatrixAndVector| qr_solve_and_log_determinant_grad(&p.0, &p.1),
        &(a, b),
    );
}

#[test]
fn a_pca_residual_through_a_bound_svd_and_a_block_of_columns() {
    let sigma = [3.0, 2.0, 1.0, 0.5];
    let x = with_singular_values(&mut Sampler::seeded(), 5, &sigma);
    // the residual of the rank-2 approximation is σ₂² + σ₃², with gradient 2·Σ_{i ≥ 2} σᵢuᵢvᵢᵀ
    let (value, gradient) = pca_residual_grad(&x, 2);
    assert_close(value, 1.0 + 0.25, 1e-12);
    let svd = x.clone().svd(true, true);
    let (u, v_t) = (svd.u.unwrap(), svd.v_t.unwrap());
    let tail = u.columns(2, 2) * DMatrix::from_diagonal(&vector(&sigma[2..])) * v_t.rows(2, 2);
    assert!((gradient - tail * 2.0).norm() < 1e-10);
    check_all(
        |x: &DMatrix<f64>| pca_residual(x, 2),
        |x: &DMatrix<f64>, d: &DMatrix<f64>| pca_residual_jvp(x, 2, d),
        |x: &DMatrix<f64>| pca_residual_vjp(x, 2),
        |x: &DMatrix<f64>, v: &DMatrix<f64>| pca_residual_hvp(x, 2, v),
        |x: &DMatrix<f64>| pca_residual_grad(x, 2),
        &x,
    );
}

#[test]
fn procrustes_nuclear_norm_and_pseudo_inverse_through_a_bound_svd() {
    let mut sampler = Sampler::seeded();
    let a = with_singular_values(&mut sampler, 4, &[3.0, 2.0, 1.0]);
    let b = vector(&[0.4, -0.7, 1.1, 0.2]);
    let w = DMatrix::from_row_slice(
        4,
        3,
        &[
            0.5, -0.2, 0.8, 0.1, 0.9, -0.4, -0.6, 0.3, 0.2, 0.7, -0.1, 0.4,
        ],
    );
    check_all(
        |p: &MatrixAndVector| procrustes_and_pseudo_inverse(&p.0, &p.1, &w),
        |p: &MatrixAndVector, d: &MatrixAndVector| {
            procrustes_and_pseudo_inverse_jvp(&p.0, &p.1, &w, &d.0, &d.1)
        },
        |p: &MatrixAndVector| procrustes_and_pseudo_inverse_vjp(&p.0, &p.1, &w),
        |p: &MatrixAndVector, v: &MatrixAndVector| {
            procrustes_and_pseudo_inverse_hvp(&p.0, &p.1, &w, &v.0, &v.1)
        },
        |p: &MatrixAndVector| procrustes_and_pseudo_inverse_grad(&p.0, &p.1, &w),
        &(a, b),
    );
}

#[test]
fn whitening_by_triangular_solves() {
    let a = DMatrix::from_row_slice(3, 3, &[1.0, 0.5, 0.1, -0.2, 1.2, -0.3, 0.1, -0.3, 0.9]);
    let x = DMatrix::from_row_slice(3, 2, &[0.5, -1.0, 0.3, 0.8, -0.2, 0.6]);
    // the value in closed form: tr(XᵀK⁻¹X) + Σ K⁻¹X
    let k = &a * a.transpose() + DMatrix::identity(3, 3);
    let solved = k.lu().solve(&x).unwrap();
    assert_close(
        whitened(&a, &x),
        (x.transpose() * &solved).trace() + solved.sum(),
        1e-12,
    );
    type P = (DMatrix<f64>, DMatrix<f64>);
    check_all(
        |p: &P| whitened(&p.0, &p.1),
        |p: &P, d: &P| whitened_jvp(&p.0, &p.1, &d.0, &d.1),
        |p: &P| whitened_vjp(&p.0, &p.1),
        |p: &P, v: &P| whitened_hvp(&p.0, &p.1, &v.0, &v.1),
        |p: &P| whitened_grad(&p.0, &p.1),
        &(a, x),
    );
}

#[test]
fn minibatches_of_an_inactive_data_matrix() {
    let x = DMatrix::from_row_slice(2, 5, &[0.5, -1.0, 0.3, 0.8, -0.2, 0.6, 0.1, -0.7, 0.4, 0.9]);
    let y = DMatrix::from_row_slice(
        3,
        5,
        &[
            0.2, 0.1, -0.3, 0.5, 0.0, -0.4, 0.3, 0.2, -0.1, 0.6, 0.1, -0.2, 0.4, 0.3, -0.5,
        ],
    );
    let w = DMatrix::from_row_slice(3, 2, &[0.3, -0.5, 0.8, 0.2, -0.1, 0.6]);
    check_all(
        |w: &DMatrix<f64>| minibatch_loss(w, &x, &y, 2),
        |w: &DMatrix<f64>, d: &DMatrix<f64>| minibatch_loss_jvp(w, &x, &y, 2, d),
        |w: &DMatrix<f64>| minibatch_loss_vjp(w, &x, &y, 2),
        |w: &DMatrix<f64>, v: &DMatrix<f64>| minibatch_loss_hvp(w, &x, &y, 2, v),
        |w: &DMatrix<f64>| minibatch_loss_grad(w, &x, &y, 2),
        &w,
    );
}

#[test]
fn blocks_of_an_active_matrix_and_sums_along_rows_and_columns() {
    let a = DMatrix::from_row_slice(
        3,
        4,
        &[
            1.0, 0.2, -0.4, 0.3, 1.1, 0.5, -0.6, 0.4, 0.9, 0.8, -0.3, 0.2,
        ],
    );
    check_all(
        blocks_and_sums,
        |a: &DMatrix<f64>, d: &DMatrix<f64>| blocks_and_sums_jvp(a, d),
        blocks_and_sums_vjp,
        |a: &DMatrix<f64>, v: &DMatrix<f64>| blocks_and_sums_hvp(a, v),
        blocks_and_sums_grad,
        &a,
    );
    let a = Matrix3::new(1.0, 0.2, -0.4, 0.3, 1.1, 0.5, -0.6, 0.4, 0.9);
    check_all(
        static_blocks,
        |a: &Matrix3<f64>, d: &Matrix3<f64>| static_blocks_jvp(a, d),
        static_blocks_vjp,
        |a: &Matrix3<f64>, v: &Matrix3<f64>| static_blocks_hvp(a, v),
        static_blocks_grad,
        &a,
    );
}

#[test]
fn an_attention_block_normalized_by_row_and_column_sums() {
    let q = DMatrix::from_row_slice(3, 2, &[0.5, -0.2, 0.1, 0.3, 0.8, -0.6]);
    let k = DMatrix::from_row_slice(4, 2, &[0.2, 0.4, -0.3, -0.5, 0.1, 0.7, 0.6, -0.1]);
    let v = DMatrix::from_row_slice(4, 2, &[1.0, 0.2, -0.5, 0.3, -0.4, 0.9, 0.1, 0.6]);
    type P = (DMatrix<f64>, DMatrix<f64>, DMatrix<f64>);
    check_all(
        |p: &P| attention(&p.0, &p.1, &p.2),
        |p: &P, d: &P| attention_jvp(&p.0, &p.1, &p.2, &d.0, &d.1, &d.2),
        |p: &P| attention_vjp(&p.0, &p.1, &p.2),
        |p: &P, d: &P| attention_hvp(&p.0, &p.1, &p.2, &d.0, &d.1, &d.2),
        |p: &P| attention_grad(&p.0, &p.1, &p.2),
        &(q, k, v),
    );
}

/// nalgebra's entrywise `abs` of matrices: of a parameter, of a typed local and of a product.
#[differentiate(hessian)]
fn entrywise_absolute_values(w: &DMatrix<f64>, x: &DVector<f64>) -> f64 {
    let gram: DMatrix<f64> = w * w.transpose();
    gram.abs().sum() + (w * x).abs().norm_squared() + w.abs().trace()
}

#[test]
fn entrywise_abs_of_matrices() {
    let w = DMatrix::from_row_slice(3, 3, &[0.9, -0.4, 0.3, -1.1, 0.5, 0.8, 0.2, -0.7, 1.3]);
    let x = DVector::from_vec(vec![0.6, -0.2, 0.9]);
    check_both(
        |w: &DMatrix<f64>| entrywise_absolute_values(w, &x),
        |w: &DMatrix<f64>, d: &DMatrix<f64>| {
            entrywise_absolute_values_jvp(w, &x, d, &DVector::zeros(3))
        },
        |w: &DMatrix<f64>, s: &f64| entrywise_absolute_values_vjp(w, &x).1(*s).0,
        &w,
    );
    let want = (&w * w.transpose()).abs().sum() + (&w * &x).abs().norm_squared() + w.abs().trace();
    assert_eq!(entrywise_absolute_values(&w, &x), want);
    assert_eq!(entrywise_absolute_values_grad(&w, &x).0, want);
}
