//! Memory of reverse mode, measured by a counting global allocator: the tape of a loop of
//! 10^7 iterations with scalar state (its size per iteration, against a documented bound), and
//! repeated calls (of the gradient, and of one pullback) that must not grow memory.
//!
//! Reverse mode records, per executed iteration of a loop body, the values its derivative needs
//! on the body's own tape; a loop body without control flow of its own adds nothing to the
//! control tape per iteration (the loop records its trip count once; DESIGN.md, "How the
//! transformation works"): memory is the trip count times the residuals of the body. For the
//! logistic step below, `u ← u + h·r·u·(1 − u)`, that is 40 bytes per iteration, five `f64`:
//! h for the adjoint of r in h·r, and both factors of (h·r)·u and of (h·r·u)·(1 − u); the
//! factor of a product whose own adjoint is not needed is kept as its type only (size zero).
//! A tape of the live state u alone would take 8 bytes: h and h·r do not change in the loop.
//! [`USED`] bounds it; the tapes grow by doubling, so they hold up to twice that.
//!
//! A tape's buffer goes back to its thread's pool when the pullback is dropped, and the next
//! gradient on that thread records into it: a second gradient allocates no tape memory at all.
//! So each measurement runs on a thread of its own ([`on_a_fresh_thread`]), whose pool starts
//! empty and is freed when the thread ends.
//!
//! A loop under `#[checkpoint]` keeps the state it starts from instead: the same logistic loop
//! then holds tens of kilobytes (its kept states) where recording takes 400 MB, and an explicit-Euler heat equation on 1,000
//! cells for 10^5 steps (a state of 8 KB per step) stays within 64 MB.
//!
//! Run the full 10^7 iterations (and 10^5 heat steps) with
//! `cargo test --release --test memory -- --nocapture` (the debug build runs 10^6 and 10^3;
//! both print the bytes).
//!
//! The allocator is the one piece of `unsafe` in the tests: a `GlobalAlloc` has to be an
//! `unsafe impl`. The crates forbid `unsafe_code`; this test binary is a crate of its own, which
//! does not inherit that attribute.

#[path = "common/heat.rs"]
mod heat;
#[path = "common/logistic.rs"]
mod logistic;
use heat::heat_checkpointed_grad;
use logistic::{logistic_grad, logistic_gradient_by_hand, logistic_hvp, logistic_vjp};
use matcalc::differentiate;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes per iteration the tapes of [`logistic`] use (measured at trip counts 2^k, where the
/// doubling tape of the loop body is full): five `f64`.
const USED: f64 = 40.0;

/// Bytes the tapes hold whatever the trip count: the control tape (the segments before, in and
/// after the loop) and the trip tape (the loop's count), a few entries each.
const FIXED: f64 = 256.0;

/// Bytes per iteration the tapes may hold at any trip count: twice [`USED`], the spare capacity
/// of a tape that just doubled.
const BOUND: f64 = 2.0 * USED;

/// The iterations of the big loop: 10^7 in release, 10^6 in debug (where the loop is slower).
const STEPS: usize = if cfg!(debug_assertions) {
    1_000_000
} else {
    10_000_000
};

/// The steps of the checkpointed heat equation: 10^5 in release, 10^3 in debug.
const HEAT_STEPS: usize = if cfg!(debug_assertions) {
    1_000
} else {
    100_000
};

/// The most a checkpointed gradient of the heat equation on 1,000 cells may hold, whatever its
/// number of steps: 64 MB (recording every step takes about 150 KB each, 14 GB at 10^5).
const HEAT_BOUND: usize = 64 << 20;

// ============================================================================ the allocator

/// `System`, counting the bytes currently allocated and the peak since the last reset.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The bytes this thread allocated and has not freed, and their peak since the last reset:
    /// a measurement on a thread of its own is not disturbed by what the test harness's other
    /// threads allocate meanwhile. (Const-initialized and without a destructor: reading it
    /// allocates nothing, at any point of the thread's life.)
    static MINE: Cell<(isize, isize)> = const { Cell::new((0, 0)) };
}

