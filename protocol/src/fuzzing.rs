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
