//! `qtick`: the kdb+tick stack in Rust.
//!
//! The library behind the `qtick` binary. The wire format lives in the `qipc` crate
//! (`protocol/`); this crate holds the processes built on it. See `../shared/DESIGN.md`
//! for the layout.

pub mod ipc_sweep;
pub mod journal;
pub mod lang;
pub mod server;
pub mod store;
pub mod tick;
pub use qipc;
