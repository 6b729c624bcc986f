//! HTTP on the q port, as q serves it: a connection whose first bytes are an HTTP request
//! line instead of a hello gets one response and is closed. `GET` goes to `.z.ph` when
//! it is defined (its result string is sent as it is, headers included); otherwise
//! `GET /?expr` evaluates `expr` and answers an HTML page, and a path ending `.csv`,
//! `.txt` or `.json` (`GET /t.csv?select from t`) answers that format. `POST` goes to
//! `.z.pp`, and is refused without it.

use super::{Event, Hub};
use crate::lang::display;
use crate::lang::eval::Interp;
use crate::lang::value::items;
use bytes::BytesMut;
use qipc::{Scalar, Sym, Ty, K};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::oneshot;

/// Request head size we accept (q's own limit is not documented).
const MAX_HEAD: usize = 64 << 10;
/// Largest POST body accepted.
const MAX_BODY: usize = 16 << 20;

/// One request handed to the evaluation thread.
pub struct Request {
    pub method: String,
    /// The target without its leading `/`, percent-decoded (`?1+1`, `t.csv?select from t`).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub reply: oneshot::Sender<Vec<u8>>,
}

/// Whether the connection opened with an HTTP request line rather than a hello.
pub fn looks_like_http(buf: &[u8]) -> bool {
    buf.starts_with(b"GET /") || buf.starts_with(b"POST /")
}

