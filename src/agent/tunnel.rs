//! The agent's side of the Redfish tunnel (`OEM.md` §4.18): the card owner's
//! allow-list, checked for every request, and the request forwarded to the card BMC's
//! service with only the headers that matter, both ways.
//!
//! The card's `AccountService` and `SessionService` are never reachable, whatever the
//! allow-list says: the platform must not read or change the card's accounts.

use super::client::{ClientError, RedfishClient};
use crate::redfish::error::RedfishError;
use bytes::Bytes;
pub use sidebridge_protocol::oem::TunnelRole;
use sidebridge_protocol::oem::{Method, TunnelRequest, TunnelResponse};

/// Request headers forwarded to the card (lower case).
pub const REQUEST_HEADERS: [&str; 4] =
    ["if-match", "if-none-match", "content-type", "odata-version"];
/// Response headers returned to the platform (lower case). Not OData-Version and Link:
/// the platform's service sets its own, and every byte crosses a slow line.
pub const RESPONSE_HEADERS: [&str; 5] =
    ["etag", "location", "allow", "content-type", "retry-after"];
/// Never reachable through the tunnel (lower-case prefixes).
pub const NEVER: [&str; 2] = ["/redfish/v1/accountservice", "/redfish/v1/sessionservice"];

/// One allow-list rule: `role` and the roles above it may use `methods` on paths
/// under `prefixes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// How errors name it (`allow[1]`, `default[0]`).
    pub name: String,
    /// The lowest role it applies to.
    pub role: TunnelRole,
    /// Methods.
    pub methods: Vec<Method>,
    /// Path prefixes (a prefix matches itself and what is below it).
    pub prefixes: Vec<String>,
}

/// The allow-list: a request passes when one rule allows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    /// The rules.
    pub rules: Vec<Rule>,
}

impl Default for AllowList {
    /// Read everything (ReadOnly and up); write only the Systems, Managers and Chassis
    /// subtrees and their actions (Operator and up).
    fn default() -> Self {
        AllowList {
            rules: vec![
                Rule {
                    name: "default[0]".into(),
                    role: TunnelRole::ReadOnly,
                    methods: vec![Method::Get, Method::Head],
                    prefixes: vec!["/redfish/v1".into()],
                },
                Rule {
                    name: "default[1]".into(),
                    role: TunnelRole::Operator,
                    methods: vec![Method::Post, Method::Patch, Method::Put, Method::Delete],
                    prefixes: vec![
                        "/redfish/v1/Systems".into(),
                        "/redfish/v1/Managers".into(),
                        "/redfish/v1/Chassis".into(),
                    ],
                },
            ],
        }
    }
}

fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/') || prefix.ends_with('/'))
}

fn method_name(m: Method) -> String {
    m.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("method {:#04x}", u8::from(m)))
}

impl AllowList {
    /// Whether `role` may send `method` to `path` (path and query); the reason when not.
    pub fn check(&self, role: TunnelRole, method: Method, path: &str) -> Result<(), String> {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let who = role.name().unwrap_or("an unknown role");
        let what = format!("{} {path}", method_name(method));
        if !path.starts_with("/redfish/v1")
            || path.contains("..")
            || path.contains("//")
            || path.contains(['%', '\\'])
            || path.chars().any(|c| c.is_control() || c == ' ')
        {
            return Err(format!(
                "the card's agent refuses {what}: only plain paths under /redfish/v1 (no '..', '//', '%' or '\\\\') pass the tunnel"
            ));
        }
        let lower = path.to_ascii_lowercase();
        if let Some(p) = NEVER.iter().find(|p| under(&lower, p)) {
            return Err(format!(
                "the card's agent refuses {what}: {p} (the card's accounts and sessions) is never reachable through the tunnel"
            ));
        }
        let allowed = self.rules.iter().any(|r| {
            role.rank() >= r.role.rank()
                && r.role.rank() > 0
                && r.methods.contains(&method)
                && r.prefixes.iter().any(|p| under(path, p))
        });
        if allowed {
            return Ok(());
        }
        let rules: Vec<String> = self
            .rules
            .iter()
            .map(|r| {
                format!(
                    "{}: {} and up may {} under {}",
                    r.name,
                    r.role.name().unwrap_or("?"),
                    r.methods
                        .iter()
                        .map(|m| method_name(*m))
                        .collect::<Vec<_>>()
                        .join(", "),
                    r.prefixes.join(", ")
                )
            })
            .collect();
        Err(format!(
            "the card's agent refuses {what} for {who}: no rule allows it ({})",
            rules.join("; ")
        ))
    }
}

