//! The shared harness of the integration tests: one way to check a generated pair of
//! derivatives (forward mode against finite differences, reverse mode against forward mode with
//! the dot-product test), and a seeded sampler of inputs that respects a rule's domain.
//!
//! A generated function is wrapped in closures over `&X`, where `X` is the tuple (or buffer) of
//! its active parameters:
//!
//! ```text
//! check_both(
//!     |p: &(f64, f64)| f(p.0, p.1),
//!     |p: &(f64, f64), d: &(f64, f64)| f_jvp(p.0, p.1, d.0, d.1),
//!     |p: &(f64, f64), y: &f64| f_vjp(p.0, p.1).1(*y),
//!     &(0.5, 1.5),
//! );
//! ```
//!
//! Each test crate uses a part of this module, so unused items are allowed.
#![allow(dead_code)]

use matcalc::check::{self, Config, Reports};
use matcalc::{Real, Tangent};
use nalgebra::{DMatrix, DVector, SMatrix, Scalar};

/// The seed every test starts its sampler from, so that a failure reproduces.
pub const SEED: u64 = 0x006d_6174_6361_6c63;

/// Runs both checks (`check::all`) at `x` with the default configurations for the scalar type
/// of `X`, and panics with the failure's message (and the point) if either fails.
pub fn check_both<X, Y>(
    f: impl Fn(&X) -> Y,
    f_jvp: impl Fn(&X, &X) -> (Y, Y),
    f_vjp: impl Fn(&X, &Y) -> X,
    x: &X,
) -> Reports
where
    X: Tangent + core::fmt::Debug,
    Y: Tangent<Scalar = X::Scalar>,
{
    match check::all(
        f,
        f_jvp,
        f_vjp,
        x,
        &Config::for_jvp::<X::Scalar>(),
        &Config::for_dot_product::<X::Scalar>(),
    ) {
        Ok(reports) => reports,
        Err(failure) => panic!("at x = {x:?}: {failure}"),
    }
}

/// [`check_both`] at each of the points.
pub fn check_at<X, Y>(
    f: impl Fn(&X) -> Y,
    f_jvp: impl Fn(&X, &X) -> (Y, Y),
    f_vjp: impl Fn(&X, &Y) -> X,
    points: &[X],
) where
    X: Tangent + core::fmt::Debug,
    Y: Tangent<Scalar = X::Scalar>,
{
    assert!(!points.is_empty(), "no points to check at");
    for x in points {
        check_both(&f, &f_jvp, &f_vjp, x);
    }
}

/// Checks that a pullback can be called many times: at `x`, calling it with a seed, with twice
/// the seed and with the seed again gives the same adjoint the first and the third time, twice
/// it the second time, and the same as a fresh pullback. (A pullback that consumed its recorded
/// residuals, or kept adjoints from the previous call, fails.)
pub fn check_pullback_reusable<X, Y, P>(f_vjp: impl Fn(&X) -> (Y, P), x: &X)
where
    X: Tangent + core::fmt::Debug + PartialEq,
    Y: Tangent<Scalar = X::Scalar>,
    P: Fn(Y) -> X,
{
    let (y, back) = f_vjp(x);
    let seed = |k: f64| {
        let flat: Vec<X::Scalar> = (0..y.dim())
            .map(|i| Real::from_f64(k * (1.0 + 0.5 * i as f64)))
            .collect();
        y.read_flat(&mut flat.as_slice())
    };
    let first = back(seed(1.0));
    let second = back(seed(2.0));
    let third = back(seed(1.0));
    assert_eq!(
        first, third,
        "a second call of the pullback with the same seed differs"
    );
    let mut doubled = first.clone();
    doubled.scale(Real::from_f64(2.0));
    assert_eq!(doubled, second, "the pullback is not linear across calls");
    let (_, fresh) = f_vjp(x);
    assert_eq!(
        fresh(seed(1.0)),
        first,
        "a fresh pullback differs from a reused one"
    );
}

