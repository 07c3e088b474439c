//! The generator of one program: scalar expressions with interval bounds, and statements
//! (bindings, updates, indexed writes, branches, matches, loops of every kind, early returns,
//! calls) over a scope it tracks, so that every program compiles without warnings and is smooth
//! at the points it is checked at.
//!
//! Four invariants make a program smooth where it is checked:
//!
//! - every expression carries an interval (`Iv`) containing its value at the sampled points and
//!   around them (within the steps of the finite differences), so `ln`, `sqrt`, `asin`, `/`, ...
//!   get arguments inside their domains, `abs` and `signum` get arguments away from 0, and
//!   magnitudes stay moderate (`fit` scales an expression down by a power of two);
//! - mutable state (scalars `v*`, buffers `b*`) stays within [-1.5, 1.5] whatever the number of
//!   iterations: every update keeps it there, so a loop can run any number of times;
//! - a comparison of active values either reads a parameter against 0 (the parameters are sampled
//!   away from 0) or compares a value with a threshold outside its interval by a margin; all other
//!   branches test inactive integers (`k`, loop indices);
//! - a call passes arguments inside the domain its callee was generated for (helpers take
//!   [-2, 2], and a program `g(x, a, k)` the caller's own `x`, an `a` on one side of 0, and a
//!   `k` in 0..=3), and its result has the bound the callee recorded.

use crate::interval::Iv;
use crate::rng::Rng;

/// The bound of parameter entries at the sampled points and around them: the checks sample
/// `±[0.3, 1.2]` and the finite differences step by at most about 0.12 per entry.
pub const PARAM: f64 = 1.35;
/// The bound of mutable state.
pub const STATE: f64 = 1.5;
/// Expressions above this magnitude are scaled down.
const LIMIT: f64 = 12.0;

/// An expression: its text, its bound, and how it may be embedded.
#[derive(Clone, Debug)]
pub struct Ex {
    pub code: String,
    pub iv: Iv,
    pub kind: Kind,
    /// Built from literals only: its float type is ambiguous, so no method may be called on it.
    pub constant: bool,
    /// Depends on an active parameter (a conservative guess: `false` may be wrong, `true` not).
    pub active: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A name, index, call, method call, or parenthesized expression.
    Atom,
    /// A numeric literal (maybe negative).
    Literal,
    /// A binary or unary-minus expression.
    Compound,
}

impl Ex {
    pub fn atom(code: impl Into<String>, iv: Iv) -> Ex {
        Ex {
            code: code.into(),
            iv,
            kind: Kind::Atom,
            constant: false,
            active: true,
        }
    }

    pub fn compound(code: String, iv: Iv, constant: bool) -> Ex {
        Ex {
            code,
            iv,
            kind: Kind::Compound,
            constant,
            active: !constant,
        }
    }

    pub fn literal(c: f64) -> Ex {
        Ex {
            code: lit(c),
            iv: Iv::point(c),
            kind: Kind::Literal,
            constant: true,
            active: false,
        }
    }

    /// The same expression with the given activity.
    pub fn active(mut self, active: bool) -> Ex {
        self.active = active;
        self
    }

    /// As an operand of a binary operator.
    pub fn operand(&self) -> String {
        match self.kind {
            Kind::Atom => self.code.clone(),
            Kind::Literal if !self.code.starts_with('-') => self.code.clone(),
            _ => format!("({})", self.code),
        }
    }

    /// As the receiver of a method call.
    pub fn receiver(&self) -> String {
        assert!(!self.constant, "method call on a literal: {}", self.code);
        match self.kind {
            Kind::Atom => self.code.clone(),
            _ => format!("({})", self.code),
        }
    }
}

/// A float literal: a multiple of 1/8, so that it is exact, short, and never near a named
/// constant (clippy's `approx_constant`).
pub fn lit(c: f64) -> String {
    let c = (c * 8.0).round() / 8.0;
    let s = format!("{c:?}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

/// Rounds away from zero to a multiple of 1/8.
fn outward(c: f64) -> f64 {
    if c >= 0.0 {
        (c * 8.0).ceil() / 8.0
    } else {
        (c * 8.0).floor() / 8.0
    }
}

/// A random nonzero multiple of 1/8 in `[-m, m]`.
pub fn constant(rng: &mut Rng, m: f64) -> f64 {
    let steps = (m * 8.0) as usize;
    let c = rng.range(1, steps) as f64 / 8.0;
    // never 1: `x * 1.0` is clippy's identity_op
    let c = if c == 1.0 { 1.125 } else { c };
    if rng.chance(0.3) { -c } else { c }
}

/// How the active buffer parameter `x` is passed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum XTy {
    Slice,
    VecRef,
    VecOwned,
    /// `mut x: Vec<f64>`, written to.
    VecMut,
    Array,
    ArrayRef,
}

impl XTy {
    pub fn param(self) -> &'static str {
        match self {
            XTy::Slice => "x: &[f64]",
            XTy::VecRef => "x: &Vec<f64>",
            XTy::VecOwned => "x: Vec<f64>",
            XTy::VecMut => "mut x: Vec<f64>",
            XTy::Array => "x: [f64; 4]",
            XTy::ArrayRef => "x: &[f64; 4]",
        }
    }

    /// The argument passing a `&Vec<f64>` named `v` from the harness.
    pub fn adapt(self, v: &str) -> String {
        match self {
            XTy::Slice | XTy::VecRef => format!("&{v}"),
            XTy::VecOwned | XTy::VecMut => format!("{v}.clone()"),
            XTy::Array => format!("arr4(&{v})"),
            XTy::ArrayRef => format!("&arr4(&{v})"),
        }
    }

    /// Converts the adjoint of `x` (an expression) to `Vec<f64>`.
    pub fn adjoint(self, g: &str) -> String {
        match self {
            XTy::Array | XTy::ArrayRef => format!("{g}.to_vec()"),
            _ => g.to_string(),
        }
    }

    /// `x` as a `&[f64]` argument of a call, when it can be one.
    pub fn as_slice_arg(self) -> Option<&'static str> {
        match self {
            XTy::Slice | XTy::VecRef | XTy::ArrayRef => Some("x"),
            XTy::VecOwned | XTy::Array => Some("&x"),
            XTy::VecMut => None,
        }
    }
}

/// What a generated function computes, which decides its signature and its checks.
#[derive(Clone, Debug, PartialEq)]
pub enum Family {
    /// `fn h(u: f64, v: f64) -> f64`.
    Helper,
    /// `fn p(u: f64, v: f64) -> (f64, f64)`.
    Pair,
    /// `fn g(x, a: f64, k: usize) -> f64`.
    Scalar(XTy),
    /// `fn g(x, a: f64, k: usize) -> Vec<f64>` (or `[f64; 3]`), three entries.
    Vector(XTy, VecOut),
    /// `fn m(m: &M3, v: &V3, k: usize) -> R`, dynamic or fixed-size nalgebra.
    Matrix(crate::matrix::MatSig),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VecOut {
    /// `vec![a, b, c]`
    Literal,
    /// `[a, b, c]` with return type `[f64; 3]`
    Array,
    /// a buffer `out` written during the body
    Buffer,
}

/// A generated function, as the corpus keeps it.
#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub seed: u64,
    pub family: Family,
    pub source: String,
    /// Indices of the corpus functions it calls.
    pub callees: Vec<usize>,
    /// A bound of every entry of its result, over the inputs it may be called with.
    pub out: Iv,
    /// A rough count of the operations one evaluation runs, callees included.
    pub cost: u64,
}

// ================================================================= scope

#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub iv: Iv,
    pub used: bool,
    pub depth: usize,
    pub mutable: bool,
    /// For a mutable: written at least once.
    pub updated: bool,
    /// For an iterator item `xi` of `.iter()`: read as `*xi`.
    pub deref: bool,
    /// A parameter entry read through an item: away from 0 (by at least 0.15).
    pub signed: bool,
    pub active: bool,
}

#[derive(Clone, Debug)]
pub struct Buf {
    pub name: String,
    pub len: usize,
    /// Columns of a matrix copy (indexed by `(row, column)`), 1 for buffers and vectors.
    pub cols: usize,
    pub iv: Iv,
    pub depth: usize,
    pub mutable: bool,
    pub written: bool,
    /// Borrowed by an enclosing `for` over its iterator: no writes.
    pub borrowed: usize,
    /// Holds active values (`false` for zeros until written: a conservative guess).
    pub active: bool,
}

