//! Console display of q values (filled in by the display work).
