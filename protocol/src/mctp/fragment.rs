//! Splitting a message into packets and putting it back together (DSP0236 1.3 §8.8
//! "Packet sequence number", §8.9 "Dropped packets").
//!
//! A message larger than the transmission unit travels as SOM, middle and EOM packets
//! whose sequence numbers count up modulo 4; every packet but the last carries exactly
//! one transmission unit. A receiver that sees an unexpected sequence number, a packet
//! without a start, or a wrong size drops the whole message: MCTP has no
//! retransmission, the requester above it retries.
//!
//! A 2-bit sequence number cannot see everything: losing four packets in a row (or any
//! multiple of four) leaves the numbering intact, so a shortened message can complete.
//! Integrity of the message is therefore the message layer's job — the NC-SI checksum
//! and payload length, the OEM command set's CRC-32 — and the codecs above check it.

use super::{BASELINE_MTU, Eid, Message, Packet, TransportHeader};
use crate::error::{Error, Result};

/// Splits `msg` into packets of at most `mtu` payload bytes each, sequence numbers
/// starting at `first_seq` (modulo 4). `mtu` must be at least [`BASELINE_MTU`].
pub fn fragment(msg: &Message, mtu: usize, first_seq: u8) -> Result<Vec<Packet>> {
    if mtu < BASELINE_MTU {
        return Err(Error::Invalid(
            "MCTP transmission unit below the 64-byte baseline",
        ));
    }
    let bytes = msg.to_bytes();
    let count = bytes.len().div_ceil(mtu);
    Ok(bytes
        .chunks(mtu)
        .enumerate()
        .map(|(i, chunk)| Packet {
            header: TransportHeader {
                dest: msg.dest,
                src: msg.src,
                som: i == 0,
                eom: i + 1 == count,
                seq: (first_seq.wrapping_add(i as u8)) & 0x03,
                tag_owner: msg.tag_owner,
                tag: msg.tag & 0x07,
            },
            payload: chunk.to_vec(),
        })
        .collect())
}

/// Why a packet, or the message it belonged to, was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum DropReason {
    /// A middle or end packet with no message in progress for its source and tag.
    NoStart,
    /// The sequence number was not the next one: a packet was lost, repeated or
    /// reordered. The message in progress is dropped with it.
    OutOfSequence,
    /// A middle packet whose size differs from the first packet's, or an end packet
    /// larger than it.
    BadLength,
    /// The message grew past the reassembler's limit.
    TooLong,
    /// A new start packet arrived for a source and tag whose message was incomplete;
    /// the incomplete one is dropped, the new one starts.
    Restarted,
    /// The message did not complete within the reassembly timeout.
    Expired,
    /// More messages were in progress at once than the reassembler keeps; the oldest
    /// went.
    Evicted,
}

/// What one packet did to the reassembly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The packet completed this message.
    Complete(Message),
    /// The packet was accepted; the message is not complete yet.
    Pending,
    /// The packet (and the message it belonged to, if any) was dropped.
    Dropped(DropReason),
}

/// Counters of what the reassembler saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ReassemblyStats {
    /// Messages delivered.
    pub completed: u64,
    /// Packets that arrived without a message in progress.
    pub no_start: u64,
    /// Messages dropped for a sequence error.
    pub out_of_sequence: u64,
    /// Messages dropped for a size error.
    pub bad_length: u64,
    /// Messages dropped for exceeding the size limit.
    pub too_long: u64,
    /// Incomplete messages replaced by a new start.
    pub restarted: u64,
    /// Messages dropped by the timeout.
    pub expired: u64,
    /// Messages evicted to make room.
    pub evicted: u64,
}

impl ReassemblyStats {
    fn count(&mut self, reason: DropReason) {
        let c = match reason {
            DropReason::NoStart => &mut self.no_start,
            DropReason::OutOfSequence => &mut self.out_of_sequence,
            DropReason::BadLength => &mut self.bad_length,
            DropReason::TooLong => &mut self.too_long,
            DropReason::Restarted => &mut self.restarted,
            DropReason::Expired => &mut self.expired,
            DropReason::Evicted => &mut self.evicted,
        };
        *c += 1;
    }
}

