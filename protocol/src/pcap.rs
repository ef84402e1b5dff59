//! The classic libpcap file format (what `tshark -r` and Wireshark read), as bytes.
//! Used by the tshark agreement test and by the daemon's `--pcap` transport decorator.
//! Only the encoding lives here; writing the bytes somewhere is the caller's business.

/// Link type of Ethernet frames (LINKTYPE_ETHERNET).
pub const LINKTYPE_ETHERNET: u32 = 1;
/// Largest frame a record keeps whole.
pub const SNAPLEN: u32 = 65_535;

/// The 24-byte file header: magic (microsecond timestamps, little-endian), version 2.4,
/// zone 0, accuracy 0, snap length, link type.
pub fn file_header(linktype: u32) -> [u8; 24] {
    let mut h = [0u8; 24];
    h[0..4].copy_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
    h[4..6].copy_from_slice(&2u16.to_le_bytes());
    h[6..8].copy_from_slice(&4u16.to_le_bytes());
    h[16..20].copy_from_slice(&SNAPLEN.to_le_bytes());
    h[20..24].copy_from_slice(&linktype.to_le_bytes());
    h
}

/// One record: a 16-byte header (seconds, microseconds, captured length, original
/// length) and the frame, cut at [`SNAPLEN`].
pub fn record(seconds: u32, micros: u32, frame: &[u8]) -> Vec<u8> {
    let kept = &frame[..frame.len().min(SNAPLEN as usize)];
    let mut r = Vec::with_capacity(16 + kept.len());
    r.extend_from_slice(&seconds.to_le_bytes());
    r.extend_from_slice(&micros.to_le_bytes());
    r.extend_from_slice(&(kept.len() as u32).to_le_bytes());
    r.extend_from_slice(&(frame.len().min(u32::MAX as usize) as u32).to_le_bytes());
    r.extend_from_slice(kept);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_record_layout() {
        let h = file_header(LINKTYPE_ETHERNET);
        assert_eq!(
            h,
            [
                0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 1, 0,
                0, 0
            ]
        );
        let r = record(7, 9, &[0xAA, 0xBB]);
        assert_eq!(
            r,
            [7, 0, 0, 0, 9, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0xAA, 0xBB]
        );
    }
}
