//! The real binary in a real terminal: a tmux server of its own runs it, send-keys
//! types, capture-pane reads the screen.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

use super::Stores;

/// A tmux server of its own (its own socket), killed on drop.
pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    /// A server named `name` (made unique to this process) running the binary on
    /// `stores` in session `ts`, `width`×`height`, with `env` added to the stores' and
    /// S3's variables; when the binary exits, the shell runs `then`.
    pub fn start(
        name: &str,
        stores: &Stores,
        (width, height): (u16, u16),
        env: &[(&str, &str)],
        then: &str,
    ) -> Tmux {
        let tmux = Tmux {
            socket: format!("{name}-{}", std::process::id()),
        };
        let (width, height) = (width.to_string(), height.to_string());
        let mut args: Vec<String> = ["new-session", "-d", "-s", "ts", "-x", &width, "-y", &height]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let stores_env = [
            ("TENANTSCOPE_PG", stores.pg_url.clone()),
            ("TENANTSCOPE_MONGO", stores.mongo_uri.clone()),
            ("TENANTSCOPE_BUCKET", stores.bucket.clone()),
        ];
        let s3_env = [
            "AWS_ENDPOINT_URL_S3",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_REGION",
        ]
        .map(|name| (name, std::env::var(name).unwrap_or_default()));
        let extra = env.iter().map(|(n, v)| (*n, v.to_string()));
        for (name, value) in stores_env.into_iter().chain(s3_env).chain(extra) {
            args.push("-e".into());
            args.push(format!("{name}={value}"));
        }
        args.push(format!("{}; {then}", env!("CARGO_BIN_EXE_tenantscope")));
        tmux.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        tmux
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs (scripts/install-deps installs it)");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "ts"])
    }

    pub fn keys(&self, keys: &str, times: usize) {
        for _ in 0..times {
            self.run(&["send-keys", "-t", "ts", keys]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// `:` with `id` typed literally, then Enter: the palette's jump.
    pub fn jump(&self, id: &str) {
        self.run(&["send-keys", "-t", "ts", ":"]);
        self.run(&["send-keys", "-t", "ts", "-l", id]);
        self.run(&["send-keys", "-t", "ts", "Enter"]);
    }

    /// Waits until the screen satisfies `ready`.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waited for {what}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The newest paste buffer, if any.
    pub fn buffer(&self) -> Option<String> {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "show-buffer"])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The line the tree highlights.
    pub fn selected_line(&self) -> String {
        self.screen()
            .lines()
            .find(|l| l.contains("│> "))
            .unwrap_or_default()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
