//! `warren serve`: the real binary on 127.0.0.1 (port 0), spoken to with hyper's HTTP/1.1
//! client: bodies both ways, headers, keep-alive, streaming, routing between handlers,
//! isolation of a handler that spins or exhausts its heap, limits (413, 503), graceful
//! shutdown, a WAT handler, the observability endpoints and the handler web platform.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Request, StatusCode};
use tokio::net::TcpStream;

use crate::warren_command;

/// A running `warren serve`, killed when dropped; its stderr lines arrive on `lines`.
pub(crate) struct Served {
    child: Child,
    pub(crate) addr: SocketAddr,
    lines: mpsc::Receiver<String>,
}

impl Served {
    pub(crate) fn start(dir: &Path, args: &[&str]) -> Served {
        let mut all = args.to_vec();
        if !args.contains(&"--port") {
            all.extend(["--port", "0"]);
        }
        let mut child = warren_command()
            .arg("serve")
            .args(&all)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("warren serve starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut seen = Vec::new();
        let addr = loop {
            match lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("listening on http://") {
                        break rest.trim_end_matches('/').parse().expect("an address");
                    }
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                        && v["type"] == "listening"
                    {
                        break v["addr"].as_str().unwrap().parse().expect("an address");
                    }
                    seen.push(line);
                }
                Err(_) => {
                    let _ = child.kill();
                    let status = child.wait().ok();
                    panic!(
                        "warren serve did not start ({status:?}):\n{}",
                        seen.join("\n")
                    );
                }
            }
        };
        Served { child, addr, lines }
    }

    /// Waits for a stderr line containing `text`; returns every line read meanwhile.
    fn wait_for(&self, text: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    let found = line.contains(text);
                    seen.push(line);
                    if found {
                        return seen;
                    }
                }
                Err(_) => panic!("no line with {text:?} on stderr; saw:\n{}", seen.join("\n")),
            }
        }
    }

    /// The scheduling policy (`/proc`'s number: 0 normal, 5 idle) of each of its threads
    /// named `name`.
    fn thread_policies(&self, name: &str) -> Vec<u32> {
        let tasks = format!("/proc/{}/task", self.child.id());
        let mut policies = Vec::new();
        for task in std::fs::read_dir(&tasks)
            .expect("/proc lists the threads")
            .flatten()
        {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            if comm.trim_end() != name {
                continue;
            }
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
                continue;
            };
            // Fields after the parenthesized name start at the third; policy is the 41st.
            let after = &stat[stat.rfind(')').expect("a stat line") + 1..];
            let policy = after
                .split_whitespace()
                .nth(41 - 3)
                .expect("a policy field");
            policies.push(policy.parse().expect("a number"));
        }
        policies
    }

    /// Every stderr line already read out.
    fn drain(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A runtime whose spawned tasks run while the test thread waits on something else.
fn tokio_background() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio")
}

pub(crate) fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio")
}

/// One HTTP/1.1 connection to the server.
struct Client {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connects");
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .expect("handshake");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Client { sender }
    }

    async fn send(&mut self, req: Request<Full<Bytes>>) -> Answer {
        self.sender.ready().await.expect("connection ready");
        let res = self.sender.send_request(req).await.expect("a response");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .expect("the body")
            .to_bytes();
        Answer {
            status,
            headers,
            body,
        }
    }
}

/// The text of a GET of `path` (host `h`) on a connection of its own.
async fn get(addr: SocketAddr, path: &str) -> String {
    fetch(addr, "GET", "h", path, "").await.text()
}

/// Whether a GET of `path` on a connection of its own ends cut off: before its head, or
/// in its body (never a whole response).
async fn cut_off(addr: SocketAddr, path: &str) -> bool {
    let mut c = Client::connect(addr).await;
    c.sender.ready().await.unwrap();
    match c
        .sender
        .send_request(request("GET", "h", path, Bytes::new()))
        .await
    {
        Err(_) => true,
        Ok(res) => res.into_body().collect().await.is_err(),
    }
}

fn request(method: &str, host: &str, path: &str, body: impl Into<Bytes>) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", host)
        .body(Full::new(body.into()))
        .expect("a request")
}

/// One request on a connection of its own.
pub(crate) async fn fetch(
    addr: SocketAddr,
    method: &str,
    host: &str,
    path: &str,
    body: &str,
) -> Answer {
    let mut c = Client::connect(addr).await;
    c.send(request(method, host, path, body.to_string())).await
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture");
}

const ECHO: &str = r#"
export default {
  async fetch(request, env, ctx) {
    if (request.method === "PUT") {
      // Headers first, the URL after: the request is taken apart in either order.
      const headers = [...request.headers];
      return Response.json([headers, request.url]);
    }
    const url = new URL(request.url);
    if (request.method === "POST") {
      const bytes = await request.bytes();
      let sum = 0;
      for (const b of bytes) sum = (sum + b) % 65521;
      return new Response(bytes, {
        status: 201,
        headers: { "x-length": `${bytes.length}`, "x-sum": `${sum}`, "content-type": "application/octet-stream" },
      });
    }
    return new Response(`hello ${url.pathname}${url.search}`, {
      headers: { "x-seen": request.headers.get("x-test") ?? "none", "x-method": request.method },
    });
  },
};
"#;

#[test]
fn get_and_post_with_bodies_and_headers_on_one_connection() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "echo.mjs", ECHO);
    let s = Served::start(dir.path(), &["echo.mjs"]);
    tokio().block_on(async {
        let mut c = Client::connect(s.addr).await;
        let mut get = request("GET", "localhost", "/a/b?x=1", Bytes::new());
        get.headers_mut().insert("x-test", "yes".parse().unwrap());
        let a = c.send(get).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.text(), "hello /a/b?x=1");
        assert_eq!(a.headers["x-seen"], "yes");
        assert_eq!(a.headers["x-method"], "GET");
        assert_eq!(a.headers["content-type"], "text/plain;charset=UTF-8");
        // The same connection (keep-alive), a binary body both ways.
        let body: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
        let sum = body.iter().fold(0u32, |s, &b| (s + u32::from(b)) % 65521);
        let a = c
            .send(request("POST", "localhost", "/upload", body.clone()))
            .await;
        assert_eq!(a.status, 201);
        assert_eq!(a.headers["x-length"], "200000");
        assert_eq!(a.headers["x-sum"], sum.to_string().as_str());
        assert_eq!(a.body, Bytes::from(body));
        let mut put = request("PUT", "localhost:8000", "/h?q=1", Bytes::new());
        let h = put.headers_mut();
        h.insert("x-colons", "a:b: c".parse().unwrap());
        h.append("x-twice", "1".parse().unwrap());
        h.append("x-twice", "2".parse().unwrap());
        h.insert("x-empty", "".parse().unwrap());
        let a = c.send(put).await;
        assert_eq!(a.status, 200, "{}", a.text());
        let (headers, url): (Vec<(String, String)>, String) =
            serde_json::from_slice(&a.body).unwrap();
        assert_eq!(url, "http://localhost:8000/h?q=1");
        for want in [
            ("host", "localhost:8000"),
            ("x-colons", "a:b: c"),
            ("x-empty", ""),
            ("x-twice", "1, 2"),
        ] {
            assert!(
                headers
                    .iter()
                    .any(|(k, v)| (k.as_str(), v.as_str()) == want),
                "{want:?} in {headers:?}"
            );
        }
        let a = c
            .send(request("GET", "localhost", "/again", Bytes::new()))
            .await;
        assert_eq!(a.text(), "hello /again");
    });
    let log = s.wait_for("GET /again HTTP/1.1\" 200");
    assert!(
        log.iter().any(|l| l.starts_with("127.0.0.1 - - [")
            && l.contains("\"POST /upload HTTP/1.1\" 201 200000")),
        "{log:?}"
    );
}

#[test]
fn streams_a_ten_megabyte_response() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "stream.mjs",
        r#"
export default {
  fetch() {
    let i = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (i === 160) return controller.close();
        controller.enqueue(new Uint8Array(65536).fill(i % 251));
        i++;
      },
    });
    return new Response(body, { headers: { "content-type": "application/octet-stream" } });
  },
};
"#,
    );
    let s = Served::start(dir.path(), &["stream.mjs"]);
    tokio().block_on(async {
        let a = fetch(s.addr, "GET", "localhost", "/", "").await;
        assert_eq!(a.status, 200);
        assert_eq!(a.headers["transfer-encoding"], "chunked");
        assert_eq!(a.body.len(), 160 * 65536);
        for (i, chunk) in a.body.chunks(65536).enumerate() {
            assert!(
                chunk.iter().all(|&b| usize::from(b) == i % 251),
                "chunk {i}"
            );
        }
    });
}

/// A manifest of two handlers (and a plugin one of them calls).
fn two_tenants(dir: &Path) {
    write(
        dir,
        "a.mjs",
        r#"
let served = 0;
export default {
  async fetch(request, env) {
    served++;
    const path = new URL(request.url).pathname;
    if (path === "/spin") for (;;) {}
    if (path === "/burn") { const t = Date.now(); while (Date.now() - t < 100000) {} }
    if (path === "/grow") {
      const keep = [];
      for (;;) keep.push(new Array(100000).fill(served));
    }
    const n = await env.words.count(path);
    return new Response(`a ${path} served=${served} greeting=${env.greeting} words=${n}`);
  },
};
"#,
    );
    write(
        dir,
        "b.mjs",
        r#"export default { fetch(request) { return new Response("b " + new URL(request.url).pathname); } };"#,
    );
    write(
        dir,
        "words.mjs",
        r#"export function count(s) { return s.split("/").filter(Boolean).length; }"#,
    );
    write(
        dir,
        "warren.toml",
        r#"
[[plugins]]
name = "a"
source = "a.mjs"
routes = ["a.test/*", "*/only-a"]
imports = ["words"]
config = { greeting = "hi" }
limits = { timeout = "1s", memory = "32MiB", cpu_limit = "500ms" }

[[plugins]]
name = "b"
source = "b.mjs"
routes = ["*/b/*", "b.test/*"]
instances = 2

[[plugins]]
name = "words"
source = "words.mjs"
"#,
    );
}

#[test]
fn routes_two_tenants_by_host_and_path() {
    let dir = tempfile::tempdir().unwrap();
    two_tenants(dir.path());
    let s = Served::start(dir.path(), &["warren.toml"]);
    tokio().block_on(async {
        let a = fetch(s.addr, "GET", "a.test", "/x/y", "").await;
        assert_eq!(a.text(), "a /x/y served=1 greeting=hi words=2");
        // The port of the Host header does not matter; b's path route is any host's, and
        // a route naming the host wins over one for any host.
        let a = fetch(s.addr, "GET", "a.test:8080", "/b/z", "").await;
        assert!(a.text().starts_with("a /b/z served=2 "), "{}", a.text());
        let a = fetch(s.addr, "GET", "c.test", "/b/z", "").await;
        assert_eq!(a.text(), "b /b/z");
        let a = fetch(s.addr, "GET", "b.test", "/x", "").await;
        assert_eq!(a.text(), "b /x");
        let a = fetch(s.addr, "GET", "other.test", "/only-a", "").await;
        assert!(a.text().starts_with("a /only-a"), "{}", a.text());
        let a = fetch(s.addr, "GET", "other.test", "/x", "").await;
        assert_eq!(a.status, 404);
    });
}

