//! The symmetric eigenproblem and the SVD at repeated and nearly repeated eigenvalues and
//! singular values: the second-order companions `eigvalsh_jvp_vjp`, `eigh_jvp_vjp`,
//! `svdvals_jvp_vjp` and `svd_jvp_vjp`, seeded as a Hessian-vector product of a loss, against
//! Richardson-extrapolated central differences of the loss's exact gradient (built from the
//! first-order pullbacks, a smooth function whatever the multiplicities). The points: the
//! identity, diag(1, 1, 2), clusters rotated by random orthogonal matrices, two clusters at
//! once, rectangular matrices, and the gaps 0, 1e-14, 1e-10 and 1e-6. The losses: Σλᵢ², Σλᵢ³,
//! and two of the eigenvectors invariant under rotations inside a cluster, ⟨W, P⟩ with P the
//! projector onto a cluster's eigenspace and ⟨W, P⟩·Σλᵢ²; then the forward mode of
//! sin S = Q·diag(sin λ)·Qᵀ; Σσᵢ², Σσᵢ³ and the polar factor ⟨W, U·Vᵀ⟩ for the SVD.
mod support;

use matcalc_runtime::check;
use matcalc_runtime::linalg::*;
use nalgebra::{DMatrix, DVector, Matrix3};
use rand::rngs::StdRng;
use support::{orthogonal, random, rng, sym};

// ============================================================================== the points

/// A random symmetric direction.
fn symmetric(rng: &mut StdRng, n: usize) -> DMatrix<f64> {
    sym(&random(rng, n, n))
}

/// Q·diag(λ)·Qᵀ (symmetrized, so that rounding leaves it exactly symmetric).
fn rotated(q: &DMatrix<f64>, lambda: &[f64]) -> DMatrix<f64> {
    sym(&(q * DMatrix::from_diagonal(&DVector::from_column_slice(lambda)) * q.transpose()))
}

/// The points of every test: (a name, S), each with repeated or nearly repeated eigenvalues.
fn points() -> Vec<(String, DMatrix<f64>)> {
    let mut rng = rng(1);
    let q3 = orthogonal(&mut rng, 3);
    let q5 = orthogonal(&mut rng, 5);
    let mut points = vec![
        ("I₃".to_string(), DMatrix::identity(3, 3)),
        (
            "diag(1, 1, 2)".to_string(),
            rotated(&DMatrix::identity(3, 3), &[1.0, 1.0, 2.0]),
        ),
        (
            "Q·diag(1, 1, 2)·Qᵀ".to_string(),
            rotated(&q3, &[1.0, 1.0, 2.0]),
        ),
        (
            "Q·diag(1, 1, 1, 3, 3)·Qᵀ".to_string(),
            rotated(&q5, &[1.0, 3.0, 1.0, 3.0, 1.0]),
        ),
    ];
    for gap in [0.0, 1e-14, 1e-10, 1e-6] {
        points.push((
            format!("Q·diag(1, 1 + {gap:e}, 2)·Qᵀ"),
            rotated(&q3, &[1.0, 1.0 + gap, 2.0]),
        ));
    }
    points
}

// ======================================================================== the comparisons

/// Asserts that `got` equals `expected` to `tolerance` relative to the larger of their norms
/// and 1.
fn assert_near(what: &str, got: &DMatrix<f64>, expected: &DMatrix<f64>, tolerance: f64) {
    let scale = got.norm().max(expected.norm()).max(1.0);
    let error = (got - expected).norm();
    assert!(
        error <= tolerance * scale,
        "{what}: error {error:e} (scale {scale:e})\n got {got}\n expected {expected}"
    );
}

/// The smallest gap between two eigenvalues of `s` and their largest size; gaps below 1e-12
/// are rounding of repeated eigenvalues, and do not count.
fn smallest_gap(s: &DMatrix<f64>) -> (f64, f64) {
    let lambda = eigvalsh(s);
    let mut smallest = f64::INFINITY;
    for i in 0..lambda.len() {
        for j in 0..i {
            let gap = (lambda[i] - lambda[j]).abs();
            if gap > 1e-12 {
                smallest = smallest.min(gap);
            }
        }
    }
    (smallest, lambda.amax())
}

