//! The NC-SI engine (requester, manager, OEM client) against the simulator over the
//! in-memory transport, on tokio's paused clock: timeouts cost no real time.

use sidebridge::ncsi::{
    ChannelRole, Event, Manager, ManagerConfig, OemClient, OemError, RequestError, Requester,
    Timing,
};
use sidebridge_protocol::ncsi::{ChannelId, Command, ResponseData};
use sidebridge_protocol::oem::{
    self, MediaInsert, MediaSlot, Request, ResetType, ResultCode, TransferProtocol,
};
use sidebridge_sim::{Control, Scenario, SimHandle, Simulator};
use sidebridge_transport::memory;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn scenario_text(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sim/scenarios")
            .join(name),
    )
    .unwrap()
}

struct Bench {
    requester: Arc<Requester>,
    sim: SimHandle,
}

fn start(text: &str) -> Bench {
    let sim = Simulator::new(Scenario::parse(text).unwrap());
    let handle = sim.handle();
    let (mc, nc) = memory::pair(4096);
    tokio::spawn(sim.run(nc, std::future::pending()));
    Bench {
        requester: Arc::new(Requester::new(Arc::new(mc))),
        sim: handle,
    }
}

fn manager(b: &Bench) -> Manager {
    Manager::new(b.requester.clone(), ManagerConfig::default())
}

fn faulty(kind: &str, extra: &str) -> String {
    format!(
        "{}\n[[fault]]\nkind = \"{kind}\"\nprobability = 0.3\n{extra}\n",
        scenario_text("two-dpus.toml")
    )
}

#[tokio::test(start_paused = true)]
async fn discovers_two_dpus_as_the_kernel_would() {
    let b = start(&scenario_text("two-dpus.toml"));
    let t = manager(&b).discover().await;
    assert_eq!(t.packages.iter().map(|p| p.id).collect::<Vec<_>>(), [0, 1]);
    for p in &t.packages {
        assert_eq!(p.channels.len(), 2);
        assert!(p.present && p.hardware_arbitration);
        let card = p.card.as_ref().expect("a DPU has a card BMC");
        assert_eq!(card.model, "DPU-1000");
        for c in &p.channels {
            assert_eq!(c.version.firmware_name(), "DPU NIC");
            assert!(c.link.link_up());
            assert_eq!(c.role, ChannelRole::Standby);
        }
    }
    assert_eq!(t.packages[0].card.as_ref().unwrap().serial, "DPU0000A1");
    assert_eq!(t.packages[1].card.as_ref().unwrap().serial, "DPU0000B2");
    // A Mellanox get-MAC answers the MC's own address, not the host's (as the kernel
    // reads it): no host MAC, and that address as the MC's.
    assert_eq!(t.packages[0].channels[1].host_mac, None);
    assert_eq!(
        t.packages[0].channels[1].mc_mac,
        Some([0x02, 0x5b, 0, 0, 0, 0x11])
    );
    assert_eq!(t.packages[0].uuid.unwrap()[15], 0);
    // Six absent packages cost one probe each.
    for id in 2..8 {
        assert_eq!(b.requester.counters(ChannelId::package(id)).timed_out, 1);
    }
}

#[tokio::test(start_paused = true)]
async fn a_plain_nic_has_no_card_and_eight_by_four_has_32_channels() {
    let b = start(&scenario_text("one-nic.toml"));
    let t = manager(&b).discover().await;
    assert_eq!(t.packages.len(), 1);
    assert!(t.packages[0].card.is_none());
    // Broadcom answers the host's address; the MC's is one more.
    assert_eq!(
        t.packages[0].channels[0].host_mac,
        Some([0x02, 0x5b, 0, 0, 0, 0x20])
    );
    assert_eq!(
        t.packages[0].channels[0].mc_mac,
        Some([0x02, 0x5b, 0, 0, 0, 0x21])
    );

    let b = start(&scenario_text("eight-by-four.toml"));
    let t = manager(&b).discover().await;
    assert_eq!(t.packages.len(), 8);
    assert_eq!(
        t.packages.iter().map(|p| p.channels.len()).sum::<usize>(),
        32
    );
    assert!(t.packages.iter().all(|p| p.card.is_some()));
}

