//! The tapes of reverse mode, whose buffers are reused from one gradient to the next.
//!
//! The forward sweep of a generated `f_vjp` records what its pullback needs on tapes, vectors
//! that grow with the trip counts of its loops. Allocated afresh for every gradient, a tape of
//! tens of megabytes is fresh memory each time: the kernel maps and zeroes every page on first
//! touch, and that page faulting cost more than the arithmetic of the gradient (ADBench GMM). A
//! [`Tape`] takes its buffer from a pool of its thread and gives it back, emptied, when the
//! pullback that owns it is dropped, so the next gradient of the same function records into
//! memory already mapped and already large enough.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::{Deref, DerefMut};

/// The buffers a thread always keeps of each record type: enough for the tapes of a function and
/// of the few annotated functions it calls.
const BUFFERS_KEPT_PER_TYPE: usize = 8;

/// More buffers of a record type are kept while the pool holds at most this many bytes: a
/// function that calls an annotated function in a loop keeps one pullback per call alive until
/// its own pullback is dropped, each with its tapes (ADBench GMM calls `logsumexp` once per
/// point), and without them every gradient would allocate all those tapes again.
const POOL_BYTES_FOR_MORE_BUFFERS: usize = 1 << 26;

/// The most buffers kept of one record type, however small.
const MOST_BUFFERS_KEPT_PER_TYPE: usize = 1 << 16;

/// The largest buffer a thread keeps, in bytes: a one-off gradient of a very long loop does not
/// pin its memory for the life of the thread.
const LARGEST_BUFFER_KEPT: usize = 1 << 30;

thread_local! {
    /// Empty buffers by the type of their records: for the `TypeId` of each `T`, a
    /// `Vec<Vec<T>>` of buffers. One box per record type for the life of the thread, so that
    /// taking a buffer and giving it back allocate nothing; looked up by the `TypeId` itself
    /// (see [`TypeIdHasher`]).
    static POOL: RefCell<HashMap<TypeId, Box<dyn Any>, BuildHasherDefault<TypeIdHasher>>> =
        RefCell::default();
    /// The bytes of the buffers in [`POOL`].
    static POOLED_BYTES: Cell<usize> = const { Cell::new(0) };
}

/// The hasher of [`POOL`]'s keys: a `TypeId` is already a hash of its type, which hashing
/// again (with the standard library's SipHash) only makes slower. A gradient takes a buffer
/// from the pool and gives it back for each of its tapes, so this is on every call.
#[derive(Default)]
struct TypeIdHasher(u64);

impl Hasher for TypeIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, value: u64) {
        self.0 ^= value;
    }

    // `TypeId` writes one `u64` today; whatever else it may write is folded in (FNV-1a).
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The bytes of the tape buffers this thread keeps for reuse: after a gradient on a new
/// thread, the memory its tapes took (the buffers' capacity, up to twice what they held).
///
/// ```
/// use matcalc_runtime::__private::{Tape, pooled_bytes};
///
/// std::thread::spawn(|| {
///     let mut tape: Tape<f64> = Tape::new();
///     tape.extend([1.0; 100]);
///     drop(tape);
///     assert!(pooled_bytes() >= 800);
/// })
/// .join()
/// .unwrap();
/// ```
pub fn pooled_bytes() -> usize {
    POOLED_BYTES.try_with(Cell::get).unwrap_or(0)
}

/// The bytes of a buffer of `capacity` records of `T`.
fn bytes<T>(capacity: usize) -> usize {
    capacity.saturating_mul(std::mem::size_of::<T>())
}

/// Adds `change` bytes to (or with `add` false, takes them from) [`POOLED_BYTES`].
fn count_pooled(change: usize, add: bool) {
    let _ = POOLED_BYTES.try_with(|pooled| {
        pooled.set(if add {
            pooled.get() + change
        } else {
            pooled.get().saturating_sub(change)
        })
    });
}

/// A growable record of values, a `Vec<T>` in all but its allocation: its buffer comes from its
/// thread's pool and returns there when the tape is dropped (see the module docs).
///
/// ```
/// use matcalc_runtime::__private::Tape;
///
/// let mut tape = Tape::new();
/// tape.push((1.5, 2_usize));
/// assert_eq!(tape[0], (1.5, 2));
/// drop(tape);
/// // The next tape of the same record type reuses the buffer, emptied.
/// let again: Tape<(f64, usize)> = Tape::new();
/// assert!(again.is_empty() && again.capacity() >= 1);
/// ```
pub struct Tape<T: 'static> {
    records: Vec<T>,
}

