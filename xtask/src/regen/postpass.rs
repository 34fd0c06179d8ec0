//! The post-pass over progenitor's output, on the syntax tree, for what no progenitor or
//! typify setting does:
//!
//! - **`null` lists and maps.** Go encodes nil slices and maps as `null`. Every `Vec` and
//!   map field of a generated struct gets `#[serde(default, deserialize_with =
//!   "crate::support::null_as_empty")]`, so `null` and a missing field both read as empty.
//! - **Open enums.** typify makes closed enums, so one value it does not know (Podman's
//!   `stopping`, a state a newer engine adds) fails the whole enclosing struct. Every string
//!   enum gets an `Unknown(String)` variant that keeps such a value and serializes it back
//!   unchanged; its `Serialize`, `Deserialize`, `Display`, `FromStr` and `From<&str>` are
//!   rewritten to match, and `Copy` goes (a `String` is inside now).
//! - **Unknown fields.** A newer daemon adds fields; typify denies unknown ones where the
//!   spec says `additionalProperties: false` (the empty `Global` mode of a service, as
//!   patched). No generated struct keeps `#[serde(deny_unknown_fields)]`.
//! - **Decoding.** Answers are decoded by `crate::support::from_response`, which reads a
//!   body as a `str` once it is checked to be UTF-8 whole (see [`str_decoding`]).
//! - **Docs.** The spec's prose becomes the doc comments; its unmarked code fences
//!   (JSON, shell) would be compiled as Rust doctests, so they are marked `text`.
use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;
use syn::{Attribute, Fields, Ident, Item, ItemEnum, Type};

/// What the post-pass changed.
#[derive(Debug, Default)]
pub struct Stats {
    pub open_enums: usize,
    pub null_as_empty: usize,
    pub unknown_fields_allowed: usize,
}

/// Rewrites the `types` module of progenitor's output in place.
pub fn run(file: &mut syn::File) -> Result<Stats> {
    let Some(types) = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        bail!("progenitor's output has no `types` module");
    };
    let mut stats = Stats::default();

    // Open enums.
    let mut enums: BTreeMap<String, TokenStream> = BTreeMap::new();
    for item in types.iter() {
        if let Item::Enum(e) = item {
            if let Some(open) = open_enum(e)? {
                enums.insert(e.ident.to_string(), open);
            }
        }
    }
    stats.open_enums = enums.len();
    let open_names: BTreeSet<String> = enums.keys().cloned().collect();
    let mut rewritten = Vec::with_capacity(types.len());
    for item in types.drain(..) {
        match &item {
            Item::Enum(e) if enums.contains_key(&e.ident.to_string()) => {
                let tokens = enums.remove(&e.ident.to_string()).expect("checked");
                let file: syn::File = syn::parse2(tokens)?;
                rewritten.extend(file.items);
            }
            Item::Impl(i) if replaced_impl(i, &open_names) => {}
            _ => rewritten.push(item),
        }
    }
    *types = rewritten;

    // `null` lists and maps; fields a newer daemon adds.
    for item in types.iter_mut() {
        null_as_empty(item, &mut stats)?;
        allow_unknown_fields(item, &mut stats);
    }
    DocFences.visit_file_mut(file);
    Ok(stats)
}

/// Marks the unmarked code fences of every doc comment as `text`.
struct DocFences;

impl syn::visit_mut::VisitMut for DocFences {
    fn visit_attribute_mut(&mut self, attr: &mut Attribute) {
        if let syn::Meta::NameValue(nv) = &mut attr.meta {
            if nv.path.is_ident("doc") {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) = &mut nv.value
                {
                    let fixed = text_fences(&text.value());
                    *text = syn::LitStr::new(&fixed, text.span());
                }
            }
        }
    }
}

/// Gives every code fence without an info string the info string `text`, and turns
/// indented code blocks (four spaces after a blank line) into `text` fences: rustdoc would
/// compile both as Rust.
pub fn text_fences(doc: &str) -> String {
    let lines: Vec<&str> = doc.split('\n').collect();
    let indented = |l: &str| l.starts_with("    ") || l.starts_with('\t');
    let mut inside = false;
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            if !inside && info.trim().is_empty() {
                let indent = &line[..line.len() - trimmed.len()];
                out.push(format!("{indent}```text"));
            } else {
                out.push(line.to_owned());
            }
            inside = !inside;
            i += 1;
            continue;
        }
        let after_blank = i == 0 || lines[i - 1].trim().is_empty();
        if !inside && indented(line) && after_blank && !trimmed.is_empty() {
            // The block runs while lines are indented, blank lines included when more
            // indented lines follow them.
            let mut end = i;
            let mut j = i;
            while j < lines.len() && (indented(lines[j]) || lines[j].trim().is_empty()) {
                if !lines[j].trim().is_empty() {
                    end = j;
                }
                j += 1;
            }
            out.push("```text".to_owned());
            for l in &lines[i..=end] {
                out.push(
                    l.strip_prefix("    ")
                        .or(l.strip_prefix('\t'))
                        .unwrap_or(l)
                        .to_owned(),
                );
            }
            out.push("```".to_owned());
            i = end + 1;
            continue;
        }
        out.push(line.to_owned());
        i += 1;
    }
    out.join("\n")
}