#[test]
fn a_tenant_measures_only_its_own_memory_and_cpu() {
    // process.memoryUsage() and cpuUsage() are the isolate's: another tenant's 96 MiB and
    // its spinning show in neither (process-wide, they would tell one tenant of another).
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "big.mjs",
        r#"const kept = new Uint8Array(96 << 20).fill(1);
export default {
  fetch() {
    const end = Date.now() + 200;
    while (Date.now() < end) {}
    return new Response(`${kept.length} ${process.memoryUsage().rss > 96e6}`);
  },
};"#,
    );
    write(
        dir.path(),
        "small.mjs",
        r#"export default {
  fetch() {
    const { user, system } = process.cpuUsage();
    return new Response(`${process.memoryUsage().rss} ${user + system}`);
  },
};"#,
    );
    write(
        dir.path(),
        "warren.toml",
        r#"[[plugins]]
name = "big"
source = "big.mjs"
routes = ["big.test/*"]
limits = { memory = "256MiB" }

[[plugins]]
name = "small"
source = "small.mjs"
routes = ["small.test/*"]
"#,
    );
    let s = Served::start(dir.path(), &["warren.toml", "--no-access-log"]);
    let rt = tokio();
    for _ in 0..3 {
        let a = rt.block_on(fetch(s.addr, "GET", "big.test", "/", ""));
        assert_eq!(a.text(), "100663296 true");
    }
    let a = rt.block_on(fetch(s.addr, "GET", "small.test", "/", ""));
    let figures: Vec<f64> = a.text().split(' ').map(|n| n.parse().unwrap()).collect();
    assert!(figures[0] > 0.0 && figures[0] < 48e6, "rss {}", a.text());
    // Microseconds: the other tenant spun for 600 ms.
    assert!(figures[1] < 300e3, "cpu {}", a.text());
}

#[test]
fn a_spinning_tenant_costs_only_its_own_requests() {
    let dir = tempfile::tempdir().unwrap();
    two_tenants(dir.path());
    let s = Served::start(
        dir.path(),
        &["warren.toml", "--observability", "--demote-for", "3s"],
    );
    assert_eq!(s.thread_policies("serve-a"), [0]);
    tokio().block_on(async {
        let addr = s.addr;
        let spin = tokio::spawn(async move { fetch(addr, "GET", "a.test", "/spin", "").await });
        let burn = tokio::spawn(async move { fetch(addr, "GET", "a.test", "/burn", "").await });
        // b answers every request while a's isolate spins (until its limits stop it).
        for i in 0..20 {
            let b = fetch(addr, "GET", "b.test", &format!("/{i}"), "").await;
            assert_eq!(b.status, 200);
            assert_eq!(b.text(), format!("b /{i}"));
        }
        let spin = spin.await.unwrap();
        let burn = burn.await.unwrap();
        let mut statuses = [spin.status.as_u16(), burn.status.as_u16()];
        statuses.sort();
        // One hit the CPU limit (503), the other the time limit while it queued behind
        // it or its CPU limit: both are 5xx naming nothing inside.
        for a in [&spin, &burn] {
            assert!(a.status.is_server_error(), "{}", a.status);
            let text = a.text();
            assert!(
                text == "Gateway Timeout\n" || text == "Service Unavailable\n",
                "{text:?}"
            );
        }
        // a's isolate was replaced: a fresh one answers (its module state is new).
        let a = fetch(addr, "GET", "a.test", "/after", "").await;
        assert_eq!(a.status, 200);
        assert!(a.text().starts_with("a /after served=1 "), "{}", a.text());
        let m = fetch(addr, "GET", "x", "/_warren/metrics", "").await.text();
        assert!(
            m.contains("warren_isolate_restarts_total{handler=\"a\"} 2"),
            "{m}"
        );
        assert!(
            m.contains("warren_isolate_restarts_total{handler=\"b\"} 0"),
            "{m}"
        );
        assert!(
            m.contains("warren_requests_total{handler=\"b\",class=\"2xx\"} 20"),
            "{m}"
        );
        assert!(
            m.contains("warren_requests_total{handler=\"b\",class=\"5xx\"} 0"),
            "{m}"
        );
        assert!(
            m.contains("warren_request_duration_seconds_count{handler=\"b\"} 20"),
            "{m}"
        );
        let hits: u64 = ["timeout", "cpu"]
            .iter()
            .map(|k| {
                let key = format!("warren_limit_hits_total{{handler=\"a\",limit=\"{k}\"}} ");
                let line = m
                    .lines()
                    .find(|l| l.starts_with(&key))
                    .expect("a limit line");
                line[key.len()..].parse::<u64>().unwrap()
            })
            .sum();
        assert_eq!(hits, 2, "{m}");
        let h = fetch(addr, "GET", "x", "/_warren/health", "").await;
        assert_eq!((h.status.as_u16(), h.text().as_str()), (200, "ok\n"));
        // a's thread broke its limits: it runs at idle priority (b's at normal) until 3 s
        // pass with no limit broken; then a thread at normal priority takes a's queue.
        assert!(
            m.contains("warren_isolates_demoted{handler=\"a\"} 1"),
            "{m}"
        );
        assert!(
            m.contains("warren_isolates_demoted{handler=\"b\"} 0"),
            "{m}"
        );
        assert_eq!(s.thread_policies("serve-a"), [5]);
        assert_eq!(s.thread_policies("serve-b#1"), [0]);
        let a = fetch(addr, "GET", "a.test", "/still", "").await;
        assert!(a.text().starts_with("a /still served=2 "), "{}", a.text());
        let mut waited = 0;
        loop {
            let m = fetch(addr, "GET", "x", "/_warren/metrics", "").await.text();
            if m.contains("warren_isolates_demoted{handler=\"a\"} 0")
                && s.thread_policies("serve-a") == [0]
            {
                break;
            }
            waited += 1;
            assert!(waited < 100, "a's thread stays demoted: {m}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The new thread made a new isolate.
        let a = fetch(addr, "GET", "a.test", "/later", "").await;
        assert!(a.text().starts_with("a /later served=1 "), "{}", a.text());
        let m = fetch(addr, "GET", "x", "/_warren/metrics", "").await.text();
        assert!(
            m.contains("warren_isolate_restarts_total{handler=\"a\"} 2"),
            "{m}"
        );
    });
    let faults: Vec<String> = s
        .drain()
        .into_iter()
        .filter(|l| l.starts_with("handler \"a\""))
        .collect();
    assert!(
        faults
            .iter()
            .any(|l| l.contains("limit") && l.contains("replaced")),
        "{faults:?}"
    );
}

#[test]
fn a_tenant_that_exhausts_its_heap_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    two_tenants(dir.path());
    let s = Served::start(dir.path(), &["warren.toml", "--json"]);
    tokio().block_on(async {
        let a = fetch(s.addr, "GET", "a.test", "/one", "").await;
        assert!(a.text().starts_with("a /one served=1 "), "{}", a.text());
        let grow = fetch(s.addr, "GET", "a.test", "/grow", "").await;
        assert_eq!(grow.status, 503);
        assert_eq!(grow.text(), "Service Unavailable\n");
        let b = fetch(s.addr, "GET", "b.test", "/fine", "").await;
        assert_eq!(b.text(), "b /fine");
        // A new isolate: the count starts again.
        let a = fetch(s.addr, "GET", "a.test", "/two", "").await;
        assert!(a.text().starts_with("a /two served=1 "), "{}", a.text());
    });
    let lines = s.wait_for("\"/two\"");
    let fault = lines
        .iter()
        .find(|l| l.contains("\"type\":\"fault\""))
        .expect("a fault line");
    let v: serde_json::Value = serde_json::from_str(fault).unwrap();
    assert_eq!(v["handler"], "a");
    assert!(
        v["message"].as_str().unwrap().contains("out of memory"),
        "{fault}"
    );
    let access: serde_json::Value =
        serde_json::from_str(lines.iter().find(|l| l.contains("\"/grow\"")).unwrap()).unwrap();
    assert_eq!(access["status"], 503);
    assert_eq!(access["handler"], "a");
}

#[test]
fn a_body_over_the_limit_gets_413() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "echo.mjs", ECHO);
    let s = Served::start(dir.path(), &["echo.mjs", "--max-body", "1KiB"]);
    tokio().block_on(async {
        let ok = fetch(s.addr, "POST", "h", "/", &"x".repeat(1024)).await;
        assert_eq!(ok.status, 201);
        let big = fetch(s.addr, "POST", "h", "/", &"x".repeat(1025)).await;
        assert_eq!(big.status, 413);
        // Without a Content-Length (chunked), found while reading.
        let mut c = Client::connect(s.addr).await;
        let mut sender = fed_connection(s.addr).await;
        let (tx, req) = fed("/");
        tx.send(Bytes::from(vec![b'y'; 800])).await.unwrap();
        tx.send(Bytes::from(vec![b'y'; 800])).await.unwrap();
        drop(tx);
        let res = sender.send_request(req).await.unwrap();
        assert_eq!(res.status(), 413);
        // The server is fine.
        let a = c.send(request("GET", "h", "/still", Bytes::new())).await;
        assert_eq!(a.text(), "hello /still");
    });
}

/// A body whose chunks the test sends as it goes (chunked: no declared length); it ends
/// when the sender is dropped.
struct Fed(tokio::sync::mpsc::Receiver<Bytes>);

impl hyper::body::Body for Fed {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        self.get_mut()
            .0
            .poll_recv(cx)
            .map(|c| c.map(|c| Ok(hyper::body::Frame::data(c))))
    }
}

/// A connection that sends [`Fed`] bodies.
async fn fed_connection(addr: SocketAddr) -> hyper::client::conn::http1::SendRequest<Fed> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    sender
}

fn fed(path: &str) -> (tokio::sync::mpsc::Sender<Bytes>, Request<Fed>) {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let req = Request::builder()
        .method("POST")
        .uri(path)
        .header("host", "h")
        .body(Fed(rx))
        .unwrap();
    (tx, req)
}

