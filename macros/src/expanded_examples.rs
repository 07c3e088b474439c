//! Keeps `examples/*-expanded.rs` in sync with the macro.
//!
//! Each of those files is a header (documentation and a `main` that runs the derivatives), a
//! marker line naming the attribute, `// ---- expansion of #[differentiate(wrt(x))] ----`, and
//! below it the expansion of that attribute on the first function after the marker, formatted
//! by rustfmt, with `//` comments written by hand between its lines.
//!
//! The test compares the code below the marker with the current expansion after parsing both,
//! so comments and formatting do not count (nor the braces rustfmt puts around a closure body
//! or a match arm too long for one line). `MATCALC_BLESS=1 cargo test -p matcalc-macros`
//! rewrites the code of a stale file and keeps its comments: each goes back above the first
//! line, after the previous comment's, that reads like the line it stood above; one whose line
//! is gone stays at about its place and is printed for review.

use crate::tests::expand_pretty;
use quote::ToTokens;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use syn::visit_mut::VisitMut;

const MARKER: &str = "// ---- expansion of #[differentiate";

/// An example file cut at its marker line.
struct Example {
    path: PathBuf,
    /// Everything up to and including the marker line.
    header: String,
    /// The attribute's arguments, without the parentheses (empty for a bare attribute).
    args: String,
    /// Everything below the marker line.
    code: String,
}

impl Example {
    fn read(path: &Path) -> Example {
        let text = std::fs::read_to_string(path).expect("read an expanded example");
        let at = text
            .find(MARKER)
            .unwrap_or_else(|| panic!("{} has no line starting with `{MARKER}`", path.display()));
        let end = at + text[at..].find('\n').expect("the marker line ends");
        let marker = &text[at + MARKER.len()..end];
        let args = match marker.strip_prefix('(') {
            Some(rest) => rest[..rest.rfind(")]").expect("`)]` closes the attribute")].to_string(),
            None => String::new(),
        };
        Example {
            path: path.to_path_buf(),
            header: text[..=end].to_string(),
            args,
            code: text[end + 1..].to_string(),
        }
    }

    /// The current expansion of the function the code starts with, printed by prettyplease.
    fn expansion(&self) -> String {
        let file = parse(&self.code, &self.path);
        let item = file
            .items
            .iter()
            .find(|item| matches!(item, syn::Item::Fn(_)))
            .unwrap_or_else(|| panic!("no function below the marker in {}", self.path.display()));
        expand_pretty(&self.args, &item.to_token_stream().to_string())
    }

    /// Whether the code below the marker is the expansion, comments and formatting aside.
    fn is_current(&self) -> bool {
        let expansion = syn::parse_file(&self.expansion()).expect("the expansion parses");
        normalized(parse(&self.code, &self.path)) == normalized(expansion)
    }

    /// Replaces the code with the current expansion, keeping the hand-written comments.
    fn bless(&self) {
        let (code, orphans) = with_comments(&self.code, &rustfmt(&self.expansion()));
        for comment in orphans {
            eprintln!(
                "{}: the line below this comment changed; review it:\n{comment}",
                self.path.display()
            );
        }
        let text = rustfmt(&format!("{}{code}", self.header));
        std::fs::write(&self.path, text).expect("write an expanded example");
    }
}

fn parse(code: &str, path: &Path) -> syn::File {
    syn::parse_file(code)
        .unwrap_or_else(|e| panic!("the code of {} does not parse: {e}", path.display()))
}

/// The file printed by prettyplease after [`Unbrace`].
fn normalized(mut file: syn::File) -> String {
    Unbrace.visit_file_mut(&mut file);
    prettyplease::unparse(&file)
}

/// Takes off the braces around a closure body or a match arm that is one expression, which
/// rustfmt adds where it does not fit on a line.
struct Unbrace;

impl VisitMut for Unbrace {
    fn visit_expr_closure_mut(&mut self, closure: &mut syn::ExprClosure) {
        syn::visit_mut::visit_expr_closure_mut(self, closure);
        unbrace(&mut closure.body);
    }

    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        syn::visit_mut::visit_arm_mut(self, arm);
        unbrace(&mut arm.body);
    }
}

