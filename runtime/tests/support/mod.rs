//! The harness shared by the tests of `rules/linalg/`: the seeded samplers of inputs that
//! respect a rule's domain, the first-order check of a rule (forward mode against
//! Richardson-extrapolated finite differences, reverse mode against forward mode by the
//! dot-product test) and the second-order check of its companion `g_jvp_vjp` (described in
//! `rules_linalg_second.rs`).
//!
//! Each test crate uses a part of this module, so unused items are allowed.
#![allow(dead_code)]

use matcalc_runtime::check::{self, Config};
use matcalc_runtime::{Real, Tangent};
use nalgebra::{DMatrix, DVector, SMatrix};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

// ============================================================================== the samplers

/// Shapes (m, n) tall, square and wide (for the SVD).
pub const SHAPES_OF_EVERY_KIND: [(usize, usize); 8] = [
    (1, 1),
    (3, 1),
    (1, 3),
    (3, 2),
    (2, 3),
    (4, 4),
    (5, 3),
    (3, 5),
];

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Independent standard normal entries.
pub fn random(rng: &mut StdRng, rows: usize, cols: usize) -> DMatrix<f64> {
    DMatrix::from_fn(rows, cols, |_, _| rng.sample(StandardNormal))
}

/// A·Aᵀ + I: symmetric positive definite, eigenvalues ≥ 1 (for inv, logdet, cholesky).
pub fn spd(rng: &mut StdRng, n: usize) -> DMatrix<f64> {
    let a = random(rng, n, n);
    &a * a.transpose() + DMatrix::identity(n, n)
}

/// A random orthogonal matrix (the Q of a Gaussian matrix).
pub fn orthogonal(rng: &mut StdRng, n: usize) -> DMatrix<f64> {
    random(rng, n, n).qr().q()
}

/// U·diag(s)·Vᵀ with singular values in [0.5, 2] and a random sign: condition number ≤ 4, a
/// determinant of either sign (for det, solve).
pub fn well_conditioned(rng: &mut StdRng, n: usize) -> DMatrix<f64> {
    let (u, v) = (orthogonal(rng, n), orthogonal(rng, n));
    let s = DVector::from_fn(n, |_, _| rng.random_range(0.5..2.0));
    let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
    u * DMatrix::from_diagonal(&s) * v.transpose() * sign
}

/// An m×n matrix U·diag(s)·Vᵀ with singular values in [0.5, 2] and U, V with orthonormal
/// columns: full rank, condition number ≤ 4 (for QR and the SVD).
pub fn full_rank(rng: &mut StdRng, m: usize, n: usize) -> DMatrix<f64> {
    let k = m.min(n);
    let u = orthogonal(rng, m).columns(0, k).into_owned();
    let v = orthogonal(rng, n).columns(0, k).into_owned();
    let s = DVector::from_fn(k, |_, _| rng.random_range(0.5..2.0));
    u * DMatrix::from_diagonal(&s) * v.transpose()
}

/// Q·diag(λ)·Qᵀ with eigenvalues at least 0.5 apart (for eigh).
pub fn symmetric_separated(rng: &mut StdRng, n: usize) -> DMatrix<f64> {
    let q = orthogonal(rng, n);
    let lambda = DVector::from_fn(n, |i, _| i as f64 - 2.0 + rng.random_range(0.0..0.5));
    &q * DMatrix::from_diagonal(&lambda) * q.transpose()
}

/// Gaussian entries of size 0.5 with a diagonal of size 1 to 2 and either sign: both
/// triangles are well-conditioned triangular matrices (for the triangular solves, which must
/// not read the other triangle).
pub fn well_conditioned_diagonal(rng: &mut StdRng, n: usize) -> DMatrix<f64> {
    let mut l = random(rng, n, n) * 0.5;
    for i in 0..n {
        l[(i, i)] = l[(i, i)].signum() * (1.0 + l[(i, i)].abs().min(1.0));
    }
    l
}

/// The static copy of a dynamic matrix.
pub fn fixed<const R: usize, const C: usize>(m: &DMatrix<f64>) -> SMatrix<f64, R, C> {
    SMatrix::from_iterator(m.iter().copied())
}

/// (X + Xᵀ)/2.
pub fn sym(x: &DMatrix<f64>) -> DMatrix<f64> {
    (x + x.transpose()) * 0.5
}

/// The eigenpairs in increasing order of eigenvalue (nalgebra's order is its own, and may
/// change between nearby matrices; sorting is locally constant for separated eigenvalues).
pub fn order(lambda: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lambda.len()).collect();
    order.sort_by(|i, j| lambda[*i].total_cmp(&lambda[*j]));
    order
}

// ================================================================= the first-order check

