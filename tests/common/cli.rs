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

/// `tenantscope --pg … --mongo … --bucket … ARGS`.
pub fn tenantscope(stores: &Stores, args: &[&str]) -> Ran {
    tenantscope_with_env(stores, args, &[])
}

/// [`tenantscope`] with extra environment variables.
pub fn tenantscope_with_env(stores: &Stores, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let out = Command::new(env!("CARGO_BIN_EXE_tenantscope"))
        .args(["--pg", &stores.pg_url, "--mongo", &stores.mongo_uri])
        .args(["--bucket", &stores.bucket])
        .args(args)
        .env_remove("TENANTSCOPE_CONFIG")
        .env_remove("TENANTSCOPE_PROFILE")
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("tenantscope-no-config"),
        )
        .envs(env.iter().copied())
        .output()
        .expect("run the binary");
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
