//! Deny by default: a `Runtime` with default options reaches no file and no variable through
//! any door (`node:fs`, `fetch`, JSON/JS/Wasm imports, `require`, dynamic `import()`); the
//! CLI grants the main module's directory and nothing else; symlinks are resolved first;
//! `fetch` reaches only the hosts granted, every redirect's included, and carries
//! credentials only to the origin they were given for.

use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};

use warren::{Permissions, Runtime, RuntimeOptions, Stream};

use crate::run;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// A runtime with `permissions` whose console output is captured.
fn runtime(permissions: Permissions) -> (Runtime, Arc<Mutex<String>>) {
    let buf = Arc::new(Mutex::new(String::new()));
    let b = buf.clone();
    let rt = Runtime::new(RuntimeOptions {
        output: Some(Arc::new(move |_s: Stream, bytes: &[u8]| {
            b.lock().unwrap().push_str(&String::from_utf8_lossy(bytes));
            Ok(())
        })),
        permissions,
        ..Default::default()
    })
    .unwrap();
    (rt, buf)
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(f)
}

/// Every door of a default `Runtime`, tried from one main module: each line says whether
/// the access was refused with `PermissionDenied`.
#[test]
fn default_runtime_reaches_no_file() {
    let app = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let secret = write(outside.path(), "secret.txt", "top secret");
    // Even files beside the main module are not granted: the library grants nothing.
    write(app.path(), "sibling.cjs", "module.exports = 1;");
    let target = outside.path().join("written.txt");
    let main = write(
        app.path(),
        "main.cjs",
        &format!(
            r#"const fs = require("node:fs");
const denied = (f) => {{ try {{ f(); return "allowed"; }} catch (e) {{ return e.name; }} }};
console.log("fs.read", denied(() => fs.readFileSync({secret:?})));
console.log("fs.read.own", denied(() => fs.readFileSync(__filename)));
console.log("fs.write", denied(() => fs.writeFileSync({target:?}, "x")));
console.log("fs.exists", fs.existsSync({secret:?}));
console.log("require", denied(() => require("./sibling.cjs")));
fetch("file://{secret}").then(() => console.log("fetch allowed"), (e) => console.log("fetch", e.name));
import("file://{secret}").then(() => console.log("import allowed"), (e) => console.log("import", e.name));
"#
        ),
    );
    let (mut rt, out) = runtime(Permissions::default());
    block_on(rt.run_main_module(Path::new(&main))).unwrap();
    let out = out.lock().unwrap().clone();
    assert_eq!(
        out,
        "fs.read PermissionDenied\nfs.read.own PermissionDenied\nfs.write PermissionDenied\n\
         fs.exists false\nrequire PermissionDenied\nfetch PermissionDenied\nimport PermissionDenied\n"
    );
    assert!(!target.exists(), "the write went through");
}

/// Static imports are checked before the module is read: JSON, JS and Wasm alike.
#[test]
fn default_runtime_cannot_import_a_file() {
    let app = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let json = write(outside.path(), "secret.json", r#"{"key": "top secret"}"#);
    let js = write(outside.path(), "x.mjs", "console.log('ran');");
    let wat = write(outside.path(), "m.wat", "(module)");
    for (what, import) in [
        (
            "json",
            format!("import data from {json:?} with {{ type: \"json\" }};"),
        ),
        ("js", format!("import {js:?};")),
        ("wat", format!("import * as m from {wat:?};")),
    ] {
        let main = write(app.path(), &format!("{what}.mjs"), &import);
        let (mut rt, out) = runtime(Permissions::default());
        let err = block_on(rt.run_main_module(Path::new(&main))).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("PermissionDenied: read access to") && msg.contains("--allow-read="),
            "{what}: {msg}"
        );
        assert_eq!(err.exit_code(), 2, "{what}: {err:?}");
        assert_eq!(*out.lock().unwrap(), "", "{what}");
    }
    // Granting the directory lets the same import through.
    let main = write(
        app.path(),
        "granted.mjs",
        &format!("import data from {json:?} with {{ type: \"json\" }};\nconsole.log(data.key);"),
    );
    let (mut rt, out) = runtime(Permissions::default().allow_read([outside.path()]));
    block_on(rt.run_main_module(Path::new(&main))).unwrap();
    assert_eq!(*out.lock().unwrap(), "top secret\n");
}

