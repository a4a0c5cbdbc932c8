//! Every recorded response under `../shared/fixtures` that belongs to an implemented operation
//! parses into our models with no declared field lost. Skips (with a printed reason) when the
//! folder is absent; `INSTAGRAPH_FIXTURES` points elsewhere.

use instagraph::models::{PageAccount, UserProfile};
use instagraph::ratelimit::BucUsage;
use instagraph::{ErrorClass, GraphError, Page};
use serde_json::Value;
use std::collections::BTreeMap;

mod common;
use common::{fixtures, load, roundtrip, same};

#[test]
fn error_fixtures_parse_whole_and_classify() {
    let Some(dir) = fixtures() else { return };
    let cases: &[(&str, i64, Option<i64>, ErrorClass)] = &[
        (
            "restfb/exampleError.json",
            190,
            Some(460),
            ErrorClass::ReAuth,
        ),
        (
            "restfb/exampleErrorNew.json",
            190,
            Some(460),
            ErrorClass::ReAuth,
        ),
        (
            "restfb/oauthExampleError.json",
            1,
            Some(1965014),
            ErrorClass::Retryable,
        ),
        (
            "restfb/exampleOauthError.json",
            400,
            None,
            ErrorClass::InvalidRequest,
        ),
        (
            "restfb/instagram/ig_login_exception.json",
            2500,
            None,
            ErrorClass::InvalidRequest,
        ),
        (
            "python-facebook/error.json",
            100,
            None,
            ErrorClass::InvalidRequest,
        ),
        (
            "python-facebook/base/error_data.json",
            100,
            None,
            ErrorClass::InvalidRequest,
        ),
        (
            "airbyte-source-instagram/media_insights_for_error_posted_before_business.json",
            100,
            Some(2108006),
            ErrorClass::InvalidRequest,
        ),
        (
            "airbyte-source-instagram/media_insights_for_error_with_wrong_permissions.json",
            100,
            Some(33),
            ErrorClass::InvalidRequest,
        ),
        (
            "airbyte-source-instagram/media_insights_for_error_with_wrong_permissions_code_10.json",
            10,
            None,
            ErrorClass::Permission,
        ),
        (
            "airbyte-source-instagram/user_insights_for_error_code_10.json",
            10,
            None,
            ErrorClass::Permission,
        ),
        (
            "airbyte-source-instagram/user_insights_for_error_code_100_subcode_33.json",
            100,
            Some(33),
            ErrorClass::InvalidRequest,
        ),
        (
            "airbyte-source-instagram/user_insights_for_error_subcode_2108006.json",
            100,
            Some(2108006),
            ErrorClass::InvalidRequest,
        ),
    ];
    for (rel, code, sub, class) in cases {
        let raw = std::fs::read(dir.join(rel)).unwrap();
        let e = GraphError::from_body(&raw)
            .unwrap_or_else(|| panic!("{rel}: not recognised as an error"));
        assert_eq!(
            (e.code, e.error_subcode, e.class()),
            (*code, *sub, *class),
            "{rel}"
        );
        assert!(!e.message.is_empty(), "{rel}: message kept");
        // Every field of the envelope's error object survives.
        let v: Value = serde_json::from_slice(&raw).unwrap();
        if let Some(obj) = v.get("error") {
            let back = serde_json::to_value(&e).unwrap();
            assert!(same(obj, &back), "{rel}: lost a field: {obj} vs {back}");
        }
    }
    let posted_before =
        GraphError::from_body(
            &std::fs::read(dir.join(
                "airbyte-source-instagram/media_insights_for_error_posted_before_business.json",
            ))
            .unwrap(),
        )
        .unwrap();
    assert_eq!(posted_before.is_transient, Some(false));
    assert!(
        posted_before
            .error_user_title
            .as_deref()
            .unwrap()
            .contains("business account")
    );
    assert_eq!(
        posted_before.fbtrace_id.as_deref(),
        Some("AVul-nTRBqOlFGJxWKQv1g-")
    );
}

