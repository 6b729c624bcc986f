//! q errors as values: `QError` carries the text q signals (`type`, `length`, a user's
//! `'foo`), and prints the way the console shows it, with a leading quote.

use std::fmt;
use std::sync::Arc;

/// A signalled q error. `msg` is the text without the quote (`"type"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QError {
    pub msg: Arc<str>,
    /// Byte offset in the source where a parse error was found, for the console's caret.
    pub pos: Option<usize>,
}

/// The result of evaluating q.
pub type QResult<T = qipc::K> = Result<T, QError>;

impl QError {
    pub fn new(msg: impl Into<Arc<str>>) -> QError {
        QError {
            msg: msg.into(),
            pos: None,
        }
    }
    pub fn type_() -> QError {
        QError::new("type")
    }
    pub fn length() -> QError {
        QError::new("length")
    }
    pub fn rank() -> QError {
        QError::new("rank")
    }
    pub fn domain() -> QError {
        QError::new("domain")
    }
    pub fn index() -> QError {
        QError::new("index")
    }
    pub fn nyi() -> QError {
        QError::new("nyi")
    }
    pub fn limit() -> QError {
        QError::new("limit")
    }
    pub fn mismatch() -> QError {
        QError::new("mismatch")
    }
    pub fn at(mut self, pos: usize) -> QError {
        self.pos = Some(pos);
        self
    }
    pub fn parse() -> QError {
        QError::new("parse")
    }
}

impl fmt::Display for QError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}", self.msg)
    }
}

impl std::error::Error for QError {}

impl From<qipc::Error> for QError {
    fn from(e: qipc::Error) -> QError {
        QError::new(e.q_text())
    }
}