/// The tolerance of a first derivative, from the error analysis beside the rules
/// (`factorization/eigen.rs`): the differences are good to about 1e-10 here, and the
/// first-order rules resolve a gap g, whose terms of size 1/g cancel in the losses to a
/// rounding error of about ε/g.
fn first_order_tolerance(s: &DMatrix<f64>) -> f64 {
    1e-8 + 16.0 * f64::EPSILON / smallest_gap(s).0
}

/// The tolerance of a second derivative: a gap g that the second-order rules treat as a cluster
/// (g ≤ ε^(1/3)/4·max|λ|) costs O(g) (up to 3.3·g in these tests), and one they resolve costs
/// the rounding of terms of size 1/g² that cancel, about ε/g².
fn second_order_tolerance(s: &DMatrix<f64>) -> f64 {
    let (gap, largest) = smallest_gap(s);
    if gap <= f64::EPSILON.cbrt() / 4.0 * largest {
        1e-8 + 8.0 * gap
    } else {
        1e-8 + f64::EPSILON / (gap * gap)
    }
}

/// The HVP `h` of a loss at `s` along `u` against the central differences of its gradient.
fn check_hvp(
    what: &str,
    s: &DMatrix<f64>,
    u: &DMatrix<f64>,
    gradient: impl Fn(&DMatrix<f64>) -> DMatrix<f64>,
    hvp: impl Fn(&DMatrix<f64>, &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>),
) {
    let (h, g) = hvp(s, u);
    // the gradient of the second-order rule (clusters of its width, the basis adapted to u)
    // is the first-order rule's, each to its tolerance
    let tolerance = first_order_tolerance(s) + second_order_tolerance(s);
    assert_near(
        &format!("{what}: the gradient"),
        &g,
        &gradient(s),
        tolerance,
    );
    let expected = check::richardson(&gradient, s, u).0;
    let tolerance = second_order_tolerance(s);
    assert_near(&format!("{what}: the HVP"), &h, &expected, tolerance);
    assert!(
        (&h - h.transpose()).norm() == 0.0,
        "{what}: a symmetric adjoint"
    );
}

// ============================================================ functions of the eigenvalues

/// Σ h(λᵢ) through its first and second derivatives.
struct Spectral {
    name: &'static str,
    first: fn(f64) -> f64,
    second: fn(f64) -> f64,
}

const SQUARES: Spectral = Spectral {
    name: "Σλ²",
    first: |l| 2.0 * l,
    second: |_| 2.0,
};

const CUBES: Spectral = Spectral {
    name: "Σλ³",
    first: |l| 3.0 * l * l,
    second: |l| 6.0 * l,
};

impl Spectral {
    /// The exact gradient Q·diag(h′(λ))·Qᵀ, by `eigvalsh_vjp`.
    fn gradient(&self, s: &DMatrix<f64>) -> DMatrix<f64> {
        let (lambda, pullback) = eigvalsh_vjp(s);
        pullback(lambda.map(self.first))
    }

    /// (HVP, gradient) through `eigvalsh_jvp_vjp`, seeded as reverse over forward mode seeds it:
    /// λ̄ = h″(λ)·λ̇ and λ̇̄ = h′(λ).
    fn hvp_by_eigvalsh(&self, s: &DMatrix<f64>, u: &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>) {
        let ((lambda, lambda_dot), pullback) = eigvalsh_jvp_vjp(s, u);
        let lambda_bar = lambda.zip_map(&lambda_dot, |l, d| (self.second)(l) * d);
        pullback((lambda_bar, lambda.map(self.first)))
    }

    /// The same through `eigh_jvp_vjp`, the eigenvectors unused.
    fn hvp_by_eigh(&self, s: &DMatrix<f64>, u: &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>) {
        let n = s.nrows();
        let (((lambda, _), (lambda_dot, _)), pullback) = eigh_jvp_vjp(s, u);
        let lambda_bar = lambda.zip_map(&lambda_dot, |l, d| (self.second)(l) * d);
        let zero = DMatrix::zeros(n, n);
        pullback(((lambda_bar, zero.clone()), (lambda.map(self.first), zero)))
    }
}