fn grow(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
    let _ = MINE.try_with(|mine| {
        let (current, peak) = mine.get();
        let current = current + bytes as isize;
        mine.set((current, peak.max(current)));
    });
}

fn shrink(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::Relaxed);
    let _ = MINE.try_with(|mine| {
        let (current, peak) = mine.get();
        mine.set((current - bytes as isize, peak));
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments, so it upholds the
// contract of `GlobalAlloc` exactly as `System` does; the counters only observe the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (the caller guarantees a nonzero size).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator (that is, by `System`) with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `dealloc`, and the caller guarantees a valid `new_size`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                shrink(layout.size() - new_size);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tests of this file run one at a time: each measures what its own threads allocate, and
/// one what every thread holds after the others have ended.
static SERIAL: Mutex<()> = Mutex::new(());

/// The bytes allocated and not freed, by every thread.
fn all_threads() -> usize {
    CURRENT.load(Ordering::Relaxed)
}

/// The bytes this thread allocated and has not freed (relative to its start).
fn current() -> isize {
    MINE.with(|mine| mine.get().0)
}

/// Resets this thread's peak to its current allocation and returns it.
fn reset_peak() -> isize {
    MINE.with(|mine| {
        let (current, _) = mine.get();
        mine.set((current, current));
        current
    })
}

/// This thread's peak allocation since the last reset.
fn peak() -> isize {
    MINE.with(|mine| mine.get().1)
}

// ============================================================================ the programs

/// [`logistic`](logistic::logistic) with its loop under `#[checkpoint]`.
#[differentiate(hessian)]
fn logistic_checkpointed(u0: f64, r: f64, steps: usize) -> f64 {
    let h = 1.0 / steps as f64;
    let mut u = u0;
    #[checkpoint]
    for _ in 0..steps {
        u = u + h * r * u * (1.0 - u);
    }
    u
}

/// The bytes a gradient allocated at its peak, on a thread of its own, and its result.
fn peak_of<R: Send>(gradient: impl FnOnce() -> R + Send) -> (usize, R) {
    on_a_fresh_thread(|| {
        let before = reset_peak();
        let result = gradient();
        ((peak() - before) as usize, result)
    })
}

/// What one reverse pass through `steps` iterations holds: the bytes the pullback keeps (its
/// tapes) and the peak during the forward sweep, both per iteration.
struct TapeSize {
    retained: f64,
    peak: f64,
}

/// Runs `f` on a new thread and waits for it to end: its pool of tapes starts empty, and is
/// freed (with the thread's other thread-locals) before this returns.
fn on_a_fresh_thread<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| scope.spawn(f).join().expect("the measured thread panicked"))
}

fn measure(steps: usize) -> TapeSize {
    on_a_fresh_thread(|| measure_here(steps))
}

fn measure_here(steps: usize) -> TapeSize {
    let before = reset_peak();
    let (value, pullback) = logistic_vjp(0.1, 2.0, steps);
    let retained = current() - before;
    let peak = peak() - before;
    // the pullback is the one the sizes belong to: use it
    let (du0, dr) = pullback(1.0);
    assert!(value.is_finite() && du0.is_finite() && dr.is_finite());
    drop(pullback);
    TapeSize {
        retained: retained as f64 / steps as f64,
        peak: peak as f64 / steps as f64,
    }
}

// ============================================================================ the tests