/// Checks a generated function of one active scalar, `f(x) -> F`, given as the three generated
/// items (`f`, `f_jvp`, `f_vjp`), at each of the points.
pub fn check_unary<F, P>(
    f: impl Fn(F) -> F,
    f_jvp: impl Fn(F, F) -> (F, F),
    f_vjp: impl Fn(F) -> (F, P),
    points: &[F],
) where
    F: Real + Tangent<Scalar = F>,
    P: Fn(F) -> F,
{
    check_at(
        |x: &F| f(*x),
        |x: &F, d: &F| f_jvp(*x, *d),
        |x: &F, y: &F| f_vjp(*x).1(*y),
        points,
    );
}

/// Checks a generated function of two active scalars, `f(a, b) -> F`, at each of the points.
pub fn check_binary<F, P>(
    f: impl Fn(F, F) -> F,
    f_jvp: impl Fn(F, F, F, F) -> (F, F),
    f_vjp: impl Fn(F, F) -> (F, P),
    points: &[(F, F)],
) where
    F: Real + Tangent<Scalar = F>,
    P: Fn(F) -> (F, F),
{
    check_at(
        |p: &(F, F)| f(p.0, p.1),
        |p: &(F, F), d: &(F, F)| f_jvp(p.0, p.1, d.0, d.1),
        |p: &(F, F), y: &F| f_vjp(p.0, p.1).1(*y),
        points,
    );
}

/// Checks a generated function of three active scalars, `f(a, b, c) -> F`, at each of the
/// points.
pub fn check_ternary<F, P>(
    f: impl Fn(F, F, F) -> F,
    f_jvp: impl Fn(F, F, F, F, F, F) -> (F, F),
    f_vjp: impl Fn(F, F, F) -> (F, P),
    points: &[(F, F, F)],
) where
    F: Real + Tangent<Scalar = F>,
    P: Fn(F) -> (F, F, F),
{
    check_at(
        |p: &(F, F, F)| f(p.0, p.1, p.2),
        |p: &(F, F, F), d: &(F, F, F)| f_jvp(p.0, p.1, p.2, d.0, d.1, d.2),
        |p: &(F, F, F), y: &F| f_vjp(p.0, p.1, p.2).1(*y),
        points,
    );
}

/// Checks a generated function of one active parameter taken by reference, `f(&a) -> Y`, given
/// as the three generated items, at each of the points.
pub fn check_ref_unary<X, Y, P>(
    f: impl Fn(&X) -> Y,
    f_jvp: impl Fn(&X, &X) -> (Y, Y),
    f_vjp: impl Fn(&X) -> (Y, P),
    points: &[X],
) where
    X: Tangent + core::fmt::Debug,
    Y: Tangent<Scalar = X::Scalar>,
    P: Fn(Y) -> X,
{
    check_at(f, f_jvp, |x: &X, y: &Y| f_vjp(x).1(y.clone()), points);
}

/// Checks a generated function of two active parameters taken by reference, `f(&a, &b) -> Y`,
/// at each of the points.
pub fn check_ref_binary<A, B, Y, P>(
    f: impl Fn(&A, &B) -> Y,
    f_jvp: impl Fn(&A, &B, &A, &B) -> (Y, Y),
    f_vjp: impl Fn(&A, &B) -> (Y, P),
    points: &[(A, B)],
) where
    A: Tangent + core::fmt::Debug,
    B: Tangent<Scalar = A::Scalar> + core::fmt::Debug,
    Y: Tangent<Scalar = A::Scalar>,
    P: Fn(Y) -> (A, B),
{
    check_at(
        |p: &(A, B)| f(&p.0, &p.1),
        |p: &(A, B), d: &(A, B)| f_jvp(&p.0, &p.1, &d.0, &d.1),
        |p: &(A, B), y: &Y| f_vjp(&p.0, &p.1).1(y.clone()),
        points,
    );
}

