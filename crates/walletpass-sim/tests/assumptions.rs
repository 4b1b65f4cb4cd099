//! Each backend's numbered assumptions table (`crates/walletpass-<vendor>/src/assumptions.rs`)
//! and the simulator's mirror of it (`src/<vendor>/assumptions.rs`) list the same numbers and
//! titles in the same order, so a choice added on one side cannot be forgotten on the other.
//! The tables are read as text: the simulator does not depend on the backends.

/// `(number, title)` of every row `//! | N | **Title**: ... |` of a table.
fn rows(source: &str) -> Vec<(String, String)> {
    source
        .lines()
        .filter_map(|line| {
            let row = line.strip_prefix("//! | ")?;
            let (number, rest) = row.split_once(" | ")?;
            let title = rest.strip_prefix("**")?.split_once("**")?.0;
            Some((number.to_owned(), title.to_owned()))
        })
        .collect()
}

fn same_rows(backend: &str, simulator: &str) {
    let (backend, simulator) = (rows(backend), rows(simulator));
    assert!(
        backend.len() >= 10,
        "too few rows read from the backend's table: {backend:?}"
    );
    assert_eq!(backend, simulator);
}

#[test]
fn passninja_tables_match() {
    same_rows(
        include_str!("../../walletpass-passninja/src/assumptions.rs"),
        include_str!("../src/passninja/assumptions.rs"),
    );
}

#[test]
fn ubpass_tables_match() {
    same_rows(
        include_str!("../../walletpass-ubpass/src/assumptions.rs"),
        include_str!("../src/ubpass/assumptions.rs"),
    );
}

#[test]
fn passinstance_tables_match() {
    same_rows(
        include_str!("../../walletpass-passinstance/src/assumptions.rs"),
        include_str!("../src/passinstance/assumptions.rs"),
    );
}

#[test]
fn a_row_with_another_title_is_told_apart() {
    let a = "//! | P1 | **Error bodies**: text | where |";
    let b = "//! | P1 | **Errors**: | how |";
    assert_eq!(rows(a), [("P1".to_owned(), "Error bodies".to_owned())]);
    assert_ne!(rows(a), rows(b));
}
