//! Interval bounds of generated values. Every expression the generator writes carries an interval
//! that contains its value at every point the checks evaluate (the sampled points and the
//! finite-difference steps around them), so that the generator can keep arguments inside the
//! domains of `ln`, `sqrt`, `asin`, ..., keep magnitudes moderate, and put the thresholds of
//! comparisons of active values far from the values compared.

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iv {
    pub lo: f64,
    pub hi: f64,
}

impl Iv {
    pub fn new(lo: f64, hi: f64) -> Self {
        assert!(
            lo <= hi && lo.is_finite() && hi.is_finite(),
            "bad interval [{lo}, {hi}]"
        );
        Iv { lo, hi }
    }

    pub fn point(c: f64) -> Self {
        Iv::new(c, c)
    }

    /// `[-m, m]`.
    pub fn sym(m: f64) -> Self {
        Iv::new(-m, m)
    }

    pub fn abs_max(self) -> f64 {
        self.lo.abs().max(self.hi.abs())
    }

    /// The smallest absolute value (0 if the interval contains 0).
    pub fn abs_min(self) -> f64 {
        if self.lo > 0.0 {
            self.lo
        } else if self.hi < 0.0 {
            -self.hi
        } else {
            0.0
        }
    }

    /// Whether every value is at least `m` away from 0.
    pub fn away_from_zero(self, m: f64) -> bool {
        self.lo >= m || self.hi <= -m
    }

    pub fn union(self, o: Iv) -> Iv {
        Iv::new(self.lo.min(o.lo), self.hi.max(o.hi))
    }

    pub fn add(self, o: Iv) -> Iv {
        Iv::new(self.lo + o.lo, self.hi + o.hi)
    }

    pub fn sub(self, o: Iv) -> Iv {
        Iv::new(self.lo - o.hi, self.hi - o.lo)
    }

    pub fn neg(self) -> Iv {
        Iv::new(-self.hi, -self.lo)
    }

    pub fn mul(self, o: Iv) -> Iv {
        let c = [
            self.lo * o.lo,
            self.lo * o.hi,
            self.hi * o.lo,
            self.hi * o.hi,
        ];
        Iv::new(
            c.iter().copied().fold(f64::INFINITY, f64::min),
            c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    }

    pub fn scale(self, c: f64) -> Iv {
        self.mul(Iv::point(c))
    }

    /// The reciprocal of an interval away from zero.
    pub fn recip(self) -> Iv {
        assert!(self.away_from_zero(1e-9), "recip of {self:?}");
        Iv::new(1.0 / self.hi, 1.0 / self.lo)
    }

    pub fn div(self, o: Iv) -> Iv {
        self.mul(o.recip())
    }

    pub fn square(self) -> Iv {
        Iv::new(self.abs_min().powi(2), self.abs_max().powi(2))
    }

    /// The image under an increasing function.
    pub fn increasing(self, f: impl Fn(f64) -> f64) -> Iv {
        Iv::new(f(self.lo), f(self.hi))
    }

    /// The image under a decreasing function.
    pub fn decreasing(self, f: impl Fn(f64) -> f64) -> Iv {
        Iv::new(f(self.hi), f(self.lo))
    }

    /// The image under an even function increasing in |x|.
    pub fn even(self, f: impl Fn(f64) -> f64) -> Iv {
        Iv::new(f(self.abs_min()), f(self.abs_max()))
    }

    /// Widened by a relative and an absolute margin (for rounding and for intervals that the
    /// generator only estimates).
    pub fn widen(self, m: f64) -> Iv {
        let w = m * (1.0 + self.abs_max());
        Iv::new(self.lo - w, self.hi + w)
    }
}
