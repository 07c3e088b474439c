//! `det`: the determinant by expansion by minors (cmpad's `det_by_minor`), and its gradient
//! by reverse mode.
//!
//! The reference recursion, det M = Σⱼ (−1)ʲ M₀ⱼ det S₀ⱼ with S₀ⱼ the minor without M's first
//! row and column j, is written as a depth-first walk with an explicit stack: the macro
//! differentiates loops, not recursion. Level `row` removes row `row`; the product of the
//! signed entries chosen above it is `prefix[row]`. The last three rows are expanded in one
//! expression, the same products the recursion forms at its last three levels: the walk then
//! records a sixth of the steps, which is what the gradient's tape holds.

use crate::protocol::{Evaluation, Runs, measure, parse, unknown_function};
use matcalc::differentiate;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Input {
    #[serde(rename = "A")]
    a: Vec<f64>,
    ell: usize,
}

/// det A for A of size ell × ell, row-major, by expansion by minors along the first row.
#[differentiate(wrt(a))]
pub fn det_by_minors(a: &[f64], ell: usize) -> f64 {
    if ell == 1 {
        return a[0];
    }
    if ell == 2 {
        return a[0] * a[3] - a[1] * a[2];
    }
    // The state of the walk: which columns rows above have removed, the next column to try
    // in each row, how many columns that row has tried (the sign of the next one), and the
    // signed product of the entries removed above each row.
    let mut used = vec![false; ell];
    let mut next = vec![0usize; ell];
    let mut tried = vec![0usize; ell];
    let mut prefix = vec![1.0; ell];
    let mut det = 0.0;
    let mut row = 0;
    loop {
        // whether the minor of this row is done, and the walk goes back up
        let mut done = false;
        if row == ell - 3 {
            // the 3×3 minor on the three columns left, p < q < s, by its first row
            let mut p = 0;
            while used[p] {
                p += 1;
            }
            let mut q = p + 1;
            while used[q] {
                q += 1;
            }
            let mut s = q + 1;
            while used[s] {
                s += 1;
            }
            let (r0, r1, r2) = (row * ell, (row + 1) * ell, (row + 2) * ell);
            let minor = a[r0 + p] * (a[r1 + q] * a[r2 + s] - a[r1 + s] * a[r2 + q])
                - a[r0 + q] * (a[r1 + p] * a[r2 + s] - a[r1 + s] * a[r2 + p])
                + a[r0 + s] * (a[r1 + p] * a[r2 + q] - a[r1 + q] * a[r2 + p]);
            det += prefix[row] * minor;
            done = true;
        } else {
            while next[row] < ell && used[next[row]] {
                next[row] += 1;
            }
            if next[row] == ell {
                done = true;
            } else {
                // remove the next column: down to the minor without it
                let j = next[row];
                let entry = a[row * ell + j];
                prefix[row + 1] = if tried[row].is_multiple_of(2) {
                    prefix[row] * entry
                } else {
                    -prefix[row] * entry
                };
                used[j] = true;
                row += 1;
                next[row] = 0;
                tried[row] = 0;
            }
        }
        if done {
            if row == 0 {
                break;
            }
            // back to the row above, to its next column
            row -= 1;
            used[next[row]] = false;
            next[row] += 1;
            tried[row] += 1;
        }
    }
    det
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let Input { a, ell } = parse(input)?;
    if a.len() != ell * ell {
        return Err(format!(
            "A has {} entries, not ell² = {}",
            a.len(),
            ell * ell
        ));
    }
    let runs = Runs::of(input);
    match function {
        "primal" => Ok(measure(runs, || det_by_minors(&a, ell))),
        "gradient" => Ok(measure(runs, || det_by_minors_grad(&a, ell).1)),
        other => Err(unknown_function("det", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;

    /// A matrix with entries in [0, 1) from a fixed pseudo-random sequence.
    fn matrix(ell: usize) -> Vec<f64> {
        crate::testing::uniform(ell as u64, ell * ell)
    }

    #[test]
    fn the_determinant_matches_lu() {
        for ell in 1..=7 {
            let a = matrix(ell);
            let lu = DMatrix::from_row_slice(ell, ell, &a).determinant();
            let minors = det_by_minors(&a, ell);
            assert!(
                (minors - lu).abs() <= 1e-12 * lu.abs().max(1.0),
                "ell = {ell}: {minors} against {lu}"
            );
        }
    }

    #[test]
    fn the_gradient_is_the_cofactor_matrix() {
        for ell in 1..=6 {
            let a = matrix(ell);
            let (det, gradient) = det_by_minors_grad(&a, ell);
            // ∇det A = det(A)·A⁻ᵀ, row-major like A
            let m = DMatrix::from_row_slice(ell, ell, &a);
            let cofactors = m.try_inverse().unwrap().transpose() * det;
            for i in 0..ell {
                for j in 0..ell {
                    let (g, c) = (gradient[i * ell + j], cofactors[(i, j)]);
                    assert!(
                        (g - c).abs() <= 1e-10 * c.abs().max(1.0),
                        "ell = {ell}, ({i}, {j}): {g} against {c}"
                    );
                }
            }
        }
    }
}
