use std::net::IpAddr;

use chrono::Duration;
use proptest::prelude::*;

use super::*;

fn secret() -> WebhookSecret {
    WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
}

#[test]
fn pl_24_the_signature_is_the_standard_webhooks_one() {
    // The example of the Standard Webhooks specification.
    let body = br#"{"test": 2432232314}"#;
    let signed = sign(
        &[&secret()],
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        body,
    );
    assert_eq!(
        signed.signature,
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    );
    assert!(verify(&secret(), &signed, body, 1614265330 + 60, 300));
    assert!(
        !verify(&secret(), &signed, b"{}", 1614265330, 300),
        "another body"
    );
    assert!(
        !verify(&secret(), &signed, body, 1614265330 + 301, 300),
        "too old: a replay"
    );
    let other = WebhookSecret::from_bytes(&[7; 32]).unwrap();
    assert!(!verify(&other, &signed, body, 1614265330, 300));
}

#[test]
fn pl_24_during_a_rotation_both_secrets_sign() {
    let (old, new) = (secret(), WebhookSecret::from_bytes(&[9; 32]).unwrap());
    let signed = sign(&[&new, &old], "evt_1", 1_700_000_000, b"{}");
    assert_eq!(signed.signature.split(' ').count(), 2);
    assert!(verify(&old, &signed, b"{}", 1_700_000_000, 300));
    assert!(verify(&new, &signed, b"{}", 1_700_000_000, 300));
}

#[test]
fn pl_24_secrets_are_whsec_base64_and_never_printed() {
    let shown = secret().expose();
    assert_eq!(WebhookSecret::parse(&shown), Ok(secret()));
    assert!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
    assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_err(), "too short");
    assert!(!format!("{:?}", secret()).contains("MfKQ"));
}

#[test]
fn pl_24_event_types_are_known_and_named() {
    let names: Vec<String> = ["client.created", "code.redeemed", "client.created"]
        .map(str::to_owned)
        .to_vec();
    let set = EventType::parse_set(&names).unwrap();
    assert_eq!(
        set.into_iter().collect::<Vec<_>>(),
        [EventType::ClientCreated, EventType::CodeRedeemed]
    );
    assert!(EventType::parse_set(&["client.exploded".to_owned()]).is_err());
    assert!(EventType::parse_set(&[]).is_err());
    for kind in EventType::ALL {
        assert_eq!(EventType::parse(kind.as_str()), Some(kind));
    }
}

#[test]
fn pl_24_endpoints_are_https_and_public() {
    let ok = |raw: &str, dev: bool| EndpointUrl::parse(raw, dev).map(|u| u.as_str().to_owned());
    assert!(ok("https://hooks.example.com/clientele?x=1", false).is_ok());
    assert_eq!(
        ok("http://hooks.example.com/in", false),
        Err(UrlError::NotHttps)
    );
    assert_eq!(
        ok("http://hooks.example.com/in", true),
        Err(UrlError::NotHttps)
    );
    assert!(ok("http://localhost:9000/in", true).is_ok(), "development");
    assert!(ok("http://127.0.0.1:9000/in", true).is_ok(), "development");
    assert_eq!(
        ok("https://localhost/in", false),
        Err(UrlError::Address(AddressError::Loopback))
    );
    assert_eq!(
        ok("https://10.1.2.3/in", false),
        Err(UrlError::Address(AddressError::Private))
    );
    assert_eq!(
        ok("https://169.254.169.254/latest/meta-data", true),
        Err(UrlError::Address(AddressError::LinkLocal))
    );
    assert_eq!(
        ok("https://[fd00::1]/in", false),
        Err(UrlError::Address(AddressError::Private))
    );
    assert_eq!(
        ok("https://user:pw@hooks.example.com/", false),
        Err(UrlError::Credentials)
    );
    assert_eq!(
        ok("https://hooks.example.com/#x", false),
        Err(UrlError::Fragment)
    );
    assert!(matches!(
        ok("hooks.example.com", false),
        Err(UrlError::Malformed(_))
    ));
    assert!(matches!(
        ok("ftp://hooks.example.com", false),
        Err(UrlError::NotHttps)
    ));
}

#[test]
fn pl_24_addresses_out_of_the_public_internet_are_refused() {
    let refused = |raw: &str| refused_address(raw.parse::<IpAddr>().unwrap(), false).err();
    for private in ["10.0.0.1", "172.16.5.4", "192.168.1.1", "fc00::1"] {
        assert_eq!(refused(private), Some(AddressError::Private), "{private}");
    }
    for link in ["169.254.169.254", "fe80::1"] {
        assert_eq!(refused(link), Some(AddressError::LinkLocal), "{link}");
    }
    for local in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
        assert_eq!(refused(local), Some(AddressError::Loopback), "{local}");
        assert_eq!(
            refused_address(local.parse().unwrap(), true),
            Ok(()),
            "{local} in development"
        );
    }
    for other in [
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "::",
        "2001:db8::1",
        "64:ff9b::a00:1",
    ] {
        assert_eq!(refused(other), Some(AddressError::NotPublic), "{other}");
    }
    assert_eq!(refused("::ffff:10.0.0.1"), Some(AddressError::Private));
    for public in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
        assert_eq!(refused(public), None, "{public}");
    }
}

