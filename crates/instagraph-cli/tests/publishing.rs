//! Publishing and scheduling end to end: the `instagraph` binary against a sandbox process on
//! 127.0.0.1. Includes the crash test: the scheduler is aborted at every step of a publish and
//! restarted, and each scheduled post exists exactly once afterwards.

mod common;

use common::{Daemon, base_cmd, run_as};
use serde_json::{Value, json};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;

/// A running (not frozen) sandbox with fast video processing.
fn sandbox() -> Daemon {
    let sb = Daemon::start(&["sandbox", "--listen", "127.0.0.1:0"]);
    post(
        &format!("{}/_sandbox/publishing", sb.base_url()),
        json!({"video_processing_ms": 300}),
    );
    sb
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn post(url: &str, body: Value) -> Value {
    rt().block_on(async {
        let resp = reqwest::Client::new()
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("POST");
        assert!(resp.status().is_success(), "POST {url}: {}", resp.status());
        resp.json().await.unwrap_or(Value::Null)
    })
}

fn get(url: &str) -> Vec<u8> {
    rt().block_on(async {
        let resp = reqwest::get(url).await.expect("GET");
        assert!(resp.status().is_success(), "GET {url}: {}", resp.status());
        resp.bytes().await.expect("body").to_vec()
    })
}

fn posts(sb: &Daemon, account: &Value) -> Vec<Value> {
    let url = format!(
        "{}/_sandbox/publishing/posts?account={}",
        sb.base_url(),
        account["ig_user_id"].as_str().unwrap()
    );
    serde_json::from_slice(&get(&url)).expect("posts JSON")
}

fn sample(sb: &Daemon, name: &str) -> String {
    format!("{}/_sandbox/media/{name}", sb.base_url())
}

fn json_out(code: i32, out: &str, err: &str) -> Value {
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[test]
fn every_post_type_is_published_end_to_end() {
    let sb = sandbox();
    let fb = sb.account("facebook");
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (
            vec![
                "photo".into(),
                sample(&sb, "cat-1080x1080.jpg"),
                "--caption".into(),
                "a photo #cats".into(),
            ],
            "IMAGE",
            "FEED",
        ),
        (
            vec![
                "reel".into(),
                sample(&sb, "clip.mp4"),
                "--caption".into(),
                "a reel".into(),
                "--share-to-feed".into(),
                "true".into(),
            ],
            "VIDEO",
            "REELS",
        ),
        (
            vec!["story".into(), sample(&sb, "s-1080x1920.jpg")],
            "IMAGE",
            "STORY",
        ),
        (vec!["story".into(), sample(&sb, "s.mp4")], "VIDEO", "STORY"),
        (
            vec![
                "carousel".into(),
                sample(&sb, "a-1080x1080.jpg"),
                sample(&sb, "b.mp4"),
                sample(&sb, "c-1080x1350.jpg"),
                "--caption".into(),
                "a carousel".into(),
                "--alt-text".into(),
                "1=a cat".into(),
            ],
            "CAROUSEL_ALBUM",
            "FEED",
        ),
    ];
    for (args, media_type, product) in &cases {
        let mut full = vec!["--json", "publish"];
        full.extend(args.iter().map(String::as_str));
        let (code, out, err) = run_as(sb.base_url(), &fb, None, &full);
        let v = json_out(code, &out, &err);
        let media_id = v["media_id"].as_str().expect("media_id");
        assert!(
            v["permalink"]
                .as_str()
                .is_some_and(|p| p.starts_with("https://")),
            "{v}"
        );
        assert_eq!(v["recovered"], false);
        let all = posts(&sb, &fb);
        let p = all
            .iter()
            .find(|p| p["media_id"] == media_id)
            .expect("published in the sandbox");
        assert_eq!(p["media_type"], *media_type, "{args:?}");
        assert_eq!(p["media_product_type"], *product, "{args:?}");
    }
    assert_eq!(posts(&sb, &fb).len(), cases.len(), "one post per publish");
}

#[test]
fn local_files_are_hosted_or_uploaded() {
    let sb = sandbox();
    let fb = sb.account("facebook");
    let dir = tempfile::tempdir().unwrap();
    let jpg = dir.path().join("local.jpg");
    std::fs::write(&jpg, get(&sample(&sb, "x-1080x1350.jpg"))).unwrap();
    let mp4 = dir.path().join("local.mp4");
    std::fs::write(&mp4, get(&sample(&sb, "x.mp4"))).unwrap();
    // The image is served by the CLI's own media host (preflighted over loopback), the video
    // goes through the resumable upload.
    for args in [
        vec![
            "--json",
            "publish",
            "photo",
            jpg.to_str().unwrap(),
            "--caption",
            "local photo",
        ],
        vec![
            "--json",
            "publish",
            "reel",
            mp4.to_str().unwrap(),
            "--caption",
            "local reel",
        ],
    ] {
        let (code, out, err) = run_as(sb.base_url(), &fb, None, &args);
        let v = json_out(code, &out, &err);
        assert!(v["media_id"].is_string());
    }
    let captions: Vec<String> = posts(&sb, &fb)
        .iter()
        .map(|p| p["caption"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(captions.contains(&"local photo".to_owned()), "{captions:?}");
    assert!(captions.contains(&"local reel".to_owned()), "{captions:?}");
    // A PNG is refused before anything is sent.
    let png = dir.path().join("x.png");
    std::fs::write(&png, get(&sample(&sb, "x.png"))).unwrap();
    let (code, _, err) = run_as(
        sb.base_url(),
        &fb,
        None,
        &["publish", "photo", png.to_str().unwrap()],
    );
    assert_ne!(code, 0);
    assert!(err.contains("JPEG"), "{err}");
    assert_eq!(posts(&sb, &fb).len(), 2);
}

#[test]
fn limits_are_checked_before_the_network_and_name_the_value() {
    let sb = sandbox();
    let fb = sb.account("facebook");
    let img = sample(&sb, "a-1080x1080.jpg");
    let long = "x".repeat(2201);
    let (code, _, err) = run_as(
        sb.base_url(),
        &fb,
        None,
        &["--json", "publish", "photo", &img, "--caption", &long],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("2200") && err.contains("2201"), "{err}");
    let eleven: Vec<String> = (0..11)
        .map(|i| sample(&sb, &format!("i{i}-1080x1080.jpg")))
        .collect();
    let mut args = vec!["--json", "publish", "carousel"];
    args.extend(eleven.iter().map(String::as_str));
    let (code, _, err) = run_as(sb.base_url(), &fb, None, &args);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("10"), "{err}");
    let (code, _, err) = run_as(
        sb.base_url(),
        &fb,
        None,
        &[
            "publish",
            "photo",
            &img,
            "--collaborator",
            "a",
            "--collaborator",
            "b",
            "--collaborator",
            "c",
            "--collaborator",
            "d",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains('3') && err.contains('4'), "{err}");
    // An unreachable URL is caught by the preflight, also before the platform sees it.
    let (code, _, err) = run_as(
        sb.base_url(),
        &fb,
        None,
        &["publish", "photo", "http://127.0.0.1:9/nothing.jpg"],
    );
    assert_ne!(code, 0);
    assert!(!err.is_empty());
    assert!(posts(&sb, &fb).is_empty(), "nothing was published");
}

#[test]
fn the_quota_is_read_and_enforced_with_its_numbers() {
    let sb = sandbox();
    let fb = sb.account("facebook");
    post(
        &format!("{}/_sandbox/publishing", sb.base_url()),
        json!({"quota_total": 1}),
    );
    let img = sample(&sb, "q-1080x1080.jpg");
    let (code, out, err) = run_as(
        sb.base_url(),
        &fb,
        None,
        &["--json", "publish", "photo", &img],
    );
    json_out(code, &out, &err);
    let (code, out, err) = run_as(sb.base_url(), &fb, None, &["--json", "quota"]);
    let q = json_out(code, &out, &err);
    assert_eq!(
        (
            q["quota_usage"].as_u64(),
            q["quota_total"].as_u64(),
            q["remaining"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    let (code, _, err) = run_as(
        sb.base_url(),
        &fb,
        None,
        &["--json", "publish", "photo", &img],
    );
    assert_ne!(code, 0);
    assert!(err.contains("quota") || err.contains("limit"), "{err}");
    assert_eq!(posts(&sb, &fb).len(), 1);
}

fn with_db(args: &[&str], db: &Path) -> Vec<String> {
    let mut v = vec!["--db".to_owned(), db.to_str().unwrap().to_owned()];
    v.extend(args.iter().map(|s| (*s).to_owned()));
    v
}

fn run_db(sb: &Daemon, account: &Value, db: &Path, args: &[&str]) -> (i32, String, String) {
    let full = with_db(args, db);
    let refs: Vec<&str> = full.iter().map(String::as_str).collect();
    run_as(sb.base_url(), account, None, &refs)
}

#[test]
fn scheduled_posts_are_added_listed_changed_and_cancelled() {
    let sb = sandbox();
    let fb = sb.account("facebook");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let img = sample(&sb, "s-1080x1080.jpg");
    let (code, out, err) = run_db(
        &sb,
        &fb,
        &db,
        &[
            "--json",
            "schedule",
            "add",
            "--at",
            "2099-01-02 09:00",
            "--tz",
            "Europe/Paris",
            "--key",
            "k1",
            "photo",
            &img,
            "--caption",
            "later",
        ],
    );
    let added = json_out(code, &out, &err);
    let id = added["id"].as_i64().unwrap();
    assert_eq!(added["state"], "scheduled");
    assert_eq!(added["created"], true);
    // 09:00 in Paris in January is 08:00 UTC.
    assert_eq!(added["publish_at"].as_i64(), Some(4_071_024_000_000));
    assert_eq!(added["publish_at_local"], "2099-01-02 09:00:00 CET");
    // The same key again: the same post, not a second one.
    let (code, out, err) = run_db(
        &sb,
        &fb,
        &db,
        &[
            "--json", "schedule", "add", "--at", "+1h", "--key", "k1", "photo", &img,
        ],
    );
    let again = json_out(code, &out, &err);
    assert_eq!(
        (again["id"].as_i64(), again["created"].as_bool()),
        (Some(id), Some(false))
    );
    // Invalid posts and times are refused before anything is stored.
    let (code, _, err) = run_db(
        &sb,
        &fb,
        &db,
        &["schedule", "add", "--at", "2001-01-01 00:00", "photo", &img],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("in the past"), "{err}");
    let long = "#a ".repeat(31);
    let (code, _, err) = run_db(
        &sb,
        &fb,
        &db,
        &[
            "schedule",
            "add",
            "--at",
            "+1h",
            "photo",
            &img,
            "--caption",
            &long,
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("30"), "{err}");
    let (code, out, err) = run_db(&sb, &fb, &db, &["--json", "schedule", "list"]);
    let list = json_out(code, &out, &err);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (code, out, err) = run_db(
        &sb,
        &fb,
        &db,
        &[
            "--json",
            "schedule",
            "reschedule",
            &id.to_string(),
            "--at",
            "2099-07-02T09:00:00+02:00",
        ],
    );
    let moved = json_out(code, &out, &err);
    assert_eq!(moved["publish_at"].as_i64(), Some(4_086_658_800_000));
    let (code, out, err) = run_db(
        &sb,
        &fb,
        &db,
        &["--json", "schedule", "cancel", &id.to_string()],
    );
    assert_eq!(json_out(code, &out, &err)["state"], "cancelled");
    let (code, _, err) = run_db(&sb, &fb, &db, &["schedule", "cancel", &id.to_string()]);
    assert_eq!(code, 2);
    assert!(err.contains("can no longer be cancelled"), "{err}");
    let (code, out, err) = run_db(
        &sb,
        &fb,
        &db,
        &["--json", "schedule", "show", &id.to_string()],
    );
    let shown = json_out(code, &out, &err);
    let steps: Vec<&str> = shown["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["added", "rescheduled", "cancelled"]);
    let (code, _, _) = run_db(&sb, &fb, &db, &["schedule", "show", "999"]);
    assert_eq!(code, 2);
}

/// `instagraph --db DB ARGS` as `account` against the sandbox, output discarded.
fn cli_cmd(sb: &Daemon, account: &Value, db: &Path, args: &[&str]) -> std::process::Command {
    let mut cmd = base_cmd();
    cmd.args(with_db(args, db))
        .env("INSTAGRAPH_BASE_URL", sb.base_url())
        .env(
            "INSTAGRAPH_ACCESS_TOKEN",
            account["access_token"].as_str().unwrap(),
        )
        .env("INSTAGRAPH_LOGIN", account["login"].as_str().unwrap())
        .env(
            "INSTAGRAPH_APP_SECRET",
            account["app_secret"].as_str().unwrap(),
        )
        .env(
            "INSTAGRAPH_IG_USER_ID",
            account["ig_user_id"].as_str().unwrap(),
        )
        .env_remove("INSTAGRAPH_CRASH_AT")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// `schedule run --until-done` with `INSTAGRAPH_CRASH_AT`; returns the exit status.
fn run_scheduler(
    sb: &Daemon,
    account: &Value,
    db: &Path,
    crash_at: Option<&str>,
) -> std::process::ExitStatus {
    let mut cmd = cli_cmd(
        sb,
        account,
        db,
        &["schedule", "run", "--until-done", "--status-poll", "1"],
    );
    if let Some(p) = crash_at {
        cmd.env("INSTAGRAPH_CRASH_AT", p);
    }
    cmd.status().expect("run the scheduler")
}

#[test]
fn a_scheduler_killed_at_any_step_publishes_each_post_exactly_once() {
    let sb = sandbox();
    let fb = sb.account("facebook");
    let dir = tempfile::tempdir().unwrap();
    let points = [
        "claimed",
        "container_created",
        "preparing_committed",
        "ready_committed",
        "publishing_committed",
        "media_published",
        "published_committed",
    ];
    for point in points {
        let db = dir.path().join(format!("{point}.db"));
        let caption = format!("crash at {point}");
        let img = sample(&sb, "k-1080x1080.jpg");
        let (code, out, err) = run_db(
            &sb,
            &fb,
            &db,
            &[
                "--json",
                "schedule",
                "add",
                "--at",
                "now",
                "photo",
                &img,
                "--caption",
                &caption,
            ],
        );
        let id = json_out(code, &out, &err)["id"].as_i64().unwrap();
        // Aborted at the step, as kill -9 would.
        let status = run_scheduler(&sb, &fb, &db, Some(point));
        assert_eq!(
            status.signal(),
            Some(6),
            "{point}: the process aborted at the crash point"
        );
        // Restarted: it takes the dead worker's post over at once and finishes it.
        let status = run_scheduler(&sb, &fb, &db, None);
        assert!(status.success(), "{point}: {status}");
        let (code, out, err) = run_db(
            &sb,
            &fb,
            &db,
            &["--json", "schedule", "show", &id.to_string()],
        );
        let shown = json_out(code, &out, &err);
        assert_eq!(shown["state"], "published", "{point}: {shown}");
        let on_platform: Vec<Value> = posts(&sb, &fb)
            .into_iter()
            .filter(|p| p["caption"] == caption.as_str())
            .collect();
        assert_eq!(
            on_platform.len(),
            1,
            "{point}: exactly one post on the platform"
        );
        assert_eq!(
            shown["media_id"], on_platform[0]["media_id"],
            "{point}: the recorded id is the real one"
        );
    }
}

#[test]
fn a_scheduler_killed_mid_batch_loses_and_duplicates_nothing() {
    let sb = sandbox();
    let fb = sb.account("facebook");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("batch.db");
    let n = 8;
    for i in 0..n {
        let caption = format!("batch {i}");
        let video = sample(&sb, &format!("v{i}.mp4"));
        let (code, out, err) = run_db(
            &sb,
            &fb,
            &db,
            &[
                "--json",
                "schedule",
                "add",
                "--at",
                "now",
                "reel",
                &video,
                "--caption",
                &caption,
            ],
        );
        json_out(code, &out, &err);
    }
    // A foreground scheduler, SIGKILLed once some (not all) posts are out.
    let mut cmd = cli_cmd(&sb, &fb, &db, &["schedule", "run", "--status-poll", "1"]);
    let mut child = cmd.spawn().unwrap();
    loop {
        let count = posts(&sb, &fb).len();
        if count >= 1 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the scheduler exited early"
        );
        std::thread::yield_now();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let status = run_scheduler(&sb, &fb, &db, None);
    assert!(status.success());
    let all = posts(&sb, &fb);
    for i in 0..n {
        let caption = format!("batch {i}");
        assert_eq!(
            all.iter()
                .filter(|p| p["caption"] == caption.as_str())
                .count(),
            1,
            "{caption}"
        );
    }
    let (code, out, err) = run_db(
        &sb,
        &fb,
        &db,
        &["--json", "schedule", "list", "--state", "published"],
    );
    assert_eq!(json_out(code, &out, &err).as_array().unwrap().len(), n);
}

#[test]
fn published_media_can_be_deleted_with_facebook_login_only() {
    let sb = sandbox();
    let fb = sb.account("facebook");
    let img = sample(&sb, "d-1080x1080.jpg");
    let (code, out, err) = run_as(
        sb.base_url(),
        &fb,
        None,
        &["--json", "publish", "photo", &img],
    );
    let media_id = json_out(code, &out, &err)["media_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ig = sb.account("instagram");
    let (code, _, err) = run_as(sb.base_url(), &ig, None, &["media", "delete", &media_id]);
    assert_eq!(
        code, 2,
        "refused before the network under Instagram Login: {err}"
    );
    assert!(err.contains("Facebook Login"), "{err}");
    let (code, out, err) = run_as(
        sb.base_url(),
        &fb,
        None,
        &["--json", "media", "delete", &media_id],
    );
    assert_eq!(json_out(code, &out, &err)["deleted"], media_id.as_str());
    let (code, _, _) = run_as(sb.base_url(), &fb, None, &["media", "show", &media_id]);
    assert_ne!(code, 0, "the media is gone");
}