/// Resolving specifiers looks only where the runtime may import: a `node_modules` package
/// and a `package.json` just outside the grant are neither read nor revealed, through
/// `import` or `require`; the same files inside the grant are found.
#[test]
fn module_resolution_probes_nothing_outside_the_grants() {
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("app");
    fs::create_dir_all(app.join("node_modules/inpkg")).unwrap();
    fs::create_dir_all(root.path().join("node_modules/outpkg")).unwrap();
    // Outside the grant: a "type" that would make lib.js CommonJS, and a package.
    write(root.path(), "package.json", r#"{"type": "commonjs"}"#);
    write(
        &root.path().join("node_modules/outpkg"),
        "index.js",
        "export default 'out';",
    );
    write(
        &root.path().join("node_modules/outpkg"),
        "package.json",
        r#"{"type": "module"}"#,
    );
    write(
        &app.join("node_modules/inpkg"),
        "index.js",
        "export default 'in';",
    );
    // No module syntax either way: its kind comes from the nearest package.json, if any.
    write(&app, "lib.js", "globalThis.kind = typeof module;");
    write(
        &app,
        "req.cjs",
        "let r; try { require('outpkg'); r = 'found'; } catch (e) { r = e.code; }\nmodule.exports = r;",
    );
    let main = write(
        &app,
        "main.mjs",
        r#"import "./lib.js";
import inpkg from "inpkg";
let out;
try { await import("outpkg"); out = "found"; } catch (e) { out = e.message; }
console.log(globalThis.kind, inpkg, JSON.stringify(out));
"#,
    );
    let (mut rt, out) = runtime(Permissions::default().allow_import([&app]));
    block_on(rt.run_main_module(Path::new(&main))).unwrap();
    let out = out.lock().unwrap().clone();
    assert!(out.starts_with("undefined in "), "{out}");
    assert!(out.contains("not found in any node_modules"), "{out}");
    assert!(
        !out.contains("PermissionDenied") && !out.contains("outpkg/"),
        "{out}"
    );

    // require() resolves the same way (reading the .cjs needs a read grant).
    let main = write(
        &app,
        "cjs.mjs",
        "import r from './req.cjs'; console.log(r);",
    );
    let (mut rt, out) = runtime(Permissions::default().allow_read([&app]));
    block_on(rt.run_main_module(Path::new(&main))).unwrap();
    assert_eq!(*out.lock().unwrap(), "MODULE_NOT_FOUND\n");

    // Granted, the same package.json and package are found.
    let (mut rt, out) = runtime(Permissions::default().allow_import([root.path()]));
    let main = write(
        &app,
        "main2.mjs",
        "import './lib.js'; import o from 'outpkg'; console.log(globalThis.kind, o);",
    );
    block_on(rt.run_main_module(Path::new(&main))).unwrap();
    assert_eq!(*out.lock().unwrap(), "object out\n");
}

#[test]
fn default_runtime_denies_the_environment() {
    let app = tempfile::tempdir().unwrap();
    let main = write(
        app.path(),
        "env.mjs",
        "try { process.env.PATH; console.log('allowed'); } catch (e) { console.log(e.name); }\nconsole.log(Object.keys(process.env).length);",
    );
    let (mut rt, out) = runtime(Permissions::default());
    block_on(rt.run_main_module(Path::new(&main))).unwrap();
    assert_eq!(*out.lock().unwrap(), "PermissionDenied\n0\n");
}

/// The CLI grants reads under the main module's directory: imports there work, one step
/// outside is denied, and so is a symlink inside that points outside.
#[test]
fn cli_grants_the_main_directory_only() {
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("app");
    fs::create_dir_all(app.join("lib")).unwrap();
    write(&app, "lib/util.mjs", "export const n = 41;");
    write(&app, "lib/data.json", r#"{"n": 1}"#);
    write(root.path(), "outside.mjs", "export const n = 0;");
    write(root.path(), "secret.json", r#"{"n": 2}"#);
    std::os::unix::fs::symlink(root.path().join("secret.json"), app.join("link.json")).unwrap();
    std::os::unix::fs::symlink(root.path(), app.join("up")).unwrap();

    let ok = write(
        &app,
        "ok.mjs",
        "import { n } from './lib/util.mjs';\nimport d from './lib/data.json' with { type: 'json' };\nconsole.log(n + d.n);",
    );
    let r = run(&["run", &ok]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "42\n"), "{}", r.stderr);

    for (name, import) in [
        ("parent.mjs", "import { n } from '../outside.mjs';"),
        (
            "link.mjs",
            "import d from './link.json' with { type: 'json' };",
        ),
        ("dirlink.mjs", "import { n } from './up/outside.mjs';"),
    ] {
        let f = write(&app, name, import);
        let r = run(&["run", &f]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains("PermissionDenied: read access to")
                && r.stderr.contains("--allow-read="),
            "{name}: {}",
            r.stderr
        );
    }
    // node:fs through the symlink is denied the same way.
    let f = write(
        &app,
        "fslink.cjs",
        "try { require('fs').readFileSync(__dirname + '/link.json'); console.log('allowed'); } catch (e) { console.log(e.name); }",
    );
    let r = run(&["run", &f]);
    assert_eq!(r.stdout, "PermissionDenied\n", "{}", r.stderr);
}

/// Everything after the script is the script's `process.argv`, never warren's options: an
/// argument spelled like a grant grants nothing.
#[test]
fn an_argument_after_the_script_grants_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "argv.mjs",
        "import fs from 'node:fs';\nconsole.log(JSON.stringify(process.argv.slice(2)));\ntry { fs.readFileSync('/etc/hostname'); console.log('allowed'); } catch (e) { console.log(e.name); }\ntry { process.env.HOME; console.log(Object.keys(process.env).length); } catch (e) { console.log(e.name); }",
    );
    let r = run(&["run", &f, "--allow-read=/", "-A", "--allow-env", "--", "x"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "[\"--allow-read=/\",\"-A\",\"--allow-env\",\"--\",\"x\"]\nPermissionDenied\nPermissionDenied\n",
        "{}",
        r.stderr
    );
}

/// A write through a dangling symlink would create a file outside the grant: refused.
#[test]
fn dangling_symlink_cannot_write_outside() {
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("app");
    fs::create_dir_all(&app).unwrap();
    let target = root.path().join("created-outside.txt");
    std::os::unix::fs::symlink(&target, app.join("out.txt")).unwrap();
    let p = Permissions::default().allow_write([&app]);
    assert!(p.check_write(&app.join("new.txt")).is_ok());
    let err = p.check_write(&app.join("out.txt")).unwrap_err();
    // The message names where the link leads, and suggests a grant of that: a grant of
    // the link as named would grant its target.
    let (link, target_shown) = (app.join("out.txt"), target.display().to_string());
    assert_eq!(
        err.to_string(),
        format!(
            "write access to \"{}\" (which resolves to \"{target_shown}\") is not allowed; run again with --allow-write={target_shown} (or -A)",
            link.display()
        )
    );
    assert_eq!(err.resolved.as_deref(), Some(target_shown.as_str()));
    // `..` past a missing directory cannot climb out by name either.
    assert!(
        p.check_write(&app.join("missing/../../created-outside.txt"))
            .is_err()
    );
    assert!(!target.exists());
}

#[test]
fn a_denied_read_is_a_typed_error() {
    let p = Permissions::default();
    let e = p.check_read(Path::new("/etc/hostname")).unwrap_err();
    assert_eq!(e.access, warren::permissions::Access::Read);
    assert_eq!(
        e.to_string(),
        "read access to \"/etc/hostname\" is not allowed; run again with --allow-read=/etc/hostname (or -A)"
    );
    assert!(matches!(Permissions::allow_all().check_env("HOME"), Ok(())));
}

/// An upstream for `fetch`: a `warren serve` that echoes, redirects and sends a big body.
fn upstream(dir: &Path) -> crate::serve::Served {
    write(
        dir,
        "upstream.mjs",
        r#"export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/echo") {
      return new Response(`${request.method} ${await request.text()}`, {
        status: 201,
        headers: { "x-seen": request.headers.get("x-test") ?? "none", "set-cookie": "a=1" },
      });
    }
    if (url.pathname === "/redirect") {
      // Read first: a server that answers before a streamed body has all come closes the
      // connection under the client's last writes (fetch then fails with a broken pipe).
      await request.arrayBuffer();
      return Response.redirect(url.searchParams.get("to"), Number(url.searchParams.get("status") ?? 302));
    }
    if (url.pathname === "/count") {
      // A streamed body's bytes and the chunks they came in, as they arrive.
      let bytes = 0;
      for await (const chunk of request.body) bytes += chunk.length;
      return new Response(`${request.method} ${bytes} ${request.headers.get("transfer-encoding")}`);
    }
    if (url.pathname === "/big") return new Response(new Uint8Array(32 << 20));
    if (url.pathname === "/endless") {
      return new Response(new ReadableStream({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          controller.enqueue(new TextEncoder().encode("tick\n"));
        },
      }));
    }
    return new Response("upstream");
  },
};
"#,
    );
    crate::serve::Served::start(
        dir,
        &["upstream.mjs", "--no-access-log", "--max-body", "64MiB"],
    )
}

