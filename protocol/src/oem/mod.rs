//! sidebridge's BMC-to-BMC OEM command set, carried in NC-SI OEM commands (0x50) after
//! the 4-byte manufacturer id. `protocol/OEM.md` is the specification; section
//! numbers below refer to it.
//!
//! - [`Frame`]: one OEM frame, the 20-byte header (§3) and a chunk of a message.
//! - [`Request`] and [`Response`]: whole messages, typed (§4).
//! - [`split`] and [`Reassembly`]: chunking of messages longer than one frame (§3.3).
//! - [`Event`]: OEM AENs (§7).

mod crc32;
pub mod responder;
mod tunnel;
mod types;

#[cfg(test)]
mod proptests;

pub use crc32::crc32;
pub use tunnel::{
    MAX_HEADER_VALUE_LEN, MAX_HEADERS, Method, TunnelRequest, TunnelResponse, TunnelRole,
};
pub use types::*;

use crate::error::{Error, Result};
use crate::ncsi::{Aen, OemCommand, OemResponse};
use crate::wire::{Reader, Writer};

/// The default manufacturer id: 32473, the enterprise number RFC 5612 reserves for
/// documentation, so the protocol squats on no vendor's number (§2).
pub const DEFAULT_MANUFACTURER_ID: u32 = crate::ncsi::vendor::MANUFACTURER_DOCUMENTATION;
/// The protocol version of every frame but the tunnel's (§3.1, §10).
pub const PROTOCOL_VERSION: u8 = 1;
/// The protocol version of the Redfish tunnel's frames (§4.18, §10); a responder that
/// speaks it announces it as its highest version in GetBridgeInfo.
pub const TUNNEL_VERSION: u8 = 2;
/// The highest protocol version this crate speaks.
pub const MAX_VERSION: u8 = TUNNEL_VERSION;
/// Length of the OEM frame header (§3.1).
pub const HEADER_LEN: usize = 20;
/// Largest chunk of message data in one frame (§3.3).
pub const MAX_CHUNK: usize = 1024;
/// Largest whole message a responder must accept (§3.3).
pub const MAX_MESSAGE: usize = 64 * 1024;
/// Longest URI (image or UEFI HTTP boot) in bytes (§3.4).
pub const MAX_URI_LEN: usize = 2048;
/// Longest other string in bytes (§3.4).
pub const MAX_STRING_LEN: usize = 255;
/// The most processors, host interfaces or drives GetHostInventory carries (§4.19).
pub const MAX_INVENTORY: usize = 32;
/// The most IPv4 or IPv6 addresses GetManagerNetwork and SetManagerNetwork carry (§4.20).
pub const MAX_ADDRESSES: usize = 16;
/// The most name servers GetManagerNetwork and SetManagerNetwork carry (§4.20).
pub const MAX_NAME_SERVERS: usize = 8;
/// The most network services GetManagerNetwork carries (§4.20).
pub const MAX_SERVICES: usize = 16;
/// The most sensors GetSensors carries (§4.22).
pub const MAX_SENSORS: usize = 64;
/// The most ports GetNetworkAdapter carries (§4.23).
pub const MAX_ADAPTER_PORTS: usize = 8;
/// The most capable speeds of one port in GetNetworkAdapter (§4.23).
pub const MAX_SPEEDS: usize = 8;
/// The most functions GetNetworkAdapter carries (§4.23).
pub const MAX_FUNCTIONS: usize = 16;
/// The most host firmware attributes GetBios and SetBiosSettings carry (§4.25).
pub const MAX_BIOS_ATTRIBUTES: usize = 128;
/// The most values of an enumeration attribute (§4.25).
pub const MAX_BIOS_VALUES: usize = 32;
/// A host interface's port byte when it is a function of no NIC port (§4.19).
pub const NO_PORT: u8 = 0xFF;
/// NC-SI AEN type of our events (§7).
pub const EVENT_AEN_TYPE: u8 = 0x80;
/// The AEN Enable OEM bit that turns our events on (bit 16, §7).
pub const EVENT_AEN_ENABLE_BIT: u32 = 1 << 16;

/// Frame flags (§3.2).
pub mod flags {
    /// Set by a requester on a retransmission of a request it sent before.
    pub const RETRY: u8 = 1 << 0;
}

/// One OEM frame: the header and a chunk of a request or response message (§3.1).
///
/// ```text
///  0        1        2        3        4                 8                12               16               20
/// +--------+--------+--------+--------+-----------------+----------------+----------------+----------------+------
/// |version |command | flags  | result |    sequence     |     offset     |  total length  |  CRC-32 (all)  | chunk
/// +--------+--------+--------+--------+-----------------+----------------+----------------+----------------+------
/// ```
/// `result` is 0 in requests. `offset`, `total length` and the CRC-32 describe the
/// whole message this frame's chunk belongs to.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Protocol version.
    pub version: u8,
    /// Command id.
    pub command: CommandId,
    /// [`flags`] bits.
    pub flags: u8,
    /// Result code; [`ResultCode::Ok`] (0) in requests.
    pub result: ResultCode,
    /// Sequence number of the operation (§5).
    pub sequence: u32,
    /// Where this chunk starts in the whole message.
    pub offset: u32,
    /// Length of the whole message.
    pub total_len: u32,
    /// CRC-32 of the whole message.
    pub crc: u32,
    /// This frame's part of the message.
    pub chunk: Vec<u8>,
}

impl Frame {
    /// Parses the vendor data of an NC-SI OEM command or response.
    pub fn parse(data: &[u8]) -> Result<Self> {
        if data.len() < HEADER_LEN {
            return Err(Error::PayloadLength {
                what: "OEM frame",
                expected: HEADER_LEN,
                actual: data.len(),
            });
        }
        let mut r = Reader::new(data);
        let frame = Frame {
            version: r.u8()?,
            command: CommandId::from(r.u8()?),
            flags: r.u8()?,
            result: ResultCode::from(r.u8()?),
            sequence: r.u32()?,
            offset: r.u32()?,
            total_len: r.u32()?,
            crc: r.u32()?,
            chunk: r.rest().to_vec(),
        };
        let end = u64::from(frame.offset) + frame.chunk.len() as u64;
        if end > u64::from(frame.total_len) {
            return Err(Error::Invalid(
                "OEM frame: chunk extends past the total length",
            ));
        }
        Ok(frame)
    }

    /// Appends the frame's bytes to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        Writer::new(out)
            .u8(self.version)
            .u8(self.command.into())
            .u8(self.flags)
            .u8(self.result.into())
            .u32(self.sequence)
            .u32(self.offset)
            .u32(self.total_len)
            .u32(self.crc)
            .bytes(&self.chunk);
    }

    /// Whether the chunk is the whole message.
    pub fn is_whole(&self) -> bool {
        self.offset == 0 && self.chunk.len() as u64 == u64::from(self.total_len)
    }

    /// Whether this chunk ends the message.
    pub fn is_last(&self) -> bool {
        u64::from(self.offset) + self.chunk.len() as u64 == u64::from(self.total_len)
    }

    /// The NC-SI OEM command carrying this frame.
    pub fn to_oem_command(&self, manufacturer_id: u32) -> OemCommand {
        let mut data = Vec::with_capacity(HEADER_LEN + self.chunk.len());
        self.emit(&mut data);
        OemCommand {
            manufacturer_id,
            data,
        }
    }

    /// The NC-SI OEM response data carrying this frame.
    pub fn to_oem_response(&self, manufacturer_id: u32) -> OemResponse {
        let mut data = Vec::with_capacity(HEADER_LEN + self.chunk.len());
        self.emit(&mut data);
        OemResponse {
            manufacturer_id,
            data,
        }
    }
}

/// Splits a whole message into frames of at most `max_chunk` bytes (at least one frame,
/// even for an empty message). Fails for `max_chunk` 0 or a message over
/// [`MAX_MESSAGE`].
pub fn split(
    command: CommandId,
    result: ResultCode,
    sequence: u32,
    message: &[u8],
    max_chunk: usize,
) -> Result<Vec<Frame>> {
    if max_chunk == 0 {
        return Err(Error::Invalid("chunk size 0"));
    }
    if message.len() > MAX_MESSAGE {
        return Err(Error::PayloadTooLong(message.len()));
    }
    let crc = crc32(message);
    let total_len = message.len() as u32;
    let frame = |offset: usize, chunk: &[u8]| Frame {
        version: version_of(command),
        command,
        flags: 0,
        result,
        sequence,
        offset: offset as u32,
        total_len,
        crc,
        chunk: chunk.to_vec(),
    };
    if message.is_empty() {
        return Ok(vec![frame(0, &[])]);
    }
    Ok(message
        .chunks(max_chunk)
        .enumerate()
        .map(|(i, c)| frame(i * max_chunk, c))
        .collect())
}

