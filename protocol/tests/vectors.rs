//! Conformance: every message in `../shared/vectors/ipc/` (bytes written by KX's c.java,
//! KX's C library and q itself) decodes, or is refused as KX's validator refused it;
//! little-endian ones re-encode byte-identically; big-endian ones decode to the value
//! of their little-endian twin; compressed ones decompress, and compressing the plain
//! form gives q's exact bytes.

use qipc::{compress, decode_message, encode_message, handshake, serialized_len, Header, K};
use serde_json::Value;
use std::collections::HashMap;

fn shared(file: &str) -> Vec<Value> {
    let path = format!(
        "{}/../../shared/vectors/ipc/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn cjava_vectors() {
    let recs = shared("vectors.jsonl");
    assert!(recs.len() >= 190, "expected the full vector set");
    let mut le_values: HashMap<String, K> = HashMap::new();
    let mut be: Vec<(String, K)> = Vec::new();
    let (mut checked, mut compressed) = (0, 0);
    for r in &recs {
        let id = r["id"].as_str().unwrap();
        let plain = unhex(r["uncompressed_hex"].as_str().unwrap());
        let (h, k) = decode_message(&plain).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(h.msg_type as u64, r["msg_type"].as_u64().unwrap(), "{id}");
        let little = r["endian"] == "little";
        assert_eq!(h.little, little, "{id}");
        if r["category"] == "error" {
            assert!(
                matches!(k, K::Error(_)),
                "{id}: expected an error object, got {k:?}"
            );
        } else {
            assert_eq!(
                serialized_len(&k),
                r["uncompressed_len"].as_u64().unwrap(),
                "{id}: -22!"
            );
        }
        if little {
            let again = encode_message(&k, h.msg_type, 6).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(hex(&again), hex(&plain), "{id}: re-encode");
            le_values.insert(id[3..].to_string(), k.clone());
        } else {
            be.push((id[3..].to_string(), k.clone()));
        }
        match r["compressed_hex"].as_str() {
            Some(c) => {
                let c = unhex(c);
                compressed += 1;
                assert_eq!(
                    compress::compress(&plain).map(|x| hex(&x)),
                    Some(hex(&c)),
                    "{id}: compress"
                );
                let (hc, kc) = decode_message(&c).unwrap_or_else(|e| panic!("{id}: {e}"));
                assert_eq!(hc.compressed, 1);
                assert_eq!(kc, k, "{id}: compressed form decodes to the same value");
            }
            None => assert!(
                compress::compress(&plain).is_none(),
                "{id}: q sends this uncompressed"
            ),
        }
        checked += 1;
    }
    let mut twins = 0;
    for (id, k) in &be {
        if let Some(lk) = le_values.get(id) {
            assert_eq!(k, lk, "be/{id} decodes to the value of le/{id}");
            twins += 1;
        }
    }
    assert_eq!(checked, recs.len());
    assert!(compressed >= 13, "compressed vectors checked: {compressed}");
    assert!(twins >= 10, "big-endian twins checked: {twins}");
}

#[test]
fn q_reference_messages() {
    let recs = shared("q_reference.jsonl");
    for r in &recs {
        let id = r["id"].as_str().unwrap();
        let msg = unhex(r["hex"].as_str().unwrap());
        let (h, k) = decode_message(&msg).unwrap_or_else(|e| panic!("{id}: {e}"));
        if h.compressed != 0 {
            let plain = compress::decompress(&msg, u64::MAX).unwrap();
            let again = encode_message(&k, h.msg_type, 6).unwrap();
            assert_eq!(hex(&again), hex(&plain), "{id}: re-encode of decompressed");
            assert_eq!(
                compress::compress(&plain).map(|c| hex(&c)),
                Some(hex(&msg)),
                "{id}: q's compressed bytes"
            );
        } else if !matches!(k, K::Error(_)) {
            let again = encode_message(&k, h.msg_type, 6).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(hex(&again), hex(&msg), "{id}: re-encode");
            assert_eq!(serialized_len(&k), msg.len() as u64, "{id}: -22!");
        }
    }
}

/// KX's verdicts: "accepted" messages decode (and re-encode identically when b9 did),
/// everything else is refused; none may panic.
#[test]
fn malformed_verdicts() {
    let recs = shared("malformed.jsonl");
    let (mut accepted, mut refused) = (0, 0);
    for r in &recs {
        let id = r["id"].as_str().unwrap();
        let verdict = r["kx_libe_verdict"].as_str().unwrap();
        let msg = unhex(r["hex"].as_str().unwrap());
        let got = decode_message(&msg);
        let accept = verdict.starts_with("accepted") || verdict.starts_with("d9 signals the error");
        if accept {
            let (h, k) = got.unwrap_or_else(|e| panic!("{id}: KX accepts, we refused: {e}"));
            if verdict.contains("re-serializes byte-identically") && h.little && h.compressed == 0 {
                let again = encode_message(&k, h.msg_type, 6).unwrap();
                assert_eq!(hex(&again), hex(&msg), "{id}: re-encode");
            }
            if verdict.starts_with("d9 signals") {
                assert!(matches!(k, K::Error(_)), "{id}");
            }
            accepted += 1;
        } else {
            assert!(
                got.is_err(),
                "{id}: KX refuses ({verdict}), we accepted {:?}",
                got.unwrap().1
            );
            refused += 1;
        }
    }
    assert!(
        accepted > 30 && refused > 30,
        "accepted {accepted}, refused {refused}"
    );
}

#[test]
fn handshake_records() {
    for r in shared("handshake.jsonl") {
        let id = r["id"].as_str().unwrap();
        let hello = unhex(r["client_hello_hex"].as_str().unwrap());
        if let Some(creds) = r["credentials"].as_str() {
            let (user, pass) = creds.split_once(':').unwrap_or((creds, ""));
            let mut want = handshake::client_hello(user, pass, 3);
            if creds.ends_with(':') {
                // c.java writes the colon even for an empty password.
                want = [creds.as_bytes(), &[3, 0]].concat();
            }
            assert_eq!(hex(&want), hex(&hello), "{id}");
        }
        let (h, used) = handshake::parse_hello(&hello, 4096).unwrap().unwrap();
        assert_eq!(used, hello.len(), "{id}: the whole hello is consumed");
        if let Some(reply) = r["server_reply_hex"].as_str() {
            // c.java's server caps at 3 and mis-reads capability 0 (spec §2.4); q answers
            // min(client, 6), so check the client's capability rather than c.java's reply.
            let offered = hello[hello.len() - 2];
            let expect = if offered < 0x20 && !id.ends_with("cap0") {
                offered
            } else {
                0
            };
            assert_eq!(h.capability, expect, "{id}");
            assert_eq!(h.reply(6), expect.min(6), "{id}");
            if !id.ends_with("cap0") {
                assert_eq!(
                    h.reply(3),
                    unhex(reply)[0],
                    "{id}: same answer as a capability-3 server"
                );
            }
        }
    }
}

#[test]
fn header_constant() {
    assert_eq!(Header::SIZE, 8);
}
