//! Tests of the command line: flags, each side's configuration and prefixes, the checks
//! before any write.

use std::collections::BTreeMap;

use clap::Parser;
use walletpass::vendor::vars;
use walletpass::{FieldSpec, TemplateId};

use super::prepare::{prepare, prepare_with};
use super::*;
use crate::migration::Retire;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: MigrateArgs,
}

#[test]
fn flags_parse_and_rps_applies_to_both_sides() {
    let cli = Cli::try_parse_from([
        "x",
        "--from",
        "memory",
        "--to",
        "memory",
        "--checkpoint",
        "/tmp/none.sqlite",
        "--rps",
        "5",
        "--to-rps",
        "2",
        "--retire",
        "notice",
        "--verify",
        "--dry-run",
    ])
    .unwrap();
    assert_eq!(cli.args.retire, Retire::Notice);
    let (migration, _) = prepare(&cli.args).unwrap();
    let debug = format!("{migration:?}");
    assert!(debug.contains("source_rps: Some(5.0)"), "{debug}");
    assert!(debug.contains("target_rps: Some(2.0)"), "{debug}");
}

fn args(extra: &[&str]) -> MigrateArgs {
    let mut argv = vec!["x", "--checkpoint", "/nonexistent/cp.sqlite", "--dry-run"];
    argv.extend_from_slice(extra);
    Cli::try_parse_from(argv).unwrap().args
}

#[test]
fn one_account_on_both_sides_is_refused() {
    let pi = ["--from", "passinstance", "--to", "passinstance"];
    let env = vars(&[
        ("PASSINSTANCE_TOKEN", "t"),
        ("SAME_PASSINSTANCE_TOKEN", "t"),
        ("NEW_PASSINSTANCE_TOKEN", "u"),
    ]);
    let refused = |extra: &[&str]| {
        let argv: Vec<&str> = pi.iter().chain(extra).copied().collect();
        prepare_with(&args(&argv), &env).err()
    };
    // The same account however it is spelled: no flags; the default root given with a
    // trailing '/'; another prefix holding the same token; a target template alone (the
    // source would list the whole account, copies included); the same template twice.
    for extra in [
        &[][..],
        &["--from-base-url", "https://api.passinstance.com/api/v1/"],
        &["--to-env-prefix", "SAME_"],
        &["--to-template", "tpl_0000000000000002"],
        &[
            "--from-template",
            "tpl_0000000000000002",
            "--to-template",
            "tpl_0000000000000002",
        ],
    ] {
        let err = refused(extra).unwrap_or_else(|| panic!("{extra:?} was accepted"));
        assert!(
            err.starts_with("--to: the source and the target are the same passinstance account"),
            "{err}"
        );
        assert!(err.contains("--from-template and --to-template"), "{err}");
    }
    // Another account's token, another API root, or two templates named on both sides.
    for extra in [
        &["--to-env-prefix", "NEW_"][..],
        &["--to-base-url", "http://127.0.0.1:9/api/v1"],
        &[
            "--from-template",
            "tpl_0000000000000001",
            "--to-template",
            "tpl_0000000000000002",
        ],
    ] {
        assert_eq!(refused(extra), None, "{extra:?}");
    }
    // ubpass has no templates: one workspace is one place.
    let ub = vars(&[("UBPASS_API_KEY", "k")]);
    let err = prepare_with(&args(&["--from", "ubpass", "--to", "ubpass"]), &ub)
        .err()
        .unwrap();
    assert!(
        err.contains("same ubpass account") && !err.contains("template"),
        "{err}"
    );
    // Memory sides are two stores.
    assert!(prepare_with(&args(&["--from", "memory", "--to", "memory"]), &ub).is_ok());
    let bad = args(&[
        "--from",
        "memory",
        "--to",
        "memory",
        "--to-env-prefix",
        "NEW-",
    ]);
    let err = prepare_with(&bad, &env).err().unwrap();
    assert!(err.starts_with("--to-env-prefix: 'NEW-' is not"), "{err}");
}

