//! A minimal management controller for tests: builds commands with the protocol
//! crate, hands them to the model, and decodes what comes back.
#![allow(dead_code)]

use sidebridge_protocol::ncsi::{
    Aen, Body, ChannelId, Command, PacketRepr, ReasonCode, Response, ResponseCode, ResponseData,
};
use sidebridge_protocol::oem::{self, CommandId, Frame, Request, ResultCode};
use sidebridge_sim::Scenario;
use sidebridge_sim::nc::Nc;

pub fn scenario(name: &str) -> Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    Scenario::load(&path).unwrap()
}

pub fn nc(name: &str) -> Nc {
    Nc::new(scenario(name).packages)
}

/// What one command produced.
#[derive(Debug)]
pub struct Reply {
    pub response: Option<PacketRepr>,
    pub aens: Vec<(ChannelId, Aen)>,
}

pub struct Mc {
    pub nc: Nc,
    pub iid: u8,
    pub now: u64,
    pub seq: u32,
}

impl Mc {
    pub fn new(nc: Nc) -> Self {
        Mc {
            nc,
            iid: 0,
            now: 0,
            seq: 0x5000,
        }
    }

    pub fn next_iid(&mut self) -> u8 {
        self.iid = if self.iid == 255 { 1 } else { self.iid + 1 };
        self.iid
    }

    pub fn raw(&mut self, bytes: &[u8]) -> Reply {
        let out = self.nc.handle(bytes, self.now);
        decode(out.iter().map(|o| o.bytes.clone()).collect())
    }

    pub fn send(&mut self, ch: ChannelId, cmd: Command) -> Reply {
        let iid = self.next_iid();
        let bytes = PacketRepr::command(iid, ch, cmd).to_bytes().unwrap();
        let reply = self.raw(&bytes);
        if let Some(r) = &reply.response {
            assert_eq!(r.iid, iid, "response IID");
            assert_eq!(r.channel, ch, "response channel");
        }
        reply
    }

    pub fn response(&mut self, ch: ChannelId, cmd: Command) -> Response {
        let expected = cmd.command_type();
        match self.send(ch, cmd).response {
            Some(PacketRepr {
                body: Body::Response(r),
                ..
            }) => {
                assert_eq!(r.command_type(), expected);
                r
            }
            other => panic!("no response to {expected:?}: {other:?}"),
        }
    }

    pub fn ok(&mut self, ch: ChannelId, cmd: Command) -> ResponseData {
        let r = self.response(ch, cmd);
        assert_eq!(
            (r.code, r.reason),
            (ResponseCode::Completed, ReasonCode::NoError),
            "{r:?}"
        );
        r.data
    }

    pub fn fails(&mut self, ch: ChannelId, cmd: Command) -> (ResponseCode, ReasonCode) {
        let r = self.response(ch, cmd);
        assert_ne!(r.code, ResponseCode::Completed, "{r:?}");
        (r.code, r.reason)
    }

    /// Select the package and clear the initial state of a channel.
    pub fn init(&mut self, package: u8, channel: u8) {
        self.ok(
            ChannelId::package(package),
            Command::SelectPackage {
                hardware_arbitration_disable: false,
            },
        );
        self.ok(ChannelId::new(package, channel), Command::ClearInitialState);
    }

    /// Sends one OEM frame and returns the response frame and AENs.
    pub fn oem_frame(&mut self, ch: ChannelId, frame: &Frame) -> (Frame, Vec<(ChannelId, Aen)>) {
        let mfr = self
            .nc
            .card(ch.package_id())
            .map(|c| c.config().manufacturer_id)
            .unwrap_or(oem::DEFAULT_MANUFACTURER_ID);
        let reply = self.send(ch, Command::Oem(frame.to_oem_command(mfr)));
        match reply.response {
            Some(PacketRepr {
                body:
                    Body::Response(Response {
                        code: ResponseCode::Completed,
                        data: ResponseData::Oem(o),
                        ..
                    }),
                ..
            }) => {
                assert_eq!(o.manufacturer_id, mfr);
                (Frame::parse(&o.data).unwrap(), reply.aens)
            }
            other => panic!("OEM command not answered with an OEM frame: {other:?}"),
        }
    }

    /// Sends a whole OEM request (chunked when long) with a new sequence number and
    /// reads the whole response (with ReadResult when long).
    pub fn oem(&mut self, ch: ChannelId, req: &Request) -> oem::Response {
        self.seq += 1;
        let seq = self.seq;
        self.oem_seq(ch, req, seq)
    }

    pub fn oem_seq(&mut self, ch: ChannelId, req: &Request, seq: u32) -> oem::Response {
        let frames = oem::split(
            req.command(),
            ResultCode::Ok,
            seq,
            &req.to_message(),
            oem::MAX_CHUNK,
        )
        .unwrap();
        let n = frames.len();
        let mut last = None;
        for (i, f) in frames.iter().enumerate() {
            let (rsp, _) = self.oem_frame(ch, f);
            assert_eq!(rsp.sequence, seq);
            if i + 1 < n {
                assert_eq!(rsp.result, ResultCode::ChunkAccepted, "{rsp:?}");
            }
            last = Some(rsp);
        }
        let first = last.unwrap();
        let (mut asm, mut done) = oem::Reassembly::start(&first).unwrap();
        while done.is_none() {
            let read = Request::ReadResult {
                offset: asm.received() as u32,
            };
            let f = oem::split(
                CommandId::ReadResult,
                ResultCode::Ok,
                seq,
                &read.to_message(),
                oem::MAX_CHUNK,
            )
            .unwrap()
            .remove(0);
            let (rsp, _) = self.oem_frame(ch, &f);
            done = asm.push(&rsp).unwrap();
        }
        oem::Response::parse(first.command, first.result, &done.unwrap()).unwrap()
    }

    /// Advances virtual time and returns the AENs produced.
    pub fn advance(&mut self, to: u64) -> Vec<(ChannelId, Aen)> {
        self.now = to;
        let out = self.nc.advance(to);
        decode(out.iter().map(|o| o.bytes.clone()).collect()).aens
    }
}

pub fn decode(packets: Vec<Vec<u8>>) -> Reply {
    let mut reply = Reply {
        response: None,
        aens: vec![],
    };
    for bytes in packets {
        let p = PacketRepr::parse(&bytes).unwrap();
        match p.body {
            Body::Aen(a) => reply.aens.push((p.channel, a)),
            _ => {
                assert!(reply.response.is_none(), "two responses to one command");
                reply.response = Some(p);
            }
        }
    }
    reply
}

pub fn oem_events(aens: &[(ChannelId, Aen)]) -> Vec<oem::Event> {
    aens.iter()
        .filter_map(|(_, a)| {
            oem::Event::from_aen(a, oem::DEFAULT_MANUFACTURER_ID)
                .unwrap()
                .map(|(_, e)| e)
        })
        .collect()
}
