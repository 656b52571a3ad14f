//! PL-1: the domain crate stays pure. Its dependency closure (read from the workspace's
//! `Cargo.lock`) must hold no async runtime, database driver, ORM or HTTP crate.

use std::collections::{BTreeMap, BTreeSet};

const FORBIDDEN: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "async-trait",
    "futures",
    "mio",
    "sea-orm",
    "sea-query",
    "sqlx",
    "rusqlite",
    "libsqlite3-sys",
    "postgres",
    "tokio-postgres",
    "diesel",
    "poem",
    "poem-openapi",
    "hyper",
    "http",
    "reqwest",
    "axum",
    "lettre",
];

/// Package name → names of its dependencies, from a `Cargo.lock` text.
fn dependency_graph(lock: &str) -> BTreeMap<String, Vec<String>> {
    let mut graph = BTreeMap::new();
    for block in lock.split("[[package]]").skip(1) {
        let mut name = None;
        let mut deps = Vec::new();
        let mut in_deps = false;
        for line in block.lines().map(str::trim) {
            if let Some(value) = line.strip_prefix("name = ") {
                name = Some(value.trim_matches('"').to_owned());
            } else if line.starts_with("dependencies = [") {
                in_deps = true;
            } else if in_deps && line.starts_with(']') {
                in_deps = false;
            } else if in_deps {
                // `"name"` or `"name version"` or `"name version (source)"`.
                let entry = line.trim_end_matches(',').trim_matches('"');
                if let Some(dep) = entry.split_whitespace().next() {
                    deps.push(dep.to_owned());
                }
            }
        }
        if let Some(name) = name {
            graph.entry(name).or_insert_with(Vec::new).extend(deps);
        }
    }
    graph
}

fn closure(graph: &BTreeMap<String, Vec<String>>, root: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root.to_owned()];
    while let Some(name) = stack.pop() {
        if seen.insert(name.clone()) {
            stack.extend(graph.get(&name).into_iter().flatten().cloned());
        }
    }
    seen
}

#[test]
fn pl_1_domain_depends_on_no_async_runtime_database_or_http_crate() {
    let lock_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
    let lock = std::fs::read_to_string(lock_path).expect("the workspace has a Cargo.lock");
    let graph = dependency_graph(&lock);
    assert!(
        graph.contains_key("clientele-domain"),
        "Cargo.lock lists the domain crate"
    );
    let reached = closure(&graph, "clientele-domain");
    let impure: Vec<_> = FORBIDDEN
        .iter()
        .filter(|name| reached.contains(**name))
        .collect();
    assert!(
        impure.is_empty(),
        "the domain crate must stay pure but reaches {impure:?}"
    );
}

#[test]
fn the_purity_check_sees_a_forbidden_crate_when_there_is_one() {
    let lock = r#"
[[package]]
name = "clientele-domain"
dependencies = [
 "chrono",
 "sneaky 1.0.0",
]

[[package]]
name = "sneaky"
dependencies = [
 "tokio 1.54.1 (registry+https://github.com/rust-lang/crates.io-index)",
]

[[package]]
name = "tokio"
"#;
    let reached = closure(&dependency_graph(lock), "clientele-domain");
    assert!(reached.contains("tokio"));
}
