//! The corpus: which family each function belongs to, how its signature, prologue and result are
//! written, how it is cut into shards, and the Rust source of each shard (the annotated
//! functions and the table of cases its test target checks).

use crate::interval::Iv;
use crate::matrix::{MatEnv, MatOut, MatSig};
use crate::program::{
    Buf, Ex, Family, Features, Function, Gen, IntVar, Lines, Local, PARAM, STATE, VecOut, XTy,
    indent, mentions,
};
use crate::rng::{Rng, mix};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::ops::Range;

/// Generates `count` functions from the corpus seed. Function `i` is generated from its own
/// seed `mix(seed + i)`; it may call the functions before it.
pub fn generate(count: usize, seed: u64, features: &Features) -> Vec<Function> {
    let mut corpus: Vec<Function> = Vec::with_capacity(count);
    for i in 0..count {
        let fseed = mix(seed.wrapping_add(i as u64));
        let f = function(i, fseed, &corpus, features);
        corpus.push(f);
    }
    ask_for_second_order(&mut corpus);
    corpus
}

/// Writes `#[differentiate(hessian)]` on the functions whose second derivatives are used: those
/// the harness checks to second order (a float result) and every function they call, directly
/// or not, whose `f_jvp_vjp` their Hessians go through. The others get the first-order functions
/// alone, which is what a user writes too.
fn ask_for_second_order(corpus: &mut [Function]) {
    let mut hessian: Vec<bool> = corpus.iter().map(|f| f.family.has_float_result()).collect();
    // callees come before their callers, so one backward sweep reaches every callee's callee
    for i in (0..corpus.len()).rev() {
        if hessian[i] {
            for &j in &corpus[i].callees {
                hessian[j] = true;
            }
        }
    }
    for (f, hessian) in corpus.iter_mut().zip(hessian) {
        if hessian {
            f.source = f.source.replacen(PLAIN, SECOND_ORDER, 1);
        }
    }
}

/// The attribute each function is written with, and the one that asks for second order.
const PLAIN: &str = "#[differentiate]\n";
const SECOND_ORDER: &str = "#[differentiate(hessian)]\n";

impl Family {
    /// A float result, which the harness checks to second order (`f_grad`, `f_hvp`,
    /// `f_hessian`).
    fn has_float_result(&self) -> bool {
        match self {
            Family::Helper | Family::Scalar(_) => true,
            Family::Matrix(sig) => sig.out == MatOut::Scalar,
            Family::Pair | Family::Vector(..) => false,
        }
    }
}

fn choose_family(rng: &mut Rng, index: usize) -> Family {
    // the first functions are helpers, so that the others have something to call
    if index < 3 {
        return Family::Helper;
    }
    let xty = |rng: &mut Rng| {
        *rng.pick(&[
            XTy::Slice,
            XTy::Slice,
            XTy::Slice,
            XTy::Slice,
            XTy::VecRef,
            XTy::VecOwned,
            XTy::VecMut,
            XTy::Array,
            XTy::ArrayRef,
        ])
    };
    match rng.weighted(&[8, 3, 34, 14, 16, 4, 4, 9, 4, 4]) {
        0 => Family::Helper,
        1 => Family::Pair,
        2 => Family::Scalar(xty(rng)),
        3 => {
            let out = *rng.pick(&[VecOut::Literal, VecOut::Array, VecOut::Buffer]);
            let x = xty(rng);
            Family::Vector(x, out)
        }
        n => {
            let (fixed, out) = match n {
                4 => (false, MatOut::Scalar),
                5 => (false, MatOut::Vector),
                6 => (false, MatOut::Matrix),
                7 => (true, MatOut::Scalar),
                8 => (true, MatOut::Vector),
                _ => (true, MatOut::Matrix),
            };
            Family::Matrix(MatSig { fixed, out })
        }
    }
}