#[test]
fn sum_of_squares_at_the_identity_along_an_off_diagonal_direction() {
    // Σλᵢ² = ‖S‖²: its Hessian is 2·I, so the HVP along E = e₁e₂ᵀ + e₂e₁ᵀ is 2E, all of it
    // off the diagonal, which the eigenvalue tangents of nalgebra's basis (diag Qᵀ·E·Q = 0)
    // cannot see.
    let s = DMatrix::<f64>::identity(3, 3);
    let mut e = DMatrix::zeros(3, 3);
    e[(0, 1)] = 1.0;
    e[(1, 0)] = 1.0;
    let (h, g) = SQUARES.hvp_by_eigvalsh(&s, &e);
    assert_near("eigvalsh: HVP", &h, &(&e * 2.0), 1e-14);
    assert_near("eigvalsh: gradient", &g, &(&s * 2.0), 1e-14);
    let (h, _) = SQUARES.hvp_by_eigh(&s, &e);
    assert_near("eigh: HVP", &h, &(&e * 2.0), 1e-14);
}

#[test]
fn functions_of_the_eigenvalues() {
    let mut rng = rng(2);
    for (name, s) in points() {
        let n = s.nrows();
        for _ in 0..3 {
            let u = symmetric(&mut rng, n);
            for f in [SQUARES, CUBES] {
                let gradient = |x: &DMatrix<f64>| f.gradient(x);
                check_hvp(
                    &format!("{} by eigvalsh at {name}", f.name),
                    &s,
                    &u,
                    gradient,
                    |x, u| f.hvp_by_eigvalsh(x, u),
                );
                check_hvp(
                    &format!("{} by eigh at {name}", f.name),
                    &s,
                    &u,
                    gradient,
                    |x, u| f.hvp_by_eigh(x, u),
                );
            }
        }
    }
}

#[test]
fn a_static_matrix_with_a_repeated_eigenvalue() {
    let s = Matrix3::new(2.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0);
    let u = Matrix3::new(0.3, 0.5, -0.2, 0.5, 1.0, 0.7, -0.2, 0.7, -0.4);
    let gradient = |x: &Matrix3<f64>| {
        let (lambda, pullback) = eigvalsh_vjp(x);
        pullback(lambda.map(|l| 3.0 * l * l))
    };
    let ((lambda, lambda_dot), pullback) = eigvalsh_jvp_vjp(&s, &u);
    let (h, _) = pullback((
        lambda.zip_map(&lambda_dot, |l, d| 6.0 * l * d),
        lambda.map(|l| 3.0 * l * l),
    ));
    let expected = check::richardson(gradient, &s, &u).0;
    assert!(
        (h - expected).norm() < 1e-8 * expected.norm(),
        "{h} vs {expected}"
    );
}

// ================================================================ the one-sided tangents

#[test]
fn eigenvalue_tangents_in_a_cluster_are_the_eigenvalues_of_the_block() {
    // At Q·diag(1, 1, 2)·Qᵀ the eigenvalues of S + tU are 1 + t·μ₁, 1 + t·μ₂, 2 + t·U₂₂ + O(t²)
    // with μ the eigenvalues of Q_cᵀ·U·Q_c; eigvalsh_jvp gives them in the order of λ.
    let mut rng = rng(3);
    let q = orthogonal(&mut rng, 3);
    let s = rotated(&q, &[1.0, 1.0, 2.0]);
    let u = symmetric(&mut rng, 3);
    let (lambda, lambda_dot) = eigvalsh_jvp(&s, &u);
    let q_c = q.columns(0, 2);
    let mut mu: Vec<f64> = (q_c.transpose() * &u * q_c)
        .symmetric_eigenvalues()
        .iter()
        .copied()
        .collect();
    mu.sort_by(f64::total_cmp);
    let mut pairs: Vec<(f64, f64)> = lambda
        .iter()
        .copied()
        .zip(lambda_dot.iter().copied())
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    assert!((pairs[0].1 - mu[0]).abs() < 1e-12 && (pairs[1].1 - mu[1]).abs() < 1e-12);
    // the one-sided derivative: (λ(S + tU) − λ)/t → λ̇, in increasing order of both
    let t = 1e-7;
    let mut moved: Vec<f64> = eigvalsh(&(&s + &u * t)).iter().copied().collect();
    moved.sort_by(f64::total_cmp);
    for (k, (l, d)) in pairs.iter().enumerate() {
        assert!(
            ((moved[k] - l) / t - d).abs() < 1e-5,
            "{k}: {moved:?} vs {pairs:?}"
        );
    }
    // eigh_jvp: the same tangents, and Q is the adapted basis, diagonalizing U on the cluster
    let ((lambda_e, q_e), (lambda_dot_e, q_dot)) = eigh_jvp(&s, &u);
    assert_eq!((&lambda_e, &lambda_dot_e), (&lambda, &lambda_dot));
    let m = q_e.transpose() * &u * &q_e;
    let cluster: Vec<usize> = (0..3).filter(|i| lambda[*i] < 1.5).collect();
    assert!(m[(cluster[0], cluster[1])].abs() < 1e-14, "{m}");
    // Q̇ is orthogonal to the cluster
    for i in &cluster {
        for j in &cluster {
            assert!(q_e.column(*i).dot(&q_dot.column(*j)).abs() < 1e-14);
        }
    }
}

