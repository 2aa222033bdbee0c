//! The configuration's tests: defaults, the file, the environment and the flags.

use super::*;

#[test]
fn flags_win_over_the_file_which_wins_over_defaults() {
    let file: FileConfig =
        toml::from_str("bind = \"0.0.0.0:9000\"\ndata_dir = \"/srv/cd\"").unwrap();
    let s = Settings::resolve(&file, &DbArgs::default(), &ServeArgs::default());
    assert_eq!(s.bind, "0.0.0.0:9000");
    assert_eq!(s.database_url, "sqlite:///srv/cd/civicdesk.db");
    let flags = ServeArgs {
        bind: Some("127.0.0.1:1".into()),
        ..ServeArgs::default()
    };
    assert_eq!(
        Settings::resolve(&file, &DbArgs::default(), &flags).bind,
        "127.0.0.1:1"
    );
    assert!(
        toml::from_str::<FileConfig>("bnid = 1").is_err(),
        "typos are reported"
    );
}

#[test]
fn notify_settings_come_from_the_file_flags_and_secret_variables() {
    let file: FileConfig = toml::from_str(
        r#"
[notify]
workers = 2
retry_schedule_secs = [1, 2]
[notify.smtp]
host = "smtp.example.gov.tw"
tls = "tls"
username = "mailer"
password = "from-file"
from = "1999 <no-reply@example.gov.tw>"
[notify.sms]
url = "https://sms.example.com/send"
secret = "0123456789abcdef0123"
[notify.caps]
sms = 100
[notify.caps.jurisdictions."kcg.gov.tw"]
sms = 5
"#,
    )
    .unwrap();
    let args = NotifyArgs {
        smtp_port: Some(2465),
        ..NotifyArgs::default()
    };
    let env = |k: &str| (k == "CIVICDESK_SMTP_PASSWORD").then(|| "from-env".to_string());
    let c = resolve_notify(file.notify.as_ref(), &args, env).unwrap();
    let smtp = c.smtp.as_ref().unwrap();
    assert_eq!((smtp.port, smtp.tls), (2465, SmtpTls::Tls));
    assert_eq!(smtp.password.as_deref(), Some("from-env"));
    assert_eq!(c.retry_schedule, vec![1, 2]);
    assert_eq!(
        c.caps.cap("kcg.gov.tw", domain::notify::Channel::Sms),
        Some(5)
    );
    let printed = describe_notify(&c);
    assert!(!printed.contains("from-env") && !printed.contains("0123456789abcdef"));
    assert!(printed.contains("smtp.example.gov.tw") && printed.contains("***"));

    let no_from: FileConfig = toml::from_str("[notify.smtp]\nhost = \"h\"").unwrap();
    assert!(resolve_notify(no_from.notify.as_ref(), &NotifyArgs::default(), |_| None).is_err());
    let weak: FileConfig =
        toml::from_str("[notify.sms]\nurl = \"http://gw\"\nsecret = \"short\"").unwrap();
    assert!(resolve_notify(weak.notify.as_ref(), &NotifyArgs::default(), |_| None).is_err());
    let none = resolve_notify(None, &NotifyArgs::default(), |_| None).unwrap();
    assert!(none.smtp.is_none() && none.sms.is_none());
}

#[test]
fn passwords_are_hidden() {
    let db = DbArgs {
        database_url: Some("postgres://cd:secret@db:5432/cd".into()),
        ..DbArgs::default()
    };
    let s = Settings::resolve(&FileConfig::default(), &db, &ServeArgs::default());
    assert_eq!(s.database_url_redacted(), "postgres://cd:***@db:5432/cd");
}

#[test]
fn retention_periods_name_a_rule_of_the_build_and_keep_data_a_day_at_least() {
    let file: FileConfig = toml::from_str("[retention]\n\"cases.calls\" = 365").unwrap();
    assert_eq!(
        super::retention(file.retention.as_ref()).unwrap()["cases.calls"],
        365
    );
    let typo: FileConfig = toml::from_str("[retention]\n\"cases.call\" = 365").unwrap();
    let e = super::retention(typo.retention.as_ref())
        .unwrap_err()
        .to_string();
    assert!(e.contains("cases.call") && e.contains("cases.calls"), "{e}");
    let zero: FileConfig = toml::from_str("[retention]\n\"cases.reporters\" = 0").unwrap();
    assert!(super::retention(zero.retention.as_ref()).is_err());
    assert!(super::retention(None).unwrap().is_empty());
}
