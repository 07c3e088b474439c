//! What the macro knows of the runtime's rules by name. It has no type information, so this is
//! all it can know: which methods have a rule in the scalar table and how many inputs each takes.
//! The runtime's table (`matcalc_runtime::rules::scalar::METHODS`) is the source; a test checks
//! that the two agree.

/// The inputs of a scalar rule.
#[derive(Clone, Copy)]
pub(crate) struct ScalarArity {
    /// Float inputs, the receiver included.
    pub floats: usize,
    /// Integer inputs after them (the exponent of `powi`).
    pub ints: usize,
}

/// Every float method with a rule: (name, float inputs, integer inputs).
pub(crate) const SCALAR: &[(&str, usize, usize)] = &[
    ("abs", 1, 0),
    ("signum", 1, 0),
    ("sqrt", 1, 0),
    ("cbrt", 1, 0),
    ("exp", 1, 0),
    ("exp2", 1, 0),
    ("exp_m1", 1, 0),
    ("ln", 1, 0),
    ("ln_1p", 1, 0),
    ("log2", 1, 0),
    ("log10", 1, 0),
    ("recip", 1, 0),
    ("sin", 1, 0),
    ("cos", 1, 0),
    ("tan", 1, 0),
    ("asin", 1, 0),
    ("acos", 1, 0),
    ("atan", 1, 0),
    ("sinh", 1, 0),
    ("cosh", 1, 0),
    ("tanh", 1, 0),
    ("asinh", 1, 0),
    ("acosh", 1, 0),
    ("atanh", 1, 0),
    ("floor", 1, 0),
    ("ceil", 1, 0),
    ("round", 1, 0),
    ("trunc", 1, 0),
    ("powi", 1, 1),
    ("powf", 2, 0),
    ("log", 2, 0),
    ("atan2", 2, 0),
    ("hypot", 2, 0),
    ("max", 2, 0),
    ("min", 2, 0),
    ("mul_add", 3, 0),
    ("clamp", 3, 0),
];

pub(crate) fn scalar(name: &str) -> Option<ScalarArity> {
    SCALAR
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, floats, ints)| ScalarArity { floats, ints })
}

