use chrono::TimeZone;
use uuid::Uuid;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

fn input() -> SignUpInput {
    SignUpInput {
        email: "ana@example.com".into(),
        password: "correct horse battery".into(),
        terms_version: "2026-01".into(),
        privacy_version: "v3".into(),
    }
}

fn fields(errors: ValidationErrors) -> Vec<String> {
    errors.0.into_iter().map(|e| e.field).collect()
}

#[test]
fn ac_2_a_password_is_long_enough_and_not_a_common_one() {
    assert!(Password::parse("password", "correct horse battery").is_ok());
    assert!(Password::parse("password", "ten chars!").is_ok());
    for bad in [
        "short",
        "nine char",
        "1234567890",
        "Password123",
        "QWERTYUIOP",
        "motdepasse",
    ] {
        let error = Password::parse("password", bad).expect_err(bad);
        assert!(
            !error.message.contains(bad),
            "the message repeats the password"
        );
    }
    assert!(Password::parse("password", &"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    assert_eq!(
        format!(
            "{:?}",
            Password::parse("p", "correct horse battery").unwrap()
        ),
        "Password(..)"
    );
}

#[test]
fn ac_2_every_common_password_is_long_enough_to_need_the_list() {
    for common in COMMON_PASSWORDS.lines() {
        assert!(common.chars().count() >= MIN_PASSWORD_CHARS, "{common}");
        assert_eq!(common, common.to_lowercase(), "{common}");
    }
}

#[test]
fn ac_1_a_sign_up_needs_an_email_a_password_and_both_agreements() {
    let ok = SignUp::parse(&input()).expect("valid");
    assert_eq!(ok.terms_version, "2026-01");

    let missing = SignUp::parse(&SignUpInput {
        email: "not an email".into(),
        password: "short".into(),
        terms_version: " ".into(),
        privacy_version: String::new(),
    })
    .expect_err("invalid");
    assert_eq!(
        fields(missing),
        ["email", "password", "terms_version", "privacy_version"]
    );
}

#[test]
fn ac_3_an_account_is_verified_once() {
    let sign_up = SignUp::parse(&input()).unwrap();
    let mut account = ClientAccount::open(
        AccountId::from_uuid(Uuid::from_u128(1)),
        BusinessId::from_uuid(Uuid::from_u128(2)),
        &sign_up,
        now(),
    );
    assert_eq!(account.verified_at, None);
    assert_eq!(account.terms.at, now());
    assert!(account.verify(now()));
    assert!(!account.verify(now() + TimeDelta::hours(1)));
    assert_eq!(account.verified_at, Some(now()));
}

#[test]
fn ac_5_a_token_works_once_for_its_purpose_until_it_expires() {
    let account = AccountId::from_uuid(Uuid::from_u128(1));
    let business = BusinessId::from_uuid(Uuid::from_u128(2));
    let fresh = AccountToken::new(business, account, TokenPurpose::Reset, now());
    assert_eq!(fresh.expires_at, now() + TimeDelta::hours(1));

    let mut token = fresh.clone();
    assert_eq!(
        token.use_for(TokenPurpose::Verification, now()),
        Err(TokenRefused::Mismatch)
    );
    assert_eq!(token.use_for(TokenPurpose::Reset, now()), Ok(()));
    assert_eq!(
        token.use_for(TokenPurpose::Reset, now()),
        Err(TokenRefused::Used)
    );

    let mut late = fresh;
    let at_expiry = late.expires_at;
    assert_eq!(
        late.use_for(TokenPurpose::Reset, at_expiry),
        Err(TokenRefused::Expired)
    );
}

#[test]
fn ac_4_a_session_lives_until_it_expires_or_is_revoked() {
    let mut session = Session::open(
        BusinessId::from_uuid(Uuid::from_u128(2)),
        AccountId::from_uuid(Uuid::from_u128(1)),
        now(),
    );
    assert!(session.is_live(now()));
    assert!(!session.is_live(now() + SESSION_LIFETIME));
    session.revoked_at = Some(now());
    assert!(!session.is_live(now()));
}
