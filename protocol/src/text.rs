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

#[cfg(test)]
mod tests {
    #[test]
    fn uuid_text_form() {
        let mut u = [0u8; 16];
        for (i, b) in u.iter_mut().enumerate() {
            *b = i as u8 * 17;
        }
        assert_eq!(super::uuid(&u), "00112233-4455-6677-8899-aabbccddeeff");
    }
}
