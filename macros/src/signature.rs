//! The signature of an annotated function: which parameters are active, the float type, the
//! return shape, and the types of tangents and adjoints, all read from the types as written.

use crate::attr::Args;
use crate::errors::Errors;
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::{FnArg, GenericArgument, ItemFn, Pat, PathArguments, ReturnType, Type};

/// One parameter of the annotated function.
#[derive(Clone)]
pub(crate) struct Param {
    pub ident: Ident,
    pub mutable: bool,
    pub ty: Type,
    /// The owned type of the adjoint when the parameter is active.
    pub adjoint: Option<Type>,
    /// The type is differentiable (the parameter may still be left out by `wrt`).
    pub differentiable: bool,
}

/// How the returned values nest: one value, or a tuple of them.
#[derive(Clone)]
pub(crate) enum Layout {
    Leaf,
    Tuple(Vec<Layout>),
}

impl Layout {
    /// The layout of a declared return type: a tuple of values, or one value.
    pub fn of_return(ty: &Type) -> Layout {
        match ty {
            Type::Tuple(t) if !t.elems.is_empty() => {
                Layout::Tuple(vec![Layout::Leaf; t.elems.len()])
            }
            _ => Layout::Leaf,
        }
    }

    /// The values, taken in order, nested as the layout says.
    pub fn assemble(&self, values: &mut impl Iterator<Item = TokenStream>) -> TokenStream {
        match self {
            Layout::Leaf => values.next().unwrap_or_default(),
            Layout::Tuple(items) => {
                let parts: Vec<TokenStream> = items.iter().map(|l| l.assemble(values)).collect();
                quote!((#(#parts,)*))
            }
        }
    }

    /// For each value, the path of tuple fields that reaches it from the whole (`.1.0`).
    pub fn paths(&self) -> Vec<TokenStream> {
        match self {
            Layout::Leaf => vec![TokenStream::new()],
            Layout::Tuple(items) => items
                .iter()
                .enumerate()
                .flat_map(|(i, l)| {
                    let i = syn::Index::from(i);
                    l.paths().into_iter().map(move |rest| quote!(.#i #rest))
                })
                .collect(),
        }
    }
}

/// What the function returns.
#[derive(Clone)]
pub(crate) struct Return {
    pub ty: Type,
    pub layout: Layout,
    /// The function returns a float scalar (so it has a gradient).
    pub scalar: bool,
}

#[derive(Clone)]
pub(crate) struct Signature {
    pub params: Vec<Param>,
    pub ret: Return,
    /// The float type of the active parameters (`f64` or `f32`).
    pub float: Ident,
    /// Whether a parameter the macro can read says it (`f64` by default, where the only active
    /// parameters are structs).
    pub float_known: bool,
}

impl Signature {
    pub fn active(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| p.adjoint.is_some())
    }

    /// The type of the gradient: the adjoint of the active parameter, or a tuple of them.
    pub fn gradient_type(&self) -> Type {
        let adjoints: Vec<&Type> = self.active().filter_map(|p| p.adjoint.as_ref()).collect();
        match adjoints.as_slice() {
            [one] => (*one).clone(),
            many => syn::parse_quote!((#(#many),*)),
        }
    }
}

/// A float type name, `f32` or `f64`.
fn float_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            let id = p.path.get_ident()?.to_string();
            matches!(id.as_str(), "f32" | "f64").then_some(id)
        }
        Type::Paren(p) => float_name(&p.elem),
        Type::Group(g) => float_name(&g.elem),
        _ => None,
    }
}

/// The float type of an nalgebra matrix or vector type (`DMatrix<f64>`, `Matrix3<f32>`,
/// `SVector<f64, 4>`), read from its name and its first type argument.
pub(crate) fn nalgebra_float(ty: &Type) -> Option<String> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let name = last.ident.to_string();
    let sized = |prefix: &str| {
        name.strip_prefix(prefix).is_some_and(|rest| {
            let mut parts = rest.split('x');
            let ok =
                |d: Option<&str>| d.is_some_and(|d| matches!(d, "1" | "2" | "3" | "4" | "5" | "6"));
            ok(parts.next()) && parts.next().is_none_or(|d| ok(Some(d))) && parts.next().is_none()
        })
    };
    let known = matches!(
        name.as_str(),
        "DMatrix" | "DVector" | "RowDVector" | "SMatrix" | "SVector" | "OMatrix" | "OVector"
    ) || sized("Matrix")
        || sized("Vector")
        || sized("RowVector");
    if !known {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) => float_name(t),
        _ => None,
    }
}

