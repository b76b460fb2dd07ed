//! Writes the sample input workbooks.
//!
//! ```text
//! cargo run --example sample                          # input/2021年度绩效考评（示例）.xlsx
//! cargo run --example sample -- OUT.xlsx              # the reference sample elsewhere
//! cargo run --example sample -- --synthetic N OUT.xlsx [SEED]
//! cargo run --example sample -- --body WORDING.txt OUT.xlsx   # the reference with a 正文 sheet
//! cargo run --example sample -- --wording-sheet WORDING.txt OUT.xlsx   # that sheet alone, as init lays it out
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kaoping::sample;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (book, out) = match args.as_slice() {
        [] => (sample::reference_2021(), Path::new("input").join(sample::REFERENCE_FILE_NAME)),
        [out] if !out.starts_with("--") => (sample::reference_2021(), PathBuf::from(out)),
        [flag, n, out, rest @ ..] if flag == "--synthetic" && rest.len() <= 1 => {
            let Ok(n) = n.parse::<usize>() else {
                return usage(&format!("department count {n:?} is not a number"));
            };
            let seed = match rest.first().map(|s| s.parse::<u64>()) {
                None => 1,
                Some(Ok(seed)) => seed,
                Some(Err(_)) => return usage("seed is not a number"),
            };
            (sample::synthetic(n, seed), PathBuf::from(out))
        }
        [flag, wording, out] if flag == "--body" || flag == "--wording-sheet" => {
            let paragraphs = match std::fs::read_to_string(wording) {
                Ok(text) => text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(String::from)
                    .collect::<Vec<_>>(),
                Err(e) => return usage(&format!("cannot read {wording} ({e})")),
            };
            if flag == "--wording-sheet" {
                return finish(
                    kaoping::forms::wording_workbook(&paragraphs).map_err(Into::into),
                    Path::new(out),
                );
            }
            let mut book = sample::reference_2021();
            book.set_body(&paragraphs);
            (book, PathBuf::from(out))
        }
        _ => return usage("unexpected arguments"),
    };
    finish(book.to_xlsx_bytes().map_err(Into::into), &out)
}

fn finish(bytes: Result<Vec<u8>, Box<dyn std::error::Error>>, out: &Path) -> ExitCode {
    match bytes.and_then(|bytes| write(&bytes, out)) {
        Ok(()) => {
            println!("wrote {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: failed to write {} ({e})", out.display());
            ExitCode::FAILURE
        }
    }
}

fn write(bytes: &[u8], out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, bytes)?;
    Ok(())
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}");
    eprintln!(
        "usage: sample [OUT.xlsx] | sample --synthetic N OUT.xlsx [SEED] | sample --body WORDING.txt OUT.xlsx | sample --wording-sheet WORDING.txt OUT.xlsx"
    );
    ExitCode::from(2)
}
