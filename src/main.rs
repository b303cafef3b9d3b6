//! The `warren` command line: parse arguments, start a current-thread tokio runtime, dispatch.

mod cli;

use std::io::Write;

fn main() {
    let code = cli::main();
    // `process::exit` skips destructors: flush what JS wrote without a trailing newline.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(code);
}
