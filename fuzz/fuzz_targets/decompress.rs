//! Fuzz target: `qipc::compress::decompress` on arbitrary bytes with a 64 MB bound. Whatever
//! it accepts must have exactly the declared uncompressed size and a plain header stating
//! it; compressing that output again (when q's compressor takes it) must round-trip.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qipc::compress::{compress_any, decompress, decompress_into};

const MAX: u64 = 64 << 20;

/// The uncompressed size a compressed header declares (byte 2 = 1: 4 bytes at 8; 2: 8 bytes).
fn declared(msg: &[u8]) -> Option<u64> {
    let little = msg.first()? == &1;
    let field = match msg.get(2)? {
        1 => msg.get(8..12)?,
        2 => msg.get(8..16)?,
        _ => return None,
    };
    let mut w = [0u8; 8];
    if little {
        w[..field.len()].copy_from_slice(field);
        Some(u64::from_le_bytes(w))
    } else {
        w[8 - field.len()..].copy_from_slice(field);
        Some(u64::from_be_bytes(w))
    }
}

fn stated_len(msg: &[u8]) -> u64 {
    let w = [msg[4], msg[5], msg[6], msg[7]];
    let low = if msg[0] == 1 {
        u32::from_le_bytes(w)
    } else {
        u32::from_be_bytes(w)
    };
    (u64::from(msg[3]) << 32) | u64::from(low)
}

fuzz_target!(|data: &[u8]| {
    let result = decompress(data, MAX);
    // The reusable-buffer form must agree, whatever the buffer held before.
    let mut reused = vec![0xa5u8; 37];
    let again = decompress_into(data, MAX, &mut reused);
    assert_eq!(result.is_ok(), again.is_ok());
    let Ok(out) = result else {
        assert!(reused.is_empty(), "a refused input left output behind");
        return;
    };
    assert_eq!(out, reused);
    let want = declared(data).expect("an accepted input has a compressed header");
    assert_eq!(out.len() as u64, want, "output is not the declared size");
    assert!(want <= MAX);
    assert_eq!(&out[..2], &data[..2], "byte order or message type changed");
    assert_eq!(out[2], 0, "output still marked compressed");
    assert_eq!(
        stated_len(&out),
        want,
        "output header does not state its length"
    );
    if let Some(c) = compress_any(&out) {
        assert!(c.len() <= out.len() / 2);
        assert_eq!(
            decompress(&c, MAX).expect("own compression decompresses"),
            out
        );
    }
});
