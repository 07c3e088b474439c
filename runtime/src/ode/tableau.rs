//! Butcher tableaus of the explicit Runge–Kutta schemes, and one step of such a scheme.
//!
//! An explicit s-stage scheme advances y' = F(y, t) from (t, y) by h through the stage states
//! and slopes
//!
//! ```text
//! Yᵢ = y + h·Σⱼ₍ⱼ<ᵢ₎ aᵢⱼ·kⱼ,    kᵢ = F(Yᵢ, t + cᵢ·h),    y⁺ = y + h·Σᵢ bᵢ·kᵢ,
//! ```
//!
//! and an embedded pair also gives the error estimate err = h·Σᵢ eᵢ·kᵢ with eᵢ = bᵢ − b̂ᵢ, the
//! difference from a solution of one order lower (Hairer, Nørsett, Wanner, *Solving Ordinary
//! Differential Equations I*, 2nd ed., §II.1 and §II.4).

use crate::value::{Real, Tangent};

/// The coefficients of an explicit Runge–Kutta scheme.
pub(crate) struct Tableau {
    /// The nodes cᵢ.
    pub c: &'static [f64],
    /// The strictly lower triangle of (aᵢⱼ): row i has i entries.
    pub a: &'static [&'static [f64]],
    /// The weights bᵢ of the propagated solution.
    pub b: &'static [f64],
    /// eᵢ = bᵢ − b̂ᵢ of the embedded pair; empty for a scheme without one.
    pub e: &'static [f64],
    /// The order of the error estimate (the lower of the pair), q: the step size controller
    /// scales h by err^(−1/(q+1)).
    pub error_order: i32,
    /// The order of the propagated solution, for the starting step.
    pub order: i32,
    /// First same as last: the last stage is evaluated at (y⁺, t + h), so it is the first
    /// slope of the next step.
    pub fsal: bool,
}

impl Tableau {
    /// The classical fourth-order scheme of Kutta (1901): HNW I, Table II.1.2, left.
    pub const RK4: Tableau = Tableau {
        c: &[0.0, 0.5, 0.5, 1.0],
        a: &[&[], &[0.5], &[0.0, 0.5], &[0.0, 0.0, 1.0]],
        b: &[1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0],
        e: &[],
        error_order: 4,
        order: 4,
        fsal: false,
    };

    /// Dormand and Prince's 5(4) pair ("DOPRI5"; Dormand & Prince 1980, J. Comput. Appl. Math.
    /// 6(1), 19–26; HNW I, Table II.5.2): seven stages, the last one FSAL, the fifth-order
    /// solution propagated (local extrapolation) and the fourth-order one for the estimate.
    pub const DOPRI5: Tableau = Tableau {
        c: &[0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0],
        a: &[
            &[],
            &[1.0 / 5.0],
            &[3.0 / 40.0, 9.0 / 40.0],
            &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
            &[
                19372.0 / 6561.0,
                -25360.0 / 2187.0,
                64448.0 / 6561.0,
                -212.0 / 729.0,
            ],
            &[
                9017.0 / 3168.0,
                -355.0 / 33.0,
                46732.0 / 5247.0,
                49.0 / 176.0,
                -5103.0 / 18656.0,
            ],
            &[
                35.0 / 384.0,
                0.0,
                500.0 / 1113.0,
                125.0 / 192.0,
                -2187.0 / 6784.0,
                11.0 / 84.0,
            ],
        ],
        b: &[
            35.0 / 384.0,
            0.0,
            500.0 / 1113.0,
            125.0 / 192.0,
            -2187.0 / 6784.0,
            11.0 / 84.0,
            0.0,
        ],
        // b − b̂ with b̂ = (5179/57600, 0, 7571/16695, 393/640, −92097/339200, 187/2100, 1/40)
        e: &[
            71.0 / 57600.0,
            0.0,
            -71.0 / 16695.0,
            71.0 / 1920.0,
            -17253.0 / 339200.0,
            22.0 / 525.0,
            -1.0 / 40.0,
        ],
        error_order: 4,
        order: 5,
        fsal: true,
    };

    /// The number of stages.
    pub fn stages(&self) -> usize {
        self.c.len()
    }

    /// The number of leading stages the propagated solution depends on: a trailing stage with
    /// bᵢ = 0 (the FSAL stage of DOPRI5) only serves the error estimate, so derivatives of a
    /// step with frozen step size skip it.
    pub fn solution_stages(&self) -> usize {
        self.b.iter().rposition(|&b| b != 0.0).map_or(0, |i| i + 1)
    }

    /// The stage state Yᵢ = y + h·Σⱼ aᵢⱼ·kⱼ over the slopes given.
    pub fn stage_state<Y: Tangent>(&self, i: usize, y: &Y, h: Y::Scalar, k: &[Y]) -> Y {
        combine(y, h, self.a[i], k)
    }

    /// The stage time t + cᵢ·h.
    pub fn stage_time<S: Real>(&self, i: usize, t: S, h: S) -> S {
        t + S::from_f64(self.c[i]) * h
    }
}

/// y + h·Σⱼ wⱼ·kⱼ, skipping zero weights (so that equal weight rows give equal bits).
pub(crate) fn combine<Y: Tangent>(y: &Y, h: Y::Scalar, weights: &[f64], k: &[Y]) -> Y {
    let mut out = y.clone();
    for (&w, k) in weights.iter().zip(k) {
        if w != 0.0 {
            out.axpy(h * <Y::Scalar as Real>::from_f64(w), k);
        }
    }
    out
}

