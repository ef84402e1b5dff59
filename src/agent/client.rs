//! The agent's HTTP client for the card BMC's own Redfish service: HTTP/1.1 over TLS
//! (rustls, ring) or, when configured explicitly, plain TCP; Basic authentication with
//! the configured credentials; one connection per request (the service is on the same
//! BMC, so a connection costs little and no idle socket is kept); bounded bodies and a
//! deadline on every request.

use super::config::{CardService, Trust};
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The largest body read from the card's service: the tunnel's message size.
pub const MAX_BODY: usize = sidebridge_protocol::oem::MAX_MESSAGE;

/// Why a request to the card's service failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// No connection, TLS refused, no answer in time.
    #[error("the card BMC's Redfish service at {url} does not answer: {reason}")]
    Unreachable {
        /// The service.
        url: String,
        /// Why.
        reason: String,
    },
    /// An answer, but not a success.
    #[error("{method} {path} answered {status}: {message}")]
    Status {
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The Redfish error's message, or the body's start.
        message: String,
    },
    /// An answer that is not what Redfish promises (not JSON, a missing property).
    #[error("{0}")]
    Malformed(String),
}

/// A response from the card's service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers (names lower case).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl Reply {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The client.
#[derive(Clone)]
pub struct RedfishClient {
    url: String,
    host: String,
    authority: String,
    authorization: Option<String>,
    tls: Option<tokio_rustls::TlsConnector>,
    timeout: Duration,
}

impl std::fmt::Debug for RedfishClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials.
        f.debug_struct("RedfishClient")
            .field("url", &self.url)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl RedfishClient {
    /// A client for the configured service; fails when the trust files cannot be read.
    pub fn new(c: &CardService) -> std::io::Result<Self> {
        let (scheme, authority) = c.url.split_once("://").unwrap_or(("https", &c.url));
        let tls = scheme == "https";
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6).to_string(),
            None => authority.split(':').next().unwrap_or(authority).to_string(),
        };
        let has_port = authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| !p.contains(']'));
        let authority = if has_port {
            authority.to_string()
        } else if tls {
            format!("{authority}:443")
        } else {
            format!("{authority}:80")
        };
        let config = match &c.trust {
            Trust::CaFile(f) => Some(crate::tls::trusting_ca_file(f, "card.ca_file")?),
            Trust::Pinned(f) => Some(crate::tls::pinning(f)?),
            Trust::Unverified => Some(crate::tls::unverified()?),
            Trust::PlainHttp => None,
        };
        let authorization = c.credentials.as_ref().map(|(u, p)| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        });
        Ok(RedfishClient {
            url: c.url.clone(),
            host,
            authority,
            authorization,
            tls: config.map(|c| tokio_rustls::TlsConnector::from(Arc::new(c))),
            timeout: c.timeout,
        })
    }

    /// The service's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn unreachable(&self, reason: impl std::fmt::Display) -> ClientError {
        ClientError::Unreachable {
            url: self.url.clone(),
            reason: reason.to_string(),
        }
    }

    /// Sends one request; any status is a [`Reply`].
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<Reply, ClientError> {
        tokio::time::timeout(self.timeout, self.exchange(method, path, headers, body))
            .await
            .map_err(|_| {
                self.unreachable(format!("no answer within {} ms", self.timeout.as_millis()))
            })?
    }

    fn build(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<hyper::Request<Full<Bytes>>, ClientError> {
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, &self.authority);
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("accept"))
        {
            req = req.header(hyper::header::ACCEPT, "application/json");
        }
        if let Some(a) = &self.authorization {
            req = req.header(hyper::header::AUTHORIZATION, a);
        }
        for (n, v) in headers {
            req = req.header(*n, *v);
        }
        req.body(Full::new(body))
            .map_err(|e| ClientError::Malformed(format!("request {method} {path}: {e}")))
    }

    /// Connects (TCP, then TLS unless plain HTTP is configured) and sends `req`.
    async fn send(
        &self,
        req: hyper::Request<Full<Bytes>>,
    ) -> Result<hyper::Response<hyper::body::Incoming>, ClientError> {
        let tcp = tokio::net::TcpStream::connect(&self.authority)
            .await
            .map_err(|e| self.unreachable(e))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            Some(tls) => {
                let name = rustls::pki_types::ServerName::try_from(self.host.clone())
                    .map_err(|e| self.unreachable(e))?;
                let stream = tls
                    .connect(name, tcp)
                    .await
                    .map_err(|e| self.unreachable(e))?;
                send(TokioIo::new(stream), req).await
            }
            None => send(TokioIo::new(tcp), req).await,
        }
        .map_err(|e| self.unreachable(e))
    }

    async fn exchange(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<Reply, ClientError> {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let req = self.build(method, path, &headers, body)?;
        let response = self.send(req).await?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let body = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| {
                ClientError::Malformed(format!(
                    "{method} {path}: the body could not be read (at most {MAX_BODY} bytes): {e}"
                ))
            })?
            .to_bytes();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// Opens a server-sent event stream (DSP0266 "Server-sent events"): the response
    /// body as it arrives, once the service answered 200. The connection deadline
    /// applies to the answer, not to the stream.
    pub async fn stream(&self, path: &str) -> Result<hyper::body::Incoming, ClientError> {
        let req = self.build(
            "GET",
            path,
            &[("accept", "text/event-stream")],
            Bytes::new(),
        )?;
        let response = tokio::time::timeout(self.timeout, self.send(req))
            .await
            .map_err(|_| {
                self.unreachable(format!("no answer within {} ms", self.timeout.as_millis()))
            })??;
        if response.status() != 200 {
            return Err(ClientError::Status {
                method: "GET".into(),
                path: path.into(),
                status: response.status().as_u16(),
                message: "the event stream was refused".into(),
            });
        }
        Ok(response.into_body())
    }

    /// GETs a resource that must exist; its JSON.
    pub async fn get_json(&self, path: &str) -> Result<Value, ClientError> {
        let r = self.request("GET", path, &[], Bytes::new()).await?;
        json_of(self.success("GET", path, r)?, path)
    }

    /// Sends a JSON body; the reply when the status is a success.
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        body: &Value,
    ) -> Result<Reply, ClientError> {
        let headers = [("content-type".to_string(), "application/json".to_string())];
        let r = self
            .request(method, path, &headers, Bytes::from(body.to_string()))
            .await?;
        self.success(method, path, r)
    }

    fn success(&self, method: &str, path: &str, r: Reply) -> Result<Reply, ClientError> {
        if (200..300).contains(&r.status) {
            return Ok(r);
        }
        let message = serde_json::from_slice::<Value>(&r.body)
            .ok()
            .and_then(|v| {
                let e = &v["error"];
                e["@Message.ExtendedInfo"][0]["Message"]
                    .as_str()
                    .or(e["message"].as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&r.body[..r.body.len().min(200)]).into_owned()
            });
        Err(ClientError::Status {
            method: method.into(),
            path: path.into(),
            status: r.status,
            message,
        })
    }
}

/// The JSON of a reply.
pub fn json_of(r: Reply, path: &str) -> Result<Value, ClientError> {
    serde_json::from_slice(&r.body)
        .map_err(|e| ClientError::Malformed(format!("GET {path}: not JSON: {e}")))
}

async fn send<IO>(
    io: IO,
    req: hyper::Request<Full<Bytes>>,
) -> hyper::Result<hyper::Response<hyper::body::Incoming>>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    // The connection ends with this one exchange; its task ends with it.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    sender.send_request(req).await
}
