//! Query behaviour checked through the interpreter, shown as the console shows it.

use crate::lang::eval::Interp;

/// Evaluate lines in a fresh interpreter; the display of the last one (or its error).
fn q(lines: &[&str]) -> String {
    let mut it = Interp::new();
    let mut last = String::new();
    for l in lines {
        last = match it.eval_str(l) {
            Ok(v) => it.console_text(&v),
            Err(e) => format!("'{}", e.msg),
        };
    }
    last
}

#[test]
fn smoke() {
    assert_eq!(
        q(&["t:([]a:1 2 3;b:`x`y`x)", "select sum a by b from t"]),
        "b| a\n-| -\nx| 4\ny| 2"
    );
}
