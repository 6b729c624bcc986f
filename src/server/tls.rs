//! TLS as q does it: the port's `-E` mode (0 plain only, 1 plain and TLS on one port, 2 TLS
//! only), `` hopen `:tcps://host:port `` on the client side, and q's `SSL_*` environment
//! settings (a `KX_`-prefixed name wins over the plain one, as in q 3.6+). Owns loading
//! certificates and keys and building the rustls configurations; the sockets themselves
//! stay in `conn` and `mod`, which wrap a TCP stream in TLS and then run the kdb+
//! handshake inside it unchanged.
//!
//! Defaults follow q's: files under the OpenSSL directory (`server-crt.pem`,
//! `server-key.pem`, `cert.pem`, `certs/`), clients not asked for certificates
//! (`SSL_VERIFY_CLIENT=NO`), servers verified (`SSL_VERIFY_SERVER=YES`). rustls chooses
//! its own safe cipher suites, so `SSL_CIPHER_LIST` is not read, and encrypted private
//! keys (`SSL_KEY_PASSWORD`) are refused with a message saying so.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CipherSuite, ClientConfig, DigitallySignedStruct, ProtocolVersion, RootCertStore};
use rustls::{ServerConfig, SignatureScheme};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The port's `-E` setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// `-E 0`: plain connections only (q's default).
    #[default]
    Plain,
    /// `-E 1`: plain and TLS on the same port, told apart by the first byte.
    Mixed,
    /// `-E 2`: TLS only; a plain client is closed.
    Only,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim() {
            "0" => Some(Mode::Plain),
            "1" => Some(Mode::Mixed),
            "2" => Some(Mode::Only),
            _ => None,
        }
    }
}

/// The first byte of a TLS record carrying a handshake (the ClientHello). A kdb+ hello
/// starts with credentials text (or the capability byte, at most 6) and HTTP with a
/// letter, so this byte alone tells TLS from plain on a mixed port.
pub const HANDSHAKE_RECORD: u8 = 0x16;

/// What `.z.e` reports for a TLS connection, in OpenSSL's spelling as q shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Info {
    pub cipher: &'static str,
    pub protocol: &'static str,
}

impl Info {
    pub fn of(c: &rustls::CommonState) -> Info {
        Info {
            cipher: c
                .negotiated_cipher_suite()
                .map_or("", |s| openssl_cipher_name(s.suite())),
            protocol: match c.protocol_version() {
                Some(ProtocolVersion::TLSv1_3) => "TLSv1.3",
                Some(ProtocolVersion::TLSv1_2) => "TLSv1.2",
                _ => "",
            },
        }
    }
}

/// OpenSSL's names for the suites rustls offers (what q, built on OpenSSL, reports).
fn openssl_cipher_name(s: CipherSuite) -> &'static str {
    match s {
        CipherSuite::TLS13_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        CipherSuite::TLS13_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ECDHE-ECDSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ECDHE-ECDSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "ECDHE-ECDSA-CHACHA20-POLY1305"
        }
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "ECDHE-RSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "ECDHE-RSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-RSA-CHACHA20-POLY1305",
        other => other.as_str().unwrap_or("UNKNOWN"),
    }
}

/// `KX_<name>` when set, else `<name>` (q 3.6+ prefers the `KX_` spelling).
pub fn setting(name: &str) -> Option<String> {
    std::env::var(format!("KX_{name}"))
        .ok()
        .or_else(|| std::env::var(name).ok())
        .filter(|v| !v.is_empty())
}

/// The directory q's defaults sit in: OpenSSL's OPENSSLDIR. We link no OpenSSL to ask,
/// so take the usual Linux locations (Debian's first), or `$OPENSSLDIR` when set.
fn openssl_dir() -> PathBuf {
    if let Ok(d) = std::env::var("OPENSSLDIR") {
        return PathBuf::from(d);
    }
    ["/usr/lib/ssl", "/etc/pki/tls", "/etc/ssl"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_dir())
        .unwrap_or_else(|| PathBuf::from("/usr/lib/ssl"))
}

fn path_setting(name: &str, default: &str) -> PathBuf {
    setting(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| openssl_dir().join(default))
}

/// The paths and switches q reads, resolved once.
#[derive(Clone, Debug)]
pub struct Settings {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub ca_file: PathBuf,
    pub ca_path: PathBuf,
    pub verify_client: bool,
    pub verify_server: bool,
}

impl Settings {
    pub fn from_env() -> Settings {
        let yes = |name: &str, default: bool| {
            setting(name).map_or(default, |v| v.trim().eq_ignore_ascii_case("YES"))
        };
        Settings {
            cert_file: path_setting("SSL_CERT_FILE", "server-crt.pem"),
            key_file: path_setting("SSL_KEY_FILE", "server-key.pem"),
            ca_file: path_setting("SSL_CA_CERT_FILE", "cert.pem"),
            ca_path: path_setting("SSL_CA_CERT_PATH", "certs"),
            verify_client: yes("SSL_VERIFY_CLIENT", false),
            verify_server: yes("SSL_VERIFY_SERVER", true),
        }
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn load_certs(what: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = std::fs::read(path).map_err(|e| format!("{what} {}: {e}", path.display()))?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{what} {}: {e:?}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{what} {}: no PEM certificate in the file",
            path.display()
        ));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let text = std::fs::read(path).map_err(|e| format!("SSL_KEY_FILE {}: {e}", path.display()))?;
    PrivateKeyDer::from_pem_slice(&text).map_err(|e| {
        let encrypted = text
            .windows(9)
            .any(|w| w == b"ENCRYPTED" || w == b"Proc-Type");
        if encrypted {
            format!(
                "SSL_KEY_FILE {}: encrypted private keys (SSL_KEY_PASSWORD) are not supported; \
                 decrypt it with `openssl pkey`",
                path.display()
            )
        } else {
            format!(
                "SSL_KEY_FILE {}: no PEM private key ({e:?})",
                path.display()
            )
        }
    })
}

