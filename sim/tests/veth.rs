//! The `sidebridge-sim` binary on one end of a veth pair inside a network namespace
//! this test creates, and raw NC-SI frames on the other end. Needs root (network
//! namespaces, CAP_NET_RAW): skipped with a message otherwise, except under CI=true,
//! where a missing privilege fails the test.

use sidebridge_protocol::ncsi::*;
use sidebridge_protocol::oem::{self, Request, ResponseBody, ResultCode};
use sidebridge_sim::testbed::{Testbed, privileged};
use sidebridge_transport::Transport;
use sidebridge_transport::raw::RawSocket;
use std::time::Duration;

async fn exchange(t: &RawSocket, iid: u8, ch: ChannelId, cmd: Command) -> Option<Response> {
    t.send(&PacketRepr::command(iid, ch, cmd).to_bytes().unwrap())
        .await
        .unwrap();
    loop {
        let bytes = tokio::time::timeout(Duration::from_secs(1), t.recv())
            .await
            .ok()?
            .unwrap();
        let p = PacketRepr::parse(&bytes).unwrap();
        if let Body::Response(r) = p.body {
            assert_eq!((p.iid, p.channel), (iid, ch));
            return Some(r);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_answers_raw_frames_over_a_veth_pair() {
    if !privileged("the_simulator_answers_raw_frames_over_a_veth_pair") {
        return;
    }
    let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/two-dpus.toml");
    let bed = Testbed::start(
        "a",
        std::path::Path::new(env!("CARGO_BIN_EXE_sidebridge-sim")),
        &scenario,
    );
    let t = RawSocket::open(&bed.host_interface)
        .unwrap()
        .with_source_mac([0x02, 0, 0, 0, 0, 0x01]);

    // Wait for the simulator to come up: Select Package until it answers.
    let mut up = false;
    for iid in 1..=20 {
        if exchange(
            &t,
            iid,
            ChannelId::package(0),
            Command::SelectPackage {
                hardware_arbitration_disable: false,
            },
        )
        .await
        .is_some()
        {
            up = true;
            break;
        }
    }
    assert!(up, "the simulator did not answer on {}", bed.host_interface);

    // Package 1 exists, package 4 does not.
    assert!(
        exchange(
            &t,
            30,
            ChannelId::package(1),
            Command::SelectPackage {
                hardware_arbitration_disable: false
            }
        )
        .await
        .is_some()
    );
    assert!(
        exchange(
            &t,
            31,
            ChannelId::package(4),
            Command::SelectPackage {
                hardware_arbitration_disable: false
            }
        )
        .await
        .is_none()
    );

    let c0 = ChannelId::new(0, 0);
    let r = exchange(&t, 40, c0, Command::GetVersionId).await.unwrap();
    assert_eq!(
        (r.code, r.reason),
        (
            ResponseCode::Failed,
            ReasonCode::InterfaceInitializationRequired
        )
    );
    assert!(
        exchange(&t, 41, c0, Command::ClearInitialState)
            .await
            .unwrap()
            .is_completed()
    );
    let r = exchange(&t, 42, c0, Command::GetVersionId).await.unwrap();
    let ResponseData::VersionId(v) = r.data else {
        panic!("{r:?}")
    };
    assert_eq!(v.firmware_name(), "DPU NIC");

    // An OEM round trip to the card BMC over the wire.
    let f = oem::split(
        oem::CommandId::GetBridgeInfo,
        ResultCode::Ok,
        1,
        &Request::GetBridgeInfo {
            min_version: 1,
            max_version: 1,
        }
        .to_message(),
        1024,
    )
    .unwrap()
    .remove(0);
    let r = exchange(
        &t,
        43,
        c0,
        Command::Oem(f.to_oem_command(oem::DEFAULT_MANUFACTURER_ID)),
    )
    .await
    .unwrap();
    let ResponseData::Oem(o) = r.data else {
        panic!("{r:?}")
    };
    let f = oem::Frame::parse(&o.data).unwrap();
    let rsp = oem::Response::parse(f.command, f.result, &f.chunk).unwrap();
    let ResponseBody::BridgeInfo(b) = rsp.body else {
        panic!("{rsp:?}")
    };
    assert_eq!(b.serial, "DPU0000A1");
}
