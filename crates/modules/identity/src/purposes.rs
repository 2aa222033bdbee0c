//! The uses of personal data the identity module makes beyond the task a citizen started, each
//! with its legal basis (`platform::personal_data`). Their names and explanations are the
//! messages `purpose-<code>` and `purpose-<code>-about`.

use platform::personal_data::{LegalBasis, Purpose, Recipient, Retention};

/// Records a citizen brings from MyData, kept to fill in the forms of their applications.
pub const MYDATA_PREFILL: Purpose = Purpose {
    code: "identity.mydata-prefill",
    data: &["real-name", "household-registration", "address"],
    recipient: Recipient::Module("identity"),
    basis: LegalBasis::Consent { max_days: 365 },
};

/// Every purpose of the module, as its definition declares them.
pub const ALL: &[Purpose] = &[MYDATA_PREFILL];

/// The fields kept from a MyData import until the citizen uses them, counted from their
/// arrival (7 days). Used, they are gone at once; a withdrawn consent discards them at once.
pub const MYDATA_RECORDS: Retention = Retention {
    key: "identity.mydata",
    data: &["real-name", "household-registration", "address"],
    default_days: 7,
    what: "retention-from-identity-mydata",
};

use crate::domain::consent::{Consent, ReceiptText};
use domain::Locale;

/// The message `id` in `locale`, or `fallback` when there is none (a purpose no module of
/// this build declares any more still has consents in the history).
fn words_or(locale: Locale, id: &str, fallback: &str) -> String {
    if webkit::i18n::has(locale, id) {
        webkit::i18n::tr(locale, id, &[])
    } else {
        fallback.to_string()
    }
}

/// The name of a purpose in `locale` (message ids have no dots: `purpose-identity-…`).
pub fn name(locale: Locale, code: &str) -> String {
    words_or(locale, &format!("purpose-{}", code.replace('.', "-")), code)
}

/// What a purpose is for, in `locale`.
pub fn about(locale: Locale, code: &str) -> String {
    words_or(
        locale,
        &format!("purpose-{}-about", code.replace('.', "-")),
        "",
    )
}

/// A data category's name in `locale`.
pub fn data_category(locale: Locale, key: &str) -> String {
    webkit::i18n::tr(locale, &format!("data-category-{key}"), &[])
}

/// A recipient's name in `locale`, by its kind and key as a consent stores them.
pub fn recipient(locale: Locale, kind: &str, key: &str) -> String {
    webkit::i18n::tr(locale, &format!("recipient-{kind}-{key}"), &[])
}

/// The words of a consent's receipt in `locale`: the controller (the jurisdiction, reached at
/// `base`), and the purpose as the module declares it.
pub fn receipt_text(locale: Locale, c: &Consent, controller: &str, base: &str) -> ReceiptText {
    ReceiptText {
        controller: controller.to_string(),
        controller_url: base.to_string(),
        purpose: name(locale, &c.purpose),
        purpose_about: about(locale, &c.purpose),
        data: c.data.iter().map(|d| data_category(locale, d)).collect(),
        recipient: recipient(locale, &c.recipient_kind, &c.recipient),
        language: locale.tag().to_string(),
        withdraw_url: format!("{base}/account/consents"),
    }
}

/// A consent's receipt (ISO/IEC TS 27560) in `locale`, its controller the jurisdiction
/// `jurisdiction_id`.
pub async fn receipt(
    platform: &platform::Platform,
    locale: Locale,
    jurisdiction_id: &str,
    c: &Consent,
) -> Result<serde_json::Value, platform::ServiceError> {
    let j = platform.jurisdiction(jurisdiction_id).await?;
    let text = receipt_text(
        locale,
        c,
        j.name.get(locale),
        platform.config().public_base(),
    );
    Ok(crate::domain::consent::receipt(c, &text, platform.now()))
}
