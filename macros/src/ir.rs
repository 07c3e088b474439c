//! The model the emitters work on: the annotated body lowered to A-normal form.
//!
//! Every active computation is one [`Op`] assigned to a variable, every operand is an active
//! variable or an inactive temporary, and control flow keeps the shape the user wrote (its
//! conditions are copied verbatim: they are discrete and carry no derivative). Inactive
//! statements are kept as the user's tokens.

use proc_macro2::{Ident, Span, TokenStream};
use syn::{Lifetime, Type};

/// Index of a [`Var`] in [`Body::vars`].
pub(crate) type VarId = usize;

/// An active value: a parameter, a user binding or a temporary of the lowering.
#[derive(Clone)]
pub(crate) struct Var {
    /// The primal name in generated code: the user's identifier (with its span) or a hygienic
    /// temporary.
    pub ident: Ident,
    /// A name unique in the function, the stem of the tangent `<uniq>_dot` and adjoint `<uniq>_bar`.
    pub uniq: String,
    /// The primal (and tangent) is a reference to the value: `&[f64]` parameters and the items of
    /// `.iter()`.
    pub is_ref: bool,
    /// A parameter of the function: its shape is fixed for the whole call.
    pub param: bool,
}

/// An input of an operation.
#[derive(Clone, PartialEq)]
pub(crate) enum Operand {
    /// An active variable; `borrowed` when the user wrote `&x`.
    Var { id: VarId, borrowed: bool },
    /// An inactive value, always a simple identifier bound by an earlier inactive `let`.
    Const(Ident),
}

impl Operand {
    pub fn var(&self) -> Option<VarId> {
        match self {
            Operand::Var { id, .. } => Some(*id),
            Operand::Const(_) => None,
        }
    }
}

/// A binary arithmetic operator.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    /// `a.dot(b)`: bilinear like `*`, with its own rule.
    Dot,
}

/// A method with a rule in the scalar table of the runtime.
#[derive(Clone)]
pub(crate) struct ScalarMethod {
    pub name: Ident,
    /// Float inputs, the receiver first.
    pub inputs: Vec<Operand>,
    /// Integer inputs (the exponent of `powi`), passed through.
    pub int_inputs: Vec<Ident>,
    /// The user's arguments after the receiver (the float inputs, then the integer ones): the
    /// primal writes an argument that is not active as the user did (see
    /// `Model::scalar_argument`).
    pub args: Vec<Spelling>,
    /// The float type when the user wrote `f64::max(a, b)`: the primal is written the same way,
    /// so that a literal receiver keeps its type.
    pub through: Option<syn::Path>,
    /// The witness of the user's expression (see [`Guard`]). The primal is that expression, at
    /// the user's tokens, so it is its own check: the witness takes its type as it is computed
    /// (`witnessed`), and the receiver's value, tangent and adjoint go through it into the rule.
    /// `None` for a receiver that is a scalar of the function's float type, which has every
    /// method of the table (see `analysis::floats`).
    pub witness: Option<usize>,
}

impl ScalarMethod {
    /// Every input of the method as an operand: the float inputs, the receiver first, then the
    /// integer ones (constants).
    pub fn operands(&self) -> impl Iterator<Item = Operand> + '_ {
        let ints = self.int_inputs.iter().cloned().map(Operand::Const);
        self.inputs.iter().cloned().chain(ints)
    }

    /// The guard of the rule calls the method leads to, whose check is the primal itself.
    pub fn guard(&self) -> Option<Guard> {
        self.witness.map(|id| Guard {
            id,
            at: (self.name.span(), self.name.span()),
            check: None,
        })
    }
}

