//! Atomic primitives: arithmetic, comparison and math, with type promotion.

use super::{Dyad, Monad};

pub const MONADS: &[(&str, Monad)] = &[];
pub const DYADS: &[(&str, Dyad)] = &[];
