//! `qipc`: the kdb+ IPC wire format and nothing else.
//!
//! Owns the q data model shared by the whole of qtick ([`K`] and friends), the
//! serializer and deserializer for both byte orders, message framing (including the
//! capability-6 large-message header), q's IPC compression, the connection
//! handshake, and `-22!` size accounting. It knows nothing about evaluation,
//! sockets beyond a `tokio-util` codec, or files.

pub mod codec;
pub mod compress;
pub mod decode;
pub mod encode;
pub mod error;
pub mod frame;
pub mod handshake;
pub mod k;
pub mod sym;

pub use decode::{decode_message, decode_message_with, decode_payload, decode_prefix, Limits};
pub use encode::{encode_error, encode_message, encode_message_into, serialized_len, to_bytes};
pub use error::{Error, Result};
pub use frame::{Header, MsgType};
pub use k::*;
pub use sym::Sym;

/// `-18!x`: the async message bytes of `x`, compressed when q's size and ratio rules allow.
pub fn to_bytes_compressed(k: &K) -> Result<Vec<u8>> {
    let plain = to_bytes(k)?;
    Ok(compress::compress(&plain).unwrap_or(plain))
}

/// `-9!bytes`: decode a complete message (compressed or not) to its value.
pub fn from_bytes(msg: &[u8]) -> Result<K> {
    decode_message(msg).map(|(_, k)| k)
}
