//! The connection handshake: the client's `user:password` + capability + NUL hello and
//! the server's one-byte reply (the common capability). Both sides live here.

use crate::error::{Error, Result};

/// The highest capability qtick speaks: messages over 2 GB and vectors over 2^31 items.
pub const MAX_CAPABILITY: u8 = 6;

/// A hello longer than this without a NUL is refused (q sets no documented limit).
pub const DEFAULT_MAX_HELLO: usize = 4096;

/// What a client said in its hello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    pub user: Vec<u8>,
    pub password: Vec<u8>,
    /// The capability byte the client offered (0 when it sent none).
    pub capability: u8,
}

impl Hello {
    /// The byte the server replies with: `min(client, server_max)`.
    pub fn reply(&self, server_max: u8) -> u8 {
        self.capability.min(server_max)
    }
}

/// Parse a client hello from the start of `buf`. `Ok(None)` means more bytes are needed;
/// `Ok(Some((hello, used)))` gives the hello and how many bytes it took.
///
/// The capability byte is the byte before the first NUL when it is a control byte
/// (below 0x20; q's are 0..6). Capability 0 arrives as a second NUL (`user:pw\0\0`):
/// reading stops at the first NUL, the byte before it is then text, and an immediately
/// following NUL is consumed. Clients wait for the reply before sending messages, so a
/// NUL that is already buffered cannot belong to a message.
pub fn parse_hello(buf: &[u8], max_len: usize) -> Result<Option<(Hello, usize)>> {
    let nul = match buf.iter().position(|&b| b == 0) {
        Some(p) => p,
        None if buf.len() > max_len => return Err(Error::Limit("hello longer than allowed")),
        None => return Ok(None),
    };
    if nul > max_len {
        return Err(Error::Limit("hello longer than allowed"));
    }
    let body = &buf[..nul];
    let mut used = nul + 1;
    let (creds, capability) = match body.last() {
        Some(&c) if c < 0x20 => (&body[..body.len() - 1], c),
        _ => {
            if buf.get(nul + 1) == Some(&0) {
                used += 1;
            }
            (body, 0)
        }
    };
    let (user, password) = match creds.iter().position(|&b| b == b':') {
        Some(i) => (creds[..i].to_vec(), creds[i + 1..].to_vec()),
        None => (creds.to_vec(), Vec::new()),
    };
    Ok(Some((
        Hello {
            user,
            password,
            capability,
        },
        used,
    )))
}

/// The bytes a client sends: `user:password` (or just `user`), capability, NUL.
pub fn client_hello(user: &str, password: &str, capability: u8) -> Vec<u8> {
    let mut v = Vec::with_capacity(user.len() + password.len() + 3);
    v.extend_from_slice(user.as_bytes());
    if !password.is_empty() {
        v.push(b':');
        v.extend_from_slice(password.as_bytes());
    }
    v.push(capability);
    v.push(0);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let (h, n) = parse_hello(b"user:password\x03\x00", 64).unwrap().unwrap();
        assert_eq!(
            (h.user.as_slice(), h.password.as_slice(), h.capability, n),
            (&b"user"[..], &b"password"[..], 3, 15)
        );
        let (h, n) = parse_hello(b"\x06\x00", 64).unwrap().unwrap();
        assert_eq!((h.user.len(), h.capability, n), (0, 6, 2));
        let (h, _) = parse_hello(b"bob\x03\x00", 64).unwrap().unwrap();
        assert_eq!((h.user.as_slice(), h.password.len()), (&b"bob"[..], 0));
        let (h, n) = parse_hello(b"user:pw\x00\x00", 64).unwrap().unwrap();
        assert_eq!((h.capability, n, h.password.as_slice()), (0, 9, &b"pw"[..]));
        assert_eq!(h.reply(6), 0);
        assert!(parse_hello(b"user:pw", 64).unwrap().is_none());
        assert!(parse_hello(&[b'a'; 100], 64).is_err());
    }
}
