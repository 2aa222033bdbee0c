//! The crate graph is a whitelist. `docs/ARCHITECTURE.md` lists, in its `crate-graph` block,
//! which workspace crates each crate may depend on; this test reads that block and the real graph
//! (`cargo metadata`) and fails on any edge the block does not allow, on a crate the block does
//! not place, and on a block entry for a crate that no longer exists. So the document and the
//! code cannot drift apart, and a new dependency between crates is a reviewed change to the
//! document, not an accident of a `use` line.
//!
//! Only normal and build dependencies count: tests may use any crate.
//!
//! The same document lists, in its `long-files` block, the source files allowed past 600 lines
//! and why each still holds one concern; any other file that long fails the second test.
//!
//! Another keeps each module's store its own: no module's `lib.rs` makes `store` public, and
//! a module's `testkit` feature (reads and seeds below its app API) is turned on only by
//! dev-dependencies, so the product never compiles it.
//!
//! A third test keeps domain, store and services off the wall clock: they take the time from
//! the services' clock (`domain::clock`), except in the few places `WALL_CLOCK_ALLOWED` names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The short name a crate has in the document: `civicdesk-store` is `store`, and the binary
/// package `civicdesk` is `cli`.
fn short(package: &str) -> String {
    match package.strip_prefix("civicdesk-") {
        Some(rest) => rest.to_string(),
        None if package == "civicdesk" => "cli".to_string(),
        None => package.to_string(),
    }
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `cargo metadata` of the workspace's own packages.
fn metadata() -> serde_json::Value {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("metadata is JSON")
}

/// The workspace's crates and, for each, the workspace crates it depends on.
fn actual_graph() -> Graph {
    let meta = metadata();
    let packages = meta["packages"].as_array().expect("packages");
    let members: BTreeSet<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str())
        .map(str::to_string)
        .collect();
    let mut graph = Graph::new();
    for p in packages {
        let name = p["name"].as_str().expect("package name");
        let deps = graph.entry(short(name)).or_default();
        for d in p["dependencies"].as_array().expect("dependencies") {
            let dep = d["name"].as_str().expect("dependency name");
            let test_only = d["kind"].as_str() == Some("dev");
            if members.contains(dep) && !test_only {
                deps.insert(short(dep));
            }
        }
    }
    graph
}

/// The `crate-graph` block of the document: `crate: allowed, allowed` per line, `#` comments.
fn allowed_graph(doc: &str) -> Graph {
    let start = doc
        .find("```crate-graph")
        .expect("docs/ARCHITECTURE.md has a ```crate-graph block");
    let body = &doc[start..];
    let body = &body[body.find('\n').expect("block opens with a line") + 1..];
    let body = &body[..body.find("```").expect("the block is closed")];
    let mut graph = Graph::new();
    for line in body.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (krate, deps) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("`{line}`: expected `crate: dependencies`"));
        let deps = deps
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        assert!(
            graph.insert(krate.trim().to_string(), deps).is_none(),
            "`{krate}` is listed twice"
        );
    }
    graph
}

/// Every way `actual` breaks `allowed`, one line each.
fn violations(actual: &Graph, allowed: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for (krate, deps) in actual {
        let Some(may) = allowed.get(krate) else {
            out.push(format!(
                "crate `{krate}` is not placed in the crate-graph block"
            ));
            continue;
        };
        for dep in deps.difference(may) {
            out.push(format!("`{krate}` depends on `{dep}`, which it may not"));
        }
    }
    for krate in allowed.keys() {
        if !actual.contains_key(krate) {
            out.push(format!(
                "the crate-graph block lists `{krate}`, which does not exist"
            ));
        }
    }
    out
}