/// Messages in flight are told apart by source, destination, tag owner and tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    src: Eid,
    dest: Eid,
    tag_owner: bool,
    tag: u8,
}

impl Key {
    fn of(h: &TransportHeader) -> Key {
        Key {
            src: h.src,
            dest: h.dest,
            tag_owner: h.tag_owner,
            tag: h.tag & 0x07,
        }
    }
}

#[derive(Debug)]
struct Slot {
    key: Key,
    next_seq: u8,
    unit: usize,
    data: Vec<u8>,
    started_ms: u64,
}

/// Reassembles messages from packets, several sources and tags at once, with bounded
/// memory: at most `max_in_flight` messages of at most `max_message` bytes each.
///
/// Time is the caller's (milliseconds on any monotonic clock), so the codec stays
/// free of I/O and tests can use virtual time.
#[derive(Debug)]
pub struct Reassembler {
    slots: Vec<Slot>,
    max_in_flight: usize,
    max_message: usize,
    timeout_ms: u64,
    stats: ReassemblyStats,
}

impl Reassembler {
    /// Default limit on one message: enough for the largest NC-SI packet (16-byte
    /// header, 4095-byte payload padded, checksum) with room to spare.
    pub const DEFAULT_MAX_MESSAGE: usize = 8192;
    /// Default number of messages in flight at once.
    pub const DEFAULT_MAX_IN_FLIGHT: usize = 16;
    /// Default reassembly timeout: a 4 KiB message over a 115200-baud serial link takes
    /// about 400 ms.
    pub const DEFAULT_TIMEOUT_MS: u64 = 1000;

    /// A reassembler with the default limits.
    pub fn new() -> Self {
        Self::with_limits(
            Self::DEFAULT_MAX_IN_FLIGHT,
            Self::DEFAULT_MAX_MESSAGE,
            Self::DEFAULT_TIMEOUT_MS,
        )
    }

    /// A reassembler with explicit limits (each at least 1).
    pub fn with_limits(max_in_flight: usize, max_message: usize, timeout_ms: u64) -> Self {
        Reassembler {
            slots: Vec::new(),
            max_in_flight: max_in_flight.max(1),
            max_message: max_message.max(1),
            timeout_ms,
            stats: ReassemblyStats::default(),
        }
    }

    /// What has been counted so far.
    pub fn stats(&self) -> ReassemblyStats {
        self.stats
    }

    /// Messages currently incomplete.
    pub fn in_flight(&self) -> usize {
        self.slots.len()
    }

    /// Drops messages older than the timeout; returns how many went.
    pub fn expire(&mut self, now_ms: u64) -> usize {
        let before = self.slots.len();
        let timeout = self.timeout_ms;
        self.slots
            .retain(|s| now_ms.saturating_sub(s.started_ms) <= timeout);
        let gone = before - self.slots.len();
        self.stats.expired += gone as u64;
        gone
    }

    fn drop_with(&mut self, reason: DropReason) -> Outcome {
        self.stats.count(reason);
        Outcome::Dropped(reason)
    }

