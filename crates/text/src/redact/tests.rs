//! One test per row of the table and per variant the security test (F4, F5) found unmasked.

use super::*;

/// Asserts that each text, written inside a sentence, comes out as `＊＊＊`, and that the
/// output is stable when read again.
fn masks(variants: &[&str]) {
    for variant in variants {
        let text = format!("請聯絡 {variant} 謝謝");
        let out = redact_personal_data(&text);
        assert_eq!(out, "請聯絡 ＊＊＊ 謝謝", "{variant:?}");
        assert_eq!(redact_personal_data(&out), out, "{variant:?} read again");
    }
}

fn keeps(texts: &[&str]) {
    for text in texts {
        assert_eq!(redact_personal_data(text), *text);
    }
}

#[test]
fn the_table_compiles() {
    assert!(FREE_TEXT.as_ref().is_ok(), "{:?}", FREE_TEXT.as_ref().err());
    assert!(ADDRESS.as_ref().is_ok(), "{:?}", ADDRESS.as_ref().err());
    for row in PATTERNS {
        assert_eq!(
            row.matches.matches("(?P<m>").count(),
            1,
            "{}: one group m says what is masked",
            row.name
        );
    }
}

/// F4: mobile numbers with any separator, or none.
#[test]
fn phone_taiwan() {
    masks(&[
        "0912-345-678",
        "0912.345.678",
        "0912/345/678",
        "0912 345 678",
        "0912345678",
        "0912 - 345 - 678",
        "０９１２３４５６７８",
        "０９１２－３４５－６７８",
        "0981-353975",
    ]);
}

/// F4: landlines with the area code, brackets ASCII or full-width.
#[test]
fn phone_taiwan_landline() {
    masks(&[
        "(02)2720-8889",
        "（02）2720-8889",
        "02-2720-8889",
        "02 2720 8889",
        "(037)123456",
    ]);
    assert_eq!(
        redact_personal_data("張小姐 （0926-027-164）"),
        "張小姐 （＊＊＊）",
        "a bracket around the number stays a pair"
    );
}

/// F4: numbers with the country code.
#[test]
fn phone_taiwan_international() {
    masks(&[
        "886912345678",
        "+886-912-345-678",
        "+886 912 345 678",
        "+886 (0)2 2720 8889",
    ]);
}

#[test]
fn phone_international() {
    masks(&["+1 415 555 2671", "+44 20 7946 0958", "415-555-2671"]);
}

/// F4: a local landline written as a phone number: with a dash, or after a word.
#[test]
fn phone_local() {
    masks(&["2720-8889", "2736 2164"]);
    for (text, out) in [
        ("電話27208889", "電話＊＊＊"),
        ("手機：27208889", "手機：＊＊＊"),
        ("tel 2720 8889", "tel ＊＊＊"),
        ("call 27208889", "call ＊＊＊"),
        ("Tel: 27208889", "Tel: ＊＊＊"),
        ("聯絡電話（02）22393757", "聯絡電話＊＊＊"),
        ("沈先生29378667)", "沈先生＊＊＊)"),
        ("簡鄰長(27656282)", "簡鄰長(＊＊＊)"),
        ("通報公園處23121979高先生", "通報公園處＊＊＊高先生"),
        ("通報公園處23121979，謝先生", "通報公園處＊＊＊，謝先生"),
        ("電話 27208889 / 27208890", "電話 ＊＊＊"),
        ("通報公園處23815132#277呂先生", "通報公園處＊＊＊呂先生"),
        ("派工23815132分機277葉小姐", "派工＊＊＊葉小姐"),
    ] {
        assert_eq!(redact_personal_data(text), out, "{text:?}");
    }
}

/// F4: digits in Chinese numerals.
#[test]
fn phone_chinese_numerals() {
    masks(&[
        "零九一二三四五六七八",
        "〇九一二三四五六七八",
        "〇九一二 三四五 六七八",
    ]);
}

/// F4: zero-width characters, soft hyphens and bidirectional controls inside a number.
#[test]
fn phone_with_invisible_characters() {
    masks(&[
        "0912\u{200b}345678",
        "0\u{2060}912345678",
        "09\u{200c}12\u{200d}345\u{feff}678",
        "0912\u{00ad}345\u{00ad}678",
        "0912\u{202a}345\u{202c}678",
        "09\u{2066}12345678\u{2069}",
    ]);
}

/// F4: a number written backwards behind a right-to-left override shows as 0912-345-678.
#[test]
fn phone_reversed() {
    masks(&["\u{202e}876-543-2190", "\u{202e}8765432190\u{202c}"]);
}

