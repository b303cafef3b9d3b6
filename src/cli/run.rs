//! `warren run FILE [--invoke NAME] [ARGS...]`: JS modules, and Wasm/WAT modules with their
//! exports called from the command line, results printed as `wasmtime run --invoke` does.

use std::path::{Path, PathBuf};

use clap::Args;
use warren::wasm::Content;
use warren::{Error, Runtime, Val, WasmModule};

use super::Input;
use super::wasi_args::WasiArgs;

#[derive(Args)]
pub struct RunArgs {
    /// Call this export of a Wasm module instead of `_start`.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// Print `--invoke` results as a JSON array.
    #[arg(long)]
    json: bool,
    /// Link another module (JS or Wasm) as the import namespace NAME: `--preload util=util.wat`.
    #[arg(long, value_name = "NAME=FILE")]
    preload: Vec<String>,
    /// An import map (the WICG JSON format) for resolving specifiers.
    #[arg(long, value_name = "FILE")]
    import_map: Option<PathBuf>,
    /// Let JS and `host:env` read environment variables.
    #[arg(long)]
    allow_env: bool,
    /// Allow reading files: everywhere, or under the given comma-separated paths. Reads
    /// under the main module's directory are always allowed.
    #[arg(long, value_name = "PATHS", num_args = 0.., value_delimiter = ',', require_equals = true)]
    allow_read: Option<Vec<PathBuf>>,
    /// Allow writing files: everywhere, or under the given comma-separated paths.
    #[arg(long, value_name = "PATHS", num_args = 0.., value_delimiter = ',', require_equals = true)]
    allow_write: Option<Vec<PathBuf>>,
    /// Allow `fetch` over the network: to every host, or to the given comma-separated
    /// hosts (`example.com`, `example.com:8080`, `*.example.com`, `127.0.0.1:3000`).
    #[arg(long, value_name = "HOSTS", num_args = 0.., value_delimiter = ',', require_equals = true)]
    allow_net: Option<Vec<String>>,
    #[command(flatten)]
    limits: super::limit_args::LimitArgs,
    #[command(flatten)]
    engine: super::engine_args::EngineArgs,
    #[command(flatten)]
    cache: super::cache_args::CacheArgs,
    /// Allow everything (reads, writes, environment, network).
    #[arg(short = 'A', long)]
    allow_all: bool,
    #[command(flatten)]
    wasi: WasiArgs,
    /// The file to run: a Wasm binary or WAT text (recognised by content), or a JS module
    /// (.js, .mjs, .cjs); `-` reads it from standard input. Then its arguments: for
    /// `--invoke`, parsed by the export's parameter types; for a WASI command (`_start`),
    /// its `argv[1..]`; for JS, `process.argv[2..]`. Everything after FILE is the
    /// program's, even what looks like warren's options (as wasmtime, deno and node parse
    /// it), so that an argument can never grant the program anything.
    #[arg(
        value_name = "FILE",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    file_and_args: Vec<String>,
    #[arg(skip)]
    file: PathBuf,
    #[arg(skip)]
    args: Vec<String>,
}

impl RunArgs {
    /// Splits FILE from the program's arguments (clap takes them as one list, so that
    /// nothing after FILE is read as warren's).
    fn split(mut self) -> Self {
        let mut rest = std::mem::take(&mut self.file_and_args).into_iter();
        self.file = rest.next().map(PathBuf::from).unwrap_or_default();
        self.args = rest.collect();
        self
    }
}

fn is_wasm_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("wasm" | "wat" | "wast")
    )
}

/// What the input is, by content first (as wasmtime recognises modules), then by
/// extension.
enum Program {
    Wasm,
    Js,
}

fn recognise(input: &Input) -> warren::Result<Program> {
    if Content::sniff(&input.bytes) != Content::Other {
        return Ok(Program::Wasm);
    }
    let ext = input
        .path
        .as_deref()
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().into_owned());
    match ext.as_deref() {
        // A .wasm/.wat that is not recognised: parsing it says what is wrong.
        _ if input.path.as_deref().is_some_and(is_wasm_file) => Ok(Program::Wasm),
        Some("js" | "mjs" | "cjs") => Ok(Program::Js),
        // An extensionless script, or stdin: JS if it is text, as node runs it.
        None if std::str::from_utf8(&input.bytes).is_ok() => Ok(Program::Js),
        _ => Err(Error::Unrecognized(format!(
            "{} is not a module warren can run: expected a Wasm binary (starting with \\0asm), \
             WAT text (starting with \"(module\"), or a JS module (.js, .mjs, .cjs)",
            input.name()
        ))),
    }
}

