//! Pushing events to subscribers (DSP0266 "Event subscription" and "Eventing"): the
//! destination URI parsed once, a POST over plain TCP or TLS, and the trust store for
//! `https://` destinations (a CA bundle file, the system's by default).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Where the system keeps its CA bundle on Debian, Yocto/OpenBMC and most others.
pub const SYSTEM_CA_FILE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// How long one delivery attempt may take: connect, TLS, request, status line.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// An event destination: `http://` or `https://`, a host (name, IPv4, or `[IPv6]`),
/// an optional port and a path. No user information, no control characters or
/// spaces, at most 1024 bytes (RFC 3986 §3, as far as a destination needs it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// `https`.
    pub tls: bool,
    /// The host as written, without brackets for IPv6.
    pub host: String,
    /// The port (80 or 443 when not written).
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Destination {
    /// Parses a destination URI; `None` when it is not one this service can POST to.
    pub fn parse(uri: &str) -> Option<Self> {
        if uri.len() > 1024 || uri.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return None;
        }
        let (scheme, rest) = uri.split_once("://")?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "http" => false,
            "https" => true,
            _ => return None,
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        if authority.contains('@') || path.contains('#') {
            return None;
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (addr, after) = v6.split_once(']')?;
            addr.parse::<std::net::Ipv6Addr>().ok()?;
            (addr, after.strip_prefix(':'))
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        let host_ok = !host.is_empty()
            && (host.contains(':')
                || host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
        if !host_ok {
            return None;
        }
        let port = match port {
            None => {
                if tls {
                    443
                } else {
                    80
                }
            }
            Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0)?,
        };
        let path = if path.is_empty() {
            "/".to_string()
        } else if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        Some(Destination {
            tls,
            host: host.to_string(),
            port,
            path,
        })
    }

    /// `host:port` for the Host header and for connecting (IPv6 in brackets).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// The networks event destinations may be on: loopback and the BMC's own networks
/// by default (`[redfish] event_destination_networks` replaces them). An event goes
/// only to an address inside one of them, checked after name resolution and
/// connected to by that address, so a name cannot be re-pointed in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Networks(pub Vec<(std::net::IpAddr, u8)>);

impl Networks {
    /// Loopback and every network this host's interfaces are on.
    pub fn default_for_host() -> Self {
        let mut v = vec![
            (std::net::IpAddr::from([127, 0, 0, 0]), 8),
            (std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST), 128),
        ];
        v.extend(sidebridge_transport::ifaddrs::interface_networks().unwrap_or_default());
        Networks(v)
    }

    /// Parses `a.b.c.d/n` and `addr/n` (a bare address is one host).
    pub fn parse(list: &[String]) -> Result<Self, String> {
        let mut v = Vec::new();
        for s in list {
            let (a, p) = s.split_once('/').unwrap_or((s, ""));
            let addr: std::net::IpAddr = a
                .parse()
                .map_err(|_| format!("{s:?} is not an address/prefix"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let p = if p.is_empty() {
                max
            } else {
                p.parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("{s:?}: the prefix is not 0..={max}"))?
            };
            v.push((addr, p));
        }
        Ok(Networks(v))
    }

    /// Whether `ip` is inside one of the networks.
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        self.0.iter().any(|(net, p)| match (net, ip) {
            (std::net::IpAddr::V4(n), std::net::IpAddr::V4(a)) => {
                let m = u32::MAX.checked_shl(32 - u32::from(*p)).unwrap_or(0);
                u32::from(*n) & m == u32::from(a) & m
            }
            (std::net::IpAddr::V6(n), std::net::IpAddr::V6(a)) => {
                let m = u128::MAX.checked_shl(128 - u32::from(*p)).unwrap_or(0);
                u128::from(*n) & m == u128::from(a) & m
            }
            _ => false,
        })
    }

    /// The addresses `to` resolves to that are allowed; an error naming what it
    /// resolved to when none is.
    pub async fn resolve(&self, to: &Destination) -> io::Result<Vec<std::net::SocketAddr>> {
        let all: Vec<std::net::SocketAddr> =
            tokio::net::lookup_host(to.authority()).await?.collect();
        let ok: Vec<_> = all
            .iter()
            .copied()
            .filter(|a| self.contains(a.ip()))
            .collect();
        if ok.is_empty() {
            let shown: Vec<String> = all.iter().map(|a| a.ip().to_string()).collect();
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} resolves to {}, outside the networks events may go to",
                    to.host,
                    if shown.is_empty() {
                        "nothing".into()
                    } else {
                        shown.join(", ")
                    }
                ),
            ));
        }
        Ok(ok)
    }
}

