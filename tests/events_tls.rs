//! Event push over https (verified against the configured CA file), the retry
//! settings, and suspension of a destination that keeps failing.

use axum::http::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;

use common::Client;

async fn start() -> Client {
    Client::start().await
}

async fn subscribe(c: &Client, destination: &str) -> String {
    let (s, v) = c
        .send(
            Method::POST,
            "/redfish/v1/EventService/Subscriptions",
            Some(&format!(
                r#"{{"Destination": "{destination}", "Context": "tls"}}"#
            )),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["@odata.id"].as_str().unwrap().to_string()
}

/// Something happens on a card: a boot override change is an event.
async fn poke(c: &Client, target: &str) {
    let (s, v) = c
        .send(
            Method::PATCH,
            "/redfish/v1/Systems/DPU0000A1",
            Some(&format!(
                r#"{{"Boot": {{"BootSourceOverrideTarget": "{target}", "BootSourceOverrideEnabled": "Once"}}}}"#
            )),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// A TLS listener on 127.0.0.1 with a fresh self-signed certificate; returns its
/// port, the certificate (PEM) and a channel of the request texts it received.
async fn https_listener() -> (u16, String, tokio::sync::mpsc::Receiver<String>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let der_key = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], der_key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 16384];
                let mut n = 0;
                // Read until the whole body (Content-Length) is in.
                loop {
                    let Ok(m) = tls.read(&mut buf[n..]).await else {
                        return;
                    };
                    if m == 0 {
                        return;
                    }
                    n += m;
                    let text = String::from_utf8_lossy(&buf[..n]).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("Content-Length: "))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if body.len() >= len {
                            let _ = tls.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await;
                            let _ = tls.shutdown().await;
                            let _ = tx.send(text).await;
                            return;
                        }
                    }
                }
            });
        }
    });
    (port, cert.pem(), rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_destinations_get_events_when_their_certificate_is_trusted() {
    let c = start().await;
    let (port, pem, mut received) = https_listener().await;
    let ca = c.dir.join("event-ca.pem");
    std::fs::write(&ca, pem).unwrap();
    c.running.daemon.state.subscriptions.trust.set_ca_file(ca);
    let sub = subscribe(&c, &format!("https://127.0.0.1:{port}/events")).await;
    poke(&c, "Pxe").await;
    let text = tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .expect("an event over TLS")
        .unwrap();
    assert!(text.starts_with("POST /events HTTP/1.1\r\n"), "{text}");
    assert!(
        text.contains(&format!("Host: 127.0.0.1:{port}\r\n")),
        "{text}"
    );
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["Context"], "tls");
    assert_eq!(
        body["Events"][0]["OriginOfCondition"]["@odata.id"],
        "/redfish/v1/Systems/DPU0000A1"
    );
    let (_, v) = c.send(Method::GET, &sub, None).await;
    assert_eq!(v["Status"]["State"], "Enabled");
    assert_eq!(v["DeliveryRetryPolicy"], "SuspendRetries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_destination_is_retried_as_configured_then_suspended() {
    let c = start().await;
    // The listener's certificate is not in the CA file: every attempt fails in TLS.
    let (port, _pem, mut received) = https_listener().await;
    let (_, other_pem, _) = https_listener().await;
    let ca = c.dir.join("other-ca.pem");
    std::fs::write(&ca, other_pem).unwrap();
    c.running.daemon.state.subscriptions.trust.set_ca_file(ca);
    let (s, v) = c
        .send(
            Method::PATCH,
            "/redfish/v1/EventService",
            Some(r#"{"DeliveryRetryAttempts": 1, "DeliveryRetryIntervalSeconds": 1}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["DeliveryRetryAttempts"], 1);
    let sub = subscribe(&c, &format!("https://127.0.0.1:{port}/events")).await;
    poke(&c, "Hdd").await;
    let mut state = Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        state = c.send(Method::GET, &sub, None).await.1["Status"]["State"].clone();
        if state == "Disabled" {
            break;
        }
    }
    assert_eq!(state, "Disabled", "suspended after 1 + 1 attempts");
    assert!(
        received.try_recv().is_err(),
        "nothing was accepted over TLS"
    );
    // Suspended: further events are not attempted (the subscription stays as it is).
    poke(&c, "Cd").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, v) = c.send(Method::GET, &sub, None).await;
    assert_eq!(v["Status"]["State"], "Disabled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_settings_are_checked_and_kept_across_restarts() {
    let c = start().await;
    for (body, id) in [
        (
            r#"{"DeliveryRetryAttempts": 11}"#,
            "PropertyValueOutOfRange",
        ),
        (
            r#"{"DeliveryRetryIntervalSeconds": 0}"#,
            "PropertyValueOutOfRange",
        ),
        (
            r#"{"DeliveryRetryAttempts": "3"}"#,
            "PropertyValueTypeError",
        ),
        (r#"{"ServiceEnabled": false}"#, "PropertyNotWritable"),
    ] {
        let (s, v) = c
            .send(Method::PATCH, "/redfish/v1/EventService", Some(body))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert_eq!(
            v["error"]["@Message.ExtendedInfo"][0]["MessageId"],
            format!("Base.1.19.{id}"),
            "{body}"
        );
    }
    let (s, _) = c
        .send(
            Method::PATCH,
            "/redfish/v1/EventService",
            Some(r#"{"DeliveryRetryAttempts": 7, "DeliveryRetryIntervalSeconds": 42}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let settings = sidebridge::redfish::events::Subscriptions::open(&c.dir)
        .unwrap()
        .settings();
    assert_eq!(
        (settings.retry_attempts, settings.retry_interval_seconds),
        (7, 42)
    );
    for bad in [
        "http://127.0.0.1/a\\r\\nX-Injected: 1",
        "http://user:pw@127.0.0.1/",
        "gopher://127.0.0.1/",
    ] {
        let (s, v) = c
            .send(
                Method::POST,
                "/redfish/v1/EventService/Subscriptions",
                Some(&format!(r#"{{"Destination": "{bad}"}}"#)),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert_eq!(
            v["error"]["@Message.ExtendedInfo"][0]["MessageId"],
            "Base.1.19.PropertyValueFormatError"
        );
    }
}