#[derive(Clone, Debug)]
pub struct IntVar {
    pub name: String,
    pub min: usize,
    pub max: usize,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LoopKind {
    /// `for`: `continue` is fine.
    For,
    /// `while` or `loop` with a counter incremented at the end: no `continue`.
    Counted,
    /// `loop` whose value is taken: `break` needs a value.
    Valued,
}

#[derive(Clone, Debug)]
pub struct LoopCtx {
    pub label: Option<String>,
    pub kind: LoopKind,
}

/// Which constructs the generator may use; switched off one by one to keep known bugs out of
/// the CI corpus (see `KNOWN_BUGS` in `build.rs`).
#[derive(Clone, Debug)]
pub struct Features {
    pub disabled: Vec<&'static str>,
}

impl Features {
    pub fn on(&self, name: &str) -> bool {
        !self.disabled.contains(&name)
    }
}

/// The state of the generation of one function.
pub struct Gen<'c> {
    pub rng: Rng,
    pub corpus: &'c [Function],
    pub features: &'c Features,
    pub locals: Vec<Local>,
    pub bufs: Vec<Buf>,
    pub ints: Vec<IntVar>,
    pub loops: Vec<LoopCtx>,
    pub depth: usize,
    pub next_id: usize,
    /// Statements left to write.
    pub budget: i32,
    /// The product of the trip counts of the enclosing loops.
    pub trips: u64,
    pub cost: u64,
    pub callees: Vec<usize>,
    /// The active buffer parameter `x`, if any, and whether its entries keep their sign.
    pub x: Option<XTy>,
    pub x_signed: bool,
    /// Borrowed by a `for` over `x.iter()`.
    pub x_borrowed: usize,
    /// The active scalar parameter `a`, if any.
    pub a: bool,
    /// Names of extra scalar parameters (helpers: `u`, `v`) with their bound.
    pub scalar_params: Vec<(String, Iv)>,
    pub k_used: bool,
    /// The bounds of every value returned.
    pub returns: Option<Iv>,
    /// Hooks of the matrix family: extra leaves.
    pub matrix: Option<crate::matrix::MatEnv>,
    /// The family of the function being written (for returns).
    pub family: Family,
    /// Whether an early `return` may be written.
    pub allow_return: bool,
    /// The bounds of the `break` values of the enclosing valued loops.
    pub valued_breaks: Vec<Iv>,
    /// Writing the body of a `map`/`from_fn` closure: no calls.
    pub in_closure: bool,
    /// Buffers declared `let mut` and never written: their `mut` is dropped at the end.
    pub unwritten: Vec<String>,
    /// The label of an enclosing `for` that a nested loop should jump to.
    pub pending_label: Option<String>,
}

pub type Lines = Vec<String>;

/// An item of a `for` over an iterator: its name, its bound, and whether it keeps its sign.
type Item = (String, Iv, bool);

pub fn indent(lines: Lines) -> Lines {
    lines
        .iter()
        .flat_map(|l| l.split('\n'))
        .map(|l| format!("    {l}"))
        .collect()
}

impl<'c> Gen<'c> {
    pub fn new(seed: u64, corpus: &'c [Function], features: &'c Features, family: Family) -> Self {
        Gen {
            rng: Rng::new(seed),
            corpus,
            features,
            locals: Vec::new(),
            bufs: Vec::new(),
            ints: Vec::new(),
            loops: Vec::new(),
            depth: 0,
            next_id: 0,
            budget: 0,
            trips: 1,
            cost: 0,
            callees: Vec::new(),
            x: None,
            x_signed: false,
            x_borrowed: 0,
            a: false,
            scalar_params: Vec::new(),
            k_used: false,
            returns: None,
            matrix: None,
            family,
            allow_return: false,
            valued_breaks: Vec::new(),
            in_closure: false,
            unwritten: Vec::new(),
            pending_label: None,
        }
    }

    pub fn on(&self, feature: &str) -> bool {
        self.features.on(feature)
    }

    /// A new name: the prefix and a counter (which spells names like the macro's own
    /// temporaries, `t1`, `c2`, `i3`, on purpose).
    pub fn fresh(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.chance(p)
    }

    pub fn count(&mut self, n: u64) {
        self.cost += n * self.trips;
    }

    // ============================================================= expressions

    /// `e` scaled by a power of two into `[-m, m]`.
    pub fn fit(&mut self, e: Ex, m: f64) -> Ex {
        let big = e.iv.abs_max();
        if big <= m {
            return e;
        }
        let mut c = 1.0;
        while big * c > m {
            c /= 2.0;
        }
        let iv = e.iv.scale(c);
        Ex::compound(
            format!("{} * {}", e.operand(), lit_exact(c)),
            iv,
            e.constant,
        )
        .active(e.active)
    }

    /// `e` made at least 0.2: itself, shifted, squared plus a constant, or exponentiated.
    pub fn positive(&mut self, e: Ex) -> Ex {
        if e.iv.lo >= 0.2 {
            return e;
        }
        match self.rng.below(3) {
            0 => {
                let s = outward(0.5 - e.iv.lo);
                self.offset(e, s)
            }
            1 => {
                let c = 0.25 + self.rng.below(4) as f64 * 0.25;
                let sq = e.iv.square();
                Ex::compound(
                    format!("{} * {} + {}", e.operand(), e.operand(), lit(c)),
                    sq.add(Iv::point(c)),
                    e.constant,
                )
                .active(e.active)
            }
            _ if !e.constant => {
                let e = self.fit(e, 2.0);
                let iv = e.iv.increasing(f64::exp);
                self.method1(&e, "exp", iv)
            }
            _ => self.positive(Ex::literal(1.0)),
        }
    }

    /// `e` made at least 0.3 away from 0.
    pub fn nonzero(&mut self, e: Ex) -> Ex {
        if e.iv.away_from_zero(0.3) {
            return e;
        }
        if self.chance(0.5) {
            self.positive(e)
        } else {
            let s = outward(-(e.iv.hi + 0.5));
            self.offset(e, s)
        }
    }

    /// `e + c` for a constant `c`.
    pub fn offset(&self, e: Ex, c: f64) -> Ex {
        let (code, iv) = if c >= 0.0 {
            (
                format!("{} + {}", e.operand(), lit(c)),
                e.iv.add(Iv::point(c)),
            )
        } else {
            (
                format!("{} - {}", e.operand(), lit(-c)),
                e.iv.add(Iv::point(c)),
            )
        };
        Ex::compound(code, iv, e.constant).active(e.active)
    }

    /// `recv.name()` or `f64::name(recv)`.
    pub fn method1(&mut self, e: &Ex, name: &str, iv: Iv) -> Ex {
        let r = if self.chance(0.2) {
            Ex::atom(format!("f64::{name}({})", e.code), iv)
        } else {
            Ex::atom(format!("{}.{name}()", e.receiver()), iv)
        };
        r.active(e.active)
    }

    /// `recv.name(arg)` or `f64::name(recv, arg)`.
    pub fn method2(&mut self, e: &Ex, name: &str, arg: &str, iv: Iv) -> Ex {
        let r = if self.chance(0.2) {
            Ex::atom(format!("f64::{name}({}, {arg})", e.code), iv)
        } else {
            Ex::atom(format!("{}.{name}({arg})", e.receiver()), iv)
        };
        r.active(e.active)
    }

    /// `e`, made to depend on a parameter if it may not, unless `feature` (an inactive
    /// argument of a call, an inactive block value) is on.
    pub fn ensure_active(&mut self, e: Ex, feature: &str) -> Ex {
        if e.active || self.on(feature) {
            return e;
        }
        self.make_active(e)
    }

    /// `e` plus a multiple of a parameter, if it may not depend on one.
    pub fn make_active(&mut self, e: Ex) -> Ex {
        if e.active {
            return e;
        }
        let p = self.param_leaf();
        let p = self.fit(p, 0.5);
        self.binary_op(e, p, "+")
    }

    /// A random expression of at most `depth` levels.
    pub fn expr(&mut self, depth: u32) -> Ex {
        let e = if depth == 0 || self.chance(0.25) {
            self.leaf()
        } else {
            match self.rng.weighted(&[5, 6, 1]) {
                0 => {
                    let e = self.expr(depth - 1);
                    self.unary(e)
                }
                1 => {
                    let l = self.expr(depth - 1);
                    let r = self.expr(depth - 1);
                    self.binary(l, r)
                }
                _ => match self.call_expr() {
                    Some(e) => e,
                    None => self.leaf(),
                },
            }
        };
        self.fit(e, LIMIT)
    }

    /// A random expression that is not a literal (a receiver of methods).
    pub fn active_expr(&mut self, depth: u32) -> Ex {
        for _ in 0..8 {
            let e = self.expr(depth);
            if !e.constant {
                return e;
            }
        }
        self.param_leaf()
    }

    /// A parameter entry (always available).
    pub fn param_leaf(&mut self) -> Ex {
        if let Some(m) = self.matrix.clone() {
            return self.matrix_param_leaf(&m);
        }
        if !self.scalar_params.is_empty() {
            let (name, iv) = self.rng.pick(&self.scalar_params).clone();
            return Ex::atom(name, iv);
        }
        if self.a && (self.x.is_none() || self.chance(0.3)) {
            return Ex::atom("a", Iv::sym(PARAM));
        }
        let idx = self.index(4);
        Ex::atom(format!("x[{idx}]"), Iv::sym(PARAM))
    }

    /// An index expression into a buffer of length `len`: a literal, a loop index or `k`, or a
    /// combination, always in range.
    pub fn index(&mut self, len: usize) -> String {
        let ints: Vec<IntVar> = self.ints.iter().filter(|v| v.max < len).cloned().collect();
        let choice = self.rng.below(6);
        if choice < 2 && !ints.is_empty() {
            let v = self.rng.pick(&ints).clone();
            if v.name == "k" {
                self.k_used = true;
            }
            if choice == 1 && len >= 2 && v.max < len && v.min == 0 && self.chance(0.3) {
                // (len - 1) - v reversed
                return format!("{} - {}", len - 1, v.name);
            }
            return v.name;
        }
        if choice < 4 && !self.ints.is_empty() {
            let v = self.rng.pick(&self.ints).clone();
            if v.name == "k" {
                self.k_used = true;
            }
            let plus = self.rng.range(1, len - 1);
            let others: Vec<IntVar> = self
                .ints
                .iter()
                .filter(|o| o.name != v.name)
                .cloned()
                .collect();
            if !others.is_empty() && self.chance(0.3) {
                let o = self.rng.pick(&others).clone();
                if o.name == "k" {
                    self.k_used = true;
                }
                return format!("({} + {}) % {len}", v.name, o.name);
            }
            return format!("({} + {plus}) % {len}", v.name);
        }
        self.rng.below(len).to_string()
    }