/// One step of the scheme: its slopes (all stages), the new state and, for an embedded pair,
/// the error estimate. `first_slope` is F(y, t) when the caller has it (FSAL).
pub(crate) struct Step<Y> {
    /// kᵢ for every stage.
    pub k: Vec<Y>,
    /// y⁺.
    pub y: Y,
    /// h·Σ eᵢ·kᵢ, for an embedded pair.
    pub error: Option<Y>,
}

/// Takes one step of `tableau` for y' = F(y, t); counts the evaluations of F in `evaluations`.
pub(crate) fn step<Y: Tangent>(
    tableau: &Tableau,
    f: &mut impl FnMut(&Y, Y::Scalar) -> Y,
    y: &Y,
    t: Y::Scalar,
    h: Y::Scalar,
    first_slope: Option<Y>,
    evaluations: &mut usize,
) -> Step<Y> {
    let k = slopes(
        tableau,
        tableau.stages(),
        f,
        y,
        t,
        h,
        first_slope,
        evaluations,
    );
    let y_new = combine(y, h, tableau.b, &k);
    let error = (!tableau.e.is_empty()).then(|| combine(&y.zero_like(), h, tableau.e, &k));
    Step { k, y: y_new, error }
}

/// The state y⁺ after one step of size `h` from (t, y), bit for bit that of [`step`]: only the
/// stages the propagated solution depends on are evaluated (six of DOPRI5's seven; the FSAL
/// slope a run reuses is F(y, t) with the same arguments, so evaluating it afresh gives the
/// same bits).
pub(crate) fn solution<Y: Tangent>(
    tableau: &Tableau,
    f: &mut impl FnMut(&Y, Y::Scalar) -> Y,
    y: &Y,
    t: Y::Scalar,
    h: Y::Scalar,
    evaluations: &mut usize,
) -> Y {
    let stages = tableau.solution_stages();
    let k = slopes(tableau, stages, f, y, t, h, None, evaluations);
    combine(y, h, tableau.b, &k)
}

/// The slopes k₁..k_`stages` of a step, the first one `first_slope` when given.
#[allow(clippy::too_many_arguments)]
fn slopes<Y: Tangent>(
    tableau: &Tableau,
    stages: usize,
    f: &mut impl FnMut(&Y, Y::Scalar) -> Y,
    y: &Y,
    t: Y::Scalar,
    h: Y::Scalar,
    mut first_slope: Option<Y>,
    evaluations: &mut usize,
) -> Vec<Y> {
    let mut k: Vec<Y> = Vec::with_capacity(stages);
    for i in 0..stages {
        let slope = match (i, first_slope.take()) {
            (0, Some(k1)) => k1,
            _ => {
                *evaluations += 1;
                f(
                    &tableau.stage_state(i, y, h, &k),
                    tableau.stage_time(i, t, h),
                )
            }
        };
        k.push(slope);
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order conditions up to order 4 (and 5 for the fifth-order weights), HNW I, Table
    /// II.2.2: Σbᵢ = 1, Σbᵢcᵢ = 1/2, Σbᵢcᵢ² = 1/3, Σbᵢaᵢⱼcⱼ = 1/6, and row sums cᵢ = Σⱼaᵢⱼ.
    fn check_conditions(tableau: &Tableau, weights: &[f64], order: i32) {
        let s = tableau.stages();
        for i in 0..s {
            let row: f64 = tableau.a[i].iter().sum();
            assert!((row - tableau.c[i]).abs() < 1e-14, "row sum {i}");
        }
        let sum = |g: &dyn Fn(usize) -> f64| (0..s).map(|i| weights[i] * g(i)).sum::<f64>();
        let ac = |i: usize| -> f64 { (0..i).map(|j| tableau.a[i][j] * tableau.c[j]).sum() };
        let mut conditions = vec![
            (sum(&|_| 1.0), 1.0),
            (sum(&|i| tableau.c[i]), 0.5),
            (sum(&|i| tableau.c[i].powi(2)), 1.0 / 3.0),
            (sum(&ac), 1.0 / 6.0),
            (sum(&|i| tableau.c[i].powi(3)), 0.25),
            (sum(&|i| tableau.c[i] * ac(i)), 1.0 / 8.0),
        ];
        if order >= 5 {
            conditions.push((sum(&|i| tableau.c[i].powi(4)), 0.2));
        }
        for (n, (got, want)) in conditions.into_iter().enumerate() {
            assert!((got - want).abs() < 1e-14, "condition {n}: {got} vs {want}");
        }
    }

    #[test]
    fn order_conditions_hold() {
        check_conditions(&Tableau::RK4, Tableau::RK4.b, 4);
        check_conditions(&Tableau::DOPRI5, Tableau::DOPRI5.b, 5);
        let b_hat: Vec<f64> = (0..7)
            .map(|i| Tableau::DOPRI5.b[i] - Tableau::DOPRI5.e[i])
            .collect();
        check_conditions(&Tableau::DOPRI5, &b_hat, 4);
        // FSAL: the last row of a is b
        assert_eq!(Tableau::DOPRI5.a[6], &Tableau::DOPRI5.b[..6]);
        assert_eq!(Tableau::DOPRI5.solution_stages(), 6);
        assert_eq!(Tableau::RK4.solution_stages(), 4);
    }
}