/// Checks one rule at `x`: the JVP against finite differences of `f` (which also checks that
/// the JVP's value is `f(x)`), and the pullback against the JVP by the dot-product test.
/// `vjp(x, ȳ)` returns x̄ (for a rule's `f_vjp`, the pullback applied to ȳ).
pub fn check_rule<X, Y>(
    name: &str,
    x: &X,
    f: impl Fn(&X) -> Y,
    jvp: impl Fn(&X, &X) -> (Y, Y),
    vjp: impl Fn(&X, &Y) -> X,
) where
    X: Tangent,
    Y: Tangent<Scalar = X::Scalar>,
{
    let jvp_config = Config::for_jvp::<X::Scalar>().seed(11);
    let dot_config = Config::for_dot_product::<X::Scalar>().seed(13);
    if let Err(failure) = check::jvp(&f, &jvp, x, &jvp_config) {
        panic!("{name} at {:?}: {failure}", x.to_flat());
    }
    if let Err(failure) = check::dot_product(&jvp, &vjp, x, &dot_config) {
        panic!("{name} at {:?}: {failure}", x.to_flat());
    }
}

/// Asserts that two values agree to a few ulps of their size (the value a `f_vjp` returns must
/// be the primal's).
pub fn assert_same<Y: Tangent>(name: &str, got: &Y, expected: &Y) {
    let (got, expected): (Vec<f64>, Vec<f64>) = (flat(got), flat(expected));
    let scale = expected.iter().fold(1.0f64, |m, x| m.max(x.abs()));
    let epsilon = if std::mem::size_of::<Y::Scalar>() == 4 {
        1e-5
    } else {
        1e-13
    };
    assert_eq!(got.len(), expected.len(), "{name}: value of the wrong size");
    for (g, e) in got.iter().zip(&expected) {
        assert!(
            (g - e).abs() <= epsilon * scale,
            "{name}: the value of f_vjp {got:?} is not the primal's {expected:?}"
        );
    }
}

pub fn flat<Y: Tangent>(y: &Y) -> Vec<f64> {
    y.to_flat()
        .into_iter()
        .map(matcalc_runtime::Real::to_f64)
        .collect()
}

// ================================================================ the second-order check

/// A value of the shape of `like` with standard normal entries.
pub fn random_like<X: Tangent>(like: &X, rng: &mut StdRng) -> X {
    let entries: Vec<X::Scalar> = (0..like.dim())
        .map(|_| <X::Scalar as Real>::from_f64(rng.sample(StandardNormal)))
        .collect();
    like.read_flat(&mut entries.as_slice())
}

pub fn is_single<X: Tangent>() -> bool {
    std::mem::size_of::<X::Scalar>() == 4
}

/// Asserts that `got` equals `expected` to `tolerance` relative to their largest entry.
pub fn assert_close<Y: Tangent>(name: &str, what: &str, got: &Y, expected: &Y, tolerance: f64) {
    let (g, e) = (flat(got), flat(expected));
    assert_eq!(g.len(), e.len(), "{name}: {what} has the wrong size");
    let scale = g
        .iter()
        .chain(&e)
        .fold(f64::MIN_POSITIVE, |m, x| m.max(x.abs()));
    let error = g
        .iter()
        .zip(&e)
        .fold(0.0f64, |m, (g, e)| m.max((g - e).abs()));
    assert!(
        error <= tolerance * scale,
        "{name}: {what}: {g:?} differs from {e:?} by {error:e} (scale {scale:e})"
    );
}

/// `a + b`.
pub fn plus<X: Tangent>(a: &X, b: &X) -> X {
    let mut sum = a.clone();
    sum.axpy(<X::Scalar as Real>::from_f64(1.0), b);
    sum
}