impl<T: 'static> Tape<T> {
    /// An empty tape, with the buffer of an earlier tape of the same record type if its thread
    /// kept one.
    pub fn new() -> Self {
        // records of no size take no memory: nothing to reuse
        if std::mem::size_of::<T>() == 0 {
            return Tape {
                records: Vec::new(),
            };
        }
        let reused = POOL
            .try_with(|pool| {
                let mut pool = pool.borrow_mut();
                let buffers = pool.get_mut(&TypeId::of::<T>())?;
                let records = buffers.downcast_mut::<Vec<Vec<T>>>()?.pop()?;
                count_pooled(bytes::<T>(records.capacity()), false);
                Some(records)
            })
            .ok()
            .flatten();
        Tape {
            records: reused.unwrap_or_default(),
        }
    }
}

impl<T: Clone + 'static> Tape<T> {
    /// A copy of `values` in a buffer from the pool: the pullback computes values again from a
    /// parameter the function never writes, reading them off this copy, which like a tape
    /// takes no fresh memory from one gradient to the next.
    ///
    /// ```
    /// use matcalc_runtime::__private::Tape;
    ///
    /// let x = [1.0, 2.0, 3.0];
    /// let kept = Tape::copy_of(&x);
    /// let read: &[f64] = &kept;
    /// assert_eq!(read, &x);
    /// ```
    pub fn copy_of(values: &[T]) -> Self {
        let mut tape = Self::new();
        tape.extend_from_slice(values);
        tape
    }
}

impl<T: 'static> Tape<T> {
    /// Pushes a record for which [`Vec::reserve`] made room: a loop over a range reserves its
    /// trip count before it runs (the lower bound of its size hint, exact for every range of
    /// integers or `char`s that fits in a `usize`).
    ///
    /// Unlike `push`, no call that returns stands in the loop: where room is missing, which a
    /// correct reservation rules out, it panics. Around a call that may return (`push`'s
    /// growing of its buffer), the optimizer keeps the values a loop carries in memory rather
    /// than in registers, since every floating-point register may be overwritten by the call;
    /// a store and a load on the critical path of every iteration.
    ///
    /// ```
    /// use matcalc_runtime::__private::Tape;
    ///
    /// let mut tape = Tape::new();
    /// tape.reserve(2);
    /// tape.push_reserved(1.5);
    /// tape.push_reserved(2.5);
    /// assert_eq!(&tape[..], &[1.5, 2.5]);
    /// ```
    #[inline]
    pub fn push_reserved(&mut self, record: T) {
        if self.records.len() < self.records.capacity() {
            // (the optimizer sees that `push` has room: its growing path is gone)
            self.records.push(record);
        } else {
            unreserved()
        }
    }
}

/// A record pushed where no room was reserved for it: a bug of the code that reserved.
#[cold]
#[inline(never)]
fn unreserved() -> ! {
    panic!("matcalc: a tape ran out of the room reserved for a loop (a bug in matcalc)")
}

impl<T: 'static> Default for Tape<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: 'static> Drop for Tape<T> {
    fn drop(&mut self) {
        let mut records = std::mem::take(&mut self.records);
        let bytes = bytes::<T>(records.capacity());
        if bytes == 0 || bytes > LARGEST_BUFFER_KEPT {
            return;
        }
        records.clear();
        // A thread that is shutting down has no pool left: its buffers are simply freed.
        let _ = POOL.try_with(|pool| {
            let mut pool = pool.borrow_mut();
            let buffers = pool
                .entry(TypeId::of::<T>())
                .or_insert_with(|| Box::new(Vec::<Vec<T>>::new()));
            let Some(buffers) = buffers.downcast_mut::<Vec<Vec<T>>>() else {
                return;
            };
            let kept = buffers.len() < BUFFERS_KEPT_PER_TYPE
                || (buffers.len() < MOST_BUFFERS_KEPT_PER_TYPE
                    && pooled_bytes() + bytes <= POOL_BYTES_FOR_MORE_BUFFERS);
            if !kept {
                return;
            }
            // The largest buffer stays on top, for the first tape the next gradient takes: the
            // calling function's, made before those of the functions it calls and usually the
            // longest. (Below the top, the order does not matter.)
            match buffers.last() {
                Some(top) if top.capacity() > records.capacity() => {
                    buffers.insert(buffers.len() - 1, records);
                }
                _ => buffers.push(records),
            }
            count_pooled(bytes, true);
        });
    }
}