#[test]
fn a_request_body_streams_into_the_handler_as_it_arrives() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "upload.mjs",
        r#"
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/first") {
      // Answered from the first chunk, before the client sends the rest.
      const { value } = await request.body.getReader().read();
      return new Response(`first ${value.length}`);
    }
    if (path === "/echo") return new Response(request.body);
    if (path === "/caught") {
      try {
        await request.text();
        return new Response("read it all");
      } catch (e) {
        return new Response(`caught ${e.name}: ${e.message}`);
      }
    }
    if (path === "/stash") {
      globalThis.stashed = request.body.getReader();
      return new Response("stashed");
    }
    if (path === "/late") {
      // Another request's body, once that request is over, is not this one's.
      const late = await globalThis.stashed.read().then(() => "read", (e) => e.message);
      return new Response(`${late}; own: ${await request.text()}`);
    }
    if (path === "/sum") {
      let n = 0;
      let chunks = 0;
      for await (const chunk of request.body) { n += chunk.length; chunks++; }
      return new Response(`${n} bytes in ${chunks > 1 ? "several chunks" : "one chunk"}`);
    }
    return new Response("?", { status: 404 });
  },
};
"#,
    );
    let s = Served::start(dir.path(), &["upload.mjs", "--max-body", "20MiB"]);
    tokio().block_on(async {
        // Only the first chunk is sent until the answer comes: a server that read the
        // body whole first would never answer.
        let mut c = fed_connection(s.addr).await;
        let (tx, req) = fed("/first");
        tx.send(Bytes::from_static(b"abc")).await.unwrap();
        let res = tokio::time::timeout(Duration::from_secs(20), c.send_request(req))
            .await
            .expect("answered before the body ended")
            .unwrap();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "first 3");
        drop(tx);

        // 10 MB sent in 64 KiB chunks while the handler streams them back.
        let mut c = fed_connection(s.addr).await;
        let (tx, req) = fed("/echo");
        let feeding = tokio::spawn(async move {
            for i in 0..160u32 {
                let chunk = Bytes::from(vec![(i % 251) as u8; 65536]);
                tx.send(chunk).await.unwrap();
            }
        });
        let res = c.send_request(req).await.unwrap();
        assert_eq!(res.status(), 200);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        feeding.await.unwrap();
        assert_eq!(body.len(), 160 * 65536);
        for (i, chunk) in body.chunks(65536).enumerate() {
            assert!(
                chunk.iter().all(|&b| usize::from(b) == i % 251),
                "chunk {i}"
            );
        }

        // A body left unread when its request is over cannot be read by the next request.
        let mut c = fed_connection(s.addr).await;
        let (tx, req) = fed("/stash");
        tx.send(Bytes::from_static(b"secret")).await.unwrap();
        let res = c.send_request(req).await.unwrap();
        assert_eq!(
            res.into_body().collect().await.unwrap().to_bytes(),
            "stashed"
        );
        drop(tx);
        let mut c = fed_connection(s.addr).await;
        let (tx, req) = fed("/late");
        tx.send(Bytes::from_static(b"mine")).await.unwrap();
        drop(tx);
        let res = c.send_request(req).await.unwrap();
        assert_eq!(
            res.into_body().collect().await.unwrap().to_bytes(),
            "the request is over: its body can no longer be read; own: mine"
        );

        // A declared length over 64 KiB streams too.
        let a = fetch(s.addr, "POST", "h", "/sum", &"z".repeat(3 << 20)).await;
        assert_eq!(a.text(), format!("{} bytes in several chunks", 3 << 20));
        // A small one is read whole first, and reads as one chunk.
        let a = fetch(s.addr, "POST", "h", "/sum", "small").await;
        assert_eq!(a.text(), "5 bytes in one chunk");
    });
    drop(s);

    // Past the limit the handler's read fails, and the client gets 413 even from a
    // handler that catches the failure.
    let s = Served::start(dir.path(), &["upload.mjs", "--max-body", "1KiB"]);
    tokio().block_on(async {
        let mut c = fed_connection(s.addr).await;
        let (tx, req) = fed("/caught");
        let feeding = tokio::spawn(async move {
            for _ in 0..4 {
                if tx.send(Bytes::from(vec![b'q'; 400])).await.is_err() {
                    break;
                }
            }
        });
        let res = c.send_request(req).await.unwrap();
        assert_eq!(res.status(), 413);
        let _ = feeding.await;
        // Within the limit, the same handler reads it all.
        let mut c = fed_connection(s.addr).await;
        let (tx, req) = fed("/caught");
        tx.send(Bytes::from(vec![b'q'; 1000])).await.unwrap();
        drop(tx);
        let res = c.send_request(req).await.unwrap();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "read it all");
    });
}

#[test]
fn cpu_limit_covers_a_request_across_its_calls() {
    // A request's cpu_limit is one budget for all of it: what its handler did before a
    // promise settled and after, and each chunk its streamed response was pulled for.
    // The spins are wall-clock, so each part's CPU time is at most its spin: no part
    // alone can break the limit, only the parts together.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "burn.mjs",
        r#"
const spin = (ms) => { const end = Date.now() + ms; while (Date.now() < end) {} };
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/halves") {
      spin(90);
      await new Promise((resolve) => setTimeout(resolve, 1));
      spin(90);
      return new Response("both halves ran");
    }
    if (path === "/stream") {
      let i = 0;
      return new Response(new ReadableStream({
        pull(c) {
          if (i++ === 1000) return c.close();
          spin(10);
          c.enqueue(new Uint8Array(8).fill(i));
        },
      }));
    }
    return new Response("ok");
  },
};
"#,
    );
    // One request at a time (a budget across the request's calls), and with requests in
    // flight at once (the isolate's CPU accounts).
    for concurrency in ["concurrency = 1", ""] {
        write(
            dir.path(),
            "warren.toml",
            &format!(
                r#"
[[plugins]]
name = "burn"
source = "burn.mjs"
routes = ["*/*"]
limits = {{ timeout = "5s", cpu_limit = "100ms" }}
{concurrency}
"#
            ),
        );
        cpu_limit_across_calls(dir.path());
    }
}

fn cpu_limit_across_calls(dir: &Path) {
    let s = Served::start(dir, &["warren.toml"]);
    let over = tokio().block_on(async {
        // 180 ms of spinning in two calls of 90 ms: over the limit whenever the thread had
        // more than 5/9 of a CPU meanwhile (a busy test machine may give it less).
        let mut over = 0;
        for _ in 0..10 {
            let a = fetch(s.addr, "GET", "h", "/halves", "").await;
            if a.status == 503 {
                over += 1;
                break;
            }
            assert_eq!(a.text(), "both halves ran");
        }
        assert_eq!(over, 1, "the two halves are one budget");
        // Up to 10 s of spinning in pulls of 10 ms: cut off by the CPU limit, long before
        // the 5 s timeout. (Cut before its head is written, or after: the isolate may not
        // have yielded to the connection before the limit struck.)
        assert!(cut_off(s.addr, "/stream").await, "the stream was cut off");
        // The isolate was replaced, and answers.
        assert_eq!(fetch(s.addr, "GET", "h", "/", "").await.text(), "ok");
        over + 1
    });
    let seen = s.drain().join("\n");
    assert_eq!(
        seen.matches("CPU time limit of 100ms exceeded").count(),
        over,
        "{seen}"
    );
    assert!(!seen.contains("time limit of 5s"), "{seen}");
}

#[test]
fn a_client_that_sends_its_head_or_body_too_slowly_is_cut_off() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "slow.mjs",
        r#"const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/quick") return new Response("quick");
    if (path === "/stream") {
      let n = 0;
      return new Response(new ReadableStream({
        async pull(controller) {
          await sleep(250);
          n += 1;
          if (n <= 3) controller.enqueue(new TextEncoder().encode(`chunk ${n}\n`));
          else controller.close();
        },
      }));
    }
    await sleep(800);
    return new Response("took its time");
  },
};"#,
    );
    let s = Served::start(dir.path(), &["slow.mjs", "--head-timeout", "300ms"]);
    // Closed means the server's end: a read sees the end of the stream (or a reset).
    let closed_within = |mut c: std::net::TcpStream| {
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut buf = [0u8; 256];
        match c.read(&mut buf) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    };
    // Nothing sent at all.
    let idle = std::net::TcpStream::connect(s.addr).unwrap();
    assert!(closed_within(idle), "an idle connection is closed");
    // A head that never ends (slowloris).
    let mut slow = std::net::TcpStream::connect(s.addr).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n")
        .unwrap();
    assert!(closed_within(slow), "a head that never ends is cut off");
    // A request whose handler takes longer than the head timeout is answered, and the
    // connection then waits for the next head for that long again.
    let mut ok = std::net::TcpStream::connect(s.addr).unwrap();
    ok.write_all(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n").unwrap();
    ok.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.ends_with(b"took its time") {
        let n = ok.read(&mut buf).unwrap();
        assert!(n > 0, "answered: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    assert!(closed_within(ok), "an idle keep-alive connection is closed");
    // A response that streams for longer than the head timeout is not cut off, and the
    // wait for the next head begins at its end.
    let mut streamed = std::net::TcpStream::connect(s.addr).unwrap();
    streamed
        .write_all(b"GET /stream HTTP/1.1\r\nHost: h\r\n\r\n")
        .unwrap();
    streamed
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut got = Vec::new();
    while !got.ends_with(b"0\r\n\r\n") {
        let n = streamed.read(&mut buf).unwrap();
        assert!(n > 0, "streamed whole: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.contains("chunk 1") && text.contains("chunk 3"),
        "{text}"
    );
    assert!(
        closed_within(streamed),
        "closed after the stream, once idle"
    );
    // Requests that keep coming on one connection keep it open past the head timeout:
    // each wait is counted from the response before it.
    let mut busy = std::net::TcpStream::connect(s.addr).unwrap();
    busy.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    for i in 0..5 {
        busy.write_all(b"GET /quick HTTP/1.1\r\nHost: h\r\n\r\n")
            .unwrap();
        let mut got = Vec::new();
        while !got.ends_with(b"quick") {
            let n = busy.read(&mut buf).unwrap();
            assert!(
                n > 0,
                "request {i} answered: {}",
                String::from_utf8_lossy(&got)
            );
            got.extend_from_slice(&buf[..n]);
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    drop(s);
    // A body read whole before the handler is called must arrive within the handler's
    // timeout: 408 past it.
    let s = Served::start(dir.path(), &["slow.mjs", "--timeout", "400ms"]);
    let mut trickle = std::net::TcpStream::connect(s.addr).unwrap();
    trickle
        .write_all(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
        .unwrap();
    trickle
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = trickle.read(&mut buf).unwrap();
    let got = String::from_utf8_lossy(&buf[..n]);
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
}

#[test]
fn sigterm_finishes_the_request_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "slow.mjs",
        r#"
export default {
  async fetch(request) {
    console.error("request started");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return new Response("finished");
  },
};
"#,
    );
    // One request at a time, and (the default) two in flight at once in one isolate.
    for (args, n) in [
        (&["slow.mjs", "--concurrency", "1"][..], 1),
        (&["slow.mjs"][..], 2),
    ] {
        let mut s = Served::start(dir.path(), args);
        let addr = s.addr;
        let rt = tokio_background();
        let pending: Vec<_> = (0..n)
            .map(|_| rt.spawn(async move { fetch(addr, "GET", "h", "/", "").await }))
            .collect();
        for _ in 0..n {
            s.wait_for("request started");
        }
        // SAFETY: kill(2) on the child we spawned, by its pid; no memory is involved.
        let rc = unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
        assert_eq!(rc, 0);
        for p in pending {
            let a = rt.block_on(p).unwrap();
            assert_eq!(a.status, 200);
            assert_eq!(a.text(), "finished");
        }
        let status = s.child.wait().unwrap();
        assert_eq!(status.code(), Some(0));
        // Nothing listens any more.
        assert!(std::net::TcpStream::connect(addr).is_err());
    }
}

#[test]
fn a_wat_handler_answers_a_request() {
    let dir = tempfile::tempdir().unwrap();
    // fetch(ptr, len) answers {"status":200,"body":INPUT}: the request's own JSON, sent
    // back as the body's JSON text.
    write(
        dir.path(),
        "echo.wat",
        r#"(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (func $alloc (export "alloc") (param $len i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (global.get $next) (local.get $len)))
    (local.get $p))
  (data (i32.const 0) "{\"status\":202,\"body\":")
  (func (export "fetch") (param $ptr i32) (param $len i32) (result i64)
    (local $out i32)
    (local.set $out (call $alloc (i32.add (local.get $len) (i32.const 22))))
    (memory.copy (local.get $out) (i32.const 0) (i32.const 21))
    (memory.copy (i32.add (local.get $out) (i32.const 21)) (local.get $ptr) (local.get $len))
    (i32.store8 (i32.add (local.get $out) (i32.add (local.get $len) (i32.const 21))) (i32.const 125))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (i32.add (local.get $len) (i32.const 22))))))
"#,
    );
    let s = Served::start(dir.path(), &["echo.wat"]);
    tokio().block_on(async {
        let a = fetch(s.addr, "POST", "wat.test", "/w?q=1", "hi there").await;
        assert_eq!(a.status, 202);
        let v: serde_json::Value = serde_json::from_slice(&a.body).expect("JSON");
        assert_eq!(v["method"], "POST");
        assert_eq!(v["url"], "http://wat.test/w?q=1");
        assert_eq!(v["body"], "hi there");
        assert!(
            v["headers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h[0] == "host" && h[1] == "wat.test"),
            "{v}"
        );
    });
}

#[test]
fn a_wat_handler_sends_header_values_as_utf8() {
    // fetch answers with the JSON in its data segment, whatever the request.
    let answer = r#"{"status":200,"headers":[["x-name","café"]],"body":"ok"}"#;
    let wat = format!(
        r#"(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 4096))
  (data (i32.const 0) "{}")
  (func (export "fetch") (param i32 i32) (result i64) (i64.const {})))
"#,
        answer.replace('"', "\\\""),
        answer.len()
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "named.wat", &wat);
    let s = Served::start(dir.path(), &["named.wat"]);
    tokio().block_on(async {
        let a = fetch(s.addr, "GET", "h", "/", "").await;
        assert_eq!((a.status.as_u16(), a.text()), (200, "ok".to_string()));
        assert_eq!(a.headers["x-name"].as_bytes(), "café".as_bytes());
    });
}