#[test]
fn fetch_reaches_only_the_hosts_granted() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream(dir.path());
    let port = up.addr.port();
    let base = format!("http://127.0.0.1:{port}");
    let script = write(
        dir.path(),
        "f.mjs",
        &format!(
            r#"const tryFetch = async (url, init) => {{
  try {{
    const r = await fetch(url, init);
    return `${{r.status}} ${{r.redirected}} ${{r.url}} ${{JSON.stringify(await r.text())}}`;
  }} catch (e) {{
    return `${{e.name}}: ${{e.message}}`;
  }}
}};
console.log(await tryFetch("{base}/"));
console.log(await tryFetch("{base}/redirect?to=" + encodeURIComponent("http://localhost:{port}/")));
console.log(await tryFetch("{base}/redirect?to=" + encodeURIComponent("{base}/"), {{ redirect: "manual" }}));
"#
        ),
    );
    // Nothing granted: refused before anything is sent, naming what would grant it.
    let r = run(&["run", &script]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let denied = format!(
        "PermissionDenied: network access to \"127.0.0.1:{port}\" is not allowed; run again with --allow-net=127.0.0.1:{port} (or -A)"
    );
    assert_eq!(r.stdout.lines().next(), Some(denied.as_str()));
    // Another port of the same host is another grant.
    let r = run(&[
        "run",
        &format!("--allow-net=127.0.0.1:{}", port + 1),
        &script,
    ]);
    assert_eq!(r.stdout.lines().next(), Some(denied.as_str()));
    // Granted: the request goes; a redirect to a host not granted is refused, and one not
    // followed ("manual") is the response.
    let r = run(&["run", &format!("--allow-net=127.0.0.1:{port}"), &script]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], format!("200 false {base}/ \"upstream\""));
    assert!(
        lines[1].starts_with(&format!(
            "PermissionDenied: network access to \"localhost:{port}\" is not allowed"
        )),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("302 false "), "{}", lines[2]);
    // Every host, and the redirect followed.
    let r = run(&["run", "--allow-net", &script]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[1],
        format!("200 true http://localhost:{port}/ \"upstream\"")
    );
    let r = run(&["run", "-A", &script]);
    assert_eq!(r.stdout.lines().nth(1), Some(lines[1]));
}

