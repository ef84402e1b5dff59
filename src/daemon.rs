//! Running the daemon: NC-SI engine, bridge and Redfish service together, served over
//! HTTPS (rustls with the ring provider), plus `sidebridge demo` with the built-in
//! simulator.

use crate::cards::Cards;
use crate::ncsi::{Manager, ManagerConfig, Requester};
use crate::redfish::{self, AppState, Shared};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use sidebridge_transport::Transport;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Keeps the heap small on a BMC: with glibc, blocks of 128 KiB and more always come
/// from mmap and go back to the OS when freed (glibc otherwise raises that threshold
/// after the first large free, so each argon2 password check, 7 MiB of working
/// memory, stayed resident in a per-thread arena), and at most two malloc arenas.
/// Measured: RSS after two Basic logins went from 23 MiB to 9 MiB.
#[allow(unsafe_code)] // One libc call at the OS boundary.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called once at start,
    // before other threads allocate.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Gives the heap's free pages back to the OS, at most once a second: called when the
/// last connection of a listener closes, so the buffers of a burst of clients (TLS
/// records, request and response bodies, scattered across the heap and so never at
/// its top, where glibc trims by itself) do not stay resident after it.
/// A call within a second of the last trim is not dropped but deferred to the end of
/// that second (one deferred trim at a time), so the last close of a burst is always
/// followed by a trim: the soak campaign once ended with 25 MiB resident instead of
/// 11 because its final close came within a second of an earlier one.
/// Measured (bench/run): anonymous memory after 100 clients and a 1000-connection
/// flood went from 4.7 MiB to 2.4 MiB (idle: 1.1 MiB).
pub fn release_free_memory() {
    const EVERY: Duration = Duration::from_secs(1);
    /// When the last trim ran, and whether one is deferred.
    static STATE: std::sync::Mutex<(Option<std::time::Instant>, bool)> =
        std::sync::Mutex::new((None, false));
    let mut st = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let wait =
        st.0.map_or(Duration::ZERO, |t| EVERY.saturating_sub(t.elapsed()));
    if wait.is_zero() {
        st.0 = Some(std::time::Instant::now());
        drop(st);
        trim_heap();
        return;
    }
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        return; // no runtime to defer on: the next close trims
    };
    if std::mem::replace(&mut st.1, true) {
        return; // a deferred trim is already due
    }
    rt.spawn(async move {
        tokio::time::sleep(wait).await;
        let mut st = STATE.lock().unwrap_or_else(|e| e.into_inner());
        *st = (Some(std::time::Instant::now()), false);
        drop(st);
        trim_heap();
    });
}

#[allow(unsafe_code)] // One libc call at the OS boundary.
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap memory to the OS; it takes the
    // allocator's own locks and touches no memory that is in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A TLS certificate and key in PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Certificate chain.
    pub cert: PathBuf,
    /// Private key.
    pub key: PathBuf,
}

/// The certificate in `state_dir/tls/`, made on first start: self-signed (ECDSA
/// P-256) for localhost, the loopback addresses and this host's name.
fn generated_certificate(state_dir: &Path) -> io::Result<TlsFiles> {
    let dir = state_dir.join("tls");
    let f = TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    if f.cert.exists() && f.key.exists() {
        return Ok(f);
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| io::Error::new(e.kind(), format!("creating {}: {e}", dir.display())))?;
    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    if !host.is_empty() {
        names.push(host.clone());
    }
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| io::Error::other(format!("generating a TLS key: {e}")))?;
    let mut params = rcgen::CertificateParams::new(names)
        .map_err(|e| io::Error::other(format!("certificate parameters: {e}")))?;
    // Ten years from today (not rcgen's 1975–4096), named after this BMC.
    let today = redfish::mapping::rfc3339(std::time::SystemTime::now());
    let ymd = |from: usize, to: usize| today.get(from..to).and_then(|s| s.parse::<i32>().ok());
    if let (Some(y), Some(m), Some(d)) = (ymd(0, 4), ymd(5, 7), ymd(8, 10)) {
        params.not_before = rcgen::date_time_ymd(y, m as u8, d as u8);
        params.not_after = rcgen::date_time_ymd(y + 10, m as u8, d.min(28) as u8);
    }
    let cn = if host.is_empty() {
        "sidebridge".to_string()
    } else {
        host
    };
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("{cn} (sidebridge)"));
    let cert = params
        .self_signed(&key)
        .map_err(|e| io::Error::other(format!("self-signing: {e}")))?;
    redfish::auth::write_atomic(&f.key, key.serialize_pem().as_bytes(), 0o600)?;
    redfish::auth::write_atomic(&f.cert, cert.pem().as_bytes(), 0o644)?;
    tracing::warn!(
        "generated a self-signed TLS certificate in {}",
        f.cert.display()
    );
    Ok(f)
}

