//! The audit hash chain: each row's hash covers the previous row's hash, its own fields and the
//! digest of its (erasable) payload, so altering, inserting or removing a row breaks the chain
//! while erasing a payload does not.

use sha2::{Digest, Sha256};

/// The fields of an audit row the chain covers.
#[derive(Debug, Clone)]
pub struct Link<'a> {
    pub seq: i64,
    pub organization_id: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub created_at: &'a str,
    pub payload_digest: &'a str,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The lower-case hex SHA-256 of a text (a payload's canonical text, an API token, an address).
pub fn digest(payload: &str) -> String {
    hex(&Sha256::digest(payload.as_bytes()))
}

/// The hash of a row given the previous row's hash (empty for the first row).
pub fn hash(prev: &str, l: &Link<'_>) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &l.seq.to_string(),
        l.organization_id,
        l.actor,
        l.action,
        l.entity_type,
        l.entity_id,
        l.created_at,
        l.payload_digest,
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(action: &str) -> Link<'_> {
        Link {
            seq: 1,
            organization_id: "o",
            actor: "a",
            action,
            entity_type: "lead",
            entity_id: "e",
            created_at: "t",
            payload_digest: "d",
        }
    }

    #[test]
    fn any_change_to_a_row_or_its_predecessor_changes_the_hash() {
        let h = hash("", &link("createLead"));
        assert_eq!(h.len(), 64);
        assert_eq!(h, hash("", &link("createLead")), "deterministic");
        assert_ne!(h, hash("", &link("forged")));
        assert_ne!(h, hash("x", &link("createLead")));
        assert_ne!(digest("{\"a\":1}"), digest("{\"a\":2}"));
    }
}