/// A keep-alive HTTP/1.1 server that logs each request it gets as "method path headers"
/// (the headers a redirect may drop) and answers `/same` with a redirect to
/// `/seen` on its own origin, `/other` with one to `localhost`, `/see-other` with a 303, all
/// three with a small body, and anything else with 200 and the reason phrase "Fine".
fn logging_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let log = l.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut first = String::new();
                    if reader.read_line(&mut first).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut kept = Vec::new();
                    let mut length = 0;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        let (name, value) = line.split_once(':').unwrap();
                        let name = name.to_ascii_lowercase();
                        if name == "content-length" {
                            length = value.trim().parse().unwrap();
                        }
                        if ["authorization", "cookie", "content-type", "x-keep"]
                            .contains(&name.as_str())
                        {
                            kept.push(format!("{name}={}", value.trim()));
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let mut words = first.split(' ');
                    let (method, path) = (words.next().unwrap(), words.next().unwrap());
                    kept.sort();
                    log.lock()
                        .unwrap()
                        .push(format!("{method} {path} {}", kept.join(" ")));
                    // A HEAD's answer has a length but no body.
                    let body = |text: &'static str| if method == "HEAD" { "" } else { text };
                    let to = |status: &str, location: String| {
                        format!(
                            "HTTP/1.1 {status}\r\nLocation: {location}\r\nContent-Length: 5\r\n\r\n{}",
                            body("moved")
                        )
                    };
                    let answer = match path {
                        "/same" => to("302 Found", "/seen".into()),
                        "/other" => to("302 Found", format!("http://localhost:{port}/seen")),
                        "/see-other" => to("303 See Other", "/seen".into()),
                        _ => format!(
                            "HTTP/1.1 200 Fine\r\nContent-Length: 2\r\n\r\n{}",
                            body("ok")
                        ),
                    };
                    if stream.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, log)
}

