//! matcalc: compile-time automatic differentiation for Rust, on stable.
//!
//! `#[differentiate]` on an ordinary function makes the compiler emit its forward-mode
//! (tangent) and reverse-mode (adjoint) derivatives beside it, as plain Rust: no runtime graph,
//! no tape of operations (reverse mode records only values and the path taken), no nightly
//! compiler.
//!
//! ```
//! use matcalc::differentiate;
//!
//! #[differentiate]
//! fn energy(x: &[f64], k: f64) -> f64 {
//!     let mut e = 0.0;
//!     for i in 1..x.len() {
//!         let d = x[i] - x[i - 1];
//!         e += 0.5 * k * d * d;
//!     }
//!     e
//! }
//!
//! // Reverse mode: the value and the gradient with respect to every active parameter.
//! let (e, (dx, dk)) = energy_grad(&[0.0, 1.0, 3.0], 2.0);
//! assert_eq!(e, 5.0);
//! assert_eq!(dx, vec![-2.0, -2.0, 4.0]);
//! assert_eq!(dk, 2.5);
//!
//! // Forward mode: the value and the derivative along a direction (one tangent per parameter).
//! let (_, de) = energy_jvp(&[0.0, 1.0, 3.0], 2.0, &[1.0, 0.0, 0.0], 0.0);
//! assert_eq!(de, dx[0]);
//!
//! // The pullback of reverse mode can be called with any cotangent, many times.
//! let (_, pullback) = energy_vjp(&[0.0, 1.0, 3.0], 2.0);
//! assert_eq!(pullback(2.0).1, 5.0);
//! ```
//!
//! # What the macro generates
//!
//! For `fn f(a: A, b: &B, n: usize) -> R` with active `a` and `b`:
//!
//! | generated | signature | meaning |
//! |---|---|---|
//! | `f_jvp` | `(a, b, n, a_dot, b_dot) -> (R, R)` | the value and its directional derivative |
//! | `f_vjp` | `(a, b, n) -> (R, impl Fn(R) -> G)` | the value and the pullback, callable many times |
//! | `f_grad` | `(a, b, n) -> (R, G)` | for a float `R`: the pullback seeded with 1 |
//! | `f_jacobian` | `(a, b, n) -> (R, DMatrix<F>)` | the Jacobian of vec(R) by the mode needing fewer passes |
//! | `f_hvp` | `(a, b, n, a_dot, b_dot) -> (R, G, G)` | with `hessian`, for a float `R`: value, gradient, Hessian-vector product |
//! | `f_hessian` | `(a, b, n) -> (R, G, DMatrix<F>)` | with `hessian`, for a float `R`: value, gradient, Hessian |
//!
//! Second order is on request: `#[differentiate(hessian)]` adds `f_hvp` and `f_hessian`, which
//! come from reverse mode over the forward mode, and the companion `f_jvp_vjp` that `hessian`
//! callers of `f` use. So a function called from a `hessian` function needs `hessian` too, and
//! a custom rule `g` called from one needs `g_jvp_vjp`; a call that lacks it is a compile error
//! at the call that says so. Plain `#[differentiate]` emits the first-order functions only,
//! which keeps the expansion, and the build, small.
//!
//! `G` is the adjoint of the active parameter, or a tuple of them in parameter order; an adjoint
//! has the owned type of its parameter (`&[f64]` gives `Vec<f64>`). Parameters are active when
//! their type is differentiable (`f32`, `f64`, `[F; N]`, `&[F]`, `Vec<F>`, references to them,
//! nalgebra matrices and vectors, and structs that derive [`Differentiable`] when named in
//! `wrt`);
//! `#[differentiate(wrt(a))]` restricts them to those named. The Jacobian and the Hessian are
//! over the concatenated vec of the active parameters. The generated items have the visibility
//! of `f`, a doc comment each, and compile without warnings under `clippy -D warnings`.
//!
//! ## Before and after
//!
//! The macro lowers the body to one operation per statement, with temporaries `t1, t2, ...`,
//! and emits each derivative program from that. Before:
//!
//! ```
//! use matcalc::differentiate;
//!
//! #[differentiate]
//! fn f(x: &[f64]) -> f64 {
//!     let mut s = 0.0;
//!     for i in 0..x.len() {
//!         s += x[i].sin() * x[i];
//!     }
//!     s
//! }
//! # assert_eq!(f(&[0.0]), 0.0);
//! ```
//!
//! After, forward mode: each active value `v` is followed by its tangent `v_dot`. The macro
//! has no type information, so it calls the runtime's rules (`rules::arith::mul`,
//! `rules::scalar::sin`, `tangent_add`, `zero_like`) and the trait impls pick the float, vector
//! or matrix version; written out for floats, `f_jvp` is
//!
//! ```
//! # mod generated {
//! #     #[matcalc::differentiate]
//! #     pub fn f(x: &[f64]) -> f64 {
//! #         let mut s = 0.0;
//! #         for i in 0..x.len() {
//! #             s += x[i].sin() * x[i];
//! #         }
//! #         s
//! #     }
//! # }
//! fn f_jvp(x: &[f64], x_dot: &[f64]) -> (f64, f64) {
//!     let mut s = 0.0;
//!     let mut s_dot = 0.0; // zero_like(&s): a zero of the primal's type
//!     for i in 0..x.len() {
//!         let t1 = x[i];
//!         let t1_dot = x_dot[i];
//!         let t2 = t1.sin();
//!         let t2_dot = t1.cos() * t1_dot; // the rule of sin: ∂y/∂x = cos x
//!         let t3 = x[i];
//!         let t3_dot = x_dot[i];
//!         let t4 = t2 * t3;
//!         let t4_dot = t2_dot * t3 + t2 * t3_dot; // the product rule
//!         let t5 = s + t4;
//!         let t5_dot = s_dot + t4_dot;
//!         s = t5;
//!         s_dot = t5_dot;
//!     }
//!     (s, s_dot)
//! }
//! # let (x, x_dot) = ([0.5, -1.0, 2.0], [1.0, 0.5, -0.25]);
//! # assert_eq!(f_jvp(&x, &x_dot), generated::f_jvp(&x, &x_dot));
//! ```
//!
//! After, reverse mode: a forward sweep runs the body once and records the path it took
//! (which straight-line segment ran, how many times each loop turned) and the residuals the
//! backward sweep needs; the pullback owns these tapes and walks them backwards, accumulating
//! adjoints `v_bar`. Branches, `break`, `continue` and early `return` need nothing more: the
//! pullback replays whatever path was recorded. Written out for floats (the macro keeps each
//! adjoint as an `Option` that is `None` until a contribution arrives, and records less than
//! this listing: in a loop over a range, what an iteration computes from the counter and from
//! parameters the function never writes is computed again by the pullback, which runs the
//! range backwards over a copy of `x`, so this loop's tape holds nothing per iteration):
//!
//! ```
//! # mod generated {
//! #     #[matcalc::differentiate]
//! #     pub fn f(x: &[f64]) -> f64 {
//! #         let mut s = 0.0;
//! #         for i in 0..x.len() {
//! #             s += x[i].sin() * x[i];
//! #         }
//! #         s
//! #     }
//! # }
//! fn f_vjp(x: &[f64]) -> (f64, impl Fn(f64) -> Vec<f64> + use<>) {
//!     let n = x.len(); // the shape of x, for a zero adjoint
//!     let mut ctrl = Vec::new(); // the segments that ran, in order
//!     let mut trips = Vec::new(); // the trip count of each loop that ran
//!     let mut tape1 = Vec::new(); // the residuals of segment 1, one tuple per iteration
//!     let mut s = 0.0;
//!     ctrl.push(0);
//!     let mut count = 0;
//!     for i in 0..x.len() {
//!         let t1 = x[i];
//!         let t2 = t1.sin();
//!         let t3 = x[i];
//!         tape1.push((i, t1.cos(), t2, t3)); // the index, ∂sin, the two factors
//!         s = s + t2 * t3;
//!         count += 1;
//!     }
//!     ctrl.push(1);
//!     trips.push(count);
//!     ctrl.push(2);
//!     let pullback = move |seed: f64| {
//!         let mut x_bar = vec![0.0; n];
//!         let mut s_bar = 0.0;
//!         let (mut cursor, mut trip) = (tape1.len(), trips.len());
//!         for segment in ctrl.iter().rev() {
//!             match segment {
//!                 2 => s_bar += seed, // `s` was returned
//!                 1 => {
//!                     trip -= 1;
//!                     for _ in 0..trips[trip] {
//!                         cursor -= 1;
//!                         let (i, cos_t1, t2, t3) = tape1[cursor];
//!                         let t4_bar = s_bar; // s = s + t4: s̄ flows to t4 and stays
//!                         let t2_bar = t4_bar * t3; // t4 = t2 · t3
//!                         let t3_bar = t2 * t4_bar;
//!                         x_bar[i] += t3_bar; // t3 = x[i]
//!                         x_bar[i] += cos_t1 * t2_bar; // t2 = sin t1, t1 = x[i]
//!                     }
//!                 }
//!                 _ => s_bar = 0.0, // `let mut s = 0.0` cuts s's adjoint
//!             }
//!         }
//!         x_bar
//!     };
//!     (s, pullback)
//! }
//! # let x = [0.5, -1.0, 2.0];
//! # let (value, pullback) = f_vjp(&x);
//! # let (expected, expected_pullback) = generated::f_vjp(&x);
//! # assert_eq!(value, expected);
//! # assert_eq!(pullback(0.5), expected_pullback(0.5));
//! ```
//!
//! Both listings compute exactly what the generated `f_jvp` and `f_vjp` compute (this example
//! checks it). The generated code itself, rules, lazy adjoints and all, is in the repository's
//! `examples/*-expanded.rs`: a loop over a slice, a branch on an active value, and a function
//! of matrices, each kept equal to the macro's current expansion by a test.
//!
//! # What an annotated function may contain
//!
//! | construct | supported | rejected, with a spanned error |
//! |---|---|---|
//! | parameters | active: `f32`/`f64`, `[F; N]`, `&[F]`, `Vec<F>`, nalgebra matrices and vectors, by value or `&`, and structs deriving [`Differentiable`] named in `wrt(..)`; inactive: everything else (`usize`, `bool`, data) | `&mut` parameters, patterns, raw pointers, trait objects, `impl Trait`, generics, two float types |
//! | results | floats, tuples, `Vec`s and arrays of floats, nalgebra values, derived structs | `()` |
//! | bindings | `let`, `let mut`, type annotations, tuple patterns, shadowing, block values, `let ... else` over inactive values | `if let`, `while let`, `let ... else` and `match` binding active values |
//! | assignment | `=`, `+= -= *= /=`, indexed writes `x[i] = ..`, `m[(i, j)] += ..`, struct fields | `%`, `%=`; assignments inside expressions; `&mut` borrows of active values |
//! | arithmetic | `+ - * /` and unary `-` between floats, vectors, matrices and scalars, owned or borrowed; casts `i as f64` | casts to type aliases |
//! | branches | `if`/`else` as statement or expression, also on comparisons of active values; `match` on inactive values | `match` on an active value |
//! | loops | `for` over ranges, `.iter()`, `.iter().enumerate()`, `.iter().zip(..)`; `while`; `loop`; `break`/`continue` with labels and values; early `return`; `#[checkpoint]` on a `for` or `while` loop (see [below](#checkpointing-long-loops)) | other iterator adaptors (`rev`, `skip`, ...); `return` inside an expression; exits to an outer loop's label from inside a checkpointed loop |
//! | iterator chains | over a source a `for` loop takes: `map` (a closure or a path such as `f64::tanh`), `filter` (a closure), `copied`, `cloned`, ending in `sum`, `product`, `fold` (with a closure or a path such as `f64::max`), `collect::<Vec<_>>()`, or `max_by`/`min_by`/`reduce` then `unwrap`; differentiated as the loop they stand for | `rev`, `skip`, `take`, `chain`, `max_by` over pairs and other adaptors, each named in the error |
//! | buffers | `vec![x; n]`, `vec![a, b]`, `Vec::with_capacity` + `push`, arrays `[x; N]`, `DMatrix::zeros` and other constructors, `*v` on items of `.iter()`, `*r` copies of arrays behind references | slicing `&x[a..b]`; `pop` inside an expression |
//! | float methods | the 37 methods of the scalar table below, as `x.sin()` or `f64::sin(x)` | other methods (`to_degrees`, ...): write a custom rule |
//! | nalgebra | `transpose`, `trace`, `abs` (entrywise, of a matrix the signature or a `let` with a type declares, or a product with one), `dot`, `norm`, `norm_squared`, `sum`, `max`, `min`, `amax`, `amin`, `diagonal`, `component_mul`, `component_div`, `kronecker`, `column`, `row`, `rows(i, n)`, `columns(j, n)`, `view((i, j), (r, c))` (also of inactive matrices, as operands), `row_sum`, `column_sum`, `row_mean`, `column_mean`, `map(\|x\| ..)` and `map(f64::tanh)` on any matrix expression, `from_fn(.., \|i, j\| ..)`, `determinant`, `try_inverse().unwrap()`, `symmetric_eigenvalues`, `symmetric_eigen` (`.eigenvalues`, `.eigenvectors`), `singular_values`, `exp`, `pow`, `Vector3::new(..)`, `DVector::from_vec(..)`, `DMatrix::from_diagonal(&v)`, `from_element`, `repeat` | other methods (`normalize`, `abs`, ...) |
//! | factorizations | `a.clone().cholesky().unwrap()` with `.l()`, `.solve(&b)`, `.inverse()`, `.determinant()`, `.ln_determinant()`; `a.clone().lu()` with `.solve(&b).unwrap()`, `.determinant()`, `.try_inverse().unwrap()`; `a.clone().qr()` with `.q()`, `.r()`, `.solve(&b).unwrap()`; `a.clone().svd(true, true)` with `.u.unwrap()`, `.v_t.unwrap()`, `.singular_values`, `.solve(&b, eps).unwrap()`; `l.solve_lower_triangular(&b).unwrap()`, `solve_upper_triangular`; `expect(..)` wherever `unwrap()`; in one chain or bound once with `let` (each use then factorizes again in the derivative) | other methods of factorizations (`a.qr().unpack()`, `svd.recompose()`, ...) |
//! | calls | other annotated functions (also methods with `&self`), custom rules, [`linalg`]'s (by path, or imported and called by the bare name: `use matcalc::linalg::solve;` then `solve(..)`) `det`, `logdet`, `inv`, `solve`, `cholesky`, `cholesky_solve`, `cholesky_inverse`, `solve_lower_triangular`, `solve_upper_triangular`, `qr`, `eigh`, `eigvalsh`, `svd`, `svdvals`, `svd_solve`, `expm`, `rows`, `columns`, `view`, `row_sum`, `column_sum`, `row_mean`, `column_mean`; calls on inactive values only, unchanged | recursion; closures using active values (other than `map`/`from_fn`); a function of your own named like one of these `linalg` functions, called bare (call it by its path, `self::solve(..)`) |
//! | other | `clone()`, `to_owned()`, `to_vec()`, `into_owned()`; `assert!`, `debug_assert!`, the `println!` family | `unsafe`, `async`, `const fn`, `?`, other macros |
//!
//! Every rejection is a compile error on the offending tokens that names the construct and says
//! what to write instead; a method without a derivative rule reads "no derivative rule for ...",
//! naming what it is called on where the function says (a float, a matrix, a factorization: a
//! declared type, a constructor, a factorization chain) and the methods with rules for it.
//!
//! # Checkpointing long loops
//!
//! Reverse mode records what each iteration of a loop needs, so its memory grows with the trip
//! count: 40 bytes per iteration for a logistic-growth loop (400 MB at 10⁷ iterations), about
//! 150 KB per step for an explicit-Euler heat equation on 1,000 cells. `#[checkpoint]` on a
//! `for` or `while` loop keeps instead the state the loop starts from (the values outside it
//! that the body assigns, and the ones it reads); the pullback recomputes iterations from kept
//! states on the binomial schedule of [`checkpoint::reverse`] (Griewank and Walther's
//! `revolve`), recording and reversing one iteration at a time. `#[checkpoint(snapshots = S)]`
//! keeps at most `S` states at once; by default
//! [`checkpoint::default_snapshots`]`(N)` ≈ √(2N), with which no iteration runs forward more
//! than twice in the pullback.
//!
//! ```
//! use matcalc::differentiate;
//!
//! #[differentiate]
//! fn logistic(u0: f64, r: f64, steps: usize) -> f64 {
//!     let h = 1.0 / steps as f64;
//!     let mut u = u0;
//!     #[checkpoint]
//!     for _ in 0..steps {
//!         u = u + h * r * u * (1.0 - u);
//!     }
//!     u
//! }
//!
//! let (_, (du0, dr)) = logistic_grad(0.1, 2.0, 100_000);
//! assert!(du0 > 0.0 && dr > 0.0);
//! ```
//!
//! What it costs, measured (`cargo test --release --test memory -- --nocapture`, and
//! `cargo run --release -p matcalc-bench --bin bench_table -- --only checkpointing`):
//!
//! | loop | memory of the gradient, recorded → checkpointed | time, checkpointed ÷ recorded |
//! |---|---|---:|
//! | logistic growth, 10⁷ iterations (scalar state) | 400 MB → 36 KB | 2.0 |
//! | heat equation, 1,000 cells, 10³ steps (8 KB state) | 140 MB → 180 KB | 0.67 |
//! | heat equation, 1,000 cells, 10⁵ steps | (about 14 GB, not run) → 7.1 MB | |
//!
//! Use it where the tape would not fit, or where writing it costs more than recomputing (a
//! big state updated by cheap arithmetic: the heat equation's gradient is faster checkpointed).
//! The gradient is the recorded one bit for bit: the recomputed iterations run the very code
//! of the recorded ones. What the loop reads from outside is copied once when it starts (so it
//! must be `Clone`: a slice parameter is kept as a `Vec`, a matrix as a matrix). A `for` loop runs over a range, or over an iterator of values the loop
//! does not change (evaluated again to recompute an iteration); a `while` loop's recomputed
//! iterations run without its condition. The body may contain anything a loop body may
//! (branches, inner loops, calls, matrix rules, buffers written in place, `break` and
//! `continue`, `return`, checkpointed loops), but not a `break` or `continue` to an outer loop's
//! label. Second
//! order (`hessian`) checkpoints the same loops: the reverse of the tangent program keeps the
//! loop's state with its tangents (a Hessian-vector product through 10⁶ logistic iterations
//! holds 23 KB instead of 72 MB), and its products equal the recorded ones bit for bit.
//!
//! # The derivative rules
//!
//! Each rule is a forward rule (the tangent of the output from the tangents of the inputs) and a
//! reverse rule (the adjoints of the inputs from the adjoint of the output), plus a
//! second-order companion for Hessians. They live in [`rules`] and [`linalg`], each with its
//! source and its edge cases documented and tested against finite differences and the
//! dot-product test.
//!
//! ## Scalars ([`rules::scalar`])
//!
//! One table gives ∂y/∂x for each method in terms of the inputs and the output `y`; forward
//! mode multiplies by the tangents (ẏ = Σ ∂y/∂xᵢ·ẋᵢ), reverse mode by the adjoint
//! (x̄ᵢ += ȳ·∂y/∂xᵢ).
//!
//! | method | ∂y/∂x | where the derivative does not exist |
//! |---|---|---|
//! | `abs` | sign x | +1 at ±0 |
//! | `signum`, `floor`, `ceil`, `round`, `trunc` | 0 | 0 at the jumps |
//! | `sqrt` | 1/(2y) | +∞ at 0 |
//! | `cbrt` | 1/(3y²) | +∞ at 0 |
//! | `powi(n)` | n·xⁿ⁻¹ | |
//! | `a.powf(b)` | (b·aᵇ⁻¹, y·ln a) | ∂/∂b = 0 at a = 0; ∂/∂a = 0 for b = 0 |
//! | `recip` | −y² | |
//! | `a.mul_add(b, c)` | (b, a, 1) | |
//! | `a.hypot(b)` | (a/y, b/y) | (0, 0) at the origin |
//! | `exp`, `exp2`, `exp_m1` | y, y·ln 2, y + 1 | |
//! | `ln`, `ln_1p`, `log2`, `log10` | 1/x, 1/(1 + x), 1/(x·ln 2), 1/(x·ln 10) | |
//! | `a.log(b)` | (1/(a·ln b), −y/(b·ln b)) | |
//! | `sin`, `cos`, `tan` | cos x, −sin x, 1 + y² | |
//! | `asin`, `acos`, `atan` | 1/√(1 − x²), −1/√(1 − x²), 1/(1 + x²) | |
//! | `a.atan2(b)` | (b/(a² + b²), −a/(a² + b²)) | (0, 0) at the origin |
//! | `sinh`, `cosh`, `tanh` | cosh x, sinh x, 1/cosh² x | |
//! | `asinh`, `acosh`, `atanh` | 1/√(x² + 1), 1/√(x² − 1), 1/(1 − x²) | |
//! | `a.max(b)`, `a.min(b)` | 1 for the argument returned, 0 for the other | the first argument at a tie |
//! | `x.clamp(lo, hi)` | 1 for the argument returned | `x` on the boundary |
//!
//! `+ - * /` follow the sum, product and quotient rules. Where a derivative does not exist the
//! rule returns the documented one-sided value or subgradient above, never NaN; NaN and
//! infinities propagate as in the primal.
//!
//! ## Products ([`rules::arith`], [`rules::linalg::dense`])
//!
//! | operation | forward | reverse |
//! |---|---|---|
//! | C = A·B (any sizes, vectors as n×1) | dC = dA·B + A·dB | Ā = C̄·Bᵀ, B̄ = Aᵀ·C̄ |
//! | C = s·B | dC = ds·B + s·dB | s̄ = ⟨C̄, B⟩, B̄ = s·C̄ |
//! | C = A/s | dC = dA/s − C·ds/s | Ā = C̄/s, s̄ = −⟨C̄, C⟩/s |
//! | s = a.dot(b) | ds = ⟨da, b⟩ + ⟨a, db⟩ | ā = s̄·b, b̄ = s̄·a |
//! | C = A ∘ B (`component_mul`) | dC = dA ∘ B + A ∘ dB | Ā = C̄ ∘ B, B̄ = C̄ ∘ A |
//! | C = A ⊘ B (`component_div`) | dC = dA ⊘ B − C ∘ dB ⊘ B | Ā = C̄ ⊘ B, B̄ = −C̄ ∘ C ⊘ B |
//! | K = A ⊗ B (`kronecker`) | dK = dA ⊗ B + A ⊗ dB | Āᵢⱼ = ⟨K̄ᵢⱼ, B⟩, B̄ = Σᵢⱼ Aᵢⱼ·K̄ᵢⱼ (K̄ᵢⱼ the (i, j) block) |
//!
//! ## Linear algebra ([`linalg`])
//!
//! | function | in an annotated function | forward | reverse |
//! |---|---|---|---|
//! | Y = Aᵀ | `a.transpose()` | dAᵀ | Ā = Ȳᵀ |
//! | y = tr A | `a.trace()` | tr dA | Ā = ȳ·I |
//! | y = Σᵢⱼ Aᵢⱼ | `a.sum()` | Σ dAᵢⱼ | Ā = ȳ·𝟙 |
//! | y = 𝟙ᵀA, y = A𝟙 (and the means) | `a.row_sum()`, `a.column_sum()`, `a.row_mean()`, `a.column_mean()` | the same of dA | Ā = 𝟙·ȳ, Ā = ȳ·𝟙ᵀ (over m or n) |
//! | Y = a block of A | `a.column(j)`, `a.row(i)`, `a.rows(i, n)`, `a.columns(j, n)`, `a.view((i, j), (r, c))`, as owned copies | the same block of dA | Ā = Ȳ in the block, 0 elsewhere |
//! | y = ‖A‖ (2-norm of a vector, Frobenius of a matrix) | `a.norm()` | ⟨A, dA⟩/y | Ā = ȳ·A/y; 0 at A = 0 |
//! | y = ‖A‖² | `a.norm_squared()` | 2⟨A, dA⟩ | Ā = 2ȳ·A |
//! | y = det A | `a.determinant()`, `det(&a)` | ⟨cof A, dA⟩ = det A·tr(A⁻¹dA) | Ā = ȳ·cof A (= ȳ·det A·A⁻ᵀ for an invertible A; finite at a singular one) |
//! | y = log\|det A\| | `logdet(&a)` | tr(A⁻¹dA) | Ā = ȳ·A⁻ᵀ |
//! | Y = A⁻¹ | `a.try_inverse().unwrap()`, `inv(&a)` | dY = −Y·dA·Y | Ā = −Yᵀ·Ȳ·Yᵀ |
//! | X = A⁻¹B | `solve(&a, &b)` | dX = A⁻¹(dB − dA·X) | B̄ = A⁻ᵀX̄, Ā = −B̄·Xᵀ (one LU for all) |
//! | A = LLᵀ | `a.cholesky().unwrap().l()`, `cholesky(&a)` | dL = L·Φ(L⁻¹·dA·L⁻ᵀ) | Ā = sym(L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹) |
//! | X = A⁻¹B, A = LLᵀ | `cholesky_solve(&a, &b)` | dX = A⁻¹(dB − sym(dA)·X) | B̄ = A⁻¹X̄, Ā = sym(−B̄·Xᵀ) |
//! | Y = A⁻¹, A = LLᵀ | `cholesky_inverse(&a)` | dY = −Y·sym(dA)·Y | Ā = sym(−Y·Ȳ·Y) |
//! | X = L⁻¹B, U⁻¹B | `l.solve_lower_triangular(&b).unwrap()`, `solve_lower_triangular(&l, &b)`, `solve_upper_triangular(&u, &b)` | dX = L⁻¹(dB − tril(dL)·X) | B̄ = L⁻ᵀX̄, L̄ = tril(−B̄·Xᵀ) |
//! | A = QR (m ≥ n, rᵢᵢ > 0) | `a.qr()` with `.q()`, `.r()`, `qr(&a)` | dR = K·R, dQ = dA·R⁻¹ − Q·K | Ā = (Q̄ + Q·C̄)·R⁻ᵀ |
//! | S = QΛQᵀ | `s.symmetric_eigen()`, `eigh(&s)` | dλᵢ = qᵢᵀ·dS·qᵢ, dQ = Q·(F ∘ QᵀdSQ) | S̄ = sym(Q·(diag λ̄ + F ∘ QᵀQ̄)·Qᵀ) |
//! | λ(S) | `s.symmetric_eigenvalues()`, `eigvalsh(&s)` | dλᵢ = qᵢᵀ·dS·qᵢ | S̄ = Q·diag(λ̄)·Qᵀ |
//! | A = U·diag(σ)·Vᵀ (thin) | `a.svd(true, true)` with `.u.unwrap()`, `.v_t.unwrap()`, `svd(&a)` | dσ = diag(P), dU = U·(K + L) + (I − UUᵀ)·dA·V·Σ⁻¹, … | Ā = U·P̄·Vᵀ + complements (Townsend 2016) |
//! | σ(A) | `a.singular_values()`, `a.svd(..).singular_values`, `svdvals(&a)` | dσᵢ = uᵢᵀ·dA·vᵢ | Ā = U·diag(σ̄)·Vᵀ |
//! | X = V·Σ⁺·Uᵀ·B | `a.svd(true, true).solve(&b, eps).unwrap()`, `svd_solve(&a, &b, eps)` | through the SVD's | through the SVD's |
//! | Y = exp A | `a.exp()`, `expm(&a)` | dY = L(A, dA) | Ā = L(Aᵀ, Ȳ) |
//! | Y = Aⁿ | `a.pow(n)` | Σₖ Aᵏ·dA·Aⁿ⁻¹⁻ᵏ, by squaring | the products, backwards |
//!
//! Here cof A is the cofactor matrix, Φ(X) the lower triangle of X with its diagonal halved,
//! sym(X) = (X + Xᵀ)/2, Fᵢⱼ = 1/(λⱼ − λᵢ) off the diagonal (0 on it and between equal
//! eigenvalues), tril the lower triangle, C = Qᵀ·dA·R⁻¹ and K its upper triangle plus the
//! transpose of its strict lower one (C̄ likewise from R̄·Rᵀ − Qᵀ·Q̄, mirrored), P = Uᵀ·dA·V
//! and K + L = F ∘ (P·Σ + Σ·Pᵀ) with Fᵢⱼ = 1/(σⱼ² − σᵢ²), Σ⁺ the inverse of the singular
//! values above `eps` (0 for the others), and L(A, E) = ∫₀¹ e^{sA}·E·e^{(1−s)A} ds the Fréchet
//! derivative of the exponential, computed as a block of exp([[A, E], [0, A]]). Each function
//! has its formulas, sources and examples in [`linalg`]; all have second-order companions. [`linalg`] also has [`linalg::vec`],
//! [`linalg::unvec`] and [`linalg::jacobian_matrix`] for the course's Kronecker identities.
//!
//! # Conventions
//!
//! - **vec is column-major**, nalgebra's storage order and the course's: vec(AXB) =
//!   (Bᵀ ⊗ A)·vec(X). `f_jacobian` and `f_hessian` index their rows and columns by the
//!   column-major entries of the values, the active parameters concatenated in order.
//! - **Gradients are taken under the Frobenius inner product** ⟨A, B⟩ = tr(AᵀB) = Σᵢⱼ AᵢⱼBᵢⱼ:
//!   the adjoint Ā of a matrix argument satisfies ⟨Ȳ, dY⟩ = ⟨Ā, dA⟩ for every dA, so it has the
//!   shape of A, and the gradient of det at A is det(A)·A⁻ᵀ.
//! - **Symmetric inputs**: `cholesky`, `cholesky_solve`, `cholesky_inverse`, `eigh`, `eigvalsh`
//!   and the nalgebra methods behind them differentiate A ↦ f((A + Aᵀ)/2): they symmetrize the tangent and return symmetric adjoints,
//!   the derivative on the space of symmetric matrices, whichever triangle the factorization
//!   reads.
//! - **Degenerate points** give a documented finite value, never NaN: the gradient of det at a
//!   singular matrix is the cofactor matrix; norms at 0, `abs` at 0, `max`/`min` at ties take
//!   the one-sided values above. At repeated eigenvalues (and singular values) the forward and
//!   second-order rules use the eigenbasis adapted to the direction (degenerate perturbation
//!   theory): the tangents are the one-sided derivatives, and first and second derivatives are
//!   exact for functions of the eigenvalues symmetric within each cluster (Σλᵢ², Σσᵢ³, …) and
//!   for losses that see a cluster's eigenvectors only through its projector (or, for the SVD,
//!   U_c·V_cᵀ). Individual eigenvectors of a repeated eigenvalue are not differentiable; the
//!   terms 1/(λⱼ − λᵢ) inside a cluster are dropped, and a loss that weighs them by their own
//!   eigenvalues (Q·diag(h(λ))·Qᵀ) is exact there in forward mode only. Near-repeated values
//!   are resolved down to rounding in first order and treated as repeated below
//!   ε^(1/3)/4·max|λ| in second order, the width at which both errors are about 1e-6 (the
//!   analysis is in `rules::linalg::factorization::eigen`).
//! - **One float type per function**, `f32` or `f64`; tangents and adjoints are created from
//!   their primals (`zero_like`), never from literals, so `f32` code stays `f32`.
//!
//! # Custom rules
//!
//! A call `g(x)` with an active argument is differentiated through `g_jvp` and `g_vjp`. Any
//! function with companions of those names and shapes can be called, so a hand-written rule is
//! a pair of functions. `g_jvp` takes `g`'s arguments, then a tangent for each argument that is
//! a float, a buffer of floats or a matrix (a zero for one the caller does not differentiate,
//! such as a float literal; integers get none); `g_vjp`'s pullback returns the adjoints of those
//! arguments, a tuple when there are several:
//!
//! ```
//! use matcalc::differentiate;
//!
//! /// softplus(x) = ln(1 + eˣ), written to neither overflow nor lose digits.
//! fn softplus(x: f64) -> f64 {
//!     x.max(0.0) + (-x.abs()).exp().ln_1p()
//! }
//! /// Its derivative is the logistic function.
//! fn softplus_jvp(x: f64, x_dot: f64) -> (f64, f64) {
//!     (softplus(x), x_dot / (1.0 + (-x).exp()))
//! }
//! fn softplus_vjp(x: f64) -> (f64, impl Fn(f64) -> f64 + use<>) {
//!     let slope = 1.0 / (1.0 + (-x).exp());
//!     (softplus(x), move |y_bar| y_bar * slope)
//! }
//!
//! // No `hessian`: Hessians of `loss` would need second derivatives of the rule
//! // (`softplus_jvp_vjp`; writing `#[differentiate]` on `softplus_jvp` generates it).
//! #[differentiate]
//! fn loss(w: f64, x: f64) -> f64 {
//!     softplus(w * x) - w
//! }
//!
//! let (_, (dw, _)) = loss_grad(800.0, 1.0);
//! assert_eq!(dw, 0.0); // finite where the naive formula overflows
//! ```
//!
//! # Checking derivatives
//!
//! [`check`] compares forward mode with finite differences and reverse mode with forward mode
//! (the dot-product test), the way matcalc checks every rule it ships:
//!
//! ```
//! use matcalc::{check, differentiate};
//!
//! #[differentiate]
//! fn f(x: f64, y: f64) -> f64 {
//!     x * y.sin()
//! }
//!
//! let jvp = |p: &(f64, f64), d: &(f64, f64)| f_jvp(p.0, p.1, d.0, d.1);
//! let vjp = |p: &(f64, f64), y_bar: &f64| f_vjp(p.0, p.1).1(*y_bar);
//! let point = (1.5, 0.3);
//! check::jvp(|p: &(f64, f64)| f(p.0, p.1), jvp, &point, &check::Config::for_jvp::<f64>())
//!     .unwrap();
//! check::dot_product(jvp, vjp, &point, &check::Config::for_dot_product::<f64>()).unwrap();
//! ```
//!
//! # Limitations, and why
//!
//! - **The macro sees tokens, not types.** It knows a parameter is differentiable by the
//!   spelling of its type, a float by `f32`/`f64` (a cast to a type alias is rejected), a
//!   method by its name; the trait impls of the runtime then check each call. Hence one float
//!   type per function, no generic functions or `impl Trait` parameters, struct parameters
//!   active only when named in `wrt(..)`, and "no derivative rule" for a method outside the
//!   tables above (write a custom rule). Of nalgebra's factorization values, the methods and
//!   fields in the table are mapped (each to the `linalg` rule that computes it whole); a bound
//!   factorization is written into each of its uses, so the derivative factorizes once per use.
//! - **No mutation through references.** `&mut` parameters and `&mut` borrows of active values
//!   are rejected: reverse mode must see every write to save the overwritten value, and an
//!   in-out parameter would need its own calling convention for the adjoint. Take `&T` or the
//!   value and return the result.
//! - **Closures** are only differentiated in iterator chains, `m.map(|x| ..)` and
//!   `from_fn(.., |i, j| ..)`, which become loops: a closure that captures active values
//!   would need its own tangent and pullback types. Write the loop.
//! - **`match`, `if let`, `while let` and `let ... else` on active values** are rejected: the
//!   names a pattern binds would carry no derivative. Compare with `if` and read by index.
//! - **No recursion**: the reverse mode of a recursive function would contain itself (its
//!   pullback type would be infinite). Write the recursion as a loop.
//! - **Memory**: reverse mode records the residuals of every loop iteration that the pullback
//!   cannot compute again (it does for what a loop over a range computes from its counter,
//!   literals and parameters the function never writes), so its memory grows with the trip
//!   count times the live active state, as in Tapenade, unless the loop is under
//!   `#[checkpoint]` (above); checkpointing is not chosen automatically.
//! - **Calls across modules**: a call `g(x)` becomes `g_jvp(..)`, `g_vjp(..)` and, for second
//!   order, `g_jvp_vjp(..)` by the same path, so a function imported by `use` needs its
//!   companions imported too (a path call `module::g(x)` works as is).
//! - **Second order through custom rules** needs `g_jvp_vjp` beside `g_jvp` and `g_vjp`; a
//!   `hessian` caller of a rule without it gets rustc's "cannot find function `g_jvp_vjp`"
//!   (the macro cannot see whether a function it does not expand has it). An annotated
//!   function without `hessian` gets, in its place, an error that names the fix.
//! - **Inactive arguments of calls** get a zero tangent when they are floats (or buffers of
//!   floats), which the macro reads from how they are written: literals, casts, float
//!   parameters and locals, their elements, `f64::` functions and float methods of those. A
//!   float written otherwise (`g(offset(n), x)` with `offset` a plain function) is a compile
//!   error that asks to bind it first, `let c: f64 = offset(n);`. An inactive float passed where
//!   the callee's `wrt` leaves the parameter out gets a tangent the callee does not take
//!   (E0061): keep the `wrt` lists of caller and callee consistent.
//! - **Eigenvectors at repeated eigenvalues** are not differentiable; the dropped terms are
//!   exact only for losses that weigh the eigenvalues of a cluster equally.
//! - **Type errors in annotated code** read as they do without the macro in inactive code, in
//!   the operators `+ - * /`, unary `-` and `.dot` on active values (a matrix product of the
//!   wrong shapes included), in float methods (`v.sin()` of a slice, `x.atan2(v)`, `x.powi(n)`
//!   with `n: usize`, `x.max(0)`), in a binding's declared type
//!   (`let y: f32 = x * 2.0` with `x: f64`) and in what a function returns (a value of the wrong
//!   type, a count where a float is declared, early returns and tuple components included):
//!   each generated function type-checks the user's expression at the user's tokens, its rule
//!   calls defer to it, and its values take the declared types written with the user's tokens.
//!   Arithmetic of values the macro can tell are floats of the function's type (float
//!   parameters, literals, elements of buffers of floats, inactive floats such as `i as f64`,
//!   and what sums, products, quotients and float methods of those give) cannot fail, and is
//!   written as the user wrote it, with no check: `a * b`, `g * b` in the pullback.
//!   Other type errors in active code also show an error of the generated functions: a
//!   compound assignment (`s += v`, `buf[i] += v`) adds the error of `s + v` at the same
//!   operator; a call with an argument of the wrong type or count, a cast of an active value
//!   that is not a number, and an index that an active value does not take (`x[0]` with
//!   `x: f64`, `v[k]` with `k: f64`) add errors of the generated functions. The user's own
//!   error is always among them, on the user's tokens.
//! - Not in scope: GPUs, sparse matrices, complex numbers, mixed precision, differentiation
//!   through code outside annotated functions without a custom rule.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use matcalc_macros::Differentiable;
pub use matcalc_macros::differentiate;
pub use matcalc_runtime::{
    Active, IndexAdjoint, Real, Tangent, check, checkpoint, higher, linalg, ode, rules,
};

#[cfg(feature = "argmin")]
pub mod argmin;

#[doc(hidden)]
pub use matcalc_runtime::__private;

/// The README's code blocks, run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The examples of the macros' documentation, `#[differentiate]` and
/// `#[derive(Differentiable)]`, run here beside the runtime their expansions call (the macro
/// crate does not run them: as its dev-dependency, this crate would be built a second time).
#[cfg(doctest)]
#[doc = include_str!("../macros/docs/differentiate.md")]
#[doc = include_str!("../macros/docs/derive.md")]
struct MacroDocExamples;
