//! `cargo xtask regen [--api-version X.Y] [--out DIR] [--check] [-v]`
//!
//! Turns `openapi/vX.Y.yaml` (Swagger 2.0, vendored unmodified) into the `wharf-api` crate:
//!
//! ```text
//! vX.Y.yaml ─ swagger ─▶ OpenAPI 3.0.3 ─ lower ─▶ ─ patches.toml ─▶ preflight ─▶ progenitor
//!                                                                                  │
//!        generated/{Cargo.toml, src/*.rs} ◀─ prettyplease ◀─ post-pass (null lists, open enums)
//! ```
//!
//! `--check` generates in memory and fails, naming the command to run, when `generated/`
//! differs (`-v` prints the diff). `--out DIR` writes the crate elsewhere (used to prove that
//! other API versions convert and compile with the same patch set).
mod coverage;
mod lower;
mod patches;
mod postpass;
mod preflight;
mod render;
mod schema_walk;
mod since;
mod swagger;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::workspace_root;

/// The API version the checked-in crate is generated for.
pub const DEFAULT_API_VERSION: &str = "1.51";

struct Args {
    api_version: String,
    check: bool,
    verbose: bool,
    out: Option<PathBuf>,
    try_compile: bool,
}

fn parse_args(args: &[String]) -> Result<Args> {
    let mut parsed = Args {
        api_version: DEFAULT_API_VERSION.to_owned(),
        check: false,
        verbose: false,
        out: None,
        try_compile: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => parsed.check = true,
            "-v" | "--verbose" => parsed.verbose = true,
            "--api-version" => {
                parsed.api_version = it.next().context("--api-version needs a value")?.clone()
            }
            "--out" => parsed.out = Some(it.next().context("--out needs a directory")?.into()),
            "--try-compile" => parsed.try_compile = true,
            other => bail!("regen: unknown argument `{other}`"),
        }
    }
    Ok(parsed)
}

pub fn run(args: &[String]) -> Result<()> {
    let args = parse_args(args)?;
    let root = workspace_root();
    let files = generate(&root, &args.api_version, args.verbose)?;
    if args.try_compile {
        return try_compile(&root, &args.api_version, &files);
    }
    let out = args.out.clone().unwrap_or_else(|| root.join("generated"));
    if args.check {
        check(&out, &files, args.verbose, &args.api_version)
    } else {
        for (rel, text) in &files {
            let path = out.join(rel);
            std::fs::create_dir_all(path.parent().unwrap())?;
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
        }
        eprintln!(
            "regen: API v{} -> {} ({} files)",
            args.api_version,
            out.display(),
            files.len()
        );
        Ok(())
    }
}

/// Every file of the generated crate, as `(path relative to the crate, contents)`.
pub fn generate(root: &Path, api_version: &str, verbose: bool) -> Result<Vec<(PathBuf, String)>> {
    let spec_path = root.join(format!("openapi/v{api_version}.yaml"));
    let spec_bytes = std::fs::read(&spec_path)
        .with_context(|| format!("reading {} (is the spec vendored?)", spec_path.display()))?;
    let sha256 = hex(&Sha256::digest(&spec_bytes));
    let swagger =
        load_yaml(&spec_bytes).with_context(|| format!("parsing {}", spec_path.display()))?;
    if verbose {
        eprintln!("regen: {} sha256 {sha256}", spec_path.display());
    }

    let mut doc = swagger::convert(&swagger).context("converting Swagger 2.0 to OpenAPI 3.0")?;
    let patch_path = root.join("openapi/patches.toml");
    let patch_file = patches::PatchFile::parse(&std::fs::read_to_string(&patch_path)?)
        .with_context(|| format!("reading {}", patch_path.display()))?;
    patch_file.add_operations(&mut doc, api_version)?;
    let all_operations = coverage::operations(&doc)?;
    lower::lower(&mut doc).context("lowering for progenitor")?;
    let hijacked = patch_file.apply(&mut doc, api_version)?;
    preflight::check(&doc)?;

    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone())
        .context("the converted document is not OpenAPI 3.0 as openapiv3 reads it")?;
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("PartialEq")
        // Requests go through an executor the client is built with (wharf's
        // transport), by the ClientHooks impl of support.rs.in.
        .with_inner_type(quote::quote!(crate::Executor))
        .with_hooks(progenitor::HooksMode::Expected);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .map_err(|e| anyhow::anyhow!("progenitor: {e}"))?;
    let mut file: syn::File = syn::parse2(tokens).context("progenitor's output does not parse")?;
    let stats = postpass::run(&mut file)?;
    postpass::strict_path_encoding(&mut file)?;
    let decoded = postpass::str_decoding(&mut file)?;
    if verbose {
        eprintln!(
            "regen: post-pass: {} open enums, {} list/map fields accept null, {} structs accept \
             unknown fields, {} answers decoded by support::from_response",
            stats.open_enums, stats.null_as_empty, stats.unknown_fields_allowed, decoded
        );
    }
    let requirements = since::derive(root, api_version, &load_yaml)?;
    let methods = postpass::client_methods(&file);
    let table = coverage::table(&all_operations, &doc, &hijacked, &methods)?;
    let client = prettyplease::unparse(&file);

    let meta = render::Meta {
        api_version: api_version.to_owned(),
        spec_file: format!("openapi/v{api_version}.yaml"),
        sha256,
        operations: table.len(),
    };
    Ok(vec![
        ("Cargo.toml".into(), render::cargo_toml(&meta)),
        ("src/lib.rs".into(), render::lib_rs(&meta)),
        (
            "src/client.rs".into(),
            render::with_preamble(&meta, &client),
        ),
        (
            "src/coverage.rs".into(),
            render::with_preamble(&meta, &coverage::render(&table)),
        ),
        (
            "src/since.rs".into(),
            render::with_preamble(&meta, &since::render(&requirements)),
        ),
        (
            "src/support.rs".into(),
            render::with_preamble(&meta, render::SUPPORT_RS),
        ),
    ])
}

