//! Primitive functions on q values, grouped by family. Each takes and returns `K`
//! and signals q's errors; the evaluator maps glyphs and keywords onto them.

pub mod atomic;
pub mod list;