#[test]
fn a_single_handler_broken_limit_leaves_its_thread_at_normal_priority() {
    // A single handler's isolate thread serves the connections too: demoting it would
    // slow every request, so it keeps its priority.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "spin.mjs",
        r#"export default { fetch(request) { if (new URL(request.url).pathname === "/spin") for (;;) {} return new Response("ok"); } };"#,
    );
    let s = Served::start(
        dir.path(),
        &[
            "spin.mjs",
            "--cpu-limit",
            "50ms",
            "--observability",
            "--no-access-log",
        ],
    );
    tokio().block_on(async {
        let a = fetch(s.addr, "GET", "x", "/spin", "").await;
        assert_eq!(a.status, 503);
        let a = fetch(s.addr, "GET", "x", "/", "").await;
        assert_eq!(a.text(), "ok");
        let m = fetch(s.addr, "GET", "x", "/_warren/metrics", "")
            .await
            .text();
        assert!(
            m.contains("warren_limit_hits_total{handler=\"spin\",limit=\"cpu\"} 1"),
            "{m}"
        );
        assert!(
            m.contains("warren_isolates_demoted{handler=\"spin\"} 0"),
            "{m}"
        );
    });
    assert_eq!(s.thread_policies("serve-spin"), [0]);
    // --no-access-log keeps the fault's line and drops the requests' lines.
    let mut lines = s.wait_for("replaced");
    std::thread::sleep(Duration::from_millis(300));
    lines.extend(s.drain());
    assert!(
        lines.iter().any(|l| l.contains("CPU time limit")),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.contains("\"GET ")), "{lines:?}");
}

#[test]
fn a_full_queue_answers_503_at_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "slow.mjs",
        r#"
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/slow") {
      console.error("slow started");
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    return new Response("done");
  },
};
"#,
    );
    // The queue is of requests waiting for a free place in an isolate: behind one request
    // in flight with one at a time, behind two with two.
    for concurrency in [1, 2] {
        full_queue(dir.path(), concurrency);
    }
}

fn full_queue(dir: &Path, concurrency: usize) {
    let n = concurrency.to_string();
    let s = Served::start(
        dir,
        &[
            "slow.mjs",
            "--max-queue",
            "1",
            "--observability",
            "--concurrency",
            &n,
        ],
    );
    let rt = tokio_background();
    let addr = s.addr;
    let slow: Vec<_> = (0..concurrency)
        .map(|_| {
            let slow = rt.spawn(async move { fetch(addr, "GET", "h", "/slow", "").await });
            s.wait_for("slow started");
            slow
        })
        .collect();
    let queued = rt.spawn(async move { fetch(addr, "GET", "h", "/", "").await });
    let answers = rt.block_on(async {
        // Once the next one waits in the queue (it holds one), the rest are refused.
        loop {
            let m = fetch(addr, "GET", "h", "/_warren/metrics", "").await.text();
            if m.contains("warren_queue_length{handler=\"slow\"} 1") {
                let in_flight =
                    format!("warren_requests_in_flight{{handler=\"slow\"}} {concurrency}\n");
                assert!(m.contains(&in_flight), "{m}");
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut out = Vec::new();
        for _ in 0..5 {
            out.push(fetch(addr, "GET", "h", "/", "").await.status.as_u16());
        }
        out
    });
    assert_eq!(answers, [503; 5], "with concurrency {concurrency}");
    assert_eq!(rt.block_on(queued).unwrap().text(), "done");
    for slow in slow {
        assert_eq!(rt.block_on(slow).unwrap().text(), "done");
    }
    let none = "warren_requests_in_flight{handler=\"slow\"} 0\n";
    let m = rt.block_on(async {
        let mut m = String::new();
        for _ in 0..200 {
            m = fetch(addr, "GET", "h", "/_warren/metrics", "").await.text();
            if m.contains(none) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        m
    });
    assert!(m.contains(none), "{m}");
}

#[test]
fn handlers_get_the_web_platform() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "web.mjs",
        r#"
let after = "not yet";
let aborted = false;
let lateDone = false;
let hung = "not yet";
export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === "/wait") {
      ctx.waitUntil(new Promise((resolve) => setTimeout(() => { after = "settled"; resolve(); }, 50)));
      return new Response("soon");
    }
    if (path === "/nested") {
      // waitUntil from work that waitUntil was given: settled before the next request too.
      after = "not yet";
      ctx.waitUntil(new Promise((outer) => setTimeout(() => {
        ctx.waitUntil(new Promise((resolve) => setTimeout(() => { after = "nested settled"; resolve(); }, 50)));
        outer();
      }, 10)));
      return new Response("soon");
    }
    if (path === "/after") return new Response(after);
    if (path === "/late") {
      // A waitUntil after the request is over, from a timer: not one for the next
      // request's settle to wait for.
      setTimeout(() => ctx.waitUntil(new Promise((resolve) => setTimeout(() => { lateDone = true; resolve(); }, 200))), 20);
      return new Response("late");
    }
    if (path === "/later") {
      // The isolate's timers run while a request waits: the late waitUntil is made now.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return new Response("later");
    }
    if (path === "/late-done") return new Response(String(lateDone));
    if (path === "/endless") {
      request.signal.addEventListener("abort", () => { aborted = true; });
      return new Response(new ReadableStream({
        pull(c) { c.enqueue(new Uint8Array(16384)); },
      }));
    }
    if (path === "/aborted") return new Response(String(aborted));
    if (path === "/hang") {
      // Waits for its client to go away (or 10 s): request.signal tells it.
      hung = await new Promise((resolve) => {
        request.signal.addEventListener("abort", () => resolve("aborted"));
        setTimeout(() => resolve("waited 10 s"), 10000);
      });
      return new Response("nobody reads this");
    }
    if (path === "/hung") return new Response(hung);
    if (path === "/abort-timeout") {
      // AbortSignal.timeout's timer is unref()ed: it keeps nothing alive by itself, but
      // a request waiting on it does.
      const signal = AbortSignal.timeout(20);
      const reason = await new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason.name)));
      return new Response(reason);
    }
    if (path === "/broken-stream") {
      // Chunks faster than the connection takes them, then an error: the client must
      // see the body cut off, not a shorter one that looks whole.
      let i = 0;
      return new Response(new ReadableStream({
        pull(c) {
          if (i++ === 8) return c.error(new Error("broke"));
          c.enqueue(new Uint8Array(1024).fill(i));
        },
      }));
    }
    if (path === "/transform") {
      // The Workers idiom: write into a TransformStream's writable after the response,
      // whose body is its readable; the upload is decoded through a pipeline.
      const { readable, writable } = new TransformStream();
      const writer = writable.getWriter();
      const encoder = new TextEncoder();
      ctx.waitUntil((async () => {
        let text = "";
        for await (const part of request.body.pipeThrough(new TextDecoderStream())) text += part;
        for (const word of text.split(" ")) await writer.write(encoder.encode(`<${word}>`));
        await writer.close();
      })());
      return new Response(readable.pipeThrough(new TransformStream({
        transform(chunk, c) { c.enqueue(chunk); },
        flush(c) { c.enqueue(encoder.encode("!")); },
      })));
    }
    if (path === "/echo-stream") {
      // The request body as a stream, through a reader.
      const reader = request.body.getReader();
      let n = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        n += value.length;
      }
      return Response.json({ n, used: request.bodyUsed });
    }
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc")));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    const uuid = crypto.randomUUID();
    const [x, y] = new Response("tee").body.tee();
    const text = await new Response(x).text() + await new Response(y).text();
    return Response.json({ hex, uuidOk: /^[0-9a-f-]{36}$/.test(uuid), text, signal: request.signal instanceof AbortSignal });
  },
};
"#,
    );
    let s = Served::start(dir.path(), &["web.mjs"]);
    tokio().block_on(async {
        let a = fetch(s.addr, "GET", "h", "/", "").await;
        assert_eq!(a.headers["content-type"], "application/json");
        let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(
            v["hex"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(v["uuidOk"], true);
        assert_eq!(v["text"], "teetee");
        assert_eq!(v["signal"], true);
        let a = fetch(s.addr, "POST", "h", "/echo-stream", &"z".repeat(5000)).await;
        let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(
            (v["n"].as_u64(), v["used"].as_bool()),
            (Some(5000), Some(true))
        );
        let a = fetch(s.addr, "POST", "h", "/transform", "caf\u{e9} au lait").await;
        assert_eq!(a.text(), "<caf\u{e9}><au><lait>!");
        for _ in 0..3 {
            assert!(
                cut_off(s.addr, "/broken-stream").await,
                "a stream that failed must not end as if whole"
            );
        }
        // ctx.waitUntil's work goes on after the response (beside the next requests, with
        // the default concurrency), and waitUntil from that work too.
        assert_eq!(get(s.addr, "/wait").await, "soon");
        assert_eq!(eventually(s.addr, "/after", "settled").await, "settled");
        assert_eq!(get(s.addr, "/nested").await, "soon");
        let nested = eventually(s.addr, "/after", "nested settled").await;
        assert_eq!(nested, "nested settled");
        // A client that goes away mid-stream aborts request.signal.
        {
            let stream = TcpStream::connect(s.addr).await.unwrap();
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .unwrap();
            let conn = tokio::spawn(conn);
            let res = sender
                .send_request(request("GET", "h", "/endless", Bytes::new()))
                .await
                .unwrap();
            let mut body = res.into_body();
            let frame = body.frame().await.unwrap().unwrap();
            assert!(!frame.into_data().unwrap().is_empty());
            drop(body);
            drop(sender);
            conn.abort();
        }
        // A client that goes away while the handler awaits its response aborts
        // request.signal too.
        {
            use tokio::io::AsyncWriteExt;
            let mut c = TcpStream::connect(s.addr).await.unwrap();
            c.write_all(b"GET /hang HTTP/1.1\r\nHost: h\r\n\r\n")
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            drop(c);
            assert_eq!(eventually(s.addr, "/hung", "aborted").await, "aborted");
        }
        assert_eq!(eventually(s.addr, "/aborted", "true").await, "true");
    });
    drop(s);

    // One request at a time, the next request waits for the one before's waitUntil.
    let s = Served::start(dir.path(), &["web.mjs", "--concurrency", "1"]);
    tokio().block_on(async {
        assert_eq!(get(s.addr, "/wait").await, "soon");
        assert_eq!(get(s.addr, "/after").await, "settled");
        assert_eq!(get(s.addr, "/nested").await, "soon");
        assert_eq!(get(s.addr, "/after").await, "nested settled");
        assert_eq!(get(s.addr, "/late").await, "late");
        assert_eq!(get(s.addr, "/later").await, "later");
        // "/later" did not wait for it after its response (a request that answers at
        // once runs no timers, so it has not run since either).
        assert_eq!(get(s.addr, "/late-done").await, "false");
    });
    // Each on a fresh isolate, where no other timer keeps its loop turning.
    for concurrency in ["1", "64"] {
        let s = Served::start(dir.path(), &["web.mjs", "--concurrency", concurrency]);
        tokio().block_on(abort_timeout_fires(s.addr));
    }
}

/// A request that waits for `AbortSignal.timeout(20)` is answered when it fires, not at
/// the handler's 10 s limit (504): its unref()ed timer runs while the request waits.
async fn abort_timeout_fires(addr: SocketAddr) {
    let asked = std::time::Instant::now();
    let a = fetch(addr, "GET", "h", "/abort-timeout", "").await;
    assert_eq!((a.status.as_u16(), a.text()), (200, "TimeoutError".into()));
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "answered only after {:?}",
        asked.elapsed()
    );
}