/// The certificate to serve: the configured one, or one generated into
/// `state_dir/tls/` on first start (self-signed for localhost and this host's name).
pub fn tls_config(
    state_dir: &Path,
    configured: Option<&TlsFiles>,
) -> io::Result<Arc<rustls::ServerConfig>> {
    let files = match configured {
        Some(f) => f.clone(),
        None => generated_certificate(state_dir)?,
    };
    let read = |p: &Path| {
        std::fs::read(p)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", p.display())))
    };
    let cert_pem = read(&files.cert)?;
    let key_pem = read(&files.key)?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut &cert_pem[..])
        .collect::<Result<_, _>>()
        .map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", files.cert.display()),
            )
        })?;
    if certs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no certificate in the file", files.cert.display()),
        ));
    }
    let key = rustls_pemfile::private_key(&mut &key_pem[..])
        .map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", files.key.display()),
            )
        })?
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: no private key in the file", files.key.display()),
            )
        })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| io::Error::other(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} / {}: {e}", files.cert.display(), files.key.display()),
            )
        })?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// Binds `addr`, with a clear error when the port is taken or privileged.
pub async fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        let why = match e.kind() {
            io::ErrorKind::AddrInUse => "the port is in use by another program".to_string(),
            io::ErrorKind::PermissionDenied => {
                "binding a port below 1024 needs CAP_NET_BIND_SERVICE".to_string()
            }
            _ => e.to_string(),
        };
        io::Error::new(e.kind(), format!("cannot listen on {addr}: {why}"))
    })
}

/// What one listener allows its connections (`[redfish]` `max_connections`,
/// `header_timeout_ms`, `idle_timeout_ms`): sized so that a 512 MiB BMC cannot be
/// made to hold more connections than it can afford, by idle clients or slow ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// The request line and headers must arrive within this (slow-header clients).
    pub header_timeout: Duration,
    /// A connection with no traffic for this long is closed (after the request in
    /// flight, if any).
    pub idle_timeout: Duration,
    /// The request line and headers may take at most this many bytes.
    pub max_header_bytes: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 128,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_header_bytes: 16 * 1024,
        }
    }
}

/// How many connections over the cap may be told so (503) at once; the rest are
/// closed without a word.
const REFUSALS: usize = 8;

