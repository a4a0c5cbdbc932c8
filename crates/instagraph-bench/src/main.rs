//! `instagraph-loadgen`: drives signed, distinct webhooks through a real `instagraph serve`
//! over loopback and reports events/s, latency percentiles and the server's RSS.
//!
//! It starts the server binary itself (so that the RSS is the server's alone) on a fresh
//! SQLite database, waits for its JSON line, measures idle RSS, then runs either a closed loop
//! (`--connections N`: each connection sends the next event as soon as the previous one is
//! answered) or an open loop (`--rate R`: events are scheduled at a fixed rate and latency is
//! measured from the scheduled time, so a stall is not hidden). Every answer must be 200; the
//! run fails otherwise. At the end it checks with the server that every acknowledged event is
//! stored.
//!
//! ```text
//! cargo build --release -p instagraph-cli -p instagraph-bench
//! target/release/instagraph-loadgen --server target/release/instagraph --connections 64 --seconds 10
//! target/release/instagraph-loadgen --server target/release/instagraph --rate 1000 --seconds 10
//! ```

use anyhow::{Context, Result, bail};
use clap::Parser;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "bench-app-secret";

#[derive(Parser, Debug)]
struct Args {
    /// The `instagraph` binary to benchmark.
    #[arg(long, default_value = "target/release/instagraph")]
    server: String,
    /// Concurrent connections (closed loop).
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Open loop at this many events per second instead of a closed loop.
    #[arg(long)]
    rate: Option<u64>,
    /// How long to run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Warm-up before measuring.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Approximate size of each webhook body, bytes.
    #[arg(long, default_value_t = 600)]
    body_bytes: usize,
    /// Keep the database directory (printed) instead of deleting it.
    #[arg(long)]
    keep: bool,
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kb(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// User + system CPU seconds of a process so far.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11usize, 12]
        .iter()
        .filter_map(|i| f.get(*i).and_then(|v| v.parse::<f64>().ok()))
        .sum();
    ticks / 100.0
}

fn start_server(bin: &str, db: &std::path::Path) -> Result<Server> {
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .env(
            "INSTAGRAPH_ACCESS_TOKEN",
            "IGAAbenchmarktokenthatisneverused",
        )
        .env("INSTAGRAPH_APP_SECRET", SECRET)
        .env("INSTAGRAPH_VERIFY_TOKEN", "bench-verify")
        .env_remove("INSTAGRAPH_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent/instagraph-bench")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| {
            format!("starting {bin} (build it with cargo build --release -p instagraph-cli)")
        })?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
    let v: serde_json::Value = serde_json::from_str(&line).context("the server's JSON line")?;
    let url = v["service_url"].as_str().context("service_url")?;
    let addr: SocketAddr = url.trim_start_matches("http://").parse()?;
    Ok(Server { child, addr })
}

