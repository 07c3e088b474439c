//! Views as values, the way nalgebra users write them: minibatches of the columns of a data
//! matrix, blocks of an active matrix, and an attention block normalized by row and column
//! sums. Each is checked in forward mode against finite differences, in reverse mode by the
//! dot-product test, and its Hessian-vector products against differences of its gradient.

use crate::common::check_all;
use matcalc::differentiate;
use nalgebra::{DMatrix, Matrix3};

// ============================================================================ the functions

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

// ================================================================================== tests

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