/// Where the main module is: its file, or `[stdin]` in the current directory (the base
/// its imports resolve against).
fn main_path(input: &Input) -> PathBuf {
    let path = input
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from("[stdin]"));
    std::path::absolute(&path).unwrap_or(path)
}

pub fn run(args: RunArgs) -> warren::Result<i32> {
    let args = args.split();
    // The thread's own, so that the program's fetches run here too.
    let tokio = warren::io_runtime::local()
        .map_err(|e| Error::Other(format!("cannot start the event loop: {e}")))?;
    // Read once: recognising it, and running it, use these bytes.
    let input = Input::read(&args.file)?;
    match recognise(&input)? {
        Program::Wasm => tokio.block_on(run_wasm(&args, &input)),
        Program::Js => {
            if args.invoke.is_some() {
                return Err(Error::Args(
                    "--invoke calls an export of a Wasm module; this is a JS file".into(),
                ));
            }
            let main = main_path(&input);
            let url = warren::modules::path_to_url(&main)
                .map_err(|e| Error::module(format!("cannot load {}", input.name()), e))?;
            // The nearest package.json's "type" counts only where the run may import.
            let granted = permissions(&args, &main);
            let may = |p: &Path| granted.check_import(p).is_ok();
            let kind = match &input.path {
                Some(p) => warren::modules::kind_for_file(p, &input.bytes, &may),
                None => warren::modules::ModuleKind::JavaScript,
            };
            let source = warren::modules::ModuleSource {
                kind,
                code: input.bytes,
                url,
            };
            let cache = args.cache.open();
            args.engine.start(None, cache.as_deref());
            tokio.block_on(async {
                let mut rt = new_runtime(&args, &main, cache).await?;
                rt.run_main_source(source).await?;
                Ok(rt.exit_code())
            })
        }
    }
}

/// A runtime with the built-in `host:` modules and the `--preload` namespaces.
async fn new_runtime(
    args: &RunArgs,
    main: &Path,
    wasm_cache: Option<std::sync::Arc<warren::WasmCache>>,
) -> warren::Result<Runtime> {
    let permissions = permissions(args, main);
    let loader_permissions = permissions.clone();
    let mut linker = warren::Linker::new();
    warren::host::builtins::add_builtins(&mut linker, &permissions)?;
    // WASI for every Wasm module (direct or through the module graph), with only the
    // --dir/--env grants. argv[0] is the module file's name, as wasmtime passes it.
    let argv0 = args.file.file_name().unwrap_or(args.file.as_os_str());
    let wasi = args
        .wasi
        .options(argv0.to_string_lossy().into_owned(), &args.args)?;
    warren::wasi::add_to_linker(&mut linker, warren::wasi::WasiCtx::new(wasi)?)?;
    let import_map = match &args.import_map {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
            let base = warren::modules::path_to_url(p)
                .map_err(|e| Error::module(format!("cannot load {}", p.display()), e))?;
            Some(
                warren::modules::ImportMap::parse(&text, &base)
                    .map_err(|e| Error::Args(format!("{}: {e}", p.display())))?,
            )
        }
        None => None,
    };
    let mut options = warren::RuntimeOptions {
        linker,
        permissions,
        argv: std::iter::once(
            std::env::current_exe()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| "warren".into()),
        )
        .chain(std::iter::once(main.to_string_lossy().into_owned()))
        .chain(args.args.iter().cloned())
        .collect(),
        module_loader: Some(std::rc::Rc::new(
            warren::modules::FsModuleLoader::new(import_map).with_permissions(loader_permissions),
        )),
        wasm_cache,
        ..Default::default()
    };
    args.limits.apply(&mut options);
    let mut rt = Runtime::new(options)?;
    for p in &args.preload {
        let Some((ns, file)) = p.split_once('=') else {
            return Err(Error::Args(format!("--preload takes NAME=FILE, got {p:?}")));
        };
        let path = Path::new(file);
        if is_wasm_file(path) {
            let inst = rt.instantiate(&WasmModule::from_file(path)?)?;
            rt.register_namespace(ns, &inst)?;
        } else {
            rt.preload_js(ns, path).await?;
        }
    }
    Ok(rt)
}

