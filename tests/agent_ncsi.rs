//! `sidebridge agent` in front of a Redfish service with ETags and task monitors:
//! sidebridge's own platform service over the simulator plays the card BMC's Redfish.
//! Reached through NC-SI OEM commands (as a card's NIC forwards them, on an in-memory
//! link) and as an MCTP endpoint on a pseudo-terminal pair, into the platform's card
//! layer. Needs nothing installed.

mod common;

use sidebridge::agent::{Agent, config::AgentConfig};
use sidebridge::ncsi::{OemClient, OemError, Requester, Timing};
use sidebridge_protocol::ncsi::ChannelId;
use sidebridge_protocol::oem::{
    Bios, BiosChange, BiosValue, BootEnabled, BootMode, BootOverride, BootTarget, CommandId, Event,
    FunctionBootMode, ManagerNetworkUpdate, Method, PortSettings, Request, ResetType, ResponseBody,
    ResultCode, StaticIpv4, TunnelRequest, TunnelRole, capability,
};
use sidebridge_transport::memory;
use std::sync::Arc;
use std::time::Duration;

/// The "card BMC's Redfish": a platform service over the simulated DPUs, on loopback;
/// and an agent configuration for it (DPU0000A1's resources).
async fn card_service(
    link: &str,
    poll_ms: u64,
) -> (common::Running, AgentConfig, std::path::PathBuf) {
    let dir = common::temp_dir();
    let card = common::daemon(&dir).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = sidebridge::redfish::app_trusting(
        card.daemon.state.clone(),
        sidebridge::redfish::auth::Role::Administrator,
    );
    tokio::spawn(sidebridge::daemon::serve_plain(
        listener,
        app,
        card.stop_rx.clone(),
    ));
    let cfg = AgentConfig::parse(&format!(
        "[card]\nurl = \"http://127.0.0.1:{port}\"\ninsecure_plain_http = true\npoll_interval_ms = {poll_ms}\n\
         system = \"DPU0000A1\"\nmanager = \"DPU0000A1\"\nchassis = \"DPU0000A1\"\n{link}"
    ))
    .unwrap();
    (card, cfg, dir)
}

/// An agent for `cfg` answering NC-SI OEM commands on an in-memory link, its event
/// watcher, and the requester and an OEM client on the other end of the link.
fn ncsi_agent(cfg: &AgentConfig) -> (tokio::task::JoinHandle<()>, Arc<Requester>, OemClient) {
    let agent = Agent::new(cfg).unwrap();
    let (mc, nc) = memory::pair(64);
    let watch = agent.spawn_watch(cfg.card.poll_interval);
    tokio::spawn(agent.serve_ncsi(Arc::new(nc), 32473, std::future::pending()));
    let requester = Arc::new(Requester::new(Arc::new(mc)));
    let mut client = OemClient::new(
        requester.clone(),
        ChannelId::new(0, 0),
        32473,
        Timing {
            timeout: Duration::from_secs(5),
            retries: 1,
        },
    );
    client.poll_interval = Duration::from_millis(50);
    (watch, requester, client)
}

