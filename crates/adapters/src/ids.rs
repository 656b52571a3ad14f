//! Ids and secrets behind `ports::IdGenerator`. Depends on nothing but uuid.

use clientele_ports::IdGenerator;
use uuid::Uuid;

/// Time-ordered UUIDv7 ids, and secrets made of two random UUIDv4 (244 random bits from
/// the operating system's secure generator).
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }

    /// 64 lower-case hex characters: URL-safe as it is.
    fn new_secret(&self) -> String {
        format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
    }

    /// The bytes of a UUIDv4: 122 random bits from the operating system.
    fn random_bytes(&self) -> [u8; 16] {
        *Uuid::new_v4().as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_creation_order() {
        let (first, second) = (UuidV7Ids.new_id(), UuidV7Ids.new_id());
        assert_eq!(first.get_version_num(), 7);
        assert!(first < second);
    }

    #[test]
    fn a_secret_is_64_hex_characters_and_never_repeats() {
        let secret = UuidV7Ids.new_secret();
        assert_eq!(secret.len(), 64);
        assert!(secret.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(secret, UuidV7Ids.new_secret());
    }
}
