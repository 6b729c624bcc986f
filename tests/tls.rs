//! TLS on the q port as q does it: `-E 2` (TLS only), `-E 1` (plain and TLS on one port),
//! `` hopen `:tcps://host:port `` from another qtick process, q's `SSL_*` settings for
//! verifying the server (and the client when asked), `.z.e`, and a `-E` process that
//! refuses to start without a certificate. Certificates are made fresh for each run.

mod port_support;

use port_support::{raw_connect, run, Scratch, Server};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use std::time::Duration;

/// A CA and what it signed: a server certificate for localhost/127.0.0.1 and a client one.
struct Pki {
    dir: Scratch,
}

fn ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("no names");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(rcgen::DnType::CommonName, format!("qtick test CA {name}"));
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().expect("CA key");
    let cert = p.self_signed(&key).expect("CA certificate");
    (cert.pem(), Issuer::new(p, key))
}

fn leaf(names: &[&str], issuer: &Issuer<'static, KeyPair>) -> (String, String) {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let p = CertificateParams::new(names).expect("valid names");
    let key = KeyPair::generate().expect("leaf key");
    let cert = p.signed_by(&key, issuer).expect("signed leaf");
    (cert.pem(), key.serialize_pem())
}

impl Pki {
    fn new(name: &str) -> Pki {
        let dir = Scratch::new(&format!("tls-{name}"));
        let (ca_pem, issuer) = ca("one");
        let (other_pem, _) = ca("other");
        let (crt, key) = leaf(&["localhost", "127.0.0.1"], &issuer);
        let (ccrt, ckey) = leaf(&["client"], &issuer);
        for (f, text) in [
            ("ca.pem", ca_pem),
            ("other-ca.pem", other_pem),
            ("server-crt.pem", crt),
            ("server-key.pem", key),
            ("client-crt.pem", ccrt),
            ("client-key.pem", ckey),
        ] {
            std::fs::write(dir.0.join(f), text).expect("write PEM");
        }
        Pki { dir }
    }

    fn p(&self, f: &str) -> String {
        self.dir.path(f)
    }

    fn server_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SSL_CERT_FILE", self.p("server-crt.pem")),
            ("SSL_KEY_FILE", self.p("server-key.pem")),
            // Nothing from the machine's OpenSSL directory.
            ("OPENSSLDIR", self.p("none")),
        ]
    }

    /// A client that trusts `ca` and presents no certificate of its own.
    fn client_env(&self, ca: &str) -> Vec<(&'static str, String)> {
        vec![
            ("SSL_CA_CERT_FILE", self.p(ca)),
            ("OPENSSLDIR", self.p("none")),
        ]
    }
}

fn refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

