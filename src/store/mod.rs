//! On-disk kdb+ data, byte-compatible with what q writes (`../shared/spec/hdb-format.md`).
//!
//! Owns the layouts of one data file ([`file`]: serialized `ff01` objects, mappable `fe20`
//! vectors, `fd20` enumerations and anymaps, pre-3.6 32-bit enumerations), the
//! `kxzipped` container ([`zip`]), and whole tables on disk ([`splay`]: splayed
//! directories, enumeration domains, partitioned and segmented databases). It never
//! evaluates q and holds no interpreter state: callers hand it paths and values, and get
//! values or q errors back. Everything read is hostile until parsed: counts are checked
//! against the bytes present, and a malformed file is an error, never a panic.

pub mod file;
pub mod splay;
pub mod zip;

#[cfg(test)]
mod fixtures;

use crate::lang::QError;
use std::path::Path;

/// The error q reports when the operating system refuses a file operation.
pub fn os_error(path: &Path, e: &std::io::Error) -> QError {
    let why = match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
        _ => {
            let s = e.to_string();
            // Drop Rust's " (os error N)" tail; q prints the C library's text only.
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    };
    QError::new(format!("{}. OS reports: {}", path.display(), why))
}

/// Read a whole file, with q's error text on failure.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, QError> {
    std::fs::read(path).map_err(|e| os_error(path, &e))
}

/// Write a whole file, creating missing parent directories as q does.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), QError> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| os_error(dir, &e))?;
        }
    }
    std::fs::write(path, bytes).map_err(|e| os_error(path, &e))
}