/// Where a rule's inputs may be drawn from: an interval, minus neighbourhoods of the points
/// where the function is not smooth (finite differences straddling a kink or a jump disagree
/// with any derivative).
#[derive(Clone, Copy, Debug)]
pub struct Domain {
    pub lo: f64,
    pub hi: f64,
    /// Points to keep away from: every multiple of `period` (offset by `phase`), when set.
    pub kinks: Option<Kinks>,
}

/// A periodic set of kinks `phase + k·period` and the distance to keep from them.
#[derive(Clone, Copy, Debug)]
pub struct Kinks {
    pub period: f64,
    pub phase: f64,
    pub margin: f64,
}

impl Domain {
    /// The interval `(lo, hi)`.
    pub const fn new(lo: f64, hi: f64) -> Self {
        Domain {
            lo,
            hi,
            kinks: None,
        }
    }

    /// Everywhere smooth functions: `(-2.5, 2.5)`.
    pub const fn any() -> Self {
        Domain::new(-2.5, 2.5)
    }

    /// `ln`, `sqrt`, `log2`, ...: `(0.2, 4)`.
    pub const fn positive() -> Self {
        Domain::new(0.2, 4.0)
    }

    /// `asin`, `acos`, `atanh`: inside `(-1, 1)`, away from the ends.
    pub const fn open_unit() -> Self {
        Domain::new(-0.9, 0.9)
    }

    /// `acosh`: `(1.2, 4)`.
    pub const fn above_one() -> Self {
        Domain::new(1.2, 4.0)
    }

    /// `abs`, `signum`, `recip`, `cbrt`: `(-2.5, 2.5)` away from 0.
    pub const fn nonzero() -> Self {
        Domain::any().avoiding(Kinks {
            period: f64::INFINITY,
            phase: 0.0,
            margin: 0.2,
        })
    }

    /// `floor`, `ceil`, `round`, `trunc`: `(-3.5, 3.5)` away from the integers and the
    /// half-integers, where they jump.
    pub const fn off_half_integers() -> Self {
        Domain::new(-3.5, 3.5).avoiding(Kinks {
            period: 0.5,
            phase: 0.0,
            margin: 0.1,
        })
    }

    /// This domain without the neighbourhoods of `kinks`.
    pub const fn avoiding(self, kinks: Kinks) -> Self {
        Domain {
            kinks: Some(kinks),
            ..self
        }
    }

    /// Whether `x` lies in the domain.
    pub fn contains(&self, x: f64) -> bool {
        if !(self.lo < x && x < self.hi) {
            return false;
        }
        match self.kinks {
            None => true,
            Some(k) if k.period.is_infinite() => (x - k.phase).abs() > k.margin,
            Some(k) => {
                let t = (x - k.phase) / k.period;
                (t - t.round()).abs() * k.period > k.margin
            }
        }
    }
}

/// A seeded sampler of inputs (SplitMix64, so that the tests need no random-number crate and
/// every run draws the same points).
#[derive(Clone, Debug)]
pub struct Sampler {
    state: u64,
}

impl Sampler {
    /// A sampler with the given seed.
    pub fn new(seed: u64) -> Self {
        Sampler { state: seed }
    }