    /// Feeds one packet received at `now_ms`.
    pub fn push(&mut self, pkt: &Packet, now_ms: u64) -> Outcome {
        self.expire(now_ms);
        let h = &pkt.header;
        let key = Key::of(h);
        let found = self.slots.iter().position(|s| s.key == key);
        if h.som {
            if let Some(i) = found {
                self.slots.swap_remove(i);
                self.stats.count(DropReason::Restarted);
            }
            if pkt.payload.len() > self.max_message {
                return self.drop_with(DropReason::TooLong);
            }
            if h.eom {
                return self.complete(key, &pkt.payload);
            }
            if self.slots.len() >= self.max_in_flight {
                if let Some(oldest) =
                    (0..self.slots.len()).min_by_key(|&i| self.slots[i].started_ms)
                {
                    self.slots.swap_remove(oldest);
                    self.stats.count(DropReason::Evicted);
                }
            }
            self.slots.push(Slot {
                key,
                next_seq: h.seq.wrapping_add(1) & 0x03,
                unit: pkt.payload.len(),
                data: pkt.payload.clone(),
                started_ms: now_ms,
            });
            return Outcome::Pending;
        }
        let Some(i) = found else {
            return self.drop_with(DropReason::NoStart);
        };
        let slot = &self.slots[i];
        let reason = if h.seq & 0x03 != slot.next_seq {
            Some(DropReason::OutOfSequence)
        } else if (!h.eom && pkt.payload.len() != slot.unit) || pkt.payload.len() > slot.unit {
            Some(DropReason::BadLength)
        } else if slot.data.len() + pkt.payload.len() > self.max_message {
            Some(DropReason::TooLong)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.slots.swap_remove(i);
            return self.drop_with(reason);
        }
        if h.eom {
            let mut slot = self.slots.swap_remove(i);
            slot.data.extend_from_slice(&pkt.payload);
            return self.complete(key, &slot.data);
        }
        let slot = &mut self.slots[i];
        slot.data.extend_from_slice(&pkt.payload);
        slot.next_seq = (slot.next_seq + 1) & 0x03;
        Outcome::Pending
    }

    fn complete(&mut self, key: Key, bytes: &[u8]) -> Outcome {
        match Message::from_parts(key.dest, key.src, key.tag_owner, key.tag, bytes) {
            Ok(msg) => {
                self.stats.completed += 1;
                Outcome::Complete(msg)
            }
            // Unreachable in practice: every packet carries at least one byte.
            Err(_) => self.drop_with(DropReason::BadLength),
        }
    }
}

impl Default for Reassembler {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mctp::MessageType;

    fn msg(len: usize) -> Message {
        Message {
            dest: 9,
            src: 8,
            tag_owner: true,
            tag: 5,
            ic: false,
            msg_type: MessageType::Ncsi,
            body: (0..len).map(|i| i as u8).collect(),
        }
    }

    fn feed(r: &mut Reassembler, pkts: &[Packet]) -> Vec<Outcome> {
        pkts.iter().map(|p| r.push(p, 0)).collect()
    }

    #[test]
    fn splits_at_the_unit_with_rolling_sequence() {
        let pkts = fragment(&msg(199), 64, 3).unwrap();
        // 1 header byte + 199 body bytes = 200 = 64 + 64 + 64 + 8.
        let sizes: Vec<_> = pkts.iter().map(|p| p.payload.len()).collect();
        assert_eq!(sizes, [64, 64, 64, 8]);
        let seqs: Vec<_> = pkts.iter().map(|p| p.header.seq).collect();
        assert_eq!(seqs, [3, 0, 1, 2]);
        assert!(pkts[0].header.som && !pkts[0].header.eom);
        assert!(!pkts[3].header.som && pkts[3].header.eom);
        assert!(pkts[1..3].iter().all(|p| !p.header.som && !p.header.eom));
        assert_eq!(pkts[0].payload[0], 0x02, "message header byte first");
    }

    #[test]
    fn refuses_a_unit_below_the_baseline() {
        assert_eq!(
            fragment(&msg(10), 63, 0),
            Err(Error::Invalid(
                "MCTP transmission unit below the 64-byte baseline"
            ))
        );
    }

    #[test]
    fn reassembles_in_order() {
        let m = msg(300);
        let mut r = Reassembler::new();
        let out = feed(&mut r, &fragment(&m, 64, 0).unwrap());
        assert_eq!(out.last(), Some(&Outcome::Complete(m)));
        assert!(out[..out.len() - 1].iter().all(|o| *o == Outcome::Pending));
        assert_eq!(r.stats().completed, 1);
        assert_eq!(r.in_flight(), 0);
    }

