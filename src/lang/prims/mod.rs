//! Primitive functions on q values, grouped by family. Each takes and returns `K`
//! and signals q's errors; the evaluator maps glyphs and keywords onto them through
//! the `MONADS`/`DYADS` tables each family exports.

use super::QResult;
use qipc::K;

pub mod atomic;
pub mod list;
pub mod table;

/// A unary primitive (`neg x`, `count x`).
pub type Monad = fn(&K) -> QResult;
/// A binary primitive (`x+y`, `x div y`).
pub type Dyad = fn(&K, &K) -> QResult;