#[test]
fn a_redirect_carries_credentials_only_to_their_origin() {
    let dir = tempfile::tempdir().unwrap();
    let (port, log) = logging_server();
    let base = format!("http://127.0.0.1:{port}");
    let script = write(
        dir.path(),
        "f.mjs",
        &format!(
            r#"const headers = {{ authorization: "Bearer s", cookie: "c=1", "content-type": "text/plain", "x-keep": "k" }};
for (const [path, method] of [["same", "GET"], ["other", "GET"], ["see-other", "POST"], ["see-other", "HEAD"]]) {{
  const r = await fetch(`{base}/${{path}}`, {{ method, headers, body: method === "POST" ? "x" : undefined }});
  console.log(r.status, r.statusText, r.redirected, JSON.stringify(await r.text()));
}}
"#
        ),
    );
    let r = run(&["run", "--allow-net", &script]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "200 Fine true \"ok\"\n".repeat(3) + "200 Fine true \"\"\n"
    );
    let log = log.lock().unwrap().clone();
    let all = "authorization=Bearer s content-type=text/plain cookie=c=1 x-keep=k";
    let expected = [
        format!("GET /same {all}"),
        format!("GET /seen {all}"),
        format!("GET /other {all}"),
        // Another origin: no credentials.
        "GET /seen content-type=text/plain x-keep=k".to_string(),
        format!("POST /see-other {all}"),
        // A POST made a GET by a 303: no body, so nothing to say what it was.
        "GET /seen authorization=Bearer s cookie=c=1 x-keep=k".to_string(),
        // A HEAD stays a HEAD.
        format!("HEAD /see-other {all}"),
        format!("HEAD /seen {all}"),
    ];
    assert_eq!(log, expected);
}

#[test]
fn warren_run_fetches_on_its_own_thread() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream(dir.path());
    let script = write(
        dir.path(),
        "f.mjs",
        &format!(
            r#"import {{ readdirSync, readFileSync }} from "node:fs";
console.log(await (await fetch("http://127.0.0.1:{}/")).text());
const names = readdirSync("/proc/self/task").map((t) => readFileSync(`/proc/self/task/${{t}}/comm`, "utf8").trim());
console.log(names.includes("warren-io"));
"#,
            up.addr.port()
        ),
    );
    let grant = format!("--allow-net=127.0.0.1:{}", up.addr.port());
    let r = run(&["run", &grant, "--allow-read=/proc", &script]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // No thread crossing: the program's thread made the request.
    assert_eq!(r.stdout, "upstream\nfalse\n");
}

