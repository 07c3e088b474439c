//! The largest and smallest entries of a vector or matrix: nalgebra's `max()`, `min()`,
//! `amax()` (largest absolute value) and `amin()`.
//!
//! y = a_k for the entry k that is selected (the first one, in column-major order, where
//! several tie), or |a_k| for `amax` and `amin`. Where the selection does not change under a
//! small perturbation, the derivative is that of the selected entry: forward dy = s·da_k,
//! reverse Ā = ȳ·s·e_k, with s the sign of a_k for `amax`/`amin` (of its zero's sign at a zero
//! entry, a one-sided value) and 1 otherwise, and the
//! second derivative is zero. At a tie the derivative is the selected entry's, a one-sided
//! value (as for `f64::max` of two floats).

// The second-order companions return a pair and a pullback, as every rule's does.
#![allow(clippy::type_complexity)]

use super::both;
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, OMatrix, RealField};

/// Which entry a rule selects.
#[derive(Clone, Copy)]
enum Extremum {
    Max,
    Min,
    AbsMax,
    AbsMin,
}

/// The selected entry's index (column-major), the value, and the sign `s` of `dy = s·da_k`.
fn select<T, R, C>(a: &OMatrix<T, R, C>, extremum: Extremum) -> (usize, T, T)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    assert!(!a.is_empty(), "the extremum of an empty matrix");
    let key = |x: T| match extremum {
        Extremum::Max | Extremum::Min => x,
        Extremum::AbsMax | Extremum::AbsMin => <T as nalgebra::ComplexField>::abs(x),
    };
    let better = |candidate: T, best: T| match extremum {
        Extremum::Max | Extremum::AbsMax => candidate > best,
        Extremum::Min | Extremum::AbsMin => candidate < best,
    };
    let mut k = 0;
    for (i, x) in a.iter().enumerate() {
        if better(key(*x), key(a[k])) {
            k = i;
        }
    }
    let sign = match extremum {
        Extremum::Max | Extremum::Min => T::one(),
        Extremum::AbsMax | Extremum::AbsMin => <T as nalgebra::ComplexField>::signum(a[k]),
    };
    (k, key(a[k]), sign)
}

fn jvp<T, R, C>(a: &OMatrix<T, R, C>, a_dot: &OMatrix<T, R, C>, extremum: Extremum) -> (T, T)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let (k, y, sign) = select(a, extremum);
    (y, sign * a_dot[k])
}

fn vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    extremum: Extremum,
) -> (T, impl Fn(T) -> OMatrix<T, R, C> + use<T, R, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let (k, y, sign) = select(a, extremum);
    let (r, c) = a.shape_generic();
    (y, move |y_bar: T| {
        let mut a_bar = OMatrix::<T, R, C>::zeros_generic(r, c);
        a_bar[k] = sign * y_bar;
        a_bar
    })
}

