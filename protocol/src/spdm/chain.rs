//! The certificate chain format of GET_CERTIFICATE (DSP0274 1.3 §10.8, Table
//! "Certificate chain format"): Length (u16, the whole chain), Reserved (u16),
//! RootHash (the negotiated hash of the root certificate), then one or more ASN.1 DER
//! X.509 certificates, the first signed by the root (or the root itself), each next
//! one signed by the one before, the last the leaf.

use crate::error::{Error, Result};
use crate::wire::Reader;

/// A parsed chain: borrowed from the bytes it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertChain<'a> {
    /// RootHash.
    pub root_hash: &'a [u8],
    /// The certificates, DER, root side first, leaf last.
    pub certificates: Vec<&'a [u8]>,
}

impl<'a> CertChain<'a> {
    /// Parses a whole chain whose RootHash is `hash_len` bytes.
    pub fn parse(bytes: &'a [u8], hash_len: usize) -> Result<CertChain<'a>> {
        let mut r = Reader::new(bytes);
        let length = r.u16_le()?;
        if usize::from(length) != bytes.len() {
            return Err(Error::Invalid(
                "certificate chain: Length is not the chain's size",
            ));
        }
        r.skip(2)?;
        let root_hash = r.take(hash_len)?;
        let certificates = der_certificates(r.rest())?;
        if certificates.is_empty() {
            return Err(Error::Invalid("certificate chain: no certificate"));
        }
        Ok(CertChain {
            root_hash,
            certificates,
        })
    }

    /// The leaf certificate.
    pub fn leaf(&self) -> &'a [u8] {
        self.certificates[self.certificates.len() - 1]
    }

    /// The chain's wire form.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let len =
            4 + self.root_hash.len() + self.certificates.iter().map(|c| c.len()).sum::<usize>();
        let len16 =
            u16::try_from(len).map_err(|_| Error::Invalid("certificate chain over 64 KiB"))?;
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(&len16.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(self.root_hash);
        for c in &self.certificates {
            out.extend_from_slice(c);
        }
        Ok(out)
    }
}

/// Splits concatenated DER values (each a SEQUENCE, as certificates are) without
/// looking inside them (X.690 §8.1: tag, definite length in short or long form).
pub fn der_certificates(mut bytes: &[u8]) -> Result<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let mut r = Reader::new(bytes);
        if r.u8()? != 0x30 {
            return Err(Error::Invalid("certificate: not a DER SEQUENCE"));
        }
        let first = r.u8()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7F);
            if n == 0 || n > 3 {
                return Err(Error::Invalid("certificate: DER length form"));
            }
            let mut len = 0usize;
            for _ in 0..n {
                len = len << 8 | usize::from(r.u8()?);
            }
            len
        };
        let header = bytes.len() - r.remaining();
        r.take(len)?;
        let (cert, rest) = bytes.split_at(header + len);
        out.push(cert);
        bytes = rest;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_short_and_long_form_lengths() {
        let mut two = vec![0x30, 0x02, 0xAA, 0xBB];
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend(std::iter::repeat_n(7u8, 0x80));
        two.extend(&long);
        let certs = der_certificates(&two).unwrap();
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[0], &[0x30, 0x02, 0xAA, 0xBB]);
        assert_eq!(certs[1].len(), 3 + 0x80);
        assert!(der_certificates(&[0x31, 0x00]).is_err());
        assert!(der_certificates(&[0x30, 0x05, 0x00]).is_err());
        assert!(der_certificates(&[0x30, 0x80]).is_err());
    }

    #[test]
    fn chain_round_trips_and_checks_its_length() {
        let root_hash = [9u8; 32];
        let c1 = [0x30, 0x01, 0x01];
        let c2 = [0x30, 0x01, 0x02];
        let chain = CertChain {
            root_hash: &root_hash,
            certificates: vec![&c1, &c2],
        };
        let bytes = chain.to_bytes().unwrap();
        assert_eq!(bytes.len(), 4 + 32 + 6);
        let back = CertChain::parse(&bytes, 32).unwrap();
        assert_eq!(back, chain);
        assert_eq!(back.leaf(), &c2);
        let mut bad = bytes.clone();
        bad[0] ^= 1;
        assert!(CertChain::parse(&bad, 32).is_err());
        assert!(CertChain::parse(&bytes[..36], 32).is_err());
    }
}
