//! The `.h` namespace (HTML, HTTP, CSV/TSV/XML/Excel text of tables) and the `.j`
//! namespace (JSON). All are Rust builtins stored as globals; `.h.tx` and `save` with an
//! extension share [`format_as`].
//!
//! JSON follows q 4.x: numbers print as q prints floats at `\P` (integral values without
//! a point), nulls as `null`, float infinities as `inf`/`-inf`, temporals as quoted ISO
//! text, a table as an array of row objects separated by `",\n "`. Parsing gives floats for
//! numbers, strings for strings, and collapses arrays of one type to vectors and arrays of
//! objects with one key set to a table.

use super::display;
use super::dotq::{define, one_line, set};
use super::error::{QError, QResult};
use super::eval::Interp;
use super::prims::cast;
use super::value::{atom_is_null, from_items, general, items};
use qipc::{Atom, Data, Scalar, Sym, Table, Ty, Vector, K};
use std::fmt::Write as _;

const SAFE: &str = "$-.+!*'(),abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";
const STYLE_A: &str =
    "a{text-decoration:none}a:link{color:024C7E}a:visited{color:024C7E}a:active{color:958600}";
const STYLE_BODY: &str = "body{font:10pt verdana;text-align:justify}";

const MIME: &[(&str, &str)] = &[
    ("htm", "text/html"),
    ("html", "text/html"),
    ("csv", "text/comma-separated-values"),
    ("txt", "text/plain"),
    ("xml", "text/plain"),
    ("xls", "application/msexcel"),
    ("gif", "image/gif"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("svg", "image/svg+xml"),
    ("ico", "image/x-icon"),
    ("js", "application/javascript"),
    ("json", "application/json"),
    ("css", "text/css"),
    ("pdf", "application/pdf"),
    ("zip", "application/zip"),
    ("q", "text/plain"),
    ("k", "text/plain"),
];

pub fn install(it: &mut Interp) {
    set(it, ".h.br", K::string("<br>"));
    set(it, ".h.c0", K::sym("024C7E"));
    set(it, ".h.c1", K::sym("958600"));
    set(it, ".h.d", K::char(b' '));
    set(it, ".h.sa", K::string(STYLE_A));
    set(it, ".h.sb", K::string(STYLE_BODY));
    set(it, ".h.sc", K::string(SAFE));
    set(it, ".h.HOME", K::string("html"));
    set(
        it,
        ".h.ty",
        K::dict(
            K::syms(MIME.iter().map(|m| m.0)),
            general(MIME.iter().map(|m| K::string(m.1)).collect()),
        ),
    );
    if let Some(v) = it.builtins.get(&Sym::from_text("value")).cloned() {
        set(it, ".h.val", v);
    }
    define(it, ".h.cd", 1, 1, |it, a| Ok(delimited(it, b',', &a[0])?));
    define(it, ".h.td", 1, 1, |it, a| Ok(delimited(it, b'\t', &a[0])?));
    define(it, ".h.xd", 1, 1, |it, a| Ok(xml(it, &a[0])?));
    define(it, ".h.ed", 1, 1, |it, a| {
        Ok(excel(it, &[(Sym::from_text("Sheet1"), a[0].clone())])?)
    });
    define(it, ".h.edsn", 1, 1, |it, a| {
        let K::Dict(d) = &a[0] else {
            return Err(QError::type_().into());
        };
        let sheets: Vec<(Sym, K)> = items(&d.keys)
            .iter()
            .map(|k| k.as_sym().ok_or_else(QError::type_))
            .collect::<QResult<Vec<Sym>>>()?
            .into_iter()
            .zip(items(&d.vals))
            .collect();
        Ok(excel(it, &sheets)?)
    });
    define(it, ".h.code", 1, 1, |_, a| {
        Ok(K::string(code(text(&a[0])?)))
    });
    define(it, ".h.ha", 2, 2, |_, a| {
        Ok(K::string(anchor(&a[0], text(&a[1])?, false)?))
    });
    define(it, ".h.hb", 2, 2, |_, a| {
        Ok(K::string(anchor(&a[0], text(&a[1])?, true)?))
    });
    define(it, ".h.hc", 1, 1, |_, a| {
        Ok(K::string(escape_lt(text(&a[0])?)))
    });
    define(it, ".h.hr", 1, 1, |_, a| {
        Ok(K::string(vec![b'-'; text(&a[0])?.len()]))
    });
    define(it, ".h.nbr", 1, 1, |_, a| {
        Ok(K::string(wrap("nobr", text(&a[0])?)))
    });
    define(it, ".h.htc", 2, 2, |_, a| {
        Ok(K::string(wrap(&name(&a[0])?, text(&a[1])?)))
    });
    define(it, ".h.hta", 2, 2, |it, a| {
        Ok(K::string(start_tag(it, &a[0], &a[1])?))
    });
    define(it, ".h.htac", 3, 3, |it, a| {
        let mut s = start_tag(it, &a[0], &a[1])?;
        s.extend_from_slice(text(&a[2])?);
        s.extend_from_slice(format!("</{}>", name(&a[0])?).as_bytes());
        Ok(K::string(s))
    });
    define(it, ".h.html", 1, 1, |_, a| {
        let mut s =
            format!("<html><head><style>{STYLE_A}{STYLE_BODY}</style></head><body>").into_bytes();
        s.extend_from_slice(text(&a[0])?);
        s.extend_from_slice(b"</body></html>");
        Ok(K::string(s))
    });
    define(it, ".h.pre", 1, 1, |_, a| {
        Ok(K::string(block("pre", &a[0])?))
    });
    define(it, ".h.xmp", 1, 1, |_, a| {
        Ok(K::string(block("xmp", &a[0])?))
    });
    define(it, ".h.text", 1, 1, |_, a| {
        let mut s = Vec::new();
        for l in items(&a[0]) {
            s.extend_from_slice(b"<p>");
            s.extend_from_slice(text(&l)?);
            s.extend_from_slice(b"</p>\n");
        }
        Ok(K::string(s))
    });
    define(it, ".h.xs", 1, 1, |_, a| {
        Ok(K::string(xml_escape(text(&a[0])?)))
    });
    define(it, ".h.hu", 1, 1, |it, a| {
        let safe = it
            .get_global(Sym::from_text(".h.sc"), Sym::NULL)
            .unwrap_or_else(|| K::string(SAFE));
        Ok(K::string(uri_escape(
            text(&a[0])?,
            safe.as_string().unwrap_or(b""),
        )))
    });
    define(it, ".h.hug", 1, 1, |_, a| {
        let keep = text(&a[0])?.to_vec();
        let chars: Vec<u8> = (0..=255u8).collect();
        let vals = chars
            .iter()
            .map(|&c| K::string(uri_escape(&[c], &keep)))
            .collect();
        Ok(K::dict(K::string(chars), general(vals)))
    });
    define(it, ".h.uh", 1, 1, |_, a| {
        Ok(K::string(uri_unescape(text(&a[0])?)))
    });
    define(it, ".h.http", 1, 1, |_, a| {
        Ok(K::string(links(text(&a[0])?)))
    });
    define(it, ".h.ka", 1, 1, |_, a| {
        let n = a[0].as_i64().ok_or_else(QError::type_)?;
        Ok(K::string(if n == 0 { "close" } else { "keep-alive" }))
    });
    define(it, ".h.hn", 3, 3, |it, a| {
        Ok(K::string(http(it, text(&a[0])?, &a[1], text(&a[2])?)?))
    });
    define(it, ".h.hy", 2, 2, |it, a| {
        Ok(K::string(http(it, b"200 OK", &a[0], text(&a[1])?)?))
    });
    define(it, ".h.hp", 1, 1, |it, a| {
        let mut body = format!("<html><head><style>{STYLE_BODY}</style></head><body>").into_bytes();
        body.extend_from_slice(&block("pre", &a[0])?);
        body.extend_from_slice(b"</body></html>");
        Ok(K::string(http(it, b"200 OK", &K::sym("htm"), &body)?))
    });
    define(it, ".h.he", 1, 1, |it, a| {
        let mut body = b"'".to_vec();
        body.extend_from_slice(&escape_lt(text(&a[0])?));
        Ok(K::string(http(
            it,
            b"400 Bad Request",
            &K::sym("txt"),
            &body,
        )?))
    });
    define(it, ".h.iso8601", 1, 1, |_, a| {
        let ns = a[0].as_i64().ok_or_else(QError::type_)?;
        Ok(K::string(iso(&Atom {
            ty: Ty::Timestamp,
            v: Scalar::I64(ns),
        })?))
    });
    define(it, ".h.xt", 2, 2, |it, a| {
        if a[0].as_sym().map(|s| s.as_bytes() == b"json") != Some(true) {
            return Err(QError::domain().into());
        }
        let out: QResult<Vec<K>> = items(&a[1]).iter().map(|s| from_json(text(s)?)).collect();
        let _ = it;
        Ok(general(out?))
    });
    for n in [".h.jx", ".h.fram", ".h.ht"] {
        define(it, n, 1, 3, |_, _| Err(QError::nyi().into()));
    }
    define(it, ".h.tx.raw", 1, 1, |_, a| {
        Ok(K::list(vec![a[0].clone()]))
    });
    define(it, ".h.tx.json", 1, 1, |it, a| {
        Ok(format_as(it, "json", &a[0])?)
    });
    let tx_keys = ["raw", "json", "csv", "txt", "xml", "xls"];
    let mut tx_vals = Vec::new();
    for k in tx_keys {
        let v = match k {
            "raw" => it.globals.remove(&Sym::from_text(".h.tx.raw")),
            "json" => it.globals.remove(&Sym::from_text(".h.tx.json")),
            "csv" => it.globals.get(&Sym::from_text(".h.cd")).cloned(),
            "txt" => it.globals.get(&Sym::from_text(".h.td")).cloned(),
            "xml" => it.globals.get(&Sym::from_text(".h.xd")).cloned(),
            _ => it.globals.get(&Sym::from_text(".h.ed")).cloned(),
        };
        tx_vals.push(v.unwrap_or(K::NULL));
    }
    set(it, ".h.tx", K::dict(K::syms(tx_keys), general(tx_vals)));

    define(it, ".j.j", 1, 1, |it, a| {
        Ok(K::string(to_json(it, &a[0], false)?))
    });
    define(it, ".j.jd", 1, 1, |it, a| {
        let parts = items(&a[0]);
        let [x, opts] = parts.as_slice() else {
            return Err(QError::length().into());
        };
        let null0w = match opts {
            K::Dict(d) => items(&d.keys)
                .iter()
                .position(|k| k.as_sym().map(|s| s.as_bytes() == b"null0w") == Some(true))
                .and_then(|i| items(&d.vals).get(i).cloned())
                .is_some_and(|v| super::eval::truthy(&v).unwrap_or(false)),
            _ => false,
        };
        Ok(K::string(to_json(it, x, null0w)?))
    });
    define(it, ".j.k", 1, 1, |_, a| Ok(from_json(text(&a[0])?)?));
}

// ---------------------------------------------------------------------------------------
// Text helpers

fn text(x: &K) -> QResult<&[u8]> {
    x.as_string().ok_or_else(QError::type_)
}

fn name(x: &K) -> QResult<String> {
    Ok(x.as_sym().ok_or_else(QError::type_)?.as_str().into_owned())
}

fn wrap(tag: &str, body: &[u8]) -> Vec<u8> {
    let mut s = format!("<{tag}>").into_bytes();
    s.extend_from_slice(body);
    s.extend_from_slice(format!("</{tag}>").as_bytes());
    s
}

/// `.h.pre`/`.h.xmp`: lines each followed by a newline, inside the element.
fn block(tag: &str, x: &K) -> QResult<Vec<u8>> {
    let mut body = Vec::new();
    for l in items(x) {
        body.extend_from_slice(text(&l)?);
        body.push(b'\n');
    }
    Ok(wrap(tag, &body))
}

/// `.h.code`: segments between tabs alternate plain text and `<code><nobr>` text.
fn code(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, seg) in s.split(|&c| c == b'\t').enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if i % 2 == 1 {
            out.extend_from_slice(b"<code><nobr>");
            out.extend_from_slice(seg);
            out.extend_from_slice(b"</nobr></code>");
        } else {
            out.extend_from_slice(seg);
        }
    }
    out
}