impl<T: 'static> Deref for Tape<T> {
    type Target = Vec<T>;

    fn deref(&self) -> &Vec<T> {
        &self.records
    }
}

impl<T: 'static> DerefMut for Tape<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.records
    }
}

#[cfg(test)]
mod tests {
    use super::Tape;

    #[test]
    fn a_dropped_tapes_buffer_serves_the_next_tape_of_its_type_empty() {
        let mut first: Tape<(f64, u32)> = Tape::new();
        first.extend((0..1000).map(|i| (f64::from(i), i)));
        let buffer = first.as_ptr();
        drop(first);
        let second: Tape<(f64, u32)> = Tape::new();
        assert!(second.is_empty());
        assert!(second.capacity() >= 1000);
        assert_eq!(second.as_ptr(), buffer);
    }

    #[test]
    fn tapes_of_other_record_types_do_not_share_buffers() {
        let mut first: Tape<[f64; 3]> = Tape::new();
        first.push([1.0; 3]);
        drop(first);
        let other: Tape<[u8; 24]> = Tape::new();
        assert_eq!(other.capacity(), 0);
    }

    #[test]
    fn tapes_alive_at_once_have_buffers_of_their_own() {
        let mut a: Tape<u64> = Tape::new();
        a.push(1);
        drop(a);
        let mut b: Tape<u64> = Tape::new();
        let mut c: Tape<u64> = Tape::new();
        b.push(2);
        c.push(3);
        assert_ne!(b.as_ptr(), c.as_ptr());
        assert_eq!((b[0], c[0]), (2, 3));
    }

    #[test]
    fn the_tapes_of_many_calls_alive_at_once_are_all_kept() {
        // what a loop that calls an annotated function 1000 times leaves, once its pullback
        // is dropped: 1000 small tapes
        let calls: Vec<Tape<(u16, f32)>> = (0..1000)
            .map(|i| {
                let mut tape = Tape::new();
                tape.push((i, 0.5));
                tape
            })
            .collect();
        let buffers: std::collections::HashSet<_> = calls.iter().map(|t| t.as_ptr()).collect();
        drop(calls);
        let again: Vec<Tape<(u16, f32)>> = (0..1000).map(|_| Tape::new()).collect();
        assert!(again.iter().all(|t| buffers.contains(&t.as_ptr())));
    }

    #[test]
    fn the_largest_buffer_serves_the_first_tape_taken() {
        let mut large: Tape<(u8, f64)> = Tape::new();
        large.extend((0..10_000).map(|i| (1, f64::from(i))));
        let small: Vec<Tape<(u8, f64)>> = (0..20)
            .map(|_| {
                let mut tape = Tape::new();
                tape.push((2, 0.0));
                tape
            })
            .collect();
        let buffer = large.as_ptr();
        // the caller's tape goes back first, then those of the calls on it
        drop(large);
        drop(small);
        let first: Tape<(u8, f64)> = Tape::new();
        assert_eq!(first.as_ptr(), buffer);
        assert!(first.capacity() >= 10_000);
    }
}

/// A tape that keeps nothing. A loop under `#[checkpoint]` runs its recording code where only
/// the primal values matter (its first forward sweep and the recomputations of its pullback)
/// with its tapes shadowed by this: the code is the same, so the values are bit for bit those the
/// recorded iterations see.
///
/// ```
/// use matcalc_runtime::__private::Discard;
///
/// let mut tape = Discard;
/// tape.reserve(10);
/// tape.push((1.0, 2.0));
/// tape.push_reserved((3.0, 4.0));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl Discard {
    /// Drops `record`.
    pub fn push<T>(&mut self, record: T) {
        drop(record);
    }

    /// Drops `record` (see [`Tape::push_reserved`]).
    pub fn push_reserved<T>(&mut self, record: T) {
        drop(record);
    }

    /// Does nothing: there is nothing to make room for.
    pub fn reserve(&mut self, _additional: usize) {}
}
