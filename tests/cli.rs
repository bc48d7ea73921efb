//! The binary's command line: clear one-line reasons and exit status 2 for what it cannot
//! use, before any terminal setup.

use std::process::Command;

fn tenantscope(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenantscope"));
    command.args(args);
    for name in [
        "TENANTSCOPE_PG",
        "TENANTSCOPE_MONGO",
        "TENANTSCOPE_BUCKET",
        "TENANTSCOPE_PROFILE",
        "TENANTSCOPE_CONFIG",
    ] {
        command.env_remove(name);
    }
    command.env(
        "XDG_CONFIG_HOME",
        std::env::temp_dir().join("tenantscope-no-config"),
    );
    for (name, value) in env {
        command.env(name, value);
    }
    let out = command.output().expect("run the binary");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn without_a_terminal_the_explorer_refuses_clearly() {
    // No stores would open the demo; with no terminal there is nothing to draw on.
    let (code, stderr) = tenantscope(&[], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("needs a terminal"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn config_file_problems_are_one_line_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("tenantscope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        "[profile.prod]\npg = \"${TS_TEST_UNSET_VARIABLE}\"\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();

    let (code, stderr) = tenantscope(&["--config", "/nonexistent/config.toml"], &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read /nonexistent/config.toml"),
        "{stderr}"
    );

    let (code, stderr) = tenantscope(&["--config", path, "--profile", "staging"], &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no [profile.staging]") && stderr.contains("prod"),
        "{stderr}"
    );

    let (code, stderr) = tenantscope(&["--config", path, "--profile", "prod"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("${TS_TEST_UNSET_VARIABLE}"), "{stderr}");

    let (code, stderr) = tenantscope(&["--profile", "prod"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("needs a config file"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn passwords_never_reach_the_messages() {
    let (code, stderr) = tenantscope(
        &[
            "dev",
            "migrate",
            "--pg",
            "postgres://u:hunter2@127.0.0.1:9/db",
            "--mongo",
            "mongodb://127.0.0.1:9/db",
            "--bucket",
            "b",
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("u:***@127.0.0.1:9"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}
