//! The Redfish tunnel (`OEM.md` §4.18, protocol version 2): one Redfish request
//! carried whole to the card BMC and its response carried back.
//!
//! ```text
//! request:  method(1) role(1) header count(1) reserved(1) path+query(string)
//!           headers: count × (name string, value string)  body length(4) body
//! response: status(2) header count(1) reserved(1)
//!           headers: count × (name string, value string)  body length(4) body
//! ```
//! The whole message is at most [`super::MAX_MESSAGE`] bytes and moves in CRC-checked
//! chunks like every other (§3.3). Which header names travel is the requester's and
//! responder's policy (§4.18), not the codec's.

use super::{MAX_MESSAGE, MAX_STRING_LEN, MAX_URI_LEN, get_str, put_str};
use crate::error::{Error, Result};
use crate::wire::{Reader, Writer};

wire_enum! {
    /// The HTTP method of a tunnelled request (§4.18).
    pub enum Method(u8) {
        /// GET.
        Get = 0x01,
        /// HEAD.
        Head = 0x02,
        /// POST.
        Post = 0x03,
        /// PATCH.
        Patch = 0x04,
        /// PUT.
        Put = 0x05,
        /// DELETE.
        Delete = 0x06,
    }
}

impl Method {
    /// The method's name as HTTP writes it; `None` for an unknown code.
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Unknown(_) => return None,
        })
    }

    /// The code of an HTTP method name (exact, upper case).
    pub fn from_name(name: &str) -> Option<Method> {
        Some(match name {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PATCH" => Method::Patch,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }
}

wire_enum! {
    /// The platform user's Redfish role, which the responder's allow-list checks
    /// (§4.18, §9).
    pub enum TunnelRole(u8) {
        /// Redfish `ReadOnly`.
        ReadOnly = 0x01,
        /// Redfish `Operator`.
        Operator = 0x02,
        /// Redfish `Administrator`.
        Administrator = 0x03,
    }
}

/// Header names and values, in order.
pub type Headers = Vec<(String, String)>;

impl TunnelRole {
    /// The role of a Redfish role name (`ReadOnly`, `Operator`, `Administrator`).
    pub fn from_name(name: &str) -> Option<TunnelRole> {
        Some(match name {
            "ReadOnly" => TunnelRole::ReadOnly,
            "Operator" => TunnelRole::Operator,
            "Administrator" => TunnelRole::Administrator,
            _ => return None,
        })
    }

    /// The Redfish role name; `None` for an unknown code.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            TunnelRole::ReadOnly => "ReadOnly",
            TunnelRole::Operator => "Operator",
            TunnelRole::Administrator => "Administrator",
            TunnelRole::Unknown(_) => return None,
        })
    }

    /// Rank for "at least this role" checks: ReadOnly 1, Operator 2, Administrator 3;
    /// an unknown role 0 (below all).
    pub fn rank(self) -> u8 {
        match self {
            TunnelRole::ReadOnly => 1,
            TunnelRole::Operator => 2,
            TunnelRole::Administrator => 3,
            TunnelRole::Unknown(_) => 0,
        }
    }
}

/// Longest header value in bytes (an ETag list, a URI in `Location`).
pub const MAX_HEADER_VALUE_LEN: usize = MAX_URI_LEN;
/// Most headers in one tunnelled message.
pub const MAX_HEADERS: usize = 16;

/// One tunnelled Redfish request (§4.18).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelRequest {
    /// The method.
    pub method: Method,
    /// The platform user's role.
    pub role: TunnelRole,
    /// Path and query on the card's service, starting `/redfish/`.
    pub path: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (JSON for POST/PATCH/PUT; empty otherwise).
    pub body: Vec<u8>,
}

/// The card's answer to a [`TunnelRequest`] (§4.18).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelResponse {
    /// The HTTP status.
    pub status: u16,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl TunnelResponse {
    /// The first value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

impl TunnelRequest {
    /// The first value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn put_headers_and_body(w: &mut Writer<'_>, headers: &[(String, String)], body: &[u8]) {
    for (n, v) in &headers[..headers.len().min(MAX_HEADERS)] {
        put_str(w, n);
        put_str(w, v);
    }
    let body = &body[..body.len().min(MAX_MESSAGE)];
    w.u32(body.len() as u32).bytes(body);
}

fn get_headers_and_body(r: &mut Reader<'_>, count: u8) -> Result<(Headers, Vec<u8>)> {
    if usize::from(count) > MAX_HEADERS {
        return Err(Error::Invalid("tunnel: more than 16 headers"));
    }
    let mut headers = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let name = get_str(r, MAX_STRING_LEN, "tunnel: header name")?;
        let value = get_str(r, MAX_HEADER_VALUE_LEN, "tunnel: header value")?;
        headers.push((name, value));
    }
    let n = r.u32()? as usize;
    if n > MAX_MESSAGE {
        return Err(Error::Invalid("tunnel: body longer than a message"));
    }
    Ok((headers, r.take(n)?.to_vec()))
}

impl TunnelRequest {
    pub(super) fn emit(&self, w: &mut Writer<'_>) {
        w.u8(self.method.into())
            .u8(self.role.into())
            .u8(self.headers.len().min(MAX_HEADERS) as u8)
            .zeros(1);
        put_str(w, &self.path);
        put_headers_and_body(w, &self.headers, &self.body);
    }

    pub(super) fn parse(r: &mut Reader<'_>) -> Result<Self> {
        let (method, role, count) = (r.u8()?, r.u8()?, r.u8()?);
        r.skip(1)?;
        let path = get_str(r, MAX_URI_LEN, "tunnel: path")?;
        let (headers, body) = get_headers_and_body(r, count)?;
        Ok(TunnelRequest {
            method: method.into(),
            role: role.into(),
            path,
            headers,
            body,
        })
    }
}

impl TunnelResponse {
    pub(super) fn emit(&self, w: &mut Writer<'_>) {
        w.u16(self.status)
            .u8(self.headers.len().min(MAX_HEADERS) as u8)
            .zeros(1);
        put_headers_and_body(w, &self.headers, &self.body);
    }

    pub(super) fn parse(r: &mut Reader<'_>) -> Result<Self> {
        let (status, count) = (r.u16()?, r.u8()?);
        r.skip(1)?;
        let (headers, body) = get_headers_and_body(r, count)?;
        Ok(TunnelResponse {
            status,
            headers,
            body,
        })
    }
}
