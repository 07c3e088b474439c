//! The matrix family: functions of a 3×3 matrix `m` and a 3-vector `v` (nalgebra, dynamic or
//! fixed-size) that build matrices with the linear-algebra rules (products, transposes, maps,
//! `from_fn`, inverses and Cholesky factors of SPD matrices, matrix exponentials, powers,
//! solves, eigenvalues, eigenvectors, singular values, Kronecker products), reduce them to
//! scalars (traces, sums, dots, norms, determinants, log-determinants), write into copies by
//! index, and mix them with the scalar statements of [`crate::program`].
//!
//! Smoothness: eigenvalues and singular values are only read through symmetric functions of
//! them (sums, norms, maps then sums), which are smooth even where two of them cross;
//! eigenvectors only through Σᵢ f(λᵢ)·qᵢᵀWqᵢ = tr(W·f(S)), smooth for a smooth f; norms only of
//! vectors bounded away from 0; inverses, Cholesky factors and log-determinants only of
//! M·Mᵀ + I.

use crate::interval::Iv;
use crate::program::{Buf, Ex, Gen, Lines, mentions};

/// `true`: `Matrix3`/`Vector3`; `false`: `DMatrix`/`DVector`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatSig {
    pub fixed: bool,
    pub out: MatOut,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MatOut {
    Scalar,
    Vector,
    Matrix,
}

impl MatSig {
    pub fn params(self) -> &'static str {
        if self.fixed {
            "m: &Matrix3<f64>, v: Vector3<f64>, k: usize"
        } else {
            "m: &DMatrix<f64>, v: &DVector<f64>, k: usize"
        }
    }

    pub fn ret(self) -> &'static str {
        match (self.out, self.fixed) {
            (MatOut::Scalar, _) => "f64",
            (MatOut::Vector, false) => "DVector<f64>",
            (MatOut::Vector, true) => "Vector3<f64>",
            (MatOut::Matrix, false) => "DMatrix<f64>",
            (MatOut::Matrix, true) => "Matrix3<f64>",
        }
    }

    /// The arguments from the harness's `(DMatrix<f64>, DVector<f64>)` named `p`.
    pub fn adapt(self, p: &str) -> String {
        if self.fixed {
            format!("&mat3(&{p}.0), vec3(&{p}.1)")
        } else {
            format!("&{p}.0, &{p}.1")
        }
    }

    /// The adjoint pair converted to `(DMatrix<f64>, DVector<f64>)`.
    pub fn adjoint(self, g: &str) -> String {
        if self.fixed {
            format!("(dmat(&{g}.0), dvec(&{g}.1))")
        } else {
            g.to_string()
        }
    }

    fn identity(self) -> &'static str {
        if self.fixed {
            "Matrix3::<f64>::identity()"
        } else {
            "DMatrix::<f64>::identity(3, 3)"
        }
    }
}

/// The bound of the entries of `m` and `v` (sampled in `±[0.3, 1.0]`).
pub const MAT_PARAM: f64 = 1.15;

#[derive(Clone, Debug)]
pub struct MatVar {
    pub name: String,
    pub rows: usize,
    pub cols: usize,
    /// A bound of every entry.
    pub iv: Iv,
    pub param: bool,
    /// Symmetric positive definite with eigenvalues in [1, lambda_max].
    pub spd: Option<f64>,
    /// A lower bound of its Euclidean norm.
    pub min_norm: f64,
    /// Eigenvalues or singular values: read only through symmetric functions.
    pub sym_only: bool,
    pub used: bool,
    pub depth: usize,
}

impl MatVar {
    /// The expression of a reference to it.
    pub fn r(&self, sig: MatSig) -> String {
        if self.param && !(sig.fixed && self.name == "v") {
            self.name.clone()
        } else {
            format!("&{}", self.name)
        }
    }

    fn square(&self) -> bool {
        self.rows == 3 && self.cols == 3
    }

    fn len(&self) -> usize {
        self.rows * self.cols
    }
}

