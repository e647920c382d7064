//! File mode: `keysplit split --in FILE --out-dir DIR` and
//! `keysplit combine --out FILE SHARE_FILE...`, streamed through `keysplit::stream` so
//! memory stays bounded whatever the file's size (`scripts/bench-files.sh` checks the peak
//! stays under 16 MiB). The stream reads and writes in large chunks itself, so the files are
//! not wrapped in `BufReader`/`BufWriter` (255 buffers of 64 KiB would be 16 MiB alone).
//!
//! Share files are binary envelopes named `<input name>.share<i>.ks`. The recovered
//! secret is written to a temporary file next to `--out` and renamed into place only
//! after the digest and every checksum verified; on any error it is deleted.
//!
//! With `--raw`, share files are Privy/Vault raw shares `<input name>.share<i>.raw`
//! (`y bytes || x`, what `keysplit::raw` reads): gfsplit's trade-off, no integrity at
//! all, so a wrong share gives a wrong file. Combine still writes to a temporary file
//! and renames it, but there is nothing to verify first.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use keysplit::hazmat::Backend;
use keysplit::stream::{self, StreamError};

use crate::io::progress;
use crate::{CliError, CliResult};

fn stream_error(e: StreamError) -> CliError {
    CliError(e.to_string())
}

/// Creates a file that must not exist yet, readable only by its owner.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Deletes the files in `paths` when dropped, unless `keep` was called.
struct Cleanup {
    paths: Vec<PathBuf>,
}

impl Cleanup {
    fn keep(mut self) {
        self.paths.clear();
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for path in &self.paths {
            let _ = fs::remove_file(path);
        }
    }
}

pub fn split(
    threshold: usize,
    shares: usize,
    input: &Path,
    out_dir: &Path,
    raw: bool,
) -> CliResult {
    let file =
        File::open(input).map_err(|e| CliError(format!("cannot open {}: {e}", display(input))))?;
    let secret_len = file
        .metadata()
        .map_err(|e| CliError(format!("cannot read {}: {e}", display(input))))?
        .len();
    if secret_len == 0 {
        return Err(CliError(format!(
            "{} is empty: nothing to split",
            display(input)
        )));
    }
    fs::create_dir_all(out_dir)
        .map_err(|e| CliError(format!("cannot create {}: {e}", display(out_dir))))?;
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "secret".to_string());
    let paths: Vec<PathBuf> = (1..=shares)
        .map(|i| {
            out_dir.join(format!(
                "{name}.share{i}.{}",
                if raw { "raw" } else { "ks" }
            ))
        })
        .collect();
    let mut cleanup = Cleanup { paths: Vec::new() };
    let mut writers = Vec::with_capacity(shares);
    for path in &paths {
        let file = create_private(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                CliError(format!(
                    "{} already exists; keysplit never overwrites shares (remove it or pick another --out-dir)",
                    display(path)
                ))
            } else {
                CliError(format!("cannot create {}: {e}", display(path)))
            }
        })?;
        cleanup.paths.push(path.clone());
        writers.push(file);
    }

    let bar = progress(Some(secret_len), "splitting");
    let reader = bar.wrap_read(file);
    let mut rng = keysplit::os_rng()?;
    let set = if raw {
        stream::split_raw(
            reader,
            secret_len,
            threshold,
            &mut writers,
            &mut rng,
            Backend::detect(),
        )
        .map_err(stream_error)?;
        "raw shares, no integrity check".to_string()
    } else {
        let set_id = stream::split(reader, secret_len, threshold, &mut writers, &mut rng)
            .map_err(stream_error)?;
        format!("set {set_id}")
    };
    for (file, path) in writers.iter().zip(&paths) {
        file.sync_all()
            .map_err(|e| CliError(format!("cannot write {}: {e}", display(path))))?;
    }
    bar.finish_and_clear();
    cleanup.keep();

    let mut out = String::new();
    out.push_str(&format!(
        "# {shares} shares of {} ({secret_len} bytes), any {threshold} rebuild it; {set}\n",
        display(input)
    ));
    for path in &paths {
        out.push_str(&display(path));
        out.push('\n');
    }
    crate::io::write_stdout(out.as_bytes())
}

pub fn combine(out: &Path, share_files: &[PathBuf], raw: bool) -> CliResult {
    if out.exists() {
        return Err(CliError(format!(
            "{} already exists; keysplit never overwrites it (remove it or pick another --out)",
            display(out)
        )));
    }
    let mut readers = Vec::with_capacity(share_files.len());
    let mut total = 0u64;
    for path in share_files {
        let file = File::open(path)
            .map_err(|e| CliError(format!("cannot open share {}: {e}", display(path))))?;
        total += file.metadata().map(|m| m.len()).unwrap_or(0);
        readers.push(file);
    }

    let directory = match out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| CliError(format!("--out {} is not a file name", display(out))))?;
    let temporary = directory.join(format!(".{file_name}.keysplit-{}.tmp", std::process::id()));
    let file = create_private(&temporary)
        .map_err(|e| CliError(format!("cannot create {}: {e}", display(&temporary))))?;
    let cleanup = Cleanup {
        paths: vec![temporary.clone()],
    };

    let bar = progress(Some(total), "combining");
    let mut file = file;
    // Name the file rather than its position.
    let named = |e: StreamError| CliError(with_file_names(e.to_string(), share_files));
    let (secret_len, inconsistent) = {
        let mut inputs: Vec<_> = readers.iter_mut().map(|r| bar.wrap_read(r)).collect();
        if raw {
            let len =
                stream::combine_raw(&mut inputs, &mut file, Backend::detect()).map_err(named)?;
            (len, Vec::new())
        } else {
            let report = stream::combine(&mut inputs, &mut file).map_err(named)?;
            (report.secret_len(), report.inconsistent().to_vec())
        }
    };
    file.sync_all()
        .map_err(|e| CliError(format!("cannot write {}: {e}", display(&temporary))))?;
    drop(file);
    fs::rename(&temporary, out)
        .map_err(|e| CliError(format!("cannot move the secret into {}: {e}", display(out))))?;
    cleanup.keep();
    bar.finish_and_clear();

    for index in &inconsistent {
        eprintln!(
            "keysplit: warning: share {} does not agree with the others (altered or forged); replace it",
            share_files
                .get(*index)
                .map(|p| display(p))
                .unwrap_or_else(|| format!("#{}", index + 1))
        );
    }
    let summary = format!("# wrote {secret_len} bytes to {}\n", display(out));
    crate::io::write_stdout(summary.as_bytes())
}

/// Appends the file names to messages that number shares ("share #2 ...", "shares #1
/// and #2 ..."), so the user knows which files to look at.
fn with_file_names(message: String, share_files: &[PathBuf]) -> String {
    let mut named: Vec<usize> = Vec::new();
    let mut rest = message.as_str();
    while let Some(at) = rest.find('#') {
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if let Ok(number) = rest[..digits].parse::<usize>() {
            if (1..=share_files.len()).contains(&number) && !named.contains(&number) {
                named.push(number);
            }
        }
    }
    if named.is_empty() {
        return message;
    }
    let names: Vec<String> = named
        .iter()
        .map(|&number| format!("#{number} is {}", display(&share_files[number - 1])))
        .collect();
    format!("{message} ({})", names.join(", "))
}