/// What the server writes back to `request`, sent as it is on a connection of its own
/// (the request should say `Connection: close`).
async fn raw(addr: SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut out))
        .await
        .expect("the server closes the connection")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

/// `path`'s body once it is `want`, or the last one after 5 s.
async fn eventually(addr: SocketAddr, path: &str, want: &str) -> String {
    let mut seen = String::new();
    for _ in 0..200 {
        seen = get(addr, path).await;
        if seen == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    seen
}

#[test]
fn observability_is_off_unless_enabled_and_bad_handlers_do_not_load() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "echo.mjs", ECHO);
    let s = Served::start(dir.path(), &["echo.mjs"]);
    tokio().block_on(async {
        let a = fetch(s.addr, "GET", "h", "/_warren/metrics", "").await;
        assert_eq!(a.text(), "hello /_warren/metrics");
    });
    // A module without `export default { fetch }`: exit 2, naming the handler.
    write(dir.path(), "bad.mjs", "export const x = 1;");
    let err = fails_to_load(dir.path(), "bad.mjs");
    // The file with no made-up line: where the JS error is, its stack says.
    assert!(
        err.starts_with("bad.mjs: error: handler \"bad\" does not load"),
        "{err}"
    );
    assert!(err.contains("export default { fetch"), "{err}");
    write(
        dir.path(),
        "syntax.mjs",
        "export default {\n  fetch() { return 1 +; },\n};\n",
    );
    let err = fails_to_load(dir.path(), "syntax.mjs");
    assert!(err.starts_with("syntax.mjs: error: handler"), "{err}");
    assert!(err.contains("syntax.mjs:2:23"), "{err}");
    // A manifest route that is not one, located.
    write(
        dir.path(),
        "warren.toml",
        "[[plugins]]\nname = \"e\"\nsource = \"echo.mjs\"\nroutes = [\"nohost\"]\n",
    );
    let err = fails_to_load(dir.path(), "warren.toml");
    assert!(
        err.contains("warren.toml:4:11: error: route \"nohost\""),
        "{err}"
    );
}

/// `warren serve FILE` in `dir`, which must exit 2 (it could not load); its stderr.
fn fails_to_load(dir: &Path, file: &str) -> String {
    let out = warren_command()
        .args(["serve", file, "--port", "0"])
        .current_dir(dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    err
}

#[test]
fn v8_flags_reach_the_engine_before_the_handler_loads() {
    // `%IsSmi` parses only with --allow-natives-syntax: V8 must be started with the flag
    // before the handler's module is compiled.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "natives.mjs",
        "export default { fetch() { return new Response(String(%IsSmi(1))); } };",
    );
    let err = fails_to_load(dir.path(), "natives.mjs");
    assert!(err.contains("handler \"natives\" does not load"), "{err}");
    let s = Served::start(
        dir.path(),
        &["natives.mjs", "--v8-flags=--allow-natives-syntax"],
    );
    tokio().block_on(async {
        let a = fetch(s.addr, "GET", "h", "/", "").await;
        assert_eq!(a.text(), "true");
    });
}

#[test]
fn reuse_port_lets_two_servers_share_a_port() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "echo.mjs", ECHO);
    let first = Served::start(dir.path(), &["echo.mjs", "--reuse-port"]);
    let port = first.addr.port().to_string();
    let second = Served::start(dir.path(), &["echo.mjs", "--reuse-port", "--port", &port]);
    assert_eq!(first.addr, second.addr);
    tokio().block_on(async {
        for i in 0..10 {
            let a = fetch(first.addr, "GET", "h", &format!("/{i}"), "").await;
            assert_eq!(a.text(), format!("hello /{i}"));
        }
    });
    // Without it, the port is taken: exit 1, naming the address.
    let out = warren_command()
        .args(["serve", "echo.mjs", "--port", &port])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot listen on 127.0.0.1:"), "{err}");
}

#[test]
fn a_handler_reaches_only_what_its_entry_grants() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "peek.mjs",
        r#"
export default {
  async fetch() {
    const tries = {};
    try { await fetch("file:///etc/passwd"); tries.file = "read"; } catch (e) { tries.file = e.name; }
    try { tries.env = String(process.env.HOME); } catch (e) { tries.env = e.name; }
    try { await import("host:env"); tries.hostEnv = "imported"; } catch (e) { tries.hostEnv = "refused"; }
    return Response.json(tries);
  },
};
"#,
    );
    let s = Served::start(dir.path(), &["peek.mjs"]);
    tokio().block_on(async {
        let a = fetch(s.addr, "GET", "h", "/", "").await;
        let v: serde_json::Value =
            serde_json::from_slice(&a.body).unwrap_or_else(|_| panic!("{}", a.text()));
        assert_eq!(v["file"], "PermissionDenied", "{v}");
        assert_eq!(v["hostEnv"], "refused", "{v}");
        assert_ne!(
            v["env"].as_str(),
            std::env::var("HOME").ok().as_deref(),
            "{v}"
        );
    });
}

