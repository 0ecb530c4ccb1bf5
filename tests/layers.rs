//! Layers point one way: no import cycle between the top-level modules of the
//! library (`crates/tlslab/src`), of the command (`src`), of the test peers or of the
//! BoGo shim.
//!
//! A file `src/a/b.rs` belongs to module `a`, as do `src/a.rs` and
//! `src/a/mod.rs`. Every `crate::x` path in module `a` (in a `use` line,
//! inline, or in a doc link) with `x != a` is an edge `a -> x`; so is each
//! name inside `use crate::{x, y}`. A file's unit tests (`#[cfg(test)] mod
//! tests { ... }` to the end of the file) may look anywhere and are left out.
//! Any strongly connected component of more than one module is a cycle
//! (Tarjan's algorithm), reported with the edges inside it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The identifier at the start of `s` (letters, digits, `_`).
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Whether the byte before `at` ends a word (so `mycrate::` is no match).
fn word_start(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
}

/// The top-level modules a file's text names through `crate::`.
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        if !word_start(text, at) {
            continue;
        }
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c, d}`: the first name of each item.
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let name = ident(item.trim_start());
                if !name.is_empty() {
                    names.insert(name.to_string());
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                names.insert(name.to_string());
            }
        }
    }
    names
}

/// `text` up to its `#[cfg(test)] mod tests {` block, if it has one.
fn without_unit_tests(text: &str) -> &str {
    let marker = "#[cfg(test)]";
    for (at, _) in text.match_indices(marker) {
        let after = text[at + marker.len()..].trim_start();
        if let Some(rest) = after.strip_prefix("mod tests") {
            if rest.trim_start().starts_with('{') {
                return &text[..at];
            }
        }
    }
    text
}

/// The import graph between the top-level modules of the crate rooted at `src`.
fn module_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut members: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for path in files {
        let rel = path.strip_prefix(src).expect("under src");
        let mut parts = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        let first = parts.next().expect("a file name");
        let is_file = rel.components().count() == 1;
        if is_file && (first == "lib.rs" || first == "main.rs") {
            continue;
        }
        let module = if is_file {
            first.trim_end_matches(".rs").to_string()
        } else {
            first
        };
        members.entry(module).or_default().push(path);
    }
    let mut graph = Graph::new();
    for (module, paths) in &members {
        let edges = graph.entry(module.clone()).or_default();
        for path in paths {
            let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for name in named_modules(without_unit_tests(&text)) {
                if &name != module && members.contains_key(&name) {
                    edges.insert(name);
                }
            }
        }
    }
    graph
}

/// Strongly connected components of more than one module (Tarjan 1972).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in &self.graph[v] {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.found
}

/// `cycle: a b | a->b, b->a` for each cycle, as the design notes' checker prints it.
fn describe(graph: &Graph, found: &[Vec<String>]) -> String {
    found
        .iter()
        .map(|c| {
            let inner: Vec<String> = c
                .iter()
                .flat_map(|a| {
                    graph[a]
                        .iter()
                        .filter(|b| c.contains(b))
                        .map(move |b| format!("{a}->{b}"))
                })
                .collect();
            format!("cycle: {} | {}", c.join(" "), inner.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_no_cycle(src: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(src);
    let graph = module_graph(&root);
    assert!(graph.len() > 1, "{src}: no modules found");
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "{src}: the top-level modules import each other in a circle; layers must point one way\n{}",
        describe(&graph, &found)
    );
}

#[test]
fn library_modules_have_no_import_cycle() {
    assert_no_cycle("crates/tlslab/src");
}

#[test]
fn command_modules_have_no_import_cycle() {
    assert_no_cycle("src");
}

#[test]
fn peer_and_shim_modules_have_no_import_cycle() {
    assert_no_cycle("crates/tlslab-peers/src");
    assert_no_cycle("crates/bogo-shim/src");
}

/// The observer is the funnel every layer reports through: it may name the
/// leaf types and the wire format, nothing that reports to it.
#[test]
fn observer_depends_only_on_types_and_wire() {
    let graph = module_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/tlslab/src"));
    let allowed: BTreeSet<&str> = ["types", "wire", "bytes"].into();
    let extra: Vec<&String> = graph["observer"]
        .iter()
        .filter(|m| !allowed.contains(m.as_str()))
        .collect();
    assert!(extra.is_empty(), "observer depends on {extra:?}");
}

/// The checker itself finds a cycle it is shown, and only that one.
#[test]
fn checker_finds_a_planted_cycle() {
    let dir = std::env::temp_dir().join(format!("tlslab-layers-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("b")).unwrap();
    fs::write(dir.join("lib.rs"), "pub mod a; pub mod b; pub mod c; pub mod d;").unwrap();
    fs::write(dir.join("a.rs"), "use crate::{b::x, d};\n").unwrap();
    fs::write(dir.join("b/mod.rs"), "mod inner;\n").unwrap();
    fs::write(dir.join("b/inner.rs"), "fn f() { crate::c::g() }\n").unwrap();
    fs::write(dir.join("c.rs"), "/// See [`crate::a`].\npub fn g() {}\n").unwrap();
    fs::write(
        dir.join("d.rs"),
        "pub fn h() {}\n#[cfg(test)]\nmod tests {\n    use crate::a;\n}\n",
    )
    .unwrap();
    let graph = module_graph(&dir);
    let found = cycles(&graph);
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found, vec![vec!["a".to_string(), "b".into(), "c".into()]]);
    assert_eq!(describe(&graph, &found), "cycle: a b c | a->b, b->c, c->a");
}