#[test]
fn the_tangents_stay_finite_and_the_value_is_the_primal_s() {
    let s = DMatrix::<f64>::identity(4, 4) * 2.0;
    let u = DMatrix::from_fn(4, 4, |i, j| (i + j) as f64 - 1.5);
    let ((lambda, q), (lambda_dot, q_dot)) = eigh_jvp(&s, &u);
    assert_eq!(lambda, eigh(&s).0);
    assert!((&q * q.transpose() - DMatrix::identity(4, 4)).norm() < 1e-14);
    assert!(lambda_dot.iter().chain(q_dot.iter()).all(|x| x.is_finite()));
    // Ṡ = 0 or a multiple of I: every basis is adapted, and the tangents are those of nalgebra's
    let ((_, q0), (lambda_dot, _)) = eigh_jvp(&s, &DMatrix::identity(4, 4));
    assert_eq!(lambda_dot, DVector::from_element(4, 1.0));
    assert!((q0.transpose() * &q0 - DMatrix::identity(4, 4)).norm() < 1e-14);
}

// ============================================= functions of the eigenvectors, invariant ones

/// ⟨W, P⟩ with P = Σ qᵢqᵢᵀ over the eigenvalues below `split`: smooth where no eigenvalue
/// crosses `split`, though its eigenvectors are not. With Wₛ = W + Wᵀ and the mask m of the
/// cluster, L = Σᵢ∈c qᵢᵀ·W·qᵢ has Q̄ = Wₛ·Q·m, and its tangent L̇ = Σᵢ∈c q̇ᵢᵀ·Wₛ·qᵢ has the
/// adjoints Q̇̄ = Wₛ·Q·m and Q̄ = Wₛ·Q̇·m (no eigenvalue adjoints).
struct Projector {
    w: DMatrix<f64>,
    split: f64,
}

impl Projector {
    fn mask(&self, lambda: &DVector<f64>) -> DMatrix<f64> {
        DMatrix::from_diagonal(&lambda.map(|l| if l < self.split { 1.0 } else { 0.0 }))
    }

    fn gradient(&self, s: &DMatrix<f64>) -> DMatrix<f64> {
        let ((lambda, q), pullback) = eigh_vjp(s);
        let w_s = &self.w + self.w.transpose();
        pullback((DVector::zeros(s.nrows()), w_s * q * self.mask(&lambda)))
    }

    fn hvp(&self, s: &DMatrix<f64>, u: &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>) {
        let n = s.nrows();
        let (((lambda, q), (_, q_dot)), pullback) = eigh_jvp_vjp(s, u);
        let (w_s, mask) = (&self.w + self.w.transpose(), self.mask(&lambda));
        let zero = DVector::zeros(n);
        pullback(((zero.clone(), &w_s * q_dot * &mask), (zero, w_s * q * mask)))
    }
}

/// ⟨W, P⟩·Σλᵢ²: the eigenvalues and the eigenvectors together, with eigenvalue weights equal
/// on the cluster. With p = ⟨W, P⟩ and e = Σλᵢ², L̇ = ṗ·e + p·2λ·λ̇ where ṗ = ⟨Wₛ·Q·m, Q̇⟩, so
/// Q̇̄ = e·Wₛ·Q·m, λ̇̄ = 2p·λ, Q̄ = e·Wₛ·Q̇·m + 2(λ·λ̇)·Wₛ·Q·m and λ̄ = 2ṗ·λ + 2p·λ̇.
struct Product {
    projector: Projector,
}

