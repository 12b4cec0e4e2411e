//! Every place that names a command agrees with the one list (`command_list.rs`): the
//! capability file, the UI's typed calls (`ui/src/lib/api.ts`) and the UI's mock backend
//! (`ui/src/mock/backend.ts`). The app manifest of `build.rs` and the invoke handler are made
//! from the list itself.

use std::collections::BTreeSet;
use std::path::Path;

use crate::COMMANDS;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every name that follows one of `openers` and ends at the next `'`.
fn quoted_after(text: &str, openers: &[&str]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for opener in openers {
        for (at, _) in text.match_indices(opener) {
            let rest = &text[at + opener.len()..];
            if let Some(end) = rest.find('\'') {
                names.insert(rest[..end].to_string());
            }
        }
    }
    names
}

/// Fails with every command one side has and the other lacks.
fn agree(place: &str, found: &BTreeSet<String>) {
    let declared: BTreeSet<String> = COMMANDS.iter().map(|c| c.to_string()).collect();
    let missing: Vec<_> = declared.difference(found).collect();
    let unknown: Vec<_> = found.difference(&declared).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "{place} disagrees with src-tauri/src/command_list.rs: missing {missing:?}, not declared {unknown:?}"
    );
}

#[test]
fn the_list_names_each_command_once() {
    let unique: BTreeSet<_> = COMMANDS.iter().collect();
    assert_eq!(unique.len(), COMMANDS.len(), "a command is declared twice");
    assert!(COMMANDS.len() > 20, "{COMMANDS:?}");
}

#[test]
fn the_capability_allows_exactly_the_declared_commands() {
    let cap: serde_json::Value = serde_json::from_str(&read("capabilities/default.json")).unwrap();
    let found: BTreeSet<String> = cap["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| {
            let p = p.as_str().expect("a permission by name");
            p.strip_prefix("allow-")
                .unwrap_or_else(|| panic!("{p}: the window gets no other permission"))
                .replace('-', "_")
        })
        .collect();
    agree("capabilities/default.json", &found);
}

#[test]
fn the_ui_calls_exactly_the_declared_commands() {
    let api = read("../ui/src/lib/api.ts");
    // `call<T>('name', …)` or `invoke('name', …)`: the name is the first quoted word after
    // the call's `('`.
    let mut found = BTreeSet::new();
    for line in api.lines() {
        for opener in ["call<", "call(", "invoke<", "invoke("] {
            for (at, _) in line.match_indices(opener) {
                let rest = &line[at..];
                if let Some(open) = rest.find("('") {
                    let name = &rest[open + 2..];
                    if let Some(end) = name.find('\'') {
                        found.insert(name[..end].to_string());
                    }
                }
            }
        }
    }
    agree("ui/src/lib/api.ts", &found);
}

#[test]
fn the_ui_mock_answers_exactly_the_declared_commands() {
    let mock = read("../ui/src/mock/backend.ts");
    agree("ui/src/mock/backend.ts", &quoted_after(&mock, &["case '"]));
}