/// Declares the four companions of one extremum.
macro_rules! extremum_rules {
    ($extremum:ident, $name:ident, $jvp:ident, $vjp:ident, $jvp_vjp:ident, $what:literal,
     $example:literal, $value:literal, $selected:literal) => {
        #[doc = concat!("The ", $what, " of the entries of `a` (nalgebra's `", $example, "`).")]
        ///
        /// ```
        #[doc = concat!("use matcalc_runtime::linalg::", stringify!($name), ";")]
        /// use nalgebra::Vector3;
        #[doc = concat!("assert_eq!(", stringify!($name), "(&Vector3::new(-3.0, 2.0, 1.0)), ", $value, ");")]
        /// ```
        pub fn $name<T, R, C>(a: &OMatrix<T, R, C>) -> T
        where
            T: Real + RealField,
            R: Dim,
            C: Dim,
            DefaultAllocator: Allocator<R, C>,
        {
            select(a, Extremum::$extremum).1
        }

        #[doc = concat!("Forward mode of [`", stringify!($name), "`]: the value and the tangent of the selected entry.")]
        ///
        /// ```
        #[doc = concat!("use matcalc_runtime::linalg::", stringify!($jvp), ";")]
        /// use nalgebra::Vector3;
        #[doc = concat!("let (_, y_dot) = ", stringify!($jvp), "(&Vector3::new(-3.0, 2.0, 1.0), &Vector3::new(1.0, 2.0, 3.0));")]
        #[doc = concat!("assert_eq!(y_dot, ", $selected, ");")]
        /// ```
        pub fn $jvp<T, R, C>(a: &OMatrix<T, R, C>, a_dot: &OMatrix<T, R, C>) -> (T, T)
        where
            T: Real + RealField,
            R: Dim,
            C: Dim,
            DefaultAllocator: Allocator<R, C>,
        {
            jvp(a, a_dot, Extremum::$extremum)
        }

        #[doc = concat!("Reverse mode of [`", stringify!($name), "`]: the value and the pullback, which puts ȳ on the selected entry.")]
        ///
        /// ```
        #[doc = concat!("use matcalc_runtime::linalg::", stringify!($vjp), ";")]
        /// use nalgebra::Vector3;
        #[doc = concat!("let (_, pullback) = ", stringify!($vjp), "(&Vector3::new(-3.0, 2.0, 1.0));")]
        #[doc = concat!("assert_eq!(pullback(1.0).dot(&Vector3::new(1.0, 2.0, 3.0)), ", $selected, ");")]
        /// ```
        pub fn $vjp<T, R, C>(
            a: &OMatrix<T, R, C>,
        ) -> (T, impl Fn(T) -> OMatrix<T, R, C> + use<T, R, C>)
        where
            T: Real + RealField,
            R: Dim,
            C: Dim,
            DefaultAllocator: Allocator<R, C>,
        {
            vjp(a, Extremum::$extremum)
        }

        #[doc = concat!("Second order of [`", stringify!($name), "`], the reverse mode of [`", stringify!($jvp), "`]: linear near `a`, so both adjoints land on the selected entry.")]
        ///
        /// ```
        #[doc = concat!("use matcalc_runtime::linalg::", stringify!($jvp_vjp), ";")]
        /// use nalgebra::Vector3;
        /// let a = Vector3::new(-3.0, 2.0, 1.0);
        #[doc = concat!("let (_, pullback) = ", stringify!($jvp_vjp), "(&a, &a);")]
        /// let (a_bar, a_dot_bar) = pullback((1.0, 0.0));
        /// assert_eq!(a_dot_bar, Vector3::zeros());
        /// assert_eq!(a_bar.iter().filter(|x| **x != 0.0).count(), 1);
        /// ```
        pub fn $jvp_vjp<T, R, C>(
            a: &OMatrix<T, R, C>,
            a_dot: &OMatrix<T, R, C>,
        ) -> (
            (T, T),
            impl Fn((T, T)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
        )
        where
            T: Real + RealField,
            R: Dim,
            C: Dim,
            DefaultAllocator: Allocator<R, C>,
        {
            // (y, ẏ) = (a_k, s·ȧ_k) is linear in (a, ȧ) near a: Ā = s·ȳ·e_k, Ǡ = s·ẏ̄·e_k.
            (
                jvp(a, a_dot, Extremum::$extremum),
                both(vjp(a, Extremum::$extremum).1),
            )
        }
    };
}

extremum_rules!(
    Max,
    max_entry,
    max_entry_jvp,
    max_entry_vjp,
    max_entry_jvp_vjp,
    "largest",
    "a.max()",
    "2.0",
    "2.0"
);
extremum_rules!(
    Min,
    min_entry,
    min_entry_jvp,
    min_entry_vjp,
    min_entry_jvp_vjp,
    "smallest",
    "a.min()",
    "-3.0",
    "1.0"
);
extremum_rules!(
    AbsMax,
    amax,
    amax_jvp,
    amax_vjp,
    amax_jvp_vjp,
    "largest absolute value",
    "a.amax()",
    "3.0",
    "-1.0"
);
extremum_rules!(
    AbsMin,
    amin,
    amin_jvp,
    amin_vjp,
    amin_jvp_vjp,
    "smallest absolute value",
    "a.amin()",
    "1.0",
    "3.0"
);