/// GetBridgeInfo through `client`, versions 1..2.
async fn bridge_info(client: &OemClient) -> sidebridge_protocol::oem::BridgeInfo {
    match client
        .call(&Request::GetBridgeInfo {
            min_version: 1,
            max_version: 2,
        })
        .await
        .unwrap()
        .1
        .body
    {
        ResponseBody::BridgeInfo(info) => info,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_answers_nc_si_oem_commands_from_a_redfish_service() {
    let (card, cfg, dir) = card_service("[ncsi]\ninterface = \"lo\"\n", 100).await;
    let (watch, requester, client) = ncsi_agent(&cfg);
    let call = |r: Request| {
        let client = client.clone();
        async move { client.call(&r).await.unwrap().1.body }
    };

    // Identity and capabilities from the service's resources; version 2.
    let info = bridge_info(&client).await;
    assert_eq!((info.min_version, info.max_version), (1, 2));
    for cap in [
        capability::BOOT_OVERRIDE,
        capability::POWER,
        capability::VIRTUAL_MEDIA_CD,
        capability::REDFISH_TUNNEL,
        capability::BOOT_PROGRESS,
    ] {
        assert!(
            info.capabilities & cap != 0,
            "capability {cap:#x}: {info:?}"
        );
    }
    let sim_card = card
        .sim
        .with(|nc| nc.card(0).unwrap().config().identity.clone());
    assert_eq!(
        info.serial, sim_card.serial,
        "the card's identity, read from Redfish"
    );

    // What the service accepts, from its AllowableValues: DPU0000A1 boots UEFI only.
    let ResponseBody::AllowableValues(a) = call(Request::GetAllowableValues).await else {
        panic!()
    };
    assert_eq!(a.boot_modes, 1 << u8::from(BootMode::Uefi));

    // A boot override set through the agent reaches the simulated card.
    let boot = BootOverride {
        target: BootTarget::Cd,
        enabled: BootEnabled::Once,
        mode: BootMode::Uefi,
        uri: String::new(),
    };
    call(Request::SetBootOverride(boot.clone())).await;
    assert_eq!(
        card.sim
            .with(|nc| nc.card(0).unwrap().boot_override().clone()),
        boot
    );
    assert_eq!(
        call(Request::GetBootOverride).await,
        ResponseBody::BootOverride(boot)
    );
    // Legacy is refused before any PATCH, naming the field.
    let e = client
        .call(&Request::SetBootOverride(BootOverride {
            target: BootTarget::Pxe,
            enabled: BootEnabled::Once,
            mode: BootMode::Legacy,
            uri: String::new(),
        }))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ValueNotSupported") && e.contains("mode:"),
        "{e}"
    );

    // A reset is a long operation: Accepted, and done once the service's task ended.
    let mut aens = requester.subscribe_aens();
    client
        .run_to_completion(
            &Request::Reset(ResetType::ForceRestart),
            Some(requester.subscribe_aens()),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(
        card.sim
            .with(|nc| nc.card(0).unwrap().executed(CommandId::Reset)),
        1,
        "the reset reached the card once"
    );
    // The agent saw the power change by polling and said so.
    let power_event = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let (_, aen) = aens.recv().await.unwrap();
            if let Ok(Some((_, Event::PowerStateChanged(p)))) = Event::from_aen(&aen, 32473) {
                return p;
            }
        }
    })
    .await
    .expect("a PowerStateChanged event");
    let _ = power_event;

    // The tunnel: a GET with its ETag, then revalidation.
    let get = |inm: Option<String>, role| {
        Request::Redfish(TunnelRequest {
            method: Method::Get,
            role,
            path: "/redfish/v1/Systems/DPU0000A1".into(),
            headers: inm
                .map(|t| vec![("If-None-Match".into(), t)])
                .unwrap_or_default(),
            body: Vec::new(),
        })
    };
    let ResponseBody::Redfish(r) = call(get(None, TunnelRole::ReadOnly)).await else {
        panic!()
    };
    assert_eq!(r.status, 200);
    let etag = r.header("ETag").expect("the service's ETag").to_string();
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["Id"], "DPU0000A1");
    let ResponseBody::Redfish(r) = call(get(Some(etag), TunnelRole::ReadOnly)).await else {
        panic!()
    };
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    // A ReadOnly PATCH: refused by the agent's default allow-list.
    let ResponseBody::Redfish(r) = call(Request::Redfish(TunnelRequest {
        method: Method::Patch,
        role: TunnelRole::ReadOnly,
        path: "/redfish/v1/Systems/DPU0000A1".into(),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: br#"{"AssetTag": "x"}"#.to_vec(),
    }))
    .await
    else {
        panic!()
    };
    assert_eq!(r.status, 403);
    assert!(String::from_utf8_lossy(&r.body).contains("default[1]"));
    watch.abort();
    let _ = card.stop.send(true);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The platform's card layer reaches the agent as an MCTP endpoint (vendor-defined