/// Makes the list and map fields of a generated struct accept `null`.
fn null_as_empty(item: &mut Item, stats: &mut Stats) -> Result<()> {
    let Item::Struct(s) = item else {
        return Ok(());
    };
    // A newtype is `#[serde(transparent)]`, whose one field cannot have a default.
    let (fields, newtype): (Vec<&mut syn::Field>, bool) = match &mut s.fields {
        Fields::Named(f) => (f.named.iter_mut().collect(), false),
        Fields::Unnamed(f) if f.unnamed.len() == 1 => (f.unnamed.iter_mut().collect(), true),
        _ => return Ok(()),
    };
    for field in fields {
        if is_list_or_map(&field.ty) {
            let attr: Attribute = if newtype || has_serde_default(&field.attrs)? {
                syn::parse_quote!(#[serde(deserialize_with = "crate::support::null_as_empty")])
            } else {
                syn::parse_quote!(#[serde(default, deserialize_with = "crate::support::null_as_empty")])
            };
            field.attrs.push(attr);
            stats.null_as_empty += 1;
        }
    }
    Ok(())
}

/// Takes `#[serde(deny_unknown_fields)]` off a generated struct: a field the daemon
/// added in a later version is ignored, as Go's decoder ignores it.
fn allow_unknown_fields(item: &mut Item, stats: &mut Stats) {
    let Item::Struct(s) = item else {
        return;
    };
    let deny: Attribute = syn::parse_quote!(#[serde(deny_unknown_fields)]);
    let before = s.attrs.len();
    s.attrs.retain(|a| *a != deny);
    stats.unknown_fields_allowed += before - s.attrs.len();
}

/// Whether `item` is one of typify's impls for an enum the post-pass rewrote (and so drops).
fn replaced_impl(item: &syn::ItemImpl, open: &BTreeSet<String>) -> bool {
    let Type::Path(self_ty) = &*item.self_ty else {
        return false;
    };
    let Some((_, trait_path, _)) = &item.trait_ else {
        return false;
    };
    let is_open = self_ty
        .path
        .segments
        .last()
        .is_some_and(|s| open.contains(&s.ident.to_string()));
    let trait_name = trait_path.segments.last().map(|s| s.ident.to_string());
    is_open
        && matches!(
            trait_name.as_deref(),
            Some("Display" | "FromStr" | "TryFrom")
        )
}

/// For a string enum, the tokens of its open replacement.
fn open_enum(e: &ItemEnum) -> Result<Option<TokenStream>> {
    if !e.variants.iter().all(|v| matches!(v.fields, Fields::Unit)) || e.variants.is_empty() {
        return Ok(None);
    }
    if e.attrs.iter().any(|a| a.path().is_ident("serde")) {
        // Tagged or otherwise customised: not a plain string enum.
        return Ok(None);
    }
    let derives_deserialize = e
        .attrs
        .iter()
        .any(|a| a.path().is_ident("derive") && quote!(#a).to_string().contains("Deserialize"));
    if !derives_deserialize {
        return Ok(None);
    }
    let name = &e.ident;
    let docs: Vec<&Attribute> = e
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let mut variants = Vec::new();
    let mut wires = Vec::new();
    let mut variant_docs = Vec::new();
    for v in &e.variants {
        let mut wire = v.ident.to_string();
        for a in v.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            a.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    wire = meta.value()?.parse::<syn::LitStr>()?.value();
                } else {
                    return Err(meta.error("unexpected serde attribute on an enum variant"));
                }
                Ok(())
            })?;
        }
        variants.push(v.ident.clone());
        wires.push(wire);
        variant_docs.push(
            v.attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    let unknown: Ident = if variants.iter().any(|v| v == "Unknown") {
        format_ident!("Unrecognized")
    } else {
        format_ident!("Unknown")
    };
    let unknown_doc = String::from(
        " A value this version of the API does not know, kept as it was sent.\n\n A newer daemon (or another engine) may send values that this version\n of the spec does not list; they are kept here and serialized back unchanged."
    );
    let variant_docs = variant_docs.iter().map(|d| quote!(#(#d)*));
    Ok(Some(quote! {
        #(#docs)*
        #[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
        pub enum #name {
            #( #variant_docs #variants, )*
            #[doc = #unknown_doc]
            #unknown(::std::string::String),
        }

        impl #name {
            /// The value as the daemon writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #wires, )*
                    Self::#unknown(value) => value.as_str(),
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #wires => Self::#variants, )*
                    other => Self::#unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    #( #wires => Self::#variants, )*
                    _ => Self::#unknown(value),
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                crate::support::deserialize_open_enum(deserializer)
            }
        }
    }))
}

/// `Vec<_>`, `HashMap<_, _>`, `BTreeMap<_, _>` or `serde_json::Map<_, _>`, however qualified.
fn is_list_or_map(ty: &Type) -> bool {
    let Type::Path(p) = ty else {
        return false;
    };
    p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "Vec" | "HashMap" | "BTreeMap" | "Map"
            )
        })
}