/// The trust store for `https://` destinations: read from the CA file on first use,
/// and again if it could not be read before.
#[derive(Debug)]
pub struct Trust {
    /// Std mutex: held to read or swap the cached config, never across an `.await`.
    inner: Mutex<(PathBuf, Option<Arc<rustls::ClientConfig>>)>,
}

impl Trust {
    /// Trusts the CAs in `ca_file` (PEM).
    pub fn new(ca_file: PathBuf) -> Self {
        Trust {
            inner: Mutex::new((ca_file, None)),
        }
    }

    /// Trusts the CAs in another file from now on.
    pub fn set_ca_file(&self, ca_file: PathBuf) {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = (ca_file, None);
    }

    fn config(&self) -> io::Result<Arc<rustls::ClientConfig>> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = &inner.1 {
            return Ok(c.clone());
        }
        let config = Arc::new(client_config(&inner.0)?);
        inner.1 = Some(config.clone());
        Ok(config)
    }
}

/// A TLS client (ring provider) that trusts the certificates of a PEM file.
fn client_config(ca_file: &Path) -> io::Result<rustls::ClientConfig> {
    crate::tls::trusting_ca_file(ca_file, "event CA file")
}

/// POSTs `body` (JSON) to `to` at an address inside `allowed`; `Ok(())` on a 2xx
/// answer, else why not.
pub async fn post(
    to: &Destination,
    body: &[u8],
    trust: &Trust,
    allowed: &Networks,
) -> io::Result<()> {
    let request = {
        let mut r = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            to.path,
            to.authority(),
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    };
    let attempt = async {
        let addrs = allowed.resolve(to).await?;
        let tcp = tokio::net::TcpStream::connect(&addrs[..]).await?;
        if to.tls {
            let name = rustls::pki_types::ServerName::try_from(to.host.clone())
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
            let tls = tokio_rustls::TlsConnector::from(trust.config()?)
                .connect(name, tcp)
                .await?;
            exchange(tls, &request).await
        } else {
            exchange(tcp, &request).await
        }
    };
    tokio::time::timeout(ATTEMPT_TIMEOUT, attempt)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no answer in time"))?
}

/// Writes the request and reads the status line.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, request: &[u8]) -> io::Result<()> {
    s.write_all(request).await?;
    s.flush().await?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).await?;
    if head.starts_with(b"HTTP/1.") && head[9] == b'2' {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "answered {:?}",
            String::from_utf8_lossy(&head[9..])
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_parse_strictly() {
        let d = Destination::parse("https://127.0.0.1:8443/events?x=1").unwrap();
        assert_eq!(
            (d.tls, d.host.as_str(), d.port, d.path.as_str()),
            (true, "127.0.0.1", 8443, "/events?x=1")
        );
        let d = Destination::parse("http://[::1]/e").unwrap();
        assert_eq!(
            (d.host.as_str(), d.port, d.authority()),
            ("::1", 80, "[::1]:80".into())
        );
        assert_eq!(
            Destination::parse("HTTPS://host.example").unwrap().path,
            "/"
        );
        for bad in [
            "ftp://host/",
            "http://user:pw@host/",
            "http://host/a\r\nX-Injected: 1",
            "http://host/a b",
            "http:///path",
            "http://host:0/",
            "http://host:99999/",
            "http://[::1/",
            "http://ho_st/",
            "host/path",
        ] {
            assert_eq!(Destination::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            Destination::parse(&format!("http://h/{}", "a".repeat(1100))),
            None
        );
    }

    #[test]
    fn networks_contain_what_they_should() {
        let n = Networks::parse(&["10.1.0.0/16".into(), "::1".into(), "192.0.2.7".into()]).unwrap();
        assert!(n.contains("10.1.255.3".parse().unwrap()));
        assert!(!n.contains("10.2.0.1".parse().unwrap()));
        assert!(n.contains("::1".parse().unwrap()));
        assert!(n.contains("192.0.2.7".parse().unwrap()));
        assert!(!n.contains("192.0.2.8".parse().unwrap()));
        assert!(Networks::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(Networks::parse(&["ten".into()]).is_err());
        let d = Networks::default_for_host();
        assert!(d.contains("127.0.0.1".parse().unwrap()) && d.contains("::1".parse().unwrap()));
        assert!(
            Networks::parse(&["0.0.0.0/0".into()])
                .unwrap()
                .contains("203.0.113.9".parse().unwrap())
        );
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_named() {
        let e = client_config(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
        let dir = std::env::temp_dir().join(format!("sb-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("empty.pem");
        std::fs::write(&f, b"").unwrap();
        let e = client_config(&f).unwrap_err();
        assert!(e.to_string().contains("no certificate in the file"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