/// How a binary operation defers to the type checker's verdict on the expression the user wrote.
///
/// A type error in the user's `x * v` is reported on the user's tokens, in the annotated
/// function. Each generated function evaluates the same expression again, in code that never
/// runs (`if false { check1 = witness(&(x * v)); loop {} }`), spelled with the user's tokens:
/// rustc reports an identical error there and prints it once. The witness `check<id>` has the
/// expression's type, and the rule calls the operation leads to take their first operand through
/// it (`guard(&check1, &x)`): that operand has its own type when the expression type-checks, and
/// a type rustc cannot know when it does not. Each rule's obligations are then undecided, and
/// rustc reports none of them in a function that already has an error: the user reads the error
/// that the function without the macro gives, and nothing else.
///
/// Where the expression fails on a bound of an impl that applies (a matrix product of the wrong
/// shapes: nalgebra's `Mul` applies and its `DimEq` bound fails), the witness keeps its type. The
/// matrix rules then fail on the same bound, and their calls are spanned where the user's
/// expression failed (`at`): rustc drops a failure it has already reported at that span.
#[derive(Clone)]
pub(crate) struct Guard {
    /// The witness, shared by the user's operation and those derived from it (its tangent).
    pub id: usize,
    /// Where rustc reports a bound of the user's operation that fails: the operator, or the
    /// argument of a method (its first token and its last). The rule calls of a product are
    /// spanned there (see `emit::bilinear_call`).
    pub at: (Span, Span),
    /// The user's expression: on the operation the user wrote, not on those derived from it.
    pub check: Option<Check>,
}

/// The expression of a [`Guard`], as the user wrote it.
#[derive(Clone)]
pub(crate) struct Check {
    pub form: CheckForm,
    pub lhs: Spelling,
    pub rhs: Spelling,
}

/// Where an operand of a [`Check`] stands in the user's code, which a type error labels.
#[derive(Clone)]
pub(crate) enum Spelling {
    /// One identifier.
    Word(Ident),
    /// Anything else: the first token, and the last when there are several.
    Tokens(Span, Option<Span>),
}

impl Spelling {
    /// The spans of the first token and of the last (the same for one token).
    pub fn ends(&self) -> (Span, Span) {
        match self {
            Spelling::Word(word) => (word.span(), word.span()),
            Spelling::Tokens(first, last) => (*first, last.unwrap_or(*first)),
        }
    }
}

#[derive(Clone)]
pub(crate) enum CheckForm {
    /// `a * b` (the operator's tokens, with their spans). For `a *= b` it is `a * b` at the
    /// user's `*=`: a compound assignment has the type `()` even when it fails.
    Infix(TokenStream),
    /// `-a` (the operator's token, with its span); both spellings of the [`Check`] are `a`'s.
    Prefix(TokenStream),
    /// `a.dot(b)`.
    Method(Ident),
}

/// One argument of a call to a differentiable function.
#[derive(Clone)]
pub(crate) enum CallArg {
    Active {
        id: VarId,
        borrowed: bool,
    },
    /// An argument that carries no derivative and gets none.
    Inactive(TokenStream),
    /// An inactive argument that the callee may differentiate (a float, or a matrix of the
    /// runtime's linear algebra): it gets a zero tangent, and its adjoint is dropped. `value` is
    /// bound by an earlier inactive `let`; `by_ref` when it holds a reference.
    ///
    /// How calls pass tangents: `g_jvp` takes one tangent per parameter that `g` differentiates,
    /// and only `g` knows which those are (its `wrt`, or a custom rule's own choice). The caller
    /// passes one for every active argument and for every inactive one that is a float or a
    /// buffer of floats, as far as the lowering can tell from how it is written (`float_like`:
    /// literals, casts, float parameters and locals, their elements, `f64::` functions and
    /// float methods of those). An argument passed without one is checked by the type checker
    /// not to be a float (`TangentProbe` of the runtime, in `f_jvp`): a float missed there
    /// would otherwise shift the tangents after it onto the wrong parameters, a silently wrong
    /// derivative. What remains is a compile error, never a wrong derivative: an inactive float
    /// for a parameter the callee's `wrt` leaves out gets a tangent it does not take (E0061).
    /// Callers cannot do better without knowing the callee's `wrt`, which a hidden companion
    /// could publish, but custom rules have only `g_jvp` and `g_vjp`.
    Constant {
        value: Ident,
        by_ref: bool,
    },
}

