//! Message framing: the 8-byte header that starts every IPC message.
//!
//! Byte 0 is the byte order of the whole message, byte 1 the message type, byte 2 the
//! compression mode, byte 3 bits 32..39 of the length (capability 6), bytes 4..8 the low
//! 32 bits of the total length, header included.

use crate::error::{Error, Result};

/// Header byte 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MsgType {
    Async = 0,
    Sync = 1,
    Response = 2,
}

impl MsgType {
    pub fn from_byte(b: u8) -> Option<MsgType> {
        match b {
            0 => Some(MsgType::Async),
            1 => Some(MsgType::Sync),
            2 => Some(MsgType::Response),
            _ => None,
        }
    }
}

/// A parsed message header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Byte 0 == 1: every number in the message is little-endian.
    pub little: bool,
    pub msg_type: MsgType,
    /// Byte 2: 0 plain, 1 compressed, 2 compressed with a 64-bit uncompressed length.
    pub compressed: u8,
    /// Total message length including the header (up to 2^40 - 1).
    pub len: u64,
}

/// Largest total length the header can express (1 TB less one byte).
pub const MAX_MESSAGE: u64 = (1 << 40) - 1;

impl Header {
    pub const SIZE: usize = 8;

    /// Parse and check the first 8 bytes of a message.
    pub fn parse(b: &[u8]) -> Result<Header> {
        if b.len() < Header::SIZE {
            return Err(Error::BadMsg("header shorter than 8 bytes"));
        }
        let little = match b[0] {
            0 => false,
            1 => true,
            _ => return Err(Error::BadMsg("byte order byte is not 0 or 1")),
        };
        let msg_type =
            MsgType::from_byte(b[1]).ok_or(Error::BadMsg("message type is not 0, 1 or 2"))?;
        if b[2] > 2 {
            return Err(Error::BadMsg("compression byte is not 0, 1 or 2"));
        }
        let low = [b[4], b[5], b[6], b[7]];
        let low = if little {
            u32::from_le_bytes(low)
        } else {
            u32::from_be_bytes(low)
        };
        let len = ((b[3] as u64) << 32) | low as u64;
        if len < Header::SIZE as u64 + 1 {
            return Err(Error::BadMsg("length field below 9"));
        }
        Ok(Header {
            little,
            msg_type,
            compressed: b[2],
            len,
        })
    }

    /// The 8 header bytes.
    pub fn to_bytes(&self) -> [u8; 8] {
        let low = self.len as u32;
        let l = if self.little {
            low.to_le_bytes()
        } else {
            low.to_be_bytes()
        };
        [
            self.little as u8,
            self.msg_type as u8,
            self.compressed,
            (self.len >> 32) as u8,
            l[0],
            l[1],
            l[2],
            l[3],
        ]
    }
}

/// Write a little-endian header for a plain message of `len` total bytes into `out[0..8]`.
pub fn write_header(out: &mut [u8], msg_type: MsgType, len: u64) {
    let h = Header {
        little: true,
        msg_type,
        compressed: 0,
        len,
    };
    out[..8].copy_from_slice(&h.to_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_header_uses_byte_3() {
        let h = Header {
            little: true,
            msg_type: MsgType::Async,
            compressed: 0,
            len: (1u64 << 32) + 23,
        };
        assert_eq!(h.to_bytes(), [1, 0, 0, 1, 0x17, 0, 0, 0]);
        assert_eq!(Header::parse(&h.to_bytes()).unwrap(), h);
    }

    #[test]
    fn unsigned_32_bit_length() {
        let h = Header::parse(&[1, 0, 0, 0, 0x1a, 0x18, 0x0d, 0x8f]).unwrap();
        assert_eq!(h.len, 2_400_000_026);
    }

    #[test]
    fn refusals() {
        assert!(Header::parse(&[2, 0, 0, 0, 13, 0, 0, 0]).is_err());
        assert!(Header::parse(&[1, 3, 0, 0, 13, 0, 0, 0]).is_err());
        assert!(Header::parse(&[1, 0, 3, 0, 13, 0, 0, 0]).is_err());
        assert!(Header::parse(&[1, 0, 0, 0, 8, 0, 0, 0]).is_err());
        assert!(Header::parse(&[1, 0, 0, 0]).is_err());
    }
}
