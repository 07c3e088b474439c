//! Code as people write it, one test target (one build and one link for all of it): iterator
//! chains, factorizations as values, nalgebra's constructors, and programs from regression to
//! attention and simulation, each checked in forward, reverse and second order.

#[path = "../common/mod.rs"]
mod common;

mod bare_linalg;
mod code;
mod constructors;
mod factorization_values;
mod iterator_chains;
mod programs;
mod values;