/// Deno-style permissions from the flags: reads under the main module's directory, plus
/// what `--allow-read`, `--allow-write`, `--allow-env` and `-A` grant.
fn permissions(args: &RunArgs, main: &Path) -> warren::Permissions {
    if args.allow_all {
        return warren::Permissions::allow_all();
    }
    let main_dir = main.parent().unwrap_or(Path::new("/"));
    let mut p = warren::Permissions::default().allow_read([main_dir]);
    match &args.allow_read {
        Some(paths) if paths.is_empty() => p = p.allow_read_all(),
        Some(paths) => p = p.allow_read(paths),
        None => {}
    }
    match &args.allow_write {
        Some(paths) if paths.is_empty() => p = p.allow_write_all(),
        Some(paths) => p = p.allow_write(paths),
        None => {}
    }
    if args.allow_env {
        p = p.allow_env();
    }
    match &args.allow_net {
        Some(hosts) if hosts.is_empty() => p = p.allow_net_all(),
        Some(hosts) => p = p.allow_net(hosts.iter().cloned()),
        None => {}
    }
    p
}

async fn run_wasm(args: &RunArgs, input: &Input) -> warren::Result<i32> {
    // Parsed once: the graph path and direct instantiation both take this module. From
    // stdin its imports resolve against the current directory.
    let main = main_path(input);
    let module = input.module()?.at_path(&main);
    let cache = args.cache.open();
    args.engine.start(Some(module.bytes()), cache.as_deref());
    let mut rt = new_runtime(args, &main, cache).await?;
    // A module importing other modules by specifier (`./util.js`) is the root of a module
    // graph; otherwise its imports come from host functions and --preload namespaces.
    let graph = module
        .info()
        .imports
        .iter()
        .any(|i| warren::modules::is_path_like(&i.module) || i.module.starts_with("file:"));
    let inst = if graph {
        rt.run_wasm_module(&module).await?
    } else {
        rt.instantiate(&module)?
    };
    // A WASI reactor is initialised before anything else is called.
    if inst.info().export("_initialize").is_some() && inst.info().export("_start").is_none() {
        rt.call_async(&inst.func("_initialize")?, &[]).await?;
    }
    let (func, vals) = match &args.invoke {
        Some(name) => {
            let func = inst.func(name)?;
            let vals = func.parse_args(&args.args)?;
            (func, vals)
        }
        // A command: the arguments are its argv (given to WASI above).
        None if inst.info().export("_start").is_some() => (inst.func("_start")?, Vec::new()),
        None => {
            if let Some(first) = args.args.first() {
                return Err(Error::Args(misplaced_option(first).unwrap_or_else(|| {
                    "arguments given, but the module has no _start; pass --invoke NAME \
                     before the file"
                        .into()
                })));
            }
            rt.run_event_loop().await?;
            return Ok(0);
        }
    };
    let results = rt.call_async(&func, &vals).await?;
    rt.run_event_loop().await?;
    // The process ends right after this: tearing the isolate down would only cost time.
    std::mem::forget(rt);
    if args.json {
        let arr: Vec<serde_json::Value> = results.iter().map(Val::to_json).collect();
        outln!("{}", serde_json::Value::Array(arr));
    } else {
        for r in &results {
            outln!("{r}");
        }
    }
    Ok(0)
}

/// The hint for a program argument that looks like one of `warren run`'s own options
/// (`warren run add.wat --invoke add 1 2`): options go before the file.
fn misplaced_option(arg: &str) -> Option<String> {
    use clap::CommandFactory;
    let name = arg.strip_prefix("--")?.split('=').next()?;
    let cmd = super::Cli::command();
    let run = cmd.find_subcommand("run")?;
    run.get_arguments()
        .any(|a| a.get_long() == Some(name))
        .then(|| {
            format!(
                "the module has no _start, and {arg} came after the file, where it is the \
                 program's argument; warren's options go before the file: \
                 `warren run --{name} ... FILE ARGS...`"
            )
        })
}
