//! Password files as q reads them for `-u`/`-U`: one `user:password` per line, the
//! password in plain text, as an MD5 hex digest, or (q 4.0+) as a SHA-1 hex digest.

use md5::{Digest, Md5};
use sha1::Sha1;
use std::collections::HashMap;

pub struct Users {
    entries: HashMap<Vec<u8>, Vec<u8>>,
}

fn hex(b: &[u8]) -> Vec<u8> {
    b.iter()
        .flat_map(|x| format!("{x:02x}").into_bytes())
        .collect()
}

impl Users {
    pub fn load(path: &str) -> std::io::Result<Users> {
        let text = std::fs::read(path)?;
        Ok(Users::parse(&text))
    }

    pub fn parse(text: &[u8]) -> Users {
        let mut entries = HashMap::new();
        for line in text.split(|&c| c == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let (u, p) = match line.iter().position(|&c| c == b':') {
                Some(i) => (&line[..i], &line[i + 1..]),
                None => (line, &b""[..]),
            };
            entries.insert(u.to_vec(), p.to_vec());
        }
        Users { entries }
    }

    /// True when the user is listed and the password matches in any of q's forms.
    pub fn check(&self, user: &[u8], password: &[u8]) -> bool {
        let Some(stored) = self.entries.get(user) else {
            return false;
        };
        if stored == password {
            return true;
        }
        let lower: Vec<u8> = stored.to_ascii_lowercase();
        (lower.len() == 32 && lower == hex(&Md5::digest(password)))
            || (lower.len() == 40 && lower == hex(&Sha1::digest(password)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        // md5("secret") = 5ebe2294ecd0e0f08eab7690d2a6ee69; sha1("pw") = 1a91d62f7ca67399625a4368a6ab5d4a3baa6073
        let u = Users::parse(b"alice:secret\nbob:5ebe2294ecd0e0f08eab7690d2a6ee69\ncarol:1a91d62f7ca67399625a4368a6ab5d4a3baa6073\n");
        assert!(u.check(b"alice", b"secret"));
        assert!(!u.check(b"alice", b"wrong"));
        assert!(u.check(b"bob", b"secret"));
        assert!(u.check(b"carol", b"pw"));
        assert!(!u.check(b"dave", b""));
    }
}
