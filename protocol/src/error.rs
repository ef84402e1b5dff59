//! The error type shared by every parser in this crate.

/// Why bytes could not be parsed (or a value could not be emitted).
///
/// Every variant carries enough context to write a useful log line; none of them is
/// ever produced by a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The buffer ends before a field the packet needs.
    #[error("truncated: need {needed} bytes, have {have}")]
    Truncated {
        /// Bytes the field or packet needs.
        needed: usize,
        /// Bytes available.
        have: usize,
    },
    /// The control packet header revision is not 0x01 (DSP0222 1.2 §8.2.1).
    #[error("unsupported NC-SI header revision {0:#04x} (expected 0x01)")]
    Revision(u8),
    /// The checksum is non-zero and does not match the packet (DSP0222 1.2 §8.2.2.3).
    #[error("bad checksum: packet carries {carried:#010x}, computed {computed:#010x}")]
    Checksum {
        /// The checksum found in the packet.
        carried: u32,
        /// The checksum of the header and payload as received.
        computed: u32,
    },
    /// A payload whose length differs from the one DSP0222 defines for its type.
    #[error("{what}: payload length {actual} where DSP0222 defines {expected}")]
    PayloadLength {
        /// Which packet.
        what: &'static str,
        /// The length DSP0222 defines (the minimum, for variable-length packets).
        expected: usize,
        /// The length found.
        actual: usize,
    },
    /// An Ethernet frame whose EtherType is not NC-SI's 0x88F8.
    #[error("not an NC-SI frame: EtherType {0:#06x}")]
    EtherType(u16),
    /// A payload longer than the 12-bit payload length field can describe.
    #[error("payload of {0} bytes exceeds the 4095 bytes the length field can carry")]
    PayloadTooLong(usize),
    /// A buffer given to `emit` is smaller than the value's wire form.
    #[error("output buffer of {have} bytes is smaller than the {needed} bytes to emit")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        have: usize,
    },
    /// A field holds a value the packet cannot carry.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// The result type of this crate's parsers.
pub type Result<T> = core::result::Result<T, Error>;
