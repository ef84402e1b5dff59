//! The MCTP serial transport binding (DMTF DSP0253 1.0): MCTP packets over a byte
//! stream (UART, tty, pty, socket).
//!
//! ```text
//! 0x7E | revision 0x01 | byte count | MCTP packet (escaped) | FCS high | FCS low | 0x7E
//! ```
//!
//! - The byte count is the length of the MCTP packet before escaping (§6.2), so a
//!   packet is at most 255 bytes.
//! - Inside the packet, 0x7E is sent as 0x7D 0x5E and 0x7D as 0x7D 0x5D (§6.3).
//! - The FCS is the 16-bit FCS of RFC 1662 (reflected polynomial 0x8408, initial value
//!   0xFFFF) over revision, byte count and the unescaped packet (§6.4), sent high byte
//!   first. The revision and byte count are never escaped. As in the Linux kernel's `mctp-serial` driver and libmctp, the value is
//!   sent without RFC 1662's final ones' complement and the two FCS bytes are not
//!   escaped; this crate follows those implementations so it interoperates with them.

use crate::error::{Error, Result};

/// Frame delimiter.
pub const FLAG: u8 = 0x7E;
/// Escape byte.
pub const ESCAPE: u8 = 0x7D;
/// The only serial binding revision DSP0253 defines.
pub const REVISION: u8 = 0x01;
/// FCS initial value.
pub const FCS_INIT: u16 = 0xFFFF;
/// Largest MCTP packet the one-byte count can describe.
pub const MAX_PACKET: usize = 255;
/// Smallest valid MCTP packet: a transport header and one payload byte.
pub const MIN_PACKET: usize = 5;

/// Continues the RFC 1662 FCS-16 over `data` from `fcs` (start with [`FCS_INIT`]).
pub fn fcs16(mut fcs: u16, data: &[u8]) -> u16 {
    for &b in data {
        fcs ^= u16::from(b);
        for _ in 0..8 {
            fcs = if fcs & 1 != 0 {
                (fcs >> 1) ^ 0x8408
            } else {
                fcs >> 1
            };
        }
    }
    fcs
}

/// Appends one serial frame carrying `packet` (a whole MCTP packet: transport header
/// and payload) to `out`.
pub fn encode(packet: &[u8], out: &mut Vec<u8>) -> Result<()> {
    if packet.len() > MAX_PACKET {
        return Err(Error::Invalid(
            "MCTP packet longer than the serial binding's 255-byte count",
        ));
    }
    if packet.len() < MIN_PACKET {
        return Err(Error::Truncated {
            needed: MIN_PACKET,
            have: packet.len(),
        });
    }
    let count = packet.len() as u8;
    let fcs = fcs16(fcs16(FCS_INIT, &[REVISION, count]), packet);
    out.reserve(packet.len() + 8);
    out.extend_from_slice(&[FLAG, REVISION, count]);
    for &b in packet {
        if b == FLAG || b == ESCAPE {
            out.extend_from_slice(&[ESCAPE, b ^ 0x20]);
        } else {
            out.push(b);
        }
    }
    out.extend_from_slice(&[(fcs >> 8) as u8, fcs as u8, FLAG]);
    Ok(())
}

/// [`encode`] into a new vector.
pub fn encode_to_vec(packet: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    encode(packet, &mut out)?;
    Ok(out)
}

/// Counters of what the decoder threw away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DecoderStats {
    /// Frames delivered.
    pub frames: u64,
    /// Bytes outside any frame.
    pub noise: u64,
    /// Frames with a revision other than 0x01.
    pub bad_revision: u64,
    /// Frames whose byte count is below a transport header plus one byte.
    pub bad_count: u64,
    /// Frames cut short by a flag inside the packet.
    pub aborted: u64,
    /// Frames whose FCS did not match.
    pub bad_fcs: u64,
    /// Frames not closed by a flag after the FCS.
    pub missing_end: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for a start flag.
    Idle,
    /// After a flag: expecting the revision (another flag keeps us here).
    Revision,
    Count,
    Data,
    Escaped,
    FcsHigh,
    FcsLow,
    End,
}

/// Turns a byte stream back into MCTP packets, resynchronising on the next flag after
/// any error. Bounded memory: one packet of at most 255 bytes.
#[derive(Debug)]
pub struct Decoder {
    state: State,
    count: usize,
    buf: Vec<u8>,
    fcs_rx: u16,
    stats: DecoderStats,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder waiting for the first flag.
    pub fn new() -> Self {
        Decoder {
            state: State::Idle,
            count: 0,
            buf: Vec::with_capacity(MAX_PACKET),
            fcs_rx: 0,
            stats: DecoderStats::default(),
        }
    }

    /// What was delivered and dropped so far.
    pub fn stats(&self) -> DecoderStats {
        self.stats
    }

