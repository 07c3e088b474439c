//! Case 4: the determinant, by the LU rule (nalgebra's `determinant()`, whose derivative
//! matcalc takes as a whole: ∇det A = det(A)·A⁻ᵀ) for n = 3..64, and by cofactor expansion as
//! scalar code that reverse mode differentiates step by step, for small n.

use super::num::Num;
use matcalc::differentiate;
use nalgebra::DMatrix;

/// The sizes of the LU determinant.
pub const SIZES: [usize; 6] = [3, 4, 8, 16, 32, 64];

/// The sizes of the cofactor expansion (its cost grows as n·2ⁿ).
pub const COFACTOR_SIZES: [usize; 4] = [3, 4, 6, 8];

/// det A through LU.
#[differentiate]
pub fn det_lu(a: &DMatrix<f64>) -> f64 {
    a.determinant()
}

/// det A by cofactor (Laplace) expansion along the first row, memoized over the minors: the
/// minor on the last |S| rows and the columns S is the expansion of its first row, so every
/// subset of columns is expanded once (n·2ⁿ products instead of n!). `a` is column-major.
#[differentiate(wrt(a))]
pub fn det_cofactor(a: &[f64], n: usize) -> f64 {
    let mut minors = vec![0.0; 1 << n];
    minors[0] = 1.0;
    for mask in 1..(1usize << n) {
        let row = n - mask.count_ones() as usize;
        let mut s = 0.0;
        let mut sign = 1.0;
        for j in 0..n {
            if mask & (1 << j) != 0 {
                s += sign * a[row + j * n] * minors[mask ^ (1 << j)];
                sign = -sign;
            }
        }
        minors[mask] = s;
    }
    minors[(1 << n) - 1]
}

/// The cofactor expansion on any [`Num`].
pub fn det_cofactor_generic<T: Num>(a: &[T], n: usize) -> T {
    let mut minors = vec![a[0].lift(0.0); 1 << n];
    minors[0] = a[0].lift(1.0);
    for mask in 1..(1usize << n) {
        let row = n - mask.count_ones() as usize;
        let mut s = a[0].lift(0.0);
        let mut sign = 1.0;
        for j in 0..n {
            if mask & (1 << j) != 0 {
                s = s + a[row + j * n] * minors[mask ^ (1 << j)] * sign;
                sign = -sign;
            }
        }
        minors[mask] = s;
    }
    minors[(1 << n) - 1]
}
