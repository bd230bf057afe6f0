//! Private keys are stored sealed: AES-256-GCM under a key derived from
//! `signing.key_secret`, so neither the database nor a backup holds them in
//! the clear, and a wrong secret is noticed instead of yielding garbage.

use openssl::rand::rand_bytes;
use openssl::symm::{Cipher, decrypt_aead, encrypt_aead};
use sha2::{Digest, Sha256};

use crate::Error;

const VERSION: &[u8] = b"bk1";
const NONCE: usize = 12;
const TAG: usize = 16;

pub struct Vault {
    key: [u8; 32],
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

impl Vault {
    pub fn new(secret: &str) -> Self {
        let key = Sha256::new().chain_update(b"baocao signing keys v1\0").chain_update(secret.as_bytes()).finalize();
        Self { key: key.into() }
    }

    /// `purpose` is bound into the seal (e.g. "unit:12"), so a sealed key
    /// copied to another owner's row does not open there.
    pub fn seal(&self, plain: &[u8], purpose: &str) -> Result<Vec<u8>, Error> {
        let mut nonce = [0u8; NONCE];
        rand_bytes(&mut nonce)?;
        let mut tag = [0u8; TAG];
        let sealed = encrypt_aead(Cipher::aes_256_gcm(), &self.key, Some(&nonce), purpose.as_bytes(), plain, &mut tag)?;
        Ok([VERSION, &nonce, &tag, &sealed].concat())
    }

    pub fn open(&self, sealed: &[u8], purpose: &str) -> Result<Vec<u8>, Error> {
        let rest = sealed.strip_prefix(VERSION).ok_or(Error::Sealed)?;
        if rest.len() < NONCE + TAG {
            return Err(Error::Sealed);
        }
        let (nonce, rest) = rest.split_at(NONCE);
        let (tag, data) = rest.split_at(TAG);
        decrypt_aead(Cipher::aes_256_gcm(), &self.key, Some(nonce), purpose.as_bytes(), data, tag)
            .map_err(|_| Error::Sealed)
    }
}

/// A random identifier of 128 bits in hexadecimal (a prepared signature's id).
pub fn random_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    rand_bytes(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_only_with_the_secret_and_purpose_it_was_sealed_with() {
        let vault = Vault::new("bí mật");
        let sealed = vault.seal(b"private key", "unit:1").unwrap();
        assert!(!sealed.windows(11).any(|w| w == b"private key"));
        assert_eq!(vault.open(&sealed, "unit:1").unwrap(), b"private key");
        assert!(vault.open(&sealed, "unit:2").is_err());
        assert!(Vault::new("khác").open(&sealed, "unit:1").is_err());
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(vault.open(&flipped, "unit:1").is_err());
    }
}