/// An operation whose result is assigned to an active variable.
#[derive(Clone)]
pub(crate) enum Op {
    /// `y = x` (also `*x`, and a cast to the same float type).
    Copy(Operand),
    /// `y = -x`, with the guard of the user's `-x` (see [`Guard`]); a negation the
    /// differentiation derives (the tangent of `c - x`) has the guard of the user's operation.
    Neg(Operand, Option<Guard>),
    /// `y = a ∘ b`, with the guard that keeps a type error in the user's expression the only
    /// error reported. `None` where nothing can fail on its own: the products of a rule's
    /// partials, the sum of the product rule's terms. For `buf[i] += v` the check is `t + v`,
    /// `t` the element read, spelled as the user's `buf[i]`.
    Binary(BinOp, Operand, Operand, Option<Guard>),
    /// `y = x.sin()`, `y = a.atan2(b)`, ...
    Scalar(ScalarMethod),
    /// `y = x as F` with `F` a float type.
    Cast(Operand, Type),
    /// `let y: T = x`, `x` the value of the user's expression and `T` the type the user declared
    /// on the binding. The value goes through the method `spelled`, spanned as the user's
    /// expression: a value of another type is reported as in the user's function, once (see
    /// `Model::returned`), and its adjoint comes back as the value's own type (`seed_as`), so
    /// the rest of the generated function type-checks.
    Declared(Operand, Spelling),
    /// `y = x` for `x` an active argument of a float method (`b` in `a.atan2(b)`), as the type
    /// the method takes, which the user's call, written with `y`, decides: the identity in a
    /// function that compiles, and no error of its own in one that does not (`x.atan2(v)` with
    /// `v` a slice reads as the user's error alone). Its tangent and adjoint convert the same
    /// way (`argument_of`, `acc_as` of the runtime). `like`, in the tangent program: the value
    /// whose type the tangent takes.
    Argument {
        value: Operand,
        like: Option<Operand>,
    },
    /// `y = x.clone()`, `x.to_vec()`, ...: linear and structural, so the tangent is the same
    /// method applied to the tangent and the adjoint passes through.
    Linear(Ident, Operand),
    /// `y = buf[index]`; `by_ref` when the element is bound by reference (`.iter()` items).
    Read {
        buf: VarId,
        index: Ident,
        by_ref: bool,
    },
    /// `vec![elem; len]` or `[elem; len]`.
    Repeat {
        elem: Operand,
        len: TokenStream,
        vec: bool,
    },
    /// `vec![a, b]` or `[a, b]`.
    List { elems: Vec<Operand>, vec: bool },
    /// `&s.field` of an active struct, bound by reference (a struct deriving `Differentiable`).
    Field { base: VarId, member: syn::Member },
    /// `S { a: x, b: y }`: a struct literal of a type deriving `Differentiable`.
    Struct {
        path: syn::Path,
        fields: Vec<(syn::Member, Operand)>,
    },
    /// `Vector3::new(a, b, c)`: a constructor, linear in its entries.
    Construct {
        ctor: syn::Path,
        elems: Vec<Operand>,
    },
    /// `y = g(args)`: an annotated function or a custom rule, through `g_jvp` / `g_vjp`. With a
    /// guard, the first argument, its tangent and its adjoint go through its witness: the call
    /// of a scalar rule's partials in the tangent program, derived from the user's method (see
    /// `ScalarMethod::witness`).
    Call {
        func: syn::Path,
        args: Vec<CallArg>,
        guard: Option<Guard>,
    },
    /// A value that does not depend on the inputs, assigned to a variable that is active
    /// elsewhere: `let mut s = 0.0;`, `Vec::with_capacity(n)`.
    Const(TokenStream),
}