#[test]
fn request_urls_are_as_the_url_parser_writes_them() {
    // The server hands a handler its URL unparsed when it judges it canonical; every URL
    // here must be what `new URL()` makes of it, whichever way it was judged.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "url.mjs",
        r#"export default { fetch(request) { return Response.json([request.url, new URL(request.url).href]); } };"#,
    );
    let s = Served::start(dir.path(), &["url.mjs"]);
    let cases = [
        (
            "localhost:8000",
            "/a/b?x=1",
            "http://localhost:8000/a/b?x=1",
        ),
        ("127.0.0.1:9", "/", "http://127.0.0.1:9/"),
        ("EXAMPLE.com", "/", "http://example.com/"),
        ("example.com:80", "/x", "http://example.com/x"),
        ("example.com:0080", "/x", "http://example.com/x"),
        ("0x7f.1", "/", "http://127.0.0.1/"),
        ("1.2.3", "/", "http://1.2.0.3/"),
        ("010.0.0.1", "/", "http://8.0.0.1/"),
        ("h.", "/", "http://h./"),
        ("h", "/a/./b/../c", "http://h/a/c"),
        ("h", "/a/%2e%2E/c", "http://h/c"),
        ("h", "/a/.", "http://h/a/"),
        ("h", "/q?a='b'&c=/d?e", "http://h/q?a=%27b%27&c=/d?e"),
        ("h", "/a'b", "http://h/a'b"),
        ("h", "/%41%zz", "http://h/%41%zz"),
        ("h:65535", "/", "http://h:65535/"),
        ("h:8080", "/", "http://h:8080/"),
        ("h:", "/", "http://h/"),
        ("h:00", "/", "http://h:0/"),
        ("1.2.3.4", "/", "http://1.2.3.4/"),
        ("1.2.3.4.", "/", "http://1.2.3.4/"),
        ("1.2.3.04", "/", "http://1.2.3.4/"),
        ("1.2.3.255", "/", "http://1.2.3.255/"),
        ("0.0.0.0:1", "/", "http://0.0.0.0:1/"),
        ("a-b.c0", "/", "http://a-b.c0/"),
        ("a.0b", "/", "http://a.0b/"),
        ("a_b", "/p", "http://a_b/p"),
        ("h", "/a%2fb/..x", "http://h/a%2fb/..x"),
    ];
    tokio().block_on(async {
        let mut c = Client::connect(s.addr).await;
        for (host, target, want) in cases {
            let a = c.send(request("GET", host, target, Bytes::new())).await;
            assert_eq!(a.status, 200, "{host} {target}");
            let [url, reparsed]: [String; 2] = serde_json::from_slice(&a.body).unwrap();
            assert_eq!(
                url, reparsed,
                "{host} {target}: not as the parser writes it"
            );
            assert_eq!(url, want, "{host} {target}");
        }
        // An empty Host: the target has no authority, and the server's own address
        // stands in (a path's first segment must not become the host).
        let a = raw(
            s.addr,
            "GET /url/deep?q=1 HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n",
        )
        .await;
        let local = format!("[\"http://{}/url/deep?q=1\"", s.addr);
        assert!(a.starts_with("HTTP/1.1 200 ") && a.contains(&local), "{a}");
        // An absolute-form target's authority is the request's, not Host's.
        let a = raw(
            s.addr,
            "GET http://other.example:81/u HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(a.contains("[\"http://other.example:81/u\""), "{a}");
        // Two Host headers: which authority is meant is unknown (RFC 9112, 3.2).
        let a = raw(
            s.addr,
            "GET /u HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(a.starts_with("HTTP/1.1 400 "), "{a}");
        // A URL the parser refuses is the client's error, answered without the handler.
        for host in ["exa mple", "h:99999", "h:65536", "1.2.3.256", "[::1"] {
            let a = c.send(request("GET", host, "/", Bytes::new())).await;
            assert_eq!(
                (a.status.as_u16(), a.text()),
                (400, "Bad Request\n".to_string()),
                "{host}"
            );
        }
    });
}

#[test]
fn a_handler_that_fails_gets_its_client_a_500_and_keeps_its_isolate() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.mjs",
        r#"
let served = 0;
export default {
  async fetch(request) {
    served += 1;
    const path = new URL(request.url).pathname;
    if (path === "/throw") throw new Error("thrown on purpose");
    if (path === "/reject") return Promise.reject(new Error("rejected on purpose"));
    if (path === "/number") return 42;
    if (path === "/header") return new Response("x", { headers: { "bad header": "v" } });
    if (path === "/error") return Response.error();
    if (path === "/consumed") {
      // Nothing is left of its body to send.
      const r = new Response("secret");
      await r.text();
      return r;
    }
    if (path === "/sync") return new Response(`served ${served}`);
    return new Response(`served ${served}`, { status: 201, headers: [["x-a", "1"], ["x-a", "2"]] });
  },
};
"#,
    );
    let s = Served::start(dir.path(), &["bad.mjs"]);
    tokio().block_on(async {
        let mut c = Client::connect(s.addr).await;
        for path in [
            "/throw",
            "/reject",
            "/number",
            "/header",
            "/error",
            "/consumed",
        ] {
            let a = c.send(request("GET", "h", path, Bytes::new())).await;
            assert_eq!(a.status, 500, "{path}");
            assert_eq!(
                a.text(),
                "Internal Server Error\n",
                "{path}: names no internals"
            );
        }
        // The same isolate (its count went on) answers the next requests.
        let a = c.send(request("GET", "h", "/ok", Bytes::new())).await;
        assert_eq!((a.status.as_u16(), a.text()), (201, "served 7".to_string()));
        assert_eq!(a.headers["x-a"], "1, 2");
        let a = c.send(request("GET", "h", "/sync", Bytes::new())).await;
        assert_eq!(a.text(), "served 8");
    });
    // Each failure is a fault line naming the handler (the stack follows an Error's).
    let log = s.wait_for("already been read");
    for line in [
        "handler \"bad\": fetch() threw: TypeError: Headers: \"bad header\" is an invalid header name",
        "handler \"bad\": fetch() threw: Error: thrown on purpose",
        "handler \"bad\": fetch() returned a Response whose body was already read: TypeError: Body is unusable: Body has already been read",
        "handler \"bad\": fetch() threw: Error: rejected on purpose",
        "handler \"bad\": fetch() did not return a Response: 42",
        "handler \"bad\": its response has an invalid status",
    ] {
        assert!(log.iter().any(|l| l == line), "{line:?} in {log:?}");
    }
    assert!(log.iter().any(|l| l.contains("at Object.fetch")), "{log:?}");
    drop(s);
    // One request at a time the glue takes another path to the same answer.
    let s = Served::start(dir.path(), &["bad.mjs", "--concurrency", "1"]);
    tokio().block_on(async {
        let mut c = Client::connect(s.addr).await;
        let a = c.send(request("GET", "h", "/consumed", Bytes::new())).await;
        assert_eq!(a.status, 500);
        let a = c.send(request("GET", "h", "/sync", Bytes::new())).await;
        assert_eq!(a.text(), "served 2");
    });
}

#[test]
fn a_declared_length_stands_where_the_server_cannot_know_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "lengths.mjs",
        r#"
const bytes = (text) => new TextEncoder().encode(text);
const stream = (...parts) => new ReadableStream({
  start(c) { for (const p of parts) c.enqueue(bytes(p)); c.close(); },
});
export default {
  fetch(request) {
    const path = new URL(request.url).pathname;
    // A stream whose length the handler knows (a proxied response's, say).
    if (path === "/stream") return new Response(stream("ab", "c"), { headers: { "content-length": "3" } });
    // One that yields more than it declared: cut off, never a longer body.
    if (path === "/liar") return new Response(stream("abcdef"), { headers: { "content-length": "3" } });
    if (path === "/nonsense") return new Response(stream("abc"), { headers: { "content-length": "3x" } });
    // A HEAD answered by hand for a body it does not send.
    if (path === "/head") return new Response(null, { headers: { "content-length": "1234" } });
    // A whole body's own length wins over a wrong declaration.
    if (path === "/wrong") return new Response("four", { headers: { "content-length": "99" } });
    if (path === "/odd") return new Response("odd", { status: 299 });
    return new Response("?", { status: 404 });
  },
};
"#,
    );
    let s = Served::start(dir.path(), &["lengths.mjs"]);
    tokio().block_on(async {
        let mut c = Client::connect(s.addr).await;
        let a = c.send(request("GET", "h", "/stream", Bytes::new())).await;
        assert_eq!(a.text(), "abc");
        assert_eq!(a.headers["content-length"], "3");
        assert!(!a.headers.contains_key("transfer-encoding"));
        let a = c.send(request("GET", "h", "/wrong", Bytes::new())).await;
        assert_eq!(a.text(), "four");
        assert_eq!(a.headers["content-length"], "4");
        let a = c.send(request("GET", "h", "/nonsense", Bytes::new())).await;
        assert_eq!(a.text(), "abc");
        assert_eq!(a.headers["transfer-encoding"], "chunked");
        let a = c.send(request("GET", "h", "/odd", Bytes::new())).await;
        assert_eq!((a.status.as_u16(), a.text().as_str()), (299, "odd"));
        assert!(
            cut_off(s.addr, "/liar").await,
            "a stream longer than declared is cut off"
        );
        let a = raw(
            s.addr,
            "HEAD /head HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(
            a.to_ascii_lowercase()
                .contains("\r\ncontent-length: 1234\r\n"),
            "{a}"
        );
        assert!(a.ends_with("\r\n\r\n"), "no body after the head: {a}");
        let a = raw(
            s.addr,
            "HEAD /stream HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(
            a.to_ascii_lowercase().contains("\r\ncontent-length: 3\r\n"),
            "{a}"
        );
        // GET of the bodiless answer: its declared length is not the body's.
        let a = raw(
            s.addr,
            "GET /head HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(
            a.to_ascii_lowercase().contains("\r\ncontent-length: 0\r\n"),
            "{a}"
        );
        // A status with no registered reason phrase: an empty one, not hyper's "<none>".
        let a = raw(
            s.addr,
            "GET /odd HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(a.starts_with("HTTP/1.1 299 \r\n"), "{a}");
    });
}

#[test]
fn headers_cross_as_byte_strings_and_each_cookie_keeps_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "headers.mjs",
        r#"