/// One signed request for event number `n`.
fn request(addr: SocketAddr, n: u64, body_bytes: usize) -> Vec<u8> {
    let pad = "x".repeat(body_bytes.saturating_sub(330));
    let body = format!(
        r#"{{"object":"instagram","entry":[{{"id":"17841405822304914","time":1763700000000,"messaging":[{{"sender":{{"id":"5614879045272581"}},"recipient":{{"id":"17841405822304914"}},"timestamp":1763700000000,"message":{{"mid":"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE{n}","text":"bench event {n} {pad}"}}}}]}}]}}"#
    );
    let sig = instagraph_webhook::sign(SECRET.as_bytes(), body.as_bytes());
    format!(
        "POST /webhook HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nX-Hub-Signature-256: {sig}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one HTTP/1.1 response; returns its status.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<u16> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end])?;
            let status: u16 = head.split(' ').nth(1).context("status line")?.parse()?;
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            let total = end + 4 + len;
            while buf.len() < total {
                let mut chunk = [0u8; 4096];
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    bail!("connection closed mid-response");
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            buf.drain(..total);
            return Ok(status);
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("connection closed");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

struct Shared {
    next: AtomicU64,
    acked: AtomicU64,
    failed: AtomicU64,
    stop: AtomicBool,
    measuring: AtomicBool,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

fn main() -> Result<()> {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("instagraph-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("bench.db");
    let server = start_server(&args.server, &db)?;
    let pid = server.child.id();
    std::thread::sleep(Duration::from_secs(1));
    let idle_kb = rss_kb(pid, "VmRSS:").unwrap_or(0);

    // The load generator runs on one thread so that the server keeps the other core.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        measuring: AtomicBool::new(false),
    });
    let addr = server.addr;
    let connections = match args.rate {
        Some(r) => ((r / 200).max(4) as usize).min(args.connections.max(4)),
        None => args.connections,
    };
    let peak_rss = Arc::new(AtomicU64::new(idle_kb));
    let cpu_used = Arc::new(std::sync::Mutex::new((0.0f64, 0.0f64)));
    let (latencies, elapsed, measured) = rt.block_on(async {
        // RSS sampler.
        let sampler = {
            let peak = peak_rss.clone();
            let shared = shared.clone();
            tokio::spawn(async move {
                while !shared.stop.load(Ordering::Relaxed) {
                    if let Some(kb) = rss_kb(pid, "VmRSS:") {
                        peak.fetch_max(kb, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        };
        let start = Instant::now() + Duration::from_millis(100);
        let interval = args
            .rate
            .map(|r| Duration::from_nanos(1_000_000_000 / r.max(1)));
        let mut tasks = Vec::new();
        for c in 0..connections {
            let shared = shared.clone();
            let body_bytes = args.body_bytes;
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(1 << 16);
                let mut stream = TcpStream::connect(addr).await?;
                stream.set_nodelay(true)?;
                let mut buf = Vec::with_capacity(8192);
                let mut k: u64 = 0;
                loop {
                    if shared.stop.load(Ordering::Relaxed) {
                        return Ok::<_, anyhow::Error>(lat);
                    }
                    let n = shared.next.fetch_add(1, Ordering::Relaxed);
                    let req = request(addr, n, body_bytes);
                    let scheduled = match interval {
                        Some(iv) => {
                            // Open loop: connection c owns every `connections`-th slot.
                            let slot = start + iv * (c as u32 + (k * connections as u64) as u32);
                            k += 1;
                            tokio::time::sleep_until(slot.into()).await;
                            slot
                        }
                        None => Instant::now(),
                    };
                    stream.write_all(&req).await?;
                    let status = read_response(&mut stream, &mut buf).await?;
                    let took = scheduled.elapsed();
                    if status == 200 {
                        shared.acked.fetch_add(1, Ordering::Relaxed);
                        if shared.measuring.load(Ordering::Relaxed) {
                            lat.push(took.as_micros() as u64);
                        }
                    } else {
                        shared.failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_secs(args.warmup)).await;
        let acked_before = shared.acked.load(Ordering::Relaxed);
        let cpu_before = (cpu_seconds(&pid.to_string()), cpu_seconds("self"));
        shared.measuring.store(true, Ordering::Relaxed);
        let t0 = Instant::now();
        tokio::time::sleep(Duration::from_secs(args.seconds)).await;
        shared.measuring.store(false, Ordering::Relaxed);
        let elapsed = t0.elapsed();
        let measured = shared.acked.load(Ordering::Relaxed) - acked_before;
        let cpu_after = (cpu_seconds(&pid.to_string()), cpu_seconds("self"));
        *cpu_used.lock().unwrap_or_else(|e| e.into_inner()) =
            (cpu_after.0 - cpu_before.0, cpu_after.1 - cpu_before.1);
        shared.stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for t in tasks {
            match t.await {
                Ok(Ok(lat)) => all.extend(lat),
                Ok(Err(e)) => eprintln!("a connection failed: {e}"),
                Err(e) => eprintln!("a connection task failed: {e}"),
            }
        }
        let _ = sampler.await;
        (all, elapsed, measured)
    });
    let mut latencies = latencies;
    latencies.sort_unstable();
    let acked = shared.acked.load(Ordering::Relaxed);
    let failed = shared.failed.load(Ordering::Relaxed);
    let peak_kb = peak_rss
        .load(Ordering::Relaxed)
        .max(rss_kb(pid, "VmHWM:").unwrap_or(0));

    // Every acknowledged event must be stored: ask the server. Then wait for the processor
    // (which yields to the receiver under load) to turn every payload into events.
    let fetch_stats = || {
        rt.block_on(async {
            let mut s = TcpStream::connect(addr).await?;
            s.write_all(
                format!("GET /webhook/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
            let mut out = Vec::new();
            s.read_to_end(&mut out).await?;
            let text = String::from_utf8_lossy(&out);
            let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
            Ok::<_, anyhow::Error>(serde_json::from_str::<serde_json::Value>(&body)?)
        })
    };
    let stats = fetch_stats()?;
    let pending_at_end = stats["store"]["pending_payloads"].as_u64().unwrap_or(0);
    let drain_start = Instant::now();
    let mut drained = fetch_stats()?;
    while drained["store"]["pending_payloads"].as_u64().unwrap_or(0) > 0
        && drain_start.elapsed() < Duration::from_secs(600)
    {
        std::thread::sleep(Duration::from_millis(100));
        drained = fetch_stats()?;
    }
    let drain_seconds = drain_start.elapsed().as_secs_f64();
    let events_stored = drained["store"]["events"].as_u64().unwrap_or(0);
    let cpu = *cpu_used.lock().unwrap_or_else(|e| e.into_inner());
    let stored = stats["store"]["payloads"].as_u64().unwrap_or(0);
    let report = serde_json::json!({
        "mode": match args.rate { Some(r) => format!("open loop, {r} events/s"), None => format!("closed loop, {connections} connections") },
        "connections": connections,
        "seconds": elapsed.as_secs_f64(),
        "events_per_second": (measured as f64 / elapsed.as_secs_f64()).round(),
        "latency_ms": {
            "p50": percentile(&latencies, 0.50),
            "p90": percentile(&latencies, 0.90),
            "p99": percentile(&latencies, 0.99),
            "max": percentile(&latencies, 1.0),
        },
        "acknowledged": acked,
        "failed": failed,
        "stored": stored,
        "processing": {
            "pending_when_load_stopped": pending_at_end,
            "seconds_to_drain": (drain_seconds * 10.0).round() / 10.0,
            "events_stored": events_stored,
        },
        "server_rss_mb": {
            "idle": (idle_kb as f64 / 1024.0 * 10.0).round() / 10.0,
            "peak": (peak_kb as f64 / 1024.0 * 10.0).round() / 10.0,
        },
        "cpu_cores_busy": {
            "server": ((cpu.0 / elapsed.as_secs_f64()) * 100.0).round() / 100.0,
            "load_generator": ((cpu.1 / elapsed.as_secs_f64()) * 100.0).round() / 100.0,
        },
        "body_bytes": args.body_bytes,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    drop(server);
    if args.keep {
        eprintln!("database kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if failed > 0 {
        bail!("{failed} requests were not answered 200");
    }
    if stored < acked {
        bail!("only {stored} of {acked} acknowledged events are stored");
    }
    Ok(())
}