#[test]
fn fetch_sends_and_receives_a_request_whole() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream(dir.path());
    let base = format!("http://127.0.0.1:{}", up.addr.port());
    let script = write(
        dir.path(),
        "f.mjs",
        &format!(
            r#"const r = await fetch("{base}/echo", {{ method: "POST", body: "hé", headers: {{ "x-test": "yes" }} }});
console.log(r.status, r.statusText, r.headers.get("x-seen"), r.headers.get("set-cookie"), await r.text());
const req = new Request("{base}/echo", {{ method: "PUT", body: new Uint8Array([104, 105]) }});
console.log(await (await fetch(req)).text());
// 32 MiB streams through a 16 MiB cap, chunk by chunk; read whole, it does not fit.
const reader = (await fetch("{base}/big")).body.getReader();
let n = 0;
for (let c = await reader.read(); !c.done; c = await reader.read()) n += c.value.length;
console.log(n);
try {{ await (await fetch("{base}/big")).arrayBuffer(); }} catch (e) {{ console.log(e.name); }}
// A body that never ends: fetch answers at its head, and cancelling the body ends it.
const endless = (await fetch("{base}/endless")).body.getReader();
console.log(new TextDecoder().decode((await endless.read()).value).trim());
await endless.cancel();
"#
        ),
    );
    let grant = format!("--allow-net=127.0.0.1:{}", up.addr.port());
    let r = run(&["run", &grant, "--max-memory", "16MiB", &script]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "201 Created yes a=1 POST hé\nPUT hi\n33554432\nRangeError\ntick\n"
    );
}

#[test]
fn fetch_sends_a_stream_body_as_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream(dir.path());
    let base = format!("http://127.0.0.1:{}", up.addr.port());
    let script = write(
        dir.path(),
        "f.mjs",
        &format!(
            r#"const tryFetch = async (url, init) => {{
  try {{
    const r = await fetch(url, init);
    return `${{r.status}} ${{await r.text()}}`;
  }} catch (e) {{
    return `${{e.name}}: ${{e.message}}`;
  }}
}};
const chunks = (list) => new ReadableStream({{
  pull(controller) {{
    if (list.length === 0) return controller.close();
    controller.enqueue(new TextEncoder().encode(list.shift()));
  }},
}});
console.log(await tryFetch("{base}/echo", {{ method: "POST", body: chunks(["a", "b", "c"]), duplex: "half" }}));
// 40 MiB made chunk by chunk under a 16 MiB cap: sent as it is made, never held whole.
let left = 640;
const big = new ReadableStream({{
  pull(controller) {{
    if (left-- === 0) return controller.close();
    controller.enqueue(new Uint8Array(64 << 10));
  }},
}});
console.log(await tryFetch("{base}/count", {{ method: "PUT", body: big, duplex: "half" }}));
// A stream that fails fails the fetch with its error.
let sentOne = false;
const broken = new ReadableStream({{
  pull(controller) {{
    if (sentOne) return controller.error(new Error("broken upload"));
    sentOne = true;
    controller.enqueue(new Uint8Array(10));
  }},
}});
console.log(await tryFetch("{base}/count", {{ method: "POST", body: broken, duplex: "half" }}));
console.log(await tryFetch("{base}/count", {{ method: "POST", body: chunks([]).pipeThrough(new TransformStream({{ start(c) {{ c.enqueue("text"); }} }})), duplex: "half" }}));
// A redirect that would send the stream again fails; one to a GET drops it.
const to = encodeURIComponent("{base}/");
console.log(await tryFetch(`{base}/redirect?status=307&to=${{to}}`, {{ method: "POST", body: chunks(["x"]), duplex: "half" }}));
console.log(await tryFetch(`{base}/redirect?status=303&to=${{to}}`, {{ method: "POST", body: chunks(["x"]), duplex: "half" }}));
"#
        ),
    );
    let grant = format!("--allow-net=127.0.0.1:{}", up.addr.port());
    let r = run(&["run", &grant, "--max-memory", "16MiB", &script]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "201 POST abc", "{}", r.stdout);
    assert_eq!(lines[1], "200 PUT 41943040 chunked", "{}", r.stdout);
    assert_eq!(lines[2], "Error: broken upload", "{}", r.stdout);
    assert_eq!(
        lines[3], "TypeError: fetch: a request body stream must yield Uint8Array chunks",
        "{}",
        r.stdout
    );
    assert!(
        lines[4].starts_with("TypeError: fetch failed:")
            && lines[4].contains("307")
            && lines[4].contains("streamed body again"),
        "{}",
        r.stdout
    );
    assert_eq!(lines[5], "200 upstream", "{}", r.stdout);
}