export default {
  fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/cookies") {
      const h = new Headers();
      h.append("Set-Cookie", "a=1; Path=/");
      h.append("set-cookie", "b=2, c");
      h.append("x-many", "1");
      h.append("x-many", "2");
      return new Response(JSON.stringify(h.getSetCookie()), { headers: h });
    }
    if (path === "/latin") {
      const v = request.headers.get("x-latin");
      return new Response(String(v.length), { headers: { "x-back": v } });
    }
    if (path === "/invalid") {
      const thrown = [];
      for (const [k, v] of [["bad name", "x"], ["x-crlf", "a\r\nb"], ["x-wide", "\u0100"]]) {
        try { new Headers([[k, v]]); } catch (e) { thrown.push(e instanceof TypeError); }
      }
      const trimmed = new Headers({ "x-t": " \t v \r\n" }).get("x-t");
      return Response.json({ thrown, trimmed });
    }
    return new Response("?", { status: 404 });
  },
};
"#,
    );
    let s = Served::start(dir.path(), &["headers.mjs"]);
    tokio().block_on(async {
        let mut c = Client::connect(s.addr).await;
        let a = c.send(request("GET", "h", "/cookies", Bytes::new())).await;
        assert_eq!(a.text(), r#"["a=1; Path=/","b=2, c"]"#);
        let cookies: Vec<_> = a.headers.get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1; Path=/", "b=2, c"], "one line per cookie");
        assert_eq!(a.headers["x-many"], "1, 2");

        // A byte above 127 is one character to the handler and the same byte back.
        let mut r = request("GET", "h", "/latin", Bytes::new());
        r.headers_mut().insert(
            "x-latin",
            hyper::header::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        );
        let a = c.send(r).await;
        assert_eq!(a.text(), "4");
        assert_eq!(a.headers["x-back"].as_bytes(), b"caf\xe9");

        let a = c.send(request("GET", "h", "/invalid", Bytes::new())).await;
        assert_eq!(a.text(), r#"{"thrown":[true,true,true],"trimmed":"v"}"#);
    });
}

#[test]
fn request_form_data_reads_multipart_and_urlencoded_bodies() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "form.mjs",
        r#"
async function describe(form) {
  const out = [];
  for (const [k, v] of form) {
    out.push(typeof v === "string" ? [k, v] : [k, v.name, v.type, await v.text(), v instanceof File]);
  }
  return out;
}
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/roundtrip") {
      const fd = new FormData();
      fd.append("a", "1");
      fd.append("f", new Blob(["x\r\ny"], { type: "text/plain" }), "n\"q.txt");
      fd.set("a", "2");
      const back = await new Response(fd).formData();
      return Response.json({ back: await describe(back), has: back.has("f"), all: back.getAll("a") });
    }
    try {
      return Response.json(await describe(await request.formData()));
    } catch (e) {
      return new Response(`${e.name}: ${e.message}`, { status: 400 });
    }
  },
};
"#,
    );
    let s = Served::start(dir.path(), &["form.mjs"]);
    let post = |body: &'static [u8], ty: &str| {
        let mut r = request("POST", "h", "/", Bytes::from_static(body));
        r.headers_mut().insert("content-type", ty.parse().unwrap());
        r
    };
    tokio().block_on(async {
        let mut c = Client::connect(s.addr).await;
        // As a browser sends it: a field (UTF-8), and a file whose bytes include CRLF.
        let multipart = b"--XyZ\r\nContent-Disposition: form-data; name=\"greeting\"\r\n\r\nh\xc3\xa9llo\r\n--XyZ\r\nContent-Disposition: form-data; name=\"up\"; filename=\"a b.txt\"\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\r\n--XyZ--\r\n";
        let a = c
            .send(post(multipart, "multipart/form-data; boundary=XyZ"))
            .await;
        assert_eq!(
            a.text(),
            r#"[["greeting","héllo"],["up","a b.txt","text/plain","line1\r\nline2",true]]"#
        );
        let a = c
            .send(post(b"x=1&y=a+b%26c&x=2", "application/x-www-form-urlencoded"))
            .await;
        assert_eq!(a.text(), r#"[["x","1"],["y","a b&c"],["x","2"]]"#);
        // A body that is not form data, and a multipart body cut short, are TypeErrors.
        let a = c.send(post(b"{}", "application/json")).await;
        assert_eq!(a.status, 400);
        assert!(a.text().starts_with("TypeError"), "{}", a.text());
        let a = c
            .send(post(b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end", "multipart/form-data; boundary=XyZ"))
            .await;
        assert_eq!(a.status, 400);
        assert!(a.text().starts_with("TypeError"), "{}", a.text());

        let a = c.send(request("GET", "h", "/roundtrip", Bytes::new())).await;
        assert_eq!(
            a.text(),
            r#"{"back":[["a","2"],["f","n\"q.txt","text/plain","x\r\ny",true]],"has":true,"all":["2"]}"#
        );
    });
}

const FLIGHTS: &str = r#"
let release;
const gate = new Promise((resolve) => { release = resolve; });
let served = 0;
let later = "not yet";
export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    served++;
    if (path === "/wait") {
      console.error("waiting");
      return new Response(`released by ${await gate}`);
    }
    if (path === "/release") {
      release(new URL(request.url).search.slice(1));
      return new Response("released");
    }
    if (path === "/count") return new Response(`${served}`);
    if (path === "/hang") {
      // A timer keeps the event loop alive: only the deadline ends this request.
      const timer = setInterval(() => {}, 50);
      request.signal.addEventListener("abort", () => {
        clearInterval(timer);
        console.error("hang aborted");
      });
      console.error("hanging");
      await new Promise(() => {});
    }
    if (path === "/stall") await new Promise(() => {});
    if (path === "/stream") {
      // Each chunk after a timer: the requests' streams interleave in one isolate.
      const tag = new URL(request.url).search.slice(1);
      let i = 0;
      return new Response(new ReadableStream({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (i === 20) return controller.close();
          controller.enqueue(new TextEncoder().encode(`${tag}${i++},`));
        },
      }));
    }
    if (path === "/later") {
      ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 50)).then(() => { later = "done"; }));
      return new Response("answered");
    }
    if (path === "/later-seen") return new Response(later);
    if (path === "/echo") return new Response(request.body);
    if (path === "/gone") {
      const timer = setInterval(() => {}, 50);
      await new Promise((resolve) => {
        request.signal.addEventListener("abort", resolve);
        console.error("gone waiting");
      });
      clearInterval(timer);
      console.error("gone aborted");
      return new Response("too late");
    }
    if (path === "/spin") {
      // After a timer: the spin is in a turn of the event loop, not in the request's start.
      await new Promise((resolve) => setTimeout(resolve, 1));
      console.error("spinning");
      for (;;) {}
    }
    if (path === "/grow") {
      const kept = [];
      for (;;) kept.push(new Array(1 << 16).fill(path));
    }
    if (path === "/endless") {
      request.signal.addEventListener("abort", () => console.error("endless aborted"));
      return new Response(new ReadableStream({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          controller.enqueue(new Uint8Array(1024));
        },
        cancel() { console.error("endless cancelled"); },
      }));
    }
    if (path === "/broken") {
      let sent = false;
      return new Response(new ReadableStream({
        pull(controller) {
          if (sent) return controller.error(new Error("broken on purpose"));
          sent = true;
          controller.enqueue(new TextEncoder().encode("half"));
        },
      }));
    }
    if (path === "/not-bytes") {
      return new Response(new ReadableStream({ pull(c) { c.enqueue("text"); } }));
    }
    if (path === "/bad") return new Response("x", { headers: { "x-bad": "a\u0100" } });
    if (path === "/throws") throw new Error("on purpose");
    return new Response("?");
  },
};
"#;

#[test]
fn requests_in_flight_at_once_share_one_isolate() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flights.mjs", FLIGHTS);
    let s = Served::start(
        dir.path(),
        &["flights.mjs", "--concurrency", "8", "--timeout", "1500ms"],
    );
    let rt = tokio_background();
    let addr = s.addr;
    // One request waits for a promise a later one settles: with one request at a time
    // the first would hold the isolate until its deadline.
    let waiting = rt.spawn(async move { fetch(addr, "GET", "h", "/wait", "").await });
    s.wait_for("waiting");
    assert_eq!(rt.block_on(get(addr, "/release?b")), "released");
    let waited = rt.block_on(waiting).unwrap();
    assert_eq!(waited.status, 200);
    assert_eq!(waited.text(), "released by b");

    // One past its deadline gets 504 and its signal aborted; the isolate, with its state,
    // goes on serving the others meanwhile and after.
    let hanging = rt.spawn(async move { fetch(addr, "GET", "h", "/hang", "").await });
    s.wait_for("hanging");
    let before: u32 = rt.block_on(get(addr, "/count")).parse().unwrap();
    assert_eq!(rt.block_on(hanging).unwrap().status, 504);
    let seen = s.wait_for("hang aborted").join("\n");
    // Its timer was pending: the log does not blame a promise nothing could settle.
    assert!(seen.contains("ran past its time limit"), "{seen}");
    assert!(!seen.contains("nothing in the isolate"), "{seen}");
    let after: u32 = rt.block_on(get(addr, "/count")).parse().unwrap();
    assert_eq!(
        after,
        before + 1,
        "the same isolate answered after the timeout"
    );

    // Streamed responses of requests in flight together each arrive whole and in order.
    let bodies = rt.block_on(async move {
        let streams: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|tag| tokio::spawn(async move { get(addr, &format!("/stream?{tag}")).await }))
            .collect();
        let mut out = Vec::new();
        for s in streams {
            out.push(s.await.unwrap());
        }
        out
    });
    for (tag, body) in ["a", "b", "c"].iter().zip(&bodies) {
        let want: String = (0..20).map(|i| format!("{tag}{i},")).collect();
        assert_eq!(body, &want);
    }

    // ctx.waitUntil is waited for per request; its client has its answer first.
    assert_eq!(rt.block_on(get(addr, "/later")), "answered");
    let seen = rt.block_on(async move {
        loop {
            let seen = get(addr, "/later-seen").await;
            if seen == "done" {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    assert_eq!(seen, "done");

    // Two uploads stream in at once, each into its own request.
    let echoed = rt.block_on(async move {
        let mut one = fed_connection(addr).await;
        let mut two = fed_connection(addr).await;
        let (tx1, req1) = fed("/echo");
        let (tx2, req2) = fed("/echo");
        let res1 = tokio::spawn(one.send_request(req1));
        let res2 = tokio::spawn(two.send_request(req2));
        for i in 0..5 {
            tx1.send(Bytes::from(format!("one{i} "))).await.unwrap();
            tx2.send(Bytes::from(format!("two{i} "))).await.unwrap();
        }
        drop((tx1, tx2));
        let mut out = Vec::new();
        for res in [res1, res2] {
            let body = res.await.unwrap().unwrap().into_body().collect().await;
            out.push(String::from_utf8(body.unwrap().to_bytes().to_vec()).unwrap());
        }
        out
    });
    assert_eq!(echoed[0], "one0 one1 one2 one3 one4 ");
    assert_eq!(echoed[1], "two0 two1 two2 two3 two4 ");

    // A client that goes away before its response has its request's signal aborted.
    let gone = rt.block_on(async move {
        use tokio::io::AsyncWriteExt;
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"GET /gone HTTP/1.1\r\nHost: h\r\n\r\n")
            .await
            .unwrap();
        c
    });
    s.wait_for("gone waiting");
    rt.block_on(async move { drop(gone) });
    s.wait_for("gone aborted");

    // One that goes away mid-stream has its stream cancelled and its signal aborted; a
    // stream that errors, or yields what is not bytes, is cut off, never ended short.
    rt.block_on(async move {
        let mut c = Client::connect(addr).await;
        c.sender.ready().await.unwrap();
        let res = c
            .sender
            .send_request(request("GET", "h", "/endless", Bytes::new()))
            .await
            .unwrap();
        let mut body = res.into_body();
        let frame = body.frame().await.unwrap().unwrap();
        assert!(!frame.into_data().unwrap().is_empty());
    });
    s.wait_for("endless aborted");
    s.wait_for("endless cancelled");
    assert!(rt.block_on(cut_off(addr, "/broken")));
    assert!(rt.block_on(cut_off(addr, "/not-bytes")));
    s.wait_for("must yield Uint8Array chunks");

    // The handler's own failures answer 500 and keep the isolate. A request that waits
    // for a promise nothing in flight settles waits for its deadline: a later request
    // could still settle it (as "/release" did "/wait").
    assert_eq!(rt.block_on(fetch(addr, "GET", "h", "/bad", "")).status, 500);
    assert_eq!(
        rt.block_on(fetch(addr, "GET", "h", "/throws", "")).status,
        500
    );
    assert_eq!(
        rt.block_on(fetch(addr, "GET", "h", "/stall", "")).status,
        504
    );
    // The log says why it is likely to have hung.
    let seen = s.wait_for("ran past its time limit");
    let line = seen.last().unwrap();
    assert!(
        line.contains("waiting for a promise nothing in the isolate was left to settle"),
        "{line}"
    );
    let now: u32 = rt.block_on(get(addr, "/count")).parse().unwrap();
    assert!(now > after, "{now} after {after}: the isolate was kept");
}

#[test]
fn a_request_that_spins_fails_the_requests_in_flight_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flights.mjs", FLIGHTS);
    let s = Served::start(
        dir.path(),
        &[
            "flights.mjs",
            "--concurrency",
            "4",
            "--cpu-limit",
            "500ms",
            "--timeout",
            "20s",
            "--max-memory",
            "32MiB",
        ],
    );
    let rt = tokio_background();
    let addr = s.addr;
    let waiting = rt.spawn(async move { fetch(addr, "GET", "h", "/wait", "").await });
    s.wait_for("waiting");
    let spun = rt.block_on(fetch(addr, "GET", "h", "/spin", ""));
    assert_eq!(spun.status, 503);
    assert_eq!(spun.text(), "Service Unavailable\n");
    // Its isolate is replaced: the request waiting in it is refused, and a new isolate
    // (its count from zero) answers the next.
    assert_eq!(rt.block_on(waiting).unwrap().status, 503);
    s.wait_for("CPU time limit");
    assert_eq!(rt.block_on(get(addr, "/count")), "1");
    // One that runs out of memory at its start does the same to the one beside it.
    let waiting = rt.spawn(async move { fetch(addr, "GET", "h", "/wait", "").await });
    s.wait_for("waiting");
    assert_eq!(
        rt.block_on(fetch(addr, "GET", "h", "/grow", "")).status,
        503
    );
    assert_eq!(rt.block_on(waiting).unwrap().status, 503);
    s.wait_for("out of memory");
    assert_eq!(rt.block_on(get(addr, "/count")), "1");
}

/// A handler that does not return a promise, served with `concurrency`: a request
/// answered in its start is answered on its connection's task, and what is left of one
/// (a stream, `ctx.waitUntil`) or a failure goes on in the isolate's loop.
const AT_ONCE: &str = r#"
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let served = 0;
let flag = "unset";
export default {
  fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    served++;
    if (path === "/count") return new Response(`${served}`);
    if (path === "/throws") throw new Error("on purpose");
    if (path === "/not-a-response") return "text";
    if (path === "/wait-until") {
      ctx.waitUntil(sleep(100).then(() => { flag = "set by waitUntil"; }));
      return new Response("answered first");
    }
    if (path === "/flag") return new Response(flag);
    if (path === "/stream") {
      let n = 0;
      return new Response(new ReadableStream({
        async pull(controller) {
          await sleep(30);
          n += 1;
          if (n <= 3) controller.enqueue(new TextEncoder().encode(`${n};`));
          else controller.close();
        },
      }));
    }
    if (path === "/grow") {
      const kept = [];
      for (;;) kept.push(new Array(1 << 16).fill(path));
    }
    return new Response("at once");
  },
};
"#;