/// A tunnel response carrying a Redfish error.
pub fn error_response(e: RedfishError) -> TunnelResponse {
    let mut headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("OData-Version".to_string(), "4.0".to_string()),
    ];
    if let Some(s) = e.retry_after {
        headers.push(("Retry-After".into(), s.to_string()));
    }
    TunnelResponse {
        status: e.status.as_u16(),
        headers,
        body: e.body().to_string().into_bytes(),
    }
}

/// How much of a message the response's status and headers may take; the body gets
/// the rest of the 64 KiB.
const HEADROOM: usize = 4096;

/// Executes one tunnelled request: the allow-list, then the card's service.
pub async fn forward(
    allow: &AllowList,
    client: &RedfishClient,
    t: TunnelRequest,
) -> TunnelResponse {
    if let Err(why) = allow.check(t.role, t.method, &t.path) {
        tracing::info!("tunnel: {why}");
        return error_response(RedfishError::insufficient_privilege().with_summary(why));
    }
    let Some(method) = t.method.as_str() else {
        return error_response(RedfishError::method_not_allowed(
            "GET, HEAD, POST, PATCH, PUT, DELETE",
        ));
    };
    let headers: Vec<(String, String)> = t
        .headers
        .iter()
        .filter(|(n, _)| REQUEST_HEADERS.iter().any(|h| n.eq_ignore_ascii_case(h)))
        .cloned()
        .collect();
    match client
        .request(method, &t.path, &headers, Bytes::from(t.body))
        .await
    {
        Ok(r) if r.body.len() > sidebridge_protocol::oem::MAX_MESSAGE - HEADROOM => {
            let why = format!(
                "the card's answer to {method} {} is {} bytes; the tunnel carries at most {} (use $select or $top)",
                t.path,
                r.body.len(),
                sidebridge_protocol::oem::MAX_MESSAGE - HEADROOM
            );
            error_response(RedfishError::operation_failed(&why).with_summary(why))
        }
        Ok(r) => TunnelResponse {
            status: r.status,
            headers: r
                .headers
                .into_iter()
                .filter(|(n, _)| RESPONSE_HEADERS.contains(&n.as_str()))
                .collect(),
            body: r.body.to_vec(),
        },
        Err(e @ ClientError::Unreachable { .. }) => {
            tracing::warn!("tunnel: {e}");
            error_response(RedfishError::unavailable(5).with_summary(e.to_string()))
        }
        Err(e) => error_response(RedfishError::operation_failed(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_list_reads_all_and_writes_systems_managers_chassis() {
        let a = AllowList::default();
        let ro = TunnelRole::ReadOnly;
        let op = TunnelRole::Operator;
        let admin = TunnelRole::Administrator;
        assert!(
            a.check(ro, Method::Get, "/redfish/v1/Systems/s?$expand=.")
                .is_ok()
        );
        assert!(a.check(ro, Method::Patch, "/redfish/v1/Systems/s").is_err());
        assert!(a.check(op, Method::Patch, "/redfish/v1/Systems/s").is_ok());
        assert!(
            a.check(
                admin,
                Method::Post,
                "/redfish/v1/Managers/bmc/Actions/Manager.Reset"
            )
            .is_ok()
        );
        // Prefixes match whole segments.
        assert!(a.check(op, Method::Patch, "/redfish/v1/SystemsX").is_err());
        let e = a
            .check(op, Method::Post, "/redfish/v1/UpdateService/Actions/X")
            .unwrap_err();
        assert!(
            e.contains("no rule allows it") && e.contains("default[1]"),
            "{e}"
        );
        // Never: the card's accounts and sessions, in any case, even for reading.
        for p in [
            "/redfish/v1/AccountService/Accounts",
            "/redfish/v1/accountservice",
            "/redfish/v1/SessionService/Sessions",
        ] {
            let e = a.check(admin, Method::Get, p).unwrap_err();
            assert!(e.contains("never reachable"), "{p}: {e}");
        }
        for p in [
            "/redfish/v1/Systems/../AccountService",
            "/redfish/v1//AccountService",
            "/redfish/v1/%41ccountService",
            "/other",
            "/redfish/v1/Systems/a b",
        ] {
            assert!(a.check(admin, Method::Get, p).is_err(), "{p}");
        }
        assert!(
            a.check(TunnelRole::Unknown(9), Method::Get, "/redfish/v1")
                .is_err()
        );
    }
}
