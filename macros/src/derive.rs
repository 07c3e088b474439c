//! `#[derive(Differentiable)]`: a struct whose fields are differentiable values becomes one
//! itself, so that it can be an active parameter, local or result. Its tangent and adjoint are
//! the struct type; its flat view is its fields' in declaration order.
//!
//! ```text
//! #[derive(Clone, Differentiable)]
//! struct Layer { w: DMatrix<f64>, b: DVector<f64> }
//! // impl Tangent for Layer { type Scalar = <DMatrix<f64> as Tangent>::Scalar; ... }
//! // impl Active for Layer { type Owned = Layer; ... }
//! ```

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

pub fn differentiable(input: TokenStream) -> TokenStream {
    match expand(input) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
}

fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(input)?;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "`Differentiable` is derived for structs without generic parameters; write the struct for `f64` or `f32`",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "`Differentiable` is derived for structs whose fields are differentiable values",
        ));
    };
    let (members, types): (Vec<syn::Member>, Vec<&syn::Type>) = match &data.fields {
        Fields::Named(named) => named
            .named
            .iter()
            .map(|f| (syn::Member::Named(f.ident.clone().expect("named")), &f.ty))
            .unzip(),
        Fields::Unnamed(unnamed) => unnamed
            .unnamed
            .iter()
            .enumerate()
            .map(|(i, f)| (syn::Member::Unnamed(syn::Index::from(i)), &f.ty))
            .unzip(),
        Fields::Unit => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "a unit struct has nothing to differentiate; give it differentiable fields",
            ));
        }
    };
    let Some(first) = types.first() else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "a struct without fields has nothing to differentiate",
        ));
    };
    let name = &input.ident;
    let tangent = quote!(::matcalc::Tangent);
    let indices: Vec<syn::Index> = (0..members.len()).map(syn::Index::from).collect();
    let build = |values: Vec<TokenStream>| match &data.fields {
        Fields::Named(_) => quote!(#name { #(#members: #values),* }),
        _ => quote!(#name(#(#values),*)),
    };
    let zeros = build(
        types
            .iter()
            .zip(&indices)
            .map(|(ty, i)| quote!(<#ty as #tangent>::zeros(&shape.#i)))
            .collect(),
    );
    let read = build(
        members
            .iter()
            .map(|m| quote!(#tangent::read_flat(&self.#m, input)))
            .collect(),
    );
    Ok(quote! {
        #[automatically_derived]
        impl #tangent for #name {
            type Scalar = <#first as #tangent>::Scalar;
            type Shape = (#(<#types as #tangent>::Shape,)*);
            fn shape(&self) -> Self::Shape {
                (#(#tangent::shape(&self.#members),)*)
            }
            fn zeros(shape: &Self::Shape) -> Self {
                #zeros
            }
            fn axpy(&mut self, alpha: Self::Scalar, x: &Self) {
                #(#tangent::axpy(&mut self.#members, alpha, &x.#members);)*
            }
            fn scale(&mut self, alpha: Self::Scalar) {
                #(#tangent::scale(&mut self.#members, alpha);)*
            }
            fn dim(&self) -> usize {
                0 #(+ #tangent::dim(&self.#members))*
            }
            fn write_flat(&self, out: &mut ::std::vec::Vec<Self::Scalar>) {
                #(#tangent::write_flat(&self.#members, out);)*
            }
            fn read_flat(&self, input: &mut &[Self::Scalar]) -> Self {
                #read
            }
        }

        #[automatically_derived]
        impl ::matcalc::Active for #name {
            type Owned = Self;
            fn to_owned_value(&self) -> Self {
                ::core::clone::Clone::clone(self)
            }
            fn shape(&self) -> <Self as #tangent>::Shape {
                #tangent::shape(self)
            }
        }
    })
}