    /// An index into a buffer, a vector, or (as `(row, column)`) a matrix copy.
    pub fn buf_index(&mut self, b: &Buf) -> String {
        if b.cols > 1 {
            let rows = b.len / b.cols;
            let (r, c) = (self.index(rows), self.index(b.cols));
            format!("({r}, {c})")
        } else {
            self.index(b.len)
        }
    }

    fn mark_mat_used(&mut self, name: &str) {
        if let Some(env) = &mut self.matrix {
            env.vars
                .iter_mut()
                .filter(|v| v.name == name)
                .for_each(|v| v.used = true);
        }
    }

    pub fn leaf(&mut self) -> Ex {
        let mut options: Vec<u32> = vec![
            4, // parameter
            if self.locals.is_empty() { 0 } else { 5 },
            if self.bufs.is_empty() { 0 } else { 2 },
            if self.ints.is_empty() { 0 } else { 1 },
            1, // literal
            if self.matrix.is_some() && !self.in_closure {
                4
            } else {
                0
            },
        ];
        if self.matrix.is_some() {
            options[0] = 5;
        }
        match self.rng.weighted(&options) {
            0 => self.param_leaf(),
            1 => {
                let i = self.rng.below(self.locals.len());
                let bare = self.on("bare_item");
                let l = &mut self.locals[i];
                l.used = true;
                let (iv, active) = (l.iv, l.active);
                if !l.deref {
                    Ex::atom(l.name.clone(), iv).active(active)
                } else if bare {
                    Ex::compound(format!("*{}", l.name), iv, false).active(active)
                } else {
                    // without feature `bare_item`, an item `*xi` of `.iter()` is read only as
                    // an operand of a product with a constant
                    Ex::compound(format!("*{} * 0.875", l.name), iv.scale(0.875), false)
                        .active(active)
                }
            }
            2 => {
                let b = self.rng.pick(&self.bufs).clone();
                let idx = self.buf_index(&b);
                self.mark_mat_used(&b.name);
                Ex::atom(format!("{}[{idx}]", b.name), b.iv).active(b.active)
            }
            3 => {
                let v = self.rng.pick(&self.ints).clone();
                if v.name == "k" {
                    self.k_used = true;
                }
                // an inactive value cast to a float: no derivative
                let iv = Iv::new(v.min as f64, v.max as f64);
                Ex::compound(format!("{} as f64", v.name), iv, false).active(false)
            }
            4 => Ex::literal(constant(&mut self.rng, 2.0)),
            _ => match self.matrix_entry_leaf() {
                Some(e) => e,
                None => self.param_leaf(),
            },
        }
    }

    /// A unary operation on `e`, with its argument brought into the operation's domain.
    pub fn unary(&mut self, e: Ex) -> Ex {
        if e.constant {
            return if self.chance(0.5) {
                e
            } else {
                Ex::compound(format!("-{}", e.operand()), e.iv.neg(), true)
            };
        }
        let ops: &[(&str, u32)] = &[
            ("sin", 3),
            ("cos", 3),
            ("tan", 1),
            ("tanh", 3),
            ("atan", 2),
            ("asinh", 1),
            ("exp", 3),
            ("exp2", 1),
            ("exp_m1", 1),
            ("sinh", 1),
            ("cosh", 1),
            ("ln", 3),
            ("log2", 1),
            ("log10", 1),
            ("log", 1),
            ("sqrt", 3),
            ("cbrt", 1),
            ("ln_1p", 1),
            ("asin", 1),
            ("acos", 1),
            ("atanh", 1),
            ("acosh", 1),
            ("recip", 1),
            ("abs", 1),
            ("signum", 1),
            ("powi", 3),
            ("powf", 1),
            ("hypot", 1),
            ("atan2", 1),
            ("max", 2),
            ("min", 2),
            ("clamp", 1),
            ("mul_add", 1),
            ("step", 1),
            ("neg", 2),
        ];
        let ops: Vec<(&str, u32)> = ops
            .iter()
            .map(|&(n, w)| (n, if self.on(n) { w } else { 0 }))
            .collect();
        let weights: Vec<u32> = ops.iter().map(|o| o.1).collect();
        let name = ops[self.rng.weighted(&weights)].0;
        self.count(1);
        match name {
            "sin" | "cos" => {
                let e = self.fit(e, 4.0);
                self.method1(&e, name, Iv::sym(1.0))
            }
            "tan" => {
                let e = self.fit(e, 1.2);
                let iv = e.iv.increasing(f64::tan);
                self.method1(&e, name, iv)
            }
            "tanh" | "atan" | "asinh" => {
                let f: fn(f64) -> f64 = match name {
                    "tanh" => f64::tanh,
                    "atan" => f64::atan,
                    _ => f64::asinh,
                };
                let iv = e.iv.increasing(f);
                self.method1(&e, name, iv)
            }
            "exp" | "exp2" | "exp_m1" | "sinh" => {
                let e = self.fit(e, 2.5);
                let f: fn(f64) -> f64 = match name {
                    "exp" => f64::exp,
                    "exp2" => f64::exp2,
                    "exp_m1" => f64::exp_m1,
                    _ => f64::sinh,
                };
                let iv = e.iv.increasing(f);
                self.method1(&e, name, iv)
            }
            "cosh" => {
                let e = self.fit(e, 2.5);
                let iv = e.iv.even(f64::cosh);
                self.method1(&e, name, iv)
            }
            "ln" | "log2" | "log10" | "sqrt" | "cbrt" => {
                let e = self.positive(e);
                if e.constant {
                    return e;
                }
                let f: fn(f64) -> f64 = match name {
                    "ln" => f64::ln,
                    "log2" => f64::log2,
                    "log10" => f64::log10,
                    "sqrt" => f64::sqrt,
                    _ => f64::cbrt,
                };
                let iv = e.iv.increasing(f);
                self.method1(&e, name, iv)
            }
            "log" => {
                let e = self.positive(e);
                if e.constant {
                    return e;
                }
                let iv = e.iv.increasing(|t| t.ln() / 3f64.ln());
                self.method2(&e, "log", "3.0", iv)
            }
            "ln_1p" => {
                let e = if e.iv.lo >= -0.7 { e } else { self.positive(e) };
                if e.constant {
                    return e;
                }
                let iv = e.iv.increasing(f64::ln_1p);
                self.method1(&e, name, iv)
            }
            "asin" | "atanh" => {
                let e = self.fit(e, 0.8);
                let iv = e.iv.increasing(if name == "asin" {
                    f64::asin
                } else {
                    f64::atanh
                });
                self.method1(&e, name, iv)
            }
            "acos" => {
                let e = self.fit(e, 0.8);
                let iv = e.iv.decreasing(f64::acos);
                self.method1(&e, name, iv)
            }
            "acosh" => {
                let e = if e.iv.lo >= 1.2 {
                    e
                } else {
                    let e = self.fit(e, 2.0);
                    Ex::compound(
                        format!("1.25 + {} * {}", e.operand(), e.operand()),
                        e.iv.square().add(Iv::point(1.25)),
                        e.constant,
                    )
                    .active(e.active)
                };
                let iv = e.iv.increasing(f64::acosh);
                self.method1(&e, name, iv)
            }
            "recip" => {
                let e = self.nonzero(e);
                let iv = e.iv.recip();
                self.method1(&e, name, iv)
            }
            "abs" | "signum" => {
                let e = self.nonzero(e);
                let iv = if name == "abs" {
                    Iv::new(e.iv.abs_min(), e.iv.abs_max())
                } else if e.iv.lo > 0.0 {
                    Iv::point(1.0)
                } else {
                    Iv::point(-1.0)
                };
                let r = self.method1(&e, name, iv);
                if name == "signum" {
                    // a constant ±1 with a zero derivative: multiply it into something
                    let other = self.active_expr(1);
                    return self.binary_op(r, other, "*");
                }
                r
            }
            "powi" => {
                let n = *self.rng.pick(&[2, 2, 3, -1, -2]);
                let (e, iv) = match n {
                    2 => {
                        let e = self.fit(e, 3.0);
                        let iv = e.iv.square();
                        (e, iv)
                    }
                    3 => {
                        let e = self.fit(e, 2.0);
                        let iv = e.iv.increasing(|t| t.powi(3));
                        (e, iv)
                    }
                    _ => {
                        let e = self.nonzero(e);
                        let e = self.fit(e, 4.0);
                        let iv = if n == -1 {
                            e.iv.recip()
                        } else {
                            e.iv.square().recip()
                        };
                        (e, iv)
                    }
                };
                self.method2(&e, "powi", &n.to_string(), iv)
            }
            "powf" => {
                let base = self.positive(e);
                let base = self.fit(base, 4.0);
                if base.constant {
                    return base;
                }
                let p = self.expr(1);
                let p = self.fit(p, 1.5);
                let ln = base.iv.increasing(f64::ln);
                let iv = ln.mul(p.iv).increasing(f64::exp);
                self.method2(&base, "powf", &p.code, iv)
            }
            "hypot" => {
                let o = self.expr(1);
                let o = self.nonzero(o);
                let e = self.fit(e, 4.0);
                let o = self.fit(o, 4.0);
                let iv = Iv::new(
                    e.iv.abs_min().hypot(o.iv.abs_min()),
                    e.iv.abs_max().hypot(o.iv.abs_max()),
                );
                self.method2(&e, "hypot", &o.code, iv)
            }
            "atan2" => {
                let o = self.expr(1);
                let o = self.positive(o);
                let iv = Iv::sym(std::f64::consts::FRAC_PI_2);
                self.method2(&e, "atan2", &o.code, iv)
            }
            "max" | "min" => {
                let margin = 0.5 + 0.1 * (e.iv.hi - e.iv.lo);
                if self.chance(0.5) {
                    // against a constant far from the value: one side always wins
                    let keep = self.chance(0.7);
                    let t = if (name == "max") == keep {
                        outward(e.iv.lo - margin)
                    } else {
                        outward(e.iv.hi + margin)
                    };
                    let iv = if keep { e.iv } else { Iv::point(t) };
                    if !keep {
                        // a constant with a zero derivative: combine with an active value
                        let r = self.method2(&e, name, &lit(t), iv);
                        let other = self.active_expr(1);
                        return self.binary_op(r, other, "*");
                    }
                    self.method2(&e, name, &lit(t), iv)
                } else {
                    // against another active value kept apart from it
                    let o = self.active_expr(1);
                    let o = self.fit(o, 4.0);
                    let above = self.chance(0.5);
                    let shift = if above {
                        outward(e.iv.hi - o.iv.lo + margin)
                    } else {
                        outward(e.iv.lo - o.iv.hi - margin)
                    };
                    let o = self.offset(o, shift);
                    let iv = if (name == "max") == above { o.iv } else { e.iv };
                    self.method2(&e, name, &o.code, iv)
                }
            }
            "clamp" => {
                let margin = 0.5 + 0.1 * (e.iv.hi - e.iv.lo);
                let (lo, hi) = (outward(e.iv.lo - margin), outward(e.iv.hi + margin));
                let iv = e.iv;
                self.method2(&e, "clamp", &format!("{}, {}", lit(lo), lit(hi)), iv)
            }
            "mul_add" => {
                let b = self.expr(1);
                let b = self.fit(b, 3.0);
                let c = self.expr(1);
                let e = self.fit(e, 3.0);
                let iv = e.iv.mul(b.iv).add(c.iv);
                self.method2(&e, "mul_add", &format!("{}, {}", b.code, c.code), iv)
            }
            "step" => {
                // floor, ceil, round, trunc: piecewise constant, so only of an argument kept
                // inside one piece; multiplied into an active value to matter
                let op = *self.rng.pick(&["floor", "ceil", "round", "trunc"]);
                let n = self.rng.range(0, 4) as f64 - 2.0;
                let center = if op == "round" { n } else { n + 0.5 };
                let e = self.fit(e, 2.0);
                let iv = e.iv.increasing(f64::tanh);
                let t = self.method1(&e, "tanh", iv);
                let arg = Ex::compound(
                    format!("{} + 0.25 * {}", lit_exact(center), t.operand()),
                    Iv::new(center - 0.25, center + 0.25),
                    false,
                )
                .active(t.active);
                let value = match op {
                    "floor" => (center).floor(),
                    "ceil" => (center).ceil(),
                    "round" => (center).round(),
                    _ => (center).trunc(),
                };
                let r = self.method1(&arg, op, Iv::point(value));
                let other = self.active_expr(1);
                self.binary_op(other, r, "+")
            }
            _ => Ex::compound(format!("-{}", e.operand()), e.iv.neg(), false).active(e.active),
        }
    }