    #[test]
    fn a_missing_packet_drops_the_message_and_the_next_one_still_arrives() {
        let m = msg(300);
        let mut pkts = fragment(&m, 64, 0).unwrap();
        pkts.remove(2);
        let mut r = Reassembler::new();
        let out = feed(&mut r, &pkts);
        assert_eq!(out[2], Outcome::Dropped(DropReason::OutOfSequence));
        assert_eq!(out[3], Outcome::Dropped(DropReason::NoStart));
        assert!(!out.iter().any(|o| matches!(o, Outcome::Complete(_))));
        let again = feed(&mut r, &fragment(&m, 64, 1).unwrap());
        assert_eq!(again.last(), Some(&Outcome::Complete(m)));
    }

    #[test]
    fn a_repeated_packet_drops_the_message() {
        let m = msg(200);
        let mut pkts = fragment(&m, 64, 0).unwrap();
        pkts.insert(2, pkts[1].clone());
        let mut r = Reassembler::new();
        let out = feed(&mut r, &pkts);
        assert_eq!(out[2], Outcome::Dropped(DropReason::OutOfSequence));
        assert!(!out.iter().any(|o| matches!(o, Outcome::Complete(_))));
    }

    #[test]
    fn reordered_packets_drop_the_message() {
        let m = msg(200);
        let mut pkts = fragment(&m, 64, 0).unwrap();
        pkts.swap(1, 2);
        let mut r = Reassembler::new();
        let out = feed(&mut r, &pkts);
        assert_eq!(out[1], Outcome::Dropped(DropReason::OutOfSequence));
        assert!(!out.iter().any(|o| matches!(o, Outcome::Complete(_))));
    }

    #[test]
    fn a_short_middle_packet_is_a_length_error() {
        let m = msg(200);
        let mut pkts = fragment(&m, 64, 0).unwrap();
        pkts[1].payload.pop();
        let mut r = Reassembler::new();
        assert_eq!(
            feed(&mut r, &pkts)[1],
            Outcome::Dropped(DropReason::BadLength)
        );
    }

    #[test]
    fn a_new_start_replaces_an_incomplete_message() {
        let m = msg(200);
        let pkts = fragment(&m, 64, 0).unwrap();
        let mut r = Reassembler::new();
        r.push(&pkts[0], 0);
        r.push(&pkts[1], 0);
        let out = feed(&mut r, &pkts);
        assert_eq!(out.last(), Some(&Outcome::Complete(m)));
        assert_eq!(r.stats().restarted, 1);
    }

    #[test]
    fn interleaved_tags_reassemble_separately() {
        let a = msg(150);
        let mut b = msg(170);
        b.tag = 6;
        let (pa, pb) = (fragment(&a, 64, 0).unwrap(), fragment(&b, 64, 2).unwrap());
        let mut r = Reassembler::new();
        let mut done = Vec::new();
        for (x, y) in pa.iter().zip(pb.iter()) {
            for p in [x, y] {
                if let Outcome::Complete(m) = r.push(p, 0) {
                    done.push(m);
                }
            }
        }
        assert_eq!(done, [a, b]);
    }

    #[test]
    fn limits_hold() {
        let mut r = Reassembler::with_limits(2, 100, 50);
        let big = fragment(&msg(300), 64, 0).unwrap();
        let out = feed(&mut r, &big);
        assert_eq!(out[1], Outcome::Dropped(DropReason::TooLong));
        // Three messages in flight with room for two: the oldest is evicted.
        for (tag, t) in [(1u8, 0u64), (2, 1), (3, 2)] {
            let mut m = msg(100);
            m.tag = tag;
            r.push(&fragment(&m, 64, 0).unwrap()[0], t);
        }
        assert_eq!(r.in_flight(), 2);
        assert_eq!(r.stats().evicted, 1);
        // And the timeout clears the rest.
        assert_eq!(r.expire(100), 2);
        assert_eq!(r.stats().expired, 2);
    }
}
