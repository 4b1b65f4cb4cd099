#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! Every schema-valid answer decodes: a property test that builds random bodies from the ubpass
//! OpenAPI file itself (property names, types, formats, enums and required sets are READ from
//! the vendor's `ubpass-openapi.json` when the test runs, not restated here: the file is
//! committed verbatim as `tests/data/ubpass-openapi.json`, so a clone anywhere runs the test,
//! and held byte for byte to `shared/vendor-docs/ubpass-openapi.json` wherever the docs sit
//! above the repository), serves them
//! from a loopback server pinned to each operation's path as the answers of the documented operations, and asserts that the client
//! reads each one:
//!
//! - `GET /wallet-pass/{id}` (200: an array of `WalletPassInfo`) through `WalletProvider::get`;
//! - `GET /wallet-pass` (200: `BXPagedList` of `WalletPassInfo`) through `WalletProvider::list`;
//! - `GET /wallet-pass/notifications/{id}` and `GET /wallet-pass/notifications`
//!   (`PassNotification`, `BXPagedList`);
//! - `GET /wallet-pass-location/{locationId}` and `GET /wallet-pass-location` (`PassLocation`).
//!
//! Two readings of the schema, stated here: an id the vendor returns is one it accepts back
//! as a path id, so `id` follows the path parameters' pattern `^[a-zA-Z0-9-_]+$`; and a list
//! item carries its id (`WalletPassInfo.id` is optional in the schema, but an item without one
//! cannot be addressed; `get` fills it with the id asked for). One schema-valid list shape is
//! refused on purpose, and the test checks the refusal: `hasMore: true` without a `cursor`,
//! since a listing that cannot continue must not look complete. Every other property takes any
//! value of its type: negative counters, any double as a latitude, any string as a link or
//! a color, unknown enum words excluded only because the schema lists its enums, plus unknown
//! properties the schema does not name.

use std::path::PathBuf;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};
use walletpass_core::{ListQuery, PassId, PassRef, WalletProvider};
use walletpass_sim::variants::Answering;
use walletpass_ubpass::{LocationQuery, NotificationQuery, Ubpass, UbpassConfig};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The vendor's OpenAPI file, as committed in `tests/data/` (a verbatim copy of
/// `shared/vendor-docs/ubpass-openapi.json`; see `the_committed_openapi_file_is_the_vendors`).
fn openapi() -> Arc<Value> {
    Arc::new(serde_json::from_str(COMMITTED_OPENAPI).unwrap())
}

const COMMITTED_OPENAPI: &str = include_str!("data/ubpass-openapi.json");

/// The vendor docs, `shared/vendor-docs/` next to the repository (`../shared/vendor-docs/` from
/// the repository root), found by walking up from this crate so that a git worktree placed
/// deeper finds it too; `None` in a clone without them.
fn vendor_openapi_file() -> Option<PathBuf> {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared/vendor-docs/ubpass-openapi.json"))
        .find(|candidate| candidate.is_file())
}

/// The committed copy is the vendor's file, byte for byte, wherever the vendor docs are there
/// to compare with (a clone without them has only the copy, and says so).
#[test]
fn the_committed_openapi_file_is_the_vendors() {
    match vendor_openapi_file() {
        Some(file) => assert!(
            std::fs::read_to_string(&file).unwrap() == COMMITTED_OPENAPI,
            "tests/data/ubpass-openapi.json differs from {}: copy the vendor's file again",
            file.display()
        ),
        None => eprintln!(
            "shared/vendor-docs/ubpass-openapi.json is not above this clone: only the committed copy is used"
        ),
    }
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(spec, spec.pointer(pointer).unwrap_or(&Value::Null))
        }
        None => schema,
    }
}

/// The 200 schema of `method path`, as the spec gives it.
fn answer_schema(spec: &Value, path: &str, method: &str) -> Value {
    let pointer = format!(
        "/paths/{}/{method}/responses/200/content/application~1json/schema",
        path.replace('~', "~0").replace('/', "~1")
    );
    spec.pointer(&pointer)
        .cloned()
        .unwrap_or_else(|| panic!("the spec has no 200 answer for {method} {path}"))
}