/// The tape of the logistic loop at [`STEPS`] iterations stays within [`BOUND`] bytes per
/// iteration (retained by the pullback, and at the peak of the forward sweep), and the gradient
/// is the hand-written adjoint's.
#[test]
fn tape_of_a_long_loop_is_within_the_bound() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let size = measure(STEPS);
    println!(
        "reverse mode through {STEPS} iterations of scalar state: {:.1} bytes per iteration \
         retained by the pullback, {:.1} at the peak of the forward sweep (bound {BOUND})",
        size.retained, size.peak
    );
    assert!(
        size.retained <= BOUND && size.peak <= BOUND,
        "tape of {:.1} bytes per iteration retained, {:.1} at the peak: above the bound {BOUND}",
        size.retained,
        size.peak
    );
    // not trivially small either: the tape is there
    assert!(
        size.retained >= 8.0,
        "{:.1} bytes per iteration",
        size.retained
    );

    // on a thread of its own, which frees its tapes before the next test measures
    let (_, (du0, dr)) = on_a_fresh_thread(|| logistic_grad(0.1, 2.0, STEPS));
    let (hand_u0, hand_r) = logistic_gradient_by_hand(0.1, 2.0, STEPS);
    assert!(
        (du0 - hand_u0).abs() <= 1e-12 * hand_u0.abs(),
        "{du0} vs {hand_u0}"
    );
    assert!(
        (dr - hand_r).abs() <= 1e-12 * hand_r.abs(),
        "{dr} vs {hand_r}"
    );
}

/// At trip counts 2^k (full tapes, no spare capacity) the size per iteration is the same at
/// every trip count, within [`USED`] and [`FIXED`]: the tape is linear in the trip count.
#[test]
fn tape_size_per_iteration_is_constant() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let sizes: Vec<(usize, f64)> = [1 << 12, 1 << 16, 1 << 20]
        .into_iter()
        .map(|steps| (steps, measure(steps).retained))
        .collect();
    println!("bytes per iteration used by the tapes, by trip count: {sizes:?}");
    let first = sizes[0].1;
    for &(steps, size) in &sizes {
        assert!(
            size * steps as f64 <= USED * steps as f64 + FIXED,
            "{steps} iterations: {size:.3} bytes per iteration"
        );
        assert!(
            (size - first).abs() <= 0.01 * first,
            "{steps} iterations: {size:.2} bytes per iteration, {first:.2} at 4096"
        );
    }
}

/// A sum over a parameter the function never writes.
#[differentiate]
fn chained_products(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..x.len() - 1 {
        s += x[k] * x[k + 1] + (x[k] - 1.0).powi(2);
    }
    s
}

/// A loop that only reads a parameter the function never writes records nothing per
/// iteration: the pullback computes each iteration's values again from one copy of the
/// parameter (8 bytes per entry), where it recorded two factors and an index before.
#[test]
fn reads_of_a_parameter_never_written_are_not_recorded() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let x: Vec<f64> = (0..STEPS).map(|k| (k as f64 * 0.001).sin()).collect();
    let retained = on_a_fresh_thread(|| {
        let before = reset_peak();
        let (value, pullback) = chained_products_vjp(&x);
        let retained = current() - before;
        let gradient = pullback(1.0);
        assert!(value.is_finite() && gradient.iter().all(|g| g.is_finite()));
        retained as f64 / STEPS as f64
    });
    println!("a loop over {STEPS} entries it only reads: {retained:.2} bytes per entry retained");
    assert!(retained <= 8.0 + 0.01, "{retained:.2} bytes per entry");
}

/// A sum over a parameter the function never writes, scaled by a float parameter.
#[differentiate]
fn scaled_squares(x: &[f64], k: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += k * x[i] * x[i];
    }
    s
}

/// A float parameter is kept once, like a slice: the loop records nothing per iteration, where
/// it recorded the parameter and a product in each before.
#[test]
fn a_float_parameter_is_not_recorded_per_iteration() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let x: Vec<f64> = (0..STEPS).map(|k| (k as f64 * 0.001).cos()).collect();
    let retained = on_a_fresh_thread(|| {
        let before = reset_peak();
        let (value, pullback) = scaled_squares_vjp(&x, 1.5);
        let retained = current() - before;
        let (gradient, k_bar) = pullback(1.0);
        assert!(value.is_finite() && k_bar.is_finite() && gradient.iter().all(|g| g.is_finite()));
        retained as f64 / STEPS as f64
    });
    println!(
        "a loop over {STEPS} entries scaled by a float: {retained:.2} bytes per entry retained"
    );
    assert!(retained <= 8.0 + 0.01, "{retained:.2} bytes per entry");
}

