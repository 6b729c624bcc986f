//! Where one serialized object ends, without building it.
//!
//! A tick log has no lengths or separators: the only way to find the end of a chunk is
//! to walk its structure. This walker reads just enough of each object (type bytes,
//! counts, symbol terminators) to find its end, so a reader can tell "the chunk needs
//! more bytes than I have buffered" from "the chunk can never be valid" before it
//! allocates anything. Full validation of a found chunk is `qipc::decode_payload`.

/// Why a walk stopped before finding the end of the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The bytes run out before the object ends, but more may follow (buffer too short).
    Short,
    /// The object cannot be valid: an unknown type, or it claims more bytes than exist.
    Bad,
}

/// Deepest nesting walked, the same bound the decoder applies.
const MAX_DEPTH: u32 = 512;

/// The offset just past the object starting at `buf[0]`. `limit` is how many bytes exist
/// from `buf[0]` to the end of the source (at least `buf.len()`; `u64::MAX` when unknown),
/// so a count that cannot fit in the source is `Bad` at once rather than `Short`.
pub fn object_end(buf: &[u8], limit: u64) -> Result<usize, Stop> {
    let mut w = Walker {
        buf,
        pos: 0,
        limit: limit.max(buf.len() as u64),
        depth: 0,
    };
    w.object()?;
    Ok(w.pos)
}

struct Walker<'a> {
    buf: &'a [u8],
    pos: usize,
    limit: u64,
    depth: u32,
}

/// Bytes per item of vector type `t` (symbols: 0, variable); None for codes that are
/// not vector types.
fn width(t: u8) -> Option<usize> {
    Some(match t {
        1 | 4 | 10 => 1,
        2 => 16,
        5 => 2,
        6 | 8 | 13 | 14 | 17 | 18 | 19 => 4,
        7 | 9 | 12 | 15 | 16 => 8,
        11 => 0,
        _ => return None,
    })
}

impl Walker<'_> {
    /// Move past `n` more bytes.
    fn skip(&mut self, n: u64) -> Result<(), Stop> {
        let end = (self.pos as u64).checked_add(n).ok_or(Stop::Bad)?;
        if end > self.limit {
            return Err(Stop::Bad);
        }
        if end > self.buf.len() as u64 {
            return Err(Stop::Short);
        }
        self.pos = end as usize;
        Ok(())
    }

    /// Running out of buffer is only `Bad` when the buffer already reaches the limit.
    fn short(&self) -> Stop {
        if self.buf.len() as u64 >= self.limit {
            Stop::Bad
        } else {
            Stop::Short
        }
    }

    fn u8(&mut self) -> Result<u8, Stop> {
        let b = *self.buf.get(self.pos).ok_or_else(|| self.short())?;
        self.pos += 1;
        Ok(b)
    }

    fn u32(&mut self) -> Result<u32, Stop> {
        let s = self
            .buf
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.short())?;
        let mut a = [0u8; 4];
        a.copy_from_slice(s);
        self.pos += 4;
        Ok(u32::from_le_bytes(a))
    }

    fn u64(&mut self) -> Result<u64, Stop> {
        let s = self
            .buf
            .get(self.pos..self.pos + 8)
            .ok_or_else(|| self.short())?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        self.pos += 8;
        Ok(u64::from_le_bytes(a))
    }

    /// Past the next NUL.
    fn cstr(&mut self) -> Result<(), Stop> {
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        match memchr0(rest) {
            Some(n) => {
                self.pos += n + 1;
                Ok(())
            }
            None => Err(self.short()),
        }
    }

    /// Attribute byte and count; the count's width follows the attribute's top bit, as
    /// the decoder reads it.
    fn attr_count(&mut self) -> Result<u64, Stop> {
        let a = self.u8()?;
        if a & 0x7f > 4 {
            return Err(Stop::Bad);
        }
        if a & 0x80 != 0 {
            self.u64()
        } else {
            self.u32().map(u64::from)
        }
    }

    /// Refuse `n` items of at least `min` bytes each that cannot fit before the limit.
    fn fits(&self, n: u64, min: u64) -> Result<(), Stop> {
        match n.checked_mul(min) {
            Some(need) if need <= self.limit - self.pos as u64 => Ok(()),
            _ => Err(Stop::Bad),
        }
    }

    fn nested(&mut self, n: u64) -> Result<(), Stop> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Stop::Bad);
        }
        for _ in 0..n {
            self.object()?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn object(&mut self) -> Result<(), Stop> {
        let t = self.u8()?;
        match t as i8 {
            -11 => self.cstr(),
            -19..=-1 => match width(t.wrapping_neg()) {
                Some(w) => self.skip(w as u64),
                None => Err(Stop::Bad),
            },
            0 => {
                let n = self.attr_count()?;
                self.fits(n, 2)?;
                self.nested(n)
            }
            11 => {
                let n = self.attr_count()?;
                self.fits(n, 1)?;
                for _ in 0..n {
                    self.cstr()?;
                }
                Ok(())
            }
            1..=19 => {
                let w = width(t).ok_or(Stop::Bad)?;
                let n = self.attr_count()?;
                self.skip(n.checked_mul(w as u64).ok_or(Stop::Bad)?)
            }
            98 => {
                self.u8()?;
                if self.u8()? != 99 {
                    return Err(Stop::Bad);
                }
                self.nested(2)
            }
            99 | 127 => self.nested(2),
            100 => {
                self.cstr()?;
                if self.u8()? != 10 {
                    return Err(Stop::Bad);
                }
                let n = self.attr_count()?;
                self.skip(n)
            }
            101..=103 => self.skip(1),
            104 | 105 => {
                let n = u64::from(self.u32()?);
                if n == 0 {
                    return Err(Stop::Bad);
                }
                self.fits(n, 2)?;
                self.nested(n)
            }
            106..=111 => self.nested(1),
            _ => Err(Stop::Bad),
        }
    }
}

