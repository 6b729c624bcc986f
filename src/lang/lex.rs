//! The q lexer: source text to tokens, with the whitespace facts q's grammar depends on
//! (`x -1` versus `x-1`, `x /c` comment versus `x/` over).
//!
//! Numbers are kept as their raw text here; `literal` turns runs of them into atoms and
//! vectors. Comments are dropped. System commands (`\l ...`) are handled by the console
//! before text reaches the lexer.

use super::error::{QError, QResult};

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// Raw numeric literal text (`42`, `-1.5e3`, `2000.01.01D12:00`, `0x0f`, `101b`, `0Nd`).
    Num(String),
    /// One or more symbols written together (`` `a`b ``); an empty name is the null symbol.
    Syms(Vec<Vec<u8>>),
    Str(Vec<u8>),
    Name(String),
    /// A primitive glyph, possibly with a trailing colon (`+`, `<=`, `#:`, `::`, `:`).
    Verb(String),
    /// `'` `/` `\` `':` `/:` `\:`
    Adverb(String),
    LParen,
    RParen,
    LBrack,
    RBrack,
    LBrace,
    RBrace,
    Semi,
}

/// A token with its position in the source and whether white space came before it.
#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub pos: usize,
    pub end: usize,
    pub space_before: bool,
}

const GLYPHS: &[u8] = b"+-*%!&|<>=~,^#_$?@.:";

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic()
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
}