/// The answer to a connection over the cap: 503 with a Base message, then close.
fn busy() -> Vec<u8> {
    let body = crate::redfish::error::RedfishError::unavailable(5)
        .with_summary(
            "Too many connections: the service is temporarily unavailable.  Retry in 5 seconds.",
        )
        .body()
        .to_string();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nOData-Version: 4.0\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// An I/O stream that notes when bytes last moved, for the idle timeout.
struct Tracked<T> {
    inner: T,
    start: std::time::Instant,
    last: Arc<std::sync::atomic::AtomicU64>,
}

impl<T> Tracked<T> {
    fn touch(&self) {
        self.last.store(
            self.start.elapsed().as_millis() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Tracked<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        r
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Tracked<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        let r = std::pin::Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// How long the rest of a request body the service did not read may take to arrive
/// before the connection is closed instead ([`drain`]).
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// A request body that, when dropped before its end (the service answered without
/// reading it: a 405, 401, 403 or 415 decided on the headers), puts itself in `slot`
/// for [`drain`].
///
/// Without this, hyper reads on only what had already arrived and otherwise closes the
/// connection once the answer is written, with no `Connection: close` in it: a client
/// that sends headers and body in two writes (Python's requests does) then finds its
/// kept-alive connection gone at its next request (DMTF's protocol validator saw
/// POST /redfish/v1/ after a refused PATCH fail that way, as status 600).
struct Unread {
    /// The body while the service holds it.
    body: Option<Incoming>,
    /// Where an unfinished body goes when the service drops it.
    slot: Arc<std::sync::Mutex<Option<Incoming>>>,
}

impl hyper::body::Body for Unread {
    type Data = hyper::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        match self.body.as_mut() {
            Some(body) => std::pin::Pin::new(body).poll_frame(cx),
            None => std::task::Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body
            .as_ref()
            .is_none_or(hyper::body::Body::is_end_stream)
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body
            .as_ref()
            .map_or_else(|| hyper::body::SizeHint::with_exact(0), |b| b.size_hint())
    }
}

impl Drop for Unread {
    fn drop(&mut self) {
        if let Some(body) = self
            .body
            .take()
            .filter(|b| !hyper::body::Body::is_end_stream(b))
        {
            *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(body);
        }
    }
}

/// Reads and discards what is left of a request body: at most the service's body
/// limit, within [`DRAIN_TIME`]. False when it could not (too long, too slow, broken):
/// the answer then says `Connection: close` (RFC 9112 §9.6), and hyper closes.
async fn drain(mut body: Incoming) -> bool {
    use http_body_util::BodyExt;
    let read = async {
        let mut total = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            total += frame.data_ref().map_or(0, |d| d.len());
            if total > redfish::BODY_LIMIT {
                return false;
            }
        }
        true
    };
    tokio::time::timeout(DRAIN_TIME, read)
        .await
        .unwrap_or(false)
}

/// Serves one connection with `limits`: hyper's header-read timeout (with a timer, or
/// it is silently off), a bounded read buffer for the headers, the idle timeout, and a
/// graceful close on `shutdown`.
async fn serve_connection<IO>(
    io: IO,
    app: Router,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
    peer: SocketAddr,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let last = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = std::time::Instant::now();
    let io = Tracked {
        inner: io,
        start,
        last: last.clone(),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192));
    // Each request is marked as having come over the network (the Host rule applies).
    // A body the service did not read (a request refused before its body mattered) is
    // read and dropped before the answer goes out, so the connection stays usable.
    let service = hyper::service::service_fn(move |req: axum::http::Request<Incoming>| {
        let slot = Arc::new(std::sync::Mutex::new(None));
        let mut req = req.map(|body| {
            axum::body::Body::new(Unread {
                body: Some(body),
                slot: slot.clone(),
            })
        });
        req.extensions_mut().insert(redfish::protocol::FromNetwork);
        let app = app.clone();
        async move {
            let mut r = tower::ServiceExt::oneshot(app, req).await?;
            let left = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(body) = left {
                if !drain(body).await {
                    r.headers_mut().insert(
                        axum::http::header::CONNECTION,
                        axum::http::HeaderValue::from_static("close"),
                    );
                }
            }
            Ok::<_, std::convert::Infallible>(r)
        }
    });
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    // Wakes once per idle period at most: at the earliest moment the connection could
    // have been idle that long, then again from its last traffic.
    let wake = tokio::time::sleep(limits.idle_timeout);
    tokio::pin!(wake);
    let mut closing = false;
    loop {
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!("connection from {peer}: {e}");
                }
                return;
            }
            _ = shutdown.changed(), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            () = &mut wake, if !closing => {
                let last_ms = last.load(std::sync::atomic::Ordering::Relaxed);
                let idle = start.elapsed().as_millis() as u64 - last_ms;
                if idle >= limits.idle_timeout.as_millis() as u64 {
                    tracing::debug!("connection from {peer}: idle for {idle} ms, closed");
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                } else {
                    let at = start + Duration::from_millis(last_ms) + limits.idle_timeout;
                    wake.as_mut().reset(at.into());
                }
            }
        }
    }
}

/// Accepts connections on `listener` while `shutdown` has not fired, each served by
/// `serve` under the connection cap of `limits`; a connection over the cap gets
/// `refuse` (a 503) if few are being refused already, else is closed.
async fn accept_loop<F, R>(
    listener: TcpListener,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
    serve: F,
    refuse: R,
) where
    F: Fn(
        tokio::net::TcpStream,
        SocketAddr,
        watch::Receiver<bool>,
    ) -> futures_util::future::BoxFuture<'static, ()>,
    R: Fn(tokio::net::TcpStream) -> futures_util::future::BoxFuture<'static, ()>,
{
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let refusals = Arc::new(tokio::sync::Semaphore::new(REFUSALS));
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => { tracing::warn!("accept: {e}"); tokio::time::sleep(Duration::from_millis(100)).await; continue }
            },
            _ = shutdown.changed() => break,
        };
        while tasks.try_join_next().is_some() {}
        match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                let fut = serve(tcp, peer, shutdown.clone());
                let (slots, max) = (slots.clone(), limits.max_connections.max(1));
                tasks.spawn(async move {
                    fut.await;
                    drop(slot);
                    if slots.available_permits() == max {
                        release_free_memory();
                    }
                });
            }
            Err(_) => match refusals.clone().try_acquire_owned() {
                Ok(r) => {
                    tracing::warn!(
                        "{peer}: {} connections open, the most allowed; answered 503",
                        limits.max_connections
                    );
                    let fut = refuse(tcp);
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(Duration::from_secs(5), fut).await;
                        drop(r);
                    });
                }
                Err(_) => drop(tcp),
            },
        }
    }
    // Let the connections finish what they are doing (each closes gracefully).
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
}