fn component(spec: &Value, name: &str) -> Value {
    assert!(
        spec.pointer(&format!("/components/schemas/{name}"))
            .is_some(),
        "the spec has no schema {name}"
    );
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn rfc3339() -> impl Strategy<Value = String> {
    (
        0u32..=9999,
        1u32..=12,
        1u32..=28,
        0u32..=23,
        0u32..=59,
        0u32..=59,
        prop::option::of("[0-9]{1,9}"),
        prop_oneof![
            Just("Z".to_owned()),
            Just("z".to_owned()),
            (0u32..=14, 0u32..=59, any::<bool>())
                .prop_map(|(h, m, plus)| format!("{}{h:02}:{m:02}", if plus { '+' } else { '-' })),
        ],
        prop_oneof![Just('T'), Just('t')],
    )
        .prop_map(|(y, mo, d, h, mi, s, frac, zone, t)| {
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            format!("{y:04}-{mo:02}-{d:02}{t}{h:02}:{mi:02}:{s:02}{frac}{zone}")
        })
}

fn any_number() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(Value::Number),
        any::<i64>().prop_map(Value::from),
        Just(json!(f64::MAX)),
        Just(json!(f64::MIN)),
        Just(json!(-0.0)),
    ]
    .boxed()
}

fn scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any_number(),
        "\\PC{0,8}".prop_map(Value::String),
    ]
    .boxed()
}

/// A value valid against `schema` (`name` is the property it is for).
fn value_of(spec: &Arc<Value>, schema: &Value, name: &str, depth: u32) -> BoxedStrategy<Value> {
    let schema = resolve(spec, schema).clone();
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return prop::sample::select(values.clone()).boxed();
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or("");
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    match (kind, format) {
        ("string", _) if name == "id" => "[a-zA-Z0-9_-]{1,24}".prop_map(Value::String).boxed(),
        ("string", "date-time") => rfc3339().prop_map(Value::String).boxed(),
        ("string", "date") => (0u32..=9999, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| Value::String(format!("{y:04}-{m:02}-{d:02}")))
            .boxed(),
        ("string", _) => {
            let max = schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .unwrap_or(16)
                .min(16);
            prop_oneof![
                Just(String::new()),
                proptest::string::string_regex(&format!("\\PC{{0,{max}}}")).unwrap(),
                Just("https://example.com/a?b=c".to_owned()),
            ]
            .prop_map(Value::String)
            .boxed()
        }
        ("integer", "int32") => prop_oneof![
            any::<i32>().prop_map(Value::from),
            Just(Value::from(i32::MIN)),
            Just(Value::from(i32::MAX)),
            Just(Value::from(0)),
        ]
        .boxed(),
        ("integer", _) => any::<i64>().prop_map(Value::from).boxed(),
        ("number", _) => any_number(),
        ("boolean", _) => any::<bool>().prop_map(Value::Bool).boxed(),
        ("array", _) if depth > 0 => {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            prop::collection::vec(value_of(spec, &items, name, depth - 1), 0..7)
                .prop_map(Value::Array)
                .boxed()
        }
        ("array", _) => Just(json!([])).boxed(),
        ("object", _) | ("", _) if schema.get("properties").is_some() && depth > 0 => {
            object_of(spec, &schema, depth - 1, &[])
        }
        ("object", _) if depth > 0 => prop::collection::btree_map("[a-z]{1,6}", scalar(), 0..3)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
            .boxed(),
        _ => scalar(),
    }
}

/// An object valid against `schema`: its required properties always, each other one maybe,
/// and up to two properties the schema does not name. `also_required` adds to the required
/// set (see the module docs).
fn object_of(
    spec: &Arc<Value>,
    schema: &Value,
    depth: u32,
    also_required: &[&str],
) -> BoxedStrategy<Value> {
    let schema = resolve(spec, schema).clone();
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut parts: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (name, property) in properties {
        let value = value_of(spec, &property, &name, depth);
        let key = name.clone();
        let pair = value.prop_map(move |v| (key.clone(), v));
        if required.contains(&name) || also_required.contains(&name.as_str()) {
            parts.push(pair.prop_map(Some).boxed());
        } else {
            parts.push(prop::option::of(pair).boxed());
        }
    }
    let unknown = prop::collection::btree_map("zz[a-zA-Z]{1,8}", scalar(), 0..3);
    (parts, unknown)
        .prop_map(|(pairs, unknown)| {
            let mut object: Map<String, Value> = pairs.into_iter().flatten().collect();
            object.extend(unknown);
            Value::Object(object)
        })
        .boxed()
}