/// `.h.ha`/`.h.hb`: an anchor; a symbol `href` goes unquoted, a string quoted.
fn anchor(href: &K, body: &[u8], target: bool) -> QResult<Vec<u8>> {
    let h = match href.as_sym() {
        Some(s) => s.as_bytes().to_vec(),
        None => {
            let mut q = b"\"".to_vec();
            q.extend_from_slice(text(href)?);
            q.push(b'"');
            q
        }
    };
    let mut s = if target {
        b"<a target=v href=".to_vec()
    } else {
        b"<a href=".to_vec()
    };
    s.extend_from_slice(&h);
    s.push(b'>');
    s.extend_from_slice(body);
    s.extend_from_slice(b"</a>");
    Ok(s)
}

fn escape_lt(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        if c == b'<' {
            out.extend_from_slice(b"&lt;");
        } else {
            out.push(c);
        }
    }
    out
}

fn xml_escape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        match c {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// The text of an attribute value or cell: strings as they are, symbols by name, other
/// atoms as `string` gives them.
fn plain(x: &K) -> QResult<Vec<u8>> {
    if let Some(s) = x.as_string() {
        return Ok(s.to_vec());
    }
    if let Some(s) = x.as_sym() {
        return Ok(s.as_bytes().to_vec());
    }
    let s = cast::string(x)?;
    match s.as_string() {
        Some(b) => Ok(b.to_vec()),
        None => Ok(one_line_plain(x)),
    }
}

fn one_line_plain(x: &K) -> Vec<u8> {
    display::inline(x, &display::Opts::default()).into_bytes()
}

/// `.h.hta`: a start tag with quoted attributes.
fn start_tag(it: &Interp, tag: &K, attrs: &K) -> QResult<Vec<u8>> {
    let mut s = format!("<{}", name(tag)?).into_bytes();
    if let K::Dict(d) = attrs {
        for (k, v) in items(&d.keys)
            .iter()
            .zip(items(&it.resolve_enums(d.vals.clone())))
        {
            s.push(b' ');
            s.extend_from_slice(&plain(k)?);
            s.extend_from_slice(b"=\"");
            s.extend_from_slice(&plain(&v)?);
            s.push(b'"');
        }
    } else if !attrs.is_empty() {
        return Err(QError::type_());
    }
    s.push(b'>');
    Ok(s)
}

fn uri_escape(s: &[u8], safe: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        if safe.contains(&c) {
            out.push(c);
        } else {
            out.extend_from_slice(format!("%{c:02x}").as_bytes());
        }
    }
    out
}

