//! Replays the committed corpus of the daemon's fuzz targets (fuzz/corpus: the seeds,
//! what campaigns kept, any crash input added with its fix) through the same harness
//! the `cargo fuzz` targets call, on stable Rust, in every test run.

#[path = "../fuzz/src/harness.rs"]
mod harness;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        if let Err(e) = std::panic::catch_unwind(|| run(&data)) {
            std::panic::resume_unwind(Box::new(format!(
                "{target}: {} failed: {}",
                f.display(),
                e.downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| e.downcast_ref::<&str>().copied())
                    .unwrap_or("?")
            )));
        }
    }
    files.len()
}

#[test]
fn the_router_corpus_answers_every_request_as_redfish() {
    let n = replay("redfish_router", harness::redfish_router);
    assert!(n >= 19, "only {n} router inputs");
    // The harness found the service's resources from the root, not a fixed list.
    let uris = &harness::service().uris;
    assert!(uris.len() > 40, "{} URIs", uris.len());
    assert!(
        uris.iter()
            .any(|u| u.ends_with("/Actions/ComputerSystem.Reset"))
    );
}

#[test]
fn the_config_corpus_parses_or_is_refused_without_a_panic() {
    assert!(replay("config", harness::config) >= 6);
}