/// The protocol version of `command`'s frames: [`TUNNEL_VERSION`] for the tunnel,
/// [`PROTOCOL_VERSION`] for every other command (§4.18, §10).
pub fn version_of(command: CommandId) -> u8 {
    if command == CommandId::RedfishRequest {
        TUNNEL_VERSION
    } else {
        PROTOCOL_VERSION
    }
}

/// Why a chunk could not be added to a message being reassembled (§3.3); each maps to
/// the result code a responder answers with.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReassemblyError {
    /// The chunk does not start where the previous one ended, or changes the total
    /// length, CRC or command of the transfer.
    OutOfOrder,
    /// The whole message is larger than [`MAX_MESSAGE`].
    TooLarge,
    /// The reassembled message does not match its CRC-32.
    Integrity,
}

impl ReassemblyError {
    /// The result code a responder returns for this error.
    pub fn result_code(self) -> ResultCode {
        match self {
            Self::OutOfOrder => ResultCode::ChunkOutOfOrder,
            Self::TooLarge => ResultCode::TooLarge,
            Self::Integrity => ResultCode::IntegrityError,
        }
    }
}

/// Reassembles one message from in-order chunks (§3.3).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reassembly {
    /// Sequence number of the transfer.
    pub sequence: u32,
    /// Command of the transfer.
    pub command: CommandId,
    total_len: u32,
    crc: u32,
    buf: Vec<u8>,
}

impl Reassembly {
    /// Starts a transfer with its first chunk (offset 0). Returns the whole message
    /// at once when the chunk is all of it.
    pub fn start(frame: &Frame) -> core::result::Result<(Self, Option<Vec<u8>>), ReassemblyError> {
        if frame.offset != 0 {
            return Err(ReassemblyError::OutOfOrder);
        }
        if frame.total_len as usize > MAX_MESSAGE {
            return Err(ReassemblyError::TooLarge);
        }
        let mut r = Reassembly {
            sequence: frame.sequence,
            command: frame.command,
            total_len: frame.total_len,
            crc: frame.crc,
            buf: Vec::with_capacity(frame.total_len as usize),
        };
        let done = r.push(frame)?;
        Ok((r, done))
    }

    /// Adds the next chunk; returns the whole message, CRC-checked, after the last.
    pub fn push(
        &mut self,
        frame: &Frame,
    ) -> core::result::Result<Option<Vec<u8>>, ReassemblyError> {
        if frame.sequence != self.sequence
            || frame.command != self.command
            || frame.total_len != self.total_len
            || frame.crc != self.crc
            || frame.offset as usize != self.buf.len()
            || self.buf.len() + frame.chunk.len() > self.total_len as usize
        {
            return Err(ReassemblyError::OutOfOrder);
        }
        self.buf.extend_from_slice(&frame.chunk);
        if self.buf.len() < self.total_len as usize {
            return Ok(None);
        }
        if crc32(&self.buf) != self.crc {
            return Err(ReassemblyError::Integrity);
        }
        Ok(Some(core::mem::take(&mut self.buf)))
    }

    /// Bytes received so far.
    pub fn received(&self) -> usize {
        self.buf.len()
    }
}

// ---- Strings (§3.4): u16 length, then UTF-8 bytes. ----

fn put_str(w: &mut Writer<'_>, s: &str) {
    let b = s.as_bytes();
    let n = b.len().min(usize::from(u16::MAX));
    w.u16(n as u16).bytes(&b[..n]);
}

fn get_str(r: &mut Reader<'_>, max: usize, what: &'static str) -> Result<String> {
    let n = usize::from(r.u16()?);
    if n > max {
        return Err(Error::Invalid(what));
    }
    String::from_utf8(r.take(n)?.to_vec()).map_err(|_| Error::Invalid(what))
}

/// A list count no larger than `max` (a larger one makes the message invalid).
fn count(n: u8, max: usize, what: &'static str) -> Result<u8> {
    if usize::from(n) > max {
        Err(Error::Invalid(what))
    } else {
        Ok(n)
    }
}

/// Name servers as GetManagerNetwork and SetManagerNetwork carry them (§4.20, §4.21):
/// a count, then each as a string.
fn put_name_servers(w: &mut Writer<'_>, list: &[String]) {
    let list = &list[..list.len().min(MAX_NAME_SERVERS)];
    w.u8(list.len() as u8);
    for s in list {
        put_str(w, s);
    }
}

fn get_name_servers(r: &mut Reader<'_>) -> Result<Vec<String>> {
    let n = count(
        r.u8()?,
        MAX_NAME_SERVERS,
        "manager network: more than 8 name servers",
    )?;
    (0..n)
        .map(|_| get_str(r, MAX_STRING_LEN, "name server"))
        .collect()
}

/// A boot override as SetBootOverride and GetBootOverride carry it (§4.2, §4.3).
/// A host firmware value by its type (§4.25).
fn put_bios_value(w: &mut Writer<'_>, v: &BiosValue) {
    match v {
        BiosValue::Enumeration(s) | BiosValue::String(s) => put_str(w, s),
        BiosValue::Integer(n) => {
            w.u64(*n as u64);
        }
        BiosValue::Boolean(b) => {
            w.u8(u8::from(*b));
        }
    }
}

fn get_bios_value(r: &mut Reader<'_>, t: u8) -> Result<BiosValue> {
    Ok(match t {
        1 => BiosValue::Enumeration(get_str(r, MAX_STRING_LEN, "attribute value")?),
        2 => BiosValue::String(get_str(r, MAX_STRING_LEN, "attribute value")?),
        3 => BiosValue::Integer(r.u64()? as i64),
        4 => match r.u8()? {
            0 => BiosValue::Boolean(false),
            1 => BiosValue::Boolean(true),
            _ => return Err(Error::Invalid("attribute: a boolean other than 0 or 1")),
        },
        _ => return Err(Error::Invalid("attribute: type other than 1 to 4")),
    })
}

/// GetBios's response (§4.25).
fn put_bios(w: &mut Writer<'_>, b: &Bios) {
    let attrs = &b.attributes[..b.attributes.len().min(MAX_BIOS_ATTRIBUTES)];
    let pending: Vec<_> = b
        .pending
        .iter()
        .filter(|(i, _)| usize::from(*i) < attrs.len())
        .collect();
    w.u8(u8::from(!pending.is_empty()))
        .u8(attrs.len() as u8)
        .zeros(2);
    put_str(w, &b.registry);
    for a in attrs {
        w.u8(a.kind.type_code()).u8(u8::from(a.read_only)).zeros(2);
        put_str(w, &a.name);
        put_bios_value(w, &a.value);
        match &a.kind {
            BiosKind::Enumeration(values) => {
                let values = &values[..values.len().min(MAX_BIOS_VALUES)];
                w.u8(values.len() as u8);
                for v in values {
                    put_str(w, v);
                }
            }
            BiosKind::String(max) => {
                w.u16(*max);
            }
            BiosKind::Integer(lo, hi) => {
                w.u64(*lo as u64).u64(*hi as u64);
            }
            BiosKind::Boolean => {}
        }
    }
    if !pending.is_empty() {
        w.u8(pending.len() as u8);
        for (i, v) in pending {
            w.u8(*i);
            put_bios_value(w, v);
        }
    }
}

fn get_bios(r: &mut Reader<'_>) -> Result<Bios> {
    let (flags, n) = (r.u8()?, r.u8()?);
    r.skip(2)?;
    if flags & !1 != 0 {
        return Err(Error::Invalid("bios: reserved flag bits set"));
    }
    let n = count(n, MAX_BIOS_ATTRIBUTES, "bios: more than 128 attributes")?;
    let registry = get_str(r, MAX_STRING_LEN, "attribute registry")?;
    let mut attributes: Vec<BiosAttribute> = Vec::new();
    for _ in 0..n {
        let (t, aflags) = (r.u8()?, r.u8()?);
        r.skip(2)?;
        if aflags & !1 != 0 {
            return Err(Error::Invalid("bios attribute: reserved flag bits set"));
        }
        let name = get_str(r, 64, "attribute name")?;
        if !is_bios_name(&name) || attributes.iter().any(|a| a.name == name) {
            return Err(Error::Invalid(
                "bios attribute: name breaks §4.25 or repeats",
            ));
        }
        let value = get_bios_value(r, t)?;
        let kind = match t {
            1 => {
                let k = usize::from(r.u8()?);
                if !(1..=MAX_BIOS_VALUES).contains(&k) {
                    return Err(Error::Invalid("bios attribute: 1 to 32 values"));
                }
                BiosKind::Enumeration(
                    (0..k)
                        .map(|_| get_str(r, MAX_STRING_LEN, "attribute value"))
                        .collect::<Result<_>>()?,
                )
            }
            2 => {
                let max = r.u16()?;
                if usize::from(max) > MAX_STRING_LEN {
                    return Err(Error::Invalid("bios attribute: longest length above 255"));
                }
                BiosKind::String(max)
            }
            3 => BiosKind::Integer(r.u64()? as i64, r.u64()? as i64),
            _ => BiosKind::Boolean,
        };
        let a = BiosAttribute {
            name,
            kind,
            read_only: aflags & 1 != 0,
            value,
        };
        if a.admits(&a.value).is_err() {
            return Err(Error::Invalid(
                "bios attribute: value outside its definition",
            ));
        }
        attributes.push(a);
    }
    let mut pending: Vec<(u8, BiosValue)> = Vec::new();
    if flags & 1 != 0 {
        let m = usize::from(r.u8()?);
        if !(1..=attributes.len()).contains(&m) {
            return Err(Error::Invalid("bios: pending count outside 1..N"));
        }
        for _ in 0..m {
            let i = r.u8()?;
            let Some(a) = attributes.get(usize::from(i)) else {
                return Err(Error::Invalid("bios: pending index out of range"));
            };
            if pending.iter().any(|(k, _)| *k == i) {
                return Err(Error::Invalid("bios: pending index repeats"));
            }
            let v = get_bios_value(r, a.value.type_code())?;
            if a.admits(&v).is_err() {
                return Err(Error::Invalid("bios: pending value outside its definition"));
            }
            pending.push((i, v));
        }
    }
    Ok(Bios {
        registry,
        attributes,
        pending,
    })
}

