//! Connection limits of the HTTPS listener (issue: connections were never closed once
//! TLS was up; hyper's header-read timeout was silently off without a timer): an idle
//! connection is closed, a client that sends its headers slowly is cut off, headers
//! over the limit get 431, and a connection over the cap is answered 503 and closed.

mod common;

use sidebridge::daemon::{ConnectionLimits, serve_tls_with, tls_config};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Tls = tokio_rustls::client::TlsStream<tokio::net::TcpStream>;

async fn connect(port: u16) -> Tls {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let cfg = Arc::new(sidebridge::tls::unverified().unwrap());
    tokio_rustls::TlsConnector::from(cfg)
        .connect("localhost".try_into().unwrap(), tcp)
        .await
        .unwrap()
}

/// Reads until the peer closes (or 10 s pass); what it sent, and how long it took.
async fn until_closed(s: &mut Tls) -> (Vec<u8>, Duration) {
    let t = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (got, t.elapsed()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("still open after 10 s"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_slow_oversized_and_excess_connections_are_refused() {
    let dir = common::temp_dir();
    let r = common::daemon(&dir).await;
    let tls = tls_config(&dir, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let limits = ConnectionLimits {
        max_connections: 3,
        header_timeout: Duration::from_millis(800),
        idle_timeout: Duration::from_millis(1200),
        max_header_bytes: 8192,
    };
    tokio::spawn(serve_tls_with(
        listener,
        r.daemon.app(),
        tls,
        limits,
        r.stop_rx.clone(),
    ));

    // A served request, then nothing: closed once idle.
    let mut s = connect(port).await;
    s.write_all(b"GET /redfish/v1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let (got, took) = until_closed(&mut s).await;
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    assert!(took < Duration::from_secs(5), "closed after {took:?}");

    // HTTP/1.1 without Host: 400 HeaderMissing, with the security headers.
    let mut s = connect(port).await;
    s.write_all(b"GET /redfish/v1 HTTP/1.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (got, _) = until_closed(&mut s).await;
    let text = String::from_utf8_lossy(&got).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 400"), "{text}");
    assert!(
        text.contains("headermissing") && text.contains("x-content-type-options: nosniff"),
        "{text}"
    );

    // Headers that never end: cut off at the header timeout.
    let mut s = connect(port).await;
    s.write_all(b"GET /redfish/v1 HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let (_, took) = until_closed(&mut s).await;
    assert!(took < Duration::from_secs(5), "slow headers kept {took:?}");

    // Headers over the limit: 431.
    let mut s = connect(port).await;
    let big = format!(
        "GET /redfish/v1 HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let _ = s.write_all(big.as_bytes()).await;
    let (got, _) = until_closed(&mut s).await;
    assert!(
        got.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&got[..got.len().min(200)])
    );

    // Three idle connections hold every slot; a fourth is told so.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect(port).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = connect(port).await;
    let (got, _) = until_closed(&mut extra).await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("Too many connections"), "{text}");
    // Once they are gone (closed as idle), there is room again.
    for mut h in held {
        let _ = until_closed(&mut h).await;
    }
    let mut s = connect(port).await;
    s.write_all(b"GET /redfish/v1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (got, _) = until_closed(&mut s).await;
    assert!(got.starts_with(b"HTTP/1.1 200"));
    let _ = r.stop.send(true);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reads one answer with a Content-Length body; its head (lowercased) and body.
async fn one_answer(s: &mut Tls) -> (String, Vec<u8>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if got.len() >= end + 4 + len {
                return (head, got[end + 4..end + 4 + len].to_vec());
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("no answer within 5 s")
            .unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
}

/// A request refused on its headers (405, 401) whose body arrives a moment after them,
/// as Python's requests sends it: the body is read and dropped and the connection
/// serves the next request (it was closed without `Connection: close`, and DMTF's
/// protocol validator's next POST failed). A body that cannot be read in time, or one
/// over the body limit, gets `Connection: close` instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unread_request_body_does_not_cost_the_connection() {
    let dir = common::temp_dir();
    let r = common::daemon(&dir).await;
    let tls = tls_config(&dir, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(serve_tls_with(
        listener,
        r.daemon.app(),
        tls,
        ConnectionLimits::default(),
        r.stop_rx.clone(),
    ));
    let head = |method: &str, path: &str, len: usize| {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
        )
    };
    let mut s = connect(port).await;
    // No credentials: 401 decided on the headers; the body comes 100 ms later.
    s.write_all(head("PATCH", "/redfish/v1/Systems", 2).as_bytes())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    s.write_all(b"{}").await.unwrap();
    let (h, _) = one_answer(&mut s).await;
    assert!(h.starts_with("http/1.1 401"), "{h}");
    assert!(!h.contains("connection: close"), "{h}");
    // The service root refuses POST (405); again the body comes late.
    for method in ["PATCH", "POST"] {
        s.write_all(head(method, "/redfish/v1/", 2).as_bytes())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        s.write_all(b"{}").await.unwrap();
        let (h, body) = one_answer(&mut s).await;
        assert!(h.starts_with("http/1.1 405"), "{method}: {h}");
        assert!(
            String::from_utf8_lossy(&body).contains("Base.1.19.OperationNotAllowed"),
            "{method}"
        );
        assert!(!h.contains("connection: close"), "{method}: {h}");
    }
    // Still open: a GET on the same connection is served.
    s.write_all(b"GET /redfish/v1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let (h, _) = one_answer(&mut s).await;
    assert!(h.starts_with("http/1.1 200"), "{h}");

    // A body that never comes: the answer says the connection closes, and it does.
    s.write_all(head("POST", "/redfish/v1/", 10).as_bytes())
        .await
        .unwrap();
    let (h, _) = one_answer(&mut s).await;
    assert!(h.starts_with("http/1.1 405"), "{h}");
    assert!(h.contains("connection: close"), "{h}");
    let (rest, _) = until_closed(&mut s).await;
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));

    // A body over the limit is not read to its end either.
    let mut s = connect(port).await;
    let big = 200 * 1024;
    s.write_all(head("POST", "/redfish/v1/", big).as_bytes())
        .await
        .unwrap();
    let writer = tokio::spawn(async move {
        let _ = s.write_all(&vec![b' '; big]).await;
        s
    });
    let mut s = writer.await.unwrap();
    let (h, _) = one_answer(&mut s).await;
    assert!(h.starts_with("http/1.1 405"), "{h}");
    assert!(h.contains("connection: close"), "{h}");
    let _ = r.stop.send(true);
    let _ = std::fs::remove_dir_all(&dir);
}