/// A statement of the lowered body.
// The model is built once per annotated function; the size of its nodes does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Stmt {
    /// An inactive statement, as the user wrote it.
    Verbatim(TokenStream),
    /// `let [mut] x[: T] = op;` (`op` is `None` for a deferred initialisation `let x;`).
    Let {
        var: VarId,
        mutable: bool,
        ty: Option<Type>,
        op: Option<Op>,
    },
    /// `let (a, b) = g(args);`: a call returning a tuple, destructured. With `pairs`, the call
    /// returns a value and its tangent, `((a, b), (a_dot, b_dot))`: the first half of `vars`
    /// and the second.
    LetTuple {
        vars: Vec<VarId>,
        func: syn::Path,
        args: Vec<CallArg>,
        pairs: bool,
        /// As in [`Op::Call`].
        guard: Option<Guard>,
    },
    /// `x = op;`
    Assign {
        var: VarId,
        op: Op,
    },
    /// `buf[index] = value;`
    Write {
        buf: VarId,
        index: Ident,
        value: Operand,
    },
    /// `base.member = value;`
    WriteField {
        base: VarId,
        member: syn::Member,
        value: Operand,
    },
    /// `buf.push(value);`
    Push {
        buf: VarId,
        value: Operand,
    },
    If {
        cond: TokenStream,
        then: Block,
        els: Option<Block>,
    },
    /// `let pat = init else { otherwise };` with an inactive `init`.
    LetElse {
        pat: TokenStream,
        init: TokenStream,
        otherwise: Block,
    },
    Match {
        scrutinee: TokenStream,
        arms: Vec<Arm>,
    },
    Loop {
        label: Option<Lifetime>,
        body: Block,
    },
    While {
        label: Option<Lifetime>,
        cond: TokenStream,
        body: Block,
        /// `#[checkpoint]` on the loop (reverse mode only).
        checkpoint: Option<Box<Checkpoint>>,
    },
    For {
        label: Option<Lifetime>,
        pat: TokenStream,
        iter: TokenStream,
        body: Block,
        /// `#[checkpoint]` on the loop (reverse mode only; `iter` is then a range).
        checkpoint: Option<Box<Checkpoint>>,
    },
    Block(Block),
    Break(Option<Lifetime>),
    Continue(Option<Lifetime>),
    /// Leave the function with these values (one per component of a tuple return; in the
    /// tangent program, the values and then their tangents, where the values are spelled a
    /// constant's tangent being the constant itself, which stands for the zero of the value as
    /// returned, of the declared type).
    Return {
        values: Vec<Operand>,
        /// The user's expression of each component, where the function has a declared return
        /// type: each generated function returns its value through a closure of that type,
        /// written with the user's tokens (`Model::returned`), so that a value of the wrong
        /// type is reported as the user's function reports it, and once.
        spellings: Option<Vec<Spelling>>,
    },
}

pub(crate) type Block = Vec<Stmt>;

/// `#[checkpoint]` on a loop: reverse mode keeps the state the loop starts from, not a record of
/// each iteration, and the pullback recomputes iterations from kept states (see
/// `reverse::checkpointed`). The active values the body reads and writes are found on the model;
/// the inactive ones, kept as the user wrote them, are named here.
#[derive(Clone)]
pub(crate) struct Checkpoint {
    /// `snapshots = S`: the most states kept at once; by default enough that no iteration is
    /// run forward more than twice in the pullback.
    pub snapshots: Option<TokenStream>,
    /// Inactive names bound outside the loop that the body assigns: part of the loop's state.
    pub inactive_state: Vec<Ident>,
    /// Inactive names bound outside the loop that the body reads only, with the declared type
    /// of those that are parameters.
    pub inactive_inputs: Vec<(Ident, Option<syn::Type>)>,
}

pub(crate) struct Arm {
    pub pat: TokenStream,
    pub guard: Option<TokenStream>,
    pub body: Block,
}