/// The port and function counts of a settings block (§4.23), clamped to the maxima.
fn settings_counts(s: &AdapterSettings) -> (u8, u8) {
    (
        s.ports.len().min(MAX_ADAPTER_PORTS) as u8,
        s.functions.len().min(MAX_FUNCTIONS) as u8,
    )
}

/// A settings block (§4.23).
fn put_settings(w: &mut Writer<'_>, s: &AdapterSettings) {
    let (p, f) = settings_counts(s);
    w.u8(u8::from(s.npar)).zeros(3);
    for port in &s.ports[..usize::from(p)] {
        w.u8(u8::from(port.autoneg)).zeros(3).u32(port.speed_mbps);
    }
    for func in &s.functions[..usize::from(f)] {
        w.u8(u8::from(func.enabled))
            .u8(func.boot_mode.into())
            .zeros(2);
    }
}

fn get_settings(r: &mut Reader<'_>, ports: u8, functions: u8) -> Result<AdapterSettings> {
    let flags = r.u8()?;
    r.skip(3)?;
    if flags & !1 != 0 {
        return Err(Error::Invalid("settings: reserved flag bits set"));
    }
    let ports = (0..ports)
        .map(|_| {
            let flags = r.u8()?;
            r.skip(3)?;
            if flags & !1 != 0 {
                return Err(Error::Invalid("port settings: reserved flag bits set"));
            }
            Ok(PortSettings {
                autoneg: flags & 1 != 0,
                speed_mbps: r.u32()?,
            })
        })
        .collect::<Result<_>>()?;
    let functions = (0..functions)
        .map(|_| {
            let (flags, mode) = (r.u8()?, r.u8()?);
            r.skip(2)?;
            if flags & !1 != 0 {
                return Err(Error::Invalid("function settings: reserved flag bits set"));
            }
            if mode > 5 {
                return Err(Error::Invalid("function settings: boot mode above 5"));
            }
            Ok(FunctionSettings {
                enabled: flags & 1 != 0,
                boot_mode: mode.into(),
            })
        })
        .collect::<Result<_>>()?;
    Ok(AdapterSettings {
        npar: flags & 1 != 0,
        ports,
        functions,
    })
}

/// GetNetworkAdapter's response (§4.23).
fn put_adapter(w: &mut Writer<'_>, a: &NetworkAdapter) {
    let flags = u8::from(a.npar_capable)
        | u8::from(a.sriov_capable) << 1
        | u8::from(a.sriov_vepa_capable) << 2
        | u8::from(a.pending.is_some()) << 3;
    w.u8(flags)
        .u8(a.pcie.generation)
        .u8(a.pcie.max_generation)
        .u8(a.pcie.lanes)
        .u8(a.pcie.max_lanes)
        .u8(a.revision_id)
        .zeros(2)
        .u32(a.class_code & 0x00FF_FFFF)
        .u16(a.max_vfs)
        .u16(a.max_vfs_per_port)
        .u16(a.vf_group)
        .zeros(2);
    put_str(w, &a.sku);
    let ports = &a.ports[..a.ports.len().min(MAX_ADAPTER_PORTS)];
    w.u8(ports.len() as u8);
    for p in ports {
        let speeds = &p.speeds_mbps[..p.speeds_mbps.len().min(MAX_SPEEDS)];
        let t = p.transceiver.as_ref();
        let d = t.and_then(|t| t.diagnostics).unwrap_or_default();
        let flags = u8::from(p.autoneg_capable)
            | u8::from(t.is_some()) << 1
            | u8::from(t.is_some_and(|t| t.diagnostics.is_some())) << 2;
        w.u8(p.channel)
            .u8(flags)
            .u8(t.map_or(0, |t| t.kind.into()))
            .u8(t.map_or(0, |t| t.medium.into()))
            .u8(speeds.len() as u8)
            .zeros(3)
            .u32(d.rx_power_uw)
            .u32(d.tx_power_uw)
            .u32(d.tx_bias_ua)
            .u32(d.supply_mv);
        for s in speeds {
            w.u32(*s);
        }
    }
    let functions = &a.functions[..a.functions.len().min(MAX_FUNCTIONS)];
    w.u8(functions.len() as u8);
    for f in functions {
        w.u8(f.port.unwrap_or(NO_PORT))
            .u8(f.pcie_function)
            .u8(f.technologies)
            .u8(f.boot_modes)
            .u8(u8::from(f.vfs_enabled))
            .zeros(1)
            .u16(f.max_vfs)
            .bytes(&f.mac)
            .zeros(2);
    }
    // The blocks have the shape of the lists written above.
    let shape = |s: &AdapterSettings| AdapterSettings {
        npar: s.npar,
        ports: (0..ports.len())
            .map(|i| {
                s.ports.get(i).copied().unwrap_or(PortSettings {
                    autoneg: false,
                    speed_mbps: 0,
                })
            })
            .collect(),
        functions: (0..functions.len())
            .map(|i| {
                s.functions.get(i).copied().unwrap_or(FunctionSettings {
                    enabled: false,
                    boot_mode: FunctionBootMode::Disabled,
                })
            })
            .collect(),
    };
    put_settings(w, &shape(&a.current));
    if let Some(p) = &a.pending {
        put_settings(w, &shape(p));
    }
}