/// Found by the `redaction` fuzz target (2026-11): a number followed by a space and a digit
/// was read as one 11-digit number, too long to be a phone number, and shown in full.
#[test]
fn phone_followed_by_other_digits() {
    assert_eq!(
        redact_personal_data("0913-305-678 5a.b@example.com"),
        "＊＊＊ ＊＊＊"
    );
    assert_eq!(
        redact_personal_data("請撥0912345678 3樓找王先生"),
        "請撥＊＊＊ 3樓找王先生"
    );
    assert_eq!(redact_personal_data("(02)2720-8889 2 次"), "＊＊＊ 2 次");
    let out = redact_personal_data("x@ae.0+8++000000000++@ae.5");
    assert_eq!(redact_personal_data(&out), out);
    assert!(!out.contains("000000000"), "{out}");
}

/// Found by the `redaction` fuzz target: `091NTD` was no plate while a phone number followed
/// it, and became one once the number was masked.
#[test]
fn what_a_mask_reveals_is_masked_too() {
    let out = redact_personal_data("091NTD0912\u{200b}34889");
    assert_eq!(out, "＊＊＊＊＊＊");
    assert_eq!(crate::mask_house_number("091NTD0912\u{200b}34889"), out);
}

/// F4: national and resident ID numbers.
#[test]
fn id_number() {
    masks(&[
        "A123456789",
        "a123456789",
        "A 123456789",
        "A123-456-789",
        "AC01234567",
        "A800000014",
        "A12345678９",
        "A123\u{200b}456789",
        "A\u{200d}123456789",
    ]);
    assert_eq!(redact_personal_data("身分證A123456789"), "身分證＊＊＊");
    assert_eq!(redact_personal_data("idA123456789"), "id＊＊＊");
    assert_eq!(redact_personal_data("路燈 0912345678"), "路燈 ＊＊＊");
    // A phone number cut into groups that each look like a lamp number is still a phone
    // number (found by the property test).
    assert_eq!(redact_personal_data("燈號 022.0000.000 "), "燈號 ＊＊＊ ");
    assert_eq!(
        redact_personal_data("路燈編號 09 1234 5678"),
        "路燈編號 ＊＊＊"
    );
    assert_eq!(redact_personal_data("路燈 0220 0000 00 "), "路燈 ＊＊＊ ");
    assert_eq!(
        redact_personal_data("燈號：0\u{200b}2\u{200b}2．0000．000"),
        "燈號：＊＊＊"
    );
    assert_eq!(redact_personal_data("編號 0227208889"), "編號 ＊＊＊");
}

#[test]
fn id_number_leaves_case_numbers() {
    keeps(&["案號A10-1130715-00193，再聲明如次", "聯單（CEA032830)"]);
}

/// F4: e-mail addresses, also spelt out to dodge filters.
#[test]
fn email() {
    masks(&[
        "wang@example.com",
        "wang@example.com.tw",
        "wang(at)example.com",
        "wang [at] example [dot] com",
        "wang＠example.com",
        "ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "wang@localhost",
        "wang\u{200b}@example.com",
        "W A N G @ example.com",
        "wang.da-ming+1999@mail.example.org",
    ]);
    assert_eq!(redact_personal_data("謝謝wang@example.com"), "謝謝＊＊＊");
    assert_eq!(
        redact_personal_data("mail wang@example.com."),
        "mail ＊＊＊."
    );
}

/// F4: an address whose local part is not ASCII (IDN): Chinese has no spaces, so the run of
/// letters before `@` goes with it.
#[test]
fn email_non_ascii() {
    assert_eq!(
        redact_personal_data("信箱 王@例子.台灣 謝謝"),
        "信箱 ＊＊＊ 謝謝"
    );
    assert_eq!(redact_personal_data("請寄王@例子.台灣"), "＊＊＊");
}

#[test]
fn email_leaves_mentions() {
    keeps(&["其他\n@明逸 請問路燈幾點熄"]);
}

/// F1, F4: licence plates, any case, with or without the dash.
#[test]
fn licence_plate() {
    masks(&[
        "ABC-1234",
        "AB-1234",
        "1234-AB",
        "ABC-123",
        "123-ABC",
        "abc-1234",
        "ABC1234",
        "abc1234",
        "AB1234",
        "1234ab",
        "ABC123",
        "123abc",
        "Z2-9772",
        "ＡＢＣ－１２３４",
    ]);
    assert_eq!(
        redact_personal_data("遭車輛AHU-6690擊落"),
        "遭車輛＊＊＊擊落"
    );
    assert_eq!(
        redact_personal_data("ln 0000-AA"),
        "ln ＊＊＊",
        "a plate after a lane word"
    );
    assert_eq!(
        redact_personal_data("ln 0000AA"),
        "ln ＊＊＊",
        "a plate after a lane word"
    );
    assert_eq!(redact_personal_data("Ln. 70-1"), "Ln. 70-1");
}