async fn next_event(
    rx: &mut tokio::sync::broadcast::Receiver<Event>,
    want: impl Fn(&Event) -> bool,
) -> Event {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let e = rx.recv().await.unwrap();
            if want(&e) {
                return e;
            }
        }
    })
    .await
    .expect("event within 60 s")
}

#[tokio::test(start_paused = true)]
async fn activates_the_preferred_channel_and_fails_over_on_link_loss() {
    let b = start(&scenario_text("two-dpus.toml"));
    let cfg = ManagerConfig {
        preferred: Some(ChannelId::new(1, 0)),
        ..ManagerConfig::default()
    };
    let m = Arc::new(Manager::new(b.requester.clone(), cfg));
    let mut events = m.events();
    tokio::spawn(m.clone().run(std::future::pending()));
    let e = next_event(&mut events, |e| matches!(e, Event::Failover { .. })).await;
    assert_eq!(
        e,
        Event::Failover {
            from: None,
            to: Some(ChannelId::new(1, 0))
        }
    );
    // The NC really has the channel enabled, with AENs including the OEM bit.
    let ch = b.sim.with(|nc| nc.package(1).unwrap().channels[0].clone());
    assert!(
        ch.enabled
            && ch.tx_enabled
            && ch.aen.link_status_change()
            && ch.aen.0 & oem::EVENT_AEN_ENABLE_BIT != 0
    );

    // Link loss on the active channel: an AEN, then failover within the package.
    b.sim.control(Control::Link {
        package: 1,
        channel: 0,
        up: false,
    });
    let e = next_event(&mut events, |e| matches!(e, Event::Failover { .. })).await;
    assert_eq!(
        e,
        Event::Failover {
            from: Some(ChannelId::new(1, 0)),
            to: Some(ChannelId::new(1, 1))
        }
    );
    assert_eq!(m.snapshot().active, Some(ChannelId::new(1, 1)));
    assert!(b.sim.with(|nc| nc.package(1).unwrap().channels[1].enabled));
    assert!(
        !m.snapshot()
            .channel(ChannelId::new(1, 0))
            .unwrap()
            .link
            .link_up()
    );
}

#[tokio::test(start_paused = true)]
async fn a_vanished_package_fails_over_and_is_found_again() {
    let b = start(&scenario_text("two-dpus.toml"));
    let cfg = ManagerConfig {
        preferred: Some(ChannelId::new(0, 0)),
        ..ManagerConfig::default()
    };
    let m = Arc::new(Manager::new(b.requester.clone(), cfg));
    let mut events = m.events();
    tokio::spawn(m.clone().run(std::future::pending()));
    next_event(&mut events, |e| {
        matches!(e, Event::Failover { to: Some(_), .. })
    })
    .await;
    b.sim.control(Control::Present {
        package: 0,
        present: false,
    });
    assert_eq!(
        next_event(&mut events, |e| matches!(e, Event::PackageLost(_))).await,
        Event::PackageLost(0)
    );
    let e = next_event(&mut events, |e| matches!(e, Event::Failover { .. })).await;
    let Event::Failover { to: Some(to), .. } = e else {
        panic!("{e:?}")
    };
    assert_eq!(to.package_id(), 1, "traffic moved to the other DPU");
    b.sim.control(Control::Present {
        package: 0,
        present: true,
    });
    assert_eq!(
        next_event(&mut events, |e| matches!(e, Event::PackageFound(_))).await,
        Event::PackageFound(0)
    );
    assert!(m.snapshot().package(0).unwrap().present);
}

