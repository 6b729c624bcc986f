//! The unit tests' q harness: run console lines in an interpreter and compare what the
//! console would print, plus scratch directories for tests that write files. Shared so
//! every module's tests see the console the same way.

use super::console::eval_line;
use super::eval::Interp;
use std::path::PathBuf;

/// Run each line of `src` as a console input in `it`; what the last one printed (its
/// display as is, nothing, or `'error`).
pub(crate) fn run(it: &mut Interp, src: &str) -> String {
    let mut last = String::new();
    for line in src.lines() {
        last = match eval_line(it, line) {
            Ok(Some(t)) => t,
            Ok(None) => String::new(),
            Err(e) => e.to_string(),
        };
    }
    last
}

/// [`run`] in a fresh interpreter.
pub(crate) fn q(src: &str) -> String {
    run(&mut Interp::new(), src)
}

/// A fresh, empty directory `qtick_<prefix>_<pid>_<name>` under the system temp dir; the
/// pid keeps concurrent test runs apart.
pub(crate) fn tmp_dir(prefix: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qtick_{prefix}_{}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    // A test's scratch directory under the temp dir; failing to make it fails the test.
    std::fs::create_dir_all(&d).unwrap();
    d
}
