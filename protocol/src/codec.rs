//! A `tokio-util` codec that cuts a byte stream into whole IPC messages.
//!
//! Decoding yields each message's raw bytes (header included) so a server can hand them
//! to `.z.bm`, replay them to a journal, or decode them on its evaluation thread; the
//! encoder writes already-serialized bytes, so one encoding can be shared by many peers.

use crate::error::Error;
use crate::frame::{Header, MAX_MESSAGE};
use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// One framed message: its parsed header and all its bytes, header included.
#[derive(Clone, Debug)]
pub struct Frame {
    pub header: Header,
    pub bytes: BytesMut,
}

/// Frames messages; refuses headers that are malformed or declare more than `max_message`.
#[derive(Clone, Debug)]
pub struct FrameCodec {
    pub max_message: u64,
}

impl Default for FrameCodec {
    fn default() -> FrameCodec {
        FrameCodec {
            max_message: MAX_MESSAGE,
        }
    }
}

/// Room reserved ahead of a large message's bytes actually arriving: memory follows what
/// the peer really sends, not what its header claims.
const RESERVE_STEP: usize = 16 << 20;

impl Decoder for FrameCodec {
    type Item = Frame;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, std::io::Error> {
        if src.len() < Header::SIZE {
            return Ok(None);
        }
        let header = Header::parse(&src[..Header::SIZE]).map_err(invalid)?;
        if header.len > self.max_message {
            return Err(invalid(Error::Limit(
                "message larger than the configured maximum",
            )));
        }
        let len =
            usize::try_from(header.len).map_err(|_| invalid(Error::Limit("message too large")))?;
        if src.len() < len {
            let want = (len - src.len()).min(RESERVE_STEP);
            src.reserve(want);
            return Ok(None);
        }
        Ok(Some(Frame {
            header,
            bytes: src.split_to(len),
        }))
    }
}

impl Encoder<Bytes> for FrameCodec {
    type Error = std::io::Error;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), std::io::Error> {
        dst.extend_from_slice(&item);
        Ok(())
    }
}

impl Encoder<&[u8]> for FrameCodec {
    type Error = std::io::Error;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), std::io::Error> {
        dst.extend_from_slice(item);
        Ok(())
    }
}

fn invalid(e: Error) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_and_several_per_read() {
        let one = crate::encode::to_bytes(&crate::K::long(7)).unwrap();
        let mut stream: Vec<u8> = Vec::new();
        for _ in 0..3 {
            stream.extend_from_slice(&one);
        }
        let mut c = FrameCodec::default();
        let mut buf = BytesMut::new();
        let mut got = 0;
        for chunk in stream.chunks(5) {
            buf.extend_from_slice(chunk);
            while let Some(f) = c.decode(&mut buf).unwrap() {
                assert_eq!(&f.bytes[..], &one[..]);
                got += 1;
            }
        }
        assert_eq!(got, 3);
    }

    #[test]
    fn huge_header_is_not_allocated() {
        let mut c = FrameCodec {
            max_message: 1 << 20,
        };
        let mut buf = BytesMut::from(&[1u8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff][..]);
        assert!(c.decode(&mut buf).is_err());
        let mut c = FrameCodec::default();
        let mut buf = BytesMut::from(&[1u8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff][..]);
        assert!(c.decode(&mut buf).unwrap().is_none());
        assert!(buf.capacity() <= RESERVE_STEP + 64);
    }
}
