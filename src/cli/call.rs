//! `warren call MANIFEST NAME.EXPORT [--input JSON | --input-file F | --stdin]`: loads the
//! plugins, calls one export, prints the result as JSON.

use std::path::PathBuf;

use warren::Value;
use warren::plugins::PluginHost;

use super::plugin_input::{self, InputArgs};
use super::plugins::report;

#[derive(clap::Args)]
pub struct CallArgs {
    /// The manifest (warren.toml, or the same document as .json).
    pub manifest: PathBuf,
    /// What to call: the plugin's name and the export, `NAME.EXPORT`.
    #[arg(value_name = "NAME.EXPORT")]
    pub target: String,
    #[command(flatten)]
    pub input: InputArgs,
}

pub fn call(args: CallArgs) -> i32 {
    let Some((name, export)) = args.target.split_once('.') else {
        eprintln!(
            "error: \"{}\" is not NAME.EXPORT (the plugin's name, a dot, the export)",
            args.target
        );
        return 2;
    };
    let input = match args.input.value() {
        Ok(v) => v,
        Err(why) => {
            eprintln!("error: {why}");
            return 2;
        }
    };
    super::plugins::block_on(async {
        let host = PluginHost::load_with(&args.manifest, plugin_input::host_options()).await?;
        host.call::<Value, _>(name, export, &input).await
    })
    .map_or_else(
        |e| report(&e),
        |v| {
            plugin_input::print_result(&v);
            0
        },
    )
}
