//! End to end: `instagraph media|comments|mentions|hashtags|discover|insights|batch|shopping`
//! with the binary against `instagraph sandbox`: readable tables, `--json` documents, `--all`
//! with progress on stderr, `--csv`, refusals before the network (exit 2) and platform errors
//! (exit 1), for both login families where the platform offers the operation.

use serde_json::{Value, json};

mod common;
use common::{Daemon, run_as};

/// `instagraph sandbox --frozen` on a free port, killed on drop.
struct Sandbox {
    daemon: Daemon,
}

impl Sandbox {
    fn start() -> Self {
        Sandbox {
            daemon: Daemon::sandbox(),
        }
    }

    fn account(&self, login: &str) -> Value {
        self.daemon.account(login)
    }

    fn control(&self, path: &str) -> Value {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            reqwest::get(format!("{}/_sandbox{path}", self.daemon.base_url()))
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        })
    }

    fn requests(&self) -> usize {
        self.control("/requests").as_array().unwrap().len()
    }

    fn run(&self, account: &Value, args: &[&str]) -> (i32, String, String) {
        run_as(self.daemon.base_url(), account, None, args)
    }

    /// `--json`, success expected: the document.
    fn ok(&self, account: &Value, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let (code, out, err) = self.run(account, &all);
        assert_eq!(code, 0, "{args:?}: {err}");
        let token = account["access_token"].as_str().unwrap();
        assert!(!out.contains(token) && !err.contains(token), "token leaked");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    /// `--json`, failure `code` expected: the error object from stderr.
    fn fails(&self, account: &Value, args: &[&str], code: i32) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let (c, out, err) = self.run(account, &all);
        assert_eq!(c, code, "{args:?}: {out} {err}");
        assert!(out.is_empty(), "nothing on stdout on failure: {out}");
        serde_json::from_str(err.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {err}"))
    }

    /// Exit 2 and no request reaching the sandbox.
    fn refused(&self, account: &Value, args: &[&str], needle: &str) {
        let before = self.requests();
        let e = self.fails(account, args, 2);
        assert_eq!(e["before_network"], true, "{e}");
        let text = format!("{} {}", e["message"], e["fix"]);
        assert!(text.contains(needle), "{needle:?} not in {e}");
        assert_eq!(self.requests(), before, "{args:?} reached the sandbox");
    }
}