/// Read one request, let the evaluation thread answer it, write the answer, close.
pub async fn serve<R, W>(
    hub: Arc<Hub>,
    mut rd: R,
    mut wr: W,
    mut buf: BytesMut,
    _peer: super::conn::Peer,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let head_end = loop {
        if let Some(p) = find(&buf, b"\r\n\r\n") {
            break p;
        }
        if buf.len() > MAX_HEAD {
            let _ = wr
                .write_all(&status(431, "Request Header Fields Too Large"))
                .await;
            let _ = wr.shutdown().await;
            return;
        }
        match rd.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or("");
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let raw_target = parts.next().unwrap_or("/");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if len > MAX_BODY {
        let _ = wr.write_all(&status(413, "Payload Too Large")).await;
        let _ = wr.shutdown().await;
        return;
    }
    let _ = buf.split_to(head_end + 4);
    while buf.len() < len {
        match rd.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
    let body = buf[..len].to_vec();
    let target = percent_decode(raw_target.strip_prefix('/').unwrap_or(raw_target));
    let (reply, rx) = oneshot::channel();
    hub.post(Event::Http(Request {
        method,
        target,
        headers,
        body,
        reply,
    }));
    if let Ok(bytes) = rx.await {
        let _ = wr.write_all(&bytes).await;
    }
    let _ = wr.shutdown().await;
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `%xx` escapes decoded; `+` stays `+` (it is q's plus, as q's own `.h.uh` leaves it).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                // Two hex digits make at most 255.
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn response(code: u16, reason: &str, ctype: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

fn status(code: u16, reason: &str) -> Vec<u8> {
    response(code, reason, "text/plain", reason.as_bytes())
}

/// Answer a request on the evaluation thread.
pub fn answer(it: &mut Interp, hub: &Arc<Hub>, req: Request) {
    let Request {
        method,
        target,
        headers,
        body,
        reply,
    } = req;
    let hdict = K::dict(
        K::syms(headers.iter().map(|(k, _)| Sym::from_text(k))),
        K::list(
            headers
                .iter()
                .map(|(_, v)| K::string(v.as_bytes()))
                .collect(),
        ),
    );
    let hook_name = if method == "POST" { ".z.pp" } else { ".z.ph" };
    let out = if let Some(f) = it.globals.get(&Sym::from_text(hook_name)).cloned() {
        let arg = if method == "POST" {
            let mut t = target.into_bytes();
            t.push(b' ');
            t.extend_from_slice(&body);
            K::string(t)
        } else {
            K::string(target.into_bytes())
        };
        match crate::lang::builtins::q(it.apply(&f, vec![K::list(vec![arg, hdict])])) {
            Ok(k) => match k.as_string() {
                Some(s) => s.to_vec(),
                None => status(500, "Internal Server Error"),
            },
            Err(e) => response(
                400,
                "Bad Request",
                "text/plain",
                format!("'{}", e.msg).as_bytes(),
            ),
        }
    } else if method == "GET" {
        default_get(it, &target)
    } else {
        status(501, "Not Implemented")
    };
    let _ = hub;
    let _ = reply.send(out);
}

/// q's default page for `GET`: the path's extension picks the format, the query is the
/// expression.
fn default_get(it: &mut Interp, target: &str) -> Vec<u8> {
    let (path, expr) = match target.split_once('?') {
        Some((p, e)) => (p, e),
        None => (target, "tables[]"),
    };
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let value = match it.eval_str(expr) {
        Ok(v) => v,
        Err(e) => {
            return response(
                400,
                "Bad Request",
                "text/plain",
                format!("'{}", e.msg).as_bytes(),
            )
        }
    };
    match ext {
        "txt" => {
            let t = display::console(&value, &it.opts);
            response(200, "OK", "text/plain", t.as_bytes())
        }
        "csv" => response(
            200,
            "OK",
            "text/comma-separated-values",
            csv(&value, it).as_bytes(),
        ),
        "json" => {
            let mut s = String::new();
            json(&value, it, &mut s);
            response(200, "OK", "application/json", s.as_bytes())
        }
        _ => {
            let t = display::console(&value, &it.opts);
            let page = format!(
                "<html><head><title>q</title></head><body><pre>{}</pre></body></html>",
                html_escape(&t)
            );
            response(200, "OK", "text/html", page.as_bytes())
        }
    }
}

fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

/// A table as CSV (a keyed table unkeyed), a list one item a line, an atom its text.
fn csv(k: &K, it: &Interp) -> String {
    let table = match k {
        K::Table(t) => Some(t.clone()),
        K::Dict(d) => match (&d.keys, &d.vals) {
            (K::Table(a), K::Table(b)) => {
                let mut names = a.names.to_vec();
                names.extend_from_slice(&b.names);
                let mut cols = a.cols.clone();
                cols.extend(b.cols.iter().cloned());
                Some(Arc::new(qipc::Table {
                    attr: a.attr,
                    names: Arc::new(names),
                    cols,
                }))
            }
            _ => None,
        },
        _ => None,
    };
    let cell = |x: &K| {
        let s = match x.as_string() {
            Some(b) if !x.is_atom() => String::from_utf8_lossy(b).into_owned(),
            _ => display::cell(x, &it.opts),
        };
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let mut out = String::new();
    match table {
        Some(t) => {
            let names: Vec<String> = t.names.iter().map(|n| n.as_str().into_owned()).collect();
            out.push_str(&names.join(","));
            out.push('\n');
            let cols: Vec<Vec<K>> = t.cols.iter().map(items).collect();
            for r in 0..t.rows() {
                let row: Vec<String> = cols
                    .iter()
                    .map(|c| c.get(r).map(cell).unwrap_or_default())
                    .collect();
                out.push_str(&row.join(","));
                out.push('\n');
            }
        }
        None if k.is_atom() => {
            out.push_str(&cell(k));
            out.push('\n');
        }
        None => {
            for x in items(k) {
                out.push_str(&cell(&x));
                out.push('\n');
            }
        }
    }
    out
}

/// JSON as `.j.j` writes it: numbers (nulls and infinities as `null`), booleans, strings
/// for symbols, strings and temporal values, objects for symbol-keyed dictionaries,
/// arrays of objects for tables.
fn json(k: &K, it: &Interp, out: &mut String) {
    match k {
        K::Atom(a) => json_atom(k, a.ty, &a.v, it, out),
        K::Vector(v) if v.ty == Ty::Char => {
            json_str(&String::from_utf8_lossy(k.as_string().unwrap_or(&[])), out)
        }
        K::Dict(d) if d.keys.ty() == 11 => {
            out.push('{');
            let ks = items(&d.keys);
            let vs = items(&d.vals);
            for (i, (key, v)) in ks.iter().zip(vs.iter()).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str(
                    &key.as_sym()
                        .map(|s| s.as_str().into_owned())
                        .unwrap_or_default(),
                    out,
                );
                out.push(':');
                json(v, it, out);
            }
            out.push('}');
        }
        K::Table(t) => {
            out.push('[');
            let cols: Vec<Vec<K>> = t.cols.iter().map(items).collect();
            for r in 0..t.rows() {
                if r > 0 {
                    out.push(',');
                }
                out.push('{');
                for (i, (n, c)) in t.names.iter().zip(cols.iter()).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_str(&n.as_str(), out);
                    out.push(':');
                    match c.get(r) {
                        Some(x) => json(x, it, out),
                        None => out.push_str("null"),
                    }
                }
                out.push('}');
            }
            out.push(']');
        }
        K::Func(_) | K::Error(_) => json_str(&display::inline(k, &it.opts), out),
        _ if k.is_atom() => json_str(&display::cell(k, &it.opts), out),
        _ => {
            out.push('[');
            for (i, x) in items(k).iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(x, it, out);
            }
            out.push(']');
        }
    }
}

fn json_atom(k: &K, ty: Ty, v: &Scalar, it: &Interp, out: &mut String) {
    let num = |out: &mut String, f: f64| {
        if f.is_finite() {
            out.push_str(&display::fmt_float(f, 17))
        } else {
            out.push_str("null")
        }
    };
    match (ty, v) {
        (Ty::Bool, Scalar::U8(b)) => out.push_str(if *b != 0 { "true" } else { "false" }),
        (Ty::Byte, Scalar::U8(b)) => out.push_str(&b.to_string()),
        (Ty::Short, Scalar::I16(x)) if *x != i16::MIN && x.unsigned_abs() != i16::MAX as u16 => {
            out.push_str(&x.to_string())
        }
        (Ty::Int, Scalar::I32(x)) if *x != i32::MIN && x.unsigned_abs() != i32::MAX as u32 => {
            out.push_str(&x.to_string())
        }
        (Ty::Long, Scalar::I64(x)) if *x != i64::MIN && x.unsigned_abs() != i64::MAX as u64 => {
            out.push_str(&x.to_string())
        }
        (Ty::Short | Ty::Int | Ty::Long, _) => out.push_str("null"),
        (Ty::Real, Scalar::F32(f)) => num(out, *f as f64),
        (Ty::Float, Scalar::F64(f)) => num(out, *f),
        (Ty::Sym, Scalar::Sym(s)) => json_str(&s.as_str(), out),
        _ => json_str(&display::cell(k, &it.opts), out),
    }
}

fn json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_detection_and_decoding() {
        assert!(looks_like_http(b"GET /?1+1 HTTP/1.1\r\n"));
        assert!(looks_like_http(b"POST / HTTP/1.1\r\n"));
        assert!(!looks_like_http(b"user:pw\x03\x00"));
        assert!(!looks_like_http(b"GE"));
        assert_eq!(percent_decode("?1%2B2"), "?1+2");
        assert_eq!(percent_decode("?til%2010"), "?til 10");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%"), "%");
    }

    #[test]
    fn default_answers() {
        let mut it = Interp::new();
        let page = String::from_utf8(default_get(&mut it, "?2*21")).unwrap_or_default();
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n") && page.contains("<pre>42</pre>"));
        let csv = String::from_utf8(default_get(&mut it, "t.csv?([]a:1 2;b:(\"x,y\";\"z\"))"))
            .unwrap_or_default();
        assert!(csv.ends_with("\r\n\r\na,b\n1,\"x,y\"\n2,z\n"), "{csv}");
        let json =
            String::from_utf8(default_get(&mut it, "t.json?`a`b!(1;0N)")).unwrap_or_default();
        assert!(json.ends_with("{\"a\":1,\"b\":null}"), "{json}");
        let err = String::from_utf8(default_get(&mut it, "?1+`a")).unwrap_or_default();
        assert!(
            err.starts_with("HTTP/1.1 400") && err.ends_with("'type"),
            "{err}"
        );
    }
}
