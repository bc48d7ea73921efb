//! The built binary run as a script runs it: against one set of test stores, with no
//! config file or profile from the environment.
#![allow(dead_code)]

use std::process::Command;

use super::Stores;

/// What a run of the binary gave.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The binary with `args` alone and its environment as a script's would be: no config
/// file, no profile.
fn bare(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenantscope"));
    command
        .args(args)
        .env_remove("TENANTSCOPE_CONFIG")
        .env_remove("TENANTSCOPE_PROFILE")
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("tenantscope-no-config"),
        );
    command
}

/// `tenantscope --pg … --mongo … --bucket … ARGS`.
pub fn tenantscope(stores: &Stores, args: &[&str]) -> Ran {
    let flags = [
        "--pg",
        &stores.pg_url,
        "--mongo",
        &stores.mongo_uri,
        "--bucket",
        &stores.bucket,
    ];
    let out = bare(&[&flags[..], args].concat())
        .output()
        .expect("run the binary");
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `tenantscope ARGS` with the stores in its environment (`TENANTSCOPE_PG`, …), where
/// `env` can replace or blank any of them. Its output must be UTF-8.
pub fn tenantscope_by_env(stores: &Stores, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let out = bare(args)
        .env("TENANTSCOPE_PG", &stores.pg_url)
        .env("TENANTSCOPE_MONGO", &stores.mongo_uri)
        .env("TENANTSCOPE_BUCKET", &stores.bucket)
        .envs(env.iter().copied())
        .output()
        .expect("run the binary");
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