impl Product {
    fn gradient(&self, s: &DMatrix<f64>) -> DMatrix<f64> {
        let ((lambda, q), pullback) = eigh_vjp(s);
        let w_s = &self.projector.w + self.projector.w.transpose();
        let mask = self.projector.mask(&lambda);
        let p = (&q * &mask * q.transpose()).dot(&self.projector.w);
        let e = lambda.norm_squared();
        pullback((&lambda * (2.0 * p), w_s * q * mask * e))
    }

    fn hvp(&self, s: &DMatrix<f64>, u: &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>) {
        let (((lambda, q), (lambda_dot, q_dot)), pullback) = eigh_jvp_vjp(s, u);
        let w_s = &self.projector.w + self.projector.w.transpose();
        let mask = self.projector.mask(&lambda);
        let p = (&q * &mask * q.transpose()).dot(&self.projector.w);
        let w_q_m = &w_s * &q * &mask;
        let p_dot = w_q_m.dot(&q_dot);
        let (e, e_dot) = (lambda.norm_squared(), 2.0 * lambda.dot(&lambda_dot));
        let q_bar = &w_s * &q_dot * &mask * e + &w_q_m * e_dot;
        let lambda_bar = &lambda * (2.0 * p_dot) + &lambda_dot * (2.0 * p);
        pullback(((lambda_bar, q_bar), (&lambda * (2.0 * p), w_q_m * e)))
    }
}

#[test]
fn functions_of_the_eigenvectors_invariant_in_a_cluster() {
    let mut rng = rng(4);
    for (name, s) in points() {
        let n = s.nrows();
        let projector = Projector {
            w: random(&mut rng, n, n),
            split: 1.5,
        };
        let product = Product {
            projector: Projector {
                w: random(&mut rng, n, n),
                split: 1.5,
            },
        };
        for _ in 0..3 {
            let u = symmetric(&mut rng, n);
            check_hvp(
                &format!("⟨W, P⟩ at {name}"),
                &s,
                &u,
                |x| projector.gradient(x),
                |x, u| projector.hvp(x, u),
            );
            check_hvp(
                &format!("⟨W, P⟩·Σλ² at {name}"),
                &s,
                &u,
                |x| product.gradient(x),
                |x, u| product.hvp(x, u),
            );
        }
    }
}

#[test]
fn the_seeds_of_the_eigenvector_losses_at_separated_eigenvalues() {
    // The hand-derived seeds above, where eigh is smooth and nothing is degenerate.
    let mut rng = rng(5);
    let q = orthogonal(&mut rng, 4);
    let s = rotated(&q, &[-1.0, 0.5, 2.0, 3.5]);
    let projector = Projector {
        w: random(&mut rng, 4, 4),
        split: 1.0,
    };
    let product = Product {
        projector: Projector {
            w: random(&mut rng, 4, 4),
            split: 1.0,
        },
    };
    let u = symmetric(&mut rng, 4);
    check_hvp(
        "⟨W, P⟩",
        &s,
        &u,
        |x| projector.gradient(x),
        |x, u| projector.hvp(x, u),
    );
    check_hvp(
        "⟨W, P⟩·Σλ²",
        &s,
        &u,
        |x| product.gradient(x),
        |x, u| product.hvp(x, u),
    );
}

#[test]
fn forward_mode_of_a_matrix_function_through_eigh_in_a_cluster() {
    // sin S = Q·diag(sin λ)·Qᵀ: along U its derivative is the Daleckii–Krein Q·(Γ ∘ Qᵀ·U·Q)·Qᵀ,
    // Γᵢⱼ the divided differences of sin (cos λ on a cluster). eigh_jvp, whose basis is adapted
    // to U, gets it exactly; the reverse rules, which have no direction, do not (the crate docs
    // say so): the loss weighs the eigenvectors of a cluster by their own eigenvalues.
    let mut rng = rng(6);
    for (name, s) in points() {
        let n = s.nrows();
        let u = symmetric(&mut rng, n);
        let ((lambda, q), (lambda_dot, q_dot)) = eigh_jvp(&s, &u);
        let phi = DMatrix::from_diagonal(&lambda.map(f64::sin));
        let phi_dot = DMatrix::from_diagonal(&lambda.zip_map(&lambda_dot, |l, d| l.cos() * d));
        let y_dot = &q_dot * &phi * q.transpose()
            + &q * phi_dot * q.transpose()
            + &q * &phi * q_dot.transpose();
        let sine = |x: &DMatrix<f64>| {
            let (lambda, q) = eigh(x);
            &q * DMatrix::from_diagonal(&lambda.map(f64::sin)) * q.transpose()
        };
        let expected = check::richardson(sine, &s, &u).0;
        assert_near(
            &format!("d sin S at {name}"),
            &y_dot,
            &expected,
            first_order_tolerance(&s),
        );
    }
}