/// messages on a pty pair, this side the bus owner): the card appears with the tunnel,
/// a reset is a task that ends when the card's did, and the agent's power event,
/// prompted by the card service's server-sent events, arrives as a card event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_layer_reaches_the_agent_over_mctp() {
    use sidebridge::cards::{CardEventKind, Cards, TaskState};
    use sidebridge_transport::mctp::SerialEndpoint;
    // Polling only once an hour: the power event can only come from the card
    // service's server-sent events, which the agent follows.
    let (card, cfg, dir) = card_service("[mctp]\nserial = \"(pty)\"\n", 3_600_000).await;
    let agent = Agent::new(&cfg).unwrap();
    let watch = agent.spawn_watch(cfg.card.poll_interval);
    let (platform, card_side) = SerialEndpoint::pty_pair(8, Some(32473)).unwrap();
    tokio::spawn(agent.serve(card_side, std::future::pending()));
    let manager = Arc::new(sidebridge::ncsi::Manager::new(
        Arc::new(Requester::new(Arc::new(memory::Idle))),
        sidebridge::ncsi::ManagerConfig {
            packages: vec![],
            ..Default::default()
        },
    ));
    let cards = Cards::new(manager);
    let timing = Timing {
        timeout: Duration::from_secs(5),
        retries: 1,
    };
    cards.add_card_bmc(platform, 20, 32473, timing);
    cards.probe_card_bmcs().await;
    let c = cards.cards().pop().expect("the card BMC appeared");
    assert!(c.tunnel() && c.package().is_none(), "{c:?}");
    cards.refresh(&c.id).await.unwrap();
    let mut events = cards.subscribe();
    let task = cards
        .reset(&c.id, ResetType::ForceRestart)
        .await
        .unwrap()
        .expect("a task");
    let (mut ended, mut power) = (false, false);
    tokio::time::timeout(Duration::from_secs(20), async {
        while !(ended && power) {
            match events.recv().await.unwrap().kind {
                CardEventKind::TaskEnded { task: t, ok } if t == task => {
                    assert!(ok);
                    ended = true;
                }
                CardEventKind::PowerChanged(_) => power = true,
                _ => {}
            }
        }
    })
    .await
    .expect("the task's end and a power event");
    assert_eq!(cards.task(task).unwrap().state, TaskState::Completed);
    assert_eq!(
        card.sim
            .with(|nc| nc.card(0).unwrap().executed(CommandId::Reset)),
        1
    );
    watch.abort();
    let _ = card.stop.send(true);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The platform's side of the tunnel against a card service with ETags: the card's
