//! Devices of the PassKit web service on [`Apple`]: authenticating a device's
//! `authenticationToken` in constant time, registering and unregistering it (each a
//! `pass_installed` / `pass_uninstalled` event on the outbound webhooks), the install count
//! on a pass, and the serials a device should fetch.

use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use walletpass_core::{InstallStats, Result, WebhookEventKind};

use crate::Apple;
use crate::store::{PassRow, RegisterOutcome, Registration, UpdatedSerials};

/// A token no pass has (32 characters like a real one): compared against when the serial is
/// unknown, so an unknown serial costs the same comparison as a wrong token.
const NO_TOKEN: &[u8] = b"--------------------------------";

impl Apple {
    /// The pass `serial` of pass type `pass_type_id` when `token` is its
    /// `authenticationToken`, else `None`, with no difference (in the answer, or in the time
    /// the token comparison takes) between an unknown serial, another pass type and a wrong
    /// token (apple-wallet.md §3 "Base rules").
    pub fn authenticate(
        &self,
        pass_type_id: &str,
        serial: &str,
        token: Option<&str>,
    ) -> Result<Option<PassRow>> {
        let row = if pass_type_id == self.identity().pass_type_id() {
            self.store().get_pass(serial)?
        } else {
            None
        };
        let expected = row.as_ref().map_or(NO_TOKEN, |r| r.auth_token.as_bytes());
        let given = token.unwrap_or_default().as_bytes();
        let equal: bool = expected.ct_eq(given).into();
        Ok(row.filter(|_| equal && token.is_some()))
    }

    /// Register `device_library_id` with `push_token` for the (authenticated) pass `row`:
    /// [`RegisterOutcome::Created`] sends `pass_installed`; a repeat registration updates
    /// the push token. `None` when the pass was deleted meanwhile.
    pub fn register_device(
        &self,
        device_library_id: &str,
        push_token: &str,
        row: &PassRow,
    ) -> Result<Option<RegisterOutcome>> {
        let registration = Registration {
            device_library_id: device_library_id.to_owned(),
            push_token: push_token.to_owned(),
            pass_type_id: self.identity().pass_type_id().to_owned(),
            serial: row.serial.clone(),
            registered_at: OffsetDateTime::now_utc().unix_timestamp_nanos(),
        };
        let outcome = self.store().register_device(&registration)?;
        if outcome == Some(RegisterOutcome::Created) {
            self.install_event(WebhookEventKind::PassInstalled, &row.serial)?;
        }
        Ok(outcome)
    }

    /// Remove the registration of `device_library_id` for the (authenticated) pass `row`;
    /// when there was one, send `pass_uninstalled`. Whether there was one.
    pub fn unregister_device(&self, device_library_id: &str, row: &PassRow) -> Result<bool> {
        let removed = self.store().unregister_device(
            device_library_id,
            self.identity().pass_type_id(),
            &row.serial,
        )?;
        if removed {
            self.install_event(WebhookEventKind::PassUninstalled, &row.serial)?;
        }
        Ok(removed)
    }

    /// The serials of `device_library_id`'s passes changed after `since`.
    pub fn serials_updated_since(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        since: Option<u64>,
    ) -> Result<UpdatedSerials> {
        self.store()
            .serials_updated_since(device_library_id, pass_type_id, since)
    }

    /// Send `kind` about the pass `serial` (when it still exists), with its new install count.
    pub(crate) fn install_event(&self, kind: WebhookEventKind, serial: &str) -> Result<()> {
        if let Some(row) = self.store().get_pass(serial)? {
            let pass = self.to_pass(row);
            self.emit(kind, &pass);
        }
        Ok(())
    }

    /// The install figures of a pass: the devices registered for it (`None` when the store
    /// cannot say; the failure is logged).
    pub(crate) fn installs(&self, serial: &str) -> Option<InstallStats> {
        match self.store().count_registrations(serial) {
            Ok(n) => Some(InstallStats {
                apple: Some(n),
                total: Some(n),
                ..InstallStats::default()
            }),
            Err(e) => {
                tracing::warn!(provider = crate::PROVIDER, error = %e, "install count not read");
                None
            }
        }
    }
}