/// The element type of `Vec<T>`.
pub(crate) fn vec_element(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// The float type of a differentiable type, and its owned adjoint type, or `None` when the type
/// is not differentiable (the parameter is then inactive).
fn differentiable(ty: &Type) -> Option<(String, Type)> {
    if let Some(f) = float_name(ty) {
        return Some((f, ty.clone()));
    }
    match ty {
        Type::Array(a) => {
            let (f, _) = differentiable(&a.elem)?;
            Some((f, ty.clone()))
        }
        Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
            Type::Slice(s) => {
                let (f, elem) = differentiable(&s.elem)?;
                Some((f, syn::parse_quote!(::std::vec::Vec<#elem>)))
            }
            inner => differentiable(inner),
        },
        Type::Paren(p) => differentiable(&p.elem),
        Type::Group(g) => differentiable(&g.elem),
        _ if nalgebra_float(ty).is_some() => Some((nalgebra_float(ty)?, ty.clone())),
        _ => {
            let elem = vec_element(ty)?;
            let (f, _) = differentiable(elem)?;
            Some((f, ty.clone()))
        }
    }
}

/// A type the macro cannot read as differentiable: a struct that must derive `Differentiable`.
pub(crate) fn is_opaque(ty: &Type) -> bool {
    differentiable(ty).is_none()
}

/// A path type the macro cannot read and that is not a standard non-differentiable type: a user
/// struct that may derive `Differentiable` (the traits check that it does).
fn user_struct(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    let name = last.ident.to_string();
    name.starts_with(char::is_uppercase)
        && !matches!(
            name.as_str(),
            "String"
                | "Option"
                | "Result"
                | "Box"
                | "Rc"
                | "Arc"
                | "HashMap"
                | "BTreeMap"
                | "HashSet"
                | "BTreeSet"
                | "Vec"
                | "VecDeque"
        )
}

/// Types that are certainly not differentiable: integers, `bool`, `char`, strings, and
/// references, slices, arrays and `Vec`s of them.
fn known_inactive(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => known_inactive(&r.elem),
        Type::Slice(s) => known_inactive(&s.elem),
        Type::Array(a) => known_inactive(&a.elem),
        Type::Paren(p) => known_inactive(&p.elem),
        Type::Path(p) => {
            if let Some(elem) = vec_element(ty) {
                return known_inactive(elem);
            }
            p.path.get_ident().is_some_and(|i| {
                matches!(
                    i.to_string().as_str(),
                    "i8" | "i16"
                        | "i32"
                        | "i64"
                        | "i128"
                        | "isize"
                        | "u8"
                        | "u16"
                        | "u32"
                        | "u64"
                        | "u128"
                        | "usize"
                        | "bool"
                        | "char"
                        | "str"
                        | "String"
                )
            })
        }
        _ => false,
    }
}

/// The owned type of a parameter type: `&T` gives `T`.
pub(crate) fn owned_type(ty: &Type) -> Type {
    match ty {
        Type::Reference(r) => owned_type(&r.elem),
        Type::Paren(p) => owned_type(&p.elem),
        other => other.clone(),
    }
}

/// Rejects what no annotated function may have in its signature.
fn check_header(func: &ItemFn, errors: &mut Errors) {
    let sig = &func.sig;
    if let Some(a) = &sig.asyncness {
        errors.push(
            a,
            "`async fn` cannot be differentiated; write a synchronous function",
        );
    }
    if let Some(u) = &sig.unsafety {
        errors.push(
            u,
            "`unsafe fn` cannot be differentiated; write a safe function",
        );
    }
    if let Some(c) = &sig.constness {
        errors.push(c, "`const fn` cannot be differentiated; remove `const`");
    }
    if let Some(abi) = &sig.abi {
        errors.push(
            abi,
            "`extern` functions cannot be differentiated; remove the ABI",
        );
    }
    if let Some(v) = &sig.variadic {
        errors.push(v, "variadic functions cannot be differentiated");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(
            &sig.generics,
            "generic functions cannot be differentiated yet; write the function for `f64` or `f32`",
        );
    }
}

/// Whether a type contains something an annotated function may not take.
fn check_param_type(ty: &Type, errors: &mut Errors) {
    use syn::visit::Visit;
    struct Finder<'e> {
        errors: &'e mut Errors,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
            if r.mutability.is_some() {
                self.errors.push(
                    r,
                    "`&mut` parameters cannot be differentiated; take the value or `&T` and return the result",
                );
            }
            syn::visit::visit_type_reference(self, r);
        }
        fn visit_type_ptr(&mut self, p: &'ast syn::TypePtr) {
            self.errors.push(
                p,
                "raw pointers cannot be differentiated; take a reference or a slice",
            );
        }
        fn visit_type_trait_object(&mut self, t: &'ast syn::TypeTraitObject) {
            self.errors.push(
                t,
                "trait objects cannot be differentiated; take a concrete type",
            );
        }
        fn visit_type_impl_trait(&mut self, t: &'ast syn::TypeImplTrait) {
            self.errors.push(
                t,
                "`impl Trait` parameters make the function generic and cannot be differentiated; take a concrete type",
            );
        }
    }
    Finder { errors }.visit_type(ty);
}

