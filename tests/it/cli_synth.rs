//! `cwfilter synth` on the command line.

use crate::support::cwfilter;

#[test]
fn writes_a_trail_and_refuses_to_mix_trails() {
    let out = std::env::temp_dir().join(format!("cwfilter-cli-synth-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let run = |extra: &[&str]| {
        cwfilter()
            .args([
                "synth",
                "--days",
                "1",
                "--events-per-day",
                "500",
                "--seed",
                "9",
            ])
            .args(["--regions", "eu-central-1", "--account", "210987654321"])
            .arg("--out")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    let first = run(&["--start", "2024-02-29"]);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("incidents"), "{stderr}");
    let day = out.join("AWSLogs/210987654321/CloudTrail/eu-central-1/2024/02/29");
    assert!(std::fs::read_dir(&day).unwrap().count() > 100);
    assert!(out.join("labels.jsonl").is_file());
    // The directory now holds a trail: a second run must not add another one to it.
    let again = run(&[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
    std::fs::remove_dir_all(&out).unwrap();

    for (bad, message) in [
        (vec!["--start", "2024-02-30"], "is not a date"),
        (vec!["--account", "12"], "account must be 12 digits"),
        (vec!["--regions", "US_EAST"], "is not a region name"),
    ] {
        let o = cwfilter()
            .args(["synth", "--days", "1", "--events-per-day", "10", "--out"])
            .arg(&out)
            .args(&bad)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(message),
            "{o:?}"
        );
        let _ = std::fs::remove_dir_all(&out);
    }
}

#[test]
fn no_incidents_writes_only_benign_labels() {
    let out = std::env::temp_dir().join(format!("cwfilter-cli-synth-noinc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = cwfilter()
        .args([
            "synth",
            "--days",
            "1",
            "--events-per-day",
            "300",
            "--no-incidents",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let labels = std::fs::read_to_string(out.join("labels.jsonl")).unwrap();
    assert!(!labels.is_empty());
    assert!(!labels.contains("malicious"));
    std::fs::remove_dir_all(&out).unwrap();
}
