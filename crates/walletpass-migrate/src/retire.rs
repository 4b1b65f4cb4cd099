//! Retirement of the source passes, checked before the run starts like the mapping: a mode the
//! source cannot do stops the run before any write and names the modes that would work; the
//! notice a holder finds on the old pass is built here for the check and for the run alike.

use walletpass_core::{Capabilities, Error, Field, PassContent, Placement, WalletProvider};

use crate::mapping::NoticeSection;
use crate::migration::Retire;

/// The back field `--retire notice` sets on a source pass, pointing at `link`.
pub fn notice_field(notice: &NoticeSection, link: &str) -> Result<Field, Error> {
    Ok(
        Field::new(notice.key.clone(), notice.text.replace("{link}", link))?
            .with_label(notice.label.clone())
            .with_placement(Placement::Back),
    )
}

/// Why `source` cannot retire its passes in `mode`; `None`: it can.
fn problem(mode: Retire, caps: &Capabilities, notice: &NoticeSection) -> Option<String> {
    let cannot = |op: &str| Some(format!("it cannot {op} passes"));
    match mode {
        Retire::None => None,
        Retire::Void if !caps.void => cannot("void"),
        Retire::Delete if !caps.delete => cannot("delete"),
        Retire::Notice if !caps.patch => cannot("change (patch)"),
        Retire::Notice => {
            // The same field the run writes, checked as every mapped pass is checked.
            let field = match notice_field(notice, "https://example.invalid/new-pass") {
                Ok(f) => f,
                Err(e) => return Some(format!("the notice is not a valid field: {e}")),
            };
            let content = PassContent {
                fields: walletpass_core::Fields::try_from_vec(vec![field]).unwrap_or_default(),
                ..PassContent::default()
            };
            let misfits: Vec<String> = caps
                .misfits(&content)
                .iter()
                .map(ToString::to_string)
                .collect();
            if misfits.is_empty() {
                None
            } else {
                Some(format!(
                    "the notice is a labelled field on the back of the pass, which it cannot hold: {}",
                    misfits.join("; ")
                ))
            }
        }
        Retire::Void | Retire::Delete => None,
    }
}

fn flag(mode: Retire) -> &'static str {
    match mode {
        Retire::None => "--retire none",
        Retire::Void => "--retire void",
        Retire::Delete => "--retire delete",
        Retire::Notice => "--retire notice",
    }
}

/// Check that `source` can retire its passes in `mode`, before anything is read or written.
/// The error names what is missing and the modes that would work with this source.
pub fn check(
    mode: Retire,
    source: &dyn WalletProvider,
    notice: &NoticeSection,
) -> Result<(), String> {
    let caps = source.capabilities();
    let Some(why) = problem(mode, caps, notice) else {
        return Ok(());
    };
    // A source whose templates fix their keys (PassNinja) takes the notice only when its
    // template has the field: not offered as an alternative that surely works.
    let working: Vec<&str> = [Retire::Notice, Retire::Void, Retire::Delete]
        .into_iter()
        .filter(|m| !(*m == Retire::Notice && caps.fixed_field_keys))
        .filter(|m| *m != mode && problem(*m, caps, notice).is_none())
        .map(flag)
        .collect();
    let instead = if working.is_empty() {
        "this source can be retired in no way: leave --retire out and retire the old passes with the vendor's own tools".to_owned()
    } else {
        format!("{} would work with this source", working.join(" or "))
    };
    Err(format!(
        "{}: the source ({}) cannot retire passes this way: {why}; {instead}",
        flag(mode),
        source.name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(edit: impl FnOnce(&mut Capabilities)) -> Capabilities {
        let mut caps = Capabilities::all();
        edit(&mut caps);
        caps
    }

    #[test]
    fn each_mode_is_held_to_the_capabilities() {
        let notice = NoticeSection::default();
        let all = caps(|_| {});
        for mode in [Retire::None, Retire::Void, Retire::Delete, Retire::Notice] {
            assert_eq!(problem(mode, &all, &notice), None, "{mode:?}");
        }
        // Passinstance stores no placements: the notice cannot sit on the back.
        let why = problem(Retire::Notice, &caps(|c| c.placements = false), &notice).unwrap();
        assert!(why.contains("migration_notice"), "{why}");
        let why = problem(Retire::Notice, &caps(|c| c.patch = false), &notice).unwrap();
        assert!(why.contains("cannot change"), "{why}");
        // PassNinja has no void.
        let no_void = caps(|c| c.void = false);
        assert!(problem(Retire::Void, &no_void, &notice).is_some());
        assert!(problem(Retire::Delete, &no_void, &notice).is_none());
    }
}