// =================================================================== repeated singular values

/// U·diag(σ)·Vᵀ for random orthonormal U (m×k) and V (n×k).
fn with_singular_values(rng: &mut StdRng, m: usize, n: usize, sigma: &[f64]) -> DMatrix<f64> {
    let k = sigma.len();
    let u = orthogonal(rng, m).columns(0, k).into_owned();
    let v = orthogonal(rng, n).columns(0, k).into_owned();
    u * DMatrix::from_diagonal(&DVector::from_column_slice(sigma)) * v.transpose()
}

/// The points of the SVD tests, each with repeated or nearly repeated singular values, square
/// and rectangular.
fn singular_points() -> Vec<(String, DMatrix<f64>)> {
    let mut rng = rng(11);
    let mut points = vec![
        ("I₃".to_string(), DMatrix::identity(3, 3)),
        (
            "U·diag(2, 1, 1)·Vᵀ".to_string(),
            with_singular_values(&mut rng, 3, 3, &[2.0, 1.0, 1.0]),
        ),
        (
            "U·diag(2, 2, 1)·Vᵀ (4×3)".to_string(),
            with_singular_values(&mut rng, 4, 3, &[2.0, 2.0, 1.0]),
        ),
        (
            "U·diag(1, 1)·Vᵀ (2×4)".to_string(),
            with_singular_values(&mut rng, 2, 4, &[1.0, 1.0]),
        ),
    ];
    for gap in [0.0, 1e-14, 1e-10, 1e-6] {
        points.push((
            format!("U·diag(2, 1 + {gap:e}, 1)·Vᵀ"),
            with_singular_values(&mut rng, 3, 3, &[2.0, 1.0 + gap, 1.0]),
        ));
    }
    points
}

/// The smallest gap between two singular values of `a` (see `smallest_gap`).
fn singular_tolerance(a: &DMatrix<f64>) -> (f64, f64) {
    let sigma = svdvals(a);
    let as_symmetric = DMatrix::from_diagonal(&sigma);
    (
        first_order_tolerance(&as_symmetric),
        second_order_tolerance(&as_symmetric),
    )
}

/// The HVP `(h, g)` of a loss of `a` along `u` against the differences of its gradient.
fn check_singular_hvp(
    what: &str,
    a: &DMatrix<f64>,
    u: &DMatrix<f64>,
    gradient: impl Fn(&DMatrix<f64>) -> DMatrix<f64>,
    hvp: impl Fn(&DMatrix<f64>, &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>),
) {
    let (first, second) = singular_tolerance(a);
    let (h, g) = hvp(a, u);
    assert_near(
        &format!("{what}: the gradient"),
        &g,
        &gradient(a),
        first + second,
    );
    let expected = check::richardson(&gradient, a, u).0;
    assert_near(&format!("{what}: the HVP"), &h, &expected, second);
}

impl Spectral {
    /// The exact gradient U·diag(h′(σ))·Vᵀ of Σ h(σᵢ), by `svdvals_vjp`.
    fn singular_gradient(&self, a: &DMatrix<f64>) -> DMatrix<f64> {
        let (sigma, pullback) = svdvals_vjp(a);
        pullback(sigma.map(self.first))
    }

    /// (HVP, gradient) of Σ h(σᵢ) through `svdvals_jvp_vjp`.
    fn hvp_by_svdvals(&self, a: &DMatrix<f64>, u: &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>) {
        let ((sigma, sigma_dot), pullback) = svdvals_jvp_vjp(a, u);
        let sigma_bar = sigma.zip_map(&sigma_dot, |s, d| (self.second)(s) * d);
        pullback((sigma_bar, sigma.map(self.first)))
    }

