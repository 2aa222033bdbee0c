use super::*;
use proptest::prelude::*;

const DISTRICTS: [(&str, &str); 12] = [
    ("100", "中正區"),
    ("103", "大同區"),
    ("104", "中山區"),
    ("105", "松山區"),
    ("106", "大安區"),
    ("108", "萬華區"),
    ("110", "信義區"),
    ("111", "士林區"),
    ("112", "北投區"),
    ("114", "內湖區"),
    ("115", "南港區"),
    ("116", "文山區"),
];

fn ctx() -> Context {
    Context {
        districts: DISTRICTS
            .iter()
            .map(|(c, n)| (c.to_string(), n.to_string()))
            .collect(),
        categories: vec![(
            "1999-R09".into(),
            "河濱自行車道破損、散落物、油漬及樹倒".into(),
        )],
        utc_offset_minutes: 480,
    }
}

fn fullwidth(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

#[test]
fn a_typical_row() {
    let row = parse_dispatch(
        &[
            "2015070100002",
            "路燈故障或設施損壞",
            "大安區和2弄",
            "20150701",
            "003200",
        ],
        &ctx(),
    )
    .unwrap();
    assert_eq!(
        row,
        DispatchRow {
            case_id: SourceCaseId::Valid(CaseNumber::parse("2015070100002").unwrap()),
            category_code: "1999-L01".into(),
            address: Some("大安區和2弄".into()),
            district_code: Some("106".into()),
            local_date: "20150701".into(),
            // 2015-07-01 00:32:00 +08:00 is 2015-06-30 16:32:00 UTC.
            requested_at: 1_435_681_920,
        }
    );
}

#[test]
fn local_time_becomes_utc_across_midnight() {
    let row = parse_dispatch(&["", "污染舉發", "北投區", "20160101", "070000"], &ctx()).unwrap();
    assert_eq!(
        domain::datetime::format_unix(row.requested_at),
        "2015-12-31T23:00:00Z"
    );
    assert_eq!(row.local_date, "20160101", "the local date names the day");
}

#[test]
fn empty_and_damaged_case_ids() {
    let parse = |id: &str| {
        parse_dispatch(&[id, "污染舉發", "北投區", "20150701", "011700"], &ctx())
            .unwrap()
            .case_id
    };
    assert_eq!(parse(""), SourceCaseId::Missing);
    assert_eq!(parse("   "), SourceCaseId::Missing);
    assert_eq!(
        parse("2.01507E+12"),
        SourceCaseId::Damaged("2.01507E+12".into())
    );
    assert_eq!(
        parse("2015070100000"),
        SourceCaseId::Damaged("2015070100000".into()),
        "sequence 0 is not a case number"
    );
    assert_eq!(
        parse("２０１５０７０１０００４２"),
        SourceCaseId::Valid(CaseNumber::parse("2015070100042").unwrap()),
        "full-width digits"
    );
}

#[test]
fn full_width_digits_in_address_date_and_time() {
    let row = parse_dispatch(
        &[
            "",
            "大型廢棄物清運聯繫",
            "松山區延吉街６４之２號",
            "２０１５０７０１",
            "０１３４００",
        ],
        &ctx(),
    )
    .unwrap();
    assert_eq!(row.address.as_deref(), Some("松山區延吉街64之2號"));
    assert_eq!(row.district_code.as_deref(), Some("105"));
    assert_eq!(row.local_date, "20150701");
}

#[test]
fn bad_dates_and_times() {
    let parse =
        |date: &str, time: &str| parse_dispatch(&["", "污染舉發", "北投區", date, time], &ctx());
    assert_eq!(
        parse("20150231", "000000"),
        Err(RowError::Date("20150231".into()))
    );
    assert_eq!(
        parse("2015071", "000000"),
        Err(RowError::Date("2015071".into()))
    );
    assert_eq!(parse("", "000000"), Err(RowError::Date("".into())));
    assert_eq!(
        parse("2O150701", "000000"),
        Err(RowError::Date("2O150701".into()))
    );
    assert_eq!(
        parse("20150701", "240000"),
        Err(RowError::Time("240000".into()))
    );
    assert_eq!(
        parse("20150701", "12345"),
        Err(RowError::Time("12345".into()))
    );
    assert_eq!(
        parse("20150701", "1200ab"),
        Err(RowError::Time("1200ab".into()))
    );
    assert!(parse("20160229", "235959").is_ok(), "leap day");
    assert!(parse("20150701", "12:34:56").is_ok());
}

#[test]
fn wrong_column_counts() {
    assert_eq!(
        parse_dispatch(&["", "污染舉發", "北投區", "20150701"], &ctx()),
        Err(RowError::Columns {
            found: 4,
            expected: 5
        })
    );
    assert_eq!(
        parse_streetlight(&["1", "大安", "x", "y", "2024-01-01T00:00:00", "z"], &ctx()),
        Err(RowError::Columns {
            found: 6,
            expected: 5
        })
    );
}

#[test]
fn every_spelling_maps_to_a_code() {
    let c = ctx();
    for (spelling, code) in DISPATCH_CATEGORIES {
        assert_eq!(dispatch_category(spelling, &c.categories), Some(*code));
    }
    assert_eq!(DISPATCH_CATEGORIES.len(), 28);
    let distinct: std::collections::HashSet<_> =
        DISPATCH_CATEGORIES.iter().map(|(_, c)| c).collect();
    assert_eq!(distinct.len(), 23, "the real categories");
}

#[test]
fn lenient_category_matching() {
    let c = ctx();
    let code = |s: &str| dispatch_category(s, &c.categories);
    // The taxonomy's own name.
    assert_eq!(
        code("河濱自行車道破損、散落物、油漬及樹倒"),
        Some("1999-R09")
    );
    // Spaces, full-width parentheses, 台/臺, 汙/污.
    assert_eq!(
        code(" 交通標誌及設施物損壞（含污損）傾斜 "),
        Some("1999-T03")
    );
    assert_eq!(code("用戶無水 漏水報修"), Some("1999-U01"));
    // A character lost in conversion.
    assert_eq!(code("路燈故障或設施損\u{FFFD}"), Some("1999-L01"));
    assert_eq!(code("路燈?障或設施損壞"), Some("1999-L01"));
    // Unknown or too damaged.
    assert_eq!(code("路燈"), None);
    assert_eq!(code("???"), None);
    assert_eq!(code(""), None);
}

#[test]
fn unknown_category_is_an_error() {
    assert_eq!(
        parse_dispatch(&["", "外星人入侵", "北投區", "20150701", "000000"], &ctx()),
        Err(RowError::Category("外星人入侵".into()))
    );
}

#[test]
fn partial_and_descriptive_addresses() {
    let row = |a: &str| parse_dispatch(&["", "污染舉發", a, "20150701", "000000"], &ctx()).unwrap();
    assert_eq!(row("北投區").district_code.as_deref(), Some("112"));
    let r = row("3樓住戶 冷氣滴水");
    assert_eq!(r.district_code, None);
    assert_eq!(r.address.as_deref(), Some("3樓住戶 冷氣滴水"));
    assert_eq!(row("").address, None);
    assert_eq!(
        row("信義區110台灣台北市信義區虎林街60巷13 樓2號")
            .district_code
            .as_deref(),
        Some("110")
    );
}

#[test]
fn byte_order_marks_and_headers() {
    assert!(is_header(
        &["\u{FEFF}case_id", "category", "address", "date", "time"],
        &DISPATCH_HEADER
    ));
    assert!(is_header(
        &[
            "\u{FEFF}查報序號",
            "行政區",
            "查報地點",
            "故障情形",
            "查報日期"
        ],
        &STREETLIGHT_HEADER
    ));
    assert!(!is_header(&["case_id", "category"], &DISPATCH_HEADER));
    let row = parse_dispatch(
        &[
            "\u{FEFF}2015070100001",
            "污染舉發",
            "文山區",
            "20150701",
            "000400",
        ],
        &ctx(),
    )
    .unwrap();
    assert!(matches!(row.case_id, SourceCaseId::Valid(_)));
}

#[test]
fn a_streetlight_report() {
    let row = parse_streetlight(
        &[
            "11300003",
            "松山",
            "  105台北市松山區民生東路四段56號",
            "【單一閃爍】民生東路四段56號的路燈不亮，煩請處理，謝謝。\n",
            "2024-01-01T11:17:00",
        ],
        &ctx(),
    )
    .unwrap();
    assert_eq!(row.report_number, "11300003");
    assert_eq!(row.district_code.as_deref(), Some("105"));
    assert_eq!(
        row.address.as_deref(),
        Some("105台北市松山區民生東路四段56號")
    );
    assert_eq!(
        row.description,
        "【單一閃爍】民生東路四段56號的路燈不亮，煩請處理，謝謝。"
    );
    assert_eq!(row.local_date, "20240101");
    assert_eq!(
        domain::datetime::format_unix(row.requested_at),
        "2024-01-01T03:17:00Z"
    );
}

#[test]
fn streetlight_districts_and_dates() {
    let parse = |district: &str, place: &str, when: &str| {
        parse_streetlight(&["1", district, place, "路燈不亮", when], &ctx())
    };
    assert_eq!(
        parse("非台北市域", "三重國小站", "2024-01-18T13:26:00"),
        Err(RowError::District("非台北市域".into()))
    );
    assert_eq!(
        parse("", "臺北市文山區萬芳路", "2024-01-18T13:26:00")
            .unwrap()
            .district_code
            .as_deref(),
        Some("116")
    );
    assert_eq!(
        parse("", "某處", "2024-01-18 13:26").unwrap().district_code,
        None
    );
    assert_eq!(
        parse("大安", "x", "2024-13-01T00:00:00"),
        Err(RowError::Date("2024-13-01T00:00:00".into()))
    );
    assert_eq!(
        parse("大安", "x", "20240101"),
        Err(RowError::Date("20240101".into()))
    );
}

#[test]
fn errors_read_well() {
    assert_eq!(
        RowError::Columns {
            found: 3,
            expected: 5
        }
        .to_string(),
        "3 columns instead of 5"
    );
    assert_eq!(
        RowError::Category("x".into()).to_string(),
        "unknown category \"x\""
    );
}

proptest! {
    /// Any valid local date and time parses, in ASCII or full-width digits, to the instant
    /// eight hours earlier in UTC, and the local date is the date column.
    #[test]
    fn dates_and_times_round_trip(
        year in 2000i32..2100, month in 1u8..=12, day in 1u8..=31,
        h in 0u8..24, m in 0u8..60, s in 0u8..60, wide in any::<bool>(),
    ) {
        let Some(date) = date_from(year, month, day) else { return Ok(()); };
        let d = format!("{year:04}{month:02}{day:02}");
        let t = format!("{h:02}{m:02}{s:02}");
        let (d2, t2) = if wide { (fullwidth(&d), fullwidth(&t)) } else { (d.clone(), t.clone()) };
        let row = parse_dispatch(&["", "污染舉發", "北投區", &d2, &t2], &ctx()).unwrap();
        prop_assert_eq!(&row.local_date, &d);
        let local = PrimitiveDateTime::new(date, Time::from_hms(h, m, s).unwrap())
            .assume_utc()
            .unix_timestamp();
        prop_assert_eq!(row.requested_at, local - 8 * 3600);
    }

    /// The parsers never panic, whatever the fields hold.
    #[test]
    fn never_panics(fields in proptest::collection::vec(".{0,20}", 0..8)) {
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        let _ = parse_dispatch(&refs, &ctx());
        let _ = parse_streetlight(&refs, &ctx());
    }

    /// Case ids: a valid number survives full-width conversion, anything else that is not
    /// empty is kept as damaged rather than dropped.
    #[test]
    fn case_ids_are_valid_missing_or_damaged(id in "[0-9０-９ E.+]{0,15}") {
        let row = parse_dispatch(&[&id, "污染舉發", "北投區", "20150701", "000000"], &ctx()).unwrap();
        let clean = clean_field(&id);
        match row.case_id {
            SourceCaseId::Valid(n) => prop_assert_eq!(n.as_str(), clean.as_str()),
            SourceCaseId::Missing => prop_assert!(clean.is_empty()),
            SourceCaseId::Damaged(d) => {
                prop_assert_eq!(&d, &clean);
                prop_assert!(CaseNumber::parse(&d).is_err());
            }
        }
    }

    /// Addresses come back half-width and trimmed, and a district is found whenever the
    /// address starts with one.
    #[test]
    fn addresses_start_with_their_district(
        i in 0usize..12, rest in "[0-9０-９路街巷弄號之 ]{0,12}",
    ) {
        let (code, name) = DISTRICTS[i];
        let address = format!("{name}{rest}");
        let row = parse_dispatch(&["", "污染舉發", &address, "20150701", "000000"], &ctx()).unwrap();
        prop_assert_eq!(row.district_code.as_deref(), Some(code));
        let a = row.address.unwrap();
        prop_assert!(!a.chars().any(|c| ('０'..='９').contains(&c)));
        prop_assert_eq!(a.trim(), a.as_str());
    }
}
