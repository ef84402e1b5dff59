//! DSP0266 rules every resource shares (`redfish::protocol`): ETags in header and body,
//! If-None-Match, If-Match with concurrent writers, OData-Version, the Link header,
//! POST to `Members`, and unsupported query parameters.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;

mod common;

use common::Client;

async fn start() -> Client {
    Client::start().await
}

async fn make_account(c: &Client, name: &str) -> String {
    let body = format!(
        r#"{{"UserName": "{name}", "Password": "a-long-enough-password-1", "RoleId": "ReadOnly"}}"#
    );
    let (s, _, v) = c
        .send_with(
            Method::POST,
            "/redfish/v1/AccountService/Accounts",
            &[],
            Some(&body),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    format!("/redfish/v1/AccountService/Accounts/{name}")
}

fn message_id(v: &Value) -> String {
    v["error"]["@Message.ExtendedInfo"][0]["MessageId"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn every_resource_carries_its_etag_in_header_and_body_and_a_schema_link() {
    let c = start().await;
    let systems = c.get("/redfish/v1/Systems").await.1;
    let system = systems["Members"][0]["@odata.id"]
        .as_str()
        .unwrap()
        .to_string();
    for path in [
        "/redfish/v1",
        "/redfish/v1/Systems",
        system.as_str(),
        "/redfish/v1/AccountService/Accounts/admin",
        "/redfish/v1/SessionService",
    ] {
        let (h, v) = c.get(path).await;
        let tag = h["ETag"].to_str().unwrap();
        assert_eq!(v["@odata.etag"], tag, "{path}");
        let link = h["Link"].to_str().unwrap();
        let ty = v["@odata.type"].as_str().unwrap();
        let namespace = ty.trim_start_matches('#').rsplit_once('.').unwrap().0;
        assert_eq!(
            link,
            format!("<https://redfish.dmtf.org/schemas/v1/{namespace}.json>; rel=describedby"),
            "{path}"
        );
        // The same answer twice: a stable tag.
        assert_eq!(c.get(path).await.0["ETag"], tag, "{path}");
        let (s, h, _) = c.send_with(Method::HEAD, path, &[], None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h["Link"], link, "HEAD {path}");
    }
}

#[tokio::test]
async fn if_none_match_gives_304_only_for_the_current_tag() {
    let c = start().await;
    let (h, _) = c.get("/redfish/v1/Systems").await;
    let tag = h["ETag"].to_str().unwrap().to_string();
    let (s, h304, body) = c
        .send_with(
            Method::GET,
            "/redfish/v1/Systems",
            &[("If-None-Match", &tag)],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_MODIFIED);
    assert_eq!(h304["ETag"], tag.as_str());
    assert_eq!(body, Value::String(String::new()), "304 has no body");
    let (s, _, _) = c
        .send_with(
            Method::GET,
            "/redfish/v1/Systems",
            &[("If-None-Match", "W/\"0000000000000000\"")],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn if_match_is_enforced_on_accounts_and_the_tag_rotates_on_write() {
    let c = start().await;
    let acct = make_account(&c, "etaguser").await;
    let (h, v) = c.get(&acct).await;
    let tag = h["ETag"].to_str().unwrap().to_string();
    assert_eq!(v["RoleId"], "ReadOnly");
    let role = |r: &str| format!(r#"{{"RoleId": "{r}"}}"#);
    // A tag the service never issued.
    let (s, _, v) = c
        .send_with(
            Method::PATCH,
            &acct,
            &[("If-Match", "W/\"deadbeefdeadbeef\"")],
            Some(&role("Operator")),
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{v}");
    assert_eq!(message_id(&v), "Base.1.19.PreconditionFailed");
    assert_eq!(
        c.get(&acct).await.1["RoleId"],
        "ReadOnly",
        "nothing applied"
    );
    // The current tag.
    let (s, _, v) = c
        .send_with(
            Method::PATCH,
            &acct,
            &[("If-Match", &tag)],
            Some(&role("Operator")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (h, v) = c.get(&acct).await;
    assert_eq!(v["RoleId"], "Operator");
    assert_ne!(
        h["ETag"],
        tag.as_str(),
        "the tag changed with the representation"
    );
    // The stale tag is refused now.
    let (s, _, _) = c
        .send_with(
            Method::PATCH,
            &acct,
            &[("If-Match", &tag)],
            Some(&role("ReadOnly")),
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);
    let (s, _, _) = c
        .send_with(Method::DELETE, &acct, &[("If-Match", &tag)], None)
        .await;
    assert_eq!(
        s,
        StatusCode::PRECONDITION_FAILED,
        "DELETE checks If-Match too"
    );
    assert_eq!(c.get(&acct).await.1["RoleId"], "Operator");
}

/// Writers that all read the same tag: exactly one wins, every other gets 412.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_with_one_tag_have_exactly_one_winner() {
    let c = std::sync::Arc::new(start().await);
    let acct = make_account(&c, "raceuser").await;
    let (h, _) = c.get(&acct).await;
    let tag = h["ETag"].to_str().unwrap().to_string();
    let mut writers = Vec::new();
    for _ in 0..8 {
        let (c, acct, tag) = (c.clone(), acct.clone(), tag.clone());
        writers.push(tokio::spawn(async move {
            c.send_with(
                Method::PATCH,
                &acct,
                &[("If-Match", &tag)],
                Some(r#"{"RoleId": "Operator"}"#),
            )
            .await
            .0
        }));
    }
    let mut statuses = Vec::new();
    for w in writers {
        statuses.push(w.await.unwrap());
    }
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((won, refused), (1, 7), "{statuses:?}");
}

/// The same race on a write that waits for the card (a boot override over NC-SI):
/// each writer asks for another target, and the card ends with the winner's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_boot_writes_with_one_tag_have_exactly_one_winner() {
    let c = std::sync::Arc::new(start().await);
    let systems = c.get("/redfish/v1/Systems").await.1;
    let system = systems["Members"][0]["@odata.id"]
        .as_str()
        .unwrap()
        .to_string();
    let (h, _) = c.get(&system).await;
    let tag = h["ETag"].to_str().unwrap().to_string();
    let mut writers = Vec::new();
    for target in ["Pxe", "Hdd", "Cd", "Usb", "BiosSetup", "Diags"] {
        let (c, system, tag) = (c.clone(), system.clone(), tag.clone());
        writers.push(tokio::spawn(async move {
            let body = format!(
                r#"{{"Boot": {{"BootSourceOverrideTarget": "{target}", "BootSourceOverrideEnabled": "Once"}}}}"#
            );
            (target, c.send_with(Method::PATCH, &system, &[("If-Match", &tag)], Some(&body)).await.0)
        }));
    }
    let mut winners = Vec::new();
    for w in writers {
        let (target, status) = w.await.unwrap();
        match status {
            StatusCode::OK => winners.push(target),
            StatusCode::PRECONDITION_FAILED => {}
            other => panic!("{target}: {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let now = c.get(&system).await.1;
    assert_eq!(now["Boot"]["BootSourceOverrideTarget"], winners[0]);
}

#[tokio::test]
async fn if_match_guards_the_system_patch() {
    let c = start().await;
    let systems = c.get("/redfish/v1/Systems").await.1;
    let system = systems["Members"][0]["@odata.id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _, v) = c
        .send_with(
            Method::PATCH,
            &system,
            &[("If-Match", "W/\"0123456789abcdef\"")],
            Some(r#"{"Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Once"}}"#),
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{v}");
    let (h, v) = c.get(&system).await;
    assert_ne!(v["Boot"]["BootSourceOverrideTarget"], "Pxe");
    let tag = h["ETag"].to_str().unwrap().to_string();
    let (s, _, v) = c
        .send_with(
            Method::PATCH,
            &system,
            &[("If-Match", &tag)],
            Some(r#"{"Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Once"}}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        c.get(&system).await.1["Boot"]["BootSourceOverrideTarget"],
        "Pxe"
    );
}

#[tokio::test]
async fn only_odata_version_4_0_is_served() {
    let c = start().await;
    let (s, _, v) = c
        .send_with(
            Method::GET,
            "/redfish/v1/Systems",
            &[("OData-Version", "4.1")],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{v}");
    assert_eq!(message_id(&v), "Base.1.19.HeaderInvalid");
    let (s, _, _) = c
        .send_with(
            Method::GET,
            "/redfish/v1/Systems",
            &[("OData-Version", "4.0")],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn unsupported_query_parameters_are_501_and_others_ignored() {
    let c = start().await;
    for q in ["%24levels=2", "$foo=1", "excerpt"] {
        let (s, _, v) = c
            .send_with(Method::GET, &format!("/redfish/v1/Systems?{q}"), &[], None)
            .await;
        assert_eq!(s, StatusCode::NOT_IMPLEMENTED, "{q}: {v}");
        assert_eq!(message_id(&v), "Base.1.19.QueryParameterUnsupported", "{q}");
    }
    let (s, _, _) = c
        .send_with(Method::GET, "/redfish/v1/Systems?foo=1", &[], None)
        .await;
    assert_eq!(s, StatusCode::OK, "a non-OData parameter is not a query");
}

#[tokio::test]
async fn post_to_members_is_post_to_the_collection() {
    let c = start().await;
    let (s, h, v) = c
        .send_with(
            Method::POST,
            "/redfish/v1/AccountService/Accounts/Members",
            &[],
            Some(r#"{"UserName": "membersuser", "Password": "a-long-enough-password-1", "RoleId": "ReadOnly"}"#),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        h["Location"],
        "/redfish/v1/AccountService/Accounts/membersuser"
    );
    // Login without credentials at Sessions/Members, like at Sessions.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/redfish/v1/SessionService/Sessions/Members")
        .header("Content-Type", "application/json")
        .body(Body::from(
            r#"{"UserName": "membersuser", "Password": "a-long-enough-password-1"}"#,
        ))
        .unwrap();
    let r = tower::ServiceExt::oneshot(c.app.clone(), req)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(r.headers().contains_key("X-Auth-Token"));
}

#[tokio::test]
async fn expand_select_filter_top_skip_and_only() {
    let c = start().await;
    // $expand=*: the members are the resources themselves.
    let (_, v) = c.get("/redfish/v1/Systems?$expand=*").await;
    let members = v["Members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(
        members[0]["@odata.type"],
        "#ComputerSystem.v1_28_0.ComputerSystem"
    );
    assert!(members[0]["Boot"].is_object());
    // `.` does not follow Links; `~` follows only Links.
    let sys = members[0]["@odata.id"].as_str().unwrap().to_string();
    let (_, dot) = c.get(&format!("{sys}?$expand=.")).await;
    assert_eq!(dot["Links"]["Chassis"][0].as_object().unwrap().len(), 1);
    let (_, tilde) = c.get(&format!("{sys}?$expand=~")).await;
    assert!(
        tilde["Links"]["Chassis"][0]["ChassisType"].is_string(),
        "{tilde}"
    );
    // Two levels: the chassis' NetworkAdapters collection is expanded too.
    let (_, deep) = c.get("/redfish/v1/Chassis?$expand=.($levels=2)").await;
    assert!(
        deep["Members"][0]["NetworkAdapters"]["Members"].is_array(),
        "{deep}"
    );
    // $select keeps the named properties and the OData annotations.
    let (h, v) = c
        .get(&format!("{sys}?$select=Id,Boot/BootSourceOverrideTarget"))
        .await;
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["@odata.etag", "@odata.id", "@odata.type", "Boot", "Id"],
        "{v}"
    );
    assert_eq!(v["Boot"].as_object().unwrap().len(), 1);
    assert_eq!(v["@odata.etag"], h["ETag"].to_str().unwrap());
    // $filter on the members' own properties.
    let (_, v) = c
        .get("/redfish/v1/Systems?$filter=SerialNumber%20eq%20'DPU0000B2'")
        .await;
    assert_eq!(v["Members@odata.count"], 1);
    assert_eq!(
        v["Members"][0]["@odata.id"],
        "/redfish/v1/Systems/DPU0000B2"
    );
    let (_, v) = c
        .get("/redfish/v1/Systems?$filter=not%20(PowerState%20eq%20'On')%20or%20Id%20eq%20'nope'")
        .await;
    assert_eq!(v["Members@odata.count"], 0);
    // $top/$skip with a next link.
    let (_, v) = c.get("/redfish/v1/Systems?$top=1").await;
    assert_eq!(v["Members"].as_array().unwrap().len(), 1);
    assert_eq!(v["Members@odata.count"], 2);
    assert_eq!(
        v["Members@odata.nextLink"],
        "/redfish/v1/Systems?$skip=1&$top=1"
    );
    let (_, v) = c.get("/redfish/v1/Systems?$skip=1&$top=1").await;
    assert_eq!(
        v["Members"][0]["@odata.id"],
        "/redfish/v1/Systems/DPU0000B2"
    );
    assert!(v.get("Members@odata.nextLink").is_none());
    // only: a one-member collection answers with its member.
    let (_, v) = c
        .get("/redfish/v1/Chassis/DPU0000A1/NetworkAdapters?only")
        .await;
    assert_eq!(
        v["@odata.type"],
        c.get("/redfish/v1/Chassis/DPU0000A1/NetworkAdapters/NIC")
            .await
            .1["@odata.type"]
    );
    // Errors per the Base registry.
    for (q, status, id) in [
        (
            "$top=-1",
            StatusCode::BAD_REQUEST,
            "QueryParameterValueFormatError",
        ),
        (
            "$expand=*($levels=9)",
            StatusCode::BAD_REQUEST,
            "QueryParameterOutOfRange",
        ),
        (
            "$filter=Id%20is%20'x'",
            StatusCode::BAD_REQUEST,
            "QueryParameterValueFormatError",
        ),
        (
            "only&$select=Id",
            StatusCode::BAD_REQUEST,
            "QueryCombinationInvalid",
        ),
        (
            "excerpt",
            StatusCode::NOT_IMPLEMENTED,
            "QueryParameterUnsupported",
        ),
    ] {
        let (s, _, v) = c
            .send_with(Method::GET, &format!("/redfish/v1/Systems?{q}"), &[], None)
            .await;
        assert_eq!(s, status, "{q}: {v}");
        assert_eq!(message_id(&v), format!("Base.1.19.{id}"), "{q}");
    }
    // Advertised.
    let (_, root) = c.get("/redfish/v1").await;
    let f = &root["ProtocolFeaturesSupported"];
    assert_eq!(
        (
            &f["ExpandQuery"]["ExpandAll"],
            &f["FilterQuery"],
            &f["SelectQuery"],
            &f["TopSkipQuery"],
            &f["OnlyMemberQuery"]
        ),
        (
            &Value::Bool(true),
            &Value::Bool(true),
            &Value::Bool(true),
            &Value::Bool(true),
            &Value::Bool(true)
        )
    );
}