/// ComputerSystem under the platform's id, a second GET revalidated with the card's
/// ETag (the card answers 304, the platform serves what it kept), a stale If-Match
/// refused by the card with 412, and the platform's own privilege table first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_tunnel_revalidates_with_the_cards_etag() {
    use axum::body::Body;
    use axum::http::{Method as M, Request as Rq, StatusCode};
    use http_body_util::BodyExt;
    use sidebridge::cards::Cards;
    use sidebridge_transport::mctp::SerialEndpoint;
    use std::sync::Mutex;

    // The card service, recording what reaches it: path, status, If-None-Match sent.
    let dir = common::temp_dir();
    let card = common::daemon(&dir).await;
    let seen: Arc<Mutex<Vec<(String, u16, bool)>>> = Arc::default();
    let record = seen.clone();
    let app = sidebridge::redfish::app_trusting(
        card.daemon.state.clone(),
        sidebridge::redfish::auth::Role::Administrator,
    )
    .layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let record = record.clone();
            async move {
                let path = req.uri().path().to_string();
                let inm = req.headers().contains_key("if-none-match");
                let r = next.run(req).await;
                record
                    .lock()
                    .unwrap()
                    .push((path, r.status().as_u16(), inm));
                r
            }
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(sidebridge::daemon::serve_plain(
        listener,
        app,
        card.stop_rx.clone(),
    ));
    let cfg = AgentConfig::parse(&format!(
        "[card]\nurl = \"http://127.0.0.1:{port}\"\ninsecure_plain_http = true\n[mctp]\nserial = \"(pty)\"\n"
    ))
    .unwrap();
    let agent = Agent::new(&cfg).unwrap();
    let (platform_ep, card_ep) = SerialEndpoint::pty_pair(8, Some(32473)).unwrap();
    tokio::spawn(agent.serve(card_ep, std::future::pending()));

    // The platform: card layer with that link, and its Redfish service.
    let manager = Arc::new(sidebridge::ncsi::Manager::new(
        Arc::new(Requester::new(Arc::new(memory::Idle))),
        sidebridge::ncsi::ManagerConfig {
            packages: vec![],
            ..Default::default()
        },
    ));
    let cards = Cards::new(manager);
    cards.add_card_bmc(
        platform_ep,
        20,
        32473,
        Timing {
            timeout: Duration::from_secs(5),
            retries: 1,
        },
    );
    cards.probe_card_bmcs().await;
    let id = cards.cards().pop().expect("the card").id.clone();
    let pdir = common::temp_dir();
    sidebridge::daemon::check_state_dir(&pdir).unwrap();
    let (state, created) = sidebridge::redfish::AppState::open(cards, pdir.clone()).unwrap();
    let platform = sidebridge::redfish::app(state.clone());
    let password = std::fs::read_to_string(created.expect("the first start")).unwrap();
    let basic = |user: &str, pw: &str| {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", pw.trim()))
        )
    };
    let admin = basic("admin", &password);
    let send = |method: M,
                path: String,
                auth: String,
                headers: Vec<(&'static str, String)>,
                body: &'static str| {
        let platform = platform.clone();
        async move {
            let mut req = Rq::builder()
                .method(method)
                .uri(path)
                .header("Authorization", auth);
            for (k, v) in headers {
                req = req.header(k, v);
            }
            let r = tower::ServiceExt::oneshot(platform, req.body(Body::from(body)).unwrap())
                .await
                .unwrap();
            let status = r.status();
            let etag = r
                .headers()
                .get("etag")
                .map(|v| v.to_str().unwrap().to_string());
            let bytes = r.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                etag,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default(),
            )
        }
    };
    let system = format!("/redfish/v1/Systems/{id}");
    // The card ids, read once through the tunnel; then only the two GETs count.
    let _ = send(
        M::GET,
        format!("{system}/NoSuch"),
        admin.clone(),
        vec![],
        "",
    )
    .await;
    seen.lock().unwrap().clear();
    let (status, etag, first) = send(M::GET, system.clone(), admin.clone(), vec![], "").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(
        first["@odata.id"],
        system.as_str(),
        "the card's URI rewritten"
    );
    assert_eq!(first["Id"], id.as_str());
    let etag = etag.expect("the card's ETag passed on");
    let (status, _, second) = send(M::GET, system.clone(), admin.clone(), vec![], "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second, first, "served from what was kept");
    let card_path = "/redfish/v1/Systems/DPU0000A1";
    let at_card: Vec<(u16, bool)> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _, _)| p == card_path)
        .map(|(_, s, inm)| (*s, *inm))
        .collect();
    assert_eq!(
        at_card,
        [(200, false), (304, true)],
        "the second GET revalidated at the card"
    );
    // The client's own If-None-Match: 304 from the platform.
    let (status, _, _) = send(
        M::GET,
        system.clone(),
        admin.clone(),
        vec![("If-None-Match", etag)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    // A stale If-Match: the card refuses, the platform says so.
    let (status, _, v) = send(
        M::PATCH,
        system.clone(),
        admin.clone(),
        vec![
            ("If-Match", "\"stale\"".into()),
            ("Content-Type", "application/json".into()),
        ],
        r#"{"AssetTag": "t"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{v}");
    // The platform's privilege table comes first: a ReadOnly user cannot PATCH.
    let (status, _, _) = send(
        M::POST,
        "/redfish/v1/AccountService/Accounts".into(),
        admin.clone(),
        vec![("Content-Type", "application/json".into())],
        r#"{"UserName": "viewer", "Password": "viewer-pass-1", "RoleId": "ReadOnly"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, v) = send(
        M::PATCH,
        system.clone(),
        basic("viewer", "viewer-pass-1"),
        vec![("Content-Type", "application/json".into())],
        r#"{"AssetTag": "t"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let _ = card.stop.send(true);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&pdir);
}

/// GetManagerNetwork and SetManagerNetwork (OEM 1.3) answered from the card service's
/// Manager, its first EthernetInterface and its NetworkProtocol: what the agent reads
/// is what the simulated card behind that service reports, and a change sent through
/// the agent is one PATCH that reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reads_and_writes_the_card_bmcs_network() {
    let (card, cfg, dir) = card_service("[ncsi]\ninterface = \"lo\"\n", 60_000).await;
    let (watch, _, client) = ncsi_agent(&cfg);
    let sim_net = || {
        card.sim
            .with(|nc| nc.card(0).unwrap().bmc_network().cloned().unwrap())
    };
    let info = bridge_info(&client).await;
    for cap in [capability::MANAGER_NETWORK, capability::MANAGER_NETWORK_SET] {
        assert!(info.capabilities & cap != 0, "{cap:#x}: {info:?}");
    }
    let read = || async {
        match client
            .call(&Request::GetManagerNetwork)
            .await
            .unwrap()
            .1
            .body
        {
            ResponseBody::ManagerNetwork(n) => n,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(read().await, sim_net());

    let update = ManagerNetworkUpdate {
        host_name: Some("dpu0-agent".into()),
        domain_name: Some("lab.example".into()),
        name_servers: Some(vec!["192.0.2.99".into()]),
        dhcpv4: None,
        static_ipv4: Some(vec![StaticIpv4 {
            address: [192, 0, 2, 40],
            prefix: 25,
            gateway: [192, 0, 2, 126],
        }]),
    };
    client
        .call(&Request::SetManagerNetwork(update.clone()))
        .await
        .unwrap();
    let mut want = card
        .sim
        .with(|nc| nc.card(0).unwrap().config().bmc_network.clone().unwrap());
    want.apply(&update);
    assert_eq!(sim_net(), want);
    // The service refuses what breaks the rules before anything changes.
    let e = client
        .call(&Request::SetManagerNetwork(ManagerNetworkUpdate {
            host_name: Some("no_underscores".into()),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, OemError::Card { result: ResultCode::InvalidParameter, detail } if detail.starts_with("host_name:")),
        "{e:?}"
    );
    assert_eq!(sim_net(), want);
    watch.abort();
    let _ = std::fs::remove_dir_all(dir);
}

/// GetSensors (OEM 1.3) answered from the card service's Chassis Sensors and
/// PowerSubsystem: the names, types, contexts, readings and thresholds the service
/// shows (the simulated card's, as its last refresh read them), and its capacity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reports_the_card_services_sensors() {
    let (card, cfg, dir) = card_service("[ncsi]\ninterface = \"lo\"\n", 60_000).await;
    let (watch, _, client) = ncsi_agent(&cfg);
    let info = bridge_info(&client).await;
    assert!(info.capabilities & capability::SENSORS != 0, "{info:?}");
    let ResponseBody::Sensors(got) = client.call(&Request::GetSensors).await.unwrap().1.body else {
        panic!()
    };
    let shown = card
        .daemon
        .cards
        .card("DPU0000A1")
        .unwrap()
        .sensors
        .clone()
        .unwrap();
    assert_eq!(got, shown);
    assert_eq!(got.sensors.len(), 5);
    watch.abort();
    let _ = std::fs::remove_dir_all(dir);
}

/// GetNetworkAdapter and SetAdapterSettings (OEM 1.4) answered from the card
/// service's NetworkAdapter: everything it shows (the simulated card's adapter, as
/// the service's last refresh read it) comes back equal; settings PATCHed into its
/// settings objects reach the simulated card as pending; refusals are the §4.24 rules
/// before any PATCH; the defaults go through ResetSettingsToDefault.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reports_and_sets_the_card_services_network_adapter() {
    let (card, cfg, dir) = card_service("[ncsi]\ninterface = \"lo\"\n", 60_000).await;
    let (watch, _, client) = ncsi_agent(&cfg);
    let info = bridge_info(&client).await;
    let bits = capability::NETWORK_ADAPTER | capability::ADAPTER_SETTINGS;
    assert_eq!(info.capabilities & bits, bits, "{info:?}");
    let read = || async {
        match client
            .call(&Request::GetNetworkAdapter)
            .await
            .unwrap()
            .1
            .body
        {
            ResponseBody::NetworkAdapter(a) => a,
            other => panic!("{other:?}"),
        }
    };
    let got = read().await;
    let shown = card
        .daemon
        .cards
        .card("DPU0000A1")
        .unwrap()
        .adapter
        .clone()
        .unwrap();
    assert_eq!(got, shown);
    assert_eq!(got.ports.len(), 2);
    assert!(got.pending.is_none());

    // A speed the port cannot run at: refused by the rules, nothing sent.
    let mut s = got.current.clone();
    s.ports[1] = PortSettings {
        autoneg: false,
        speed_mbps: 40_000,
    };
    let e = client
        .call(&Request::SetAdapterSettings(Some(s.clone())))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, OemError::Card { result: ResultCode::InvalidParameter, detail } if detail.starts_with("port 1:")),
        "{e:?}"
    );
    // Stored through the settings objects: pending on the simulated card.
    s.ports[1].speed_mbps = 25_000;
    s.functions[0].boot_mode = FunctionBootMode::Http;
    client
        .call(&Request::SetAdapterSettings(Some(s.clone())))
        .await
        .unwrap();
    let sim = card
        .sim
        .with(|nc| nc.card(0).unwrap().adapter().cloned().unwrap());
    assert_eq!(sim.pending.as_ref(), Some(&s));
    assert_eq!(read().await.pending, Some(s));
    // The defaults, which are what is in force: nothing pending.
    client
        .call(&Request::SetAdapterSettings(None))
        .await
        .unwrap();
    let sim = card
        .sim
        .with(|nc| nc.card(0).unwrap().adapter().cloned().unwrap());
    assert_eq!(sim.pending, None);
    assert!(read().await.pending.is_none());
    watch.abort();
    let _ = std::fs::remove_dir_all(dir);
}

/// GetBios and SetBiosSettings (OEM 1.4) answered from the card service's Bios: the
/// names, values, registry and pending values it shows (the simulated card's, as the
/// service's last refresh read them); changes PATCHed into its settings object reach
/// the simulated card as pending; what the service refuses (its own definitions) comes
/// back as InvalidParameter naming the attribute; the defaults through ResetBios.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reports_and_sets_the_card_services_bios() {
    let (card, cfg, dir) = card_service("[ncsi]\ninterface = \"lo\"\n", 60_000).await;
    let (watch, _, client) = ncsi_agent(&cfg);
    let info = bridge_info(&client).await;
    let bits = capability::BIOS | capability::BIOS_SETTINGS;
    assert_eq!(info.capabilities & bits, bits, "{info:?}");
    let read = || async {
        match client.call(&Request::GetBios).await.unwrap().1.body {
            ResponseBody::Bios(b) => b,
            other => panic!("{other:?}"),
        }
    };
    let sim = || {
        card.sim
            .with(|nc| nc.card(0).unwrap().bios().cloned().unwrap())
    };
    let got = read().await;
    let shown = sim();
    assert_eq!(got.registry, shown.registry);
    let values = |b: &Bios| {
        let mut v: Vec<(String, String)> = b
            .attributes
            .iter()
            .map(|a| {
                let text = match &a.value {
                    BiosValue::Enumeration(s) | BiosValue::String(s) => s.clone(),
                    BiosValue::Integer(n) => n.to_string(),
                    BiosValue::Boolean(x) => x.to_string(),
                };
                (a.name.clone(), text)
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(values(&got), values(&shown));
    assert!(got.pending.is_empty());

    let change = |name: &str, value: BiosValue| BiosChange {
        name: name.into(),
        value,
    };
    // Out of the service's bounds: its refusal, the attribute named.
    let e = client
        .call(&Request::SetBiosSettings(Some(vec![change(
            "PxeRetryCount",
            BiosValue::Integer(99),
        )])))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, OemError::Card { result: ResultCode::InvalidParameter, detail } if detail.starts_with("PxeRetryCount:")),
        "{e:?}"
    );
    client
        .call(&Request::SetBiosSettings(Some(vec![
            change("PxeRetryCount", BiosValue::Integer(7)),
            change("SerialConsoleBaud", BiosValue::String("9600".into())),
        ])))
        .await
        .unwrap();
    let pending = sim().pending;
    assert_eq!(
        pending,
        vec![
            (1, BiosValue::Enumeration("9600".into())),
            (2, BiosValue::Integer(7))
        ]
    );
    card.daemon.cards.refresh("DPU0000A1").await.unwrap();
    assert_eq!(read().await.pending.len(), 2);
    client.call(&Request::SetBiosSettings(None)).await.unwrap();
    assert!(
        sim().pending.is_empty(),
        "the defaults are the values in force"
    );
    watch.abort();
    let _ = std::fs::remove_dir_all(dir);
}