#[test]
fn pl_24_retries_back_off_for_about_three_days() {
    assert_eq!(
        next_attempt(0, Duration::zero(), 0.5),
        Some(Duration::zero())
    );
    // With the largest jitter, then the smallest: the schedule's bounds.
    let mut elapsed = Duration::zero();
    let mut attempts = 1;
    while let Some(delay) = next_attempt(attempts, elapsed, 1.0) {
        elapsed += delay;
        attempts += 1;
    }
    assert!(elapsed <= GIVE_UP_AFTER);
    assert!(elapsed > GIVE_UP_AFTER - Duration::hours(8), "{elapsed}");
    assert!((10..=20).contains(&attempts), "{attempts} attempts");
    assert_eq!(
        next_attempt(1, Duration::zero(), 0.0),
        Some(Duration::seconds(15))
    );
    assert_eq!(
        next_attempt(1, Duration::zero(), 1.0),
        Some(Duration::seconds(30))
    );
    assert_eq!(
        next_attempt(30, Duration::zero(), 1.0),
        Some(Duration::hours(8)),
        "capped"
    );
}

proptest! {
    #[test]
    fn pl_24_a_delay_grows_within_its_bounds(attempts in 1_u32..60, jitter in 0.0_f64..1.0) {
        if let Some(delay) = next_attempt(attempts, Duration::zero(), jitter) {
            let ceiling = (30_i64 << (attempts - 1).min(20)).min(8 * 3600);
            prop_assert!(delay >= Duration::milliseconds(ceiling * 500));
            prop_assert!(delay <= Duration::seconds(ceiling));
        }
    }

    #[test]
    fn pl_24_any_change_of_body_breaks_the_signature(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        flip in 0_usize..200,
    ) {
        let signed = sign(&[&secret()], "evt_x", 1_700_000_000, &body);
        prop_assert!(verify(&secret(), &signed, &body, 1_700_000_000, 300));
        if !body.is_empty() {
            let mut changed = body.clone();
            let at = flip % changed.len();
            changed[at] ^= 1;
            prop_assert!(!verify(&secret(), &signed, &changed, 1_700_000_000, 300));
        }
    }
}

fn at(seconds: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
}

#[test]
fn pl_24_only_a_2xx_ends_a_delivery_a_redirect_does_not() {
    for (status, success) in [
        (200, true),
        (204, true),
        (299, true),
        (199, false),
        (301, false),
        (302, false),
        (400, false),
        (500, false),
    ] {
        assert_eq!(is_success(status), success, "{status}");
    }
}

#[test]
fn pl_24_a_failed_attempt_is_retried_with_backoff_until_three_days_then_given_up() {
    assert_eq!(
        after_attempt(3, at(0), true, at(100), 0.0),
        AfterAttempt::Succeeded
    );
    // The first failure: 15 to 30 seconds later.
    assert_eq!(
        after_attempt(1, at(0), false, at(0), 0.0),
        AfterAttempt::RetryAt(at(15))
    );
    assert_eq!(
        after_attempt(1, at(0), false, at(0), 1.0),
        AfterAttempt::RetryAt(at(30))
    );
    // The fourth: 2 to 4 minutes.
    assert_eq!(
        after_attempt(4, at(0), false, at(1000), 0.0),
        AfterAttempt::RetryAt(at(1000 + 120))
    );
    // Nearly three days after the first attempt, no delay fits any more.
    let late = GIVE_UP_AFTER.num_seconds() - 60;
    assert_eq!(
        after_attempt(20, at(0), false, at(late), 0.0),
        AfterAttempt::GaveUp
    );
}

#[test]
fn pl_24_an_event_is_enveloped_with_its_id_type_version_business_and_time() {
    let id = crate::WebhookEventId::from_uuid(uuid::Uuid::from_u128(7));
    let business = crate::BusinessId::from_uuid(uuid::Uuid::from_u128(8));
    let event = WebhookEvent::new(
        id,
        business,
        EventType::ClientCreated,
        at(0),
        serde_json::json!({"id": "c1"}),
    );
    let body: serde_json::Value = serde_json::from_str(&event.body).unwrap();
    assert_eq!(body["id"], id.to_string());
    assert_eq!(body["type"], "client.created");
    assert_eq!(body["version"], EVENT_VERSION);
    assert_eq!(body["business_id"], business.to_string());
    assert_eq!(body["created_at"], "2027-01-15T08:00:00.000000Z");
    assert_eq!(body["data"]["id"], "c1");
}

#[test]
fn pl_24_a_replay_is_a_new_pending_delivery_of_the_same_event_to_the_same_endpoint() {
    let event = WebhookEvent::new(
        crate::WebhookEventId::from_uuid(uuid::Uuid::from_u128(7)),
        crate::BusinessId::from_uuid(uuid::Uuid::from_u128(8)),
        EventType::CodeRedeemed,
        at(0),
        serde_json::json!({}),
    );
    let endpoint = crate::WebhookEndpointId::from_uuid(uuid::Uuid::from_u128(9));
    let mut first = WebhookDelivery::new(
        crate::WebhookDeliveryId::from_uuid(uuid::Uuid::from_u128(10)),
        &event,
        endpoint,
        at(0),
    );
    first.status = DeliveryStatus::Failed;
    first.attempts = 17;
    let again = first.replay(
        crate::WebhookDeliveryId::from_uuid(uuid::Uuid::from_u128(11)),
        at(500),
    );
    assert_eq!(
        (again.event_id, again.endpoint_id, again.event_type),
        (event.id, endpoint, EventType::CodeRedeemed)
    );
    assert_eq!(
        (again.status, again.attempts, again.next_attempt_at),
        (DeliveryStatus::Pending, 0, at(500))
    );
    assert_eq!(again.replay_of, Some(first.id));
}