#[test]
fn crates_depend_only_on_what_the_architecture_allows() {
    let doc = std::fs::read_to_string(workspace_root().join("docs/ARCHITECTURE.md"))
        .expect("docs/ARCHITECTURE.md");
    let found = violations(&actual_graph(), &allowed_graph(&doc));
    assert!(
        found.is_empty(),
        "the crate graph breaks docs/ARCHITECTURE.md:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_catches_a_forbidden_edge_a_stray_crate_and_a_stale_entry() {
    let allowed = allowed_graph(
        "text\n```crate-graph\n# comment\nkernel:\nstore: kernel # why\ngone: kernel\n```\n",
    );
    let mut actual = Graph::new();
    actual.insert("kernel".into(), BTreeSet::from(["store".to_string()]));
    actual.insert("store".into(), BTreeSet::from(["kernel".to_string()]));
    actual.insert("housing".into(), BTreeSet::new());
    assert_eq!(
        violations(&actual, &allowed),
        vec![
            "crate `housing` is not placed in the crate-graph block".to_string(),
            "`kernel` depends on `store`, which it may not".to_string(),
            "the crate-graph block lists `gone`, which does not exist".to_string(),
        ]
    );
}

/// The feature that opens a module's test kit.
const TESTKIT: &str = "testkit";

/// Each normal or build dependency, in a package of `meta`, that turns a test kit on.
fn testkit_leaks(meta: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for p in meta["packages"].as_array().expect("packages") {
        let name = p["name"].as_str().expect("package name");
        for d in p["dependencies"].as_array().expect("dependencies") {
            let test_only = d["kind"].as_str() == Some("dev");
            let features = d["features"].as_array().into_iter().flatten();
            if !test_only && features.filter_map(|f| f.as_str()).any(|f| f == TESTKIT) {
                out.push(format!(
                    "`{}` turns on the test kit of `{}` outside its dev-dependencies",
                    short(name),
                    short(d["name"].as_str().unwrap_or("?"))
                ));
            }
        }
    }
    out
}

/// Each line of a module's `lib.rs` that makes its store public.
fn public_stores(lib_rs: &str) -> Vec<usize> {
    lib_rs
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start();
            ["pub mod store", "pub use store", "pub use crate::store"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn module_stores_stay_inside_their_module() {
    let mut found = testkit_leaks(&metadata());
    let modules = workspace_root().join("crates/modules");
    for entry in std::fs::read_dir(&modules).expect("crates/modules") {
        let lib = entry.expect("entry").path().join("src/lib.rs");
        let Ok(text) = std::fs::read_to_string(&lib) else {
            continue;
        };
        for line in public_stores(&text) {
            found.push(format!("{}:{line} makes the store public", lib.display()));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_store_check_catches_a_public_store_and_a_test_kit_in_the_product() {
    assert_eq!(
        public_stores(
            "pub mod api;\npub(crate) mod store;\n  pub mod store;\npub use crate::store::x;"
        ),
        vec![3, 4]
    );
    let meta = serde_json::json!({ "packages": [
        { "name": "civicdesk-web", "dependencies": [
            { "name": "civicdesk-cases", "kind": null, "features": ["testkit"] },
            { "name": "civicdesk-identity", "kind": null, "features": [] },
        ]},
        { "name": "civicdesk", "dependencies": [
            { "name": "civicdesk-cases", "kind": "dev", "features": ["testkit"] },
        ]},
    ]});
    assert_eq!(
        testkit_leaks(&meta),
        vec!["`web` turns on the test kit of `cases` outside its dev-dependencies".to_string()]
    );
}

/// Lines past which a source file wants splitting by concern.
const LONG: usize = 600;

/// The `long-files` block: `path: why it is still one concern` per line.
fn allowed_long_files(doc: &str) -> BTreeMap<String, String> {
    let start = doc
        .find("```long-files")
        .expect("docs/ARCHITECTURE.md has a ```long-files block");
    let body = &doc[start..];
    let body = &body[body.find('\n').expect("block opens with a line") + 1..];
    let body = &body[..body.find("```").expect("the block is closed")];
    body.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(path, why)| (path.trim().to_string(), why.trim().to_string()))
        .collect()
}

/// Whether `path` holds only tests (test files may be long: each test is its own concern).
fn is_test_file(path: &str) -> bool {
    path.contains("/tests/") || path.ends_with("/tests.rs")
}

#[test]
fn no_source_file_is_long_unless_the_architecture_says_why() {
    let root = workspace_root();
    let out = Command::new("git")
        .args(["ls-files", "*.rs"])
        .current_dir(&root)
        .output()
        .expect("git ls-files runs");
    let files = String::from_utf8(out.stdout).expect("paths are UTF-8");
    let doc = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).expect("the document");
    let allowed = allowed_long_files(&doc);
    let mut found = Vec::new();
    for path in files.lines().filter(|p| !is_test_file(p)) {
        let Ok(text) = std::fs::read_to_string(root.join(path)) else {
            continue;
        };
        let lines = text.lines().count();
        match (lines > LONG, allowed.get(path)) {
            (true, None) => found.push(format!("{path} has {lines} lines: split it by concern")),
            (false, Some(_)) => found.push(format!(
                "{path} has {lines} lines: take it out of the long-files block"
            )),
            (true, Some(why)) if why.is_empty() => {
                found.push(format!("{path}: the long-files block must say why"))
            }
            _ => {}
        }
    }
    for path in allowed.keys() {
        if !root.join(path).exists() {
            found.push(format!(
                "the long-files block lists {path}, which does not exist"
            ));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The crates whose code must take the time from the platform's clock (`domain::clock`,
/// `Platform::now()`), so that a test's clock governs everything they write.
const CLOCKED: [&str; 7] = [
    "crates/domain/src",
    "crates/store/src",
    "crates/platform/src",
    "crates/modules",
    "crates/webkit/src",
    "crates/web/src",
    "crates/ui/src",
];

/// The reads of the wall clock allowed in [`CLOCKED`]: file, how many, why.
const WALL_CLOCK_ALLOWED: [(&str, usize, &str); 3] = [
    (
        "crates/domain/src/clock.rs",
        1,
        "`SystemClock` is the wall clock",
    ),
    ("crates/store/src/db/mod.rs", 1, "`store::now_unix` itself"),
    (
        "crates/store/src/migrate.rs",
        1,
        "migrations run before there are services and a clock",
    ),
];

/// The lines (1-based) of non-test code in `text` that read the wall clock: `now_unix()`,
/// `now_utc()` or `SystemTime::now`. Comments, the definition of `now_unix` and everything
/// from a `#[cfg(test)]` module on (test modules close a file) do not count.
fn wall_clock_reads(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].contains("mod "))
        .unwrap_or(lines.len());
    lines[..end]
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .filter(|(_, l)| {
            let code = l.replace("fn now_unix()", "");
            ["now_unix()", "now_utc()", "SystemTime::now"]
                .iter()
                .any(|read| code.contains(read))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// The `.rs` files under `dir`, as paths relative to the workspace root.
fn rust_files(root: &std::path::Path, dir: &str, out: &mut Vec<String>) {
    let entries = std::fs::read_dir(root.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}"));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let relative = format!(
            "{dir}/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        if path.is_dir() {
            rust_files(root, &relative, out);
        } else if relative.ends_with(".rs") {
            out.push(relative);
        }
    }
}

#[test]
fn services_and_store_take_the_time_from_the_clock() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in CLOCKED {
        rust_files(&root, dir, &mut files);
    }
    let mut found = Vec::new();
    for path in files.iter().filter(|p| !is_test_file(p)) {
        let text = std::fs::read_to_string(root.join(path)).expect("a source file");
        let reads = wall_clock_reads(&text);
        let allowed = WALL_CLOCK_ALLOWED
            .iter()
            .find(|(p, ..)| p == path)
            .map_or(0, |(_, n, _)| *n);
        if reads.len() != allowed {
            found.push(format!(
                "{path} reads the wall clock on lines {reads:?} ({allowed} allowed): take \
                 `now: i64` from the caller (`Services::now()`), or update WALL_CLOCK_ALLOWED"
            ));
        }
    }
    for (path, ..) in WALL_CLOCK_ALLOWED {
        if !files.iter().any(|f| f == path) {
            found.push(format!(
                "WALL_CLOCK_ALLOWED lists {path}, which does not exist"
            ));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_clock_check_sees_calls_but_not_comments_definitions_or_tests() {
    let text = "pub fn now_unix() -> i64 {\n    time::OffsetDateTime::now_utc().unix_timestamp()\n}\n\
                // store::now_unix() in a comment\nlet t = store::now_unix();\n#[cfg(test)]\n\
                fn helper() {}\nlet s = std::time::SystemTime::now();\n#[cfg(test)]\n\
                mod tests { now_unix(); }\n";
    assert_eq!(wall_clock_reads(text), vec![2, 5, 8]);
}
