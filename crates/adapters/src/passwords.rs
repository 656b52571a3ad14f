//! AC-2: passwords hashed with argon2id, 19 MiB of memory, 2 passes, 1 lane (OWASP's
//! first recommended setting), each with its own random salt, stored as PHC strings.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use clientele_ports::{HashError, PasswordHasher};

/// Memory per hash, in KiB.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over the memory.
pub const PASSES: u32 = 2;
/// Lanes.
pub const LANES: u32 = 1;

/// Argon2id at [`MEMORY_KIB`], [`PASSES`], [`LANES`].
#[derive(Debug, Clone, Default)]
pub struct Argon2Hasher;

fn argon2() -> Result<Argon2<'static>, HashError> {
    let params =
        Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

impl PasswordHasher for Argon2Hasher {
    fn hash(&self, password: &str) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| HashError(e.to_string()))
    }

    fn verify(&self, password: &str, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else {
            return false;
        };
        argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ac_2_a_hash_is_argon2id_at_the_parameters_salted_and_verifies_only_its_password() {
        let hasher = Argon2Hasher;
        let first = hasher.hash("correct horse battery").expect("a hash");
        let second = hasher.hash("correct horse battery").expect("a hash");

        assert!(
            first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{first}"
        );
        assert_ne!(first, second, "each hash has its own salt");
        assert!(!first.contains("correct horse"));
        assert!(hasher.verify("correct horse battery", &first));
        assert!(!hasher.verify("correct horse battery!", &first));
        assert!(!hasher.verify("correct horse battery", "not a hash"));
    }
}
