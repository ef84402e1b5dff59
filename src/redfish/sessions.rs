//! SessionService (login sessions) and AccountService (accounts, roles).

use super::auth::{Caller, Privilege, Role};
use super::error::{RedfishError, RfResult};
use super::service::odata_type;
use super::{JsonBody, Shared, collection, methods, no_content, resource};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

fn text<'a>(body: &'a Map<String, Value>, key: &str) -> RfResult<Option<&'a str>> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(RedfishError::value_type(key, &v.to_string())),
    }
}

fn only(body: &Map<String, Value>, allowed: &[&str], read_only: &[&str]) -> RfResult<()> {
    let mut err: Option<RedfishError> = None;
    for k in body.keys() {
        let e = if read_only.contains(&k.as_str()) {
            RedfishError::not_writable(k)
        } else if !allowed.contains(&k.as_str()) && !k.starts_with('@') {
            RedfishError::property_unknown(k)
        } else {
            continue;
        };
        err = Some(match err {
            Some(prev) => prev.and(e),
            None => e,
        });
    }
    err.map_or(Ok(()), Err)
}

async fn session_service(State(state): State<Shared>) -> Response {
    resource(
        json!({
            "@odata.id": "/redfish/v1/SessionService",
            "@odata.type": odata_type("SessionService"),
            "Id": "SessionService",
            "Name": "Session Service",
            "ServiceEnabled": true,
            "SessionTimeout": state.auth.session_timeout.as_secs(),
            "Sessions": { "@odata.id": "/redfish/v1/SessionService/Sessions" },
            "Status": { "State": "Enabled", "Health": "OK" }
        }),
        "GET",
    )
}

fn session_body(id: &str, user: &str) -> Value {
    json!({
        "@odata.id": format!("/redfish/v1/SessionService/Sessions/{id}"),
        "@odata.type": odata_type("Session"),
        "Id": id,
        "Name": "User Session",
        "UserName": user,
        "SessionType": "Redfish"
    })
}

async fn sessions(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    // Administrators see every session; others their own.
    let list = state
        .auth
        .sessions()
        .into_iter()
        .filter(|s| c.role == Role::Administrator || s.user == c.user);
    Ok(resource(
        collection(
            "/redfish/v1/SessionService/Sessions",
            "SessionCollection",
            "Session Collection",
            list.map(|s| format!("/redfish/v1/SessionService/Sessions/{}", s.id)),
        ),
        "GET, POST",
    ))
}

async fn login(State(state): State<Shared>, JsonBody(body): JsonBody) -> RfResult<Response> {
    only(&body, &["UserName", "Password"], &[])?;
    let user =
        text(&body, "UserName")?.ok_or_else(|| RedfishError::property_missing("UserName"))?;
    let password =
        text(&body, "Password")?.ok_or_else(|| RedfishError::property_missing("Password"))?;
    let s = match state.auth.login(user, password).await {
        Ok(s) => s,
        Err(super::auth::LoginError::Refused) => return Err(RedfishError::unauthorized()),
        Err(super::auth::LoginError::TooManySessions) => {
            return Err(RedfishError::session_limit());
        }
    };
    let location = format!("/redfish/v1/SessionService/Sessions/{}", s.id);
    let mut r = (
        StatusCode::CREATED,
        axum::Json(session_body(&s.id, &s.user)),
    )
        .into_response();
    let h = r.headers_mut();
    h.insert(
        "X-Auth-Token",
        HeaderValue::from_str(&s.token).map_err(|_| RedfishError::internal())?,
    );
    h.insert(
        header::LOCATION,
        HeaderValue::from_str(&location).map_err(|_| RedfishError::internal())?,
    );
    Ok(r)
}

async fn session(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let s = state
        .auth
        .sessions()
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| RedfishError::not_found("Session", &id))?;
    if s.user != c.user && c.role != Role::Administrator {
        return Err(RedfishError::insufficient_privilege());
    }
    Ok(resource(session_body(&s.id, &s.user), "GET, DELETE"))
}

async fn logout(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> RfResult<Response> {
    let s = state
        .auth
        .sessions()
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| RedfishError::not_found("Session", &id))?;
    if s.user != c.user {
        c.require(Privilege::ConfigureUsers)?;
    }
    super::check_if_match(&headers, &session_body(&s.id, &s.user))?;
    state.auth.logout(&id);
    Ok(no_content())
}

async fn account_service(State(state): State<Shared>) -> Response {
    let l = state.auth.lockout();
    resource(
        json!({
            "@odata.id": "/redfish/v1/AccountService",
            "@odata.type": odata_type("AccountService"),
            "Id": "AccountService",
            "Name": "Account Service",
            "ServiceEnabled": true,
            "MinPasswordLength": 8,
            "MaxPasswordLength": 128,
            "LocalAccountAuth": "Enabled",
            "AccountLockoutThreshold": l.threshold,
            "AccountLockoutDuration": l.duration_s,
            "AccountLockoutCounterResetAfter": l.reset_after_s,
            "AccountLockoutCounterResetEnabled": true,
            "Accounts": { "@odata.id": "/redfish/v1/AccountService/Accounts" },
            "Roles": { "@odata.id": "/redfish/v1/AccountService/Roles" },
            "Status": { "State": "Enabled", "Health": "OK" }
        }),
        "GET, PATCH",
    )
}

