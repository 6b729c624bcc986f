//! Primitive functions on q values, grouped by family. Each takes and returns `K`
//! and signals q's errors; the evaluator maps glyphs and keywords onto them through
//! the `MONADS`/`DYADS` tables each family exports.

use super::QResult;
use qipc::K;

pub mod atomic;
pub mod attr;
pub mod cast;
pub mod codes;
pub mod list;
pub mod matrix;
pub mod par;
pub mod random;
pub mod table;

/// A unary primitive (`neg x`, `count x`).
pub type Monad = fn(&K) -> QResult;
/// A binary primitive (`x+y`, `x div y`).
pub type Dyad = fn(&K, &K) -> QResult;

/// Extra binary codes for the two-character comparison glyphs (not sent by q, which
/// has no such primitives on the wire; they stay inside one process).
const EXTRA: [(&str, u8); 3] = [("<=", 0x60), (">=", 0x61), ("<>", 0x62)];

/// The glyph of a primitive code.
pub fn codes_glyph(code: u8) -> &'static str {
    if let Some(g) = codes::BINARY_GLYPHS.get(code as usize) {
        return g;
    }
    EXTRA.iter().find(|e| e.1 == code).map_or("?", |e| e.0)
}

/// The glyph of a primitive code, or None for a code no glyph has.
pub fn codes_glyph_checked(code: u8) -> Option<&'static str> {
    codes::BINARY_GLYPHS
        .get(code as usize)
        .copied()
        .or_else(|| EXTRA.iter().find(|e| e.1 == code).map(|e| e.0))
}

/// The primitive code of a glyph.
pub fn codes_code(glyph: &str) -> Option<u8> {
    codes::BINARY_GLYPHS
        .iter()
        .position(|g| *g == glyph)
        .map(|i| i as u8)
        .or_else(|| EXTRA.iter().find(|e| e.0 == glyph).map(|e| e.1))
}