fn memchr0(b: &[u8]) -> Option<usize> {
    b.iter().position(|&x| x == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qipc::K;

    fn body(k: &K) -> Vec<u8> {
        // The message header is 8 bytes; a chunk is what follows it.
        qipc::to_bytes(k)
            .map(|b| b[8..].to_vec())
            .unwrap_or_default()
    }

    fn samples() -> Vec<K> {
        vec![
            K::long(7),
            K::sym("abc"),
            K::syms(["a", "bb", ""]),
            K::floats(vec![1.0, 2.5]),
            K::list(vec![
                K::sym("upd"),
                K::sym("trade"),
                K::list(vec![K::longs(vec![1, 2]), K::syms(["x", "y"])]),
            ]),
            K::table(
                vec![qipc::Sym::from_text("a"), qipc::Sym::from_text("b")],
                vec![K::longs(vec![1, 2]), K::string("xy")],
            ),
            K::dict(K::syms(["k"]), K::list(vec![K::string("v")])),
            K::lambda("{x+y}"),
            K::list(vec![]),
        ]
    }

    #[test]
    fn finds_the_end_of_every_sample() {
        for k in samples() {
            let b = body(&k);
            assert_eq!(object_end(&b, b.len() as u64), Ok(b.len()), "{k:?}");
            let mut more = b.clone();
            more.extend_from_slice(&[0xaa; 5]);
            assert_eq!(object_end(&more, more.len() as u64), Ok(b.len()), "{k:?}");
        }
    }

    #[test]
    fn every_proper_prefix_is_short_or_bad() {
        for k in samples() {
            let b = body(&k);
            for cut in 0..b.len() {
                // More bytes exist in the source: the walk must ask for them.
                assert_eq!(
                    object_end(&b[..cut], u64::MAX),
                    Err(Stop::Short),
                    "{k:?} at {cut}"
                );
                // The source ends here: the object is a bad tail.
                assert_eq!(
                    object_end(&b[..cut], cut as u64),
                    Err(Stop::Bad),
                    "{k:?} at {cut}"
                );
            }
        }
    }

    #[test]
    fn impossible_counts_are_bad_at_once() {
        // A long vector claiming 2^31 items in a 20-byte source.
        let b = [7u8, 0, 0, 0, 0, 0x80];
        assert_eq!(object_end(&b, 20), Err(Stop::Bad));
        assert_eq!(object_end(&[0x55], 10), Err(Stop::Bad));
        assert_eq!(object_end(&[0x80, b'x', 0], 10), Err(Stop::Bad));
    }
}