    /// Feeds one byte; returns a packet when this byte completed a valid frame.
    pub fn push(&mut self, b: u8) -> Option<Vec<u8>> {
        match self.state {
            State::Idle => {
                if b == FLAG {
                    self.state = State::Revision;
                } else {
                    self.stats.noise += 1;
                }
            }
            State::Revision => {
                // Back-to-back flags (an end flag then a start flag) are fine.
                if b == REVISION {
                    self.state = State::Count;
                } else if b != FLAG {
                    self.stats.bad_revision += 1;
                    self.state = State::Idle;
                }
            }
            State::Count => {
                // The count is sent raw, never escaped (as the kernel and libmctp do),
                // so 0x7E and 0x7D are ordinary counts here.
                let count = usize::from(b);
                if count < MIN_PACKET {
                    self.stats.bad_count += 1;
                    self.state = State::Idle;
                } else {
                    self.count = count;
                    self.buf.clear();
                    self.state = State::Data;
                }
            }
            State::Data | State::Escaped => {
                if b == FLAG {
                    // A flag can never be inside a packet: the frame was cut short.
                    self.stats.aborted += 1;
                    self.state = State::Revision;
                } else if self.state == State::Data && b == ESCAPE {
                    self.state = State::Escaped;
                } else {
                    let byte = if self.state == State::Escaped {
                        b ^ 0x20
                    } else {
                        b
                    };
                    self.buf.push(byte);
                    self.state = if self.buf.len() == self.count {
                        State::FcsHigh
                    } else {
                        State::Data
                    };
                }
            }
            State::FcsHigh => {
                self.fcs_rx = u16::from(b) << 8;
                self.state = State::FcsLow;
            }
            State::FcsLow => {
                self.fcs_rx |= u16::from(b);
                self.state = State::End;
            }
            State::End => {
                if b != FLAG {
                    self.stats.missing_end += 1;
                    self.state = State::Idle;
                    return None;
                }
                // This flag may also open the next frame.
                self.state = State::Revision;
                let fcs = fcs16(fcs16(FCS_INIT, &[REVISION, self.count as u8]), &self.buf);
                if fcs != self.fcs_rx {
                    self.stats.bad_fcs += 1;
                    return None;
                }
                self.stats.frames += 1;
                return Some(self.buf.clone());
            }
        }
        None
    }

    /// Feeds a run of bytes; returns every packet completed in it, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        bytes.iter().filter_map(|&b| self.push(b)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcs_matches_the_published_check_value() {
        // CRC-16 with the RFC 1662 polynomial and initial value, without the final
        // complement (the CRC catalogue's CRC-16/MCRF4XX): check value 0x6F91.
        assert_eq!(fcs16(FCS_INIT, b"123456789"), 0x6F91);
        // With the complement it is RFC 1662's PPP FCS (CRC-16/X-25): 0x906E.
        assert_eq!(!fcs16(FCS_INIT, b"123456789"), 0x906E);
    }

    #[test]
    fn escapes_both_special_bytes() {
        let pkt = [0x01, 0x7E, 0x7D, 0x08, 0x00];
        let frame = encode_to_vec(&pkt).unwrap();
        assert_eq!(&frame[..3], &[FLAG, REVISION, 5]);
        assert_eq!(&frame[3..10], &[0x01, 0x7D, 0x5E, 0x7D, 0x5D, 0x08, 0x00]);
        assert_eq!(frame.last(), Some(&FLAG));
        assert_eq!(Decoder::new().feed(&frame), vec![pkt.to_vec()]);
    }

    #[test]
    fn resynchronises_after_noise_and_errors() {
        let a = [0x01, 0x09, 0x08, 0xC8, 0x00, 0x80, 0x02];
        let b = [0x01, 0x08, 0x09, 0xC0, 0x00, 0x00, 0x02, 0x00];
        let fa = encode_to_vec(&a).unwrap();
        let fb = encode_to_vec(&b).unwrap();
        let mut corrupt = fa.clone();
        corrupt[5] ^= 0x01;
        let mut cut = fa[..6].to_vec();
        cut.push(FLAG);
        let mut stream = vec![0x00, 0x55];
        stream.extend_from_slice(&corrupt);
        stream.extend_from_slice(&cut);
        stream.extend_from_slice(&fa);
        stream.extend_from_slice(&fb);
        let mut d = Decoder::new();
        assert_eq!(d.feed(&stream), vec![a.to_vec(), b.to_vec()]);
        let s = d.stats();
        assert_eq!((s.noise, s.bad_fcs, s.aborted, s.frames), (2, 1, 1, 2));
    }

    #[test]
    fn refuses_what_the_count_cannot_carry() {
        assert!(encode_to_vec(&[0u8; 256]).is_err());
        assert!(encode_to_vec(&[1, 2, 3, 4]).is_err());
        assert!(encode_to_vec(&[0u8; 255]).is_ok());
    }
}
