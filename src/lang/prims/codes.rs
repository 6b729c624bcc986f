//! The byte codes q gives its primitive functions (types 101 unary, 102 operator,
//! 103 iterator, 106..111 derived) and the names the console prints for them.
//!
//! This is the one table the wire format, the evaluator and the display agree on. It
//! holds names only: what a code *does* lives with the primitive families.

/// Glyphs of the operators in code order (`:` is 0, `.` is 19). The same order gives the
/// unary primitives, printed as glyph then `:` (`-:` is neg, `#:` is count); unary 0 is
/// the generic null `::`.
pub const BINARY_GLYPHS: [&str; 20] = [
    ":", "+", "-", "*", "%", "&", "|", "^", "=", "<", ">", "$", ",", "#", "_", "~", "!", "?", "@",
    ".",
];

/// Iterator glyphs by code (type 103): each, over, scan, each-prior, each-right, each-left.
pub const ITERATOR_GLYPHS: [&str; 6] = ["'", "/", "\\", "':", "/:", "\\:"];

/// Named primitives beyond the glyphs. q publishes no table; each entry is backed by bytes
/// q wrote: `any` serializes as the composition of unary `0x1c` with `$["b"]` (q prints it
/// `max$["b"]`), `insert[1]` as a projection of operator `0x1c`.
const UNARY_WORDS: &[(u8, &str)] = &[(0x1c, "max")];
const BINARY_WORDS: &[(u8, &str)] = &[(0x1c, "insert")];

fn word(table: &[(u8, &'static str)], code: u8) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// The glyph (codes 0..19) or keyword name of unary primitive `code`. Glyphs come back
/// bare: the display adds the `:` that marks the unary form.
pub fn unary_name(code: u8) -> Option<&'static str> {
    match BINARY_GLYPHS.get(code as usize) {
        Some(g) => Some(g),
        None => word(UNARY_WORDS, code),
    }
}

/// The glyph (codes 0..19) or keyword name of operator `code`.
pub fn binary_name(code: u8) -> Option<&'static str> {
    match BINARY_GLYPHS.get(code as usize) {
        Some(g) => Some(g),
        None => word(BINARY_WORDS, code),
    }
}

/// The glyph of iterator `code` (type 103).
pub fn iterator_glyph(code: u8) -> Option<&'static str> {
    ITERATOR_GLYPHS.get(code as usize).copied()
}

/// The iterator glyph a derived function of type `ty` (106..111) ends with.
pub fn derived_glyph(ty: u8) -> Option<&'static str> {
    ty.checked_sub(106).and_then(iterator_glyph)
}

/// The code of an operator glyph or keyword, the inverse of [`binary_name`].
pub fn binary_code(name: &str) -> Option<u8> {
    if let Some(i) = BINARY_GLYPHS.iter().position(|g| *g == name) {
        return Some(i as u8);
    }
    BINARY_WORDS
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(c, _)| *c)
}

/// The code of a unary glyph (without its `:`) or keyword, the inverse of [`unary_name`].
pub fn unary_code(name: &str) -> Option<u8> {
    if let Some(i) = BINARY_GLYPHS.iter().position(|g| *g == name) {
        return Some(i as u8);
    }
    UNARY_WORDS
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_codes() {
        assert_eq!(binary_name(1), Some("+"));
        assert_eq!(binary_name(12), Some(","));
        assert_eq!(binary_name(19), Some("."));
        assert_eq!(unary_name(15), Some("~"));
        assert_eq!(binary_name(0x1c), Some("insert"));
        assert_eq!(unary_name(0x1c), Some("max"));
        assert_eq!(binary_name(42), None);
        assert_eq!(unary_name(255), None);
        assert_eq!(binary_code("&"), Some(5));
        assert_eq!(binary_code("insert"), Some(0x1c));
        assert_eq!(unary_code("max"), Some(0x1c));
        assert_eq!(unary_code("nope"), None);
    }

    #[test]
    fn iterators() {
        assert_eq!(iterator_glyph(0), Some("'"));
        assert_eq!(iterator_glyph(5), Some("\\:"));
        assert_eq!(iterator_glyph(6), None);
        assert_eq!(derived_glyph(107), Some("/"));
        assert_eq!(derived_glyph(109), Some("':"));
        assert_eq!(derived_glyph(105), None);
        assert_eq!(derived_glyph(112), None);
    }
}