    /// A sampler with the harness's fixed [`SEED`].
    pub fn seeded() -> Self {
        Sampler::new(SEED)
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A point of `domain` (rejection sampling), in the scalar type `F`; the `f64` it was drawn
    /// as is in the domain after rounding to `F`.
    pub fn scalar<F: Real>(&mut self, domain: &Domain) -> F {
        for _ in 0..10_000 {
            let x = F::from_f64(domain.lo + (domain.hi - domain.lo) * self.unit());
            if domain.contains(x.to_f64()) {
                return x;
            }
        }
        panic!("the domain {domain:?} is empty");
    }

    /// `n` points of `domain`.
    pub fn points<F: Real>(&mut self, domain: &Domain, n: usize) -> Vec<F> {
        (0..n).map(|_| self.scalar(domain)).collect()
    }

    /// A buffer of length `n` with entries from `domain`.
    pub fn vec<F: Real>(&mut self, domain: &Domain, n: usize) -> Vec<F> {
        self.points(domain, n)
    }

    /// An array with entries from `domain`.
    pub fn array<F: Real, const N: usize>(&mut self, domain: &Domain) -> [F; N] {
        core::array::from_fn(|_| self.scalar(domain))
    }

    /// A pair with entries from `a` and `b`.
    pub fn pair<F: Real>(&mut self, a: &Domain, b: &Domain) -> (F, F) {
        (self.scalar(a), self.scalar(b))
    }

    /// `n` pairs with entries from `a` and `b` that satisfy `keep` (for instance, away from a
    /// tie of `max`).
    pub fn pairs<F: Real>(
        &mut self,
        a: &Domain,
        b: &Domain,
        n: usize,
        keep: impl Fn(F, F) -> bool,
    ) -> Vec<(F, F)> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let (x, y) = self.pair(a, b);
            if keep(x, y) {
                out.push((x, y));
            }
        }
        out
    }

    /// `n` triples with entries from `a`, `b` and `c` that satisfy `keep`.
    pub fn triples<F: Real>(
        &mut self,
        (a, b, c): (&Domain, &Domain, &Domain),
        n: usize,
        keep: impl Fn(F, F, F) -> bool,
    ) -> Vec<(F, F, F)> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let (x, y, z) = (self.scalar(a), self.scalar(b), self.scalar(c));
            if keep(x, y, z) {
                out.push((x, y, z));
            }
        }
        out
    }
}

/// Matrix samplers: each rule of linear algebra draws its inputs from its domain (entries of a
/// [`Domain`], symmetric positive definite for inverses, log-determinants and Cholesky,
/// symmetric with prescribed eigenvalues for eigenproblems). They draw in `f64` and round to `F`.
impl Sampler {
    /// A `rows × cols` matrix with entries from `domain`.
    pub fn matrix<F: Real + Scalar>(
        &mut self,
        domain: &Domain,
        rows: usize,
        cols: usize,
    ) -> DMatrix<F> {
        DMatrix::from_fn(rows, cols, |_, _| self.scalar(domain))
    }

    /// A vector of length `n` with entries from `domain`.
    pub fn vector<F: Real + Scalar>(&mut self, domain: &Domain, n: usize) -> DVector<F> {
        DVector::from_fn(n, |_, _| self.scalar(domain))
    }

    /// A statically sized matrix (or vector) with entries from `domain`.
    pub fn fixed<F: Real + Scalar, const R: usize, const C: usize>(
        &mut self,
        domain: &Domain,
    ) -> SMatrix<F, R, C> {
        SMatrix::from_fn(|_, _| self.scalar(domain))
    }

    /// `A·Aᵀ + I` for a random `A`: symmetric positive definite with eigenvalues at least 1, the
    /// domain of inverses, log-determinants and Cholesky factors.
    pub fn spd<F: Real + Scalar>(&mut self, n: usize) -> DMatrix<F> {
        let a: DMatrix<f64> = self.matrix(&Domain::new(-1.0, 1.0), n, n);
        (&a * a.transpose() + DMatrix::identity(n, n)).map(F::from_f64)
    }

    /// A random orthogonal matrix: the Q factor of a random matrix.
    pub fn orthogonal(&mut self, n: usize) -> DMatrix<f64> {
        self.matrix(&Domain::new(-1.0, 1.0), n, n).qr().q()
    }

