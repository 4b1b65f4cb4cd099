//! PassNinja's identifier formats, checked before any request is sent: `ptk_0x<hex>` templates
//! (and the older dotted keys such as `demo.coupon`), `aid_0x<hex>` accounts, hex serials (and
//! the older UUID serials), numeric webhook subscription ids.

use walletpass_core::{Error, PassRef, TemplateId, WebhookId};

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// Whether `id` is a template id: `ptk_0x<hex>`, or an older dotted key (`demo.coupon`: two or
/// more dot-separated parts of lower-case letters, digits, `_` and `-`).
pub fn is_template_id(id: &str) -> bool {
    if let Some(hex) = id.strip_prefix("ptk_0x") {
        return is_hex(hex);
    }
    let parts: Vec<&str> = id.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        })
}

/// Whether `id` is an account id: `aid_0x<hex>`.
pub fn is_account_id(id: &str) -> bool {
    id.strip_prefix("aid_0x").is_some_and(is_hex)
}

/// Whether `serial` is a pass serial: hex (the documented 18 characters; 8 to 64 accepted), or
/// a UUID as the vendor's older SDK examples show.
pub fn is_serial(serial: &str) -> bool {
    (8..=64).contains(&serial.len()) && is_hex(serial) || is_uuid(serial)
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && is_hex(g))
}

/// Whether `id` is a webhook subscription id (decimal digits, such as `47`).
pub fn is_webhook_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 20 && id.chars().all(|c| c.is_ascii_digit())
}

/// Check a template id, naming `field` in the error.
pub fn check_template(field: &str, id: &TemplateId) -> Result<(), Error> {
    if is_template_id(id.as_str()) {
        Ok(())
    } else {
        Err(Error::invalid_field(
            field,
            format!(
                "'{id}' is not a PassNinja template id (expected ptk_0x<hex>, such as ptk_0x14, or an older dotted key such as demo.coupon)"
            ),
        ))
    }
}

/// Check a pass reference: PassNinja needs the template and a hex (or UUID) serial.
pub fn check_pass_ref(pass: &PassRef) -> Result<(&TemplateId, &str), Error> {
    let Some(template) = &pass.template else {
        return Err(Error::invalid_field(
            "pass_ref.template",
            format!(
                "PassNinja addresses a pass by template and serial; '{}' has no template (write it as <template>/<serial>)",
                pass.id
            ),
        ));
    };
    check_template("pass_ref.template", template)?;
    let serial = pass.id.as_str();
    if !is_serial(serial) {
        return Err(Error::invalid_field(
            "pass_ref.id",
            format!(
                "'{serial}' is not a PassNinja serial number (expected hex such as 838b8cf60dac2bfad9, or a UUID)"
            ),
        ));
    }
    Ok((template, serial))
}

/// Check a webhook subscription id.
pub fn check_webhook(id: &WebhookId) -> Result<(), Error> {
    if is_webhook_id(id.as_str()) {
        Ok(())
    } else {
        Err(Error::invalid_field(
            "webhook_id",
            format!(
                "'{id}' is not a PassNinja webhook subscription id (expected digits, such as 47)"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use walletpass_core::{ErrorKind, PassId};

    #[test]
    fn template_ids() {
        // Parameter Reference: <YOUR_TEMPLATE_ID> is ptk_0x<hex>, e.g. ptk_0x14.
        for ok in [
            "ptk_0x14",
            "ptk_0x216",
            "ptk_0x4d5e6f",
            "demo.coupon",
            "a.b.c-d",
        ] {
            assert!(is_template_id(ok), "{ok}");
        }
        for bad in [
            "ptk_0x",
            "ptk_0xzz",
            "ptk_14",
            "14",
            "demo",
            "Demo.Coupon",
            ".x",
            "a..b",
            "ptk_0x14/x",
        ] {
            assert!(!is_template_id(bad), "{bad}");
        }
    }

    #[test]
    fn serials_and_accounts() {
        // Parameter Reference: <SERIAL_NUMBER> is 18-char hex, e.g. 838b8cf60dac2bfad9.
        for ok in [
            "838b8cf60dac2bfad9",
            "fee4a257185906b92a",
            "2dcf7187-4eea-42a2-aabe-d7ca5a78f3dd",
        ] {
            assert!(is_serial(ok), "{ok}");
        }
        for bad in [
            "",
            "abc",
            "838b8cf60dac2bfadg",
            "../etc",
            "2dcf7187-4eea-42a2-aabe",
        ] {
            assert!(!is_serial(bad), "{bad}");
        }
        assert!(is_account_id("aid_0xa01"));
        assert!(is_account_id("aid_0x1a2b3c"));
        assert!(!is_account_id("aid_a01"));
        assert!(!is_account_id("aid_0x"));
    }

    #[test]
    fn pass_refs_need_a_template_and_a_serial() {
        let bare = PassRef::new(PassId::new("838b8cf60dac2bfad9").unwrap());
        let err = check_pass_ref(&bare).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field_errors()[0].field, "pass_ref.template");
        let bad = PassRef::parse("ptk_0x14/not-a-serial").unwrap();
        let err = check_pass_ref(&bad).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "pass_ref.id");
        assert!(err.to_string().contains("not-a-serial"));
        let bad = PassRef::parse("template/838b8cf60dac2bfad9").unwrap();
        assert_eq!(
            check_pass_ref(&bad).unwrap_err().field_errors()[0].field,
            "pass_ref.template"
        );
        let ok = PassRef::parse("ptk_0x14/838b8cf60dac2bfad9").unwrap();
        assert_eq!(check_pass_ref(&ok).unwrap().1, "838b8cf60dac2bfad9");
    }
}