/// Writes the crate into `target/regen-try/vX.Y/` inside a workspace of its own and runs
/// `cargo check` on it: proof that another API version converts, generates and compiles with
/// the same code and patch set, without touching `generated/`.
fn try_compile(root: &Path, api_version: &str, files: &[(PathBuf, String)]) -> Result<()> {
    let dir = root
        .join("target/regen-try")
        .join(format!("v{api_version}"));
    let krate = dir.join("wharf-api");
    if krate.exists() {
        std::fs::remove_dir_all(&krate)?;
    }
    for (rel, text) in files {
        let path = krate.join(rel);
        std::fs::create_dir_all(path.parent().unwrap())?;
        std::fs::write(&path, text)?;
    }
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let package = manifest
        .split("[workspace.package]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .context("the root Cargo.toml has no [workspace.package]")?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"2\"\nmembers = [\"wharf-api\"]\n\n[workspace.package]{package}"),
    )?;
    // The same dependency versions as the workspace.
    let lock = root.join("Cargo.lock");
    if lock.exists() {
        std::fs::copy(&lock, dir.join("Cargo.lock"))?;
    }
    eprintln!(
        "regen: cargo check of API v{api_version} in {}",
        dir.display()
    );
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["check", "--quiet", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", root.join("target/regen-try/target"))
            .status()?;
    if !status.success() {
        bail!("the crate generated for API v{api_version} does not compile");
    }
    // `--locked` cannot be used there (cargo drops the workspace's other
    // packages from the copied lockfile), so check what it did instead:
    // every package it resolved is one that Cargo.lock pins.
    let pinned = locked_packages(&std::fs::read_to_string(&lock)?);
    let resolved = locked_packages(&std::fs::read_to_string(dir.join("Cargo.lock"))?);
    let unpinned: Vec<_> = resolved.difference(&pinned).collect();
    if !unpinned.is_empty() {
        bail!(
            "the crate generated for API v{api_version} resolved packages that Cargo.lock does \
             not pin: {unpinned:?}; run `cargo update` in the workspace and commit Cargo.lock"
        );
    }
    eprintln!("regen: API v{api_version} converts, generates and compiles");
    Ok(())
}

/// The `name version` pairs of a Cargo.lock.
fn locked_packages(lock: &str) -> std::collections::BTreeSet<String> {
    let mut packages = std::collections::BTreeSet::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_owned());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            packages.insert(format!("{n} {}", v.trim_matches('"')));
        }
    }
    packages
}

fn check(out: &Path, files: &[(PathBuf, String)], verbose: bool, api_version: &str) -> Result<()> {
    let mut stale = Vec::new();
    for (rel, text) in files {
        let path = out.join(rel);
        let current = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .replace("\r\n", "\n");
        if current != *text {
            stale.push(rel.display().to_string());
            if verbose {
                let diff = similar::TextDiff::from_lines(&current, text);
                eprintln!(
                    "{}",
                    diff.unified_diff()
                        .context_radius(2)
                        .header(&format!("{} (checked in)", path.display()), "(regenerated)")
                );
            }
        }
    }
    // A file that regen no longer writes is stale too.
    let expected: Vec<PathBuf> = files.iter().map(|(p, _)| out.join(p)).collect();
    if let Ok(entries) = std::fs::read_dir(out.join("src")) {
        for entry in entries.flatten() {
            if !expected.contains(&entry.path()) {
                stale.push(format!(
                    "{} (not generated any more)",
                    entry.path().display()
                ));
            }
        }
    }
    if stale.is_empty() {
        eprintln!("regen --check: {} is up to date", out.display());
        Ok(())
    } else {
        let flag = if api_version == DEFAULT_API_VERSION {
            String::new()
        } else {
            format!(" --api-version {api_version}")
        };
        bail!(
            "{} is stale: {}.\nRun `cargo xtask regen{flag}` and commit the result{}.",
            out.display(),
            stale.join(", "),
            if verbose {
                ""
            } else {
                " (add -v to see the diff)"
            }
        )
    }
}

/// Parses YAML into JSON values; keys that YAML reads as numbers (`200:`) become strings.
fn load_yaml(bytes: &[u8]) -> Result<Value> {
    let yaml: serde_norway::Value = serde_norway::from_slice(bytes)?;
    yaml_to_json(yaml)
}

fn yaml_to_json(v: serde_norway::Value) -> Result<Value> {
    use serde_norway::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(n)?,
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(yaml_to_json).collect::<Result<_>>()?)
        }
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => bail!("unsupported YAML key {other:?}"),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value)?,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_numeric_keys_become_strings() {
        let v = load_yaml(b"responses:\n  200:\n    description: ok\n  4XX: {}\n").unwrap();
        assert_eq!(v["responses"]["200"]["description"], "ok");
        assert!(v["responses"]["4XX"].is_object());
    }
}
