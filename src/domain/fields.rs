//! Field rules shared by the catalogue's named entries and staff-made logins.

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
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
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
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
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
