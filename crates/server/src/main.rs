//! The `baton` binary.

use clap::Parser;

/// mimalloc: GraphQL execution allocates many small, short-lived values per request, which it
/// serves faster than the system allocator and with less fragmentation under many threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = baton_server::cli::Cli::parse();
    match baton_server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