/// Calling `f_grad` again and again, and one pullback again and again, grows no memory: a
/// gradient after the first allocates no tape (its tapes reuse the first one's buffers), and
/// every byte is returned when the thread that held the buffers ends.
#[test]
fn repeated_calls_do_not_grow_memory() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let steps = STEPS / 10;
    let baseline = all_threads();
    on_a_fresh_thread(|| {
        let first = logistic_grad(0.1, 2.0, steps);
        let before = reset_peak();
        let second = logistic_grad(0.1, 2.0, steps);
        let allocated = peak() - before;
        println!("a second gradient through {steps} iterations allocated {allocated} bytes");
        assert!(
            allocated <= 64 * 1024,
            "a second call of f_grad allocated {allocated} bytes: its tapes are not reused"
        );
        assert_eq!(second, first);
        let mut last = second;
        for _ in 0..20 {
            last = logistic_grad(0.1, 2.0, steps);
        }
        let after = current();
        assert!(
            after <= before + 64 * 1024,
            "20 calls of f_grad grew the allocation from {before} to {after} bytes"
        );
        assert_eq!(last, first);

        let (_, pullback) = logistic_vjp(0.1, 2.0, steps);
        let holding = current();
        let first = pullback(1.0);
        for _ in 0..20 {
            assert_eq!(pullback(1.0), first);
        }
        let after = current();
        assert!(
            after <= holding + 64 * 1024,
            "20 calls of one pullback grew the allocation from {holding} to {after} bytes"
        );
        drop(pullback);

        // second order through the loop (reverse over forward mode): the same
        let _ = logistic_hvp(0.1, 2.0, steps, 1.0, 0.0);
        let before = current();
        for _ in 0..5 {
            let _ = logistic_hvp(0.1, 2.0, steps, 1.0, 0.0);
        }
        assert!(current() <= before + 64 * 1024);
    });
    let after = all_threads();
    assert!(
        after <= baseline + 64 * 1024,
        "the tapes were not freed with their thread: {baseline} bytes before, {after} after"
    );
}

/// Σ vᵢ², the function called once per point below.
#[differentiate]
fn squares(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i] * v[i];
    }
    s
}

/// A loop that calls an annotated function once per point, as ADBench's GMM calls `logsumexp`:
/// each call's pullback, with its tapes, lives until this function's pullback is dropped.
#[differentiate]
fn per_point(x: &[f64], width: usize) -> f64 {
    let mut row = vec![0.0; width];
    let mut total = 0.0;
    for i in 0..x.len() / width {
        for j in 0..width {
            row[j] = x[i * width + j];
        }
        total += squares(&row);
    }
    total
}

/// The tapes of the thousands of calls a loop makes come back to the pool with the caller's
/// pullback, and the next gradient takes them all again: it allocates no tape.
#[test]
fn the_tapes_of_a_call_in_a_loop_are_reused() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (points, width) = (4000, 3);
    let x: Vec<f64> = (0..points * width)
        .map(|k| (k as f64 * 0.01).cos())
        .collect();
    on_a_fresh_thread(|| {
        let first = per_point_grad(&x, width);
        let before = reset_peak();
        let second = per_point_grad(&x, width);
        let allocated = peak() - before;
        println!("a second gradient through {points} calls allocated {allocated} bytes");
        assert_eq!(second, first);
        // what is left is the gradient itself and the callee's adjoint buffers
        let gradient = (points * width * std::mem::size_of::<f64>()) as isize;
        assert!(
            allocated <= gradient + 64 * 1024,
            "a second gradient through {points} calls allocated {allocated} bytes"
        );
    });
}

/// A scalar function with branches and an early return, but no loop.
#[differentiate]
fn branchy(x: f64, y: f64) -> f64 {
    let mut z = x * y;
    if z > 1.0 {
        z = z.ln() * y;
    } else {
        if x < -1.0 {
            return x * x;
        }
        z = (z * x).exp() - y;
    }
    z * x
}