#[test]
fn user_profile_fixtures_parse_without_loss() {
    let Some(dir) = fixtures() else { return };
    for rel in [
        "restfb/instagram/user.json",
        "python-facebook/instagram/apidata/users/user_fields.json",
        "restfb/v2_8/instagram-user.json",
    ] {
        let v = load(&dir, rel);
        let p: UserProfile = roundtrip(rel, &v);
        assert!(p.id.is_some(), "{rel}");
    }
    let restfb: UserProfile = roundtrip(
        "restfb/instagram/user.json",
        &load(&dir, "restfb/instagram/user.json"),
    );
    assert_eq!(
        restfb.ig_id.as_deref(),
        Some("9876543"),
        "numeric ig_id kept as text"
    );
    assert_eq!(restfb.followers_count, Some(10));
    let airbyte: Page<UserProfile> = roundtrip(
        "airbyte users.json",
        &load(&dir, "airbyte-source-instagram/users.json"),
    );
    assert_eq!(
        airbyte.data[0].website.as_deref(),
        Some("https://www.fake-site.io/")
    );
}

#[test]
fn page_account_fixtures_parse_without_loss() {
    let Some(dir) = fixtures() else { return };
    for rel in [
        "python-facebook/base/user_accounts_token.json",
        "airbyte-source-instagram/api.json",
        "airbyte-source-instagram/api_for_not_instagram_business_account.json",
    ] {
        let page: Page<PageAccount> = roundtrip(rel, &load(&dir, rel));
        assert!(!page.data.is_empty(), "{rel}");
    }
    let api: Page<PageAccount> =
        roundtrip("api.json", &load(&dir, "airbyte-source-instagram/api.json"));
    assert_eq!(
        api.data[0]
            .instagram_business_account
            .as_ref()
            .unwrap()
            .id
            .as_str(),
        "17841462785487205"
    );
    let none: Page<PageAccount> = roundtrip(
        "api_for_not",
        &load(
            &dir,
            "airbyte-source-instagram/api_for_not_instagram_business_account.json",
        ),
    );
    assert!(
        none.data
            .iter()
            .any(|p| p.instagram_business_account.is_none()),
        "pages without an IG account parse"
    );
    let single: PageAccount = roundtrip(
        "page-with-instagram",
        &load(&dir, "restfb/v2_11/page-with-instagram.json"),
    );
    assert_eq!(
        single.instagram_business_account.unwrap().id.as_str(),
        "987654321"
    );
}

#[test]
fn connection_fixtures_page_correctly() {
    let Some(dir) = fixtures() else { return };
    let mut seen = 0;
    for entry in std::fs::read_dir(dir.join("restfb")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("connection-") {
            continue;
        }
        let rel = format!("restfb/{name}");
        let _: Page<Value> = roundtrip(&rel, &load(&dir, &rel));
        seen += 1;
    }
    assert!(seen >= 5, "read the connection fixtures");
    for rel in [
        "python-facebook/base/full_connecions_p1.json",
        "python-facebook/base/full_connecions_p2.json",
    ] {
        let _: Page<Value> = roundtrip(rel, &load(&dir, rel));
    }
    let nodata: Page<Value> = roundtrip("nodata", &load(&dir, "restfb/connection-nodata.json"));
    assert!(
        nodata.data.is_empty() && nodata.next_url().is_some(),
        "empty page that still carries next"
    );
    let same_cursor: Page<Value> =
        roundtrip("same", &load(&dir, "restfb/connection-same-cursor.json"));
    assert_eq!(same_cursor.next_url(), None, "no next: the walk ends there");
    let p1: Page<Value> = roundtrip("p1", &load(&dir, "restfb/connection-p1.json"));
    assert_eq!(p1.summary.unwrap()["total_count"], 18);
}

#[test]
fn business_usage_header_fixture_parses() {
    let Some(dir) = fixtures() else { return };
    let v = load(&dir, "restfb/api/header-business.json");
    let parsed: BTreeMap<String, Vec<BucUsage>> = roundtrip("header-business", &v);
    let entry = &parsed["{business-id}"][0];
    assert_eq!(
        (
            entry.use_case.as_str(),
            entry.call_count,
            entry.estimated_time_to_regain_access
        ),
        ("ads_insights", 100, 10)
    );
    let usage = instagraph::ratelimit::PlatformUsage::from_headers(None, Some(&v.to_string()));
    assert_eq!(usage.regain_minutes(), 10);
}