/// PATCH AccountService: the lockout settings (ConfigureUsers). A duration or reset
/// time of 0 is refused: an account locked for no time, or a counter that never
/// counts, is not a lockout.
async fn patch_account_service(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureUsers)?;
    only(
        &body,
        &[
            "AccountLockoutThreshold",
            "AccountLockoutDuration",
            "AccountLockoutCounterResetAfter",
        ],
        &[
            "Id",
            "Name",
            "ServiceEnabled",
            "MinPasswordLength",
            "MaxPasswordLength",
            "LocalAccountAuth",
            "AccountLockoutCounterResetEnabled",
            "Accounts",
            "Roles",
            "Status",
        ],
    )?;
    let mut l = state.auth.lockout();
    let number = |k: &str, lo: u64, hi: u64| -> RfResult<Option<u64>> {
        match body.get(k) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if (lo..=hi).contains(&n) => Ok(Some(n)),
                Some(n) => Err(RedfishError::value_out_of_range(k, &n.to_string())),
                None => Err(RedfishError::value_type(k, &v.to_string())),
            },
        }
    };
    if let Some(n) = number("AccountLockoutThreshold", 0, 1000)? {
        l.threshold = n as u32;
    }
    if let Some(n) = number("AccountLockoutDuration", 1, 86_400)? {
        l.duration_s = n;
    }
    if let Some(n) = number("AccountLockoutCounterResetAfter", 1, 86_400)? {
        l.reset_after_s = n;
    }
    state.auth.set_lockout(l)?;
    Ok(account_service(State(state)).await)
}

fn account_body(user: &str, role: Role, enabled: bool, locked: bool) -> Value {
    json!({
        "@odata.id": format!("/redfish/v1/AccountService/Accounts/{user}"),
        "@odata.type": odata_type("ManagerAccount"),
        "Id": user,
        "Name": "User Account",
        "UserName": user,
        "RoleId": role.name(),
        "Enabled": enabled,
        "Locked": locked,
        "AccountTypes": ["Redfish"],
        "Password": null,
        "Links": { "Role": { "@odata.id": format!("/redfish/v1/AccountService/Roles/{}", role.name()) } }
    })
}

async fn accounts(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let list = state
        .auth
        .accounts()
        .into_iter()
        .filter(|a| c.role.has(Privilege::ConfigureUsers) || a.user == c.user);
    Ok(resource(
        collection(
            "/redfish/v1/AccountService/Accounts",
            "ManagerAccountCollection",
            "Accounts Collection",
            list.map(|a| format!("/redfish/v1/AccountService/Accounts/{}", a.user)),
        ),
        "GET, POST",
    ))
}

fn check_password(p: &str) -> RfResult<()> {
    if p.len() < 8 || p.len() > 128 {
        return Err(RedfishError::value_format("Password", "(hidden)"));
    }
    Ok(())
}

async fn add_account(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureUsers)?;
    only(
        &body,
        &["UserName", "Password", "RoleId", "Enabled"],
        &["Id", "Locked"],
    )?;
    let user =
        text(&body, "UserName")?.ok_or_else(|| RedfishError::property_missing("UserName"))?;
    let password =
        text(&body, "Password")?.ok_or_else(|| RedfishError::property_missing("Password"))?;
    let role_name =
        text(&body, "RoleId")?.ok_or_else(|| RedfishError::property_missing("RoleId"))?;
    let role = Role::from_name(role_name)
        .ok_or_else(|| RedfishError::value_not_in_list("RoleId", role_name))?;
    if user.is_empty()
        || user.len() > 64
        || !user
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'))
    {
        return Err(RedfishError::value_format("UserName", user));
    }
    check_password(password)?;
    let a = state.auth.add(user, password, role)?;
    let mut r = (
        StatusCode::CREATED,
        axum::Json(account_body(
            &a.user,
            a.role,
            a.enabled,
            state.auth.locked(&a.user),
        )),
    )
        .into_response();
    r.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&format!("/redfish/v1/AccountService/Accounts/{}", a.user))
            .map_err(|_| RedfishError::internal())?,
    );
    Ok(r)
}

fn find(state: &Shared, id: &str) -> RfResult<super::auth::Account> {
    state
        .auth
        .accounts()
        .into_iter()
        .find(|a| a.user == id)
        .ok_or_else(|| RedfishError::not_found("ManagerAccount", id))
}

async fn account(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    if id != c.user {
        c.require(Privilege::ConfigureUsers)?;
    }
    let a = find(&state, &id)?;
    Ok(resource(
        account_body(&a.user, a.role, a.enabled, state.auth.locked(&a.user)),
        "GET, PATCH, DELETE",
    ))
}