/// A `BXPagedList` (read from the spec) whose items are `item`.
fn paged_list_of(
    spec: &Arc<Value>,
    list: &Value,
    item: BoxedStrategy<Value>,
) -> BoxedStrategy<Value> {
    let list = resolve(spec, list).clone();
    assert!(
        list.pointer("/properties/items").is_some(),
        "BXPagedList has items"
    );
    let without_items = {
        let mut l = list.clone();
        l["properties"].as_object_mut().unwrap().remove("items");
        l
    };
    (
        object_of(spec, &without_items, 3, &[]),
        prop::collection::vec(item, 0..5),
    )
        .prop_map(|(mut page, items)| {
            page["items"] = Value::Array(items);
            page
        })
        .boxed()
}

const CASES: u32 = 48;

struct Harness {
    rt: tokio::runtime::Runtime,
    server: Answering,
    ub: Ubpass,
}

impl Harness {
    fn new() -> Self {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let server = rt.block_on(Answering::start()).unwrap();
        let config = UbpassConfig::api_key("k").with_base_url(format!("{}/v1", server.base()));
        let ub = Ubpass::new(config).unwrap();
        Self { rt, server, ub }
    }

    fn answer(&self, route: &str, body: &Value) {
        self.server.answer(&format!("/v1{route}"), body);
    }

    fn run(
        &self,
        strategy: BoxedStrategy<Value>,
        check: impl Fn(&Self, &Value) -> Result<(), String>,
    ) {
        let mut runner = TestRunner::new(Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&strategy, |body| {
                check(self, &body).map_err(|e| TestCaseError::fail(format!("{e}\nbody: {body}")))
            })
            .unwrap();
    }
}

#[test]
fn every_schema_valid_pass_answer_decodes() {
    let spec = openapi();
    let answer = answer_schema(&spec, "/wallet-pass/{id}", "get");
    assert_eq!(
        answer["type"], "array",
        "the spec types the 200 as an array"
    );
    let pass = object_of(&spec, &answer["items"], 5, &[]);
    let strategy = prop::collection::vec(pass, 1..3)
        .prop_map(Value::Array)
        .boxed();
    let h = Harness::new();
    h.run(strategy, |h, body| {
        h.answer("/wallet-pass/p1", body);
        let got =
            h.rt.block_on(h.ub.get(&PassRef::new(PassId::new("p1").unwrap())))
                .map_err(|e| format!("get: {e}"))?;
        let expected = body[0]["id"].as_str().unwrap_or("p1");
        if got.pass_ref.id.as_str() != expected {
            return Err(format!("read as {}, not {expected}", got.pass_ref.id));
        }
        Ok(())
    });
}

#[test]
fn every_schema_valid_pass_list_decodes() {
    let spec = openapi();
    let list = answer_schema(&spec, "/wallet-pass", "get");
    let pass = object_of(&spec, &component(&spec, "WalletPassInfo"), 5, &["id"]);
    let strategy = paged_list_of(&spec, &list, pass);
    let h = Harness::new();
    h.run(strategy, |h, body| {
        h.answer("/wallet-pass", body);
        let answer = h.rt.block_on(h.ub.list(&ListQuery::new()));
        let no_way_on = body["hasMore"] == true && body.get("cursor").is_none();
        if no_way_on {
            // More passes follow but the answer gives no cursor to them: a listing that
            // cannot continue must not look complete (a migration would miss passes), so this
            // one schema-valid shape is refused, saying why.
            return match answer {
                Err(e) if e.message().contains("no cursor") => Ok(()),
                other => Err(format!("hasMore without a cursor: {other:?}")),
            };
        }
        let page = answer.map_err(|e| format!("list: {e}"))?;
        let sent = body["items"].as_array().map_or(0, Vec::len);
        if page.items.len() != sent {
            return Err(format!("{} of {sent} items read", page.items.len()));
        }
        Ok(())
    });
}

