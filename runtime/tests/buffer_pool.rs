//! The adjoint buffers that `acc` gives up are reused by later zeros: a reused buffer is all
//! zero, has the asked length whatever it held, and the pool holds only small buffers.

use matcalc_runtime::__private::{acc, zeros_of};

#[test]
fn a_recycled_buffer_comes_back_as_zeros_of_the_asked_length() {
    let mut slot = Some(vec![1.0_f64; 3]);
    // the contribution's buffer goes to the pool once added
    acc(&mut slot, vec![2.0, 3.0, 4.0, 5.0, 6.0][..3].to_vec());
    assert_eq!(slot, Some(vec![3.0, 4.0, 5.0]));
    for len in [5, 2, 7] {
        let zero: Vec<f64> = zeros_of(&vec![9.0; len]).make();
        assert_eq!(zero, vec![0.0; len]);
    }
}

#[test]
fn large_buffers_are_not_kept() {
    let mut slot = Some(vec![0.0_f64; 100_000]);
    acc(&mut slot, vec![1.0; 100_000]);
    // the last buffer given up is the first reused: a small zero made now would have the big
    // buffer's capacity had it been kept
    let zero: Vec<f64> = zeros_of(&vec![0.0; 4]).make();
    assert_eq!(zero, vec![0.0; 4]);
    assert!(zero.capacity() < 100_000, "{}", zero.capacity());
}