/// A function without loops keeps what its pullback needs in the pullback itself: each of its
/// segments runs at most once, so its gradient allocates nothing at all, on its first call too.
#[test]
fn a_function_without_loops_allocates_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for (x, y) in [(2.0, 3.0), (0.5, 0.25), (-2.0, 0.1)] {
        let (allocated, (value, gradient)) = peak_of(|| branchy_grad(x, y));
        assert_eq!(value, branchy(x, y));
        assert!(gradient.0.is_finite() && gradient.1.is_finite());
        assert_eq!(
            allocated, 0,
            "the gradient at ({x}, {y}) allocated {allocated} bytes"
        );
    }
}

/// The second-order tape (`f_hvp`, reverse mode over the forward mode) per iteration, reported
/// beside the first-order one: it records tangents as well, so it is allowed twice [`USED`]
/// (measured at a trip count 2^k, where the tapes are full).
#[test]
fn second_order_tape_of_a_long_loop() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let steps = 1 << 20;
    let (peak, (gradient, hv)) = on_a_fresh_thread(|| {
        let before = reset_peak();
        let (_, gradient, hv) = logistic_hvp(0.1, 2.0, steps, 1.0, 0.0);
        ((peak() - before) as f64 / steps as f64, (gradient, hv))
    });
    println!("f_hvp through {steps} iterations: {peak:.1} bytes per iteration at the peak");
    assert!(gradient.0.is_finite() && hv.0.is_finite());
    assert!(peak <= 2.0 * USED, "{peak:.1} bytes per iteration");
}

/// The logistic loop of [`STEPS`] iterations under `#[checkpoint]`: its gradient is the recorded
/// one bit for bit, and it holds at its peak at most 1% of what recording every iteration holds.
#[test]
fn a_checkpointed_loop_holds_a_hundredth_of_the_tape() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (recorded_peak, recorded) = peak_of(|| logistic_grad(0.1, 2.0, STEPS));
    let (checkpointed_peak, checkpointed) = peak_of(|| logistic_checkpointed_grad(0.1, 2.0, STEPS));
    println!(
        "the gradient through {STEPS} iterations holds {recorded_peak} bytes at its peak \
         recorded, {checkpointed_peak} checkpointed ({:.4}%)",
        100.0 * checkpointed_peak as f64 / recorded_peak as f64
    );
    assert_eq!(checkpointed, recorded);
    assert!(
        checkpointed_peak * 100 <= recorded_peak,
        "checkpointed: {checkpointed_peak} bytes, above 1% of the recorded {recorded_peak}"
    );
    // second order checkpoints the same loop (the reverse of the tangent program)
    let steps = STEPS / 10;
    let (recorded_peak, recorded) = peak_of(|| logistic_hvp(0.1, 2.0, steps, 1.0, 0.0));
    let (checkpointed_peak, checkpointed) =
        peak_of(|| logistic_checkpointed_hvp(0.1, 2.0, steps, 1.0, 0.0));
    println!(
        "a Hessian-vector product through {steps} iterations holds {recorded_peak} bytes at its \
         peak recorded, {checkpointed_peak} checkpointed"
    );
    assert_eq!(checkpointed, recorded);
    assert!(checkpointed_peak * 100 <= recorded_peak);
}

/// The heat equation on 1,000 cells for [`HEAT_STEPS`] steps under `#[checkpoint]`: the
/// gradient with respect to the initial state and c within [`HEAT_BOUND`]. (That it equals the
/// recorded gradient, at 10^3 steps, and central differences, is in `tests/checkpoint.rs`.)
#[test]
fn a_long_simulation_within_64_megabytes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let u0: Vec<f64> = (0..1000)
        .map(|j| (std::f64::consts::PI * j as f64 / 999.0).sin())
        .collect();
    let (peak, (value, (du0, dc))) = peak_of(|| heat_checkpointed_grad(&u0, 0.25, HEAT_STEPS));
    println!(
        "the heat equation on 1,000 cells for {HEAT_STEPS} steps: {:.1} MB at the peak of its \
         checkpointed gradient (bound {} MB)",
        peak as f64 / (1 << 20) as f64,
        HEAT_BOUND >> 20
    );
    assert!(value.is_finite() && dc.is_finite() && du0.iter().all(|d| d.is_finite()));
    assert!(peak <= HEAT_BOUND, "{peak} bytes");
}
