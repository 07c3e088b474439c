//! The driver: advances y' = F(y, t) step by step with a fixed grid or with step size control,
//! in either direction of time, and reports every accepted step.
//!
//! Everything the driver decides depends only on its [`Cursor`] (time, state, proposed step,
//! step count) and the end of the span, so a run restarted from a cursor saved at a step
//! boundary repeats the original steps bit for bit. That is what makes checkpoints work: the
//! backward passes replay segments of the forward pass instead of storing it.

use super::tableau::{self, Tableau};
use super::{Error, Method, Stats, Tolerances};
use crate::value::{Real, Tangent};
use num_traits::{Float, One, Zero};

/// How the steps are chosen.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Control<S> {
    /// The grid tᵢ = t₀ + i·(t₁ − t₀)/n, i = 0..=n, with t_n = t₁ exactly.
    Fixed { t0: S, t1: S, n: usize },
    /// Step size control on the embedded error estimate.
    Adaptive {
        rtol: S,
        atol: S,
        max_steps: usize,
        initial_step: Option<S>,
    },
}

/// The scheme and its control for a method over a span.
pub(crate) fn scheme<S: Real>(
    method: &Method,
    span: (S, S),
) -> Result<(&'static Tableau, Control<S>), Error> {
    if !(span.0.is_finite() && span.1.is_finite()) {
        return Err(Error::InvalidInput("the time span is not finite"));
    }
    match *method {
        Method::Rk4 { steps } => {
            if steps == 0 {
                return Err(Error::InvalidInput("RK4 needs at least one step"));
            }
            Ok((
                &Tableau::RK4,
                Control::Fixed {
                    t0: span.0,
                    t1: span.1,
                    n: steps,
                },
            ))
        }
        Method::Dp5(Tolerances {
            rtol,
            atol,
            max_steps,
            initial_step,
        }) => {
            if !(rtol >= 0.0 && atol >= 0.0 && rtol + atol > 0.0) {
                return Err(Error::InvalidInput(
                    "tolerances must be non-negative and not both zero",
                ));
            }
            Ok((
                &Tableau::DOPRI5,
                Control::Adaptive {
                    rtol: S::from_f64(rtol),
                    atol: S::from_f64(atol),
                    max_steps,
                    initial_step: initial_step.map(S::from_f64),
                },
            ))
        }
    }
}

impl<S: Real> Control<S> {
    /// The time of grid point i.
    fn grid(&self, i: usize) -> S {
        match *self {
            Control::Fixed { t0, t1, n } if i < n => {
                t0 + (t1 - t0) * S::from_f64(i as f64) / S::from_f64(n as f64)
            }
            Control::Fixed { t1, .. } => t1,
            Control::Adaptive { .. } => unreachable!("grid of an adaptive control"),
        }
    }
}

/// Where a run stands: at a step boundary.
#[derive(Clone, Debug)]
pub(crate) struct Cursor<Y, S> {
    /// The time.
    pub t: S,
    /// The state at `t`.
    pub y: Y,
    /// The step the controller proposes next (adaptive), signed by the direction of time.
    pub h: S,
    /// The number of accepted steps so far; the grid index for a fixed grid.
    pub step: usize,
    /// F(y, t), when the last step left it (FSAL).
    pub slope: Option<Y>,
}

impl<Y, S> Cursor<Y, S> {
    /// A cursor at a step boundary, with no slope cached.
    pub fn at(t: S, y: Y, h: S, step: usize) -> Self {
        Cursor {
            t,
            y,
            h,
            step,
            slope: None,
        }
    }
}

/// Where a run stops.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stop<S> {
    /// The end of the span the controller clamps its last step to (adaptive).
    pub t_end: S,
    /// The step count (grid index, for a fixed grid) to stop at, if before `t_end`.
    pub step: Option<usize>,
}

/// One accepted step, as reported to the observer.
pub(crate) struct Accepted<'a, Y, S> {
    /// The time the step started from.
    pub t: S,
    /// Its size (signed).
    pub h: S,
    /// The state it started from.
    pub y: &'a Y,
    /// The cursor after the step.
    pub after: &'a Cursor<Y, S>,
}

