//! The binary: parse the command line, load settings, start telemetry, hand over to `cli`.

use clap::Parser;
use permit_followup::{cli, errors, settings, telemetry};

fn main() {
    let args = cli::Cli::parse();
    let code = match settings::load(args.config.as_deref(), args.database.as_deref()) {
        Err(e) => {
            eprintln!("permit-followup: {e}");
            errors::exit::USAGE
        }
        Ok(settings) => {
            // One-shot commands report on stdout and in one error line; logs are the daemon's
            // (PERMIT_FOLLOWUP_LOG turns them on for any command).
            let daemon = matches!(args.command, cli::Command::Run | cli::Command::Serve);
            telemetry::init(&settings.log, daemon);
            match cli::execute(args, settings) {
                Ok(code) => code,
                Err(failed) => {
                    eprintln!("permit-followup: {}", failed.line);
                    failed.status
                }
            }
        }
    };
    std::process::exit(code);
}
