//! List and structural primitives.

use super::{Dyad, Monad};

pub const MONADS: &[(&str, Monad)] = &[];
pub const DYADS: &[(&str, Dyad)] = &[];
