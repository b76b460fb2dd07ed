//! Random mutations of a valid workbook never panic the pipeline: whatever the cells hold,
//! `check` answers with findings, and a plan that passes scores without arithmetic
//! surprises. (Random bytes and byte-level mutations of the file are in read_errors.rs.)

use chrono::NaiveDate;
use kaoping::sample::{Book, Value, reference_2021};
use proptest::prelude::*;

/// Values an office worker (or a hostile one) might leave in a cell.
fn cell_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Empty),
        "[ -~]{0,12}".prop_map(Value::text),
        "[一二三医学院处室组长·、，;（）〔〕\\[\\]#$@<>{}%]{0,10}".prop_map(Value::text),
        (-1e6f64..1e6).prop_map(Value::Number),
        prop_oneof![Just(f64::MAX), Just(-0.0), Just(1e-9), Just(4.999_999)]
            .prop_map(Value::Number),
        (1900i32..2200, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| Value::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())),
        Just(Value::ErrorDiv0),
    ]
}

/// One mutation: a sheet (by index), a row and a column (both taken modulo the sheet's
/// size), and what to put there; or a whole row or sheet dropped.
#[derive(Debug, Clone)]
enum Mutation {
    Set { sheet: usize, row: usize, col: usize, value: Value },
    DropRow { sheet: usize, row: usize },
    RenameHeader { sheet: usize, col: usize, name: String },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        8 => (any::<usize>(), any::<usize>(), any::<usize>(), cell_value())
            .prop_map(|(sheet, row, col, value)| Mutation::Set { sheet, row, col, value }),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(sheet, row)| Mutation::DropRow { sheet, row }),
        1 => (any::<usize>(), any::<usize>(), "[a-z处（）]{0,4}")
            .prop_map(|(sheet, col, name)| Mutation::RenameHeader { sheet, col, name }),
    ]
}

fn apply(book: &mut Book, mutation: &Mutation) {
    let sheets = book.sheets.len();
    match mutation {
        Mutation::Set { sheet, row, col, value } => {
            let sheet = &mut book.sheets[sheet % sheets];
            if sheet.rows.is_empty() || sheet.header.is_empty() {
                return;
            }
            let row = row % sheet.rows.len();
            let col = col % sheet.header.len();
            if let Some(cell) = sheet.rows[row].get_mut(col) {
                *cell = value.clone();
            }
        }
        Mutation::DropRow { sheet, row } => {
            let sheet = &mut book.sheets[sheet % sheets];
            if !sheet.rows.is_empty() {
                let row = row % sheet.rows.len();
                sheet.rows.remove(row);
            }
        }
        Mutation::RenameHeader { sheet, col, name } => {
            let sheet = &mut book.sheets[sheet % sheets];
            if !sheet.header.is_empty() {
                let col = col % sheet.header.len();
                sheet.header[col] = name.clone();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_workbooks_never_panic_check_or_score(mutations in prop::collection::vec(mutation(), 1..6)) {
        let mut book = reference_2021();
        for m in &mutations {
            apply(&mut book, m);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.xlsx");
        std::fs::write(&path, book.to_xlsx_bytes().unwrap()).unwrap();
        let books = kaoping::build::read_inputs(&[path]).unwrap();
        let checked = kaoping::check::check(&books);
        prop_assert_eq!(checked.plan.is_some(), !checked.findings.has_errors());
        if let Some(plan) = checked.plan {
            let results = kaoping::score::score(&plan);
            for d in &results.departments {
                prop_assert!(d.rank >= 1 && d.rank <= d.of);
            }
        }
        // Every error names a file.
        for finding in checked.findings.iter().filter(|f| f.is_error()) {
            prop_assert!(finding.location.file.is_some(), "{}", finding);
        }
    }
}