/// Tokenize `src`. Newlines are treated as white space; statement splitting on lines is
/// the console's and script loader's job.
pub fn lex(src: &[u8]) -> QResult<Vec<Token>> {
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    let n = src.len();
    let mut space = true;
    while i < n {
        let c = src[i];
        if c == b' ' || c == b'\t' || c == b'\r' || c == b'\n' {
            space = true;
            i += 1;
            continue;
        }
        // A slash after white space (or at the start) begins a comment to end of line.
        if c == b'/' && (space || i == 0) {
            while i < n && src[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        let prev_noun = out.last().is_some_and(|t| ends_noun(&t.tok));
        let tok = match c {
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b'[' => {
                i += 1;
                Tok::LBrack
            }
            b']' => {
                i += 1;
                Tok::RBrack
            }
            b'{' => {
                i += 1;
                Tok::LBrace
            }
            b'}' => {
                i += 1;
                Tok::RBrace
            }
            b';' => {
                i += 1;
                Tok::Semi
            }
            b'"' => {
                let (s, j) = lex_string(src, i)?;
                i = j;
                Tok::Str(s)
            }
            b'`' => {
                let mut syms = Vec::new();
                while i < n && src[i] == b'`' {
                    i += 1;
                    let s = i;
                    if i < n && src[i] == b':' {
                        // file handles: `:path/to/file, `:host:port
                        while i < n && (is_name_char(src[i]) || b":/".contains(&src[i])) {
                            i += 1;
                        }
                    } else {
                        // After a colon inside a symbol (`` `c:/q/test.txt ``) slashes
                        // belong to it too.
                        let mut colon = false;
                        while i < n
                            && (is_name_char(src[i])
                                || (src[i] == b':'
                                    && i > s
                                    && (next_is_namey(src, i) || src.get(i + 1) == Some(&b'/')))
                                || (src[i] == b'/' && colon))
                        {
                            colon |= src[i] == b':';
                            i += 1;
                        }
                    }
                    syms.push(src[s..i].to_vec());
                }
                Tok::Syms(syms)
            }
            b'\'' => {
                i += 1;
                if i < n && src[i] == b':' {
                    i += 1;
                    Tok::Adverb("':".into())
                } else {
                    Tok::Adverb("'".into())
                }
            }
            b'/' | b'\\' => {
                i += 1;
                if i < n && src[i] == b':' {
                    i += 1;
                    Tok::Adverb(format!("{}:", c as char))
                } else {
                    Tok::Adverb((c as char).to_string())
                }
            }
            // File Text, File Binary and Dynamic Load: `0:` `1:` `2:` (not `0::`).
            b'0'..=b'2' if src.get(i + 1) == Some(&b':') && src.get(i + 2) != Some(&b':') => {
                i += 2;
                Tok::Name(String::from_utf8_lossy(&src[start..i]).into_owned())
            }
            b'0'..=b'9' => {
                i = scan_number(src, i);
                Tok::Num(String::from_utf8_lossy(&src[start..i]).into_owned())
            }
            b'.' if i + 1 < n && src[i + 1].is_ascii_digit() => {
                i = scan_number(src, i);
                Tok::Num(String::from_utf8_lossy(&src[start..i]).into_owned())
            }
            b'-' if i + 1 < n
                && (src[i + 1].is_ascii_digit()
                    || (src[i + 1] == b'.' && i + 2 < n && src[i + 2].is_ascii_digit()))
                && (!prev_noun || space) =>
            {
                // `-1` is a negative literal unless it directly follows a noun (`x-1`).
                i = scan_number(src, i + 1);
                Tok::Num(String::from_utf8_lossy(&src[start..i]).into_owned())
            }
            _ if is_name_start(c) || (c == b'.' && i + 1 < n && is_name_start(src[i + 1])) => {
                i += 1;
                while i < n && is_name_char(src[i]) {
                    i += 1;
                }
                // A name never ends with a dot (`a.` is `a` then `.`).
                while src[i - 1] == b'.' && i - 1 > start {
                    i -= 1;
                }
                Tok::Name(String::from_utf8_lossy(&src[start..i]).into_owned())
            }
            _ if GLYPHS.contains(&c) => {
                i += 1;
                let two = if i < n { Some(src[i]) } else { None };
                match (c, two) {
                    (b'<', Some(b'=')) | (b'>', Some(b'=')) | (b'<', Some(b'>')) => {
                        i += 1;
                        Tok::Verb(String::from_utf8_lossy(&src[start..i]).into_owned())
                    }
                    (_, Some(b':')) if !(i + 1 < n && src[i + 1] == b':' && c != b':') => {
                        // `+:` `#:` `::` (but in `a::b`-free contexts); `:` then `:` → `::`.
                        i += 1;
                        Tok::Verb(String::from_utf8_lossy(&src[start..i]).into_owned())
                    }
                    _ => Tok::Verb((c as char).to_string()),
                }
            }
            _ => return Err(QError::new(format!("char {}", c as char))),
        };
        out.push(Token {
            tok,
            pos: start,
            end: i,
            space_before: space,
        });
        space = false;
    }
    Ok(out)
}

/// Inside a symbol, a colon continues it only when a name character follows (`` `a:b ``
/// is rare; `` `a:1 `` must stay assignment-free, so digits end it).
fn next_is_namey(src: &[u8], i: usize) -> bool {
    src.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic())
}

/// True when a token ends a noun, so a following `-` is subtraction, not a sign.
pub fn ends_noun(t: &Tok) -> bool {
    matches!(
        t,
        Tok::Num(_)
            | Tok::Syms(_)
            | Tok::Str(_)
            | Tok::Name(_)
            | Tok::RParen
            | Tok::RBrack
            | Tok::RBrace
    )
}

/// Scan a numeric literal starting at `i`: digits, letters (type suffixes, `e`, `D`, `T`,
/// `x`), dots, colons, and a sign right after an exponent `e`.
fn scan_number(src: &[u8], mut i: usize) -> usize {
    let n = src.len();
    if src[i..].starts_with(b"0x") {
        i += 2;
        while i < n && src[i].is_ascii_hexdigit() {
            i += 1;
        }
        return i;
    }
    while i < n {
        let c = src[i];
        let digit_next = i + 1 < n && src[i + 1].is_ascii_digit();
        let part = c.is_ascii_alphanumeric()
            || c == b'.'
            || (c == b':' && digit_next)
            // a sign right after an exponent `e`
            || ((c == b'-' || c == b'+') && i > 0 && src[i - 1] == b'e' && digit_next);
        if !part {
            break;
        }
        i += 1;
    }
    i
}

fn lex_string(src: &[u8], mut i: usize) -> QResult<(Vec<u8>, usize)> {
    i += 1;
    let mut s = Vec::new();
    while i < src.len() {
        match src[i] {
            b'"' => return Ok((s, i + 1)),
            b'\\' if i + 1 < src.len() => {
                let e = src[i + 1];
                i += 2;
                match e {
                    b'n' => s.push(b'\n'),
                    b't' => s.push(b'\t'),
                    b'r' => s.push(b'\r'),
                    b'"' => s.push(b'"'),
                    b'\\' => s.push(b'\\'),
                    b'0'..=b'7' => {
                        let mut v = (e - b'0') as u32;
                        let mut k = 0;
                        while k < 2 && i < src.len() && (b'0'..=b'7').contains(&src[i]) {
                            v = v * 8 + (src[i] - b'0') as u32;
                            i += 1;
                            k += 1;
                        }
                        s.push(v as u8);
                    }
                    other => {
                        s.push(b'\\');
                        s.push(other);
                    }
                }
            }
            c => {
                s.push(c);
                i += 1;
            }
        }
    }
    Err(QError::new("\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s.as_bytes())
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn basics() {
        assert_eq!(
            toks("x-1"),
            vec![
                Tok::Name("x".into()),
                Tok::Verb("-".into()),
                Tok::Num("1".into())
            ]
        );
        assert_eq!(
            toks("x -1"),
            vec![Tok::Name("x".into()), Tok::Num("-1".into())]
        );
        assert_eq!(
            toks("2 -1"),
            vec![Tok::Num("2".into()), Tok::Num("-1".into())]
        );
        assert_eq!(
            toks("a:1 / note"),
            vec![
                Tok::Name("a".into()),
                Tok::Verb(":".into()),
                Tok::Num("1".into())
            ]
        );
        assert_eq!(
            toks("+/x"),
            vec![
                Tok::Verb("+".into()),
                Tok::Adverb("/".into()),
                Tok::Name("x".into())
            ]
        );
        assert_eq!(
            toks("`a`b`"),
            vec![Tok::Syms(vec![b"a".to_vec(), b"b".to_vec(), vec![]])]
        );
        assert_eq!(toks(".u.upd"), vec![Tok::Name(".u.upd".into())]);
        assert_eq!(
            toks("a+:1"),
            vec![
                Tok::Name("a".into()),
                Tok::Verb("+:".into()),
                Tok::Num("1".into())
            ]
        );
        assert_eq!(
            toks("a::1"),
            vec![
                Tok::Name("a".into()),
                Tok::Verb("::".into()),
                Tok::Num("1".into())
            ]
        );
        assert_eq!(
            toks("2000.01.01D12:30:00.5"),
            vec![Tok::Num("2000.01.01D12:30:00.5".into())]
        );
        assert_eq!(toks("1e-3"), vec![Tok::Num("1e-3".into())]);
        assert_eq!(toks("\"a\\\"b\""), vec![Tok::Str(b"a\"b".to_vec())]);
        assert_eq!(toks("`:db/t"), vec![Tok::Syms(vec![b":db/t".to_vec()])]);
        assert_eq!(
            toks("f':"),
            vec![Tok::Name("f".into()), Tok::Adverb("':".into())]
        );
    }
}