/// Checks the second-order companion `second` of a rule with forward mode `jvp` and reverse
/// mode `vjp` (`vjp(x, ȳ)` is the pullback applied to ȳ) at `x`, in random tangents.
pub fn check_second<X, Y, P>(
    name: &str,
    x: &X,
    jvp: impl Fn(&X, &X) -> (Y, Y),
    vjp: impl Fn(&X, &Y) -> X,
    second: impl Fn(&X, &X) -> ((Y, Y), P),
) where
    X: Tangent,
    Y: Tangent<Scalar = X::Scalar>,
    P: Fn((Y, Y)) -> (X, X),
{
    let single = is_single::<X>();
    let exact = if single { 1e-4 } else { 1e-11 };
    let mut rng = StdRng::seed_from_u64(21);
    for _ in 0..2 {
        let x_dot = random_like(x, &mut rng);

        // 1. the value
        let ((y, y_dot), pullback) = second(x, &x_dot);
        let expected = jvp(x, &x_dot);
        assert_close(
            name,
            "the value",
            &(y.clone(), y_dot.clone()),
            &expected,
            exact,
        );

        // 2. the halves, linearity, calling again
        let y_bar = random_like(&y, &mut rng);
        let y_dot_bar = random_like(&y_dot, &mut rng);
        let (a0, a_dot0) = pullback((y_bar.clone(), y_dot.zero_like()));
        assert_close(name, "Ā from Ȳ", &a0, &vjp(x, &y_bar), exact);
        assert_close(name, "Ǡ from Ȳ", &a_dot0, &x.zero_like(), exact);
        let (a1, a_dot1) = pullback((y.zero_like(), y_dot_bar.clone()));
        assert_close(name, "Ǡ from Ẏ̄", &a_dot1, &vjp(x, &y_dot_bar), exact);
        let both = pullback((y_bar.clone(), y_dot_bar.clone()));
        assert_close(
            name,
            "linearity",
            &both,
            &(plus(&a0, &a1), a_dot1.clone()),
            exact,
        );
        let again = pullback((y_bar.clone(), y_dot_bar.clone()));
        assert_close(name, "a second call", &again, &both, 0.0);

        // 3. the dot-product test against finite differences of (x, ẋ) ↦ g_jvp(x, ẋ)
        let g = |p: &(X, X)| jvp(&p.0, &p.1);
        let g_fd_jvp = |p: &(X, X), d: &(X, X)| (g(p), check::richardson(g, p, d).0);
        let g_vjp = |p: &(X, X), seed: &(Y, Y)| second(&p.0, &p.1).1(seed.clone());
        let config = Config::for_dot_product::<X::Scalar>()
            .seed(23)
            .rtol(if single { 1e-3 } else { 1e-6 });
        if let Err(failure) =
            check::dot_product(g_fd_jvp, g_vjp, &(x.clone(), x_dot.clone()), &config)
        {
            panic!("{name} at {:?}: {failure}", flat(x));
        }

        // 4. the second derivative is symmetric
        let v = random_like(x, &mut rng);
        let w = random_like(&y_dot, &mut rng);
        let (h_u, gradient) = second(x, &x_dot).1((y.zero_like(), w.clone()));
        let h_v = second(x, &v).1((y.zero_like(), w)).0;
        let (uv, vu) = (h_u.inner(&v).to_f64(), h_v.inner(&x_dot).to_f64());
        let norm = |z: &X| flat(z).iter().map(|e| e * e).sum::<f64>().sqrt();
        // A floor for second derivatives that vanish (a linear map, ‖x‖ in dimension 1): the
        // size a second derivative would have from the first-order term, ‖∇‖·‖U‖·‖V‖/‖x‖.
        let floor = norm(&gradient) * norm(&x_dot) * norm(&v) / norm(x).max(1e-3);
        let scale = uv.abs() + vu.abs() + norm(&h_u) * norm(&v) + floor + f64::MIN_POSITIVE;
        assert!(
            (uv - vu).abs() <= scale * if single { 1e-3 } else { 1e-9 },
            "{name}: the second derivative is not symmetric: {uv} vs {vu}"
        );
    }
}

// =============================================================== the SVD with canonical signs

/// `svd` made a smooth function for the finite differences: each pair (uᵢ, vᵢ) signed so that
/// ⟨uᵢ, r⟩ > 0 for a fixed r, locally constant at separated singular values (the order,
/// decreasing, is nalgebra's). Tangents and adjoints go through the same signs, an orthogonal
/// map that is its own adjoint.
pub mod canonical_svd {
    use matcalc_runtime::linalg::{svd_jvp, svd_jvp_vjp, svd_vjp};
    use nalgebra::{DMatrix, DVector};

    pub type Svd = (DMatrix<f64>, DVector<f64>, DMatrix<f64>);

    fn signs(u: &DMatrix<f64>) -> Vec<f64> {
        let r = DVector::from_fn(u.nrows(), |i, _| 1.0 + 0.37 * i as f64);
        (0..u.ncols())
            .map(|i| u.column(i).dot(&r).signum())
            .collect()
    }

    fn signed(signs: &[f64], (u, sigma, v_t): &Svd) -> Svd {
        let mut y = (u.clone(), sigma.clone(), v_t.clone());
        for (i, s) in signs.iter().enumerate() {
            y.0.column_mut(i).scale_mut(*s);
            y.2.row_mut(i).scale_mut(*s);
        }
        y
    }

    pub fn jvp(a: &DMatrix<f64>, a_dot: &DMatrix<f64>) -> (Svd, Svd) {
        let (value, tangent) = svd_jvp(a, a_dot);
        let signs = signs(&value.0);
        (signed(&signs, &value), signed(&signs, &tangent))
    }

    pub fn vjp(a: &DMatrix<f64>, y_bar: &Svd) -> DMatrix<f64> {
        let (value, pullback) = svd_vjp(a);
        pullback(signed(&signs(&value.0), y_bar))
    }

    // The signature spells out the value and the pullback, as the rules' do.
    #[allow(clippy::type_complexity)]
    pub fn second(
        a: &DMatrix<f64>,
        a_dot: &DMatrix<f64>,
    ) -> (
        (Svd, Svd),
        impl Fn((Svd, Svd)) -> (DMatrix<f64>, DMatrix<f64>) + use<>,
    ) {
        let ((value, tangent), pullback) = svd_jvp_vjp(a, a_dot);
        let signs = signs(&value.0);
        let canonical = (signed(&signs, &value), signed(&signs, &tangent));
        (canonical, move |(y_bar, y_dot_bar): (Svd, Svd)| {
            pullback((signed(&signs, &y_bar), signed(&signs, &y_dot_bar)))
        })
    }
}