    /// A binary operation.
    pub fn binary(&mut self, l: Ex, r: Ex) -> Ex {
        let op = *self.rng.pick(&["+", "+", "-", "*", "*", "/"]);
        self.binary_op(l, r, op)
    }

    pub fn binary_op(&mut self, l: Ex, r: Ex, op: &str) -> Ex {
        self.count(1);
        // `a - a` and `a / a` are clippy errors (`eq_op`)
        let op = if l.code == r.code && (op == "-" || op == "/") {
            "+"
        } else {
            op
        };
        let (r, iv) = match op {
            "+" => {
                let iv = l.iv.add(r.iv);
                (r, iv)
            }
            "-" => {
                let iv = l.iv.sub(r.iv);
                (r, iv)
            }
            "*" => {
                let iv = if l.code == r.code {
                    l.iv.square()
                } else {
                    l.iv.mul(r.iv)
                };
                (r, iv)
            }
            _ => {
                let r = self.nonzero(r);
                let iv = l.iv.div(r.iv);
                (r, iv)
            }
        };
        let constant = l.constant && r.constant;
        let active = l.active || r.active;
        Ex::compound(
            format!("{} {op} {}", l.operand(), r.operand()),
            iv,
            constant,
        )
        .active(active)
    }

    // ============================================================= calls

    /// A call to an earlier helper (`h(u, v)`) or scalar program (`g(x, t, k)`) as an
    /// expression, when one is affordable.
    pub fn call_expr(&mut self) -> Option<Ex> {
        if !self.on("call") || self.in_closure {
            return None;
        }
        let budget = 400 / self.trips.max(1);
        let candidates: Vec<usize> = self
            .corpus
            .iter()
            .enumerate()
            .filter(|(_, f)| f.cost <= budget.min(150))
            .filter(|(_, f)| match &f.family {
                Family::Helper => true,
                Family::Scalar(XTy::Slice) => self.x_arg().is_some(),
                Family::Matrix(sig) => {
                    sig.out == crate::matrix::MatOut::Scalar
                        && self
                            .matrix
                            .as_ref()
                            .is_some_and(|m| m.sig.fixed == sig.fixed)
                }
                _ => false,
            })
            .map(|(i, _)| i)
            .collect();
        if candidates.is_empty() {
            return None;
        }
        // prefer recent functions, so that calls chain
        let pick = candidates[candidates.len() - 1 - self.rng.below(candidates.len().min(12))];
        let callee = &self.corpus[pick];
        let (name, out, cost) = (callee.name.clone(), callee.out, callee.cost);
        let family = callee.family.clone();
        self.callees.push(pick);
        self.count(cost);
        let code = match family {
            Family::Helper => {
                let u = self.call_arg();
                let v = self.call_arg();
                format!("{name}({}, {})", u.code, v.code)
            }
            Family::Matrix(_) => {
                let k = self.int_arg(3);
                format!("{name}(m, v, {k})")
            }
            _ => {
                let x = self.x_arg().expect("checked");
                let t = self.signed_arg();
                let k = self.int_arg(3);
                format!("{name}({x}, {}, {k})", t.code)
            }
        };
        Some(Ex::atom(code, out))
    }

    /// A scalar argument of a helper: in [-2, 2].
    pub fn call_arg(&mut self) -> Ex {
        let u = self.expr(1);
        let u = self.ensure_active(u, "call_inactive_arg");
        self.fit(u, 2.0)
    }

