//! Text forms of wire values, for logs, the CLI and the layers above.

/// A 16-byte UUID in the RFC 4122 §3 text form (8-4-4-4-12 lowercase hex digits), the
/// bytes in wire order (as Get Package UUID, DSP0222 1.2 §8.4.107, carries them).
pub fn uuid(u: &[u8; 16]) -> String {
    let h: String = u.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Bytes as lowercase hex, two digits each, no separator.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The bytes of a hex string (digits only, either case, an even number of them);
/// `None` for anything else.
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// A MAC address as colon-separated lowercase hex (`02:5b:00:00:00:10`).
pub fn mac(m: &[u8; 6]) -> String {
    m.map(|b| format!("{b:02x}")).join(":")
}

/// Serializers for the `serde` feature: addresses, UUIDs, versions and names as the
/// strings people read, not byte arrays (`sidebridge ncsi --json`).
#[cfg(feature = "serde")]
pub mod ser {
    use serde::Serializer;

    /// A MAC address as text.
    pub fn mac<S: Serializer>(m: &[u8; 6], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::mac(m))
    }

    /// An optional MAC address as text or null.
    pub fn opt_mac<S: Serializer>(m: &Option<[u8; 6]>, s: S) -> Result<S::Ok, S::Error> {
        match m {
            Some(m) => s.serialize_str(&super::mac(m)),
            None => s.serialize_none(),
        }
    }

    /// A list of MAC addresses as text.
    pub fn macs<S: Serializer>(m: &[[u8; 6]], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter().map(super::mac))
    }

    /// A UUID as text.
    pub fn uuid<S: Serializer>(u: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::uuid(u))
    }

    /// An optional UUID as text or null.
    pub fn opt_uuid<S: Serializer>(u: &Option<[u8; 16]>, s: S) -> Result<S::Ok, S::Error> {
        match u {
            Some(u) => s.serialize_str(&super::uuid(u)),
            None => s.serialize_none(),
        }
    }

    /// Four version bytes, dotted (`1.2.0.0`).
    pub fn dotted4<S: Serializer>(v: &[u8; 4], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.map(|b| b.to_string()).join("."))
    }

    /// A 32-bit version, its bytes dotted most significant first (`24.1.0.7`).
    pub fn dotted_u32<S: Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
        dotted4(&v.to_be_bytes(), s)
    }

    /// A NUL-padded ASCII name as text (up to the first NUL, without trailing spaces).
    pub fn ascii<S: Serializer>(b: &[u8; 12], s: S) -> Result<S::Ok, S::Error> {
        let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
        s.serialize_str(String::from_utf8_lossy(&b[..end]).trim_end())
    }

    /// IPv4 addresses with prefix lengths, as `a.b.c.d/n`.
    pub fn ipv4<S: Serializer>(v: &[([u8; 4], u8)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            v.iter()
                .map(|(a, p)| format!("{}/{p}", std::net::Ipv4Addr::from(*a))),
        )
    }

    /// One IPv4 address, dotted.
    pub fn ipv4_one<S: Serializer>(a: &[u8; 4], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&std::net::Ipv4Addr::from(*a).to_string())
    }

    /// One IPv6 address, as text.
    pub fn ipv6_one<S: Serializer>(a: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&std::net::Ipv6Addr::from(*a).to_string())
    }

    /// IPv6 addresses with prefix lengths, as `addr/n`.
    pub fn ipv6<S: Serializer>(v: &[([u8; 16], u8)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            v.iter()
                .map(|(a, p)| format!("{}/{p}", std::net::Ipv6Addr::from(*a))),
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(super::hex(&[0x0a, 0xff, 0]), "0aff00");
        assert_eq!(super::from_hex("0aFF00"), Some(vec![0x0a, 0xff, 0]));
        assert_eq!(super::from_hex(""), Some(vec![]));
        for bad in ["0", "0g", "+1", " 01", "0x01"] {
            assert_eq!(super::from_hex(bad), None, "{bad:?}");
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_shows_text() {
        use crate::oem::{BridgeInfo, NetworkIdentity};
        let v = serde_json::to_value(BridgeInfo {
            uuid: [0x11; 16],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(v["uuid"], "11111111-1111-1111-1111-111111111111");
        let n = serde_json::to_value(NetworkIdentity {
            host_name: "h".into(),
            macs: vec![[2, 0x5b, 0, 0, 0, 0x10]],
            ipv4: vec![([192, 0, 2, 20], 24)],
            ipv6: vec![(
                [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10],
                64,
            )],
        })
        .unwrap();
        assert_eq!(n["macs"][0], "02:5b:00:00:00:10");
        assert_eq!(n["ipv4"][0], "192.0.2.20/24");
        assert_eq!(n["ipv6"][0], "fe80::10/64");
        let f = serde_json::to_value(crate::oem::AdapterFunction {
            port: Some(0),
            pcie_function: 0,
            technologies: 1,
            boot_modes: 0,
            vfs_enabled: false,
            max_vfs: 0,
            mac: [2, 0x5b, 0, 0, 0, 0x20],
        })
        .unwrap();
        assert_eq!(f["mac"], "02:5b:00:00:00:20");
    }

    #[test]
    fn uuid_text_form() {
        let mut u = [0u8; 16];
        for (i, b) in u.iter_mut().enumerate() {
            *b = i as u8 * 17;
        }
        assert_eq!(super::uuid(&u), "00112233-4455-6677-8899-aabbccddeeff");
    }
}