#[test]
fn requests_answered_in_their_start_skip_the_queue_with_concurrency() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "at_once.mjs", AT_ONCE);
    let s = Served::start(
        dir.path(),
        &["at_once.mjs", "--concurrency", "8", "--max-memory", "64MiB"],
    );
    let addr = s.addr;
    let rt = tokio();
    assert_eq!(rt.block_on(get(addr, "/")), "at once");
    assert_eq!(rt.block_on(get(addr, "/count")), "2");
    // A failure in the start is the handler's own: 500, and the isolate goes on.
    assert_eq!(
        rt.block_on(fetch(addr, "GET", "h", "/throws", "")).status,
        500
    );
    assert_eq!(
        rt.block_on(fetch(addr, "GET", "h", "/not-a-response", ""))
            .status,
        500
    );
    assert_eq!(rt.block_on(get(addr, "/count")), "5");
    // What ctx.waitUntil was given is waited for after the response.
    assert_eq!(rt.block_on(get(addr, "/wait-until")), "answered first");
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(rt.block_on(get(addr, "/flag")), "set by waitUntil");
    // A stream goes on in the loop, and requests answered at once meanwhile are queued.
    let streamed = rt.spawn(async move { fetch(addr, "GET", "h", "/stream", "").await });
    for _ in 0..5 {
        assert_eq!(rt.block_on(get(addr, "/")), "at once");
    }
    assert_eq!(rt.block_on(streamed).unwrap().text(), "1;2;3;");
    // A start that breaks the memory cap: 503, and a new isolate serves the next.
    assert_eq!(
        rt.block_on(fetch(addr, "GET", "h", "/grow", "")).status,
        503
    );
    assert_eq!(rt.block_on(get(addr, "/count")), "1");
    assert_eq!(rt.block_on(get(addr, "/flag")), "unset");
}

#[test]
fn concurrency_is_for_js_handlers_with_routes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h.wat", r#"(module)"#);
    let out = warren_command()
        .args(["serve", "h.wat", "--concurrency", "2", "--port", "0"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--concurrency applies to JS handlers"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    write(
        dir.path(),
        "a.mjs",
        "export default { fetch() { return new Response('a'); } };",
    );
    write(
        dir.path(),
        "warren.toml",
        r#"
[[plugins]]
name = "wat"
source = "h.wat"
routes = ["*/*"]
concurrency = 2

[[plugins]]
name = "lib"
source = "a.mjs"
concurrency = 2
"#,
    );
    let err = fails_to_load(dir.path(), "warren.toml");
    assert!(err.contains("concurrency applies to JS handlers"), "{err}");
    assert!(
        err.contains("concurrency applies to HTTP handlers"),
        "{err}"
    );
}

#[test]
fn several_isolates_share_a_queue_with_requests_in_flight_in_each() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flights.mjs", FLIGHTS);
    let s = Served::start(
        dir.path(),
        &["flights.mjs", "--instances", "2", "--concurrency", "3"],
    );
    let addr = s.addr;
    // Twelve streams at once: each isolate takes some (at most three at a time), and each
    // body arrives whole.
    let bodies = tokio_background().block_on(async move {
        let streams: Vec<_> = (0..12)
            .map(|i| tokio::spawn(async move { (i, get(addr, &format!("/stream?t{i}-")).await) }))
            .collect();
        let mut out = Vec::new();
        for s in streams {
            out.push(s.await.unwrap());
        }
        out
    });
    for (i, body) in bodies {
        let want: String = (0..20).map(|n| format!("t{i}-{n},")).collect();
        assert_eq!(body, want);
    }
}

/// A handler's fetch ends with the request's time limit: the upstream that never answers
/// sees its connection closed soon after the client got 504, not after fetch's own
/// 300 s (when each such fetch kept a thread and one of its isolate thread's 64 slots).
#[test]
fn a_fetch_ends_with_the_request_that_made_it() {
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = upstream.local_addr().unwrap().port();
    let (closed_tx, closed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut conn, _)) = upstream.accept() else {
            return;
        };
        let accepted = std::time::Instant::now();
        let mut buf = [0u8; 4096];
        // The request arrives; nothing is ever answered. Read until the client closes.
        while matches!(std::io::Read::read(&mut conn, &mut buf), Ok(n) if n > 0) {}
        let _ = closed_tx.send(accepted.elapsed());
    });
    let dir = tempfile::tempdir().unwrap();
    write_proxy(dir.path(), &format!("http://127.0.0.1:{port}/never"));
    let allow = format!("--allow-net=127.0.0.1:{port}");
    let s = Served::start(dir.path(), &["proxy.mjs", &allow, "--timeout", "500ms"]);
    let answer = tokio().block_on(fetch(s.addr, "GET", "h", "/", ""));
    assert_eq!(answer.status, 504, "{}", answer.text());
    let after = closed
        .recv_timeout(Duration::from_secs(30))
        .expect("the upstream connection is closed once the request's time is up");
    assert!(after < Duration::from_secs(30), "{after:?}");
}

/// With requests in flight at once (`concurrency`), `cpu_limit` is still each request's:
/// its stretches of JS between timers are charged to it (V8's continuation data carries
/// which request a timer was set for), so 100 stretches of 10 ms break a 100 ms limit that
/// no stretch alone comes near, while a request of 3 such stretches beside it is served.
#[test]
fn cpu_limit_is_per_request_with_requests_in_flight_at_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "slices.mjs",
        r#"
const spin = (ms) => { const end = Date.now() + ms; while (Date.now() < end) {} };
export default {
  async fetch(request) {
    const n = Number(new URL(request.url).searchParams.get("n") ?? 0);
    for (let i = 0; i < n; i++) {
      spin(10);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return new Response(`${n} slices`);
  },
};
"#,
    );
    write(
        dir.path(),
        "warren.toml",
        r#"
[[plugins]]
name = "slices"
source = "slices.mjs"
routes = ["*/*"]
concurrency = 8
limits = { timeout = "10s", cpu_limit = "100ms" }
"#,
    );
    let s = Served::start(dir.path(), &["warren.toml"]);
    tokio().block_on(async {
        assert_eq!(
            fetch(s.addr, "GET", "h", "/?n=3", "").await.text(),
            "3 slices"
        );
        let long = fetch(s.addr, "GET", "h", "/?n=100", "").await;
        assert_eq!(long.status, 503, "{}", long.text());
        // The isolate was replaced, and answers.
        assert_eq!(
            fetch(s.addr, "GET", "h", "/?n=3", "").await.text(),
            "3 slices"
        );
    });
    let seen = s.drain().join("\n");
    assert!(seen.contains("CPU time limit of 100ms exceeded"), "{seen}");
}

/// A handler's fetches run on its isolate's own thread (hyper's client on its event
/// loop): twenty fetches one after another leave the process with the threads it had
/// after the first, and none of them an I/O thread of the process's.
#[test]
fn fetches_run_on_the_isolate_thread() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hello.mjs",
        r#"export default { fetch() { return new Response("upstream"); } };
"#,
    );
    let upstream = Served::start(dir.path(), &["hello.mjs"]);
    let port = upstream.addr.port();
    write_proxy(dir.path(), &format!("http://127.0.0.1:{port}/"));
    let allow = format!("--allow-net=127.0.0.1:{port}");
    let s = Served::start(dir.path(), &["proxy.mjs", &allow]);
    let threads = || {
        std::fs::read_dir(format!("/proc/{}/task", s.child.id()))
            .expect("/proc lists the threads")
            .count()
    };
    let first = tokio().block_on(async {
        assert_eq!(get(s.addr, "/").await, "upstream");
        threads()
    });
    tokio().block_on(async {
        for _ in 0..20 {
            assert_eq!(get(s.addr, "/").await, "upstream");
        }
    });
    assert_eq!(
        threads(),
        first,
        "threads after 21 fetches against after one"
    );
    assert!(s.thread_policies("warren-io").is_empty());
}

/// `proxy.mjs` in `dir`: a handler answering each request with the body `url` gives it.
fn write_proxy(dir: &Path, url: &str) {
    write(
        dir,
        "proxy.mjs",
        &format!(
            r#"export default {{
  async fetch() {{
    const r = await fetch("{url}");
    return new Response(await r.text());
  }},
}};
"#
        ),
    );
}