#[test]
fn a_plugin_fetches_only_what_its_manifest_allows() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream(dir.path());
    let port = up.addr.port();
    write(
        dir.path(),
        "proxy.mjs",
        &format!(
            r#"export default {{
  async fetch(request) {{
    try {{
      const url = new URL(request.url);
      // Passed through as it streams in.
      if (url.pathname === "/big") return fetch("http://127.0.0.1:{port}/big");
      return new Response(await (await fetch("http://127.0.0.1:{port}/")).text());
    }} catch (e) {{
      return new Response(`${{e.name}}: ${{e.message}}`);
    }}
  }},
}};
"#
        ),
    );
    write(
        dir.path(),
        "warren.toml",
        &format!(
            r#"[[plugins]]
name = "open"
source = "proxy.mjs"
routes = ["open/*"]
allowed_hosts = ["127.0.0.1:{port}"]

[[plugins]]
name = "closed"
source = "proxy.mjs"
routes = ["closed/*"]
"#
        ),
    );
    let s = crate::serve::Served::start(dir.path(), &["warren.toml", "--no-access-log"]);
    let rt = crate::serve::tokio();
    let get = |host: &str| {
        rt.block_on(crate::serve::fetch(s.addr, "GET", host, "/", ""))
            .text()
    };
    assert_eq!(get("open"), "upstream");
    let big = rt.block_on(crate::serve::fetch(s.addr, "GET", "open", "/big", ""));
    assert_eq!(big.text().len(), 32 << 20);
    assert_eq!(
        get("closed"),
        format!(
            "PermissionDenied: network access to \"127.0.0.1:{port}\" is not allowed; grant it with allowed_hosts in the plugin's manifest entry"
        )
    );
}

#[test]
fn aborted_fetches_let_their_program_end_and_at_most_64_are_out_at_once() {
    // A server that accepts and never answers: the aborted fetches' requests are still
    // waiting when the program is over, and must not hold the process. Of the 100 the
    // program starts, 64 reach the server; the rest wait for a slot.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming() {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(c);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        dir.path(),
        "f.mjs",
        &format!(
            r#"const ac = new AbortController();
const all = [];
for (let i = 0; i < 100; i++) all.push(fetch("http://127.0.0.1:{port}/", {{ signal: ac.signal }}).catch((e) => e.name));
// Aborted once the test has counted the connections (it then writes ./go).
const poll = setInterval(async () => {{
  try {{
    await fetch(new URL("./go", import.meta.url));
    clearInterval(poll);
    ac.abort();
  }} catch {{}}
}}, 20);
const names = await Promise.all(all);
console.log(names.length, new Set(names).size, names[0]);
"#
        ),
    );
    let mut child = crate::warren_command()
        .args(["run", "--allow-net", &script])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let deadline = std::time::Duration::from_secs(30);
    while accepted.load(std::sync::atomic::Ordering::SeqCst) < 64 && start.elapsed() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Time for more to arrive, were they let out.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let out_at_once = accepted.load(std::sync::atomic::Ordering::SeqCst);
    fs::write(dir.path().join("go"), "").unwrap();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > deadline {
            let _ = child.kill();
            panic!("the program did not end after its fetches were aborted");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "100 1 AbortError\n");
    assert_eq!(out_at_once, 64);
}
