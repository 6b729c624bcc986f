//! Fuzz target: `qipc::handshake::parse_hello`. Input: byte 0 picks the length limit,
//! byte 1 the size of the pieces the hello arrives in, the rest is what the client sent.
//! Parsing the pieces as a server would (retrying as bytes arrive) must reach the same
//! verdict and the same hello as parsing everything at once.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qipc::handshake::{parse_hello, Hello, MAX_CAPABILITY};

type Verdict = Option<Result<(Hello, usize), ()>>;

fn once(buf: &[u8], max: usize) -> Verdict {
    match parse_hello(buf, max) {
        Ok(None) => None,
        Ok(Some(h)) => Some(Ok(h)),
        Err(_) => Some(Err(())),
    }
}

fn check(buf: &[u8], v: &Verdict) {
    if let Some(Ok((h, used))) = v {
        let nul = buf
            .iter()
            .position(|&b| b == 0)
            .expect("a complete hello has a NUL");
        assert!(*used == nul + 1 || (*used == nul + 2 && buf[nul + 1] == 0));
        assert!(h.user.len() + h.password.len() <= nul);
        assert!(!h.user.contains(&b':'));
        assert!(h.reply(MAX_CAPABILITY) <= MAX_CAPABILITY);
    }
}

fuzz_target!(|data: &[u8]| {
    let [limit, piece, hello @ ..] = data else {
        return;
    };
    let max = usize::from(*limit) * 4;
    let piece = usize::from(*piece) + 1;

    let whole = once(hello, max);
    check(hello, &whole);

    let mut got: Verdict = None;
    let mut have = 0;
    while have < hello.len() {
        have = (have + piece).min(hello.len());
        got = once(&hello[..have], max);
        check(&hello[..have], &got);
        if got.is_some() {
            break;
        }
    }
    match (&whole, &got) {
        (None, None) | (Some(Err(())), Some(Err(()))) => {}
        (Some(Ok((a, n))), Some(Ok((b, m)))) => {
            assert_eq!(a, b, "the hello depends on how it was split");
            // Only a capability-0 hello's second NUL may be cut off by the split.
            assert!(*m == *n || *m + 1 == *n, "used {m} in pieces, {n} at once");
        }
        _ => panic!("verdict depends on how the hello was split: {whole:?} vs {got:?}"),
    }
});
