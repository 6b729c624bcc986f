//! The q language: parser, evaluator, primitives, qSQL and the console display.
//!
//! Values are `qipc::K` throughout (one value model for wire, interpreter and tables).
//! Errors are `QError` values; nothing here panics on user input.

pub mod ast;
pub mod builtins;
pub mod console;
pub mod display;
pub mod doth;
pub mod dotq;
pub mod error;
pub mod eval;
pub mod io;
pub mod iter;
pub mod lex;
pub mod literal;
pub mod parse;
pub mod pattern;
pub mod prims;
pub mod ptree;
pub mod sql;
#[cfg(test)]
pub(crate) mod testkit;
pub mod value;

pub use error::{QError, QResult};