    /// `x` as the `&[f64]` argument of a call to a generated function, when it can be one.
    pub fn x_arg(&self) -> Option<&'static str> {
        let x = self.x?;
        if !self.x_signed {
            return None;
        }
        if matches!(x, XTy::Array | XTy::ArrayRef) && !self.on("call_array_arg") {
            return None;
        }
        x.as_slice_arg()
    }

    /// An active scalar argument in `±[0.25, PARAM]` on one side of 0, for a parameter
    /// the callee compares with 0.
    pub fn signed_arg(&mut self) -> Ex {
        match self.rng.below(3) {
            0 => self.param_leaf(),
            _ => {
                let e = self.active_expr(2);
                let e = self.ensure_active(e, "call_inactive_arg");
                let e = self.fit(e, 8.0);
                let t = self.method1(&e, "tanh", Iv::sym(1.0));
                let c = *self.rng.pick(&[-0.75, -0.5, 0.5, 0.75, 1.0]);
                Ex::compound(
                    format!("{} + 0.25 * {}", lit(c), t.operand()),
                    Iv::new(c - 0.25, c + 0.25),
                    false,
                )
                .active(t.active)
            }
        }
    }

    /// An inactive integer argument in `0..=max`.
    pub fn int_arg(&mut self, max: usize) -> String {
        let ints: Vec<IntVar> = self.ints.iter().filter(|v| v.max <= max).cloned().collect();
        if !ints.is_empty() && self.chance(0.7) {
            let v = self.rng.pick(&ints).clone();
            if v.name == "k" {
                self.k_used = true;
            }
            if v.max < max && self.chance(0.3) {
                return format!("{} + 1", v.name);
            }
            return v.name;
        }
        self.rng.range(0, max).to_string()
    }

    // ============================================================= conditions

    /// A branch condition: on inactive integers, on the sign of a parameter entry, or a
    /// comparison of an active value with a far threshold.
    pub fn cond(&mut self) -> String {
        let ints = !self.ints.is_empty();
        match self
            .rng
            .weighted(&[if ints { 4 } else { 0 }, 3, 3, if ints { 1 } else { 0 }])
        {
            0 => self.int_cond(),
            1 => self.sign_cond(),
            2 => self.far_cond(),
            _ => {
                let l = self.int_cond();
                let r = if self.chance(0.5) {
                    self.sign_cond()
                } else {
                    self.far_cond()
                };
                let op = if self.chance(0.5) { "&&" } else { "||" };
                format!("{l} {op} {r}")
            }
        }
    }

    pub fn int_cond(&mut self) -> String {
        let v = if !self.ints.is_empty() {
            self.rng.pick(&self.ints).clone()
        } else {
            return "true".into();
        };
        if v.name == "k" {
            self.k_used = true;
        }
        let (lo, hi) = (v.min, v.max);
        if hi == lo {
            return format!("{} == {lo}", v.name);
        }
        match self.rng.below(5) {
            0 => format!("{} == {}", v.name, self.rng.range(lo, hi)),
            1 => format!("{} > {}", v.name, self.rng.range(lo, hi - 1)),
            2 => format!("{} < {}", v.name, self.rng.range(lo + 1, hi)),
            // `k` is a `usize`; loop counters may be untyped integers, without the method
            3 if v.name == "k" && self.chance(0.5) => "k.is_multiple_of(2)".to_string(),
            3 => format!("{} % 2 == 1", v.name),
            _ => {
                let others: Vec<IntVar> = self
                    .ints
                    .iter()
                    .filter(|o| o.name != v.name)
                    .cloned()
                    .collect();
                if others.is_empty() {
                    format!("{} != {}", v.name, self.rng.range(lo, hi))
                } else {
                    let o = self.rng.pick(&others).clone();
                    if o.name == "k" {
                        self.k_used = true;
                    }
                    let op = *self.rng.pick(&["<", "==", ">", "!="]);
                    format!("{} {op} {}", v.name, o.name)
                }
            }
        }
    }

    /// A parameter entry against 0, when the parameters keep their sign.
    pub fn sign_cond(&mut self) -> String {
        let items: Vec<Local> = self.locals.iter().filter(|l| l.signed).cloned().collect();
        let e = if !items.is_empty() && self.chance(0.4) {
            let l = self.rng.pick(&items).clone();
            self.locals.iter_mut().for_each(|m| {
                if m.name == l.name {
                    m.used = true;
                }
            });
            format!("*{}", l.name)
        } else if let Some(code) = self.signed_param() {
            code
        } else {
            return self.far_cond();
        };
        let op = *self.rng.pick(&[">", "<", ">=", "<="]);
        format!("{e} {op} 0.0")
    }

    /// A parameter entry known to be away from 0, as code.
    pub fn signed_param(&mut self) -> Option<String> {
        if let Some(m) = self.matrix.clone() {
            return Some(self.matrix_signed_leaf(&m));
        }
        let x_ok = self.x.is_some() && self.x_signed;
        match (x_ok, self.a) {
            (true, true) if self.chance(0.6) => {
                let i = self.index(4);
                Some(format!("x[{i}]"))
            }
            (true, false) => {
                let i = self.index(4);
                Some(format!("x[{i}]"))
            }
            (_, true) => Some("a".into()),
            _ => None,
        }
    }

    /// An active expression against a threshold beyond its bound.
    pub fn far_cond(&mut self) -> String {
        let e = self.active_expr(2);
        let margin = 0.5 + 0.1 * (e.iv.hi - e.iv.lo);
        let below = self.chance(0.5);
        // `e > t` with t below the bound is always true, above it always false
        let t = if below {
            outward(e.iv.lo - margin)
        } else {
            outward(e.iv.hi + margin)
        };
        let op = *self.rng.pick(&[">", "<", ">=", "<="]);
        format!("{} {op} {}", e.operand(), lit(t))
    }

    // ============================================================= scope

    pub fn push_scope(&mut self) {
        self.depth += 1;
    }

    /// Closes a scope: the bindings of it that were never read are folded into a mutable (so
    /// that no binding is unused), then dropped.
    pub fn pop_scope(&mut self, out: &mut Lines) {
        let unused: Vec<Local> = self
            .locals
            .iter()
            .filter(|l| l.depth == self.depth && !l.used && !l.mutable)
            .cloned()
            .collect();
        for l in unused {
            let code = if l.deref {
                format!("*{}", l.name)
            } else {
                l.name.clone()
            };
            let e = if l.deref {
                Ex::compound(code, l.iv, false)
            } else {
                Ex::atom(code, l.iv)
            };
            let line = self.fold(e);
            out.push(line);
        }
        self.pop_matrices(out);
        let d = self.depth;
        let idle: Vec<String> = self
            .bufs
            .iter()
            .filter(|b| b.depth == d && !b.written)
            .map(|b| b.name.clone())
            .collect();
        self.unwritten.extend(idle);
        self.locals.retain(|l| l.depth < d);
        self.bufs.retain(|b| b.depth < d);
        self.depth -= 1;
    }

    /// A statement folding `e` into a mutable scalar.
    pub fn fold(&mut self, e: Ex) -> String {
        let targets: Vec<usize> = (0..self.locals.len())
            .filter(|&i| self.locals[i].mutable)
            .collect();
        let t = targets[self.rng.below(targets.len())];
        let name = self.locals[t].name.clone();
        self.locals[t].updated = true;
        self.locals[t].used = true;
        let q = self.fit(e, STATE);
        format!("{name} = 0.5 * {name} + 0.5 * {};", q.operand())
    }

    pub fn add_local(&mut self, name: &str, iv: Iv) {
        self.add_local_active(name, iv, true);
    }

    pub fn add_local_active(&mut self, name: &str, iv: Iv, active: bool) {
        self.locals.push(Local {
            name: name.into(),
            iv,
            used: false,
            depth: self.depth,
            mutable: false,
            updated: false,
            deref: false,
            signed: false,
            active,
        });
    }

    pub fn mutables(&self) -> Vec<String> {
        self.locals
            .iter()
            .filter(|l| l.mutable)
            .map(|l| l.name.clone())
            .collect()
    }

    // ============================================================= statements

    /// A block of statements (in a new scope), with an optional terminator.
    pub fn block(&mut self, max: usize) -> Lines {
        self.push_scope();
        let mut out = Vec::new();
        let n = self.rng.range(1, max);
        for _ in 0..n {
            if self.budget <= 0 {
                break;
            }
            out.extend(self.stmt());
        }
        if out.is_empty() {
            out.push(self.update());
        }
        self.pop_scope(&mut out);
        out
    }

    /// One statement.
    pub fn stmt(&mut self) -> Lines {
        self.budget -= 1;
        let in_loop = !self.loops.is_empty();
        let nest = self.loops.len();
        if nest >= 2 && self.pending_label.is_some() {
            let label = self.pending_label.take().expect("checked");
            return self.labelled_jump(&label);
        }
        let deep = self.depth >= 4;
        let weights = [
            6, // let
            5, // update
            if self.writable_bufs().is_empty() {
                0
            } else {
                3
            }, // buffer write
            if deep { 0 } else { 3 }, // if
            if deep || !self.on("match") || self.ints.is_empty() {
                0
            } else {
                1
            }, // match
            2, // let if / match / block value
            if nest >= 2 || deep { 0 } else { 3 }, // for
            if nest >= 2 || deep || !self.on("while") {
                0
            } else {
                1
            }, // while
            if nest >= 2 || deep || !self.on("loop") {
                0
            } else {
                1
            }, // loop
            if in_loop { 2 } else { 0 }, // break / continue
            if self.allow_return && self.on("return") {
                1
            } else {
                0
            }, // early return
            if deep { 0 } else { 1 }, // block
            if self.on("call") { 1 } else { 0 }, // call statement
            if self.on("tuple") { 1 } else { 0 }, // tuple
            if self.x == Some(XTy::VecMut) && self.x_borrowed == 0 {
                2
            } else {
                0
            }, // param write
            if self.matrix.is_some() { 18 } else { 0 }, // matrix statement
        ];
        match self.rng.weighted(&weights) {
            0 => self.let_stmt(),
            1 => vec![self.update()],
            2 => vec![self.buf_write()],
            3 => self.if_stmt(),
            4 => self.match_stmt(),
            5 => self.let_value(),
            6 => self.for_stmt(),
            7 => self.while_stmt(),
            8 => self.loop_stmt(),
            9 => self.jump(),
            10 => self.early_return(),
            11 => {
                let mut out = vec!["{".to_string()];
                out.extend(indent(self.block(3)));
                out.push("}".into());
                out
            }
            12 => self.call_stmt(),
            13 => self.tuple_stmt(),
            14 => vec![self.x_write()],
            _ => self.matrix_stmt(),
        }
    }

    pub fn let_stmt(&mut self) -> Lines {
        self.count(1);
        // shadowing: a new binding of an existing name, from its old value
        let shadowable: Vec<usize> = (0..self.locals.len())
            .filter(|&i| {
                let l = &self.locals[i];
                !l.mutable && !l.deref && l.depth == self.depth && !l.name.contains('.')
            })
            .collect();
        if !shadowable.is_empty() && self.on("shadow") && self.chance(0.2) {
            let i = shadowable[self.rng.below(shadowable.len())];
            self.locals[i].used = true;
            let old = Ex::atom(self.locals[i].name.clone(), self.locals[i].iv)
                .active(self.locals[i].active);
            let name = old.code.clone();
            let other = self.expr(1);
            let e = self.binary(old, other);
            let e = self.unary(e);
            let e = self.fit(e, LIMIT);
            self.locals.remove(i);
            self.add_local_active(&name, e.iv, e.active);
            return vec![format!("let {name} = {};", e.code)];
        }
        let e = self.active_expr(3);
        let name = self.fresh("t");
        let line = if self.chance(0.2) {
            format!("let {name}: f64 = {};", e.code)
        } else {
            format!("let {name} = {};", e.code)
        };
        self.add_local_active(&name, e.iv, e.active);
        vec![line]
    }

    /// An update of a mutable scalar that keeps it within [-STATE, STATE] and reads its old value
    /// (so that no assignment is dead).
    pub fn update(&mut self) -> String {
        let targets: Vec<usize> = (0..self.locals.len())
            .filter(|&i| self.locals[i].mutable)
            .collect();
        let t = targets[self.rng.below(targets.len())];
        self.update_of(t)
    }

    /// An update of the mutable `self.locals[t]`.
    pub fn update_of(&mut self, t: usize) -> String {
        self.count(2);
        let name = self.locals[t].name.clone();
        self.locals[t].updated = true;
        self.locals[t].used = true;
        let v = Ex::atom(name.clone(), Iv::sym(STATE));
        match self.rng.below(6) {
            0 | 1 => {
                let q = self.expr(2);
                let q = self.fit(q, STATE);
                let (c1, c2) =
                    *self
                        .rng
                        .pick(&[(0.5, 0.5), (0.25, 0.75), (0.75, 0.25), (0.625, 0.375)]);
                if self.chance(0.5) || q.code == name {
                    format!(
                        "{name} = {} * {name} + {} * {};",
                        lit(c1),
                        lit(c2),
                        q.operand()
                    )
                } else {
                    format!(
                        "{name} = {} * {} - {} * {name};",
                        lit(c2),
                        q.operand(),
                        lit(c1)
                    )
                }
            }
            2 => {
                let q = self.expr(2);
                let q = self.fit(q, 1.0);
                format!("{name} *= {};", q.code)
            }
            3 => {
                let q = self.expr(2);
                let q = self.fit(q, 2.0);
                format!("{name} /= 1.0 + {} * {};", q.operand(), q.operand())
            }
            4 => {
                let q = self.expr(2);
                let q = self.fit(q, STATE);
                let op = if self.chance(0.5) { "+=" } else { "-=" };
                format!("{name} {op} {};\n{name} *= 0.5;", q.code)
            }
            _ => {
                // any expression of the old value, brought back into range
                let q = self.expr(2);
                let e = self.binary(v, q);
                let e = self.unary(e);
                let e = self.fit(e, STATE);
                format!("{name} = {};", e.code)
            }
        }
    }

    pub fn writable_bufs(&self) -> Vec<usize> {
        (0..self.bufs.len())
            .filter(|&i| self.bufs[i].mutable && self.bufs[i].borrowed == 0)
            .collect()
    }

    /// A write into a local buffer that keeps its entries within its bound.
    pub fn buf_write(&mut self) -> String {
        self.count(2);
        let ws = self.writable_bufs();
        let i = ws[self.rng.below(ws.len())];
        self.bufs[i].written = true;
        let (name, len, bound) = (
            self.bufs[i].name.clone(),
            self.bufs[i].len,
            self.bufs[i].iv.abs_max(),
        );
        let _ = len;
        let b = self.bufs[i].clone();
        let idx = self.buf_index(&b);
        let (target, read) = (format!("{name}[{idx}]"), format!("{name}[{idx}]"));
        match self.rng.below(4) {
            0 => {
                let q = self.expr(2);
                let q = self.fit(q, bound);
                format!("{target} = {};", q.code)
            }
            1 => {
                let q = self.expr(2);
                let q = self.fit(q, 1.0);
                format!("{target} *= {};", q.code)
            }
            _ => {
                let q = self.expr(2);
                let q = self.fit(q, bound);
                format!("{target} = 0.5 * {read} + 0.5 * {};", q.operand())
            }
        }
    }

    /// A write into the parameter `mut x: Vec<f64>`.
    pub fn x_write(&mut self) -> String {
        self.count(2);
        let idx = self.index(4);
        let q = self.expr(2);
        let q = self.fit(q, PARAM);
        if self.chance(0.5) {
            format!("x[{idx}] = {};", q.code)
        } else {
            let q = self.fit(q, 1.0);
            format!("x[{idx}] *= {};", q.code)
        }
    }

    pub fn if_stmt(&mut self) -> Lines {
        let c = self.cond();
        let mut out = vec![format!("if {c} {{")];
        out.extend(indent(self.block(3)));
        let mut chain = 0;
        while self.chance(0.25) && chain < 2 {
            chain += 1;
            let c = self.cond();
            out.push(format!("}} else if {c} {{"));
            out.extend(indent(self.block(2)));
        }
        if self.chance(0.6) {
            out.push("} else {".into());
            out.extend(indent(self.block(3)));
        }
        out.push("}".into());
        out
    }

    /// A `match` statement on `k` or a loop index.
    pub fn match_stmt(&mut self) -> Lines {
        let (scrutinee, max) = self.match_scrutinee();
        let mut out = vec![format!("match {scrutinee} {{")];
        let arms = self.match_arms(max);
        for pat in arms {
            out.push(format!("    {pat} => {{"));
            out.extend(indent(indent(self.block(2))));
            out.push("    }".into());
        }
        out.push("}".into());
        out
    }

    /// `k`, `k % 3`, or a loop index, with its largest value.
    pub fn match_scrutinee(&mut self) -> (String, usize) {
        let v = self.rng.pick(&self.ints).clone();
        if v.name == "k" {
            self.k_used = true;
        }
        if self.chance(0.3) && v.max >= 2 {
            (format!("{} % 2", v.name), 1)
        } else {
            (v.name, v.max)
        }
    }

    /// Arm patterns covering `0..=max` (the last is `_`).
    pub fn match_arms(&mut self, max: usize) -> Vec<String> {
        let mut arms = Vec::new();
        let mut next = 0;
        while next < max && arms.len() < 2 {
            if next + 1 < max && self.chance(0.3) {
                arms.push(format!("{next} | {}", next + 1));
                next += 2;
            } else {
                arms.push(next.to_string());
                next += 1;
            }
        }
        arms.push("_".into());
        arms
    }

    /// `let t = if .. { .. } else { .. };`, `let t = match .. { .. };` or `let t = { ..; e };`
    pub fn let_value(&mut self) -> Lines {
        let name = self.fresh("t");
        let mut out = Vec::new();
        let (iv, active);
        match self.rng.below(3) {
            0 => {
                let c = self.cond();
                out.push(format!("let {name} = if {c} {{"));
                let (body, a) = self.value_block();
                out.extend(indent(body));
                out.push("} else {".into());
                let (body, b) = self.value_block();
                out.extend(indent(body));
                out.push("};".into());
                iv = a.iv.union(b.iv);
                active = a.active || b.active;
            }
            1 if self.on("match") && !self.ints.is_empty() => {
                let (scrutinee, max) = self.match_scrutinee();
                out.push(format!("let {name} = match {scrutinee} {{"));
                let mut acc: Option<Iv> = None;
                let mut any_active = false;
                for pat in self.match_arms(max) {
                    let e = self.active_expr(2);
                    out.push(format!("    {pat} => {},", e.code));
                    acc = Some(acc.map_or(e.iv, |a| a.union(e.iv)));
                    any_active |= e.active;
                }
                out.push("};".into());
                iv = acc.expect("arms");
                active = any_active;
            }
            _ => {
                out.push(format!("let {name} = {{"));
                let (body, a) = self.value_block();
                out.extend(indent(body));
                out.push("};".into());
                iv = a.iv;
                active = a.active;
            }
        }
        self.add_local_active(&name, iv, active);
        out
    }

    /// Statements and a tail expression, in a new scope.
    pub fn value_block(&mut self) -> (Lines, Ex) {
        self.push_scope();
        let mut out = Vec::new();
        if self.chance(0.5) && self.budget > 0 {
            self.budget -= 1;
            out.extend(self.let_stmt());
            if self.chance(0.5) {
                out.push(self.update());
            }
        }
        let e = self.active_expr(2);
        // a block value that is inactive while the block assigns an active value: feature
        // `inactive_block_value`
        let e = if out.is_empty() {
            e
        } else {
            self.ensure_active(e, "inactive_block_value")
        };
        // `let t = ..; t` is clippy's `let_and_return`
        let returns_its_let = out.len() == 1
            && [format!("let {} ", e.code), format!("let mut {} ", e.code)]
                .iter()
                .any(|p| out[0].starts_with(p.as_str()));
        let e = if returns_its_let {
            let active = e.active;
            Ex::compound(format!("{} * 0.875", e.code), e.iv.scale(0.875), false).active(active)
        } else {
            e
        };
        self.pop_scope(&mut out);
        out.push(e.code.clone());
        (out, e)
    }

    /// `for` over a range or an iterator, maybe labelled, maybe with `break`/`continue`.
    pub fn for_stmt(&mut self) -> Lines {
        // an outermost loop may get a label, which a loop nested in it jumps to
        let label = if self.on("label") && self.loops.is_empty() && self.chance(0.3) {
            Some(format!("'l{}", self.next_id + 1))
        } else {
            None
        };
        self.next_id += 1;
        let x_iter = self.x.is_some() && self.on("iter");
        let bufs: Vec<usize> = (0..self.bufs.len())
            .filter(|&i| self.bufs[i].len == 4)
            .collect();
        let choice = self.rng.weighted(&[
            4,
            if self.x.is_some() { 2 } else { 0 },
            if self.on("range_inclusive") && self.ints.iter().any(|v| v.name == "k") {
                1
            } else {
                0
            },
            if self.on("rev") { 1 } else { 0 },
            if x_iter { 2 } else { 0 },
            if x_iter { 2 } else { 0 },
            if x_iter && !bufs.is_empty() { 1 } else { 0 },
            if !bufs.is_empty() && self.on("iter") {
                1
            } else {
                0
            },
        ]);
        let idx = self.fresh("i");
        let item = self.fresh("xi");
        let item2 = self.fresh("bi");
        self.push_scope();
        let outer_trips = self.trips;
        let (header, trips, index): (String, usize, Option<(usize, usize)>);
        let items: Vec<Item>;
        let mut borrowed_buf = None;
        let mut borrowed_x = false;
        match choice {
            0 => {
                let (lo, n) = if self.chance(0.2) {
                    (1, self.rng.range(3, 4))
                } else {
                    (0, self.rng.range(2, 4))
                };
                header = format!("{idx} in {lo}..{n}");
                trips = n - lo;
                index = Some((lo, n - 1));
                items = vec![];
            }
            1 => {
                header = format!("{idx} in 0..x.len()");
                trips = 4;
                index = Some((0, 3));
                items = vec![];
            }
            2 => {
                self.k_used = true;
                header = format!("{idx} in 0..=k");
                trips = 4;
                index = Some((0, 3));
                items = vec![];
            }
            3 => {
                let n = self.rng.range(2, 4);
                header = format!("{idx} in (0..{n}).rev()");
                trips = n;
                index = Some((0, n - 1));
                items = vec![];
            }
            4 => {
                header = format!("{item} in x.iter()");
                trips = 4;
                index = None;
                items = vec![(item.clone(), Iv::sym(PARAM), self.x_signed)];
                borrowed_x = true;
            }
            5 => {
                header = format!("({idx}, {item}) in x.iter().enumerate()");
                trips = 4;
                index = Some((0, 3));
                items = vec![(item.clone(), Iv::sym(PARAM), self.x_signed)];
                borrowed_x = true;
            }
            6 => {
                let b = bufs[self.rng.below(bufs.len())];
                let bname = self.bufs[b].name.clone();
                header = format!("({item}, {item2}) in x.iter().zip({bname}.iter())");
                trips = 4;
                index = None;
                items = vec![
                    (item.clone(), Iv::sym(PARAM), self.x_signed),
                    (item2.clone(), self.bufs[b].iv, false),
                ];
                borrowed_x = true;
                borrowed_buf = Some(b);
            }
            _ => {
                let b = bufs[self.rng.below(bufs.len())];
                let bname = self.bufs[b].name.clone();
                header = format!("{item2} in {bname}.iter()");
                trips = 4;
                index = None;
                items = vec![(item2.clone(), self.bufs[b].iv, false)];
                borrowed_buf = Some(b);
            }
        }
        if let Some((lo, hi)) = index {
            self.ints.push(IntVar {
                name: idx.clone(),
                min: lo,
                max: hi,
            });
        }
        for (name, iv, signed) in &items {
            self.locals.push(Local {
                name: name.clone(),
                iv: *iv,
                used: false,
                depth: self.depth,
                mutable: false,
                updated: false,
                deref: true,
                signed: *signed,
                active: true,
            });
        }
        if borrowed_x {
            self.x_borrowed += 1;
        }
        if let Some(b) = borrowed_buf {
            self.bufs[b].borrowed += 1;
        }
        self.trips *= trips as u64;
        self.loops.push(LoopCtx {
            label: label.clone(),
            kind: LoopKind::For,
        });
        let pending = std::mem::replace(&mut self.pending_label, label.clone());
        let mut body = self.block(3);
        if let Some(l) = self.pending_label.take() {
            // no nested loop jumped to the label yet: add one that does
            body.extend(self.labelled_inner(&l));
        }
        self.pending_label = pending;
        self.loops.pop();
        self.trips = outer_trips;
        if borrowed_x {
            self.x_borrowed -= 1;
        }
        if let Some(b) = borrowed_buf {
            self.bufs[b].borrowed -= 1;
        }
        // the items were folded by the block if unread; the index may be unread
        let index_used = body.iter().any(|l| mentions(l, &idx)) || index.is_none();
        self.ints.retain(|v| v.name != idx);
        let mut tail = Vec::new();
        self.pop_scope(&mut tail);
        body.extend(tail);
        let mut header = header;
        if !index_used {
            if choice == 5 {
                // `enumerate` with an unread index: iterate plainly
                header = format!("{item} in x.iter()");
            } else {
                header = header.replacen(&idx, "_", 1);
            }
        }
        // a label nobody jumps to is an unused label
        let label = label.filter(|l| body.iter().any(|line| line.contains(&format!("{l};"))));
        let label_prefix = label.map(|l| format!("{l}: ")).unwrap_or_default();
        let mut out = vec![format!("{label_prefix}for {header} {{")];
        out.extend(indent(body));
        out.push("}".into());
        out
    }

    /// `while j < n { ..; j += 1; }`, maybe with an active condition that always holds.
    pub fn while_stmt(&mut self) -> Lines {
        let j = self.fresh("j");
        let n = self.rng.range(2, 4);
        let mut cond = format!("{j} < {n}");
        if self.chance(0.3) {
            // an active comparison that holds at every iteration
            let far = self.far_true();
            cond = format!("{cond} && {far}");
        }
        let mut out = vec![format!("let mut {j} = 0;"), format!("while {cond} {{")];
        self.ints.push(IntVar {
            name: j.clone(),
            min: 0,
            max: n - 1,
        });
        let outer = self.trips;
        self.trips *= n as u64;
        self.loops.push(LoopCtx {
            label: None,
            kind: LoopKind::Counted,
        });
        let body = self.block(3);
        self.loops.pop();
        self.trips = outer;
        self.ints.retain(|v| v.name != j);
        out.extend(indent(body));
        out.push(format!("    {j} += 1;"));
        out.push("}".into());
        out
    }

    /// A comparison of the mutable state that always holds.
    pub fn far_true(&mut self) -> String {
        let ms = self.mutables();
        let m = self.rng.pick(&ms).clone();
        if self.chance(0.5) {
            format!("{m} > -{}", lit(STATE + 1.0))
        } else {
            format!("{m} < {}", lit(STATE + 1.0))
        }
    }

    /// `loop` with a counter, as a statement or as the value of a `let`.
    pub fn loop_stmt(&mut self) -> Lines {
        let j = self.fresh("j");
        let n = self.rng.range(2, 4);
        let valued = self.chance(0.5);
        let name = self.fresh("t");
        let mut out = vec![format!("let mut {j} = 0;")];
        self.ints.push(IntVar {
            name: j.clone(),
            min: 0,
            max: n,
        });
        let outer = self.trips;
        self.trips *= n as u64;
        self.loops.push(LoopCtx {
            label: None,
            kind: if valued {
                LoopKind::Valued
            } else {
                LoopKind::Counted
            },
        });
        let mut iv = None;
        if valued {
            out.push(format!("let {name} = loop {{"));
            let e = self.active_expr(2);
            // an inactive loop value while the loop assigns active values: feature
            // `inactive_block_value`
            let e = self.ensure_active(e, "inactive_block_value");
            iv = Some(e.iv);
            self.valued_breaks.push(e.iv);
            out.push(format!("    if {j} == {n} {{"));
            out.push(format!("        break {};", e.code));
            out.push("    }".into());
            // the index is below n in the body
            self.ints.last_mut().expect("pushed").max = n - 1;
            let body = self.block(3);
            out.extend(indent(body));
            out.push(format!("    {j} += 1;"));
            out.push("};".into());
        } else {
            out.push("loop {".into());
            self.ints.last_mut().expect("pushed").max = n - 1;
            let body = self.block(3);
            out.extend(indent(body));
            out.push(format!("    {j} += 1;"));
            out.push(format!("    if {j} >= {n} {{"));
            out.push("        break;".into());
            out.push("    }".into());
            out.push("}".into());
        }
        self.loops.pop();
        self.trips = outer;
        self.ints.retain(|v| v.name != j);
        if iv.is_some() {
            // the break values of the body join the bound
            let iv = self.valued_breaks.pop().expect("pushed");
            self.add_local(&name, iv);
        }
        out
    }
}