fn ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn media_commands_both_families() {
    let sb = Sandbox::start();
    for login in ["facebook", "instagram"] {
        let a = sb.account(login);
        let page = sb.ok(&a, &["media", "list", "--limit", "5"]);
        assert_eq!(ids(&page).len(), 5);
        assert!(page["paging"]["cursors"]["after"].is_string());
        let after = page["paging"]["cursors"]["after"].as_str().unwrap();
        let next = sb.ok(&a, &["media", "list", "--limit", "5", "--after", after]);
        assert_ne!(ids(&next)[0], ids(&page)[0]);
        // --all: every item, progress on stderr, stdout one JSON document.
        let (code, out, err) = sb.run(&a, &["media", "list", "--all", "--limit", "7", "--json"]);
        assert_eq!(code, 0, "{err}");
        let all: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(ids(&all).len(), 30);
        assert!(err.contains("fetched 30 media (5 pages)"), "{err}");
        let everything = sb.ok(&a, &["media", "list", "--fields", "all", "--limit", "30"]);
        let reel = everything["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["media_product_type"] == "REELS")
            .unwrap()
            .clone();
        assert_eq!(
            reel["media_type"], "VIDEO",
            "reels read back as VIDEO + REELS"
        );
        let id = reel["id"].as_str().unwrap();
        let one = sb.ok(&a, &["media", "show", id, "--fields", "all"]);
        assert_eq!(one["id"], reel["id"]);
        assert!(one["permalink"].is_string() && one["like_count"].is_number());
        let carousel = everything["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["media_type"] == "CAROUSEL_ALBUM")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(ids(&sb.ok(&a, &["media", "children", &carousel])).len(), 3);
        assert_eq!(ids(&sb.ok(&a, &["media", "stories"])).len(), 2);
        assert_eq!(ids(&sb.ok(&a, &["media", "tagged"])).len(), 3);
        let live = sb.ok(&a, &["media", "live"]);
        assert_eq!(ids(&live).len(), usize::from(login == "facebook"));
        // Human output: a readable table.
        let (code, out, _) = sb.run(&a, &["media", "list", "--limit", "3"]);
        assert_eq!(code, 0);
        let header = out.lines().next().unwrap();
        assert!(
            header.starts_with("ID") && header.contains("KIND") && header.contains("CAPTION"),
            "{out}"
        );
        assert_eq!(
            out.lines().count(),
            5,
            "header, 3 rows, the more-hint: {out}"
        );
        // Refusals.
        sb.refused(&a, &["media", "list", "--limit", "101"], "1 to 100");
        sb.refused(&a, &["media", "likers", id], "like_count");
        sb.refused(&a, &["media", "like", id], "like_count");
        sb.refused(&a, &["media", "show", "../me"], "media_id");
        if login == "facebook" {
            let image = everything["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["media_type"] == "IMAGE")
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let tags = sb.ok(&a, &["media", "product-tags", &image]);
            assert_eq!(tags["data"].as_array().unwrap().len(), 2);
        } else {
            sb.refused(&a, &["media", "product-tags", id], "Facebook Login");
        }
    }
}

#[test]
fn comment_commands_read_write_and_refuse() {
    let sb = Sandbox::start();
    for login in ["facebook", "instagram"] {
        let a = sb.account(login);
        let media = sb.ok(&a, &["media", "list", "--limit", "1"]);
        let mid = ids(&media)[0].clone();
        let list = sb.ok(&a, &["comments", "list", &mid, "--replies"]);
        let first = list["data"].as_array().unwrap();
        assert_eq!(first.len(), 25);
        let with_reply = first
            .iter()
            .find(|c| {
                c["replies"]["data"]
                    .as_array()
                    .is_some_and(|r| !r.is_empty())
            })
            .unwrap();
        let parent = with_reply["id"].as_str().unwrap().to_owned();
        let all = sb.ok(&a, &["comments", "list", &mid, "--all"]);
        assert!(ids(&all).len() >= 27);
        let replies = sb.ok(&a, &["comments", "replies", &parent]);
        assert!(!ids(&replies).is_empty());
        let created = sb.ok(
            &a,
            &["comments", "create", &mid, "Thanks for all the love!"],
        );
        let cid = created["id"].as_str().unwrap().to_owned();
        let shown = sb.ok(&a, &["comments", "show", &cid, "--fields", "all"]);
        assert_eq!(shown["text"], "Thanks for all the love!");
        let reply = sb.ok(&a, &["comments", "reply", &parent, "See you soon"]);
        assert!(reply["id"].is_string());
        assert_eq!(sb.ok(&a, &["comments", "hide", &cid])["success"], true);
        assert_eq!(
            sb.ok(&a, &["comments", "show", &cid, "--fields", "hidden"])["hidden"],
            true
        );
        assert_eq!(sb.ok(&a, &["comments", "unhide", &cid])["success"], true);
        assert_eq!(sb.ok(&a, &["comments", "delete", &cid])["success"], true);
        let gone = sb.fails(&a, &["comments", "show", &cid], 1);
        assert_eq!(
            (gone["code"].as_i64(), gone["subcode"].as_i64()),
            (Some(100), Some(33))
        );
        assert_eq!(sb.ok(&a, &["comments", "disable", &mid])["success"], true);
        let off = sb.fails(&a, &["comments", "create", &mid, "hello?"], 1);
        assert!(
            off["message"].as_str().unwrap().contains("disabled"),
            "{off}"
        );
        assert_eq!(sb.ok(&a, &["comments", "enable", &mid])["success"], true);
        // The text rules: exit 2, nothing sent.
        let long = "x".repeat(301);
        sb.refused(&a, &["comments", "create", &mid, &long], "300");
        sb.refused(
            &a,
            &["comments", "create", &mid, "#a #b #c #d #e"],
            "4 hashtags",
        );
        sb.refused(
            &a,
            &[
                "comments",
                "reply",
                &parent,
                "https://a.example https://b.example",
            ],
            "1 URL",
        );
        sb.refused(
            &a,
            &["comments", "create", &mid, "SHOUTING AT YOU"],
            "capitals",
        );
    }
    // Human output: replies indented under their comment.
    let a = sb.account("facebook");
    let mid = ids(&sb.ok(&a, &["media", "list", "--limit", "1"]))[0].clone();
    let (code, out, _) = sb.run(&a, &["comments", "list", &mid, "--replies", "--limit", "4"]);
    assert_eq!(code, 0);
    assert!(out.contains("  ↳ "), "{out}");
}

#[test]
fn mentions_hashtags_discovery_and_shopping_on_facebook_login() {
    let sb = Sandbox::start();
    let fb = sb.account("facebook");
    let ig = sb.account("instagram");
    let overview = sb.control("/engagement?account=business");
    let media_id = overview["mentioned_media"][0].as_str().unwrap().to_owned();
    let m = sb.ok(&fb, &["mentions", "media", &media_id]);
    assert!(m["caption"].as_str().unwrap().contains("@sandbox_business"));
    let comment = &overview["mentioned_comments"][0];
    let cid = comment["id"].as_str().unwrap();
    let on = comment["media_id"].as_str().unwrap();
    let c = sb.ok(&fb, &["mentions", "comment", cid]);
    assert!(c["text"].as_str().unwrap().contains("@sandbox_business"));
    let r = sb.ok(
        &fb,
        &["mentions", "reply", on, "Thank you!", "--comment-id", cid],
    );
    assert!(r["id"].is_string());
    sb.refused(&ig, &["mentions", "media", &media_id], "Facebook Login");

    // Hashtags, with the budget kept in a database across processes.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("reading.db");
    let db = db.to_str().unwrap();
    let h = sb.ok(&fb, &["--db", db, "hashtags", "search", "#Coffee"]);
    assert_eq!(h["name"], "coffee");
    let top = sb.ok(
        &fb,
        &["--db", db, "hashtags", "top", "coffee", "--limit", "5"],
    );
    assert_eq!(ids(&top).len(), 5);
    let hid = h["id"].as_str().unwrap();
    let recent = sb.ok(&fb, &["hashtags", "recent", hid]);
    assert!(!ids(&recent).is_empty());
    assert_eq!(sb.ok(&fb, &["hashtags", "show", hid])["name"], "coffee");
    let searched = sb.ok(&fb, &["hashtags", "searched"]);
    assert_eq!(searched["data"][0]["id"], h["id"]);
    sb.ok(&fb, &["--db", db, "hashtags", "search", "travel"]);
    let budget = sb.ok(&fb, &["--db", db, "hashtags", "budget"]);
    assert_eq!(
        (budget["used"].as_u64(), budget["limit"].as_u64()),
        (Some(2), Some(30))
    );
    assert_eq!(budget["hashtags"], json!(["coffee", "travel"]));
    sb.refused(&fb, &["hashtags", "search", "two words"], "hashtag");
    sb.refused(&ig, &["hashtags", "search", "coffee"], "Facebook Login");

    // Business discovery.
    let d = sb.ok(&fb, &["discover", "sandbox_partner"]);
    assert_eq!(d["username"], "sandbox_partner");
    let d = sb.ok(
        &fb,
        &["discover", "sandbox_partner", "--media", "--limit", "4"],
    );
    assert_eq!(d["media"]["data"].as_array().unwrap().len(), 4);
    let (code, out, err) = sb.run(
        &fb,
        &[
            "discover",
            "sandbox_partner",
            "--all",
            "--limit",
            "15",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let all: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(all["media"]["data"].as_array().unwrap().len(), 40);
    assert!(err.contains("fetched 40 media"), "{err}");
    let e = sb.fails(&fb, &["discover", "sandbox_private"], 1);
    assert_eq!(
        (e["code"].as_i64(), e["subcode"].as_i64()),
        (Some(110), Some(2207013))
    );
    sb.refused(&ig, &["discover", "sandbox_partner"], "Facebook Login");

    // Shopping.
    let appeal = sb.ok(&fb, &["shopping", "appeal", "4029274203846188"]);
    assert_eq!(appeal["data"][0]["eligible_for_appeal"], true);
    let filed = sb.ok(
        &fb,
        &[
            "shopping",
            "appeal",
            "4029274203846188",
            "--reason",
            "It is real",
        ],
    );
    assert_eq!(filed["success"], true);
    let cats = sb.ok(&fb, &["shopping", "catalogs"]);
    let cat = cats["data"][0]["catalog_id"].as_str().unwrap().to_owned();
    let products = sb.ok(&fb, &["shopping", "products", &cat, "--q", "gummy"]);
    assert_eq!(products["data"].as_array().unwrap().len(), 2);
}

#[test]
fn insights_tables_json_csv_and_refusals() {
    let sb = Sandbox::start();
    let now = sb.control("/clock")["now"].as_i64().unwrap();
    for login in ["facebook", "instagram"] {
        let a = sb.account(login);
        let media = sb.ok(
            &a,
            &[
                "media",
                "list",
                "--limit",
                "30",
                "--fields",
                "id,media_product_type",
            ],
        );
        let feed = media["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["media_product_type"] == "FEED")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = sb.ok(
            &a,
            &["insights", "media", &feed, "--metric", "reach,saved,views"],
        );
        let got =
            r["metrics"].as_array().unwrap().len() + r["no_data"].as_array().map_or(0, Vec::len);
        assert_eq!(got, 3);
        let (code, csv, err) = sb.run(
            &a,
            &[
                "insights",
                "media",
                &feed,
                "--metric",
                "reach,saved",
                "--csv",
            ],
        );
        assert_eq!(code, 0, "{err}");
        assert!(
            csv.starts_with("object_id,metric,period,end_time,dimensions,value\n"),
            "{csv}"
        );
        assert!(csv.lines().skip(1).all(|l| l.starts_with(&feed)), "{csv}");
        let since = (now - 5 * 86_400).to_string();
        let until = (now - 86_400).to_string();
        let series = sb.ok(
            &a,
            &[
                "insights", "account", "--metric", "reach", "--since", &since, "--until", &until,
            ],
        );
        assert!(series["metrics"][0]["values"].as_array().unwrap().len() >= 4);
        let (code, out, _) = sb.run(
            &a,
            &[
                "insights",
                "account",
                "--metric",
                "likes,reach",
                "--metric-type",
                "total_value",
            ],
        );
        assert_eq!(code, 0);
        assert!(out.starts_with("METRIC") && out.contains("likes"), "{out}");
        sb.refused(
            &a,
            &["insights", "media", &feed, "--metric", "impressions"],
            "views",
        );
        sb.refused(
            &a,
            &["insights", "account", "--metric", "impressions"],
            "views",
        );
        sb.refused(
            &a,
            &["insights", "account", "--metric", "follower_demographics"],
            "breakdown",
        );
        sb.refused(
            &a,
            &["insights", "account", "--metric", "reach", "--csv"],
            "--csv or --json",
        );
    }
}

#[test]
fn batch_file_results_per_call() {
    let sb = Sandbox::start();
    let fb = sb.account("facebook");
    let ig_user = fb["ig_user_id"].as_str().unwrap();
    let mid = ids(&sb.ok(&fb, &["media", "list", "--limit", "1"]))[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("batch.json");
    std::fs::write(
        &file,
        json!([
            {"method": "GET", "relative_url": format!("{ig_user}?fields=username")},
            {"method": "GET", "relative_url": "999999999999?fields=id"},
            {"method": "POST", "relative_url": format!("{mid}/comments"), "body": {"message": "From a batch file"}},
        ])
        .to_string(),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let results = sb.ok(&fb, &["batch", file]);
    let r = results.as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(
        (r[0]["outcome"].as_str(), r[0]["body"]["username"].as_str()),
        (Some("ok"), Some("sandbox_business"))
    );
    assert_eq!(r[1]["outcome"], "error");
    assert_eq!(
        (
            r[1]["error"]["code"].as_i64(),
            r[1]["error"]["error_subcode"].as_i64()
        ),
        (Some(100), Some(33))
    );
    assert_eq!(r[2]["outcome"], "ok");
    let (code, out, _) = sb.run(&fb, &["batch", file]);
    assert_eq!(code, 0);
    assert!(out.contains("1 of 3 calls failed"), "{out}");
    let many = dir.path().join("many.json");
    let ops: Vec<Value> = (0..51)
        .map(|_| json!({"method": "GET", "relative_url": "me"}))
        .collect();
    std::fs::write(&many, json!({ "batch": ops }).to_string()).unwrap();
    sb.refused(&fb, &["batch", many.to_str().unwrap()], "1 to 50");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    sb.refused(&fb, &["batch", bad.to_str().unwrap()], "not JSON");
    sb.refused(
        &sb.account("instagram"),
        &["batch", file],
        "graph.facebook.com",
    );
}
