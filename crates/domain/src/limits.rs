//! Length limits on free text that more than one way in accepts: a report's description is
//! the same text whether it comes through Open311, the web form, a call or an update.
//! Lengths count characters, not bytes, so a Chinese description gets the same room.

use crate::error::Message;

/// The longest description of a problem (a report, a call, an update).
pub const MAX_DESCRIPTION: usize = 4000;
/// The longest personal field: a name, an e-mail address, a phone number.
pub const MAX_PERSONAL_FIELD: usize = 200;

/// `error-description-too-long` if `text` is longer than [`MAX_DESCRIPTION`].
pub fn check_description(text: &str) -> Result<(), Message> {
    if text.chars().count() > MAX_DESCRIPTION {
        return Err(
            Message::new("error-description-too-long").arg("max", MAX_DESCRIPTION.to_string())
        );
    }
    Ok(())
}

/// `error-field-too-long` naming `field` if `text` is longer than `max`.
pub fn check_field(field: &'static str, text: &str, max: usize) -> Result<(), Message> {
    if text.chars().count() > max {
        return Err(Message::new("error-field-too-long")
            .arg("field", field)
            .arg("max", max.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters() {
        let full = "坑".repeat(MAX_DESCRIPTION);
        assert_eq!(check_description(&full), Ok(()));
        let err = check_description(&format!("{full}x")).unwrap_err();
        assert_eq!(err.id, "error-description-too-long");
        assert_eq!(err.args, vec![("max", "4000".to_string())]);
        assert_eq!(check_field("name", "王小明", 3), Ok(()));
        let err = check_field("name", "王小明明", 3).unwrap_err();
        assert_eq!(err.id, "error-field-too-long");
        assert_eq!(
            err.args,
            vec![("field", "name".to_string()), ("max", "3".to_string())]
        );
    }
}
