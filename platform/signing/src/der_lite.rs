//! The few DER structures the `cms` crate has no type for (ESS
//! signing-certificate-v2), written and read by tag, length and value.

use crate::Error;

/// One TLV: the tag byte and the content.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// One element: its tag, its content and the whole encoding.
pub(crate) type Tlv<'a> = (u8, &'a [u8], &'a [u8]);

/// The TLVs one after another in `bytes`.
pub(crate) fn elements(mut bytes: &[u8]) -> Result<Vec<Tlv<'_>>, Error> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (tag, content, len) = element(bytes)?;
        out.push((tag, content, &bytes[..len]));
        bytes = &bytes[len..];
    }
    Ok(out)
}

/// The first TLV of `bytes`: its tag, content and total length.
pub(crate) fn element(bytes: &[u8]) -> Result<(u8, &[u8], usize), Error> {
    let bad = || Error::BadCms("truncated DER".into());
    let tag = *bytes.first().ok_or_else(bad)?;
    let first = *bytes.get(1).ok_or_else(bad)? as usize;
    let (len, head) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return Err(bad());
        }
        let len = bytes.get(2..2 + n).ok_or_else(bad)?.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, 2 + n)
    };
    let content = bytes.get(head..head + len).ok_or_else(bad)?;
    Ok((tag, content, head + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lengths_round_trip() {
        for n in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let content = vec![7u8; n];
            let encoded = tlv(0x04, &content);
            let (tag, back, len) = element(&encoded).unwrap();
            assert_eq!((tag, back.len(), len), (0x04, n, encoded.len()));
        }
    }

    #[test]
    fn truncated_input_is_refused() {
        assert!(element(&[0x30, 0x05, 1, 2]).is_err());
        assert!(element(&[0x30]).is_err());
    }
}
