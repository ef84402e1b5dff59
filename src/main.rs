//! `sidebridge`: manages DPUs, IPUs and smart NICs from the platform BMC over NC-SI
//! and MCTP, and presents them on a Redfish aggregation endpoint.
//!
//! Subcommands: `ncsi` talks NC-SI on an interface (one command, a discovery, or a card
//! BMC's OEM set); `decode` reads NC-SI frames or control packets given in hex and
//! prints what they mean.

use clap::{Parser, Subcommand};
use sidebridge_protocol::ncsi::{Body, NcsiFrame, PacketRepr};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "sidebridge",
    version,
    about = "NC-SI/MCTP to Redfish bridge for DPUs on the platform BMC"
)]
struct Cli {
    /// Log more (repeat for more detail).
    #[arg(long, short, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Send NC-SI commands on an interface and print the decoded answers.
    Ncsi(sidebridge::cli::NcsiArgs),
    /// Decode NC-SI control packets or Ethernet frames given as hex (spaces and
    /// colons allowed), one per argument or one per line on standard input.
    Decode {
        /// Hex strings; read standard input when none are given.
        hex: Vec<String>,
    },
}

fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    let digits = digits.strip_prefix("0x").unwrap_or(&digits);
    if digits.len() % 2 != 0 {
        return Err(format!("odd number of hex digits ({})", digits.len()));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16)
                .map_err(|_| format!("not hex at offset {i}: {:?}", &digits[i..i + 2]))
        })
        .collect()
}

/// Decodes one packet: an Ethernet frame when bytes 12..14 are 0x88F8, else a bare
/// control packet.
fn describe(bytes: &[u8]) -> Result<String, String> {
    let (prefix, packet) = if bytes.len() >= 14 && bytes[12..14] == [0x88, 0xF8] {
        let frame = NcsiFrame::parse(bytes).map_err(|e| e.to_string())?;
        let mac = |m: [u8; 6]| m.map(|b| format!("{b:02x}")).join(":");
        (
            format!("Ethernet {} -> {}, NC-SI ", mac(frame.src), mac(frame.dst)),
            frame.packet,
        )
    } else {
        (
            String::new(),
            PacketRepr::parse(bytes).map_err(|e| e.to_string())?,
        )
    };
    let what = match &packet.body {
        Body::Command(c) => format!("{} command", c.command_type().name()),
        Body::Response(r) => format!(
            "{} response: {} ({:#06x}), reason {} ({:#06x})",
            r.command_type().name(),
            r.code.name(),
            u16::from(r.code),
            r.reason.name(),
            u16::from(r.reason)
        ),
        Body::Aen(a) => format!("AEN type {:#04x}", a.aen_type()),
    };
    let body = match &packet.body {
        Body::Command(c) => format!("{c:#?}"),
        Body::Response(r) => format!("{:#?}", r.data),
        Body::Aen(a) => format!("{a:#?}"),
    };
    Ok(format!(
        "{prefix}{what}\n  IID {:#04x}, {}, MC ID {:#04x}\n{}",
        packet.iid,
        packet.channel,
        packet.mc_id,
        body.lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    ))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Cmd::Ncsi(args) => {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("sidebridge: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match rt.block_on(sidebridge::cli::run(args)) {
                Ok(text) => {
                    print!("{text}");
                    if !text.ends_with('\n') {
                        println!();
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("sidebridge: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Decode { hex } => {
            let inputs: Vec<String> = if hex.is_empty() {
                std::io::stdin()
                    .lines()
                    .map_while(Result::ok)
                    .filter(|l| !l.trim().is_empty())
                    .collect()
            } else {
                hex
            };
            let mut failed = false;
            let mut stdout = std::io::stdout().lock();
            for (i, input) in inputs.iter().enumerate() {
                match parse_hex(input).and_then(|b| describe(&b)) {
                    Ok(text) => {
                        // A closed pipe (`| head`) ends the output quietly.
                        if writeln!(stdout, "{text}").is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        eprintln!("input {}: {e}", i + 1);
                        failed = true;
                    }
                }
            }
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sidebridge_protocol::ncsi;

    #[test]
    fn decodes_a_frame_and_a_bare_packet() {
        let packet =
            PacketRepr::command(3, ncsi::ChannelId::new(1, 2), ncsi::Command::GetVersionId)
                .to_bytes()
                .unwrap();
        let text = describe(&packet).unwrap();
        assert!(
            text.starts_with("Get Version ID command\n  IID 0x03, package 1 channel 2"),
            "{text}"
        );
        let frame = NcsiFrame::broadcast(PacketRepr::parse(&packet).unwrap())
            .to_bytes()
            .unwrap();
        let text = describe(&frame).unwrap();
        assert!(
            text.starts_with(
                "Ethernet ff:ff:ff:ff:ff:ff -> ff:ff:ff:ff:ff:ff, NC-SI Get Version ID"
            ),
            "{text}"
        );
    }

    #[test]
    fn reports_bad_hex_and_bad_packets_precisely() {
        assert_eq!(parse_hex("abc"), Err("odd number of hex digits (3)".into()));
        assert_eq!(parse_hex("zz"), Err("not hex at offset 0: \"zz\"".into()));
        assert_eq!(parse_hex("0x00 01:02"), Ok(vec![0, 1, 2]));
        assert_eq!(
            describe(&[0; 4]),
            Err("truncated: need 16 bytes, have 4".into())
        );
    }

    /// The quick start in README.md shows a decode command and its output; they must
    /// stay true.
    #[test]
    fn readme_quick_start_output_is_current() {
        let readme = include_str!("../README.md");
        let hex = readme
            .split("cargo run -- decode ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("README has a decode example");
        let shown = readme
            .split("```text\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("README shows the decode output");
        let got = describe(&parse_hex(hex).unwrap()).unwrap();
        assert_eq!(shown.trim_end(), got.trim_end());
    }
}