fn tls_server(pki: &Pki, mode: &str, extra: &[(&'static str, String)]) -> Server {
    let mut env = pki.server_env();
    env.extend(extra.iter().cloned());
    let mut s = Server::start(&["-E", mode], &refs(&env));
    s.console("sq:{x*x}; seen:`$(); .z.po:{seen::seen,$[count .z.e;.z.e`PROTOCOL;`plain]};");
    // Defined before any client can call it.
    assert_eq!(s.eval("type sq"), "100h");
    s
}

/// Run a client q script with `env`; its stdout lines.
fn client(env: &[(&'static str, String)], script: &str) -> Vec<String> {
    let (_, out, _) = run(&[], &refs(env), script);
    out.lines().map(str::to_string).collect()
}

#[test]
fn hopen_tcps_to_a_tls_only_port() {
    let pki = Pki::new("only");
    let mut srv = tls_server(&pki, "2", &[]);
    let p = srv.port;
    let out = client(
        &pki.client_env("ca.pem"),
        &format!(
            r#"h:hopen `:tcps://localhost:{p};
-1 "sync ",-3!h"6*7";
-1 "functional ",-3!h(`sq;9);
neg[h]"x::5"; h"";
-1 "async ",-3!h"x";
-1 "remote .z.e keys ",-3!key h".z.e";
-1 "remote protocol ",-3!h".z.e`PROTOCOL";
-1 "remote cipher set ",-3!0<count string h".z.e`CIPHER";
-1 "own console .z.e ",-3!.z.e;
h2:hopen `:tcps://127.0.0.1:{p};
-1 "by address ",-3!h2"1+1";
r:@[hopen;`::{p};{{"refused ",x}}];
-1 "plain ",$[10h=type r;r;"opened"];
"#
        ),
    );
    let want = [
        "sync 42",
        "functional 81",
        "async 5",
        "remote .z.e keys `CIPHER`PROTOCOL",
        "by address 2",
        "own console .z.e (`symbol$())!()",
    ];
    for w in want {
        assert!(out.iter().any(|l| l == w), "missing {w:?} in {out:?}");
    }
    assert!(
        out.iter()
            .any(|l| l == "remote protocol `TLSv1.3" || l == "remote protocol `TLSv1.2"),
        "{out:?}"
    );
    assert!(out.iter().any(|l| l == "remote cipher set 1b"), "{out:?}");
    assert!(
        out.iter().any(|l| l.starts_with("plain refused")),
        "a plain hopen to a -E 2 port must fail: {out:?}"
    );
    assert!(
        srv.log_line("TLS only (-E 2)", Duration::from_secs(10))
            .is_some(),
        "the refusal of the plain client is logged"
    );
    // .z.po ran for the two TLS connections and saw them as TLS.
    let seen = srv.eval("seen");
    assert!(seen.matches("TLSv1.").count() == 2, "{seen}");
}

#[test]
fn mixed_port_takes_plain_and_tls() {
    let pki = Pki::new("mixed");
    let mut srv = tls_server(&pki, "1", &[]);
    let p = srv.port;
    let out = client(
        &pki.client_env("ca.pem"),
        &format!(
            r#"t:hopen `:tcps://localhost:{p};
u:hopen `::{p};
-1 "tls ",-3!t(`sq;4);
-1 "plain ",-3!u(`sq;5);
-1 "tls .z.e ",-3!count t".z.e";
-1 "plain .z.e ",-3!count u".z.e";
"#
        ),
    );
    for w in ["tls 16", "plain 25", "tls .z.e 2", "plain .z.e 0"] {
        assert!(out.iter().any(|l| l == w), "missing {w:?} in {out:?}");
    }
    // A raw plain client (no library) is served on the same port too.
    let mut s = raw_connect(p).expect("plain handshake on a -E 1 port");
    use std::io::Write;
    s.write_all(&port_support::text_msg("3*4", true))
        .expect("send");
    let m = port_support::read_msg(&mut s).expect("answer");
    assert_eq!(port_support::long_of(&m), Some(12));
    let seen = srv.eval("seen");
    assert!(
        seen.matches("TLSv1.").count() == 1 && seen.matches("plain").count() == 2,
        "{seen}"
    );
}

#[test]
fn the_server_certificate_is_verified() {
    let pki = Pki::new("verify");
    let srv = tls_server(&pki, "2", &[]);
    let p = srv.port;
    let script = format!(
        r#"r:@[{{h:hopen x; h"6*7"}};`:tcps://localhost:{p};{{"failed ",x}}];
-1 "result ",$[10h=type r;r;-3!r];
"#
    );
    // A CA that did not sign the server's certificate: the handshake fails, as in q.
    let out = client(&pki.client_env("other-ca.pem"), &script);
    assert!(
        out.iter().any(|l| l.starts_with("result failed")),
        "{out:?}"
    );
    // The right CA.
    let out = client(&pki.client_env("ca.pem"), &script);
    assert!(out.iter().any(|l| l == "result 42"), "{out:?}");
    // SSL_VERIFY_SERVER=NO takes any certificate.
    let mut env = pki.client_env("other-ca.pem");
    env.push(("SSL_VERIFY_SERVER", "NO".to_string()));
    let out = client(&env, &script);
    assert!(out.iter().any(|l| l == "result 42"), "{out:?}");
    // The name must match: the certificate is for localhost and 127.0.0.1 only.
    let wrong = script.replace("localhost", "127.0.0.2");
    let out = client(&pki.client_env("ca.pem"), &wrong);
    assert!(
        out.iter().any(|l| l.starts_with("result failed")),
        "{out:?}"
    );
}

#[test]
fn client_certificates_when_the_server_asks() {
    let pki = Pki::new("mutual");
    let srv = tls_server(
        &pki,
        "2",
        &[
            ("SSL_VERIFY_CLIENT", "YES".to_string()),
            ("SSL_CA_CERT_FILE", pki.p("ca.pem")),
        ],
    );
    let p = srv.port;
    let script = format!(
        r#"r:@[{{h:hopen x; h"6*7"}};`:tcps://localhost:{p};{{"failed ",x}}];
-1 "result ",$[10h=type r;r;-3!r];
"#
    );
    let out = client(&pki.client_env("ca.pem"), &script);
    assert!(
        out.iter().any(|l| l.starts_with("result failed")),
        "no client certificate: {out:?}"
    );
    let mut env = pki.client_env("ca.pem");
    env.push(("SSL_CERT_FILE", pki.p("client-crt.pem")));
    env.push(("SSL_KEY_FILE", pki.p("client-key.pem")));
    let out = client(&env, &script);
    assert!(out.iter().any(|l| l == "result 42"), "{out:?}");
    // KX_-prefixed settings win over the plain ones, as in q 3.6+.
    let mut env = pki.client_env("ca.pem");
    env.push(("SSL_CERT_FILE", pki.p("missing.pem")));
    env.push(("KX_SSL_CERT_FILE", pki.p("client-crt.pem")));
    env.push(("SSL_KEY_FILE", pki.p("client-key.pem")));
    let out = client(&env, &script);
    assert!(out.iter().any(|l| l == "result 42"), "{out:?}");
}

#[test]
fn no_certificate_no_start() {
    let pki = Pki::new("nocert");
    for mode in ["1", "2"] {
        let env = [
            ("SSL_CERT_FILE", pki.p("missing-crt.pem")),
            ("SSL_KEY_FILE", pki.p("server-key.pem")),
        ];
        let (ok, _, err) = run(&["-p", "0W", "-E", mode], &refs(&env), "");
        assert!(!ok, "-E {mode} without a certificate must not start");
        assert!(
            err.contains("SSL_CERT_FILE") && err.contains("missing-crt.pem"),
            "the message names the setting and file: {err}"
        );
    }
    // A key that does not belong to the certificate is refused too.
    let env = [
        ("SSL_CERT_FILE", pki.p("server-crt.pem")),
        ("SSL_KEY_FILE", pki.p("client-key.pem")),
    ];
    let (ok, _, err) = run(&["-p", "0W", "-E", "2"], &refs(&env), "");
    assert!(!ok, "a mismatched key must not start: {err}");
    // -E 0 needs no certificate; a bad mode is an error.
    let (ok, _, _) = run(&["-E", "0"], &[], "");
    assert!(ok);
    let (ok, _, err) = run(&["-E", "7"], &[], "");
    assert!(!ok && err.contains("-E 7"), "{err}");
}
