//! Field rules shared by the catalogue's named entries, staff-made logins and numbers typed into forms.

use super::FieldError;

/// A name (1-200 characters) and a description (at most 2000).
pub fn check_named(name: &str, description: &str) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if !(1..=200).contains(&name.trim().chars().count()) {
        errors.push(FieldError::new("name", "must be 1-200 characters"));
    }
    if description.chars().count() > 2000 {
        errors.push(FieldError::new(
            "description",
            "must be at most 2000 characters",
        ));
    }
    FieldError::all_or(errors, ())
}

/// A login's email (plausible address) and password (12-200 characters).
pub fn check_login(email: &str, password_text: &str) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let email = email.trim();
    if email.len() > 254 || email.split('@').count() != 2 || !email.contains('.') {
        errors.push(FieldError::new("email", "must be an email address"));
    }
    if !(12..=200).contains(&password_text.chars().count()) {
        errors.push(FieldError::new("password", "must be 12-200 characters"));
    }
    FieldError::all_or(errors, ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_logins_are_checked() {
        assert!(check_named("品川区立小学校", "").is_ok());
        assert_eq!(
            check_named(" ", &"x".repeat(2001)).map_err(|e| e.len()),
            Err(2)
        );
        assert!(check_login("staff@city.example.jp", "long-enough-password").is_ok());
        let e = check_login("no-at-sign", "short").map_err(|e| e.len());
        assert_eq!(e, Err(2));
    }
}

/// Text that is not a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

/// A whole number as a person types it into a form: full-width digits and thousands separators
/// (`１０，０００`, `10,000`) are fine. `None` when left blank.
pub fn typed_number<T: std::str::FromStr>(text: &str) -> Result<Option<T>, NotANumber> {
    let digits: String = super::search::fold(text)
        .chars()
        .filter(|c| *c != ',')
        .collect();
    match digits.trim() {
        "" => Ok(None),
        d => d.parse().map(Some).map_err(|_| NotANumber),
    }
}

#[cfg(test)]
mod typed_number_tests {
    use super::*;

    #[test]
    fn typed_numbers_may_be_full_width_and_grouped() {
        assert_eq!(typed_number::<i64>("１０，０００"), Ok(Some(10_000)));
        assert_eq!(typed_number::<i64>(" 5,000 "), Ok(Some(5_000)));
        assert_eq!(typed_number::<i32>(""), Ok(None));
        assert_eq!(typed_number::<i64>("abc"), Err(NotANumber));
        assert_eq!(typed_number::<i64>("1.5"), Err(NotANumber));
    }
}