#[test]
fn field_specs_need_a_passninja_side() {
    let specs: BTreeMap<TemplateId, Vec<FieldSpec>> = [(
        TemplateId::new("ptk_0xc0").unwrap(),
        vec![FieldSpec::new("member").unwrap().with_label("Member")],
    )]
    .into_iter()
    .collect();
    let env = vars(&[
        ("PASSNINJA_API_KEY", "k"),
        ("PASSNINJA_ACCOUNT_ID", "aid_0xa01"),
        ("PASSINSTANCE_TOKEN", "t"),
    ]);
    let mut a = args(&["--from", "memory", "--to", "passinstance"]);
    a.passninja_field_specs = specs.clone();
    let err = prepare_with(&a, &env).err().unwrap();
    assert!(err.contains("applies to passninja only"), "{err}");
    let mut a = args(&[
        "--from",
        "passninja",
        "--from-template",
        "ptk_0xc0",
        "--to",
        "passinstance",
    ]);
    a.passninja_field_specs = specs;
    assert!(prepare_with(&a, &env).is_ok());
}

/// Each side reads its own account's variables: the target's wrong token is refused by the
/// target only, and a missing prefixed variable is named with its prefix.
#[tokio::test]
async fn each_side_reads_its_own_prefixed_variables() {
    use walletpass_sim::{SimConfig, passinstance as sim};
    let (a, b) = (
        sim::start(SimConfig::default()).await.unwrap(),
        sim::start(SimConfig::default()).await.unwrap(),
    );
    let argv = [
        "--from",
        "passinstance",
        "--from-base-url",
        a.base_url(),
        "--from-env-prefix",
        "OLD_",
        "--from-template",
        sim::CONFORMANCE_TEMPLATE_ID,
        "--to",
        "passinstance",
        "--to-base-url",
        b.base_url(),
        "--to-env-prefix",
        "NEW_",
        "--to-template",
        sim::CONFORMANCE_TEMPLATE_ID,
    ];
    let only_old = vars(&[("OLD_PASSINSTANCE_TOKEN", sim::DEMO_TOKEN)]);
    let err = prepare_with(&args(&argv), &only_old).err().unwrap();
    assert!(err.starts_with("--to: "), "{err}");
    assert!(
        err.contains("with --to-env-prefix NEW_, not set: NEW_PASSINSTANCE_TOKEN"),
        "{err}"
    );

    let wrong_new = vars(&[
        ("OLD_PASSINSTANCE_TOKEN", sim::DEMO_TOKEN),
        ("NEW_PASSINSTANCE_TOKEN", "not-the-token"),
        ("PASSINSTANCE_TOKEN", sim::DEMO_TOKEN),
    ]);
    let (migration, cp) = prepare_with(&args(&argv), &wrong_new).unwrap();
    let err = migration.run(&cp).await.unwrap_err();
    assert!(matches!(err, MigrateError::Target(_)), "{err}");
    assert!(b.log().entries().iter().any(|e| e.status == 401));
    assert!(a.log().entries().iter().all(|e| e.status != 401));

    let both = vars(&[
        ("OLD_PASSINSTANCE_TOKEN", sim::DEMO_TOKEN),
        ("NEW_PASSINSTANCE_TOKEN", sim::DEMO_TOKEN),
    ]);
    let (migration, cp) = prepare_with(&args(&argv), &both).unwrap();
    let summary = migration.run(&cp).await.unwrap();
    assert!(summary.dry_run, "{summary}");
}

#[tokio::test]
async fn bad_flags_exit_2_naming_the_flag() {
    let cli = Cli::try_parse_from(["x", "--from", "nope", "--to", "memory"]).unwrap();
    assert_eq!(run(cli.args).await, 2);
    let cli = Cli::try_parse_from(["x", "--from", "memory", "--to", "memory"]).unwrap();
    let err = prepare(&cli.args).err().unwrap();
    assert!(err.starts_with("--checkpoint"), "{err}");
    let cli = Cli::try_parse_from([
        "x",
        "--from",
        "memory",
        "--to",
        "memory",
        "--dry-run",
        "--rps",
        "0",
    ])
    .unwrap();
    let err = prepare(&cli.args).err().unwrap();
    assert!(err.starts_with("--rps"), "{err}");
}