fn get_adapter(r: &mut Reader<'_>) -> Result<NetworkAdapter> {
    let flags = r.u8()?;
    if flags & !0x0F != 0 {
        return Err(Error::Invalid("adapter: reserved flag bits set"));
    }
    let pcie = PcieLink {
        generation: r.u8()?,
        max_generation: r.u8()?,
        lanes: r.u8()?,
        max_lanes: r.u8()?,
    };
    let revision_id = r.u8()?;
    r.skip(2)?;
    let class_code = r.u32()?;
    if class_code > 0x00FF_FFFF {
        return Err(Error::Invalid("adapter: class code above 24 bits"));
    }
    let (max_vfs, max_vfs_per_port, vf_group) = (r.u16()?, r.u16()?, r.u16()?);
    r.skip(2)?;
    let sku = get_str(r, MAX_STRING_LEN, "SKU")?;
    let n = count(r.u8()?, MAX_ADAPTER_PORTS, "adapter: more than 8 ports")?;
    let ports = (0..n)
        .map(|_| {
            let (channel, flags, kind, medium, speeds) =
                (r.u8()?, r.u8()?, r.u8()?, r.u8()?, r.u8()?);
            r.skip(3)?;
            if flags & !0x07 != 0 {
                return Err(Error::Invalid("adapter port: reserved flag bits set"));
            }
            if flags & 0x06 == 0x04 {
                return Err(Error::Invalid(
                    "adapter port: diagnostics without a transceiver",
                ));
            }
            let speeds = count(speeds, MAX_SPEEDS, "adapter port: more than 8 speeds")?;
            let d = Diagnostics {
                rx_power_uw: r.u32()?,
                tx_power_uw: r.u32()?,
                tx_bias_ua: r.u32()?,
                supply_mv: r.u32()?,
            };
            Ok(AdapterPort {
                channel,
                autoneg_capable: flags & 1 != 0,
                transceiver: (flags & 2 != 0).then(|| Transceiver {
                    kind: kind.into(),
                    medium: medium.into(),
                    diagnostics: (flags & 4 != 0).then_some(d),
                }),
                speeds_mbps: (0..speeds).map(|_| r.u32()).collect::<Result<_>>()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let n = count(r.u8()?, MAX_FUNCTIONS, "adapter: more than 16 functions")?;
    let functions = (0..n)
        .map(|_| {
            let (port, pcie_function, technologies, boot_modes, flags) =
                (r.u8()?, r.u8()?, r.u8()?, r.u8()?, r.u8()?);
            r.skip(1)?;
            if technologies & !0x1F != 0 || boot_modes & !0x1F != 0 || flags & !1 != 0 {
                return Err(Error::Invalid("adapter function: reserved bits set"));
            }
            let max_vfs = r.u16()?;
            let mac = r.array()?;
            r.skip(2)?;
            Ok(AdapterFunction {
                port: (port != NO_PORT).then_some(port),
                pcie_function,
                technologies,
                boot_modes,
                vfs_enabled: flags & 1 != 0,
                max_vfs,
                mac,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let (p, f) = (ports.len() as u8, functions.len() as u8);
    let current = get_settings(r, p, f)?;
    let pending = if flags & 8 != 0 {
        Some(get_settings(r, p, f)?)
    } else {
        None
    };
    Ok(NetworkAdapter {
        npar_capable: flags & 1 != 0,
        sriov_capable: flags & 2 != 0,
        sriov_vepa_capable: flags & 4 != 0,
        pcie,
        revision_id,
        class_code,
        max_vfs,
        max_vfs_per_port,
        vf_group,
        sku,
        ports,
        functions,
        current,
        pending,
    })
}

fn put_boot_override(w: &mut Writer<'_>, o: &BootOverride) {
    w.u8(o.target.into())
        .u8(o.enabled.into())
        .u8(o.mode.into())
        .zeros(1);
    put_str(w, &o.uri);
}

fn get_boot_override(r: &mut Reader<'_>) -> Result<BootOverride> {
    let (target, enabled, mode) = (r.u8()?, r.u8()?, r.u8()?);
    r.skip(1)?;
    Ok(BootOverride {
        target: target.into(),
        enabled: enabled.into(),
        mode: mode.into(),
        uri: get_str(r, MAX_URI_LEN, "boot URI")?,
    })
}

fn expect_end(r: &mut Reader<'_>, what: &'static str) -> Result<()> {
    if r.rest().is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(what))
    }
}

/// A whole request message (§4).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// §4.1: the requester's supported protocol versions.
    GetBridgeInfo {
        /// Lowest version the requester speaks.
        min_version: u8,
        /// Highest version the requester speaks.
        max_version: u8,
    },
    /// §4.2.
    GetBootOverride,
    /// §4.3.
    SetBootOverride(BootOverride),
    /// §4.4.
    GetPowerState,
    /// §4.5 (long operation).
    Reset(ResetType),
    /// §4.6 (long operation).
    VirtualMediaInsert(MediaInsert),
    /// §4.7.
    VirtualMediaEject(MediaSlot),
    /// §4.8.
    VirtualMediaStatus(MediaSlot),
    /// §4.9.
    GetFirmwareInventory,
    /// §4.10.
    GetNetworkIdentity,
    /// §4.19 (1.2).
    GetHostInventory,
    /// §4.20 (1.3).
    GetManagerNetwork,
    /// §4.21 (1.3).
    SetManagerNetwork(ManagerNetworkUpdate),
    /// §4.22 (1.3).
    GetSensors,
    /// §4.23 (1.4).
    GetNetworkAdapter,
    /// §4.24 (1.4): the new pending settings; `None`: the card's defaults.
    SetAdapterSettings(Option<AdapterSettings>),
    /// §4.25 (1.4).
    GetBios,
    /// §4.26 (1.4): changes to merge into the pending values; `None`: the defaults.
    SetBiosSettings(Option<Vec<BiosChange>>),
    /// §4.11.
    GetBootProgress,
    /// §4.12: the sequence number of the operation to poll.
    GetOperationStatus {
        /// The operation's sequence number.
        sequence: u32,
    },
    /// §4.13, §3.3: read the response to the frame's sequence number from `offset` on.
    ReadResult {
        /// Where in the response message to continue.
        offset: u32,
    },
    /// §4.14 (1.1).
    GetAllowableValues,
    /// §4.15 (1.1).
    GetSystemSettings,
    /// §4.16 (1.1).
    SetSystemSettings(SystemSettingsUpdate),
    /// §4.17 (1.1): reset the card BMC.
    ResetManager(ResetType),
    /// §4.18 (version 2): one Redfish request for the card BMC's service.
    Redfish(TunnelRequest),
    /// A command id this crate does not know, with its message.
    Unknown {
        /// The command id.
        command: u8,
        /// The message bytes.
        message: Vec<u8>,
    },
}

impl Request {
    /// The command id.
    pub fn command(&self) -> CommandId {
        match self {
            Self::GetBridgeInfo { .. } => CommandId::GetBridgeInfo,
            Self::GetBootOverride => CommandId::GetBootOverride,
            Self::SetBootOverride(_) => CommandId::SetBootOverride,
            Self::GetPowerState => CommandId::GetPowerState,
            Self::Reset(_) => CommandId::Reset,
            Self::VirtualMediaInsert(_) => CommandId::VirtualMediaInsert,
            Self::VirtualMediaEject(_) => CommandId::VirtualMediaEject,
            Self::VirtualMediaStatus(_) => CommandId::VirtualMediaStatus,
            Self::GetFirmwareInventory => CommandId::GetFirmwareInventory,
            Self::GetNetworkIdentity => CommandId::GetNetworkIdentity,
            Self::GetHostInventory => CommandId::GetHostInventory,
            Self::GetManagerNetwork => CommandId::GetManagerNetwork,
            Self::SetManagerNetwork(_) => CommandId::SetManagerNetwork,
            Self::GetSensors => CommandId::GetSensors,
            Self::GetNetworkAdapter => CommandId::GetNetworkAdapter,
            Self::SetAdapterSettings(_) => CommandId::SetAdapterSettings,
            Self::GetBios => CommandId::GetBios,
            Self::SetBiosSettings(_) => CommandId::SetBiosSettings,
            Self::GetBootProgress => CommandId::GetBootProgress,
            Self::GetOperationStatus { .. } => CommandId::GetOperationStatus,
            Self::ReadResult { .. } => CommandId::ReadResult,
            Self::GetAllowableValues => CommandId::GetAllowableValues,
            Self::GetSystemSettings => CommandId::GetSystemSettings,
            Self::SetSystemSettings(_) => CommandId::SetSystemSettings,
            Self::ResetManager(_) => CommandId::ResetManager,
            Self::Redfish(_) => CommandId::RedfishRequest,
            Self::Unknown { command, .. } => CommandId::Unknown(*command),
        }
    }

    /// Whether executing it changes anything on the card (§5.1): not for a read (the
    /// Get… commands, GetOperationStatus, ReadResult, a tunnelled GET or HEAD).
    pub fn changes_state(&self) -> bool {
        match self {
            Self::Redfish(t) => !matches!(t.method, Method::Get | Method::Head),
            Self::GetBridgeInfo { .. }
            | Self::GetBootOverride
            | Self::GetPowerState
            | Self::VirtualMediaStatus(_)
            | Self::GetFirmwareInventory
            | Self::GetNetworkIdentity
            | Self::GetHostInventory
            | Self::GetManagerNetwork
            | Self::GetSensors
            | Self::GetNetworkAdapter
            | Self::GetBios
            | Self::GetBootProgress
            | Self::GetOperationStatus { .. }
            | Self::ReadResult { .. }
            | Self::GetAllowableValues
            | Self::GetSystemSettings => false,
            _ => true,
        }
    }

    /// Whether the command may answer Accepted and finish later (§5.2).
    pub fn is_long_operation(&self) -> bool {
        matches!(self, Self::Reset(_) | Self::VirtualMediaInsert(_))
    }

    /// The message bytes.
    pub fn to_message(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        match self {
            Self::GetBridgeInfo {
                min_version,
                max_version,
            } => {
                w.u8(*min_version).u8(*max_version).zeros(2);
            }
            Self::SetBootOverride(o) => put_boot_override(&mut w, o),
            Self::Reset(t) | Self::ResetManager(t) => {
                w.u8((*t).into()).zeros(3);
            }
            Self::SetSystemSettings(u) => {
                let mask = u8::from(u.asset_tag.is_some())
                    | u8::from(u.indicator.is_some()) << 1
                    | u8::from(u.watchdog_enabled.is_some()) << 2
                    | u8::from(u.watchdog_action.is_some()) << 3;
                w.u8(mask)
                    .u8(u.indicator.map_or(0, u8::from))
                    .u8(u8::from(u.watchdog_enabled.unwrap_or(false)))
                    .u8(u.watchdog_action.map_or(0, u8::from));
                put_str(&mut w, u.asset_tag.as_deref().unwrap_or(""));
            }
            Self::VirtualMediaInsert(m) => {
                w.u8(m.slot.into())
                    .u8(u8::from(m.write_protected))
                    .u8(m.protocol.into())
                    .zeros(1);
                put_str(&mut w, &m.image);
                put_str(&mut w, &m.username);
                put_str(&mut w, &m.password);
            }
            Self::VirtualMediaEject(s) | Self::VirtualMediaStatus(s) => {
                w.u8((*s).into()).zeros(3);
            }
            Self::GetOperationStatus { sequence } | Self::ReadResult { offset: sequence } => {
                w.u32(*sequence);
            }
            Self::Redfish(t) => t.emit(&mut w),
            Self::SetManagerNetwork(u) => {
                let mask = u8::from(u.host_name.is_some())
                    | u8::from(u.domain_name.is_some()) << 1
                    | u8::from(u.name_servers.is_some()) << 2
                    | u8::from(u.dhcpv4.is_some()) << 3
                    | u8::from(u.static_ipv4.is_some()) << 4;
                w.u8(mask).u8(u8::from(u.dhcpv4.unwrap_or(false))).zeros(2);
                put_str(&mut w, u.host_name.as_deref().unwrap_or(""));
                put_str(&mut w, u.domain_name.as_deref().unwrap_or(""));
                put_name_servers(&mut w, u.name_servers.as_deref().unwrap_or(&[]));
                let v4 = u.static_ipv4.as_deref().unwrap_or(&[]);
                let v4 = &v4[..v4.len().min(MAX_ADDRESSES)];
                w.u8(v4.len() as u8);
                for a in v4 {
                    w.bytes(&a.address).u8(a.prefix).bytes(&a.gateway);
                }
            }
            Self::Unknown { message, .. } => {
                w.bytes(message);
            }
            Self::SetAdapterSettings(s) => {
                let empty = AdapterSettings::default();
                let s2 = s.as_ref().unwrap_or(&empty);
                let (p, f) = settings_counts(s2);
                w.u8(u8::from(s.is_none())).u8(p).u8(f).zeros(1);
                if s.is_some() {
                    put_settings(&mut w, s2);
                }
            }
            Self::SetBiosSettings(c) => {
                let list = c.as_deref().unwrap_or(&[]);
                let list = &list[..list.len().min(MAX_BIOS_ATTRIBUTES)];
                w.u8(u8::from(c.is_none())).u8(list.len() as u8).zeros(2);
                for ch in list {
                    put_str(&mut w, &ch.name);
                    w.u8(ch.value.type_code());
                    put_bios_value(&mut w, &ch.value);
                }
            }
            Self::GetManagerNetwork
            | Self::GetBios
            | Self::GetNetworkAdapter
            | Self::GetSensors
            | Self::GetBootOverride
            | Self::GetPowerState
            | Self::GetFirmwareInventory
            | Self::GetNetworkIdentity
            | Self::GetHostInventory
            | Self::GetBootProgress
            | Self::GetAllowableValues
            | Self::GetSystemSettings => {}
        }
        out
    }

    /// Parses a whole request message of command `command`.
    pub fn parse(command: CommandId, message: &[u8]) -> Result<Self> {
        let mut r = Reader::new(message);
        let req = match command {
            CommandId::GetBridgeInfo => {
                let (min_version, max_version) = (r.u8()?, r.u8()?);
                r.skip(2)?;
                Self::GetBridgeInfo {
                    min_version,
                    max_version,
                }
            }
            CommandId::GetBootOverride => Self::GetBootOverride,
            CommandId::SetBootOverride => Self::SetBootOverride(get_boot_override(&mut r)?),
            CommandId::GetPowerState => Self::GetPowerState,
            CommandId::Reset => {
                let t = r.u8()?;
                r.skip(3)?;
                Self::Reset(t.into())
            }
            CommandId::VirtualMediaInsert => {
                let (slot, flags, protocol) = (r.u8()?, r.u8()?, r.u8()?);
                r.skip(1)?;
                Self::VirtualMediaInsert(MediaInsert {
                    slot: slot.into(),
                    write_protected: flags & 1 != 0,
                    protocol: protocol.into(),
                    image: get_str(&mut r, MAX_URI_LEN, "image URI")?,
                    username: get_str(&mut r, MAX_STRING_LEN, "user name")?,
                    password: get_str(&mut r, MAX_STRING_LEN, "password")?,
                })
            }
            CommandId::VirtualMediaEject | CommandId::VirtualMediaStatus => {
                let slot = MediaSlot::from(r.u8()?);
                r.skip(3)?;
                if command == CommandId::VirtualMediaEject {
                    Self::VirtualMediaEject(slot)
                } else {
                    Self::VirtualMediaStatus(slot)
                }
            }
            CommandId::GetFirmwareInventory => Self::GetFirmwareInventory,
            CommandId::GetNetworkIdentity => Self::GetNetworkIdentity,
            CommandId::GetHostInventory => Self::GetHostInventory,
            CommandId::GetManagerNetwork => Self::GetManagerNetwork,
            CommandId::GetSensors => Self::GetSensors,
            CommandId::GetNetworkAdapter => Self::GetNetworkAdapter,
            CommandId::GetBios => Self::GetBios,
            CommandId::SetBiosSettings => {
                let (flags, m) = (r.u8()?, r.u8()?);
                r.skip(2)?;
                if flags & !1 != 0 {
                    return Err(Error::Invalid("bios settings: reserved flag bits set"));
                }
                let m = count(m, MAX_BIOS_ATTRIBUTES, "bios settings: more than 128")?;
                if flags & 1 != 0 {
                    if m != 0 {
                        return Err(Error::Invalid("bios settings: defaults with changes"));
                    }
                    Self::SetBiosSettings(None)
                } else {
                    let changes = (0..m)
                        .map(|_| {
                            let name = get_str(&mut r, 64, "attribute name")?;
                            if !is_bios_name(&name) {
                                return Err(Error::Invalid("bios change: name breaks §4.25"));
                            }
                            let t = r.u8()?;
                            Ok(BiosChange {
                                name,
                                value: get_bios_value(&mut r, t)?,
                            })
                        })
                        .collect::<Result<_>>()?;
                    Self::SetBiosSettings(Some(changes))
                }
            }
            CommandId::SetAdapterSettings => {
                let (flags, p, f) = (r.u8()?, r.u8()?, r.u8()?);
                r.skip(1)?;
                if flags & !1 != 0 {
                    return Err(Error::Invalid("adapter settings: reserved flag bits set"));
                }
                let p = count(p, MAX_ADAPTER_PORTS, "adapter settings: more than 8 ports")?;
                let f = count(f, MAX_FUNCTIONS, "adapter settings: more than 16 functions")?;
                if flags & 1 != 0 {
                    if p != 0 || f != 0 {
                        return Err(Error::Invalid("adapter settings: defaults with a block"));
                    }
                    Self::SetAdapterSettings(None)
                } else {
                    Self::SetAdapterSettings(Some(get_settings(&mut r, p, f)?))
                }
            }
            CommandId::SetManagerNetwork => {
                let (mask, flags) = (r.u8()?, r.u8()?);
                r.skip(2)?;
                if mask & !0x1F != 0 {
                    return Err(Error::Invalid("manager network: reserved mask bits set"));
                }
                if flags & !1 != 0 {
                    return Err(Error::Invalid("manager network: reserved flag bits set"));
                }
                let host_name = get_str(&mut r, MAX_STRING_LEN, "host name")?;
                let domain_name = get_str(&mut r, MAX_STRING_LEN, "domain name")?;
                let name_servers = get_name_servers(&mut r)?;
                let n = count(
                    r.u8()?,
                    MAX_ADDRESSES,
                    "manager network: more than 16 IPv4 addresses",
                )?;
                let static_ipv4 = (0..n)
                    .map(|_| {
                        Ok(StaticIpv4 {
                            address: r.array()?,
                            prefix: r.u8()?,
                            gateway: r.array()?,
                        })
                    })
                    .collect::<Result<_>>()?;
                Self::SetManagerNetwork(ManagerNetworkUpdate {
                    host_name: (mask & 1 != 0).then_some(host_name),
                    domain_name: (mask & 2 != 0).then_some(domain_name),
                    name_servers: (mask & 4 != 0).then_some(name_servers),
                    dhcpv4: (mask & 8 != 0).then_some(flags & 1 != 0),
                    static_ipv4: (mask & 16 != 0).then_some(static_ipv4),
                })
            }
            CommandId::GetBootProgress => Self::GetBootProgress,
            CommandId::GetOperationStatus => Self::GetOperationStatus { sequence: r.u32()? },
            CommandId::ReadResult => Self::ReadResult { offset: r.u32()? },
            CommandId::GetAllowableValues => Self::GetAllowableValues,
            CommandId::GetSystemSettings => Self::GetSystemSettings,
            CommandId::SetSystemSettings => {
                let (mask, led, flags, action) = (r.u8()?, r.u8()?, r.u8()?, r.u8()?);
                if mask & !0x0F != 0 {
                    return Err(Error::Invalid("system settings: reserved mask bits set"));
                }
                let tag = get_str(&mut r, MAX_ASSET_TAG_LEN, "asset tag")?;
                Self::SetSystemSettings(SystemSettingsUpdate {
                    asset_tag: (mask & 1 != 0).then_some(tag),
                    indicator: (mask & 2 != 0).then(|| led.into()),
                    watchdog_enabled: (mask & 4 != 0).then_some(flags & 1 != 0),
                    watchdog_action: (mask & 8 != 0).then(|| action.into()),
                })
            }
            CommandId::ResetManager => {
                let t = r.u8()?;
                r.skip(3)?;
                Self::ResetManager(t.into())
            }
            CommandId::RedfishRequest => Self::Redfish(TunnelRequest::parse(&mut r)?),
            CommandId::Unknown(c) => {
                return Ok(Self::Unknown {
                    command: c,
                    message: message.to_vec(),
                });
            }
        };
        expect_end(&mut r, "request: bytes after the last field")?;
        Ok(req)
    }
}

/// The body of a whole response message (§4), by command, for result Ok.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseBody {
    /// No data (Set Boot Override, Reset, Eject, ReadResult errors, Accepted, …).
    Empty,
    /// §4.1.
    BridgeInfo(BridgeInfo),
    /// §4.2.
    BootOverride(BootOverride),
    /// §4.4.
    PowerState(PowerState),
    /// §4.8.
    MediaStatus(MediaStatus),
    /// §4.9.
    FirmwareInventory(Vec<FirmwareComponent>),
    /// §4.10.
    NetworkIdentity(NetworkIdentity),
    /// §4.19 (1.2).
    HostInventory(HostInventory),
    /// §4.20 (1.3).
    ManagerNetwork(ManagerNetwork),
    /// §4.22 (1.3).
    Sensors(Sensors),
    /// §4.23 (1.4).
    NetworkAdapter(NetworkAdapter),
    /// §4.25 (1.4).
    Bios(Bios),
    /// §4.11.
    BootProgress(BootProgress),
    /// §4.12.
    OperationStatus(OperationStatus),
    /// §4.14 (1.1).
    AllowableValues(AllowableValues),
    /// §4.15 (1.1).
    SystemSettings(SystemSettings),
    /// §4.18 (version 2): the card service's answer.
    Redfish(TunnelResponse),
    /// §6: a non-success result's human-readable detail (may be empty).
    Error(String),
    /// The response to a command id this crate does not know.
    Raw(Vec<u8>),
}

/// A whole response message: result and body.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The command answered.
    pub command: CommandId,
    /// The result code.
    pub result: ResultCode,
    /// The body.
    pub body: ResponseBody,
}

impl Response {
    /// A success with a body.
    pub fn ok(command: CommandId, body: ResponseBody) -> Self {
        Response {
            command,
            result: ResultCode::Ok,
            body,
        }
    }

    /// An error with a detail message, cut to [`MAX_STRING_LEN`] bytes at a character
    /// boundary so that every requester can read it (§6).
    pub fn error(command: CommandId, result: ResultCode, detail: impl Into<String>) -> Self {
        let mut detail = detail.into();
        if detail.len() > MAX_STRING_LEN {
            let mut end = MAX_STRING_LEN;
            while !detail.is_char_boundary(end) {
                end -= 1;
            }
            detail.truncate(end);
        }
        Response {
            command,
            result,
            body: ResponseBody::Error(detail),
        }
    }

    /// The message bytes.
    pub fn to_message(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        match &self.body {
            ResponseBody::Empty => {}
            ResponseBody::BridgeInfo(b) => {
                w.u8(b.min_version)
                    .u8(b.max_version)
                    .u16(b.max_chunk)
                    .u32(b.capabilities)
                    .bytes(&b.uuid);
                for s in [
                    &b.manufacturer,
                    &b.model,
                    &b.serial,
                    &b.part_number,
                    &b.firmware_version,
                ] {
                    put_str(&mut w, s);
                }
            }
            ResponseBody::BootOverride(o) => put_boot_override(&mut w, o),
            ResponseBody::PowerState(p) => {
                w.u8((*p).into()).zeros(3);
            }
            ResponseBody::MediaStatus(m) => {
                w.u8(m.slot.into())
                    .u8(m.state.into())
                    .u8(u8::from(m.write_protected))
                    .u8(m.protocol.into());
                put_str(&mut w, &m.image);
            }
            ResponseBody::FirmwareInventory(list) => {
                let list = &list[..list.len().min(255)];
                w.u8(list.len() as u8).zeros(3);
                for c in list {
                    w.u8(u8::from(c.updateable)).zeros(3);
                    put_str(&mut w, &c.name);
                    put_str(&mut w, &c.version);
                }
            }
            ResponseBody::NetworkIdentity(n) => {
                put_str(&mut w, &n.host_name);
                let macs = &n.macs[..n.macs.len().min(255)];
                w.u8(macs.len() as u8);
                for m in macs {
                    w.bytes(m);
                }
                let v4 = &n.ipv4[..n.ipv4.len().min(255)];
                w.u8(v4.len() as u8);
                for (a, p) in v4 {
                    w.bytes(a).u8(*p);
                }
                let v6 = &n.ipv6[..n.ipv6.len().min(255)];
                w.u8(v6.len() as u8);
                for (a, p) in v6 {
                    w.bytes(a).u8(*p);
                }
            }
            ResponseBody::HostInventory(h) => {
                let procs = &h.processors[..h.processors.len().min(MAX_INVENTORY)];
                w.u8(procs.len() as u8).zeros(3).u64(h.memory_mib);
                for p in procs {
                    w.u8(p.instruction_set.into())
                        .zeros(1)
                        .u16(p.cores)
                        .u16(p.threads)
                        .u16(p.max_speed_mhz);
                    put_str(&mut w, &p.manufacturer);
                    put_str(&mut w, &p.model);
                }
                let ifs = &h.interfaces[..h.interfaces.len().min(MAX_INVENTORY)];
                w.u8(ifs.len() as u8);
                for i in ifs {
                    w.bytes(&i.mac)
                        .u8(u8::from(i.enabled) | u8::from(i.link_up) << 1)
                        .u8(i.port.unwrap_or(NO_PORT))
                        .u32(i.speed_mbps);
                }
                let drives = &h.drives[..h.drives.len().min(MAX_INVENTORY)];
                w.u8(drives.len() as u8);
                for d in drives {
                    w.u64(d.capacity_bytes)
                        .u8(d.media.into())
                        .u8(d.protocol.into());
                    put_str(&mut w, &d.model);
                    put_str(&mut w, &d.serial);
                }
            }
            ResponseBody::ManagerNetwork(n) => {
                let flags = u8::from(n.enabled)
                    | u8::from(n.link_up) << 1
                    | u8::from(n.dhcpv4) << 2
                    | u8::from(n.dhcpv6) << 3;
                w.bytes(&n.uuid)
                    .u8(flags)
                    .zeros(3)
                    .u32(n.speed_mbps)
                    .bytes(&n.mac)
                    .zeros(2);
                put_str(&mut w, &n.host_name);
                put_str(&mut w, &n.domain_name);
                let v4 = &n.ipv4[..n.ipv4.len().min(MAX_ADDRESSES)];
                w.u8(v4.len() as u8);
                for a in v4 {
                    w.bytes(&a.address)
                        .u8(a.prefix)
                        .u8(a.origin.into())
                        .bytes(&a.gateway);
                }
                let v6 = &n.ipv6[..n.ipv6.len().min(MAX_ADDRESSES)];
                w.u8(v6.len() as u8);
                for a in v6 {
                    w.bytes(&a.address)
                        .u8(a.prefix)
                        .u8(a.origin.into())
                        .u8(a.state.into());
                }
                put_name_servers(&mut w, &n.name_servers);
                let services = &n.services[..n.services.len().min(MAX_SERVICES)];
                w.u8(services.len() as u8);
                for sv in services {
                    w.u8(sv.service.into())
                        .u8(u8::from(sv.enabled))
                        .u16(sv.port);
                }
            }
            ResponseBody::Sensors(list) => {
                let sensors = &list.sensors[..list.sensors.len().min(MAX_SENSORS)];
                w.u8(sensors.len() as u8).zeros(3).u32(list.capacity_watts);
                for sn in sensors {
                    let thresholds = [
                        sn.upper_caution,
                        sn.upper_critical,
                        sn.lower_caution,
                        sn.lower_critical,
                    ];
                    let flags = thresholds
                        .iter()
                        .enumerate()
                        .fold(u8::from(sn.reading.is_some()), |f, (i, t)| {
                            f | u8::from(t.is_some()) << (i + 1)
                        });
                    w.u8(sn.reading_type.into())
                        .u8(sn.context.into())
                        .u8(flags)
                        .zeros(1)
                        .u32(sn.reading.unwrap_or(0) as u32);
                    for t in thresholds {
                        w.u32(t.unwrap_or(0) as u32);
                    }
                    put_str(&mut w, &sn.name);
                }
            }
            ResponseBody::NetworkAdapter(a) => put_adapter(&mut w, a),
            ResponseBody::Bios(b) => put_bios(&mut w, b),
            ResponseBody::BootProgress(b) => {
                w.u8((*b).into()).zeros(3);
            }
            ResponseBody::OperationStatus(s) => {
                w.u32(s.sequence)
                    .u8(s.command.into())
                    .u8(s.state.into())
                    .u8(s.result.into())
                    .u8(s.progress);
            }
            ResponseBody::AllowableValues(a) => {
                w.u32(a.boot_targets)
                    .u8(a.boot_enabled)
                    .u8(a.boot_modes)
                    .u8(a.media[0])
                    .u8(a.media[1])
                    .u32(a.reset_types)
                    .u32(a.manager_reset_types)
                    .u8(a.watchdog_actions)
                    .zeros(3);
            }
            ResponseBody::SystemSettings(s) => {
                w.u8(s.indicator.into())
                    .u8(u8::from(s.watchdog.enabled))
                    .u8(s.watchdog.action.into())
                    .zeros(1)
                    .bytes(&s.uuid);
                put_str(&mut w, &s.asset_tag);
            }
            ResponseBody::Redfish(t) => t.emit(&mut w),
            ResponseBody::Error(detail) => put_str(&mut w, detail),
            ResponseBody::Raw(b) => {
                w.bytes(b);
            }
        }
        out
    }

    /// Parses a whole response message to `command` with result `result`.
    pub fn parse(command: CommandId, result: ResultCode, message: &[u8]) -> Result<Self> {
        let mut r = Reader::new(message);
        let body = match (result, command) {
            (ResultCode::Accepted | ResultCode::ChunkAccepted, _) => ResponseBody::Empty,
            (ResultCode::Ok, CommandId::Unknown(_)) => ResponseBody::Raw(r.rest().to_vec()),
            (ResultCode::Ok, CommandId::GetBridgeInfo) => {
                let (min_version, max_version, max_chunk, capabilities) =
                    (r.u8()?, r.u8()?, r.u16()?, r.u32()?);
                let uuid = r.array()?;
                ResponseBody::BridgeInfo(BridgeInfo {
                    min_version,
                    max_version,
                    max_chunk,
                    capabilities,
                    uuid,
                    manufacturer: get_str(&mut r, MAX_STRING_LEN, "manufacturer")?,
                    model: get_str(&mut r, MAX_STRING_LEN, "model")?,
                    serial: get_str(&mut r, MAX_STRING_LEN, "serial number")?,
                    part_number: get_str(&mut r, MAX_STRING_LEN, "part number")?,
                    firmware_version: get_str(&mut r, MAX_STRING_LEN, "firmware version")?,
                })
            }
            (ResultCode::Ok, CommandId::GetBootOverride) => {
                ResponseBody::BootOverride(get_boot_override(&mut r)?)
            }
            (ResultCode::Ok, CommandId::GetPowerState) => {
                let p = r.u8()?;
                r.skip(3)?;
                ResponseBody::PowerState(p.into())
            }
            (ResultCode::Ok, CommandId::VirtualMediaStatus) => {
                let (slot, state, flags, protocol) = (r.u8()?, r.u8()?, r.u8()?, r.u8()?);
                ResponseBody::MediaStatus(MediaStatus {
                    slot: slot.into(),
                    state: state.into(),
                    write_protected: flags & 1 != 0,
                    protocol: protocol.into(),
                    image: get_str(&mut r, MAX_URI_LEN, "image URI")?,
                })
            }
            (ResultCode::Ok, CommandId::GetFirmwareInventory) => {
                let n = r.u8()?;
                r.skip(3)?;
                let mut list = Vec::with_capacity(usize::from(n));
                for _ in 0..n {
                    let flags = r.u8()?;
                    r.skip(3)?;
                    list.push(FirmwareComponent {
                        updateable: flags & 1 != 0,
                        name: get_str(&mut r, MAX_STRING_LEN, "component name")?,
                        version: get_str(&mut r, MAX_STRING_LEN, "component version")?,
                    });
                }
                ResponseBody::FirmwareInventory(list)
            }
            (ResultCode::Ok, CommandId::GetNetworkIdentity) => {
                let host_name = get_str(&mut r, MAX_STRING_LEN, "host name")?;
                let macs = (0..r.u8()?).map(|_| r.array()).collect::<Result<_>>()?;
                let ipv4 = (0..r.u8()?)
                    .map(|_| Ok((r.array()?, r.u8()?)))
                    .collect::<Result<_>>()?;
                let ipv6 = (0..r.u8()?)
                    .map(|_| Ok((r.array()?, r.u8()?)))
                    .collect::<Result<_>>()?;
                ResponseBody::NetworkIdentity(NetworkIdentity {
                    host_name,
                    macs,
                    ipv4,
                    ipv6,
                })
            }
            (ResultCode::Ok, CommandId::GetHostInventory) => {
                let n = count(
                    r.u8()?,
                    MAX_INVENTORY,
                    "host inventory: more than 32 processors",
                )?;
                r.skip(3)?;
                let memory_mib = r.u64()?;
                let processors = (0..n)
                    .map(|_| {
                        let instruction_set = r.u8()?.into();
                        r.skip(1)?;
                        Ok(Processor {
                            instruction_set,
                            cores: r.u16()?,
                            threads: r.u16()?,
                            max_speed_mhz: r.u16()?,
                            manufacturer: get_str(
                                &mut r,
                                MAX_STRING_LEN,
                                "processor manufacturer",
                            )?,
                            model: get_str(&mut r, MAX_STRING_LEN, "processor model")?,
                        })
                    })
                    .collect::<Result<_>>()?;
                let m = count(
                    r.u8()?,
                    MAX_INVENTORY,
                    "host inventory: more than 32 host interfaces",
                )?;
                let interfaces = (0..m)
                    .map(|_| {
                        let mac = r.array()?;
                        let flags = r.u8()?;
                        if flags & !3 != 0 {
                            return Err(Error::Invalid("host interface: reserved flag bits set"));
                        }
                        let port = r.u8()?;
                        Ok(HostInterface {
                            mac,
                            enabled: flags & 1 != 0,
                            link_up: flags & 2 != 0,
                            port: (port != NO_PORT).then_some(port),
                            speed_mbps: r.u32()?,
                        })
                    })
                    .collect::<Result<_>>()?;
                let d = count(
                    r.u8()?,
                    MAX_INVENTORY,
                    "host inventory: more than 32 drives",
                )?;
                let drives = (0..d)
                    .map(|_| {
                        Ok(Drive {
                            capacity_bytes: r.u64()?,
                            media: r.u8()?.into(),
                            protocol: r.u8()?.into(),
                            model: get_str(&mut r, MAX_STRING_LEN, "drive model")?,
                            serial: get_str(&mut r, MAX_STRING_LEN, "drive serial number")?,
                        })
                    })
                    .collect::<Result<_>>()?;
                ResponseBody::HostInventory(HostInventory {
                    memory_mib,
                    processors,
                    interfaces,
                    drives,
                })
            }
            (ResultCode::Ok, CommandId::GetManagerNetwork) => {
                let uuid = r.array()?;
                let flags = r.u8()?;
                if flags & !0x0F != 0 {
                    return Err(Error::Invalid("manager network: reserved flag bits set"));
                }
                r.skip(3)?;
                let speed_mbps = r.u32()?;
                let mac = r.array()?;
                r.skip(2)?;
                let host_name = get_str(&mut r, MAX_STRING_LEN, "host name")?;
                let domain_name = get_str(&mut r, MAX_STRING_LEN, "domain name")?;
                let n = count(
                    r.u8()?,
                    MAX_ADDRESSES,
                    "manager network: more than 16 IPv4 addresses",
                )?;
                let ipv4 = (0..n)
                    .map(|_| {
                        Ok(Ipv4Address {
                            address: r.array()?,
                            prefix: r.u8()?,
                            origin: r.u8()?.into(),
                            gateway: r.array()?,
                        })
                    })
                    .collect::<Result<_>>()?;
                let n = count(
                    r.u8()?,
                    MAX_ADDRESSES,
                    "manager network: more than 16 IPv6 addresses",
                )?;
                let ipv6 = (0..n)
                    .map(|_| {
                        Ok(Ipv6Address {
                            address: r.array()?,
                            prefix: r.u8()?,
                            origin: r.u8()?.into(),
                            state: r.u8()?.into(),
                        })
                    })
                    .collect::<Result<_>>()?;
                let name_servers = get_name_servers(&mut r)?;
                let n = count(
                    r.u8()?,
                    MAX_SERVICES,
                    "manager network: more than 16 services",
                )?;
                let services = (0..n)
                    .map(|_| {
                        let service = r.u8()?.into();
                        let flags = r.u8()?;
                        if flags & !1 != 0 {
                            return Err(Error::Invalid("network service: reserved flag bits set"));
                        }
                        Ok(ServiceState {
                            service,
                            enabled: flags & 1 != 0,
                            port: r.u16()?,
                        })
                    })
                    .collect::<Result<_>>()?;
                ResponseBody::ManagerNetwork(ManagerNetwork {
                    uuid,
                    enabled: flags & 1 != 0,
                    link_up: flags & 2 != 0,
                    dhcpv4: flags & 4 != 0,
                    dhcpv6: flags & 8 != 0,
                    speed_mbps,
                    mac,
                    host_name,
                    domain_name,
                    ipv4,
                    ipv6,
                    name_servers,
                    services,
                })
            }
            (ResultCode::Ok, CommandId::GetSensors) => {
                let n = count(r.u8()?, MAX_SENSORS, "sensors: more than 64")?;
                r.skip(3)?;
                let capacity_watts = r.u32()?;
                let sensors = (0..n)
                    .map(|_| {
                        let (reading_type, context, flags) = (r.u8()?, r.u8()?, r.u8()?);
                        if flags & !0x1F != 0 {
                            return Err(Error::Invalid("sensor: reserved flag bits set"));
                        }
                        r.skip(1)?;
                        let mut values = [0i32; 5];
                        for v in &mut values {
                            *v = r.u32()? as i32;
                        }
                        let at = |bit: u8, v: i32| (flags & 1 << bit != 0).then_some(v);
                        let name = get_str(&mut r, 64, "sensor name")?;
                        if !is_sensor_name(&name) {
                            return Err(Error::Invalid("sensor: name breaks §4.22"));
                        }
                        Ok(Sensor {
                            name,
                            reading_type: reading_type.into(),
                            context: context.into(),
                            reading: at(0, values[0]),
                            upper_caution: at(1, values[1]),
                            upper_critical: at(2, values[2]),
                            lower_caution: at(3, values[3]),
                            lower_critical: at(4, values[4]),
                        })
                    })
                    .collect::<Result<_>>()?;
                ResponseBody::Sensors(Sensors {
                    capacity_watts,
                    sensors,
                })
            }
            (ResultCode::Ok, CommandId::GetBios) => ResponseBody::Bios(get_bios(&mut r)?),
            (ResultCode::Ok, CommandId::GetNetworkAdapter) => {
                ResponseBody::NetworkAdapter(get_adapter(&mut r)?)
            }
            (ResultCode::Ok, CommandId::GetBootProgress) => {
                let b = r.u8()?;
                r.skip(3)?;
                ResponseBody::BootProgress(b.into())
            }
            (ResultCode::Ok, CommandId::GetOperationStatus) => {
                ResponseBody::OperationStatus(OperationStatus {
                    sequence: r.u32()?,
                    command: r.u8()?.into(),
                    state: r.u8()?.into(),
                    result: r.u8()?.into(),
                    progress: r.u8()?,
                })
            }
            (ResultCode::Ok, CommandId::GetAllowableValues) => {
                let a = AllowableValues {
                    boot_targets: r.u32()?,
                    boot_enabled: r.u8()?,
                    boot_modes: r.u8()?,
                    media: [r.u8()?, r.u8()?],
                    reset_types: r.u32()?,
                    manager_reset_types: r.u32()?,
                    watchdog_actions: r.u8()?,
                };
                r.skip(3)?;
                ResponseBody::AllowableValues(a)
            }
            (ResultCode::Ok, CommandId::GetSystemSettings) => {
                let (led, flags, action) = (r.u8()?, r.u8()?, r.u8()?);
                r.skip(1)?;
                let uuid = r.array()?;
                ResponseBody::SystemSettings(SystemSettings {
                    indicator: led.into(),
                    watchdog: HostWatchdog {
                        enabled: flags & 1 != 0,
                        action: action.into(),
                    },
                    uuid,
                    asset_tag: get_str(&mut r, MAX_ASSET_TAG_LEN, "asset tag")?,
                })
            }
            (ResultCode::Ok, CommandId::RedfishRequest) => {
                ResponseBody::Redfish(TunnelResponse::parse(&mut r)?)
            }
            (ResultCode::Ok, _) => ResponseBody::Empty,
            // An error with no body at all is read as an empty detail.
            (_, _) if message.is_empty() => ResponseBody::Error(String::new()),
            (_, _) => ResponseBody::Error(get_str(&mut r, MAX_STRING_LEN, "error detail")?),
        };
        expect_end(&mut r, "response: bytes after the last field")?;
        Ok(Response {
            command,
            result,
            body,
        })
    }
}

/// An OEM event, sent as an NC-SI AEN of type [`EVENT_AEN_TYPE`] (§7).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The host power state changed.
    PowerStateChanged(PowerState),
    /// The host boot progress changed.
    BootProgressChanged(BootProgress),
    /// A virtual media slot changed state.
    MediaStateChanged {
        /// Which slot.
        slot: MediaSlot,
        /// Its new state.
        state: MediaState,
    },
    /// A long operation finished.
    OperationCompleted {
        /// Sequence number of the request that started it.
        sequence: u32,
        /// Its command.
        command: CommandId,
        /// How it ended.
        result: ResultCode,
    },
    /// An event id this crate does not know, with its data.
    Unknown {
        /// The event id.
        id: u8,
        /// The event data.
        data: Vec<u8>,
    },
}

/// Event ids (§7).
pub mod event_id {
    /// PowerStateChanged.
    pub const POWER_STATE_CHANGED: u8 = 0x01;
    /// BootProgressChanged.
    pub const BOOT_PROGRESS_CHANGED: u8 = 0x02;
    /// MediaStateChanged.
    pub const MEDIA_STATE_CHANGED: u8 = 0x03;
    /// OperationCompleted.
    pub const OPERATION_COMPLETED: u8 = 0x04;
}

impl Event {
    /// The event id.
    pub fn id(&self) -> u8 {
        match self {
            Self::PowerStateChanged(_) => event_id::POWER_STATE_CHANGED,
            Self::BootProgressChanged(_) => event_id::BOOT_PROGRESS_CHANGED,
            Self::MediaStateChanged { .. } => event_id::MEDIA_STATE_CHANGED,
            Self::OperationCompleted { .. } => event_id::OPERATION_COMPLETED,
            Self::Unknown { id, .. } => *id,
        }
    }

    /// The NC-SI AEN carrying this event from a card with `manufacturer_id`:
    /// manufacturer id (4), version (1), event id (1), reserved (2), event data.
    pub fn to_aen(&self, manufacturer_id: u32) -> Aen {
        let mut data = Vec::with_capacity(16);
        let mut w = Writer::new(&mut data);
        w.u32(manufacturer_id)
            .u8(PROTOCOL_VERSION)
            .u8(self.id())
            .zeros(2);
        match self {
            Self::PowerStateChanged(p) => {
                w.u8((*p).into()).zeros(3);
            }
            Self::BootProgressChanged(b) => {
                w.u8((*b).into()).zeros(3);
            }
            Self::MediaStateChanged { slot, state } => {
                w.u8((*slot).into()).u8((*state).into()).zeros(2);
            }
            Self::OperationCompleted {
                sequence,
                command,
                result,
            } => {
                w.u32(*sequence)
                    .u8((*command).into())
                    .u8((*result).into())
                    .zeros(2);
            }
            Self::Unknown { data: d, .. } => {
                w.bytes(d);
            }
        }
        Aen::Other {
            aen_type: EVENT_AEN_TYPE,
            data,
        }
    }

    /// Reads an event from an NC-SI AEN; `Ok(None)` when the AEN is not one of ours
    /// (another type, or another manufacturer id).
    pub fn from_aen(aen: &Aen, manufacturer_id: u32) -> Result<Option<(u8, Self)>> {
        let Aen::Other {
            aen_type: EVENT_AEN_TYPE,
            data,
        } = aen
        else {
            return Ok(None);
        };
        let mut r = Reader::new(data);
        let Ok(mfr) = r.u32() else { return Ok(None) };
        if mfr != manufacturer_id {
            return Ok(None);
        }
        let version = r.u8()?;
        let id = r.u8()?;
        r.skip(2)?;
        let ev = match id {
            event_id::POWER_STATE_CHANGED => {
                let p = r.u8()?;
                r.skip(3)?;
                Self::PowerStateChanged(p.into())
            }
            event_id::BOOT_PROGRESS_CHANGED => {
                let b = r.u8()?;
                r.skip(3)?;
                Self::BootProgressChanged(b.into())
            }
            event_id::MEDIA_STATE_CHANGED => {
                let (slot, state) = (r.u8()?, r.u8()?);
                r.skip(2)?;
                Self::MediaStateChanged {
                    slot: slot.into(),
                    state: state.into(),
                }
            }
            event_id::OPERATION_COMPLETED => {
                let sequence = r.u32()?;
                let (command, result) = (r.u8()?, r.u8()?);
                r.skip(2)?;
                Self::OperationCompleted {
                    sequence,
                    command: command.into(),
                    result: result.into(),
                }
            }
            id => Self::Unknown {
                id,
                data: r.rest().to_vec(),
            },
        };
        Ok(Some((version, ev)))
    }
}
