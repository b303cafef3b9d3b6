//! The `warren` command line: parse arguments, start a current-thread tokio runtime, dispatch.

mod cli;

fn main() {
    let code = cli::main();
    std::process::exit(code);
}