fn function(index: usize, seed: u64, corpus: &[Function], features: &Features) -> Function {
    let mut pick = Rng::new(seed ^ 0x5eed);
    let family = choose_family(&mut pick, index);
    let mut g = Gen::new(seed, corpus, features, family.clone());
    let (name, params, ret) = match &family {
        Family::Helper | Family::Pair => {
            g.scalar_params = vec![("u".into(), Iv::sym(2.0)), ("v".into(), Iv::sym(2.0))];
            let ret = if family == Family::Helper {
                "f64"
            } else {
                "(f64, f64)"
            };
            (
                format!("h{index}"),
                "u: f64, v: f64".to_string(),
                ret.to_string(),
            )
        }
        Family::Scalar(x) | Family::Vector(x, _) => {
            g.x = Some(*x);
            g.x_signed = *x != XTy::VecMut;
            g.a = true;
            g.ints.push(IntVar {
                name: "k".into(),
                min: 0,
                max: 3,
            });
            let ret = match &family {
                Family::Vector(_, VecOut::Array) => "[f64; 3]",
                Family::Vector(..) => "Vec<f64>",
                _ => "f64",
            };
            (
                format!("g{index}"),
                format!("{}, a: f64, k: usize", x.param()),
                ret.to_string(),
            )
        }
        Family::Matrix(sig) => {
            g.matrix = Some(MatEnv::new(*sig));
            g.ints.push(IntVar {
                name: "k".into(),
                min: 0,
                max: 3,
            });
            (
                format!("m{index}"),
                sig.params().to_string(),
                sig.ret().to_string(),
            )
        }
    };
    g.allow_return = true;
    let small = matches!(family, Family::Helper | Family::Pair);
    g.budget = if small {
        g.rng.range(1, 4) as i32
    } else {
        g.rng.range(4, 8) as i32
    };

    // prologue: mutable state, buffers
    let mut prologue: Lines = Vec::new();
    let n_mut = if small { 1 } else { g.rng.range(1, 3) };
    for _ in 0..n_mut {
        let e = g.active_expr(2);
        let e = g.fit(e, STATE);
        let name = g.fresh("v");
        prologue.push(format!("let mut {name} = {};", e.code));
        g.locals.push(Local {
            name,
            iv: Iv::sym(STATE),
            used: false,
            depth: 0,
            mutable: true,
            updated: false,
            deref: false,
            signed: false,
            active: e.active,
        });
    }
    if !small && g.matrix.is_none() {
        let n_buf = g.rng.weighted(&[3, 4, 2]);
        for _ in 0..n_buf {
            let name = g.fresh("b");
            let x = g.x.expect("scalar family");
            let kind = g.rng.below(6);
            let mut written = false;
            let mut active = true;
            // `x.to_vec()` of an array: feature `array_to_vec`
            let to_vec = x != XTy::VecMut
                && (!matches!(x, XTy::Array | XTy::ArrayRef) || features.on("array_to_vec"));
            match kind {
                0 => {
                    prologue.push(format!("let mut {name}: Vec<f64> = vec![0.0; 4];"));
                    active = false;
                }
                1 if to_vec => prologue.push(format!("let mut {name} = {};", x.to_vec_code())),
                1 | 2 => {
                    prologue.push(format!("let mut {name}: [f64; 4] = [0.0; 4];"));
                    active = false;
                }
                3 | 4 => {
                    let es: Vec<String> = (0..4)
                        .map(|_| {
                            let e = g.active_expr(2);
                            let e = g.make_active(e);
                            g.fit(e, STATE).code
                        })
                        .collect();
                    prologue.push(if kind == 3 {
                        format!("let mut {name} = vec![{}];", es.join(", "))
                    } else {
                        format!("let mut {name} = [{}];", es.join(", "))
                    });
                }
                _ => {
                    let i = g.fresh("i");
                    g.ints.push(IntVar {
                        name: i.clone(),
                        min: 0,
                        max: 3,
                    });
                    let e = g.active_expr(2);
                    let e = g.make_active(e);
                    let e = g.fit(e, STATE);
                    g.ints.pop();
                    let var = if mentions(&e.code, &i) { i } else { "_".into() };
                    prologue.push(format!("let mut {name} = Vec::with_capacity(4);"));
                    prologue.push(format!("for {var} in 0..4 {{"));
                    prologue.push(format!("    {name}.push({});", e.code));
                    prologue.push("}".into());
                    written = true;
                }
            }
            g.bufs.push(Buf {
                name,
                len: 4,
                cols: 1,
                iv: Iv::sym(STATE.max(PARAM)),
                depth: 0,
                mutable: true,
                written,
                borrowed: 0,
                active,
            });
        }
    }
    if let Family::Vector(_, VecOut::Buffer) = family {
        prologue.push("let mut out: Vec<f64> = vec![0.0; 3];".into());
        g.bufs.push(Buf {
            name: "out".into(),
            len: 3,
            cols: 1,
            iv: Iv::sym(STATE.max(PARAM)),
            depth: 0,
            mutable: true,
            written: true,
            borrowed: 0,
            active: false,
        });
    }

    // body
    let mut body: Lines = Vec::new();
    while g.budget > 0 {
        body.extend(g.stmt());
    }
    // every parameter is read (or it is an unused variable)
    let params_read: Vec<(&str, String)> = match &family {
        Family::Helper | Family::Pair => vec![("u", "u".into()), ("v", "v".into())],
        Family::Matrix(_) => vec![("m", "m[(0, 0)]".into()), ("v", "v[0]".into())],
        _ => vec![("x", "x[0]".into()), ("a", "a".into())],
    };
    for (p, read) in params_read {
        if !body.iter().chain(&prologue).any(|l| mentions(l, p)) {
            let line = g.fold(Ex::atom(read, Iv::sym(PARAM)));
            body.push(line);
        }
    }
    if !g.ints.is_empty() && !body.iter().chain(&prologue).any(|l| mentions(l, "k")) {
        let c = g.rng.range(0, 3);
        let u = g.update();
        body.push(format!("if k == {c} {{"));
        body.extend(indent(vec![u]));
        body.push("}".into());
    }
    // unread bindings of the top scope
    let unused: Vec<Local> = g
        .locals
        .iter()
        .filter(|l| l.depth == 0 && !l.used && !l.mutable)
        .cloned()
        .collect();
    for l in unused {
        let line = g.fold(Ex::atom(l.name.clone(), l.iv));
        body.push(line);
    }
    g.pop_matrices(&mut body);
    // every mutable is written at least once (or its `mut` is unused)
    let idle: Vec<usize> = (0..g.locals.len())
        .filter(|&i| g.locals[i].mutable && !g.locals[i].updated)
        .collect();
    for i in idle {
        body.push(g.update_of(i));
    }
    // the result
    let (tail_lines, tail) = g.result();
    // every buffer is read (or it is an unused variable)
    let unread: Vec<Buf> = g
        .bufs
        .iter()
        .filter(|b| {
            let reads = |l: &String| mentions(l, &b.name) && !l.trim_start().starts_with("let ");
            !body.iter().chain(&tail_lines).any(reads) && !mentions(&tail, &b.name)
        })
        .cloned()
        .collect();
    for b in unread {
        let idx = g.buf_index(&b);
        let line = g.fold(Ex::atom(format!("{}[{idx}]", b.name), b.iv));
        body.push(line);
    }
    body.extend(tail_lines);
    let unwritten: Vec<String> = g
        .bufs
        .iter()
        .filter(|b| !b.written)
        .map(|b| b.name.clone())
        .chain(g.unwritten.iter().cloned())
        .collect();

    // a parameter `mut x` never written is declared without `mut`
    let mut params = params;
    let writes_x = |l: &String| {
        let l = l.trim_start();
        l.starts_with("x[") && (l.contains("] =") || l.contains("] *="))
    };
    if g.x == Some(XTy::VecMut) && !body.iter().any(writes_x) {
        params = params.replacen("mut x", "x", 1);
    }

    let mut src = String::from(PLAIN);
    writeln!(src, "fn {name}({params}) -> {ret} {{").unwrap();
    let mut lines = prologue;
    lines.extend(body);
    lines.push(tail);
    for l in indent(lines) {
        let l = match unwritten
            .iter()
            .find(|b| l.trim_start().starts_with(&format!("let mut {b}")))
        {
            Some(b) => l.replacen(&format!("let mut {b}"), &format!("let {b}"), 1),
            None => l,
        };
        writeln!(src, "{l}").unwrap();
    }
    writeln!(src, "}}").unwrap();

    let out = g.returns.unwrap_or(Iv::sym(1.0)).widen(1e-6);
    let cost = g.cost.max(1);
    let mut callees: Vec<usize> = g.callees.clone();
    callees.sort_unstable();
    callees.dedup();
    Function {
        name,
        seed,
        family,
        source: src,
        callees,
        out,
        cost,
    }
}