/// The names of the scalar rules, for error messages.
pub(crate) fn scalar_names() -> String {
    SCALAR
        .iter()
        .map(|(n, _, _)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Methods whose result never carries a derivative (sizes, predicates, comparisons).
pub(crate) const INACTIVE_METHODS: &[&str] = &[
    "len",
    "is_empty",
    "capacity",
    "is_nan",
    "is_finite",
    "is_infinite",
    "is_normal",
    "is_subnormal",
    "is_sign_positive",
    "is_sign_negative",
    "to_bits",
    "partial_cmp",
    "total_cmp",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "classify",
    "contains",
    "nrows",
    "ncols",
    "shape",
];

/// Methods that copy or convert a value without changing it: the tangent is the same method
/// applied to the tangent, and the adjoint passes through unchanged.
pub(crate) const LINEAR_METHODS: &[&str] = &["clone", "to_owned", "to_vec", "into_owned"];

/// nalgebra's methods that return a view borrowing a block of a matrix.
pub(crate) const VIEW_METHODS: &[&str] = &[
    "column",
    "row",
    "columns",
    "rows",
    "view",
    "columns_range",
    "rows_range",
    "view_range",
    "fixed_columns",
    "fixed_rows",
    "fixed_view",
];

/// Methods that change a buffer in place.
pub(crate) const MUTATING_METHODS: &[&str] = &[
    "push",
    "pop",
    "insert",
    "remove",
    "extend",
    "extend_from_slice",
    "clear",
    "truncate",
    "resize",
    "fill",
    "swap",
    "reverse",
    "sort_by",
    "copy_from_slice",
    "clone_from_slice",
    "iter_mut",
    "as_mut_slice",
    "retain",
    "drain",
    "append",
    "split_off",
    "swap_remove",
    "dedup",
    "rotate_left",
    "rotate_right",
];

/// Macros kept as written: they only read values.
pub(crate) const PASSTHROUGH_MACROS: &[&str] = &[
    "println",
    "print",
    "eprintln",
    "eprint",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
    "format",
    "write",
    "writeln",
];

/// The iterators a `for` loop over active buffers takes (`x.iter()`, `.enumerate()`,
/// `.zip(..)`), and so the sources of the iterator chains rewritten as such loops.
pub(crate) const LOOP_ITERATORS: &[&str] = &["iter", "into_iter", "enumerate", "zip"];

/// The stages of an iterator chain between its source and its reduction that the rewriting
/// into loops takes (see `lower::chains`).
pub(crate) const CHAIN_STAGES: &[&str] = &["map", "filter", "copied", "cloned"];

/// `f32` or `f64`.
pub(crate) fn is_float_type(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.get_ident().is_some_and(|i| i == "f32" || i == "f64"))
}

/// nalgebra methods differentiated through a function of the runtime's `linalg` module:
/// (method, function, the arguments after the receiver: `m` a matrix passed by reference, `i` an
/// inactive value such as an index or an exponent).
pub(crate) const LINALG_METHODS: &[(&str, &str, &str)] = &[
    ("transpose", "transpose", ""),
    ("trace", "trace", ""),
    ("norm", "norm", ""),
    ("norm_squared", "norm_squared", ""),
    ("sum", "sum", ""),
    // a float's `max` and `min` take an argument: without one they are a matrix's
    ("max", "max_entry", ""),
    ("min", "min_entry", ""),
    ("amax", "amax", ""),
    ("amin", "amin", ""),
    ("diagonal", "diagonal", ""),
    ("determinant", "det", ""),
    ("symmetric_eigenvalues", "eigvalsh", ""),
    ("singular_values", "svdvals", ""),
    ("kronecker", "kronecker", "m"),
    ("component_mul", "component_mul", "m"),
    ("component_div", "component_div", "m"),
    ("column", "column", "i"),
    ("row", "row", "i"),
    ("columns", "columns", "ii"),
    ("rows", "rows", "ii"),
    // `view((i, j), (r, c))`: a start and a shape, each a pair of indices
    ("view", "view", "ii"),
    ("row_sum", "row_sum", ""),
    ("column_sum", "column_sum", ""),
    ("row_mean", "row_mean", ""),
    ("column_mean", "column_mean", ""),
    ("pow", "pow", "i"),
];

/// The nalgebra methods with rules, as a message lists them.
pub(crate) fn linalg_method_names() -> String {
    LINALG_METHODS
        .iter()
        .map(|(m, _, _)| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn linalg_method(name: &str) -> Option<(&'static str, &'static str)> {
    LINALG_METHODS
        .iter()
        .find(|(m, _, _)| *m == name)
        .map(|&(_, f, args)| (f, args))
}

/// Whether a called path names a function of `matcalc::linalg` (as the user writes it, or as
/// the macro calls it through the hidden runtime path), or its `_jvp` companion (called by the
/// tangent program).
pub(crate) fn is_runtime_linalg(path: &syn::Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let n = segments.len();
    n >= 2 && segments[n - 2] == "linalg" && {
        let last = &segments[n - 1];
        LINALG_FUNCTIONS.contains(&last.strip_suffix("_jvp").unwrap_or(last))
    }
}

/// The `matcalc::linalg` function a bare call names (`use matcalc::linalg::solve;` then
/// `solve(..)`), for the functions of linear algebra whose names a user imports rather than
/// writes a function of their own by (`norm`, `sum`, `trace` and the other names of matrix
/// methods stay the user's). The macro sees names, not what they resolve to: it differentiates
/// the call through `linalg`'s companions, and the emitted function calls it through
/// `__private::linalg_function`, which fails to compile, on the user's name, where the name is a
/// function of the user's own (see `lower::calls::checked_bare_linalg`).
pub(crate) fn bare_linalg(path: &syn::Path) -> Option<&'static str> {
    let ident = path.get_ident()?;
    LINALG_FUNCTIONS[..IMPORTED_BY_NAME]
        .iter()
        .copied()
        .find(|name| ident == name)
}

/// How many of [`LINALG_FUNCTIONS`], from the first, a bare name calls (see [`bare_linalg`]):
/// the functions of linear algebra, from `det` to `expm`.
const IMPORTED_BY_NAME: usize = 16;

/// The functions of `matcalc::linalg`, those of linear algebra first (see [`bare_linalg`]):
/// every argument passed by reference is a matrix and gets a tangent, a zero one when it is
/// inactive.
pub(crate) const LINALG_FUNCTIONS: &[&str] = &[
    "det",
    "logdet",
    "inv",
    "solve",
    "cholesky",
    "cholesky_solve",
    "cholesky_inverse",
    "solve_lower_triangular",
    "solve_upper_triangular",
    "qr",
    "svd",
    "svd_solve",
    "eigh",
    "eigvalsh",
    "svdvals",
    "expm",
    "exp",
    "pow",
    "transpose",
    "trace",
    "norm",
    "norm_squared",
    "sum",
    "component_mul",
    "component_div",
    "kronecker",
    "column",
    "row",
    "columns",
    "rows",
    "view",
    "row_sum",
    "column_sum",
    "row_mean",
    "column_mean",
    "from_vec",
    "from_diagonal",
    "diagonal",
    "max_entry",
    "min_entry",
    "amax",
    "amin",
    "vector_from_element",
    "matrix_from_element",
];

/// The arguments of a `matcalc::linalg` function that take no tangent, by position: a
/// tolerance, which only chooses what the function computes.
pub(crate) fn linalg_arguments_without_tangent(path: &syn::Path) -> &'static [usize] {
    match path.segments.last().map(|s| s.ident.to_string()).as_deref() {
        Some("svd_solve") => &[2],
        Some("vector_from_element") => &[0],
        Some("matrix_from_element") => &[0, 1],
        _ => &[],
    }
}

/// The `matcalc::linalg` rule of an associated function of nalgebra's dynamic types that builds
/// a value from others, by the type, the function and its number of arguments:
/// `DMatrix::from_diagonal(&v)`, `DVector::from_element(n, b)` (or `repeat`),
/// `DMatrix::from_element(rows, cols, b)` (or `repeat`).
pub(crate) fn constructor_rule(ty: &str, function: &str, arguments: usize) -> Option<&'static str> {
    match (ty, function, arguments) {
        ("DMatrix", "from_diagonal", 1) => Some("from_diagonal"),
        ("DVector", "from_element" | "repeat", 2) => Some("vector_from_element"),
        ("DMatrix", "from_element" | "repeat", 3) => Some("matrix_from_element"),
        _ => None,
    }
}

