//! Fuzz target: `qipc::decode_message` on arbitrary bytes. Decoding must refuse or succeed
//! without panicking or allocating beyond what the input can justify; whatever decodes must
//! re-encode (with `-22!` agreeing on the size) and decode again to the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qipc::{decode_message, decode_message_with, encode_message, serialized_len, Limits};

fuzz_target!(|data: &[u8]| {
    // A tight limit set exercises the depth and size refusals; whatever passes them must
    // decode identically without them.
    let tight = Limits {
        max_depth: 4,
        max_message: 1 << 16,
    };
    let shallow = decode_message_with(data, &tight);
    let Ok((h, k)) = decode_message(data) else {
        assert!(
            shallow.is_err(),
            "tight limits accepted what defaults refused"
        );
        return;
    };
    if let Ok((_, s)) = shallow {
        assert_eq!(s, k, "limits changed the decoded value");
    }
    let again = encode_message(&k, h.msg_type, 6).expect("a decoded value re-encodes");
    assert_eq!(
        again.len() as u64,
        serialized_len(&k),
        "-22! disagrees with the encoder"
    );
    let (h2, back) = decode_message(&again).expect("a re-encoded value decodes");
    assert_eq!(h2.msg_type, h.msg_type);
    assert_eq!(back, k, "decode . encode is not the identity");
    // One re-encoding normalises byte order and count widths; after that bytes are stable.
    let third = encode_message(&back, h.msg_type, 6).expect("re-encodes");
    assert_eq!(third, again, "encoding is not byte-stable");
});