pub(crate) fn read(func: &ItemFn, args: &Args, errors: &mut Errors) -> Option<Signature> {
    check_header(func, errors);
    let mut params = Vec::new();
    let mut float: Option<(String, Ident)> = None;
    for input in &func.sig.inputs {
        let arg = match input {
            FnArg::Receiver(r) => {
                if r.mutability.is_some() && r.reference.is_some() {
                    errors.push(
                        r,
                        "`&mut self` cannot be differentiated; take `&self` and return the result",
                    );
                    continue;
                }
                // `self` is active unless `wrt` leaves it out; `Self` must then derive
                // `Differentiable`, which the traits check.
                let ident = Ident::new("self", proc_macro2::Span::call_site());
                let ty = (*r.ty).clone();
                let active = args
                    .wrt
                    .as_ref()
                    .is_none_or(|names| names.iter().any(|n| n == "self"));
                params.push(Param {
                    ident,
                    mutable: r.mutability.is_some(),
                    adjoint: active.then(|| owned_type(&ty)),
                    ty,
                    differentiable: true,
                });
                continue;
            }
            FnArg::Typed(arg) => arg,
        };
        check_param_type(&arg.ty, errors);
        let (ident, mutable) = match &*arg.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                (p.ident.clone(), p.mutability.is_some())
            }
            other => {
                errors.push(
                    other,
                    "parameter patterns cannot be differentiated; name the parameter and destructure it in the body",
                );
                continue;
            }
        };
        let wanted = match &args.wrt {
            Some(names) => names.contains(&ident),
            None => true,
        };
        let is_differentiable = differentiable(&arg.ty).is_some();
        // A type the macro cannot read (a struct deriving `Differentiable`) is active when
        // `wrt` names it; its owned type is the adjoint, and the traits check the rest.
        let named_in_wrt = args
            .wrt
            .as_ref()
            .is_some_and(|names| names.contains(&ident));
        let user_type =
            differentiable(&arg.ty).is_none() && named_in_wrt && !known_inactive(&arg.ty);
        let adjoint = match differentiable(&arg.ty) {
            None if user_type => Some(owned_type(&arg.ty)),
            Some((f, adjoint)) if wanted => {
                match &float {
                    Some((first, first_param)) if *first != f => {
                        errors.push(
                            &arg.ty,
                            format!(
                                "one annotated function uses one float type: this parameter is `{f}` but `{first_param}` is `{first}`"
                            ),
                        );
                    }
                    Some(_) => {}
                    None => float = Some((f, ident.clone())),
                }
                Some(adjoint)
            }
            _ => None,
        };
        params.push(Param {
            ident,
            mutable,
            ty: (*arg.ty).clone(),
            adjoint,
            differentiable: is_differentiable || user_type,
        });
    }
    if let Some(names) = &args.wrt {
        for name in names {
            match params.iter().find(|p| p.ident == *name) {
                None => errors.push(name, format!("`wrt` names `{name}`, which is not a parameter")),
                Some(p) if p.adjoint.is_none() => errors.push(
                    name,
                    format!(
                        "`{name}` cannot be active: its type `{}` is not differentiable (floats, arrays, slices and `Vec`s of floats, and nalgebra matrices and vectors are)",
                        {
                            let ty = &p.ty;
                            quote!(#ty)
                        }
                    ),
                ),
                Some(_) => {}
            }
        }
    }
    if params.iter().all(|p| p.adjoint.is_none()) && errors.is_empty() {
        errors.push(
            &func.sig.ident,
            "no active parameter: give the function a parameter of a differentiable type (a float; an array, slice or `Vec` of floats; an nalgebra matrix or vector)",
        );
    }
    let ret = read_return(&func.sig, errors)?;
    // Told by an active parameter, or else by an inactive one or the return type (one function
    // uses one float type); `f64` where nothing tells it (a function of structs alone).
    let told = float.map(|(f, _)| f).or_else(|| {
        let returned = match &func.sig.output {
            ReturnType::Type(_, ty) => Some(&**ty),
            ReturnType::Default => None,
        };
        params
            .iter()
            .map(|p| &p.ty)
            .chain(returned)
            .find_map(|ty| differentiable(ty).map(|(f, _)| f))
    });
    let float_known = told.is_some();
    let float = Ident::new(
        told.as_deref().unwrap_or("f64"),
        proc_macro2::Span::call_site(),
    );
    Some(Signature {
        params,
        ret,
        float,
        float_known,
    })
}

