//! Every fault class, demonstrated through the real runner over the in-memory
//! transport, on tokio's paused clock (timeouts take no real time).

mod common;

use sidebridge_protocol::Error;
use sidebridge_protocol::ncsi::*;
use sidebridge_protocol::oem::{self, EVENT_AEN_ENABLE_BIT, Request, ResultCode};
use sidebridge_sim::{Control, Scenario, SimHandle, Simulator};
use sidebridge_transport::Transport;
use sidebridge_transport::memory::{self, MemoryTransport};
use std::time::Duration;
use tokio::time::Instant;

const C0: ChannelId = ChannelId::new(0, 0);

const DPU: &str = r#"
name = "fault test"
seed = 3
[[package]]
id = 0
channels = 2
[package.card]
model = "DPU-1000"
timing = { power_off_ms = 100, power_on_ms = 100, boot_step_ms = 50, media_attach_ms = 100 }
"#;

struct Mc {
    t: MemoryTransport,
    iid: u8,
}

impl Mc {
    async fn send(&mut self, ch: ChannelId, cmd: Command) -> u8 {
        self.iid = self.iid % 255 + 1;
        self.t
            .send(&PacketRepr::command(self.iid, ch, cmd).to_bytes().unwrap())
            .await
            .unwrap();
        self.iid
    }

    /// The next packet within `ms`, raw.
    async fn recv_within(&self, ms: u64) -> Option<Vec<u8>> {
        tokio::time::timeout(Duration::from_millis(ms), self.t.recv())
            .await
            .ok()
            .map(|r| r.unwrap())
    }

    /// The next packet that is not an AEN, parsed.
    async fn response(&self, ms: u64) -> Option<PacketRepr> {
        let deadline = Instant::now() + Duration::from_millis(ms);
        loop {
            let left = deadline
                .saturating_duration_since(Instant::now())
                .as_millis() as u64;
            let p = PacketRepr::parse(&self.recv_within(left.max(1)).await?).unwrap();
            if !matches!(p.body, Body::Aen(_)) {
                return Some(p);
            }
        }
    }

    async fn ok(&mut self, ch: ChannelId, cmd: Command) -> Response {
        let iid = self.send(ch, cmd).await;
        let p = self.response(1000).await.expect("a response");
        assert_eq!(p.iid, iid);
        let Body::Response(r) = p.body else { panic!() };
        assert!(r.is_completed(), "{r:?}");
        r
    }

    async fn init(&mut self) {
        self.ok(
            ChannelId::package(0),
            Command::SelectPackage {
                hardware_arbitration_disable: false,
            },
        )
        .await;
        self.ok(C0, Command::ClearInitialState).await;
    }
}

fn start(text: &str) -> (Mc, SimHandle) {
    let sim = Simulator::new(Scenario::parse(text).unwrap());
    let handle = sim.handle();
    let (mc, nc) = memory::pair(1024);
    tokio::spawn(sim.run(nc, std::future::pending()));
    (Mc { t: mc, iid: 0 }, handle)
}

fn with_fault(fault: &str) -> String {
    format!("{DPU}\n[[fault]]\n{fault}\n")
}

fn gls_fault(kind: &str, extra: &str) -> String {
    with_fault(&format!(
        "kind = \"{kind}\"\ncommand = \"Get Link Status\"\nafter_commands = 0\ncount = 1\n{extra}"
    ))
}

#[tokio::test(start_paused = true)]
async fn drop_loses_the_response_once() {
    let (mut mc, h) = start(&gls_fault("drop", ""));
    mc.init().await;
    mc.send(C0, Command::GetLinkStatus).await;
    assert!(mc.response(1000).await.is_none(), "dropped");
    mc.ok(C0, Command::GetLinkStatus).await;
    assert_eq!(h.fault_fired(0), 1);
}

#[tokio::test(start_paused = true)]
async fn delay_holds_the_response_past_the_timeout() {
    let (mut mc, _) = start(&gls_fault("delay", "delay_ms = 1500"));
    mc.init().await;
    let sent = Instant::now();
    let iid = mc.send(C0, Command::GetLinkStatus).await;
    assert!(
        mc.response(1000).await.is_none(),
        "not within the 1 s timeout"
    );
    let late = mc.response(1000).await.expect("arrives late");
    assert_eq!(late.iid, iid);
    assert_eq!(sent.elapsed(), Duration::from_millis(1500));
}

#[tokio::test(start_paused = true)]
async fn duplicate_sends_the_response_twice() {
    let (mut mc, _) = start(&gls_fault("duplicate", ""));
    mc.init().await;
    let iid = mc.send(C0, Command::GetLinkStatus).await;
    let a = mc.response(100).await.unwrap();
    let b = mc.response(100).await.unwrap();
    assert_eq!((a.iid, b.iid), (iid, iid));
    assert_eq!(a, b);
}