fn uri_unescape(s: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' && i + 2 < s.len() {
            if let (Some(h), Some(l)) = (hex(s[i + 1]), hex(s[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// `.h.http`: `http://` URLs turned into anchors.
fn links(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(b"http://") || s[i..].starts_with(b"https://") {
            let end = s[i..]
                .iter()
                .position(|c| c.is_ascii_whitespace() || b"\"<>()".contains(c))
                .map_or(s.len(), |p| i + p);
            let url = &s[i..end];
            out.extend_from_slice(b"<a href=\"");
            out.extend_from_slice(url);
            out.extend_from_slice(b"\">");
            out.extend_from_slice(url);
            out.extend_from_slice(b"</a>");
            i = end;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// An HTTP response: status line, content type from `.h.ty`, `Connection: close`, length.
fn http(it: &Interp, status: &[u8], ty: &K, body: &[u8]) -> QResult<Vec<u8>> {
    let t = ty.as_sym().ok_or_else(QError::type_)?;
    let types = it
        .get_global(Sym::from_text(".h.ty"), Sym::NULL)
        .ok_or_else(|| QError::new(".h.ty"))?;
    let mime = super::prims::list::index(&types, &K::sym(t))?;
    let mut s = b"HTTP/1.1 ".to_vec();
    s.extend_from_slice(status);
    s.extend_from_slice(b"\r\nContent-Type: ");
    s.extend_from_slice(mime.as_string().unwrap_or(b""));
    s.extend_from_slice(
        format!(
            "\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    s.extend_from_slice(body);
    Ok(s)
}

// ---------------------------------------------------------------------------------------
// Tables as text

/// Columns whose items are non-string lists become strings, items joined by `.h.d`.
fn flatten_nested(it: &Interp, cols: &[K]) -> QResult<Vec<K>> {
    let sep = it
        .get_global(Sym::from_text(".h.d"), Sym::NULL)
        .and_then(|d| d.as_string().map(<[u8]>::to_vec))
        .unwrap_or_else(|| b" ".to_vec());
    cols.iter()
        .map(|c| match c {
            K::List(l)
                if l.items
                    .iter()
                    .any(|i| matches!(i, K::Vector(v) if v.ty != Ty::Char)) =>
            {
                let cells: QResult<Vec<K>> = l
                    .items
                    .iter()
                    .map(|i| match i {
                        K::Vector(v) if v.ty == Ty::Char => Ok(i.clone()),
                        K::Vector(_) | K::Enum(_) => {
                            let parts: QResult<Vec<Vec<u8>>> = items(&it.resolve_enums(i.clone()))
                                .iter()
                                .map(plain)
                                .collect();
                            Ok(K::string(parts?.join(&sep[..])))
                        }
                        _ => Ok(K::string(plain(i)?)),
                    })
                    .collect();
                Ok(general(cells?))
            }
            _ => Ok(c.clone()),
        })
        .collect()
}

/// `.h.cd`/`.h.td`: a table (or list of columns) as delimited lines.
fn delimited(it: &Interp, d: u8, x: &K) -> QResult {
    let x = unkey(x)?;
    let y = match &x {
        K::Table(t) => K::Table(std::sync::Arc::new(Table {
            attr: t.attr,
            names: t.names.clone(),
            cols: flatten_nested(it, &t.cols)?,
        })),
        K::List(l) => general(flatten_nested(it, &l.items)?),
        _ => return Err(QError::type_()),
    };
    super::io::prepare_text(it, d, &y)
}

/// A keyed table as one table (key columns first); anything else unchanged.
fn unkey(x: &K) -> QResult<K> {
    match x {
        K::Dict(d) if super::value::is_keyed(d) => super::prims::list::unkey(x),
        _ => Ok(x.clone()),
    }
}

/// `.h.xd`: a table as XML, one `<r>` element per row.
fn xml(it: &Interp, x: &K) -> QResult {
    let K::Table(t) = unkey(x)? else {
        return Err(QError::type_());
    };
    let cols: Vec<Vec<K>> = t
        .cols
        .iter()
        .map(|c| items(&it.resolve_enums(c.clone())))
        .collect();
    let mut out = vec![K::string("<R>")];
    for r in 0..t.rows() {
        let mut s = b"<r>".to_vec();
        for (n, c) in t.names.iter().zip(&cols) {
            let v = xml_escape(&plain(&c[r])?);
            s.extend_from_slice(&wrap(&n.as_str(), &v));
        }
        s.extend_from_slice(b"</r>");
        out.push(K::string(s));
    }
    out.push(K::string("</R>"));
    Ok(general(out))
}

/// `.h.ed`/`.h.edsn`: tables as an Excel 2003 XML workbook, one worksheet each.
fn excel(it: &Interp, sheets: &[(Sym, K)]) -> QResult {
    let mut out = vec![
        K::string("<?xml version=\"1.0\"?><?mso-application progid=\"Excel.Sheet\"?>"),
        K::string(
            "<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" \
             xmlns:o=\"urn:schemas-microsoft-com:office:office\" \
             xmlns:x=\"urn:schemas-microsoft-com:office:excel\" \
             xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\" \
             xmlns:html=\"http://www.w3.org/TR/REC-html40\">",
        ),
    ];
    for (name, t) in sheets {
        let K::Table(t) = unkey(t)? else {
            return Err(QError::type_());
        };
        let mut s = format!("<Worksheet ss:Name=\"{}\"><Table>", name.as_str()).into_bytes();
        s.extend_from_slice(b"<Row>");
        for n in t.names.iter() {
            s.extend_from_slice(b"<Cell><Data ss:Type=\"String\">");
            s.extend_from_slice(&xml_escape(n.as_bytes()));
            s.extend_from_slice(b"</Data></Cell>");
        }
        s.extend_from_slice(b"</Row>");
        let cols: Vec<K> = t.cols.iter().map(|c| it.resolve_enums(c.clone())).collect();
        for r in 0..t.rows() {
            s.extend_from_slice(b"<Row>");
            for c in &cols {
                let v = super::value::item(c, r).unwrap_or(K::NULL);
                let numeric = matches!(&v, K::Atom(a) if matches!(a.ty, Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long | Ty::Real | Ty::Float) && !atom_is_null(a));
                let kind = if numeric { "Number" } else { "String" };
                s.extend_from_slice(format!("<Cell><Data ss:Type=\"{kind}\">").as_bytes());
                s.extend_from_slice(&xml_escape(&plain(&v)?));
                s.extend_from_slice(b"</Data></Cell>");
            }
            s.extend_from_slice(b"</Row>");
        }
        s.extend_from_slice(b"</Table></Worksheet>");
        out.push(K::string(s));
    }
    out.push(K::string("</Workbook>"));
    Ok(general(out))
}

/// The lines `save` writes for a file extension, and `.h.tx`'s conversions.
pub fn format_as(it: &Interp, ext: &str, x: &K) -> QResult {
    match ext {
        "csv" => delimited(it, b',', x),
        "txt" => delimited(it, b'\t', x),
        "xml" => xml(it, x),
        "xls" => excel(it, &[(Sym::from_text("Sheet1"), x.clone())]),
        "json" => {
            let rows = match unkey(x)? {
                K::Table(t) => items(&K::Table(t)),
                other => items(&other),
            };
            let out: QResult<Vec<K>> = rows
                .iter()
                .map(|r| Ok(K::string(to_json(it, r, false)?)))
                .collect();
            Ok(general(out?))
        }
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------------------
// JSON

fn json_str(out: &mut String, s: &[u8]) {
    out.push('"');
    for ch in String::from_utf8_lossy(s).chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// ISO 8601 text of a temporal atom (`2020-01-02`, `2020-01`, `2020-01-02T03:04:05.000000000`);
/// times keep q's text.
fn iso(a: &Atom) -> QResult<String> {
    let s = cast::string(&K::Atom(*a))?;
    let mut b = s.as_string().unwrap_or(b"").to_vec();
    match a.ty {
        Ty::Date | Ty::Month => b.iter_mut().filter(|c| **c == b'.').for_each(|c| *c = b'-'),
        Ty::Timestamp | Ty::Datetime => {
            for (i, c) in b.iter_mut().enumerate() {
                if i < 10 && *c == b'.' {
                    *c = b'-';
                } else if i == 10 && *c == b'D' {
                    *c = b'T';
                }
            }
        }
        _ => {}
    }
    Ok(String::from_utf8_lossy(&b).into_owned())
}

fn json_atom(out: &mut String, it: &Interp, a: &Atom, null0w: bool) -> QResult<()> {
    if atom_is_null(a) && !matches!(a.ty, Ty::Char | Ty::Sym | Ty::Guid | Ty::Bool | Ty::Byte) {
        out.push_str("null");
        return Ok(());
    }
    match a.ty {
        Ty::Bool => out.push_str(if matches!(a.v, Scalar::U8(0)) {
            "false"
        } else {
            "true"
        }),
        Ty::Char => json_str(
            out,
            &[match a.v {
                Scalar::U8(c) => c,
                _ => b' ',
            }],
        ),
        Ty::Sym => json_str(
            out,
            match a.v {
                Scalar::Sym(s) => s.as_bytes(),
                _ => b"",
            },
        ),
        Ty::Short | Ty::Int | Ty::Long => {
            let s = cast::string(&K::Atom(*a))?;
            out.push_str(&String::from_utf8_lossy(s.as_string().unwrap_or(b"")));
        }
        Ty::Real | Ty::Float => {
            let x = match a.v {
                Scalar::F32(x) => f64::from(x),
                Scalar::F64(x) => x,
                _ => 0.0,
            };
            if x.is_infinite() {
                out.push_str(if null0w {
                    "null"
                } else if x > 0.0 {
                    "inf"
                } else {
                    "-inf"
                });
            } else {
                out.push_str(&display::fmt_float(x, it.opts.precision));
            }
        }
        Ty::Guid | Ty::Byte => {
            let s = cast::string(&K::Atom(*a))?;
            json_str(out, s.as_string().unwrap_or(b""));
        }
        _ => json_str(out, iso(a)?.as_bytes()),
    }
    Ok(())
}

fn json_into(out: &mut String, it: &Interp, x: &K, null0w: bool) -> QResult<()> {
    match x {
        K::Atom(a) => json_atom(out, it, a, null0w),
        K::Vector(Vector {
            ty: Ty::Char,
            data: Data::U8(s),
            ..
        }) => {
            json_str(out, s);
            Ok(())
        }
        K::Vector(v) => {
            out.push('[');
            for i in 0..v.len() {
                if i > 0 {
                    out.push(',');
                }
                json_atom(out, it, &v.at(i), null0w)?;
            }
            out.push(']');
            Ok(())
        }
        K::Enum(_) | K::EnumAtom(..) => {
            let r = it.resolve_enums(x.clone());
            if matches!(r, K::Enum(_) | K::EnumAtom(..)) {
                return Err(QError::type_());
            }
            json_into(out, it, &r, null0w)
        }
        K::List(l) => {
            out.push('[');
            for (i, item) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_into(out, it, item, null0w)?;
            }
            out.push(']');
            Ok(())
        }
        K::Dict(d) if super::value::is_keyed(d) => json_into(out, it, &unkey(x)?, null0w),
        K::Dict(d) => {
            out.push('{');
            let vals = items(&d.vals);
            for (i, (k, v)) in items(&d.keys).iter().zip(vals.iter()).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str(out, &plain(&it.resolve_enums(k.clone()))?);
                out.push(':');
                json_into(out, it, v, null0w)?;
            }
            out.push('}');
            Ok(())
        }
        K::Table(_) => {
            out.push('[');
            for (i, row) in items(x).iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n ");
                }
                json_into(out, it, row, null0w)?;
            }
            out.push(']');
            Ok(())
        }
        K::Func(_) if x.is_null() => {
            out.push_str("null");
            Ok(())
        }
        K::Func(_) => {
            json_str(out, one_line(it, x).as_bytes());
            Ok(())
        }
        K::Error(_) => Err(QError::type_()),
    }
}

/// `.j.j`: q value to JSON text.
pub fn to_json(it: &Interp, x: &K, null0w: bool) -> QResult<String> {
    let mut out = String::new();
    json_into(&mut out, it, x, null0w)?;
    Ok(out)
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

fn json_err() -> QError {
    QError::new("illegal json")
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn value(&mut self) -> QResult {
        self.ws();
        self.depth += 1;
        if self.depth > 512 {
            return Err(QError::limit());
        }
        let v = match self.s.get(self.i) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => Ok(K::string(self.string()?)),
            Some(b't') => self.word(b"true", K::bool(true)),
            Some(b'f') => self.word(b"false", K::bool(false)),
            Some(b'n') => self.word(b"null", K::float(f64::NAN)),
            Some(c) if *c == b'-' || c.is_ascii_digit() => self.number(),
            _ => Err(json_err()),
        };
        self.depth -= 1;
        v
    }

    fn word(&mut self, w: &[u8], v: K) -> QResult {
        if self.s[self.i..].starts_with(w) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(json_err())
        }
    }

    fn number(&mut self) -> QResult {
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_digit() || b"+-.eE".contains(&self.s[self.i]))
        {
            self.i += 1;
        }
        let t = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| json_err())?;
        t.parse::<f64>().map(K::float).map_err(|_| json_err())
    }

    fn string(&mut self) -> QResult<Vec<u8>> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = *self.s.get(self.i).ok_or_else(json_err)?;
            self.i += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => {
                    let e = *self.s.get(self.i).ok_or_else(json_err)?;
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' => {
                            let h = self.s.get(self.i..self.i + 4).ok_or_else(json_err)?;
                            let code = u32::from_str_radix(
                                std::str::from_utf8(h).map_err(|_| json_err())?,
                                16,
                            )
                            .map_err(|_| json_err())?;
                            self.i += 4;
                            let ch = char::from_u32(code).unwrap_or('\u{fffd}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
        }
    }

    fn array(&mut self) -> QResult {
        self.i += 1;
        let mut vals = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(general(vals));
        }
        loop {
            vals.push(self.value()?);
            if self.item_end(b']')? {
                return Ok(collapse(vals));
            }
        }
    }

    fn object(&mut self) -> QResult {
        self.i += 1;
        let mut keys = Vec::new();
        let mut vals = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(K::dict(K::syms(Vec::<Sym>::new()), general(vec![])));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(json_err());
            }
            keys.push(Sym::new(&self.string()?));
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(json_err());
            }
            self.i += 1;
            vals.push(self.value()?);
            if self.item_end(b'}')? {
                return Ok(K::dict(K::syms(keys), from_items(vals)));
            }
        }
    }

    /// After an array or object item: true past `close`, false past a `,` (another item
    /// follows); anything else is not JSON.
    fn item_end(&mut self, close: u8) -> QResult<bool> {
        self.ws();
        match self.s.get(self.i) {
            Some(b',') => {
                self.i += 1;
                Ok(false)
            }
            Some(&c) if c == close => {
                self.i += 1;
                Ok(true)
            }
            _ => Err(json_err()),
        }
    }
}