/// An entity read by id (`one_path` answered at `one_route`) and in a `BXPagedList` (at
/// `list_route`), each answer built from the spec, each read by `get` / `list`.
fn entity_and_list_decode(
    one_path: &str,
    one_route: &str,
    list_path: &str,
    list_route: &str,
    item: &str,
    get: impl Fn(&Harness) -> walletpass_core::Result<()>,
    list: impl Fn(&Harness) -> walletpass_core::Result<usize>,
) {
    let spec = openapi();
    let one = answer_schema(&spec, one_path, "get");
    let h = Harness::new();
    h.run(object_of(&spec, &one, 5, &[]), |h, body| {
        h.answer(one_route, body);
        get(h).map_err(|e| format!("get {one_path}: {e}"))
    });
    let paged = answer_schema(&spec, list_path, "get");
    let item = object_of(&spec, &component(&spec, item), 5, &[]);
    h.run(paged_list_of(&spec, &paged, item), |h, body| {
        h.answer(list_route, body);
        let answer = list(h);
        if body["hasMore"] == true && body.get("cursor").is_none() {
            // As for passes: a page that says more follows but gives no cursor to it is
            // refused, saying why, rather than looking like the last page.
            return match answer {
                Err(e) if e.message().contains("no cursor") => Ok(()),
                other => Err(format!("hasMore without a cursor: {other:?}")),
            };
        }
        let read = answer.map_err(|e| format!("list {list_path}: {e}"))?;
        match body["items"].as_array().map_or(0, Vec::len) {
            sent if sent == read => Ok(()),
            sent => Err(format!("{read} of {sent} items read")),
        }
    });
}

#[test]
fn every_schema_valid_notification_answer_decodes() {
    entity_and_list_decode(
        "/wallet-pass/notifications/{id}",
        "/wallet-pass/notifications/n1",
        "/wallet-pass/notifications",
        "/wallet-pass/notifications",
        "PassNotification",
        |h| {
            h.rt.block_on(h.ub.get_notification(&"n1".parse().unwrap()))
                .map(|_| ())
        },
        |h| {
            h.rt.block_on(h.ub.list_notifications(&NotificationQuery::default()))
                .map(|page| page.items.len())
        },
    );
}

#[test]
fn every_schema_valid_location_answer_decodes() {
    entity_and_list_decode(
        "/wallet-pass-location/{locationId}",
        "/wallet-pass-location/l1",
        "/wallet-pass-location",
        "/wallet-pass-location",
        "PassLocation",
        |h| {
            h.rt.block_on(h.ub.get_location(&"l1".parse().unwrap()))
                .map(|_| ())
        },
        |h| {
            h.rt.block_on(h.ub.list_locations(&LocationQuery::default()))
                .map(|page| page.items.len())
        },
    );
}

/// The reported failure, pinned: `appleIssuedCount` (and every counter) is an `integer` with no
/// minimum, so a negative one must not make the pass unreadable, nor a patch (read, merge,
/// write) fail.
#[test]
fn negative_counters_read_and_patch() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    let ub = Ubpass::new(UbpassConfig::api_key("k").with_base_url(format!("{}/v1", server.uri())))
        .unwrap();
    let pass = json!({
        "id": "p1", "passName": "N", "status": "Published",
        "passMetadata": {"topField": {"key": "k", "label": "L", "value": "v"}},
        "appleIssuedCount": -2063799778, "googleIssuedCount": -1, "totalIssuedCount": 0,
        "appleActiveCount": -5, "googleActiveCount": 7, "totalActiveCount": i32::MIN
    });
    rt.block_on(async {
        Mock::given(method("GET"))
            .and(path("/v1/wallet-pass/p1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([pass])))
            .mount(&server)
            .await;
        Mock::given(method("PATCH"))
            .and(path("/v1/wallet-pass/p1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(&pass))
            .mount(&server)
            .await;
    });
    let id = PassRef::new(PassId::new("p1").unwrap());
    let got = rt.block_on(ub.get(&id)).unwrap();
    let installs = got.installs.unwrap();
    assert_eq!(installs.apple, None, "a negative count is not a count");
    assert_eq!(installs.google, Some(7));
    let patch = walletpass_core::PassPatch::builder()
        .set_value("k", "w")
        .build()
        .unwrap();
    rt.block_on(ub.patch(&id, &patch)).unwrap();
}