#[tokio::test(start_paused = true)]
async fn corrupt_checksum_and_truncate_break_the_packet() {
    let (mut mc, _) = start(&gls_fault("corrupt_checksum", ""));
    mc.init().await;
    mc.send(C0, Command::GetLinkStatus).await;
    let bytes = mc.recv_within(100).await.unwrap();
    assert!(matches!(
        PacketRepr::parse(&bytes),
        Err(Error::Checksum { .. })
    ));

    let (mut mc, _) = start(&gls_fault("truncate", ""));
    mc.init().await;
    mc.send(C0, Command::GetLinkStatus).await;
    let bytes = mc.recv_within(100).await.unwrap();
    assert!(
        matches!(PacketRepr::parse(&bytes), Err(Error::Truncated { .. })),
        "{:?}",
        PacketRepr::parse(&bytes)
    );
}

#[tokio::test(start_paused = true)]
async fn stale_iid_answers_with_the_previous_iid() {
    let (mut mc, _) = start(&gls_fault("stale_iid", ""));
    mc.init().await;
    let iid = mc.send(C0, Command::GetLinkStatus).await;
    let p = mc.response(100).await.unwrap();
    assert_eq!(p.iid, iid - 1, "a valid packet with the wrong IID");
}

#[tokio::test(start_paused = true)]
async fn random_faults_are_reproducible_from_the_seed() {
    let text = with_fault("kind = \"drop\"\nprobability = 0.5");
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (mut mc, _) = start(&text);
        let mut pattern = Vec::new();
        for _ in 0..40 {
            mc.send(ChannelId::package(0), Command::GetPackageStatus)
                .await;
            pattern.push(mc.response(1000).await.is_some());
        }
        runs.push(pattern);
    }
    assert_eq!(runs[0], runs[1]);
    let answered = runs[0].iter().filter(|a| **a).count();
    assert!(
        (8..=32).contains(&answered),
        "about half dropped: {answered}/40"
    );
}

#[tokio::test(start_paused = true)]
async fn an_aen_storm_floods_the_mc() {
    let (mut mc, _) = start(&with_fault(
        "kind = \"aen_storm\"\npackage = 0\nchannel = 1\nat_ms = 500\ncount = 50",
    ));
    mc.init().await;
    let mut n = 0;
    while let Some(b) = mc.recv_within(1000).await {
        let p = PacketRepr::parse(&b).unwrap();
        assert!(matches!(p.body, Body::Aen(Aen::LinkStatusChange { .. })));
        assert_eq!(p.channel, ChannelId::new(0, 1));
        n += 1;
    }
    assert_eq!(n, 50);
}

#[tokio::test(start_paused = true)]
async fn a_vanished_package_is_silent_then_returns_reset() {
    let (mut mc, h) = start(&with_fault(
        "kind = \"package_vanish\"\npackage = 0\nat_ms = 1000\nduration_ms = 2000",
    ));
    mc.init().await;
    mc.ok(
        C0,
        Command::AenEnable {
            mc_id: 0,
            control: AenControl(0b011),
        },
    )
    .await;
    tokio::time::sleep_until(Instant::now() + Duration::from_millis(1100)).await;
    assert!(!h.with(|nc| nc.package(0).unwrap().present));
    mc.send(C0, Command::GetLinkStatus).await;
    assert!(mc.response(500).await.is_none(), "gone");
    // Back at 3000 ms with a Configuration Required AEN.
    let aen = mc.recv_within(3000).await.unwrap();
    assert_eq!(
        PacketRepr::parse(&aen).unwrap().body,
        Body::Aen(Aen::ConfigurationRequired)
    );
    mc.send(C0, Command::GetLinkStatus).await;
    let Body::Response(r) = mc.response(100).await.unwrap().body else {
        panic!()
    };
    assert_eq!(
        (r.code, r.reason),
        (
            ResponseCode::Failed,
            ReasonCode::InterfaceInitializationRequired
        )
    );
}

#[tokio::test(start_paused = true)]
async fn a_flapping_link_sends_link_aens_and_ends_up() {
    let (mut mc, h) = start(&with_fault(
        "kind = \"link_flap\"\npackage = 0\nchannel = 0\nat_ms = 1000\nduration_ms = 1000\nperiod_ms = 250",
    ));
    mc.init().await;
    mc.ok(
        C0,
        Command::AenEnable {
            mc_id: 0,
            control: AenControl(0b001),
        },
    )
    .await;
    let mut states = Vec::new();
    while let Some(b) = mc.recv_within(2000).await {
        let Body::Aen(Aen::LinkStatusChange { status, .. }) = PacketRepr::parse(&b).unwrap().body
        else {
            panic!()
        };
        states.push(status.link_up());
    }
    assert_eq!(states, [false, true, false, true]);
    assert!(h.with(|nc| nc.package(0).unwrap().channels[0].link.link_up()));
}