/// The lowered body with its variables.
pub(crate) struct Body {
    pub vars: Vec<Var>,
    pub stmts: Block,
    /// The inactive temporaries that hold a reference (the user wrote `&x`).
    pub ref_consts: std::collections::HashSet<String>,
    /// The inactive temporaries bound to a literal, with the literal: the backward sweep writes
    /// the literal again instead of keeping its value.
    pub literals: std::collections::HashMap<String, proc_macro2::TokenStream>,
}

impl Stmt {
    /// Calls `f` on every statement in this one, nested ones included, in order.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Stmt)) {
        f(self);
        let mut walk_block = |b: &'a Block| b.iter().for_each(|s| s.walk(f));
        match self {
            Stmt::If { then, els, .. } => {
                walk_block(then);
                if let Some(e) = els {
                    walk_block(e);
                }
            }
            Stmt::Match { arms, .. } => arms.iter().for_each(|a| walk_block(&a.body)),
            Stmt::Loop { body, .. } | Stmt::While { body, .. } | Stmt::For { body, .. } => {
                walk_block(body)
            }
            Stmt::Block(b) | Stmt::LetElse { otherwise: b, .. } => walk_block(b),
            _ => {}
        }
    }

    /// Whether this statement may leave its block early (an inactive `if i == 1 { break; }` kept
    /// as written): the reverse sweep must record what ran before it.
    pub fn may_exit(&self) -> bool {
        fn exits(tokens: &TokenStream) -> bool {
            tokens.clone().into_iter().any(|t| match t {
                proc_macro2::TokenTree::Ident(i) => {
                    i == "break" || i == "continue" || i == "return"
                }
                proc_macro2::TokenTree::Group(g) => exits(&g.stream()),
                _ => false,
            })
        }
        matches!(self, Stmt::Verbatim(tokens) if exits(tokens))
    }

    /// Whether this statement changes control flow or contains statements that do.
    pub fn is_control(&self) -> bool {
        matches!(
            self,
            Stmt::If { .. }
                | Stmt::Match { .. }
                | Stmt::Loop { .. }
                | Stmt::While { .. }
                | Stmt::For { .. }
                | Stmt::Block(_)
                | Stmt::LetElse { .. }
                | Stmt::Break(_)
                | Stmt::Continue(_)
                | Stmt::Return { .. }
        )
    }
}

impl Op {
    /// The active variables this operation reads.
    pub fn inputs(&self) -> Vec<VarId> {
        let from = |ops: &[&Operand]| ops.iter().filter_map(|o| o.var()).collect::<Vec<_>>();
        match self {
            Op::Copy(a)
            | Op::Neg(a, _)
            | Op::Cast(a, _)
            | Op::Linear(_, a)
            | Op::Declared(a, _)
            | Op::Argument { value: a, .. } => from(&[a]),
            Op::Binary(_, a, b, _) => from(&[a, b]),
            Op::Scalar(m) => m.inputs.iter().filter_map(Operand::var).collect(),
            Op::Read { buf, .. } => vec![*buf],
            Op::Repeat { elem, .. } => from(&[elem]),
            Op::List { elems, .. } | Op::Construct { elems, .. } => {
                elems.iter().filter_map(Operand::var).collect()
            }
            Op::Field { base, .. } => vec![*base],
            Op::Struct { fields, .. } => fields.iter().filter_map(|(_, o)| o.var()).collect(),
            Op::Call { args, .. } => call_inputs(args),
            Op::Const(_) => Vec::new(),
        }
    }
}

/// The active variables passed to a call.
pub(crate) fn call_inputs(args: &[CallArg]) -> Vec<VarId> {
    args.iter()
        .filter_map(|a| match a {
            CallArg::Active { id, .. } => Some(*id),
            CallArg::Inactive(_) | CallArg::Constant { .. } => None,
        })
        .collect()
}
