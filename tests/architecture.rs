//! Data flows forward only: the top-level modules of src/ (`crate::X`) form no cycle, and
//! `core` depends on no other module of the crate. The graph is read from the source text,
//! so a new `use crate::…` that closes a loop fails here, naming the loop and its files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module -> the modules it names, each with the first file that names it.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// Every `.rs` file under `dir`, with its path relative to src/ (`load/csv.rs`).
fn sources(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(base).unwrap().to_string_lossy();
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((relative.replace('\\', "/"), text));
        }
    }
}

/// The text without comments (doc comments name modules in prose), string or char literals.
fn code(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let next = chars.get(i + 1).copied();
        match (chars[i], next) {
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            ('/', Some('*')) => {
                i += 2;
                while i < chars.len() && !(chars[i - 1] == '*' && chars[i] == '/') {
                    i += 1;
                }
            }
            ('"', _) => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                out.push_str("\"\"");
            }
            // A char literal such as '"' or '\'' (a lifetime has no closing quote).
            ('\'', Some('\\')) => {
                i += 3;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
            }
            ('\'', Some(_)) if chars.get(i + 2) == Some(&'\'') => i += 2,
            (c, _) => out.push(c),
        }
        i += 1;
    }
    out
}

/// The top-level module a file belongs to: `load` for `load/csv.rs` and `load.rs`; `None`
/// for the crate root (`lib.rs`, `main.rs`), which declares every module.
fn module_of(file: &str) -> Option<String> {
    let first = file.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

/// The first name of each item in `crate::{a, b::c, d::{e, f}}`, given the text after `{`.
fn group_heads(group: &str) -> Vec<String> {
    let (mut heads, mut depth, mut at_start) = (Vec::new(), 0, true);
    let mut word = String::new();
    for c in group.chars() {
        if depth == 0 && at_start && (c.is_alphanumeric() || c == '_') {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            heads.push(std::mem::take(&mut word));
            at_start = false;
        }
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_start = true,
            _ => {}
        }
    }
    heads
}

/// The graph of top-level modules from every `crate::X` path in `files` (path under src/,
/// text).
fn graph(files: &[(String, String)]) -> Graph {
    let modules: BTreeSet<String> = files.iter().filter_map(|(f, _)| module_of(f)).collect();
    let mut graph = Graph::new();
    for (file, text) in files {
        let Some(from) = module_of(file) else {
            continue;
        };
        let text = code(text);
        let mut rest = text.as_str();
        while let Some(at) = rest.find("crate::") {
            // `$crate::` in a macro is the crate the macro is used in, and so is this one.
            rest = &rest[at + "crate::".len()..];
            let rest_trimmed = rest.trim_start();
            let names = match rest_trimmed.strip_prefix('{') {
                Some(group) => group_heads(group),
                None => {
                    let end = rest_trimmed
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(rest_trimmed.len());
                    vec![rest_trimmed[..end].to_string()]
                }
            };
            for to in names {
                if to != from && modules.contains(&to) {
                    let edges = graph.entry(from.clone()).or_default();
                    edges.entry(to).or_insert_with(|| format!("src/{file}"));
                }
            }
        }
        graph.entry(from).or_default();
    }
    graph
}

/// A cycle, as `a -> b (src/a.rs) -> a (src/b/mod.rs)`, or `None` when the graph has none.
fn cycle(graph: &Graph) -> Option<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Open,
        Done,
    }
    fn visit<'g>(
        graph: &'g Graph,
        module: &'g str,
        state: &mut BTreeMap<&'g str, State>,
        path: &mut Vec<&'g str>,
    ) -> Option<String> {
        match state.get(module) {
            Some(State::Done) => return None,
            Some(State::Open) => {
                let start = path.iter().position(|m| *m == module)?;
                let mut loop_ = path[start..].to_vec();
                loop_.push(module);
                let mut text = loop_[0].to_string();
                for pair in loop_.windows(2) {
                    let file = &graph[pair[0]][pair[1]];
                    text.push_str(&format!(" -> {} ({file})", pair[1]));
                }
                return Some(text);
            }
            None => {}
        }
        state.insert(module, State::Open);
        path.push(module);
        for to in graph.get(module).into_iter().flat_map(|edges| edges.keys()) {
            if let Some(found) = visit(graph, to, state, path) {
                return Some(found);
            }
        }
        path.pop();
        state.insert(module, State::Done);
        None
    }
    let mut state = BTreeMap::new();
    for module in graph.keys() {
        if let Some(found) = visit(graph, module, &mut state, &mut Vec::new()) {
            return Some(found);
        }
    }
    None
}

fn crate_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    graph(&files)
}

#[test]
fn top_level_modules_form_no_cycle() {
    let graph = crate_graph();
    assert!(graph.len() > 10, "read too few modules: {graph:?}");
    if let Some(found) = cycle(&graph) {
        panic!(
            "module cycle: {found}\n\
             data flows core -> grant -> finding -> baseline, load -> rules -> policy -> \
             discover, check -> suppress, verify -> report -> review -> cli -> commands; \
             move the shared piece down a layer instead (docs/ARCHITECTURE.md)"
        );
    }
}

#[test]
fn core_depends_on_no_other_module() {
    let graph = crate_graph();
    let uses = &graph["core"];
    assert!(uses.is_empty(), "core uses {uses:?}");
}

#[test]
fn the_checker_names_a_cycle_that_one_new_edge_closes() {
    let mut graph = crate_graph();
    assert_eq!(cycle(&graph), None);
    // A loader that asked the checker something would close load -> ... -> check -> load.
    graph
        .get_mut("load")
        .unwrap()
        .insert("check".into(), "src/load/csv.rs".into());
    let found = cycle(&graph).expect("the new edge closes a cycle");
    // Whichever module the search starts from, the loop goes through the new edge.
    assert!(found.contains("check (src/load/csv.rs)"), "{found}");
}

#[test]
fn edges_come_from_code_in_every_form_of_path_and_not_from_comments_or_text() {
    let file = |path: &str, text: &str| (path.to_string(), text.to_string());
    let files = [
        file("a.rs", "use crate::{b::{X, Y}, c};\n// crate::d\nfn f() {}"),
        file(
            "b/mod.rs",
            "/* crate::d */ fn g() { let _ = \"crate::d\"; }",
        ),
        file("b/inner.rs", "fn h() { crate::a::f() }"),
        file("c.rs", ""),
        file("d.rs", "fn q() -> char { '\"' } fn r() { crate::c::s(); }"),
        file("lib.rs", "pub mod a; pub mod b;"),
    ];
    let graph = graph(&files);
    let uses = |m: &str| graph[m].keys().cloned().collect::<Vec<_>>();
    assert_eq!(uses("a"), ["b", "c"]);
    assert_eq!(uses("b"), ["a"]);
    assert!(uses("c").is_empty());
    assert_eq!(uses("d"), ["c"]);
    assert_eq!(
        cycle(&graph).as_deref(),
        Some("a -> b (src/a.rs) -> a (src/b/inner.rs)")
    );
}