/// Serves `app` over TLS on `listener` until `shutdown`, with the default
/// [`ConnectionLimits`].
pub async fn serve_tls(
    listener: TcpListener,
    app: Router,
    tls: Arc<rustls::ServerConfig>,
    shutdown: watch::Receiver<bool>,
) {
    serve_tls_with(listener, app, tls, ConnectionLimits::default(), shutdown).await
}

/// [`serve_tls`] with `limits`. The TLS handshake must end within the header timeout.
pub async fn serve_tls_with(
    listener: TcpListener,
    app: Router,
    tls: Arc<rustls::ServerConfig>,
    limits: ConnectionLimits,
    shutdown: watch::Receiver<bool>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let refusing = acceptor.clone();
    accept_loop(
        listener,
        limits,
        shutdown,
        move |tcp, peer, shutdown| {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            Box::pin(async move {
                let tls =
                    match tokio::time::timeout(limits.header_timeout, acceptor.accept(tcp)).await {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => return tracing::debug!("TLS handshake with {peer}: {e}"),
                        Err(_) => return tracing::debug!("TLS handshake with {peer} timed out"),
                    };
                serve_connection(tls, app, limits, shutdown, peer).await;
            })
        },
        move |tcp| {
            let acceptor = refusing.clone();
            Box::pin(async move {
                use tokio::io::AsyncWriteExt;
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let _ = tls.write_all(&busy()).await;
                    let _ = tls.shutdown().await;
                }
            })
        },
    )
    .await
}

/// Serves `app` over plain HTTP: only on a loopback address (a bmcweb satellite).
pub async fn serve_plain(
    listener: TcpListener,
    app: Router,
    shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    serve_plain_with(listener, app, ConnectionLimits::default(), shutdown).await
}

/// [`serve_plain`] with `limits`.
pub async fn serve_plain_with(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the plain-HTTP listener may only bind a loopback address, not {addr}"),
        ));
    }
    accept_loop(
        listener,
        limits,
        shutdown,
        move |tcp, peer, shutdown| {
            let app = app.clone();
            Box::pin(async move {
                let _ = tcp.set_nodelay(true);
                serve_connection(tcp, app, limits, shutdown, peer).await;
            })
        },
        |mut tcp| {
            Box::pin(async move {
                use tokio::io::AsyncWriteExt;
                let _ = tcp.write_all(&busy()).await;
                let _ = tcp.shutdown().await;
            })
        },
    )
    .await;
    Ok(())
}

/// Why the path to the network controllers could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The socket, tty or pcap file could not be opened (the message names it).
    #[error("{0}")]
    Io(#[from] io::Error),
    /// An MCTP serial line did not come up.
    #[error(transparent)]
    Serial(#[from] crate::mctp::SerialError),
}

/// Opens the path to the network controllers that `kind` names: `device` is the
/// network interface (raw, netlink) or the tty (mctp-serial); the EIDs are for the
/// MCTP paths. Returns the transport, the connection Redfish reports, and for
/// mctp-serial what the endpoint said about itself. Used by `sidebridge run` and the
/// `ncsi` CLI alike.
pub async fn open_transport(
    kind: crate::config::TransportKind,
    device: &str,
    local_eid: u8,
    eid: u8,
) -> Result<
    (
        Box<dyn Transport>,
        crate::cards::Connection,
        Option<sidebridge_transport::mctp::Peer>,
    ),
    OpenError,
> {
    use crate::cards::Connection;
    use crate::config::TransportKind;
    Ok(match kind {
        TransportKind::Raw => (
            Box::new(sidebridge_transport::raw::RawSocket::open(device)?),
            Connection::Rbt,
            None,
        ),
        TransportKind::Netlink => (
            Box::new(sidebridge_transport::netlink::NetlinkTransport::open(
                device,
            )?),
            Connection::Rbt,
            None,
        ),
        TransportKind::Mctp => (
            Box::new(
                sidebridge_transport::mctp::af_mctp::AfMctpNcsiTransport::open(
                    sidebridge_transport::mctp::af_mctp::MCTP_NET_ANY,
                    eid,
                )?,
            ),
            Connection::MctpKernel { eid },
            None,
        ),
        TransportKind::None => (
            Box::new(sidebridge_transport::memory::Idle),
            Connection::None,
            None,
        ),
        TransportKind::MctpSerial => {
            let (t, peer) = crate::mctp::open_serial(Path::new(device), local_eid, eid).await?;
            let c = Connection::MctpSerial {
                device: device.to_string(),
                eid: peer.eid,
            };
            (Box::new(t), c, Some(peer))
        }
    })
}

/// Wraps a transport in the tracing decorator and, when `pcap` is given, the pcap
/// recorder.
pub fn decorate(t: Box<dyn Transport>, pcap: Option<&Path>) -> io::Result<Arc<dyn Transport>> {
    let t: Box<dyn Transport> = Box::new(sidebridge_transport::trace::TracingTransport::new(t));
    Ok(match pcap {
        Some(p) => Arc::new(sidebridge_transport::pcap::PcapTransport::create(t, p)?),
        None => Arc::from(t),
    })
}

/// Creates the state directory if needed and checks that it is writable.
pub fn check_state_dir(state_dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(state_dir).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "state directory {} cannot be created: {e}",
                state_dir.display()
            ),
        )
    })?;
    let probe = state_dir.join(".write-test");
    redfish::auth::write_atomic(&probe, b"ok", 0o600).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "state directory {} is not writable: {e}",
                state_dir.display()
            ),
        )
    })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Everything that runs: engine, cards, Redfish state.