async fn patch_account(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> RfResult<Response> {
    let a = find(&state, &id)?;
    only(
        &body,
        &["Password", "RoleId", "Enabled", "Locked"],
        &["Id", "UserName", "AccountTypes", "Links"],
    )?;
    // Locked can only be cleared (DSP2046 ManagerAccount.Locked).
    let unlock = match body.get("Locked") {
        None => false,
        Some(Value::Bool(false)) => true,
        Some(Value::Bool(true)) => {
            return Err(RedfishError::value_not_in_list("Locked", "true"));
        }
        Some(v) => return Err(RedfishError::value_type("Locked", &v.to_string())),
    };
    let password = text(&body, "Password")?;
    let role = match text(&body, "RoleId")? {
        Some(r) => {
            Some(Role::from_name(r).ok_or_else(|| RedfishError::value_not_in_list("RoleId", r))?)
        }
        None => None,
    };
    let enabled = match body.get("Enabled") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => return Err(RedfishError::value_type("Enabled", &v.to_string())),
    };
    // One's own password needs ConfigureSelf; anything else ConfigureUsers.
    if role.is_some() || enabled.is_some() || unlock || id != c.user {
        c.require(Privilege::ConfigureUsers)?;
    } else {
        c.require(Privilege::ConfigureSelf)?;
    }
    if let Some(p) = password {
        check_password(p)?;
    }
    super::check_if_match(
        &headers,
        &account_body(&a.user, a.role, a.enabled, state.auth.locked(&a.user)),
    )?;
    state
        .auth
        .update(&id, password, role, enabled, c.session.as_deref())?;
    if unlock {
        state.auth.unlock(&id);
    }
    let a = find(&state, &a.user)?;
    Ok(resource(
        account_body(&a.user, a.role, a.enabled, state.auth.locked(&a.user)),
        "GET, PATCH, DELETE",
    ))
}

async fn delete_account(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> RfResult<Response> {
    c.require(Privilege::ConfigureUsers)?;
    let a = find(&state, &id)?;
    super::check_if_match(
        &headers,
        &account_body(&a.user, a.role, a.enabled, state.auth.locked(&a.user)),
    )?;
    state.auth.remove(&id)?;
    Ok(no_content())
}

const ROLES: [Role; 3] = [Role::Administrator, Role::Operator, Role::ReadOnly];

async fn roles(Extension(c): Extension<Caller>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    Ok(resource(
        collection(
            "/redfish/v1/AccountService/Roles",
            "RoleCollection",
            "Roles Collection",
            ROLES
                .iter()
                .map(|r| format!("/redfish/v1/AccountService/Roles/{}", r.name())),
        ),
        "GET",
    ))
}

async fn role(Extension(c): Extension<Caller>, Path(id): Path<String>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let r = Role::from_name(&id).ok_or_else(|| RedfishError::not_found("Role", &id))?;
    Ok(resource(
        json!({
            "@odata.id": format!("/redfish/v1/AccountService/Roles/{}", r.name()),
            "@odata.type": odata_type("Role"),
            "Id": r.name(),
            "Name": format!("{} Role", r.name()),
            "RoleId": r.name(),
            "IsPredefined": true,
            "AssignedPrivileges": r.privileges()
        }),
        "GET",
    ))
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/redfish/v1/SessionService",
            methods(get(session_service), "GET"),
        )
        .route(
            "/redfish/v1/SessionService/Sessions",
            methods(get(sessions).post(login), "GET, POST"),
        )
        // POST to the Members of a collection is POST to the collection (DSP0266).
        .route(
            "/redfish/v1/SessionService/Sessions/Members",
            methods(post(login), "POST"),
        )
        .route(
            "/redfish/v1/SessionService/Sessions/{id}",
            methods(get(session).delete(logout), "GET, DELETE"),
        )
        .route(
            "/redfish/v1/AccountService",
            methods(
                get(account_service).patch(patch_account_service),
                "GET, PATCH",
            ),
        )
        .route(
            "/redfish/v1/AccountService/Accounts",
            methods(get(accounts).post(add_account), "GET, POST"),
        )
        .route(
            "/redfish/v1/AccountService/Accounts/Members",
            methods(post(add_account), "POST"),
        )
        .route(
            "/redfish/v1/AccountService/Accounts/{id}",
            methods(
                get(account).patch(patch_account).delete(delete_account),
                "GET, PATCH, DELETE",
            ),
        )
        .route(
            "/redfish/v1/AccountService/Roles",
            methods(get(roles), "GET"),
        )
        .route(
            "/redfish/v1/AccountService/Roles/{id}",
            methods(get(role), "GET"),
        )
}

/// Checks a PATCH body: known writable keys only.
pub fn patch_keys(body: &Map<String, Value>, allowed: &[&str], read_only: &[&str]) -> RfResult<()> {
    only(body, allowed, read_only)
}