#[derive(Clone, Debug)]
pub struct MatEnv {
    pub sig: MatSig,
    pub vars: Vec<MatVar>,
}

impl MatEnv {
    pub fn new(sig: MatSig) -> Self {
        let param = |name: &str, rows| MatVar {
            name: name.into(),
            rows,
            cols: if rows == 3 && name == "m" { 3 } else { 1 },
            iv: Iv::sym(MAT_PARAM),
            param: true,
            spd: None,
            min_norm: if name == "v" { 0.4 } else { 0.0 },
            sym_only: false,
            used: false,
            depth: 0,
        };
        MatEnv {
            sig,
            vars: vec![param("m", 3), param("v", 3)],
        }
    }
}

impl Gen<'_> {
    fn menv(&mut self) -> &mut MatEnv {
        self.matrix.as_mut().expect("matrix family")
    }

    fn sig(&self) -> MatSig {
        self.matrix.as_ref().expect("matrix family").sig
    }

    /// An entry of `m` or `v`.
    pub fn matrix_param_leaf(&mut self, _env: &MatEnv) -> Ex {
        self.matrix_signed_leaf_ex()
    }

    /// An entry of `m` or `v` as code: away from 0, so it can be compared with 0.
    pub fn matrix_signed_leaf(&mut self, _env: &MatEnv) -> String {
        self.matrix_signed_leaf_ex().code
    }

    fn matrix_signed_leaf_ex(&mut self) -> Ex {
        if self.chance(0.5) {
            let (r, c) = (self.index(3), self.index(3));
            Ex::atom(format!("m[({r}, {c})]"), Iv::sym(MAT_PARAM))
        } else {
            let i = self.index(3);
            Ex::atom(format!("v[{i}]"), Iv::sym(MAT_PARAM))
        }
    }

    /// An entry of a matrix local, if there is one that may be read by entry.
    pub fn matrix_entry_leaf(&mut self) -> Option<Ex> {
        let d = self.depth;
        let env = self.matrix.as_ref()?;
        let readable: Vec<usize> = (0..env.vars.len())
            .filter(|&i| !env.vars[i].param && !env.vars[i].sym_only && env.vars[i].depth <= d)
            .collect();
        if readable.is_empty() {
            return None;
        }
        let i = readable[self.rng.below(readable.len())];
        let var = self.menv().vars[i].clone();
        self.menv().vars[i].used = true;
        let code = if var.cols == 1 {
            let idx = self.index(var.rows);
            format!("{}[{idx}]", var.name)
        } else {
            let (r, c) = (self.index(var.rows), self.index(var.cols));
            format!("{}[({r}, {c})]", var.name)
        };
        Some(Ex::atom(code, var.iv))
    }

    fn mat_vars(&self, f: impl Fn(&MatVar) -> bool) -> Vec<usize> {
        let env = self.matrix.as_ref().expect("matrix family");
        (0..env.vars.len()).filter(|&i| f(&env.vars[i])).collect()
    }

    fn pick_var(&mut self, f: impl Fn(&MatVar) -> bool) -> Option<MatVar> {
        let all = self.mat_vars(f);
        if all.is_empty() {
            return None;
        }
        let i = all[self.rng.below(all.len())];
        self.menv().vars[i].used = true;
        Some(self.menv().vars[i].clone())
    }

    /// A matrix local (from a call).
    pub fn add_matrix_local(&mut self, name: &str, rows: usize, cols: usize, iv: Iv) {
        self.add_mat(name, rows, cols, iv);
    }

    fn add_mat(&mut self, name: &str, rows: usize, cols: usize, iv: Iv) -> &mut MatVar {
        let depth = self.depth;
        self.menv().vars.push(MatVar {
            name: name.into(),
            rows,
            cols,
            iv,
            param: false,
            spd: None,
            min_norm: 0.0,
            sym_only: false,
            used: false,
            depth,
        });
        self.menv().vars.last_mut().expect("pushed")
    }

    /// A matrix statement: a new matrix, a reduction to a scalar, a writable copy, or an
    /// eigenvector loss.
    pub fn matrix_stmt(&mut self) -> Lines {
        self.count(30);
        let eigenvectors = if self.on("eigenvectors") { 2 } else { 0 };
        match self.rng.weighted(&[8, 5, 2, eigenvectors]) {
            0 => self.mat_let(),
            1 => self.mat_reduce(),
            2 => self.mat_copy(),
            _ => self.eigen_loss(),
        }
    }

    fn scalar_operand(&mut self, m: f64) -> Ex {
        let e = self.expr(2);
        self.fit(e, m)
    }

    /// `let w = <matrix expression>;`
    pub fn mat_let(&mut self) -> Lines {
        let sig = self.sig();
        let name = self.fresh("w");
        let ops: &[(&str, u32)] = &[
            ("product", 4),
            ("transpose", 2),
            ("add", 3),
            ("scale", 3),
            ("component_mul", 2),
            ("component_div", 1),
            ("map", 3),
            ("spd", 3),
            ("inverse", 3),
            ("cholesky", 3),
            ("exp", 2),
            ("pow", 1),
            ("solve", 3),
            ("eigenvalues", 3),
            ("svdvals", 2),
            ("kronecker", 1),
            ("column", 1),
            ("from_fn", 2),
            ("new", 2),
        ];
        let weights: Vec<u32> = ops
            .iter()
            .map(|&(n, w)| if self.on(n) { w } else { 0 })
            .collect();
        let op = ops[self.rng.weighted(&weights)].0;
        let general = |v: &MatVar| !v.sym_only;
        // the operations of SPD matrices make one first if there is none
        let mut prelude = Vec::new();
        if matches!(
            op,
            "inverse" | "cholesky" | "solve" | "eigenvalues" | "svdvals"
        ) {
            prelude = self.ensure_spd();
        }
        let line = match op {
            "product" => {
                let a = self.pick_var(|v| general(v) && v.square()).expect("m");
                let b = self
                    .pick_var(|v| general(v) && v.rows == 3 && (v.cols == 3 || v.cols == 1))
                    .expect("m");
                let iv = a.iv.mul(b.iv).scale(3.0);
                self.add_mat(&name, 3, b.cols, iv);
                format!("let {name} = {} * {};", a.r(sig), b.r(sig))
            }
            "transpose" => {
                let a = self.pick_var(|v| general(v) && v.square()).expect("m");
                self.add_mat(&name, 3, 3, a.iv);
                format!("let {name} = {}.transpose();", a.name)
            }
            "add" => {
                let a = self.pick_var(general).expect("m");
                let (rows, cols) = (a.rows, a.cols);
                let b = self
                    .pick_var(|v| general(v) && v.rows == rows && v.cols == cols)
                    .expect("itself");
                let sub = self.chance(0.4) && a.name != b.name;
                let iv = if sub { a.iv.sub(b.iv) } else { a.iv.add(b.iv) };
                self.add_mat(&name, rows, cols, iv);
                format!(
                    "let {name} = {} {} {};",
                    a.r(sig),
                    if sub { "-" } else { "+" },
                    b.r(sig)
                )
            }
            "scale" => {
                let a = self.pick_var(general).expect("m");
                let s = self.scalar_operand(2.0);
                let iv = a.iv.mul(s.iv);
                let (rows, cols) = (a.rows, a.cols);
                self.add_mat(&name, rows, cols, iv);
                format!("let {name} = {} * {};", a.r(sig), s.operand())
            }
            "component_mul" => {
                let a = self.pick_var(general).expect("m");
                let (rows, cols) = (a.rows, a.cols);
                let b = self
                    .pick_var(|v| general(v) && v.rows == rows && v.cols == cols)
                    .expect("itself");
                let iv = a.iv.mul(b.iv);
                self.add_mat(&name, rows, cols, iv);
                format!("let {name} = {}.component_mul({});", a.name, b.r(sig))
            }
            "component_div" => {
                let a = self.pick_var(general).expect("m");
                let (rows, cols) = (a.rows, a.cols);
                match self.pick_var(|v| {
                    general(v) && v.rows == rows && v.cols == cols && v.iv.away_from_zero(0.3)
                }) {
                    Some(b) => {
                        let iv = a.iv.div(b.iv);
                        self.add_mat(&name, rows, cols, iv);
                        format!("let {name} = {}.component_div({});", a.name, b.r(sig))
                    }
                    None => return self.mat_map(&name, &a),
                }
            }
            "map" => {
                let a = self.pick_var(|_| true).expect("m");
                return self.mat_map(&name, &a);
            }
            "spd" => return self.mat_spd(&name),
            "inverse" | "cholesky" => {
                let p = self.pick_var(|v| v.spd.is_some()).expect("made");
                let lmax = p.spd.expect("spd");
                let path = self.chance(0.4);
                let clone = if sig.fixed { "" } else { ".clone()" };
                let (code, iv) = if op == "inverse" {
                    (
                        if path {
                            format!("matcalc::linalg::inv(&{})", p.name)
                        } else {
                            format!("{}{clone}.try_inverse().unwrap()", p.name)
                        },
                        Iv::sym(1.0),
                    )
                } else {
                    (
                        if path {
                            format!("matcalc::linalg::cholesky(&{})", p.name)
                        } else {
                            format!("{}{clone}.cholesky().unwrap().l()", p.name)
                        },
                        Iv::sym(lmax.sqrt()),
                    )
                };
                self.add_mat(&name, 3, 3, iv);
                format!("let {name} = {code};")
            }
            "exp" => {
                let Some(a) = self.pick_var(|v| general(v) && v.square() && v.iv.abs_max() <= 0.5)
                else {
                    // scale one down first
                    let a = self.pick_var(|v| general(v) && v.square()).expect("m");
                    let mut c = 1.0;
                    while a.iv.abs_max() * c > 0.4 {
                        c /= 2.0;
                    }
                    let small = self.fresh("w");
                    let iv = a.iv.scale(c);
                    self.add_mat(&small, 3, 3, iv).used = true;
                    let mut out = vec![format!("let {small} = {} * {c:?};", a.r(sig))];
                    let e = (3.0 * iv.abs_max()).exp();
                    self.add_mat(&name, 3, 3, Iv::sym(e));
                    out.push(if self.chance(0.5) {
                        format!("let {name} = {small}.exp();")
                    } else {
                        format!("let {name} = matcalc::linalg::expm(&{small});")
                    });
                    return out;
                };
                let e = (3.0 * a.iv.abs_max()).exp();
                self.add_mat(&name, 3, 3, Iv::sym(e));
                if self.chance(0.5) {
                    format!("let {name} = {}.exp();", a.name)
                } else {
                    format!("let {name} = matcalc::linalg::expm({});", a.r(sig))
                }
            }
            "pow" => {
                let a = self
                    .pick_var(|v| general(v) && v.square() && v.iv.abs_max() <= 2.0)
                    .unwrap_or_else(|| self.matrix.as_ref().expect("env").vars[0].clone());
                let n = self.rng.range(2, 3) as i32;
                let big = a.iv.abs_max();
                let iv = Iv::sym(3f64.powi(n - 1) * big.powi(n));
                self.add_mat(&name, 3, 3, iv);
                format!("let {name} = {}.pow({n});", a.name)
            }
            "solve" => {
                let p = self.pick_var(|v| v.spd.is_some()).expect("made");
                let b = self
                    .pick_var(|v| general(v) && v.rows == 3 && (v.cols == 1 || v.cols == 3))
                    .expect("v");
                let cols = b.cols;
                let iv = Iv::sym(
                    3f64.sqrt() * b.iv.abs_max() * if cols == 3 { 3f64.sqrt() } else { 1.0 },
                );
                self.add_mat(&name, 3, cols, iv);
                format!(
                    "let {name} = matcalc::linalg::solve(&{}, {});",
                    p.name,
                    b.r(sig)
                )
            }
            "eigenvalues" | "svdvals" => {
                let p = self.pick_var(|v| v.spd.is_some()).expect("made");
                let lmax = p.spd.expect("spd");
                let code = match (op, self.rng.below(2)) {
                    ("eigenvalues", 0) => format!("{}.symmetric_eigenvalues()", p.name),
                    ("eigenvalues", _) => format!("matcalc::linalg::eigvalsh(&{})", p.name),
                    _ => format!("matcalc::linalg::svdvals(&{})", p.name),
                };
                let var = self.add_mat(&name, 3, 1, Iv::new(1.0, lmax));
                var.sym_only = true;
                var.min_norm = 3f64.sqrt();
                format!("let {name} = {code};")
            }
            "kronecker" => {
                let a = self
                    .pick_var(|v| general(v) && v.rows == 3 && v.cols == 1)
                    .expect("v");
                let b = self
                    .pick_var(|v| general(v) && v.rows == 3 && v.cols == 1)
                    .expect("v");
                let iv = a.iv.mul(b.iv);
                let min = a.min_norm * b.min_norm;
                self.add_mat(&name, 9, 1, iv).min_norm = min;
                format!("let {name} = {}.kronecker({});", a.name, b.r(sig))
            }
            "column" => {
                let a = self.pick_var(|v| general(v) && v.square()).expect("m");
                let c = self.index(3);
                self.add_mat(&name, 3, 1, a.iv);
                format!("let {name} = {}.column({c}).into_owned();", a.name)
            }
            "from_fn" => return self.mat_from_fn(&name),
            _ => {
                let es: Vec<Ex> = (0..3)
                    .map(|_| {
                        let e = self.scalar_operand(4.0);
                        let e = self.make_active(e);
                        self.fit(e, 4.0)
                    })
                    .collect();
                let iv = es[1..].iter().fold(es[0].iv, |a, e| a.union(e.iv));
                let min = es.iter().map(|e| e.iv.abs_min()).fold(0.0, f64::max);
                let codes: Vec<String> = es.iter().map(|e| e.code.clone()).collect();
                self.add_mat(&name, 3, 1, iv).min_norm = min;
                if sig.fixed {
                    format!("let {name} = Vector3::new({});", codes.join(", "))
                } else {
                    format!(
                        "let {name} = DVector::from_vec(vec![{}]);",
                        codes.join(", ")
                    )
                }
            }
        };
        prelude.push(line);
        prelude
    }

    /// `let p = a·aᵀ + I;` unless an SPD matrix is in scope.
    fn ensure_spd(&mut self) -> Lines {
        if self.mat_vars(|v| v.spd.is_some()).is_empty() {
            let name = self.fresh("p");
            self.mat_spd(&name)
        } else {
            Vec::new()
        }
    }

    /// `let name = a·aᵀ + I;`: symmetric positive definite, eigenvalues at least 1.
    fn mat_spd(&mut self, name: &str) -> Lines {
        let sig = self.sig();
        let a = self.pick_var(|v| !v.sym_only && v.square()).expect("m");
        let big = a.iv.abs_max();
        let iv = Iv::new(-3.0 * big * big, 3.0 * big * big + 1.0);
        self.add_mat(name, 3, 3, iv).spd = Some(1.0 + 9.0 * big * big);
        vec![format!(
            "let {name} = {} * {}.transpose() + {};",
            a.r(sig),
            a.name,
            sig.identity()
        )]
    }

    /// `let w = a.map(|e| f(e));` with a scalar body (that may read scalar locals).
    fn mat_map(&mut self, name: &str, a: &MatVar) -> Lines {
        let body = self.closure_body(&[("e", a.iv)], &[]);
        let iv = body.iv;
        let min = iv.abs_min() * (a.len() as f64).sqrt();
        let sym_only = a.sym_only;
        let var = self.add_mat(name, a.rows, a.cols, iv);
        var.min_norm = min;
        var.sym_only = sym_only;
        vec![format!("let {name} = {}.map(|e| {});", a.name, body.code)]
    }

    /// A scalar expression over closure parameters (and the scalar locals in scope): no calls,
    /// no reads of matrices other than the parameters by index.
    fn closure_body(&mut self, params: &[(&str, Iv)], ints: &[&str]) -> Ex {
        let saved_locals = self.locals.len();
        let saved_bufs = std::mem::take(&mut self.bufs);
        let saved_ints = self.ints.clone();
        let saved_mat = self.matrix.clone();
        // inside the closure: its parameters, the scalar locals, `m`/`v` entries, literals
        let depth = self.depth + 1;
        for (name, iv) in params {
            self.locals.push(crate::program::Local {
                name: (*name).into(),
                iv: *iv,
                used: false,
                depth,
                mutable: false,
                updated: false,
                deref: false,
                signed: false,
                active: true,
            });
        }
        if !ints.is_empty() {
            self.ints = ints
                .iter()
                .map(|n| crate::program::IntVar {
                    name: (*n).into(),
                    min: 0,
                    max: 2,
                })
                .collect();
        }
        if let Some(env) = &mut self.matrix {
            env.vars.retain(|v| v.param);
        }
        self.in_closure = true;
        let mut e = self.active_expr(2);
        e = self.make_active(e);
        // every closure parameter is read
        for (name, iv) in params {
            if !mentions(&e.code, name) {
                let p = Ex::atom(*name, *iv);
                e = self.binary_op(e, p, "+");
            }
        }
        let e = self.fit(e, 8.0);
        self.in_closure = false;
        self.locals.truncate(saved_locals);
        self.bufs = saved_bufs;
        self.ints = saved_ints;
        // keep the `used` marks of the variables read in the closure
        let used: Vec<String> = self
            .matrix
            .as_ref()
            .map(|env| {
                env.vars
                    .iter()
                    .filter(|v| v.used)
                    .map(|v| v.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        self.matrix = saved_mat;
        if let Some(env) = &mut self.matrix {
            for v in &mut env.vars {
                if used.contains(&v.name) {
                    v.used = true;
                }
            }
        }
        e
    }

    /// `DMatrix::from_fn(3, 3, |i, j| ..)` or `DVector::from_fn(3, |i, _| ..)`.
    fn mat_from_fn(&mut self, name: &str) -> Lines {
        let sig = self.sig();
        let vector = self.chance(0.4);
        let ints: &[&str] = if vector { &["i"] } else { &["i", "j"] };
        let mut body = self.closure_body(&[], ints);
        // read the indices, or clippy sees a constant closure... fine either way, but make the
        // entries depend on their position
        if !mentions(&body.code, "i") {
            let p = Ex::atom("(i as f64)", Iv::new(0.0, 2.0));
            body = self.binary_op(body, p, "+");
        }
        let iv = body.iv;
        let (rows, cols) = if vector { (3, 1) } else { (3, 3) };
        self.add_mat(name, rows, cols, iv);
        let uses_j = mentions(&body.code, "j");
        let j = if uses_j { "j" } else { "_" };
        let code = match (vector, sig.fixed) {
            (true, false) => format!("DVector::from_fn(3, |i, _| {})", body.code),
            (true, true) => format!("Vector3::from_fn(|i, _| {})", body.code),
            (false, false) => format!("DMatrix::from_fn(3, 3, |i, {j}| {})", body.code),
            (false, true) => format!("Matrix3::from_fn(|i, {j}| {})", body.code),
        };
        vec![format!("let {name} = {code};")]
    }

    /// `let t = <reduction>;`
    pub fn mat_reduce(&mut self) -> Lines {
        let sig = self.sig();
        let name = self.fresh("t");
        let has_spd = !self.mat_vars(|v| v.spd.is_some()).is_empty();
        let weights = [2, 2, 2, 2, 1, 2, if has_spd { 5 } else { 1 }, 2];
        let (code, iv) = match self.rng.weighted(&weights) {
            0 => {
                let a = self.pick_var(|v| v.square() && !v.sym_only).expect("m");
                (format!("{}.trace()", a.name), a.iv.scale(3.0))
            }
            1 => {
                let a = self.pick_var(|_| true).expect("m");
                (format!("{}.sum()", a.name), a.iv.scale(a.len() as f64))
            }
            2 => {
                let a = self.pick_var(|_| true).expect("m");
                let (rows, cols, sym) = (a.rows, a.cols, a.sym_only);
                let b = self
                    .pick_var(|v| v.rows == rows && v.cols == cols && (!sym || v.name == a.name))
                    .expect("itself");
                (
                    format!("{}.dot({})", a.name, b.r(sig)),
                    a.iv.mul(b.iv).scale(a.len() as f64),
                )
            }
            3 => match self.pick_var(|v| v.min_norm >= 0.2) {
                Some(a) => (
                    format!("{}.norm()", a.name),
                    Iv::new(a.min_norm, a.iv.abs_max() * (a.len() as f64).sqrt()),
                ),
                None => {
                    let a = self.pick_var(|_| true).expect("m");
                    (
                        format!("{}.norm_squared()", a.name),
                        Iv::new(0.0, a.iv.abs_max().powi(2) * a.len() as f64),
                    )
                }
            },
            4 => {
                let a = self.pick_var(|_| true).expect("m");
                (
                    format!("{}.norm_squared()", a.name),
                    Iv::new(0.0, a.iv.abs_max().powi(2) * a.len() as f64),
                )
            }
            5 => {
                let a = self.pick_var(|v| v.square() && !v.sym_only).expect("m");
                let big = a.iv.abs_max();
                let code = if self.chance(0.5) {
                    format!("{}.determinant()", a.name)
                } else {
                    format!("matcalc::linalg::det({})", a.r(sig))
                };
                (code, Iv::sym(6.0 * big.powi(3)))
            }
            6 => match self.pick_var(|v| v.spd.is_some()) {
                Some(p) => {
                    let lmax = p.spd.expect("spd");
                    let code = if self.chance(0.5) {
                        format!("matcalc::linalg::logdet(&{})", p.name)
                    } else {
                        format!("{}.determinant().ln()", p.name)
                    };
                    (code, Iv::new(0.0, 3.0 * lmax.ln()))
                }
                None => {
                    let a = self.pick_var(|v| v.square() && !v.sym_only).expect("m");
                    (format!("{}.trace()", a.name), a.iv.scale(3.0))
                }
            },
            _ => {
                // a symmetric function of eigenvalues
                match self.pick_var(|v| v.sym_only) {
                    Some(a) => {
                        let mapped = self.fresh("w");
                        let lines = self.mat_map(&mapped, &a);
                        let w = self
                            .matrix
                            .as_ref()
                            .expect("env")
                            .vars
                            .last()
                            .expect("mapped")
                            .clone();
                        self.menv().vars.last_mut().expect("mapped").used = true;
                        let iv = w.iv.scale(w.len() as f64);
                        self.add_local(&name, iv);
                        let mut out = lines;
                        out.push(format!("let {name} = {}.sum();", w.name));
                        return out;
                    }
                    None => {
                        let a = self.pick_var(|_| true).expect("m");
                        (format!("{}.sum()", a.name), a.iv.scale(a.len() as f64))
                    }
                }
            }
        };
        self.add_local(&name, iv.widen(1e-9));
        vec![format!("let {name} = {code};")]
    }

    /// `let mut c = a.clone();` written by index afterwards.
    pub fn mat_copy(&mut self) -> Lines {
        let a = self
            .pick_var(|v| !v.sym_only && v.cols <= 3 && v.rows == 3)
            .expect("m");
        let name = self.fresh("c");
        let bound = a.iv.abs_max().max(1.0);
        let depth = self.depth;
        self.bufs.push(Buf {
            name: name.clone(),
            len: a.len(),
            cols: a.cols,
            iv: Iv::sym(bound),
            depth,
            mutable: true,
            written: false,
            borrowed: 0,
            active: true,
        });
        let cols = a.cols;
        let var = self.add_mat(&name, 3, cols, Iv::sym(bound));
        var.min_norm = 0.0;
        let sig = self.sig();
        let init = if sig.fixed && a.param && a.name == "v" {
            "v".to_string()
        } else {
            format!("{}.clone()", a.name)
        };
        vec![format!("let mut {name} = {init};")]
    }

    /// Σᵢ f(λᵢ)·qᵢᵀWqᵢ over the eigenpairs of an SPD matrix: tr(W·f(P)), smooth.
    pub fn eigen_loss(&mut self) -> Lines {
        let sig = self.sig();
        let mut out = self.ensure_spd();
        let p = self.pick_var(|v| v.spd.is_some()).expect("made");
        let w = self.pick_var(|v| v.square() && !v.sym_only).expect("m");
        let lmax = p.spd.expect("spd");
        let (f, fmax) = *self.rng.pick(&[
            ("ln()", lmax.ln()),
            ("sqrt()", lmax.sqrt()),
            ("recip()", 1.0),
            ("exp()", lmax.exp()),
        ]);
        let (f, fmax) = if fmax > 50.0 {
            ("ln()", lmax.ln())
        } else {
            (f, fmax)
        };
        let total = self.fresh("t");
        let i = self.fresh("i");
        let q = self.fresh("q");
        let (values, vectors) = if self.chance(0.5) {
            let e = self.fresh("e");
            let clone = if sig.fixed { "" } else { ".clone()" };
            out.push(format!("let {e} = {}{clone}.symmetric_eigen();", p.name));
            (format!("{e}.eigenvalues"), format!("{e}.eigenvectors"))
        } else {
            let (l, q) = (self.fresh("l"), self.fresh("q"));
            out.push(format!(
                "let ({l}, {q}) = matcalc::linalg::eigh(&{});",
                p.name
            ));
            (l, q)
        };
        out.push(format!("let mut {total} = 0.0;"));
        out.push(format!("for {i} in 0..3 {{"));
        out.push(format!("    let {q} = {vectors}.column({i});"));
        let wq = if w.param {
            format!("{} * {q}", w.name)
        } else {
            format!("&{} * {q}", w.name)
        };
        out.push(format!(
            "    {total} += {values}[{i}].{f} * {q}.dot(&({wq}));"
        ));
        out.push("}".into());
        let iv = Iv::sym(3.0 * fmax * 3.0 * w.iv.abs_max());
        self.add_local(&total, iv);
        out
    }

    /// A result of the matrix family.
    pub fn matrix_result(&mut self) -> (Lines, String) {
        let sig = self.sig();
        match sig.out {
            MatOut::Scalar => {
                let e = self.scalar_result();
                (Vec::new(), e.code)
            }
            out => {
                let cols = if out == MatOut::Vector { 1 } else { 3 };
                let w = self
                    .pick_var(|v| !v.sym_only && v.rows == 3 && v.cols == cols)
                    .expect("m or v");
                let s = self.scalar_result();
                let s = self.fit(s, 4.0);
                let u = self
                    .pick_var(|v| !v.sym_only && v.rows == 3 && v.cols == cols)
                    .expect("m or v");
                let iv = w.iv.mul(s.iv).add(u.iv);
                self.returns = None;
                self.record_return(iv);
                (
                    Vec::new(),
                    format!("{} * {} + {}", w.r(sig), s.operand(), u.r(sig)),
                )
            }
        }
    }

    /// Folds the matrix locals of the closing scope that were never read.
    pub fn pop_matrices(&mut self, out: &mut Lines) {
        let d = self.depth;
        let Some(env) = &self.matrix else {
            return;
        };
        let unused: Vec<MatVar> = env
            .vars
            .iter()
            .filter(|v| !v.param && v.depth == d && !v.used)
            .cloned()
            .collect();
        for v in unused {
            let iv = v.iv.scale(v.len() as f64);
            let line = self.fold(Ex::atom(format!("{}.sum()", v.name), iv));
            out.push(line);
        }
        if let Some(env) = &mut self.matrix {
            env.vars.retain(|v| v.param || v.depth < d || d == 0);
        }
    }
}