    /// The same through `svd_jvp_vjp`, the singular vectors unused.
    fn hvp_by_svd(&self, a: &DMatrix<f64>, u: &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>) {
        let (((u0, sigma, v_t), (_, sigma_dot, _)), pullback) = svd_jvp_vjp(a, u);
        let sigma_bar = sigma.zip_map(&sigma_dot, |s, d| (self.second)(s) * d);
        let (u_zero, v_t_zero) = (u0 * 0.0, v_t * 0.0);
        pullback((
            (u_zero.clone(), sigma_bar, v_t_zero.clone()),
            (u_zero, sigma.map(self.first), v_t_zero),
        ))
    }
}

#[test]
fn sum_of_squared_singular_values_at_the_identity_along_an_off_diagonal_direction() {
    // Σσᵢ² = ‖A‖²: its Hessian is 2·I, so the HVP along E = e₁e₂ᵀ + e₂e₁ᵀ is 2E.
    let a = DMatrix::<f64>::identity(3, 3);
    let mut e = DMatrix::zeros(3, 3);
    e[(0, 1)] = 1.0;
    e[(1, 0)] = 1.0;
    let (h, g) = SQUARES.hvp_by_svdvals(&a, &e);
    assert_near("svdvals: HVP", &h, &(&e * 2.0), 1e-14);
    assert_near("svdvals: gradient", &g, &(&a * 2.0), 1e-14);
    let (h, _) = SQUARES.hvp_by_svd(&a, &e);
    assert_near("svd: HVP", &h, &(&e * 2.0), 1e-14);
}

#[test]
fn functions_of_repeated_singular_values() {
    let mut rng = rng(12);
    for (name, a) in singular_points() {
        let (m, n) = a.shape();
        for _ in 0..3 {
            let u = random(&mut rng, m, n);
            for f in [SQUARES, CUBES] {
                let gradient = |x: &DMatrix<f64>| f.singular_gradient(x);
                check_singular_hvp(
                    &format!("{} of σ by svdvals at {name}", f.name),
                    &a,
                    &u,
                    gradient,
                    |x, u| f.hvp_by_svdvals(x, u),
                );
                check_singular_hvp(
                    &format!("{} of σ by svd at {name}", f.name),
                    &a,
                    &u,
                    gradient,
                    |x, u| f.hvp_by_svd(x, u),
                );
            }
        }
    }
}

/// ⟨W, U·Vᵀ⟩, the polar factor of a full-rank A paired with W: invariant under the joint turns
/// of the singular vectors of a cluster. Its tangent ⟨W, U̇·Vᵀ + U·V̇ᵀ⟩ has the adjoints
/// U̇̄ = W·V, V̇ᵀ̄ = Uᵀ·W, Ū = W·V̇, V̄ᵀ = U̇ᵀ·W (none for σ).
struct Polar {
    w: DMatrix<f64>,
}

impl Polar {
    fn gradient(&self, a: &DMatrix<f64>) -> DMatrix<f64> {
        let ((u, sigma, v_t), pullback) = svd_vjp(a);
        pullback((
            &self.w * v_t.transpose(),
            sigma * 0.0,
            u.transpose() * &self.w,
        ))
    }

    fn hvp(&self, a: &DMatrix<f64>, a_dot: &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>) {
        let (((u, sigma, v_t), (u_dot, _, v_t_dot)), pullback) = svd_jvp_vjp(a, a_dot);
        let zero = sigma * 0.0;
        pullback((
            (
                &self.w * v_t_dot.transpose(),
                zero.clone(),
                u_dot.transpose() * &self.w,
            ),
            (&self.w * v_t.transpose(), zero, u.transpose() * &self.w),
        ))
    }
}

#[test]
fn the_polar_factor_at_repeated_singular_values() {
    let mut rng = rng(13);
    for (name, a) in singular_points() {
        let (m, n) = a.shape();
        let polar = Polar {
            w: random(&mut rng, m, n),
        };
        for _ in 0..3 {
            let u = random(&mut rng, m, n);
            check_singular_hvp(
                &format!("⟨W, U·Vᵀ⟩ at {name}"),
                &a,
                &u,
                |x| polar.gradient(x),
                |x, u| polar.hvp(x, u),
            );
        }
    }
}
