//! Entry points shared by the `cargo fuzz` targets in `protocol/fuzz` and the stable
//! test that replays their corpus. Each takes arbitrary bytes, must not panic, and
//! checks that whatever parses re-emits to something that parses to the same value.

use crate::ncsi::{Aen, Command, NcsiFrame, OemResponse, PacketRepr, Response, VendorGetMac};

/// An Ethernet frame carrying NC-SI.
pub fn frame(data: &[u8]) {
    if let Ok(frame) = NcsiFrame::parse(data) {
        if let Ok(bytes) = frame.to_bytes() {
            assert_eq!(NcsiFrame::parse(&bytes).as_ref(), Ok(&frame));
        }
    }
}

/// A control packet (header, payload, checksum).
pub fn packet(data: &[u8]) {
    if let Ok(packet) = PacketRepr::parse(data) {
        if let Ok(bytes) = packet.to_bytes() {
            assert_eq!(PacketRepr::parse(&bytes).as_ref(), Ok(&packet));
        }
    }
}

/// A command payload; the first byte picks the command type.
pub fn command(data: &[u8]) {
    let Some((&ty, payload)) = data.split_first() else {
        return;
    };
    if let Ok(cmd) = Command::parse(ty, payload) {
        let mut out = Vec::new();
        cmd.emit_payload(&mut out);
        assert_eq!(Command::parse(ty, &out).as_ref(), Ok(&cmd));
    }
}

/// A response payload; the first byte picks the command answered.
pub fn response(data: &[u8]) {
    let Some((&ty, payload)) = data.split_first() else {
        return;
    };
    if let Ok(rsp) = Response::parse(ty & 0x7F, payload) {
        let mut out = Vec::new();
        rsp.emit_payload(&mut out);
        assert_eq!(Response::parse(ty & 0x7F, &out).as_ref(), Ok(&rsp));
    }
}

/// An AEN payload.
pub fn aen(data: &[u8]) {
    if let Ok(aen) = Aen::parse(data) {
        let mut out = Vec::new();
        aen.emit_payload(&mut out);
        assert_eq!(Aen::parse(&out).as_ref(), Ok(&aen));
    }
}

/// A vendor OEM response (manufacturer id and data) read as a get-MAC answer.
pub fn vendor_oem(data: &[u8]) {
    if let Ok(rsp) = OemResponse::parse(data) {
        if let Ok(mac) = VendorGetMac::parse_response(&rsp) {
            let again = VendorGetMac::parse_response(&mac.vendor.response(mac.mac));
            assert_eq!(again.map(|m| m.mac), Ok(mac.mac));
        }
    }
}

/// An OEM frame (the vendor data of an NC-SI OEM command or response).
pub fn oem_frame(data: &[u8]) {
    use crate::oem::Frame;
    if let Ok(frame) = Frame::parse(data) {
        let mut out = Vec::new();
        frame.emit(&mut out);
        assert_eq!(out, data, "an OEM frame re-emits byte for byte");
    }
}

/// A whole OEM request message; the first byte picks the command.
pub fn oem_request(data: &[u8]) {
    use crate::oem::{CommandId, Request};
    let Some((&cmd, msg)) = data.split_first() else {
        return;
    };
    if let Ok(req) = Request::parse(CommandId::from(cmd), msg) {
        assert_eq!(
            Request::parse(req.command(), &req.to_message()).as_ref(),
            Ok(&req)
        );
    }
}

/// A whole OEM response message; the first byte picks the command, the second the
/// result code.
pub fn oem_response(data: &[u8]) {
    use crate::oem::{CommandId, ResultCode};
    let [cmd, result, msg @ ..] = data else {
        return;
    };
    let (cmd, result) = (CommandId::from(*cmd), ResultCode::from(*result));
    if let Ok(rsp) = crate::oem::Response::parse(cmd, result, msg) {
        assert_eq!(
            crate::oem::Response::parse(cmd, result, &rsp.to_message()).as_ref(),
            Ok(&rsp)
        );
    }
}

/// An OEM event inside an NC-SI AEN of type 0x80.
pub fn oem_event(data: &[u8]) {
    use crate::oem::{EVENT_AEN_TYPE, Event};
    let aen = Aen::Other {
        aen_type: EVENT_AEN_TYPE,
        data: data.to_vec(),
    };
    let Some(mfr) = data
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    else {
        return;
    };
    if let Ok(Some((_, ev))) = Event::from_aen(&aen, mfr) {
        assert_eq!(
            Event::from_aen(&ev.to_aen(mfr), mfr).map(|e| e.map(|(_, e)| e)),
            Ok(Some(ev))
        );
    }
}

/// A run of OEM frames fed to one reassembly: never panics, and anything it completes
/// matches its CRC.
pub fn oem_reassembly(data: &[u8]) {
    use crate::oem::{Frame, Reassembly, crc32};
    let mut frames = data
        .split(|&b| b == 0xF7)
        .filter_map(|chunk| Frame::parse(chunk).ok());
    let Some(first) = frames.next() else { return };
    let Ok((mut r, mut done)) = Reassembly::start(&first) else {
        return;
    };
    for f in frames {
        if done.is_some() {
            break;
        }
        match r.push(&f) {
            Ok(d) => done = d,
            Err(_) => return,
        }
    }
    if let Some(msg) = done {
        assert_eq!(crc32(&msg), first.crc);
        assert_eq!(msg.len() as u32, first.total_len);
    }
}

/// An MCTP packet (transport header and payload).
pub fn mctp_packet(data: &[u8]) {
    use crate::mctp::Packet;
    if let Ok(p) = Packet::parse(data) {
        assert_eq!(Packet::parse(&p.to_bytes()).as_ref(), Ok(&p));
    }
}