    /// `Q·diag(eigenvalues)·Qᵀ` with a random orthogonal `Q`: symmetric, with the given
    /// eigenvalues (repeat one for a degenerate eigenspace).
    pub fn symmetric_with_eigenvalues<F: Real + Scalar>(
        &mut self,
        eigenvalues: &[f64],
    ) -> DMatrix<F> {
        let q = self.orthogonal(eigenvalues.len());
        let lambda = DMatrix::from_diagonal(&DVector::from_column_slice(eigenvalues));
        let s = &q * lambda * q.transpose();
        // exactly symmetric after rounding
        ((&s + s.transpose()) * 0.5).map(F::from_f64)
    }

    /// A symmetric `n × n` matrix with eigenvalues 1 apart and centred on 0, the domain of
    /// eigenvector derivatives, whose terms 1/(λⱼ − λᵢ) stay moderate.
    pub fn symmetric_separated<F: Real + Scalar>(&mut self, n: usize) -> DMatrix<F> {
        let eigenvalues: Vec<f64> = (0..n).map(|i| i as f64 - (n as f64 - 1.0) / 2.0).collect();
        self.symmetric_with_eigenvalues(&eigenvalues)
    }
}

/// The statically sized copy of a dynamic matrix (for samplers whose construction is dynamic).
pub fn to_fixed<F: Real + Scalar, const R: usize, const C: usize>(
    m: &DMatrix<F>,
) -> SMatrix<F, R, C> {
    assert_eq!(m.shape(), (R, C), "to_fixed: wrong shape");
    SMatrix::from_iterator(m.iter().copied())
}

/// Asserts that two floats agree to a relative tolerance (for checks of values that are known in
/// closed form, on top of the generic checks).
#[track_caller]
pub fn assert_close(got: f64, want: f64, rtol: f64) {
    let scale = got.abs().max(want.abs()).max(f64::MIN_POSITIVE);
    assert!(
        (got - want).abs() <= rtol * scale,
        "got {got:e}, want {want:e} (relative error {:.3e} > {rtol:e})",
        (got - want).abs() / scale
    );
}

/// Checks `hvp` (`f_hvp`'s gradient and Hessian-vector product) as the derivative of the
/// gradient map: in three seeded random directions v, H·v must match the
/// Richardson-extrapolated finite difference of x ↦ ∇f(x) along v (to `rtol`).
#[track_caller]
pub fn check_hvp_by_gradient<X>(
    grad: impl Fn(&X) -> X,
    hvp: impl Fn(&X, &X) -> (X, X),
    x: &X,
    rtol: f64,
) where
    X: Tangent<Scalar = f64> + core::fmt::Debug,
{
    if let Err(failure) = check::jvp(grad, hvp, x, &Config::for_jvp::<f64>().rtol(rtol)) {
        panic!("the hvp is not the derivative of the gradient at {x:?}: {failure}");
    }
}

/// The three checks of a scalar function of the active value `x` (a tuple when there are
/// several; the other arguments bound in the closures): [`check_both`], and `f_hvp` against
/// the differences of `f_grad` ([`check_hvp_by_gradient`], to 1e-6).
#[track_caller]
pub fn check_all<X, P>(
    f: impl Fn(&X) -> f64,
    f_jvp: impl Fn(&X, &X) -> (f64, f64),
    f_vjp: impl Fn(&X) -> (f64, P),
    f_hvp: impl Fn(&X, &X) -> (f64, X, X),
    f_grad: impl Fn(&X) -> (f64, X),
    x: &X,
) where
    X: Tangent<Scalar = f64> + core::fmt::Debug,
    P: Fn(f64) -> X,
{
    check_both(
        &f,
        |x: &X, d: &X| f_jvp(x, d),
        |x: &X, y: &f64| f_vjp(x).1(*y),
        x,
    );
    check_hvp_by_gradient(
        |x: &X| f_grad(x).1,
        |x: &X, v: &X| {
            let (_, gradient, hv) = f_hvp(x, v);
            (gradient, hv)
        },
        x,
        1e-6,
    );
}