fn unbrace(body: &mut Box<syn::Expr>) {
    if let syn::Expr::Block(block) = &**body
        && block.attrs.is_empty()
        && block.label.is_none()
        && let [syn::Stmt::Expr(inner, None)] = block.block.stmts.as_slice()
    {
        **body = inner.clone();
    }
}

/// A line comment of its own line (not documentation, which is part of the code).
fn is_comment(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("//") && !line.starts_with("///") && !line.starts_with("//!")
}

/// `new` with the comments of `old` put back, each above the first line (searching on from the
/// previous comment's place) that equals, trimmed, the line the comment stood above in `old`.
/// Returns the result and the comments whose line was not found (kept at the search position).
fn with_comments(old: &str, new: &str) -> (String, Vec<String>) {
    let new: Vec<&str> = new.lines().collect();
    let mut out = Vec::new();
    let mut orphans = Vec::new();
    let mut next = 0;
    let mut old_lines = old.lines().peekable();
    while let Some(line) = old_lines.next() {
        if !is_comment(line) {
            continue;
        }
        let mut comment = vec![line.trim()];
        while let Some(more) = old_lines.next_if(|l| is_comment(l)) {
            comment.push(more.trim());
        }
        let anchor = old_lines.peek().map_or("", |l| l.trim());
        let found = new[next..].iter().position(|l| l.trim() == anchor);
        if found.is_none() {
            orphans.push(comment.join("\n"));
        }
        let at = next + found.unwrap_or(0);
        out.extend(new[next..at].iter().map(|l| l.to_string()));
        let indent = new
            .get(at)
            .map_or("", |l| &l[..l.len() - l.trim_start().len()]);
        if out
            .last()
            .is_some_and(|l: &String| !l.trim().is_empty() && !l.ends_with('{'))
        {
            out.push(String::new());
        }
        out.extend(comment.iter().map(|c| format!("{indent}{c}")));
        next = at;
        if found.is_some() && at < new.len() {
            out.push(new[at].to_string());
            next += 1;
        }
    }
    out.extend(new[next..].iter().map(|l| l.to_string()));
    (out.join("\n") + "\n", orphans)
}

/// Formats a source file with the toolchain's rustfmt, as `cargo fmt` would.
fn rustfmt(source: &str) -> String {
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_string());
    let mut child = Command::new(rustfmt)
        .args(["--edition", "2024"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("blessing the expanded examples runs rustfmt");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(source.as_bytes())
        .expect("write to rustfmt");
    let output = child.wait_with_output().expect("rustfmt runs");
    assert!(output.status.success(), "rustfmt failed");
    String::from_utf8(output.stdout).expect("rustfmt writes UTF-8")
}

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn expanded_examples() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("the workspace's examples/")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.to_string_lossy().ends_with("-expanded.rs"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn expanded_examples_match_the_macro() {
    let bless = std::env::var_os("MATCALC_BLESS").is_some();
    let paths = expanded_examples();
    assert!(!paths.is_empty(), "no examples/*-expanded.rs");
    let mut stale = Vec::new();
    for path in &paths {
        let example = Example::read(path);
        if !example.is_current() {
            if bless {
                example.bless();
            } else {
                stale.push(path.file_name().expect("a file name").to_owned());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "the macro's expansion changed for {stale:?}; rerun with MATCALC_BLESS=1 and review \
         the comments it prints"
    );
}

#[test]
fn expanded_examples_are_indexed() {
    let index = std::fs::read_to_string(examples_dir().join("README.md")).expect("README.md");
    for path in expanded_examples() {
        let name = path.file_name().expect("a file name").to_string_lossy();
        assert!(
            index.contains(&format!("({name})")),
            "examples/README.md does not link {name}"
        );
    }
}

#[test]
fn comments_follow_their_lines() {
    let old = "fn f() {\n    // the sum\n    let a = 1;\n    // gone\n    let b = 2;\n}\n";
    let new = "fn f() {\n    let a = 1;\n    let c = 3;\n}\n";
    let (merged, orphans) = with_comments(old, new);
    assert_eq!(
        merged,
        "fn f() {\n    // the sum\n    let a = 1;\n\n    // gone\n    let c = 3;\n}\n"
    );
    assert_eq!(orphans, ["// gone"]);
}
