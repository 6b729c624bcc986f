//! Atomic primitives: arithmetic, comparison and math, with type promotion.
