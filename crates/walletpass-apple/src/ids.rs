//! This backend's id rule: serial numbers and template ids go into PassKit web-service URL
//! paths, so they are 1 to 128 characters from `A-Z a-z 0-9 _ . : -` (assumption A5), checked
//! on the core [`PassId`](walletpass_core::PassId) and [`TemplateId`](walletpass_core::TemplateId)
//! before anything is stored. There are no vendor resources with ids of their own.

use walletpass_core::{Operation, Result};

use crate::error::invalid;

/// Serials: 1 to 128 characters from `A-Z a-z 0-9 _ . : -` (they go into web service paths).
pub(crate) fn check_serial(op: Operation, field: &str, id: &str) -> Result<()> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"_.:-".contains(&b);
    if (1..=128).contains(&id.len()) && id.bytes().all(allowed) {
        return Ok(());
    }
    Err(invalid(
        op,
        field,
        format!("'{id}' is malformed: expected 1 to 128 characters from A-Z a-z 0-9 _ . : -"),
    )
    .with_resource(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use walletpass_core::ErrorKind;

    #[test]
    fn serials_are_path_safe_and_at_most_128_characters() {
        for ok in ["ORDER-1001", "a", "a.b:c_d-e", &"x".repeat(128)] {
            check_serial(Operation::Create, "serial_number", ok).unwrap();
        }
        for bad in ["", "a b", "a/b", "é", "a?b", &"x".repeat(129)] {
            let err = check_serial(Operation::Create, "serial_number", bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
            assert_eq!(err.field_errors()[0].field, "serial_number");
        }
    }
}