/// Trusted roots: every certificate in the CA file and in the files of the CA directory.
/// Missing or unreadable ones are skipped: verification then fails on the peer instead.
fn roots(s: &Settings) -> RootCertStore {
    let mut store = RootCertStore::empty();
    let mut add = |p: &Path| {
        if let Ok(text) = std::fs::read(p) {
            for c in CertificateDer::pem_slice_iter(&text).flatten() {
                let _ = store.add(c);
            }
        }
    };
    add(&s.ca_file);
    if let Ok(dir) = std::fs::read_dir(&s.ca_path) {
        let mut files: Vec<PathBuf> = dir.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files.iter().filter(|f| f.is_file()) {
            add(f);
        }
    }
    store
}

/// The listening side's configuration; an error names the setting and file at fault, so
/// a process started with `-E 1|2` and no usable certificate can refuse to start.
pub fn server_config(s: &Settings) -> Result<Arc<ServerConfig>, String> {
    let certs = load_certs("SSL_CERT_FILE", &s.cert_file)?;
    let key = load_key(&s.key_file)?;
    let p = provider();
    let b = ServerConfig::builder_with_provider(p.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let b = if s.verify_client {
        let roots = roots(s);
        if roots.is_empty() {
            return Err(format!(
                "SSL_VERIFY_CLIENT=YES but no CA certificate in SSL_CA_CERT_FILE {} or \
                 SSL_CA_CERT_PATH {}",
                s.ca_file.display(),
                s.ca_path.display()
            ));
        }
        let v = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), p)
            .build()
            .map_err(|e| e.to_string())?;
        b.with_client_cert_verifier(v)
    } else {
        b.with_no_client_auth()
    };
    let cfg = b
        .with_single_cert(certs, key)
        .map_err(|e| format!("SSL_CERT_FILE/SSL_KEY_FILE: {e}"))?;
    Ok(Arc::new(cfg))
}

/// The connecting side's configuration (read once per process, as q reads its settings
/// when TLS is first used). It presents `SSL_CERT_FILE`/`SSL_KEY_FILE` when both load,
/// for servers that verify clients.
pub fn client_config() -> Result<Arc<ClientConfig>, String> {
    static CFG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CFG.get_or_init(|| {
        let s = Settings::from_env();
        let p = provider();
        let b = ClientConfig::builder_with_provider(p.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let b = if s.verify_server {
            b.with_root_certificates(roots(&s))
        } else {
            b.dangerous()
                .with_custom_certificate_verifier(Arc::new(Unverified(p)))
        };
        let own = load_certs("SSL_CERT_FILE", &s.cert_file)
            .and_then(|c| load_key(&s.key_file).map(|k| (c, k)));
        let cfg = match own {
            Ok((certs, key)) => b
                .with_client_auth_cert(certs, key)
                .map_err(|e| format!("SSL_CERT_FILE/SSL_KEY_FILE: {e}"))?,
            Err(_) => b.with_no_client_auth(),
        };
        Ok(Arc::new(cfg))
    })
    .clone()
}

/// The name a `tcps://` target's certificate must carry: an IP address or a DNS name.
pub fn server_name(host: &str) -> Result<ServerName<'static>, String> {
    ServerName::try_from(host.to_string()).map_err(|e| format!("{host}: {e}"))
}

/// `SSL_VERIFY_SERVER=NO`: any certificate is accepted, but the handshake signatures are
/// still checked, so the session is at least bound to the certificate presented.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(Mode::parse("0"), Some(Mode::Plain));
        assert_eq!(Mode::parse("1"), Some(Mode::Mixed));
        assert_eq!(Mode::parse("2"), Some(Mode::Only));
        assert_eq!(Mode::parse("3"), None);
    }

    #[test]
    fn cipher_names_are_openssls() {
        assert_eq!(
            openssl_cipher_name(CipherSuite::TLS13_AES_256_GCM_SHA384),
            "TLS_AES_256_GCM_SHA384"
        );
        assert_eq!(
            openssl_cipher_name(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            "ECDHE-RSA-AES128-GCM-SHA256"
        );
    }

    #[test]
    fn missing_files_are_named() {
        let s = Settings {
            cert_file: PathBuf::from("/nonexistent/server-crt.pem"),
            key_file: PathBuf::from("/nonexistent/server-key.pem"),
            ca_file: PathBuf::from("/nonexistent/cert.pem"),
            ca_path: PathBuf::from("/nonexistent/certs"),
            verify_client: false,
            verify_server: true,
        };
        let e = server_config(&s).err().unwrap_or_default();
        assert!(
            e.contains("SSL_CERT_FILE /nonexistent/server-crt.pem"),
            "{e}"
        );
    }
}
