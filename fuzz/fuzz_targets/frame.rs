//! Fuzz target: `qipc::codec::FrameCodec` fed a byte stream in arbitrary pieces. Input:
//! byte 0 picks the size limit (two high bits) and one piece size, byte 1 the other piece
//! size, the rest is the stream. Cutting the stream differently must never change the frames or
//! where the codec gives up, and every frame must be one whole message as its header says.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use qipc::codec::FrameCodec;
use qipc::frame::MAX_MESSAGE;
use qipc::Header;
use tokio_util::codec::Decoder;

/// The frames cut from `stream` fed in pieces of the given sizes (cycled), whether the
/// codec refused the stream, and the bytes left buffered.
fn run(stream: &[u8], max: u64, pieces: &[usize]) -> (Vec<Vec<u8>>, bool, Vec<u8>) {
    let mut codec = FrameCodec { max_message: max };
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < stream.len() {
        let n = pieces[i % pieces.len()].min(stream.len() - pos);
        i += 1;
        buf.extend_from_slice(&stream[pos..pos + n]);
        pos += n;
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(f)) => {
                    assert_eq!(
                        f.header.len,
                        f.bytes.len() as u64,
                        "frame is not its header's size"
                    );
                    assert!(f.header.len <= max);
                    assert_eq!(Header::parse(&f.bytes).ok(), Some(f.header));
                    frames.push(f.bytes.to_vec());
                }
                Ok(None) => break,
                Err(_) => return (frames, true, buf.to_vec()),
            }
        }
    }
    (frames, false, buf.to_vec())
}

fuzz_target!(|data: &[u8]| {
    let [a, b, stream @ ..] = data else {
        return;
    };
    // The server's default limit makes the codec reserve 16 MB ahead for any large header,
    // which costs far more per input than the framing logic; smaller limits reach the
    // same code with smaller reservations.
    let max = match a >> 6 {
        0 => 1 << 12,
        1 => 1 << 16,
        2 => 1 << 20,
        _ => MAX_MESSAGE,
    };
    let pieces = [usize::from(a & 0x3f) + 1, usize::from(*b) + 1];

    let (whole, whole_err, whole_left) = run(stream, max, &[stream.len().max(1)]);
    let (cut, cut_err, cut_left) = run(stream, max, &pieces);
    assert_eq!(whole, cut, "frames depend on how the stream was cut");
    assert_eq!(
        whole_err, cut_err,
        "refusal depends on how the stream was cut"
    );
    if !whole_err {
        assert_eq!(whole_left, cut_left);
        let mut joined = whole.concat();
        joined.extend_from_slice(&whole_left);
        assert_eq!(joined, stream, "frames and leftover are not the stream");
    }
    for f in &whole {
        let _ = qipc::decode_message(f);
    }
});