/// An MCTP control message body (after the message type byte).
pub fn mctp_control(data: &[u8]) {
    use crate::mctp::control::ControlMessage;
    if let Ok(m) = ControlMessage::parse(data) {
        let body = m.to_body().expect("a parsed control message emits");
        assert_eq!(ControlMessage::parse(&body).as_ref(), Ok(&m));
    }
}

/// A byte stream through the DSP0253 serial decoder: every packet it delivers
/// re-encodes to a frame that decodes to the same packet.
pub fn mctp_serial(data: &[u8]) {
    use crate::mctp::serial::{Decoder, encode_to_vec};
    for pkt in Decoder::new().feed(data) {
        let frame = encode_to_vec(&pkt).expect("a decoded packet fits a frame");
        assert_eq!(Decoder::new().feed(&frame), vec![pkt]);
    }
}

/// A run of MCTP packets (separated by 0xF7) fed to one reassembler: never panics, and
/// every message it completes re-fragments and reassembles to itself.
pub fn mctp_reassembly(data: &[u8]) {
    use crate::mctp::Packet;
    use crate::mctp::fragment::{Outcome, Reassembler};
    let mut r = Reassembler::with_limits(4, 2048, 1000);
    for (t, chunk) in data.split(|&b| b == 0xF7).enumerate() {
        let Ok(p) = Packet::parse(chunk) else {
            continue;
        };
        if let Outcome::Complete(m) = r.push(&p, t as u64) {
            let mut again = Reassembler::new();
            let last = m
                .packets(64, 0)
                .expect("64 is the baseline")
                .iter()
                .map(|p| again.push(p, 0))
                .last();
            assert_eq!(last, Some(Outcome::Complete(m)));
        }
    }
    assert!(r.in_flight() <= 4);
}

/// An MCTP message body of type 0x02 read as an NC-SI control packet.
pub fn mctp_ncsi(data: &[u8]) {
    use crate::mctp::{Message, MessageType, ncsi};
    let msg = Message {
        dest: 8,
        src: 9,
        tag_owner: false,
        tag: 0,
        ic: false,
        msg_type: MessageType::Ncsi,
        body: data.to_vec(),
    };
    if let Ok(p) = ncsi::from_message(&msg) {
        if let Ok(back) = ncsi::to_message(&p, 8, 9, false, 0) {
            assert_eq!(ncsi::from_message(&back).as_ref(), Ok(&p));
        }
    }
}

/// An MCTP vendor-defined (IANA) message body carrying an OEM frame.
pub fn mctp_vdm(data: &[u8]) {
    use crate::mctp::vdm::VendorIana;
    use crate::oem::Frame;
    if let Ok(v) = VendorIana::parse(data) {
        assert_eq!(
            v.to_body(),
            data,
            "a vendor-defined body re-emits byte for byte"
        );
        if let Ok(f) = Frame::parse(v.payload) {
            let mut out = Vec::new();
            f.emit(&mut out);
            assert_eq!(out, v.payload);
        }
    }
}

/// OEM frames, separated by 0xF7 bytes, into one responder; every request it hands
/// out for execution is answered with an empty Ok. Checks that no frame sequence
/// makes it panic and that every answer is a frame that parses.
pub fn oem_responder(data: &[u8]) {
    use crate::oem::responder::{Responder, Step};
    use crate::oem::{Frame, Response, ResponseBody};
    let mut r = Responder::new(crate::oem::MAX_VERSION);
    for (i, bytes) in data.split(|&b| b == 0xF7).enumerate() {
        let Ok(frame) = Frame::parse(bytes) else {
            continue;
        };
        let answer = match r.accept((i % 2) as u32, &frame) {
            Step::Reply(f) => f,
            Step::Execute(p, request) => {
                let rsp = request
                    .map(|q| Response::ok(q.command(), ResponseBody::Empty))
                    .unwrap_or_else(|e| e);
                r.finish(p, rsp)
            }
        };
        let mut out = Vec::new();
        answer.emit(&mut out);
        assert_eq!(Frame::parse(&out).as_ref(), Ok(&answer));
        assert_eq!(answer.sequence, frame.sequence);
    }
}

/// An SPDM message (DSP0274): the first byte picks the response shape (hash and
/// signature sizes, summary and signature present); the rest is parsed as a request,
/// a response and a certificate chain. Whatever parses re-emits to the same value.
pub fn spdm(data: &[u8]) {
    use crate::spdm::{CertChain, Request, Response, Shape};
    let Some((&sel, msg)) = data.split_first() else {
        return;
    };
    let hash_len = [32, 48, 64, 0][usize::from(sel & 3)];
    let shape = Shape {
        hash_len,
        signature_len: [64, 96, 256, 0][usize::from(sel >> 2 & 3)],
        summary: sel & 0x10 != 0,
        signed: sel & 0x20 != 0,
    };
    if let Ok(req) = Request::parse(msg) {
        assert_eq!(Request::parse(&req.to_bytes()).as_ref(), Ok(&req));
    }
    if let Ok(rsp) = Response::parse(msg, &shape) {
        if let Ok(bytes) = rsp.to_bytes() {
            assert_eq!(Response::parse(&bytes, &shape).as_ref(), Ok(&rsp));
        }
    }
    if let Ok(chain) = CertChain::parse(msg, hash_len) {
        if let Ok(bytes) = chain.to_bytes() {
            assert_eq!(CertChain::parse(&bytes, hash_len).as_ref(), Ok(&chain));
        }
    }
}