#[tokio::test(start_paused = true)]
async fn a_busy_card_answers_busy_for_a_while() {
    let (mut mc, _) = start(&with_fault(
        "kind = \"card_busy\"\npackage = 0\nat_ms = 100\nduration_ms = 1000",
    ));
    mc.init().await;
    let oem_req = |seq| {
        let f = oem::split(
            oem::CommandId::GetPowerState,
            ResultCode::Ok,
            seq,
            &Request::GetPowerState.to_message(),
            1024,
        )
        .unwrap()
        .remove(0);
        Command::Oem(f.to_oem_command(oem::DEFAULT_MANUFACTURER_ID))
    };
    let result = |r: Response| {
        let ResponseData::Oem(o) = r.data else {
            panic!()
        };
        oem::Frame::parse(&o.data).unwrap().result
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = mc.ok(C0, oem_req(1)).await;
    assert_eq!(result(r), ResultCode::Busy);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let r = mc.ok(C0, oem_req(2)).await;
    assert_eq!(result(r), ResultCode::Ok);
}

#[tokio::test(start_paused = true)]
async fn card_events_and_controls_flow_through_the_runner() {
    let (mut mc, h) = start(DPU);
    mc.init().await;
    mc.ok(
        C0,
        Command::AenEnable {
            mc_id: 0,
            control: AenControl(0b001 | EVENT_AEN_ENABLE_BIT),
        },
    )
    .await;
    let f = oem::split(
        oem::CommandId::Reset,
        ResultCode::Ok,
        77,
        &Request::Reset(oem::ResetType::ForceRestart).to_message(),
        1024,
    )
    .unwrap()
    .remove(0);
    mc.ok(
        C0,
        Command::Oem(f.to_oem_command(oem::DEFAULT_MANUFACTURER_ID)),
    )
    .await;
    let mut completed = false;
    while let Some(b) = mc.recv_within(1000).await {
        let Body::Aen(a) = PacketRepr::parse(&b).unwrap().body else {
            continue;
        };
        if let Some((
            _,
            oem::Event::OperationCompleted {
                sequence: 77,
                result,
                ..
            },
        )) = oem::Event::from_aen(&a, oem::DEFAULT_MANUFACTURER_ID).unwrap()
        {
            assert_eq!(result, ResultCode::Ok);
            completed = true;
        }
    }
    assert!(completed, "the reset completed with an event");
    assert!(h.control(Control::Link {
        package: 0,
        channel: 0,
        up: false
    }));
    let b = mc.recv_within(100).await.unwrap();
    assert!(
        matches!(PacketRepr::parse(&b).unwrap().body, Body::Aen(Aen::LinkStatusChange { status, .. }) if !status.link_up())
    );
}

#[tokio::test(start_paused = true)]
async fn a_sensor_offset_fault_pushes_a_reading_past_its_thresholds_for_a_while() {
    let text = format!(
        "{DPU}[package.card.sensors]\nlist = [{{ name = \"nic_temp\", type = \"Temperature\", idle = 50.0, upper_caution = 85.0 }}]\n\
         [[fault]]\nkind = \"sensor_offset\"\npackage = 0\nsensor = \"nic_temp\"\noffset = 40.0\nat_ms = 100\nduration_ms = 1000\n"
    );
    let (mut mc, h) = start(&text);
    mc.init().await;
    let at_zero = || h.with(|nc| nc.card(0).unwrap().sensors(0).unwrap().sensors[0].clone());
    let before = at_zero();
    assert_eq!(before.state(), oem::SensorState::Normal);
    // The runner applies timed faults as it advances; a command makes it advance.
    tokio::time::sleep(Duration::from_millis(200)).await;
    mc.ok(C0, Command::GetLinkStatus).await;
    let during = at_zero();
    assert_eq!(during.reading.unwrap() - before.reading.unwrap(), 40_000);
    assert_eq!(during.state(), oem::SensorState::Warning);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    mc.ok(C0, Command::GetLinkStatus).await;
    assert_eq!(at_zero(), before);
    // A fault naming a sensor the card does not have is refused with the reason.
    let e =
        Scenario::parse(&text.replace("sensor = \"nic_temp\"", "sensor = \"nope\"")).unwrap_err();
    assert!(
        e.to_string()
            .contains("\"nope\" is not a sensor of that card"),
        "{e}"
    );
}