fn has_serde_default(attrs: &[Attribute]) -> Result<bool> {
    let mut found = false;
    for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        a.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                found = true;
            }
            if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        })?;
    }
    Ok(found)
}

/// Path parameters are encoded by `crate::support::encode_path` instead of
/// progenitor-client's: that one leaves `\` and other characters as they
/// are, and a URL parser reads `\` as `/` in an `http` URL, so an id holding
/// `\..\` could reach another endpoint. The import is swapped; an
/// output that no longer imports it fails the regen.
pub fn strict_path_encoding(file: &mut syn::File) -> Result<()> {
    let position = file.items.iter().position(|item| match item {
        Item::Use(u) => {
            let text = quote::quote!(#u).to_string();
            text.contains("progenitor_client") && text.contains("encode_path")
        }
        _ => false,
    });
    let Some(position) = position else {
        bail!("progenitor's output no longer imports progenitor_client::encode_path: update strict_path_encoding");
    };
    let Item::Use(u) = &file.items[position] else {
        unreachable!()
    };
    let text = quote::quote!(#u)
        .to_string()
        .replace("encode_path ,", "")
        .replace(", encode_path", "");
    file.items[position] = syn::parse_str(&text)?;
    file.items.insert(
        position,
        syn::parse_quote!(
            use crate::support::encode_path;
        ),
    );
    Ok(())
}

/// Answers are decoded by `crate::support::from_response` instead of
/// progenitor-client's `ResponseValue::from_response`, which reads the body
/// with `serde_json::from_slice` (see the support function for why). Every
/// call is swapped; an output with none fails the regen.
pub fn str_decoding(file: &mut syn::File) -> Result<usize> {
    struct Swap(usize);
    impl VisitMut for Swap {
        fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
            let p = &path.path;
            let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
            if path.qself.is_none() && segments == ["ResponseValue", "from_response"] {
                *path = syn::parse_quote!(crate::support::from_response);
                self.0 += 1;
            }
            syn::visit_mut::visit_expr_path_mut(self, path);
        }
    }
    let mut swap = Swap(0);
    swap.visit_file_mut(file);
    if swap.0 == 0 {
        bail!(
            "progenitor's output no longer calls ResponseValue::from_response: update str_decoding"
        );
    }
    Ok(swap.0)
}

/// The generated client's methods: each name, and whether its answer is a
/// byte stream (`ResponseValue<ByteStream>`) rather than a decoded value.
pub fn client_methods(file: &syn::File) -> BTreeMap<String, bool> {
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Impl(i) if i.trait_.is_none() => match &*i.self_ty {
                Type::Path(p) if p.path.is_ident("Client") => Some(i),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|i| i.items.iter())
        .filter_map(|item| match item {
            syn::ImplItem::Fn(f) => {
                let output = &f.sig.output;
                let streams = quote::quote!(#output).to_string().contains("ByteStream");
                Some((f.sig.ident.to_string(), streams))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_use_the_strict_encoder() {
        let mut file: syn::File = syn::parse_str(
            "use progenitor_client::{encode_path, ClientHooks};\nfn f() { encode_path(\"x\"); }",
        )
        .unwrap();
        strict_path_encoding(&mut file).unwrap();
        let text = quote::quote!(#file).to_string();
        assert!(
            text.contains("use crate :: support :: encode_path ;"),
            "{text}"
        );
        assert!(
            text.contains("use progenitor_client :: { ClientHooks } ;"),
            "{text}"
        );
        let mut stale: syn::File = syn::parse_str("use progenitor_client::ClientHooks;").unwrap();
        assert!(strict_path_encoding(&mut stale).is_err());
    }

    #[test]
    fn answers_are_decoded_by_the_support_function() {
        let mut file: syn::File = syn::parse_str(
            "async fn f(r: R) -> X { match 1 { 200u16 => ResponseValue::from_response(r).await, \
             _ => Err(Error::ErrorResponse(ResponseValue::from_response(r).await?)) } }",
        )
        .unwrap();
        assert_eq!(str_decoding(&mut file).unwrap(), 2);
        let text = quote::quote!(#file).to_string();
        assert!(!text.contains("ResponseValue :: from_response"), "{text}");
        assert_eq!(
            text.matches("crate :: support :: from_response (r)")
                .count(),
            2,
            "{text}"
        );
        let mut stale: syn::File = syn::parse_str("fn f() { g(); }").unwrap();
        assert!(str_decoding(&mut stale).is_err());
    }

    fn run_on(src: &str) -> (String, Stats) {
        let mut file: syn::File = syn::parse_str(src).unwrap();
        let stats = run(&mut file).unwrap();
        (prettyplease::unparse(&file), stats)
    }

    #[test]
    fn string_enums_become_open() {
        let (out, stats) = run_on(
            r#"
            pub mod types {
                #[doc = "State."]
                #[derive(Clone, Copy, Debug, Deserialize, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize)]
                pub enum State {
                    #[serde(rename = "running")]
                    Running,
                    Dead,
                }
                impl ::std::fmt::Display for State { fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { todo!() } }
                impl ::std::convert::TryFrom<&str> for State { type Error = (); fn try_from(v: &str) -> Result<Self, ()> { todo!() } }
                impl ::std::convert::From<&Self> for State { fn from(v: &State) -> Self { v.clone() } }
                #[derive(Clone, Debug, Deserialize, Serialize)]
                #[serde(untagged)]
                pub enum Either { A, B }
            }
            "#,
        );
        assert_eq!(stats.open_enums, 1);
        assert!(out.contains("Unknown(::std::string::String)"), "{out}");
        assert!(out.contains("Self::Running => \"running\""), "{out}");
        assert!(out.contains("Self::Dead => \"Dead\""), "{out}");
        assert!(!out.contains("Copy"), "Copy goes: {out}");
        assert!(
            !out.contains("TryFrom"),
            "typify's fallible conversions go: {out}"
        );
        assert!(
            out.contains("From<&Self> for State"),
            "other impls stay: {out}"
        );
        assert!(
            out.contains("#[serde(untagged)]"),
            "tagged enums stay: {out}"
        );
        assert_eq!(out.matches("impl ::std::fmt::Display for State").count(), 1);
    }

    #[test]
    fn indented_blocks_become_text() {
        let doc = "The format:\n\n    IP_address canonical_hostname\n\n    more\nafter\n\n- item\n  continued";
        assert_eq!(
            text_fences(doc),
            "The format:\n\n```text\nIP_address canonical_hostname\n\nmore\n```\nafter\n\n- item\n  continued"
        );
    }

    #[test]
    fn unmarked_fences_become_text() {
        let doc = "Form:\n\n```\n[{\"Path\": 1}]\n```\n\n```json\n{}\n```\n  ```\n  x\n  ```";
        assert_eq!(
            text_fences(doc),
            "Form:\n\n```text\n[{\"Path\": 1}]\n```\n\n```json\n{}\n```\n  ```text\n  x\n  ```"
        );
    }

    #[test]
    fn lists_and_maps_accept_null() {
        let (out, stats) = run_on(
            r#"
            pub mod types {
                pub struct Info {
                    #[serde(rename = "Names", default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub names: ::std::vec::Vec<String>,
                    #[serde(rename = "Labels")]
                    pub labels: ::std::collections::HashMap<String, String>,
                    #[serde(rename = "Opt", default)]
                    pub opt: Option<::std::vec::Vec<String>>,
                }
                pub struct List(pub ::std::vec::Vec<Info>);
            }
            "#,
        );
        assert_eq!(stats.null_as_empty, 3, "{out}");
        assert_eq!(
            out.matches("#[serde(deserialize_with = \"crate::support::null_as_empty\")]")
                .count(),
            2,
            "{out}"
        );
        assert_eq!(
            out.matches("#[serde(default, deserialize_with = \"crate::support::null_as_empty\")]")
                .count(),
            1,
            "{out}"
        );
    }

    #[test]
    fn structs_accept_unknown_fields() {
        let (out, stats) = run_on(
            r#"
            pub mod types {
                #[derive(::serde::Deserialize)]
                #[serde(deny_unknown_fields)]
                pub struct Global {}
                #[serde(rename_all = "PascalCase")]
                pub struct Other { pub a: u8 }
            }
            "#,
        );
        assert_eq!(stats.unknown_fields_allowed, 1, "{out}");
        assert!(!out.contains("deny_unknown_fields"), "{out}");
        assert!(out.contains("rename_all"), "other attributes stay: {out}");
    }
}
