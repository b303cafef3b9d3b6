//! `warren emit MANIFEST HOOK [--input JSON | ...]`: calls every plugin that exports HOOK,
//! in manifest order, each output feeding the next; prints the last output as JSON.

use std::path::PathBuf;

use warren::Value;
use warren::plugins::PluginHost;

use super::plugin_input::{self, InputArgs};
use super::plugins::report;

#[derive(clap::Args)]
pub struct EmitArgs {
    /// The manifest (warren.toml, or the same document as .json).
    pub manifest: PathBuf,
    /// The hook: the export every plugin of the pipeline has.
    pub hook: String,
    #[command(flatten)]
    pub input: InputArgs,
}

pub fn emit(args: EmitArgs) -> i32 {
    let input = match args.input.value() {
        Ok(v) => v,
        Err(why) => {
            errln!("error: {why}");
            return 2;
        }
    };
    super::plugins::block_on(async {
        let host = PluginHost::load_with(&args.manifest, plugin_input::host_options(None)).await?;
        host.emit::<Value, _>(&args.hook, &input).await
    })
    .map_or_else(
        |e| report(&e),
        |v| {
            plugin_input::print_result(&v);
            0
        },
    )
}