#[derive(Debug)]
pub struct Daemon {
    /// The NC-SI manager.
    pub manager: Arc<Manager>,
    /// The cards.
    pub cards: Arc<Cards>,
    /// Redfish state.
    pub state: Shared,
    /// The initial administrator password file, on first start.
    pub created_password: Option<PathBuf>,
}

impl Daemon {
    /// Starts the engine and the card layer on `transport`; waits up to `settle` for the
    /// first discovery so the first requests see the cards.
    pub async fn start(
        transport: Arc<dyn Transport>,
        cfg: ManagerConfig,
        state_dir: &Path,
        shutdown: watch::Receiver<bool>,
        settle: Duration,
    ) -> io::Result<Self> {
        Self::start_on(
            transport,
            crate::cards::Connection::Rbt.into(),
            cfg,
            state_dir,
            shutdown,
            settle,
        )
        .await
    }

    /// [`start`](Self::start) with the paths to the cards named, for Redfish's
    /// ConnectionMethods.
    pub async fn start_on(
        transport: Arc<dyn Transport>,
        connections: crate::cards::Connections,
        cfg: ManagerConfig,
        state_dir: &Path,
        shutdown: watch::Receiver<bool>,
        settle: Duration,
    ) -> io::Result<Self> {
        check_state_dir(state_dir)?;
        let requester = Arc::new(Requester::new(transport));
        // Nothing to discover without packages (`ncsi.transport = "none"`): no wait.
        let settle = if cfg.packages.is_empty() {
            Duration::ZERO
        } else {
            settle
        };
        let manager = Arc::new(Manager::new(requester, cfg));
        let cards = Cards::with_connections(manager.clone(), connections);
        let (state, created_password) = AppState::open(cards.clone(), state_dir.to_path_buf())?;
        let stop = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.changed().await;
        };
        tokio::spawn(redfish::log_services::record(
            state.clone(),
            cards.subscribe(),
            stop(shutdown.clone()),
        ));
        let mut topo = manager.topology();
        tokio::spawn(manager.clone().run(stop(shutdown.clone())));
        // The first discovery publishes the topology; wait for it (bounded).
        let _ = tokio::time::timeout(settle, async {
            while topo.changed().await.is_ok() {
                if topo.borrow().active.is_some() || !topo.borrow().packages.is_empty() {
                    break;
                }
            }
        })
        .await;
        cards.refresh_all().await;
        tokio::spawn(cards.clone().run(stop(shutdown.clone())));
        tokio::spawn(redfish::events_delivery(state.clone(), stop(shutdown)));
        Ok(Daemon {
            manager,
            cards,
            state,
            created_password,
        })
    }

    /// The Redfish router.
    pub fn app(&self) -> Router {
        redfish::app(self.state.clone())
    }
}

/// A future that ends on SIGINT or SIGTERM.
pub async fn signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        Some(_) = async { match term.as_mut() { Some(t) => t.recv().await, None => std::future::pending().await } } => {}
    }
}
