//! `warren call MANIFEST NAME.EXPORT [--input JSON | --input-file F | --stdin]`: loads the
//! plugins, calls one export, prints the result as JSON. For an Extism plugin the input's
//! bytes go in as they are and its output's bytes come out as they are, as `extism call`
//! does; with an Extism JSON manifest (one plugin) the target may be just `EXPORT`.

use std::path::PathBuf;

use warren::Value;
use warren::plugins::{Abi, LogLevel, PluginHost};

use super::plugin_input::{self, InputArgs};
use super::plugins::report;

#[derive(clap::Args)]
pub struct CallArgs {
    /// The manifest (warren.toml, the same document as .json, or an Extism manifest).
    pub manifest: PathBuf,
    /// What to call: the plugin's name and the export, `NAME.EXPORT` (or `EXPORT` when the
    /// manifest has one plugin).
    #[arg(value_name = "NAME.EXPORT")]
    pub target: String,
    #[command(flatten)]
    pub input: InputArgs,
    /// The log level of Extism plugins (trace, debug, info, warn, error, off), over their
    /// manifest's `log_level`.
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<LogLevel>,
}

/// What the call gave: its output and whether it is an Extism plugin's bytes, or why the
/// call could not be made (exit 2).
enum Outcome {
    Done(Value, bool),
    Refused(String),
}

pub fn call(args: CallArgs) -> i32 {
    let outcome = super::plugins::block_on(async {
        let host =
            PluginHost::load_with(&args.manifest, plugin_input::host_options(args.log_level))
                .await?;
        let plugins = host.plugins();
        let (name, export) = match (args.target.split_once('.'), plugins.as_slice()) {
            (Some((n, e)), _) => (n.to_string(), e.to_string()),
            (None, [only]) => (only.name.clone(), args.target.clone()),
            (None, _) => {
                return Ok(Outcome::Refused(format!(
                    "\"{}\" is not NAME.EXPORT (the plugin's name, a dot, the export)",
                    args.target
                )));
            }
        };
        let extism = plugins
            .iter()
            .any(|p| p.name == name && p.abi == Abi::Extism);
        let input = if extism {
            args.input
                .bytes()
                .map(|b| b.map_or(Value::Null, |(bytes, _)| Value::Bytes(bytes)))
        } else {
            args.input.value()
        };
        let input = match input {
            Ok(v) => v,
            Err(why) => return Ok(Outcome::Refused(why)),
        };
        let v = host.call::<Value, _>(&name, &export, &input).await?;
        Ok(Outcome::Done(v, extism))
    });
    match outcome {
        Err(e) => report(&e),
        Ok(Outcome::Refused(why)) => {
            errln!("error: {why}");
            2
        }
        Ok(Outcome::Done(v, true)) => {
            plugin_input::print_bytes(&v);
            0
        }
        Ok(Outcome::Done(v, false)) => {
            plugin_input::print_result(&v);
            0
        }
    }
}
