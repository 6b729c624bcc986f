//! The `kxzipped` container q wraps compressed data files in (spec §6): the original
//! file's bytes cut into logical blocks, each compressed on its own, then a trailer
//! giving the block sizes and the algorithm each block actually used.
//!
//! Algorithms: 0 none, 1 q IPC compression, 2 gzip (zlib streams). Snappy, lz4hc and zstd
//! (3, 4, 5) and encrypted files (`kxzippEd`) answer `'nyi`.

use crate::lang::{QError, QResult};
use std::io::{Read, Write};

pub const MAGIC: &[u8; 8] = b"kxzipped";
const MAGIC_ENCRYPTED: &[u8; 8] = b"kxzippEd";
/// The first trailer word in every file q wrote (its meaning is not documented).
const TRAILER_WORD: i32 = 3;
/// Bytes of the fixed part of the trailer, before the per-block table.
const TRAILER_FIXED: usize = 32;
/// The largest logical block q accepts is 2^20; allow some room for other writers.
const MAX_BLOCK: u64 = 1 << 24;

/// Compression parameters: `lbs` is log2 of the logical block size (12..20), `alg` the
/// algorithm (0..5), `level` its level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    pub lbs: u8,
    pub alg: u8,
    pub level: u8,
}

/// What `-21!file` reports about a compressed file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stats {
    pub compressed: u64,
    pub uncompressed: u64,
    pub alg: u8,
    pub lbs: u8,
    pub level: u8,
}

fn corrupt() -> QError {
    QError::new("corrupt compressed file")
}

pub fn is_zipped(b: &[u8]) -> bool {
    b.starts_with(MAGIC)
}

/// The bytes of a data file as q would map them: decompressed when compressed.
pub fn unwrap(b: Vec<u8>) -> QResult<Vec<u8>> {
    if b.starts_with(MAGIC) {
        inflate(&b)
    } else if b.starts_with(MAGIC_ENCRYPTED) {
        Err(QError::nyi())
    } else {
        Ok(b)
    }
}

fn le_i32(b: &[u8], at: usize) -> QResult<i32> {
    let s = b.get(at..at + 4).ok_or_else(corrupt)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Ok(i32::from_le_bytes(a))
}

fn le_i64(b: &[u8], at: usize) -> QResult<i64> {
    let s = b.get(at..at + 8).ok_or_else(corrupt)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Ok(i64::from_le_bytes(a))
}

/// The parsed trailer: where it starts, the totals, and each block's (size, algorithm).
struct Trailer {
    at: usize,
    alg: u8,
    level: u8,
    ulen: u64,
    block: u64,
    blocks: Vec<(usize, u8)>,
}

fn trailer(b: &[u8]) -> QResult<Trailer> {
    if !b.starts_with(MAGIC) || b.len() < MAGIC.len() + TRAILER_FIXED + 8 {
        return Err(corrupt());
    }
    let n = le_i64(b, b.len() - 8)?;
    let n = usize::try_from(n).map_err(|_| corrupt())?;
    let table = n.checked_mul(8).ok_or_else(corrupt)?;
    let at = b
        .len()
        .checked_sub(TRAILER_FIXED + 8 + table)
        .ok_or_else(corrupt)?;
    if at < MAGIC.len() || le_i32(b, at)? != TRAILER_WORD || le_i64(b, at + 16)? != at as i64 {
        return Err(corrupt());
    }
    let alg = b[at + 4];
    let level = b[at + 5];
    let ulen = u64::try_from(le_i64(b, at + 8)?).map_err(|_| corrupt())?;
    let block = u64::try_from(le_i64(b, at + 24)?).map_err(|_| corrupt())?;
    if block == 0 || block > MAX_BLOCK {
        return Err(corrupt());
    }
    let mut blocks = Vec::with_capacity(n);
    let mut total = MAGIC.len();
    for i in 0..n {
        let size =
            usize::try_from(le_i32(b, at + TRAILER_FIXED + 8 * i)?).map_err(|_| corrupt())?;
        let balg = le_i32(b, at + TRAILER_FIXED + 8 * i + 4)?;
        let balg = u8::try_from(balg).map_err(|_| corrupt())?;
        total = total.checked_add(size).ok_or_else(corrupt)?;
        blocks.push((size, balg));
    }
    if total != at || (n as u64).checked_mul(block).is_none_or(|cap| cap < ulen) {
        return Err(corrupt());
    }
    Ok(Trailer {
        at,
        alg,
        level,
        ulen,
        block,
        blocks,
    })
}

/// `-21!`: the compression statistics of a `kxzipped` file's bytes.
pub fn stats(b: &[u8]) -> QResult<Stats> {
    let t = trailer(b)?;
    Ok(Stats {
        compressed: t.at as u64,
        uncompressed: t.ulen,
        alg: t.alg,
        lbs: t.block.trailing_zeros() as u8,
        level: t.level,
    })
}