fn read_return(sig: &syn::Signature, errors: &mut Errors) -> Option<Return> {
    let ty = match &sig.output {
        ReturnType::Default => {
            errors.add(syn::Error::new(
                sig.paren_token.span.close(),
                "an annotated function must return what it computes: add a return type such as `-> f64` (a float, a tuple of floats, a `Vec` or an array of floats, or an nalgebra matrix or vector)",
            ));
            return None;
        }
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let ok = |t: &Type| {
        float_name(t).is_some()
            || matches!(t, Type::Array(a) if float_name(&a.elem).is_some())
            || vec_element(t).is_some_and(|e| float_name(e).is_some())
    };
    match &ty {
        Type::Tuple(t)
            if !t.elems.is_empty()
                && t.elems
                    .iter()
                    .all(|e| ok(e) || nalgebra_float(e).is_some() || user_struct(e)) =>
        {
            Some(Return {
                layout: Layout::of_return(&ty),
                scalar: false,
                ty: ty.clone(),
            })
        }
        t if ok(t) || nalgebra_float(t).is_some() || user_struct(t) => Some(Return {
            layout: Layout::of_return(t),
            scalar: float_name(t).is_some(),
            ty: ty.clone(),
        }),
        other => {
            errors.push(
                other,
                "unsupported return type: an annotated function returns a float, a tuple of floats, a `Vec` or an array of floats, or an nalgebra matrix or vector",
            );
            None
        }
    }
}
