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