/// An array's values: same-typed atoms make a vector; dictionaries with the same keys
/// make a table; anything else stays a general list.
fn collapse(vals: Vec<K>) -> K {
    let same_keys = match vals.first() {
        Some(K::Dict(d0)) => vals
            .iter()
            .all(|v| matches!(v, K::Dict(d) if d.keys == d0.keys)),
        _ => false,
    };
    if same_keys {
        if let Some(K::Dict(d0)) = vals.first() {
            let names: Vec<Sym> = items(&d0.keys).iter().filter_map(K::as_sym).collect();
            let mut cols: Vec<Vec<K>> = vec![Vec::with_capacity(vals.len()); names.len()];
            for v in &vals {
                if let K::Dict(d) = v {
                    for (j, x) in items(&d.vals).into_iter().enumerate() {
                        if let Some(c) = cols.get_mut(j) {
                            c.push(x);
                        }
                    }
                }
            }
            return K::table(names, cols.into_iter().map(from_items).collect());
        }
    }
    from_items(vals)
}

/// `.j.k`: JSON text to a q value.
pub fn from_json(s: &[u8]) -> QResult {
    let mut p = JsonParser { s, i: 0, depth: 0 };
    let v = p.value()?;
    p.ws();
    if p.i != s.len() {
        return Err(json_err());
    }
    Ok(v)
}

#[cfg(test)]
mod tests;
