//! Codec errors. Each prints as the q error a q process would signal for the same
//! input (`badmsg`, `limit`, `type`, `nyi`); the detail is for logs.

use std::fmt;

/// Why a message could not be decoded or encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Malformed input: q's `'badmsg`.
    BadMsg(&'static str),
    /// Over a size limit: q's `'limit`.
    Limit(&'static str),
    /// A value the peer's capability cannot take, or an unsupported object: q's `'type`.
    Type(&'static str),
    /// A form that exists in q but is not handled here: q's `'nyi`.
    Nyi(&'static str),
}

impl Error {
    /// The q error text (`badmsg`, `limit`, `type`, `nyi`).
    pub fn q_text(&self) -> &'static str {
        match self {
            Error::BadMsg(_) => "badmsg",
            Error::Limit(_) => "limit",
            Error::Type(_) => "type",
            Error::Nyi(_) => "nyi",
        }
    }

    /// What exactly was wrong.
    pub fn detail(&self) -> &'static str {
        match self {
            Error::BadMsg(d) | Error::Limit(d) | Error::Type(d) | Error::Nyi(d) => d,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.q_text(), self.detail())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