/// nalgebra type names whose `new` builds a vector or matrix from its entries.
pub(crate) fn is_nalgebra_type(name: &str) -> bool {
    let sized = |prefix: &str| {
        name.strip_prefix(prefix).is_some_and(|rest| {
            let digit = |d: &str| matches!(d, "1" | "2" | "3" | "4" | "5" | "6");
            let mut parts = rest.split('x');
            parts.next().is_some_and(digit)
                && parts.next().is_none_or(digit)
                && parts.next().is_none()
        })
    };
    matches!(
        name,
        "DMatrix" | "DVector" | "RowDVector" | "SMatrix" | "SVector" | "OMatrix" | "OVector"
    ) || sized("Matrix")
        || sized("Vector")
        || sized("RowVector")
}

/// The primitive integer types, `bool` and `char`: a cast to one drops the derivative.
pub(crate) fn is_integer_type(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
    && p.path.get_ident().is_some_and(|i| matches!(
        i.to_string().as_str(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
            | "u128" | "usize" | "bool" | "char"
    )))
}

#[cfg(test)]
mod tests {
    use super::{IMPORTED_BY_NAME, LINALG_FUNCTIONS, bare_linalg};

    #[test]
    fn bare_names_are_the_functions_of_linear_algebra() {
        assert_eq!(LINALG_FUNCTIONS[IMPORTED_BY_NAME - 1], "expm");
        let called = |name: &str| bare_linalg(&syn::parse_str(name).unwrap());
        assert_eq!(called("solve"), Some("solve"));
        assert_eq!(called("svdvals"), Some("svdvals"));
        // the names of matrix methods, paths and other functions stay the user's
        for name in [
            "trace",
            "norm",
            "exp",
            "linalg::solve",
            "self::solve",
            "solver",
        ] {
            assert_eq!(called(name), None, "{name}");
        }
    }
}