#[tokio::test(start_paused = true)]
async fn every_response_fault_leaves_discovery_correct() {
    let clean = {
        let b = start(&scenario_text("two-dpus.toml"));
        manager(&b).discover().await
    };
    for (kind, extra) in [
        ("drop", ""),
        ("delay", "delay_ms = 1500"),
        ("duplicate", ""),
        ("corrupt_checksum", ""),
        ("truncate", ""),
        ("stale_iid", ""),
    ] {
        let b = start(&faulty(kind, extra));
        let m = manager(&b);
        let t = m.discover().await;
        // Compare what does not change between runs (link and parameters do not
        // either, but statistics would).
        assert_eq!(t.packages.len(), clean.packages.len(), "{kind}");
        for (p, q) in t.packages.iter().zip(&clean.packages) {
            assert_eq!(p.card, q.card, "{kind}");
            assert_eq!(p.uuid, q.uuid, "{kind}");
            let ids = |p: &sidebridge::ncsi::PackageInfo| {
                p.channels
                    .iter()
                    .map(|c| (c.id, c.version, c.capabilities, c.host_mac))
                    .collect::<Vec<_>>()
            };
            assert_eq!(ids(p), ids(q), "{kind}");
        }
        let total = |f: fn(&sidebridge::ncsi::Counters) -> u64| {
            b.requester
                .all_counters()
                .iter()
                .map(|(_, c)| f(c))
                .sum::<u64>()
        };
        match kind {
            "drop" => assert!(total(|c| c.timed_out) > 6, "{kind}"),
            "delay" | "duplicate" | "stale_iid" => assert!(total(|c| c.stale) > 0, "{kind}"),
            "corrupt_checksum" => assert!(total(|c| c.bad_checksum) > 0, "{kind}"),
            "truncate" => assert!(total(|c| c.malformed) > 0, "{kind}"),
            _ => unreachable!(),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_timeout_is_reported_as_a_timeout() {
    let text = format!(
        "{}\n[[fault]]\nkind = \"drop\"\nprobability = 1.0\ncommand = \"Get Link Status\"\n",
        scenario_text("two-dpus.toml")
    );
    let b = start(&text);
    let ch = ChannelId::new(0, 0);
    b.requester
        .request(
            ChannelId::package(0),
            Command::SelectPackage {
                hardware_arbitration_disable: false,
            },
            Timing::COMMAND,
        )
        .await
        .unwrap();
    b.requester
        .request(ch, Command::ClearInitialState, Timing::COMMAND)
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let err = b
        .requester
        .request(ch, Command::GetLinkStatus, Timing::COMMAND)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RequestError::Timeout {
                attempts: 3,
                timeout_ms: 1000,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "Get Link Status to package 0 channel 0: no response after 3 attempt(s) of 1000 ms"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert_eq!(b.requester.counters(ch).timed_out, 3);
}

async fn dpu_client(b: &Bench) -> (Manager, OemClient) {
    let m = manager(b);
    m.discover().await;
    let client = m.oem(0).unwrap();
    (m, client)
}

#[tokio::test(start_paused = true)]
async fn oem_retries_never_apply_an_operation_twice() {
    // A third of OEM responses are lost: the requester retries the same frame, and the
    // card answers the retries from its record.
    let text = format!(
        "{}\n[[fault]]\nkind = \"drop\"\nprobability = 0.33\ncommand = \"OEM Command\"\n",
        scenario_text("two-dpus.toml")
    );
    let b = start(&text);
    let (_m, client) = dpu_client(&b).await;
    let client = client.with_first_sequence(0x100);
    for _ in 0..5 {
        client
            .run_to_completion(
                &Request::Reset(ResetType::ForceRestart),
                None,
                Duration::from_secs(60),
            )
            .await
            .unwrap();
    }
    assert_eq!(
        b.sim
            .with(|nc| nc.card(0).unwrap().executed(oem::CommandId::Reset)),
        5
    );
    assert!(b.sim.fault_fired(0) > 0, "faults really fired");
}

#[tokio::test(start_paused = true)]
async fn long_operations_complete_by_event_or_by_polling() {
    let b = start(&scenario_text("two-dpus.toml"));
    let m = Arc::new(manager(&b));
    let t = m.discover().await;
    m.activate(t.packages[0].channels[0].id).await.unwrap();
    let client = m.oem(0).unwrap();
    // By event: the requester's AEN stream carries OperationCompleted.
    let started = tokio::time::Instant::now();
    let events = Some(b.requester.subscribe_aens());
    client
        .run_to_completion(
            &Request::Reset(ResetType::ForceRestart),
            events,
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the event ended the wait at once: {:?}",
        started.elapsed()
    );
    assert_eq!(
        b.sim.with(|nc| nc.card(0).unwrap().power()),
        oem::PowerState::On
    );
    // By polling, and a failure is reported with the card's result.
    let insert = |image: &str| {
        Request::VirtualMediaInsert(MediaInsert {
            slot: MediaSlot::Cd,
            write_protected: true,
            protocol: TransferProtocol::FromUri,
            image: image.into(),
            username: String::new(),
            password: String::new(),
        })
    };
    client
        .run_to_completion(
            &insert("http://192.0.2.10/a.iso"),
            None,
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(
        b.sim
            .with(|nc| nc.card(0).unwrap().media(MediaSlot::Cd).state),
        oem::MediaState::Inserted
    );
    client
        .call(&Request::VirtualMediaEject(MediaSlot::Cd))
        .await
        .unwrap();
    let err = client
        .run_to_completion(
            &insert("http://images.invalid/a.iso"),
            None,
            Duration::from_secs(30),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            OemError::Card {
                result: ResultCode::OperationFailed,
                ..
            }
        ),
        "{err}"
    );
    let err = client
        .call(&insert("ftp://192.0.2.10/a.iso"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "card answered UnsupportedScheme: scheme ftp is not supported"
    );
}

#[tokio::test(start_paused = true)]
async fn a_card_that_is_gone_is_a_timeout_not_a_success() {
    let b = start(&scenario_text("two-dpus.toml"));
    let (_m, client) = dpu_client(&b).await;
    b.sim.with(|nc| nc.set_present(0, false));
    let err = client.call(&Request::GetPowerState).await.unwrap_err();
    assert!(
        matches!(err, OemError::Ncsi(RequestError::Timeout { .. })),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_aen_storm_does_not_stop_the_engine() {
    let text = format!(
        "{}\n[[fault]]\nkind = \"aen_storm\"\npackage = 0\nchannel = 0\nat_ms = 100\ncount = 5000\n",
        scenario_text("two-dpus.toml")
    );
    let b = start(&text);
    let m = Arc::new(manager(&b));
    tokio::spawn(m.clone().run(std::future::pending()));
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(b.requester.counters(ChannelId::new(0, 0)).aens >= 5000);
    // Still answering commands afterwards.
    let r = b
        .requester
        .request(
            ChannelId::package(1),
            Command::GetPackageStatus,
            Timing::COMMAND,
        )
        .await
        .unwrap();
    assert!(matches!(r.data, ResponseData::PackageStatus(_)));
}

#[tokio::test(start_paused = true)]
async fn a_busy_card_is_reported_busy_and_then_served() {
    let text = format!(
        "{}\n[[fault]]\nkind = \"card_busy\"\npackage = 0\nat_ms = 0\nduration_ms = 30000\n",
        scenario_text("two-dpus.toml")
    );
    let b = start(&text);
    let m = manager(&b);
    let t = m.discover().await;
    assert!(
        t.packages[0].card.is_none() && t.packages[0].card_busy,
        "busy at discovery"
    );
    assert!(t.packages[1].card.is_some() && !t.packages[1].card_busy);
    let client = OemClient::new(
        b.requester.clone(),
        ChannelId::new(0, 0),
        oem::DEFAULT_MANUFACTURER_ID,
        Timing::COMMAND,
    );
    let err = client.call(&Request::GetPowerState).await.unwrap_err();
    assert_eq!(err.to_string(), "card answered Busy: card BMC busy");
    tokio::time::sleep(Duration::from_secs(30)).await;
    m.refresh_cards().await;
    assert_eq!(
        m.snapshot().packages[0].card.as_ref().unwrap().serial,
        "DPU0000A1"
    );
    let (_, r) = m
        .oem(0)
        .unwrap()
        .call(&Request::GetPowerState)
        .await
        .unwrap();
    assert_eq!(r.body, oem::ResponseBody::PowerState(oem::PowerState::On));
}