/// Advances `cursor` until `stop`, calling `observe` after every accepted step; counts steps,
/// rejections and evaluations of F in `stats`.
pub(crate) fn advance<Y, F, O>(
    tableau: &Tableau,
    control: &Control<Y::Scalar>,
    f: &mut F,
    cursor: &mut Cursor<Y, Y::Scalar>,
    stop: Stop<Y::Scalar>,
    stats: &mut Stats,
    observe: &mut O,
) -> Result<(), Error>
where
    Y: Tangent,
    F: FnMut(&Y, Y::Scalar) -> Y,
    O: FnMut(Accepted<'_, Y, Y::Scalar>),
{
    match *control {
        Control::Fixed { .. } => {
            let target = stop.step.expect("a fixed grid stops at a grid index");
            while cursor.step != target {
                let next = if target > cursor.step {
                    cursor.step + 1
                } else {
                    cursor.step - 1
                };
                let (t, t_next) = (control.grid(cursor.step), control.grid(next));
                let h = t_next - t;
                let step = tableau::step(tableau, f, &cursor.y, t, h, None, &mut stats.evaluations);
                let y = core::mem::replace(&mut cursor.y, step.y);
                cursor.t = t_next;
                cursor.step = next;
                stats.steps += 1;
                observe(Accepted {
                    t,
                    h,
                    y: &y,
                    after: cursor,
                });
            }
            Ok(())
        }
        Control::Adaptive {
            rtol,
            atol,
            max_steps,
            ..
        } => adaptive(
            tableau, rtol, atol, max_steps, f, cursor, stop, stats, observe,
        ),
    }
}

/// The step size controller of HNW I, §II.4 (as in DOPRI5): accept when the scaled RMS norm of
/// the error estimate is at most 1, and scale h by 0.9·err^(−1/(q+1)), clamped to [0.2, 10],
/// and to at most 1 right after a rejection.
#[allow(clippy::too_many_arguments)]
fn adaptive<Y, F, O>(
    tableau: &Tableau,
    rtol: Y::Scalar,
    atol: Y::Scalar,
    max_steps: usize,
    f: &mut F,
    cursor: &mut Cursor<Y, Y::Scalar>,
    stop: Stop<Y::Scalar>,
    stats: &mut Stats,
    observe: &mut O,
) -> Result<(), Error>
where
    Y: Tangent,
    F: FnMut(&Y, Y::Scalar) -> Y,
    O: FnMut(Accepted<'_, Y, Y::Scalar>),
{
    let s = |x: f64| <Y::Scalar as Real>::from_f64(x);
    let exponent = s(1.0 / f64::from(tableau.error_order + 1));
    let mut rejected = false;
    let mut taken = 0usize;
    while cursor.t != stop.t_end && Some(cursor.step) != stop.step {
        if taken >= max_steps {
            return Err(Error::TooManySteps {
                t: cursor.t.to_f64(),
                max_steps,
            });
        }
        let remaining = stop.t_end - cursor.t;
        let mut h = cursor.h;
        // The last step lands on t_end; stretch a step by up to 1% rather than leave a sliver.
        let last = (h * s(1.01)).abs() >= remaining.abs();
        if last {
            h = remaining;
        }
        if h.abs() <= s(16.0) * Float::epsilon() * cursor.t.abs() || h == Zero::zero() {
            return Err(Error::StepSizeTooSmall {
                t: cursor.t.to_f64(),
                h: h.to_f64(),
            });
        }
        let step = tableau::step(
            tableau,
            f,
            &cursor.y,
            cursor.t,
            h,
            cursor.slope.take(),
            &mut stats.evaluations,
        );
        let error = step
            .error
            .as_ref()
            .expect("an adaptive scheme has an estimate");
        let err = error_norm(&cursor.y, &step.y, error, rtol, atol);
        if err <= One::one() {
            let max_factor = if rejected { s(1.0) } else { s(10.0) };
            let factor = if err == Zero::zero() {
                max_factor
            } else {
                (s(0.9) * err.powf(-exponent)).max(s(0.2)).min(max_factor)
            };
            let t = cursor.t;
            let t_new = if last { stop.t_end } else { t + h };
            let tableau::Step {
                mut k, y: y_new, ..
            } = step;
            // FSAL: the last slope is F(y⁺, t + h); valid as the next first slope unless the
            // new time was snapped to t_end.
            cursor.slope = (tableau.fsal && t_new == t + h).then(|| k.pop().expect("stages"));
            let y = core::mem::replace(&mut cursor.y, y_new);
            cursor.t = t_new;
            cursor.h = h * factor;
            cursor.step += 1;
            stats.steps += 1;
            taken += 1;
            rejected = false;
            observe(Accepted {
                t,
                h,
                y: &y,
                after: cursor,
            });
        } else {
            // A NaN error is a rejection too, and shrinks the step until it is too small.
            let factor = if err.is_finite() {
                (s(0.9) * err.powf(-exponent)).max(s(0.2))
            } else {
                s(0.2)
            };
            cursor.slope = step.k.into_iter().next();
            cursor.h = h * factor;
            stats.rejected += 1;
            rejected = true;
        }
    }
    Ok(())
}

/// The scaled RMS norm of HNW I, (4.11): sqrt(1/n·Σ (errᵢ / (atol + rtol·max(|yᵢ|, |y⁺ᵢ|)))²).
pub(crate) fn error_norm<Y: Tangent>(
    y: &Y,
    y_new: &Y,
    error: &Y,
    rtol: Y::Scalar,
    atol: Y::Scalar,
) -> Y::Scalar {
    let (y, y_new, error) = (y.to_flat(), y_new.to_flat(), error.to_flat());
    if error.is_empty() {
        return Zero::zero();
    }
    let sum = y
        .iter()
        .zip(&y_new)
        .zip(&error)
        .fold(Y::Scalar::zero(), |sum, ((&a, &b), &e)| {
            let scaled = e / (atol + rtol * a.abs().max(b.abs()));
            sum + scaled * scaled
        });
    (sum / <Y::Scalar as Real>::from_f64(error.len() as f64)).sqrt()
}

/// The starting step of HNW I, §II.4 ("Starting step size"), signed towards `t_end`: a step
/// whose explicit Euler increment is 1% of the state, refined by a second slope so that the
/// local error of a method of the given order is about the tolerance. Two evaluations of F.
#[allow(clippy::too_many_arguments)]
pub(crate) fn initial_step<Y, F>(
    tableau: &Tableau,
    f: &mut F,
    y: &Y,
    slope: &Y,
    t: Y::Scalar,
    t_end: Y::Scalar,
    rtol: Y::Scalar,
    atol: Y::Scalar,
    stats: &mut Stats,
) -> Y::Scalar
where
    Y: Tangent,
    F: FnMut(&Y, Y::Scalar) -> Y,
{
    let s = |x: f64| <Y::Scalar as Real>::from_f64(x);
    let span = t_end - t;
    let direction = if span < Zero::zero() { -s(1.0) } else { s(1.0) };
    let d0 = error_norm(y, y, y, rtol, atol);
    let d1 = error_norm(y, y, slope, rtol, atol);
    let h0 = if d0 < s(1e-5) || d1 < s(1e-5) {
        s(1e-6)
    } else {
        s(0.01) * d0 / d1
    }
    .min(span.abs());
    let mut y1 = y.clone();
    y1.axpy(direction * h0, slope);
    stats.evaluations += 1;
    let mut df = f(&y1, t + direction * h0);
    df.axpy(-s(1.0), slope);
    let d2 = error_norm(y, y, &df, rtol, atol) / h0;
    let h1 = if d1.max(d2) <= s(1e-15) {
        (h0 * s(1e-3)).max(s(1e-6))
    } else {
        (s(0.01) / d1.max(d2)).powf(s(1.0 / f64::from(tableau.order)))
    };
    direction * (s(100.0) * h0).min(h1).min(span.abs())
}

/// The cursor a run starts from at (t0, y0) towards `t_end`: for a fixed grid at index 0; for an
/// adaptive control with the given or the computed starting step and the first slope cached.
pub(crate) fn start<Y, F>(
    tableau: &Tableau,
    control: &Control<Y::Scalar>,
    f: &mut F,
    y0: Y,
    t0: Y::Scalar,
    t_end: Y::Scalar,
    stats: &mut Stats,
) -> Cursor<Y, Y::Scalar>
where
    Y: Tangent,
    F: FnMut(&Y, Y::Scalar) -> Y,
{
    match *control {
        Control::Fixed { .. } => Cursor::at(t0, y0, Zero::zero(), 0),
        Control::Adaptive {
            rtol,
            atol,
            initial_step: given,
            ..
        } => {
            if t0 == t_end {
                return Cursor::at(t0, y0, Zero::zero(), 0);
            }
            stats.evaluations += 1;
            let slope = f(&y0, t0);
            let h = match given {
                Some(h) => {
                    if t_end < t0 {
                        -h.abs()
                    } else {
                        h.abs()
                    }
                }
                None => initial_step(tableau, f, &y0, &slope, t0, t_end, rtol, atol, stats),
            };
            let mut cursor = Cursor::at(t0, y0, h, 0);
            cursor.slope = Some(slope);
            cursor
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fifth-order weights of DOPRI5 on a fixed grid: the error of u' = −u falls by 2⁵ when
    /// the step halves (the adaptive runs only show it through the step counts).
    #[test]
    fn dopri5_is_fifth_order_on_a_fixed_grid() {
        let errors: Vec<f64> = [8, 16, 32, 64]
            .iter()
            .map(|&n| {
                let control = Control::Fixed {
                    t0: 0.0,
                    t1: 2.0,
                    n,
                };
                let mut f = |u: &f64, _t: f64| -u;
                let mut stats = Stats::default();
                let mut cursor = Cursor::at(0.0, 1.0, 0.0, 0);
                let stop = Stop {
                    t_end: 2.0,
                    step: Some(n),
                };
                advance(
                    &Tableau::DOPRI5,
                    &control,
                    &mut f,
                    &mut cursor,
                    stop,
                    &mut stats,
                    &mut |_| {},
                )
                .unwrap();
                assert_eq!(stats.evaluations, 7 * n);
                (cursor.y - (-2f64).exp()).abs()
            })
            .collect();
        for w in errors.windows(2) {
            let order = (w[0] / w[1]).log2();
            assert!((order - 5.0).abs() < 0.35, "{order} from {errors:?}");
        }
    }

    /// A run restarted from a cursor saved at a step boundary repeats the original steps bit for
    /// bit, rejections and FSAL included.
    #[test]
    fn replays_from_a_boundary_are_exact() {
        let control = Control::Adaptive {
            rtol: 1e-7,
            atol: 1e-9,
            max_steps: 10_000,
            initial_step: None,
        };
        let mut f = |u: &[f64; 2], t: f64| [u[1], -20.0 * u[0] * (1.0 + t * t) - 0.1 * u[1]];
        let mut stats = Stats::default();
        let tableau = &Tableau::DOPRI5;
        let mut cursor = start(tableau, &control, &mut f, [1.0, 0.0], 0.0, 3.0, &mut stats);
        let mut boundaries = Vec::new();
        let stop = Stop {
            t_end: 3.0,
            step: None,
        };
        advance(
            tableau,
            &control,
            &mut f,
            &mut cursor,
            stop,
            &mut stats,
            &mut |s| {
                boundaries.push(Cursor::at(s.after.t, s.after.y, s.after.h, s.after.step));
            },
        )
        .unwrap();
        assert!(stats.rejected > 0 && boundaries.len() > 40, "{stats:?}");
        let (from, to) = (&boundaries[10], &boundaries[40]);
        let mut replay = Cursor::at(from.t, from.y, from.h, from.step);
        let stop = Stop {
            t_end: 3.0,
            step: Some(to.step),
        };
        let mut i = 11;
        advance(
            tableau,
            &control,
            &mut f,
            &mut replay,
            stop,
            &mut Stats::default(),
            &mut |s| {
                assert_eq!(
                    (s.after.t, s.after.y, s.after.h),
                    (boundaries[i].t, boundaries[i].y, boundaries[i].h)
                );
                i += 1;
            },
        )
        .unwrap();
        assert_eq!((replay.t, replay.y), (to.t, to.y));
    }
}