/// Decompress a whole `kxzipped` file to the bytes of the original.
pub fn inflate(b: &[u8]) -> QResult<Vec<u8>> {
    let t = trailer(b)?;
    let mut out: Vec<u8> = Vec::new();
    let mut pos = MAGIC.len();
    let last = t.blocks.len().saturating_sub(1);
    for (i, &(size, alg)) in t.blocks.iter().enumerate() {
        let src = b.get(pos..pos + size).ok_or_else(corrupt)?;
        pos += size;
        // Every block but the last is exactly one logical block long.
        let want = if i == last {
            t.ulen
                .checked_sub(t.block * last as u64)
                .ok_or_else(corrupt)?
        } else {
            t.block
        } as usize;
        let start = out.len();
        out.try_reserve(want).map_err(|_| QError::new("wsfull"))?;
        match alg {
            0 => out.extend_from_slice(src),
            1 => {
                let plain =
                    qipc::compress::decompress(src, 8 + want as u64).map_err(|_| corrupt())?;
                out.extend_from_slice(plain.get(8..).ok_or_else(corrupt)?);
            }
            2 => {
                let mut d = flate2::read::ZlibDecoder::new(src).take(want as u64 + 1);
                d.read_to_end(&mut out).map_err(|_| corrupt())?;
            }
            3..=5 => return Err(QError::nyi()),
            _ => return Err(corrupt()),
        }
        if out.len() - start != want {
            return Err(corrupt());
        }
    }
    Ok(out)
}

/// Compress a file's bytes into a `kxzipped` container. A block that does not shrink is
/// stored as it is (algorithm 0), as q does.
pub fn deflate(plain: &[u8], p: Params) -> QResult<Vec<u8>> {
    if !(12..=20).contains(&p.lbs) {
        return Err(QError::new("disk compression - bad logicalBlockSize"));
    }
    match p.alg {
        0..=2 => {}
        3..=5 => return Err(QError::nyi()),
        _ => return Err(QError::new("disk compression - bad algorithm")),
    }
    let block = 1usize << p.lbs;
    let mut out = MAGIC.to_vec();
    let mut table: Vec<(i32, i32)> = Vec::new();
    for chunk in plain.chunks(block) {
        let packed = match p.alg {
            1 => {
                // A block is compressed as an IPC message: 8-byte header, then the bytes.
                let mut msg = Vec::with_capacity(chunk.len() + 8);
                msg.extend_from_slice(&[1, 0, 0, 0]);
                msg.extend_from_slice(&((chunk.len() + 8) as u32).to_le_bytes());
                msg.extend_from_slice(chunk);
                qipc::compress::compress_any(&msg)
            }
            2 => {
                let mut e = flate2::write::ZlibEncoder::new(
                    Vec::new(),
                    flate2::Compression::new(u32::from(p.level.min(9))),
                );
                e.write_all(chunk).map_err(|_| corrupt())?;
                Some(e.finish().map_err(|_| corrupt())?)
            }
            _ => None,
        };
        match packed {
            Some(z) if z.len() < chunk.len() => {
                table.push((z.len() as i32, i32::from(p.alg)));
                out.extend_from_slice(&z);
            }
            _ => {
                table.push((chunk.len() as i32, 0));
                out.extend_from_slice(chunk);
            }
        }
    }
    let at = out.len() as i64;
    out.extend_from_slice(&TRAILER_WORD.to_le_bytes());
    out.extend_from_slice(&[p.alg, p.level, 0, 0]);
    out.extend_from_slice(&(plain.len() as i64).to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&(block as i64).to_le_bytes());
    for (size, alg) in &table {
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&alg.to_le_bytes());
    }
    out.extend_from_slice(&(table.len() as i64).to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 7 + i / 4096) as u8).collect()
    }

    #[test]
    fn round_trip_every_algorithm() {
        let plain = sample(10_000);
        for alg in 0..=2 {
            let z = deflate(
                &plain,
                Params {
                    lbs: 12,
                    alg,
                    level: 6,
                },
            )
            .unwrap();
            assert!(is_zipped(&z));
            assert_eq!(inflate(&z).unwrap(), plain, "alg {alg}");
            let s = stats(&z).unwrap();
            assert_eq!((s.uncompressed, s.lbs, s.alg), (10_000, 12, alg));
        }
    }

    #[test]
    fn incompressible_blocks_are_stored() {
        let plain: Vec<u8> = (0..50u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let z = deflate(
            &plain,
            Params {
                lbs: 12,
                alg: 2,
                level: 9,
            },
        )
        .unwrap();
        assert_eq!(inflate(&z).unwrap(), plain);
    }

    #[test]
    fn damaged_containers_are_errors() {
        let plain = sample(9000);
        let z = deflate(
            &plain,
            Params {
                lbs: 12,
                alg: 2,
                level: 6,
            },
        )
        .unwrap();
        for cut in [9, 20, z.len() / 2, z.len() - 1] {
            assert!(inflate(&z[..cut]).is_err());
        }
        let mut bad = z.clone();
        bad[10] ^= 0xff;
        assert!(inflate(&bad).is_err());
        assert!(deflate(
            &plain,
            Params {
                lbs: 3,
                alg: 2,
                level: 6
            }
        )
        .is_err());
        assert_eq!(
            deflate(
                &plain,
                Params {
                    lbs: 17,
                    alg: 4,
                    level: 6
                }
            )
            .unwrap_err()
            .msg
            .as_ref(),
            "nyi"
        );
    }
}