impl XTy {
    fn to_vec_code(self) -> &'static str {
        match self {
            XTy::VecOwned | XTy::VecMut => "x.clone()",
            _ => "x.to_vec()",
        }
    }
}

/// The corpus cut into `shards` runs of consecutive functions with about as many lines of
/// source each, one run per test target, so that the targets compile in parallel and each
/// compiler process holds a fraction of the corpus. Calls go mostly to recent functions, so a
/// run holds most of the functions its functions call. With fewer functions than shards, some
/// runs are empty.
pub fn shards(corpus: &[Function], shards: usize) -> Vec<Range<usize>> {
    let lines: Vec<usize> = corpus.iter().map(|f| f.source.lines().count()).collect();
    let total: usize = lines.iter().sum::<usize>().max(1);
    // a function goes to the run its middle line falls in
    let mut before = 0;
    let shard_of: Vec<usize> = lines
        .iter()
        .map(|&n| {
            let middle = 2 * before + n;
            before += n;
            (middle * shards / (2 * total)).min(shards - 1)
        })
        .collect();
    (0..shards)
        .map(|k| {
            let start = shard_of.partition_point(|&s| s < k);
            let end = shard_of.partition_point(|&s| s <= k);
            start..end
        })
        .collect()
}

/// The source of shard `number` (from 1) of `of`: its functions, the functions they call, and
/// the table of its cases.
pub fn emit(corpus: &[Function], seed: u64, own: Range<usize>, number: usize, of: usize) -> String {
    let mut needed = BTreeSet::new();
    let mut stack: Vec<usize> = own.clone().collect();
    while let Some(j) = stack.pop() {
        if needed.insert(j) {
            stack.extend(corpus[j].callees.iter().copied());
        }
    }
    let mut s = String::new();
    writeln!(
        s,
        "// Generated by tests/generated/build.rs from the corpus seed {seed:#018x}: shard \
         {number} of {of}, the functions {:?} of a corpus of {} (and {} functions they call). \
         Do not edit.\n",
        own,
        corpus.len(),
        needed.len() - own.len()
    )
    .unwrap();
    writeln!(s, "/// The corpus seed this file was generated from.").unwrap();
    writeln!(s, "pub const CORPUS_SEED: u64 = {seed:#018x};").unwrap();
    writeln!(s, "/// The number of functions of this shard.").unwrap();
    writeln!(s, "pub const SHARD_SIZE: usize = {};\n", own.len()).unwrap();
    if own.is_empty() {
        // a target the corpus did not need
        writeln!(s, "pub fn corpus() -> Corpus {{\n    Corpus::default()\n}}").unwrap();
        return s;
    }
    writeln!(s, "use matcalc::differentiate;\n").unwrap();
    for &i in &needed {
        s.push_str(&corpus[i].source);
        s.push('\n');
    }
    writeln!(
        s,
        "/// The functions of this shard as cases of the harness."
    )
    .unwrap();
    writeln!(s, "pub fn corpus() -> Corpus {{").unwrap();
    writeln!(s, "    let mut c = Corpus::default();").unwrap();
    for i in own {
        let f = &corpus[i];
        let source = full_source(corpus, i);
        let head = format!(
            "name: {:?}, seed: {:#018x}, source: r##\"{}\"##",
            f.name, f.seed, source
        );
        let n = &f.name;
        let entry = match &f.family {
            Family::Helper => format!(
                "c.helpers.push(Case {{ {head},
        f: |p, _| {n}(p.0, p.1),
        jvp: |p, _, d| {n}_jvp(p.0, p.1, d.0, d.1),
        vjp: |p, _, y| {n}_vjp(p.0, p.1).1(*y),
        second: Some(Second {{
            grad: |p, _| {n}_grad(p.0, p.1),
            hvp: |p, _, d| {n}_hvp(p.0, p.1, d.0, d.1),
            hessian: |p, _| {n}_hessian(p.0, p.1),
        }}),
    }});"
            ),
            Family::Pair => format!(
                "c.pairs.push(Case {{ {head},
        f: |p, _| {n}(p.0, p.1),
        jvp: |p, _, d| {n}_jvp(p.0, p.1, d.0, d.1),
        vjp: |p, _, y| {n}_vjp(p.0, p.1).1(*y),
        second: None,
    }});"
            ),
            Family::Scalar(x) => {
                let (xp, xd) = (x.adapt("p.0"), x.adapt("d.0"));
                let gx = x.adjoint("g.0");
                let hx = x.adjoint("h.0");
                format!(
                    "c.scalar.push(Case {{ {head},
        f: |p, k| {n}({xp}, p.1, k),
        jvp: |p, k, d| {n}_jvp({xp}, p.1, k, {xd}, d.1),
        vjp: |p, k, y| {{
            let g = {n}_vjp({xp}, p.1, k).1(*y);
            ({gx}, g.1)
        }},
        second: Some(Second {{
            grad: |p, k| {{
                let (v, g) = {n}_grad({xp}, p.1, k);
                (v, ({gx}, g.1))
            }},
            hvp: |p, k, d| {{
                let (v, g, h) = {n}_hvp({xp}, p.1, k, {xd}, d.1);
                (v, ({gx}, g.1), ({hx}, h.1))
            }},
            hessian: |p, k| {{
                let (v, g, h) = {n}_hessian({xp}, p.1, k);
                (v, ({gx}, g.1), h)
            }},
        }}),
    }});"
                )
            }
            Family::Vector(x, out) => {
                let (xp, xd) = (x.adapt("p.0"), x.adapt("d.0"));
                let gx = x.adjoint("g.0");
                let (conv, conv_t, cot) = match out {
                    VecOut::Array => ("y.to_vec()", "t.to_vec()", "arr3(y)"),
                    _ => ("y", "t", "y.clone()"),
                };
                // the value, converted to the harness's `Vec<f64>` when it needs to be
                let f = if conv == "y" {
                    format!("|p, k| {n}({xp}, p.1, k)")
                } else {
                    format!(
                        "|p, k| {{\n            let y = {n}({xp}, p.1, k);\n            \
                         {conv}\n        }}"
                    )
                };
                format!(
                    "c.vector.push(Case {{ {head},
        f: {f},
        jvp: |p, k, d| {{
            let (y, t) = {n}_jvp({xp}, p.1, k, {xd}, d.1);
            ({conv}, {conv_t})
        }},
        vjp: |p, k, y| {{
            let g = {n}_vjp({xp}, p.1, k).1({cot});
            ({gx}, g.1)
        }},
        second: None,
    }});"
                )
            }
            Family::Matrix(sig) => {
                let (xp, xd) = (sig.adapt("p"), sig.adapt("d"));
                let g = sig.adjoint("g");
                let h = sig.adjoint("h");
                // the pullback's adjoint, converted to the harness's types when it needs to be
                let vjp = |cot: &str| {
                    if g == "g" {
                        format!("|p, k, y| {n}_vjp({xp}, k).1({cot})")
                    } else {
                        format!(
                            "|p, k, y| {{\n            let g = {n}_vjp({xp}, k).1({cot});\n            \
                             {g}\n        }}"
                        )
                    }
                };
                let vjp_scalar = vjp("*y");
                match sig.out {
                    MatOut::Scalar => format!(
                        "c.matrix_scalar.push(Case {{ {head},
        f: |p, k| {n}({xp}, k),
        jvp: |p, k, d| {n}_jvp({xp}, k, {xd}),
        vjp: {vjp_scalar},
        second: Some(Second {{
            grad: |p, k| {{
                let (v, g) = {n}_grad({xp}, k);
                (v, {g})
            }},
            hvp: |p, k, d| {{
                let (v, g, h) = {n}_hvp({xp}, k, {xd});
                (v, {g}, {h})
            }},
            hessian: |p, k| {{
                let (v, g, h) = {n}_hessian({xp}, k);
                (v, {g}, h)
            }},
        }}),
    }});"
                    ),
                    out => {
                        let cot = match (out, sig.fixed) {
                            (MatOut::Vector, false) => "DVector::from_column_slice(y)",
                            (MatOut::Vector, true) => "Vector3::from_column_slice(y)",
                            (_, false) => "DMatrix::from_column_slice(3, 3, y)",
                            (_, true) => "Matrix3::from_column_slice(y)",
                        };
                        let vjp_vector = vjp(cot);
                        format!(
                            "c.matrix_vector.push(Case {{ {head},
        f: |p, k| {n}({xp}, k).as_slice().to_vec(),
        jvp: |p, k, d| {{
            let (y, t) = {n}_jvp({xp}, k, {xd});
            (y.as_slice().to_vec(), t.as_slice().to_vec())
        }},
        vjp: {vjp_vector},
        second: None,
    }});"
                        )
                    }
                }
            }
        };
        writeln!(s, "    {entry}").unwrap();
    }
    writeln!(s, "    c").unwrap();
    writeln!(s, "}}").unwrap();
    s
}

/// The source of function `i` followed by the sources of the functions it calls, transitively.
fn full_source(corpus: &[Function], i: usize) -> String {
    let mut seen = BTreeSet::new();
    let mut stack = corpus[i].callees.clone();
    while let Some(j) = stack.pop() {
        if seen.insert(j) {
            stack.extend(corpus[j].callees.iter().copied());
        }
    }
    let mut s = corpus[i].source.clone();
    for j in seen.iter().rev() {
        s.push('\n');
        s.push_str(&corpus[*j].source);
    }
    s
}
