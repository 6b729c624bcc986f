//! List and structural primitives.