#[test]
fn licence_plate_leaves_amounts_and_codes() {
    keeps(&[
        "NT3000元",
        "NTD1500",
        "1500cc",
        "1999-L01",
        "路燈編號(5046)E003-02-L",
    ]);
}

/// Decided: a bank account number after the word is personal (it names its holder); a bare
/// long number is not cut into anything (case numbers are 13 digits).
#[test]
fn bank_account() {
    assert_eq!(
        redact_personal_data("帳號 0123456789012 請查"),
        "帳號 ＊＊＊ 請查"
    );
    assert_eq!(
        redact_personal_data("退款帳戶：012-345-678901"),
        "退款帳戶：＊＊＊"
    );
    keeps(&["案件編號2024032010285", "0123456789012"]);
}

/// F5: a house number in free text goes with its floor and room; lanes and alleys stay.
#[test]
fn house_number_on_a_road() {
    for (text, out) in [
        ("我住信義路五段7號3樓", "我住信義路五段○號"),
        ("松仁路12號前", "松仁路○號前"),
        ("松仁路 12 號", "松仁路 ○號"),
        ("松仁路十二號", "松仁路○號"),
        ("松仁路12号", "松仁路○號"),
        ("松仁路12\u{200b}號", "松仁路○號"),
        ("松仁路１２號", "松仁路○號"),
        ("松仁路12之3號4樓之1", "松仁路○號"),
        ("100巷3弄12號", "100巷3弄○號"),
        (
            "民生東路4段56巷3弄17號\n路燈不亮",
            "民生東路4段56巷3弄○號\n路燈不亮",
        ),
        ("嘉興街175巷2弄14號之間", "嘉興街175巷2弄○號之間"),
        ("敦化北路168號B1樓", "敦化北路○號"),
        ("我家7號3樓", "我家○號"),
    ] {
        assert_eq!(redact_personal_data(text), out, "{text:?}");
        assert_eq!(redact_personal_data(out), out, "{out:?} again");
    }
}

/// F5: English addresses in free text.
#[test]
fn english_house_number() {
    for (text, out) in [
        (
            "I live at No. 12, Songren Rd.",
            "I live at No. ○, Songren Rd.",
        ),
        ("No 12 Songren Rd", "No ○ Songren Rd"),
        ("no. 12, Lane 5, Songren Rd.", "no. ○, Lane 5, Songren Rd."),
        ("#12 Songren Rd", "#○ Songren Rd"),
        ("at 12, Lane 5, Songren Rd.", "at ○, Lane 5, Songren Rd."),
    ] {
        assert_eq!(redact_personal_data(text), out, "{text:?}");
    }
    keeps(&["lamp No. 12 is out", "Sec. 5, Xinyi Rd.", "3 lamps out"]);
}

#[test]
fn keeps_ordinary_text() {
    keeps(&[
        "編號0505364與0505365的路燈都不亮，信義路二段10巷，共3盞",
        "路燈電線垂落距離地面大約30公分",
        "1999-L01",
        "2026-12-06 14:30",
        "3,000元",
        "費用約2000-3000元",
        "2024-2025年",
        "路燈編號:1209341 1209340 1208993",
        "燈號：07071986 / 07071983",
        "臺北市北投區長安里008鄰光明路",
        "上午08點到晚上20點",
        "113年11月5日13時28分",
        "路燈沒有亮-20241206_17:37",
        "撥打110報案，已1999電話反應",
        "12月5號晚上",
        "捷運3號出口",
        "路燈編號：050505365、不會亮",
        "燈桿編號：025-2040554",
        "路燈0707468.469.464等也不亮",
        "路燈編號 033 114 115 116 201 212 214 不亮",
        "編號：景美溪左岸068(3013545)、景美溪左岸069(3013546)",
        "案件 W20-1130816-00023 2024/8/20 已完成",
        "#4510196 #4510197 #4510199",
    ]);
}

/// The output is half-width, without invisible characters; emoji sequences stay whole.
#[test]
fn normalises_what_it_shows() {
    assert_eq!(redact_personal_data("延吉街６４之２號"), "延吉街○號");
    assert_eq!(redact_personal_data("路燈\u{200b}不亮"), "路燈不亮");
    assert_eq!(
        redact_personal_data("謝謝👨\u{200d}👩\u{200d}👧"),
        "謝謝👨\u{200d}👩\u{200d}👧"
    );
}