/// Whether `line` mentions the identifier `name`.
pub fn mentions(line: &str, name: &str) -> bool {
    let bytes = line.as_bytes();
    let mut start = 0;
    while let Some(pos) = line[start..].find(name) {
        let at = start + pos;
        let before = at == 0 || !is_ident(bytes[at - 1]);
        let end = at + name.len();
        let after = end >= bytes.len() || !is_ident(bytes[end]);
        if before && after {
            return true;
        }
        start = at + 1;
    }
    false
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'\''
}

/// An exact literal of a power of two or a small dyadic number.
pub fn lit_exact(c: f64) -> String {
    let s = format!("{c:?}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

impl Gen<'_> {
    /// `if cond { break; }`, `continue`, labelled forms, and `break value` in a valued loop.
    pub fn jump(&mut self) -> Lines {
        let c = self.cond();
        let innermost = self.loops.last().cloned().expect("in a loop");
        // candidates: (keyword, label)
        let mut options: Vec<(String, LoopKind)> = Vec::new();
        match innermost.kind {
            LoopKind::For => {
                options.push(("continue".into(), LoopKind::For));
                options.push(("break".into(), LoopKind::For));
            }
            LoopKind::Counted => options.push(("break".into(), LoopKind::Counted)),
            LoopKind::Valued => options.push(("break".into(), LoopKind::Valued)),
        }
        for l in self.loops.iter().rev().skip(1) {
            if let Some(label) = &l.label {
                if l.kind == LoopKind::For {
                    options.push((format!("continue {label}"), LoopKind::For));
                    options.push((format!("break {label}"), LoopKind::For));
                }
            }
        }
        let (kw, kind) = self.rng.pick(&options).clone();
        let mut out = vec![format!("if {c} {{")];
        let mut body = Vec::new();
        if self.chance(0.5) {
            body.push(self.update());
        }
        if kind == LoopKind::Valued && kw == "break" {
            let e = self.active_expr(2);
            let e = self.ensure_active(e, "inactive_block_value");
            let last = self.valued_breaks.last_mut().expect("in a valued loop");
            *last = last.union(e.iv);
            body.push(format!("break {};", e.code));
        } else {
            body.push(format!("{kw};"));
        }
        out.extend(indent(body));
        out.push("}".into());
        out
    }

    /// `if cond { continue 'l; }` or `break 'l;` to the enclosing loop labelled `label`.
    pub fn labelled_jump(&mut self, label: &str) -> Lines {
        let c = self.cond();
        let kw = if self.chance(0.5) {
            "continue"
        } else {
            "break"
        };
        let mut body = Vec::new();
        if self.chance(0.5) {
            body.push(self.update());
        }
        body.push(format!("{kw} {label};"));
        let mut out = vec![format!("if {c} {{")];
        out.extend(indent(body));
        out.push("}".into());
        out
    }

    /// `for j in 0..n { <jump to label>; <update> }` inside the loop labelled `label`.
    pub fn labelled_inner(&mut self, label: &str) -> Lines {
        let j = self.fresh("j");
        let n = self.rng.range(2, 3);
        self.ints.push(IntVar {
            name: j.clone(),
            min: 0,
            max: n - 1,
        });
        self.loops.push(LoopCtx {
            label: None,
            kind: LoopKind::For,
        });
        let outer = self.trips;
        self.trips *= n as u64;
        let mut body = self.labelled_jump(label);
        body.push(self.update());
        self.trips = outer;
        self.loops.pop();
        self.ints.retain(|v| v.name != j);
        let var = if body.iter().any(|l| mentions(l, &j)) {
            j
        } else {
            "_".into()
        };
        let mut out = vec![format!("for {var} in 0..{n} {{")];
        out.extend(indent(body));
        out.push("}".into());
        out
    }

    /// `if cond { return <result>; }`
    pub fn early_return(&mut self) -> Lines {
        let c = self.cond();
        let mut out = vec![format!("if {c} {{")];
        let (mut body, e) = self.result();
        body.push(format!("return {e};"));
        out.extend(indent(body));
        out.push("}".into());
        out
    }

    /// The statements and the expression of a result of the function, reading every mutable.
    pub fn result(&mut self) -> (Lines, String) {
        match self.family.clone() {
            Family::Vector(_, out) => self.vector_result(out),
            Family::Matrix(_) => self.matrix_result(),
            Family::Pair => {
                let a = self.scalar_result();
                let b = self.scalar_result();
                (Vec::new(), format!("({}, {})", a.code, b.code))
            }
            _ => {
                let e = self.scalar_result();
                (Vec::new(), e.code)
            }
        }
    }

    /// A scalar result: every mutable, a buffer entry, a parameter and a random expression.
    pub fn scalar_result(&mut self) -> Ex {
        let mut e = self.active_expr(2);
        e = self.fit(e, 4.0);
        for m in self.mutables() {
            let c = constant(&mut self.rng, 1.5);
            let term = Ex::compound(format!("{} * {m}", lit(c)), Iv::sym(STATE * c.abs()), false);
            let op = if self.chance(0.5) { "+" } else { "-" };
            e = self.binary_op(e, term, op);
        }
        // every buffer is read after its last write (an array written and not read again is
        // an unused assignment)
        for b in self.bufs.clone() {
            let idx = self.buf_index(&b);
            self.mark_mat_used(&b.name);
            let term = Ex::atom(format!("{}[{idx}]", b.name), b.iv).active(b.active);
            e = self.binary_op(e, term, "+");
        }
        let p = self.param_leaf();
        e = self.binary_op(e, p, "+");
        self.record_return(e.iv);
        e
    }

    pub fn record_return(&mut self, iv: Iv) {
        self.returns = Some(self.returns.map_or(iv, |r| r.union(iv)));
    }

    /// A vector result of three entries.
    pub fn vector_result(&mut self, out: VecOut) -> (Lines, String) {
        let ms = self.mutables();
        // every buffer is read after its last write: folded into the mutables
        let mut folds = Vec::new();
        for b in self.bufs.clone() {
            if b.name != "out" {
                let idx = self.buf_index(&b);
                let e = Ex::atom(format!("{}[{idx}]", b.name), b.iv).active(b.active);
                folds.push(self.fold(e));
            }
        }
        match out {
            VecOut::Buffer => {
                let mut lines = Vec::new();
                for (i, m) in ms.iter().enumerate() {
                    let slot = i % 3;
                    lines.push(format!("out[{slot}] = 0.5 * out[{slot}] + 0.5 * {m};"));
                }
                self.record_return(Iv::sym(STATE));
                folds.extend(lines);
                (folds, "out".into())
            }
            _ => {
                let mut entries: Vec<Ex> = (0..3)
                    .map(|_| {
                        let e = self.active_expr(2);
                        self.fit(e, 4.0)
                    })
                    .collect();
                for (i, m) in ms.iter().enumerate() {
                    let slot = i % 3;
                    let term = Ex::atom(m.clone(), Iv::sym(STATE));
                    let e = entries[slot].clone();
                    entries[slot] = self.binary_op(e, term, "+");
                }
                for e in &entries {
                    self.record_return(e.iv);
                }
                let list: Vec<String> = entries.iter().map(|e| e.code.clone()).collect();
                let code = if out == VecOut::Array {
                    format!("[{}]", list.join(", "))
                } else {
                    format!("vec![{}]", list.join(", "))
                };
                (folds, code)
            }
        }
    }

    /// `let t = h(..);`, `let w = g(x, t, k);` (a vector), or a tuple helper.
    pub fn call_stmt(&mut self) -> Lines {
        let budget = 400 / self.trips.max(1);
        let pairs: Vec<usize> = self
            .corpus
            .iter()
            .enumerate()
            .filter(|(_, f)| f.family == Family::Pair && f.cost <= budget)
            .map(|(i, _)| i)
            .collect();
        let vectors: Vec<usize> = self
            .corpus
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                matches!(f.family, Family::Vector(XTy::Slice, _))
                    && f.cost <= budget.min(150)
                    && self.x_arg().is_some()
            })
            .map(|(i, _)| i)
            .collect();
        if !pairs.is_empty() && self.chance(0.4) {
            let i = pairs[pairs.len() - 1 - self.rng.below(pairs.len().min(8))];
            let (name, out, cost) = (
                self.corpus[i].name.clone(),
                self.corpus[i].out,
                self.corpus[i].cost,
            );
            self.callees.push(i);
            self.count(cost);
            let u = self.call_arg();
            let v = self.call_arg();
            let (p, q) = (self.fresh("t"), self.fresh("t"));
            self.add_local(&p, out);
            self.add_local(&q, out);
            return vec![format!("let ({p}, {q}) = {name}({}, {});", u.code, v.code)];
        }
        if !vectors.is_empty() && self.chance(0.5) {
            let i = vectors[vectors.len() - 1 - self.rng.below(vectors.len().min(8))];
            let (name, out, cost) = (
                self.corpus[i].name.clone(),
                self.corpus[i].out,
                self.corpus[i].cost,
            );
            self.callees.push(i);
            self.count(cost);
            let x = self.x_arg().expect("checked");
            let t = self.signed_arg();
            let k = self.int_arg(3);
            let w = self.fresh("w");
            self.bufs.push(Buf {
                name: w.clone(),
                len: 3,
                cols: 1,
                iv: out,
                depth: self.depth,
                mutable: false,
                written: false,
                borrowed: 0,
                active: true,
            });
            // a buffer nobody reads would be an unused variable: read it now
            let idx = self.rng.below(3);
            let mut lines = vec![format!("let {w} = {name}({x}, {}, {k});", t.code)];
            let line = self.fold(Ex::atom(format!("{w}[{idx}]"), out));
            lines.push(line);
            return lines;
        }
        let fixed = self.matrix.as_ref().map(|m| m.sig.fixed);
        let mat_vectors: Vec<usize> = self
            .corpus
            .iter()
            .enumerate()
            .filter(|(_, f)| match &f.family {
                Family::Matrix(sig) => {
                    sig.out == crate::matrix::MatOut::Vector
                        && Some(sig.fixed) == fixed
                        && f.cost <= budget.min(400)
                }
                _ => false,
            })
            .map(|(i, _)| i)
            .collect();
        if !mat_vectors.is_empty() && self.chance(0.5) {
            let i = mat_vectors[mat_vectors.len() - 1 - self.rng.below(mat_vectors.len().min(8))];
            let (name, out, cost) = (
                self.corpus[i].name.clone(),
                self.corpus[i].out,
                self.corpus[i].cost,
            );
            self.callees.push(i);
            self.count(cost);
            let k = self.int_arg(3);
            let w = self.fresh("w");
            self.add_matrix_local(&w, 3, 1, out);
            return vec![format!("let {w} = {name}(m, v, {k});")];
        }
        match self.call_expr() {
            Some(e) => {
                let name = self.fresh("t");
                self.add_local(&name, e.iv);
                vec![format!("let {name} = {};", e.code)]
            }
            None => self.let_stmt(),
        }
    }

    /// `let (p, q) = (e1, e2);` or a tuple value read by fields.
    pub fn tuple_stmt(&mut self) -> Lines {
        let a = self.active_expr(2);
        let b = self.active_expr(2);
        if self.chance(0.5) {
            let (p, q) = (self.fresh("t"), self.fresh("t"));
            self.add_local_active(&p, a.iv, a.active);
            self.add_local_active(&q, b.iv, b.active);
            vec![format!("let ({p}, {q}) = ({}, {});", a.code, b.code)]
        } else {
            let p = self.fresh("p");
            self.add_local_active(&format!("{p}.0"), a.iv, a.active);
            self.add_local_active(&format!("{p}.1"), b.iv, b.active);
            vec![format!("let {p} = ({}, {});", a.code, b.code)]
        }
    }
}
