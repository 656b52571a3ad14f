use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::product::{ProductDetails, ProductInput};

fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_796_000_000, 0).unwrap()
}

fn today() -> NaiveDate {
    now().date_naive()
}

fn massage() -> AppointmentTypeId {
    AppointmentTypeId::from_uuid(Uuid::from_u128(1))
}

fn facial() -> AppointmentTypeId {
    AppointmentTypeId::from_uuid(Uuid::from_u128(2))
}

fn client() -> ClientId {
    ClientId::from_uuid(Uuid::from_u128(20))
}

fn staff() -> StaffId {
    StaffId::from_uuid(Uuid::from_u128(8))
}

fn ana() -> EmailAddress {
    EmailAddress::parse("email", "Ana@Example.com").unwrap()
}

fn product(input: ProductInput) -> Product {
    let details = ProductDetails::parse(&input, eur()).unwrap();
    Product::new(
        ProductId::from_uuid(Uuid::from_u128(3)),
        BusinessId::from_uuid(Uuid::from_u128(4)),
        details,
        now(),
    )
}

fn package_input() -> ProductInput {
    ProductInput {
        name: "Three massages".into(),
        kind: "package".into(),
        appointments: Some(3),
        price: "150.00".into(),
        appointment_types: vec![massage()],
        ..ProductInput::default()
    }
}

fn package() -> Product {
    product(package_input())
}

fn gift() -> Product {
    product(ProductInput {
        name: "Gift".into(),
        kind: "gift_certificate".into(),
        value: Some("100.00".into()),
        price: "100.00".into(),
        ..ProductInput::default()
    })
}

fn subscription(rollover: bool) -> Product {
    product(ProductInput {
        kind: "subscription".into(),
        period_unit: Some("month".into()),
        rollover: Some(rollover),
        ..package_input()
    })
}

/// A code of `product` given to `client()` (assigned to Ana's email unless a gift).
fn code(product: &Product) -> Code {
    let owner = Owner {
        client: client(),
        email: Some(&ANA),
    };
    Code::issue(
        CodeId::from_uuid(Uuid::from_u128(5)),
        product,
        CodeText::from_random([9; 16]),
        Some(owner),
        Origin::Grant(staff()),
        today(),
        now(),
    )
    .unwrap()
    .0
}

static ANA: std::sync::LazyLock<EmailAddress> = std::sync::LazyLock::new(ana);

fn euros(text: &str) -> Money {
    Money::parse("price", text, eur()).unwrap()
}

fn appointment(n: u128) -> AppointmentId {
    AppointmentId::from_uuid(Uuid::from_u128(100 + n))
}

fn usage<'a>(n: u128, kind: AppointmentTypeId, price: &str, holder: Holder<'a>) -> Use<'a> {
    Use {
        appointment: appointment(n),
        kind,
        price: euros(price),
        holder,
        actor: None,
        today: today(),
        now: now(),
    }
}

fn own() -> Holder<'static> {
    Holder {
        client: client(),
        email: Some(&ANA),
    }
}

fn redeem(code: &mut Code, product: &Product, price: &str) -> Result<Redemption, RedeemError> {
    code.redeem(product, usage(1, massage(), price, own()))
}

#[test]
fn co_9_a_count_code_takes_one_appointment_and_covers_the_price() {
    let package = package();
    let mut code = code(&package);

    let used = redeem(&mut code, &package, "60.00").unwrap();

    assert_eq!(used.entry.delta, -1);
    assert_eq!(used.entry.reason, Reason::Redemption(appointment(1)));
    assert_eq!((used.covered, used.to_pay), (euros("60.00"), euros("0")));
    assert_eq!(code.remaining(), 2);
    assert_eq!(code.version(), Version::initial().next());
}

#[test]
fn co_9_a_money_certificate_takes_the_price_and_leaves_the_difference_to_pay() {
    let gift = gift();
    let mut code = code(&gift);

    let partial = redeem(&mut code, &gift, "60.00").unwrap();
    let left = code.remaining();
    let beyond = redeem(&mut code, &gift, "60.00").unwrap();

    assert_eq!(
        (partial.covered, partial.to_pay),
        (euros("60.00"), euros("0"))
    );
    assert_eq!(left, 4_000);
    assert_eq!(
        (beyond.covered, beyond.to_pay),
        (euros("40.00"), euros("20.00"))
    );
    assert_eq!(beyond.entry.delta, -4_000);
    assert_eq!(
        redeem(&mut code, &gift, "1.00"),
        Err(RedeemError::NothingLeft)
    );
}

#[test]
fn co_9_a_code_refuses_what_it_cannot_pay_for_and_changes_nothing() {
    let package = package();
    let mut used_up = code(&package);
    for n in 0..3 {
        used_up
            .redeem(&package, usage(n, massage(), "60.00", own()))
            .unwrap();
    }
    let mut expired = code(&package);
    expired.expires_on = Some(today().pred_opt().unwrap());
    let mut cancelled = code(&package);
    cancelled.cancel(now()).unwrap();
    let mut valid = code(&package);
    let mut expiring_today = Code {
        expires_on: Some(today()),
        ..valid.clone()
    };
    let before = valid.clone();

    assert_eq!(
        redeem(&mut used_up, &package, "60.00"),
        Err(RedeemError::NothingLeft)
    );
    assert!(matches!(
        redeem(&mut expired, &package, "60.00"),
        Err(RedeemError::Expired(_))
    ));
    assert_eq!(
        redeem(&mut cancelled, &package, "60.00"),
        Err(RedeemError::Cancelled)
    );
    assert_eq!(
        valid.redeem(&package, usage(1, facial(), "60.00", own())),
        Err(RedeemError::NotCovered)
    );
    assert_eq!(valid, before, "a refusal changes nothing");
    assert!(redeem(&mut expiring_today, &package, "60.00").is_ok());
    let dollars = Money::parse("price", "10", Currency::parse("USD").unwrap()).unwrap();
    let mut gift_code = code(&gift());
    let in_dollars = Use {
        price: dollars,
        ..usage(1, massage(), "1", own())
    };
    assert!(matches!(
        gift_code.redeem(&gift(), in_dollars),
        Err(RedeemError::OtherCurrency { .. })
    ));
}

#[test]
fn co_11_a_code_works_for_its_email_or_client_and_a_gift_for_any_holder() {
    let gift = gift();
    let package = package();
    let bruno_email = EmailAddress::parse("email", "bruno@example.com").unwrap();
    let bruno = Holder {
        client: ClientId::from_uuid(Uuid::from_u128(21)),
        email: Some(&bruno_email),
    };
    let ana_elsewhere = Holder {
        client: ClientId::from_uuid(Uuid::from_u128(22)),
        email: Some(&ANA),
    };
    let ana_without_email = Holder {
        client: client(),
        email: None,
    };
    let mut assigned_gift = code(&gift);
    assigned_gift
        .edit(
            CodeEdit {
                assigned_to: Some(Some(ana())),
                ..CodeEdit::default()
            },
            staff(),
            now(),
        )
        .unwrap();
    let mut unassigned_package = code(&package);
    unassigned_package.assigned_to = None;

    assert_eq!(code(&gift).assigned_to(), None, "a gift is given away");
    assert_eq!(code(&package).assigned_to(), Some(&ana()));
    assert!(code(&gift).usable_by(bruno));
    assert!(assigned_gift.usable_by(ana_elsewhere));
    assert!(!assigned_gift.usable_by(bruno));
    assert!(!assigned_gift.usable_by(ana_without_email));
    assert!(code(&package).usable_by(ana_elsewhere));
    assert!(!code(&package).usable_by(bruno));
    assert!(unassigned_package.usable_by(ana_without_email));
    assert!(!unassigned_package.usable_by(bruno));
    assert_eq!(
        code(&package).redeem(&package, usage(1, massage(), "1", bruno)),
        Err(RedeemError::NotYours)
    );
}

#[test]
fn co_3_co_4_a_code_is_worth_what_its_product_gives_and_expires_as_it_says() {
    let package = product(ProductInput {
        validity_months: Some(6),
        ..package_input()
    });
    let text = CodeText::from_random([1; 16]);
    let order = OrderId::from_uuid(Uuid::from_u128(7));
    let id = CodeId::from_uuid(Uuid::from_u128(6));
    let issue = |product: &Product, origin| {
        Code::issue(id, product, text.clone(), None, origin, today(), now())
    };

    let (bought, first) = issue(&package, Origin::Purchase(order)).unwrap();
    let (given, granted) = issue(&gift(), Origin::Grant(staff())).unwrap();
    let mut archived = package.clone();
    archived.archive(now());

    assert_eq!((bought.remaining(), bought.order_id()), (3, Some(order)));
    assert_eq!(
        bought.expires_on(),
        today().checked_add_months(chrono::Months::new(6))
    );
    assert_eq!(
        (first.reason, first.delta, first.actor),
        (Reason::Purchase(order), 3, None)
    );
    assert_eq!(
        (given.remaining(), given.order_id(), given.unit()),
        (10_000, None, Unit::Money(eur()))
    );
    assert_eq!(
        (granted.reason, granted.actor),
        (Reason::Grant, Some(staff()))
    );
    assert_eq!(
        issue(&archived, Origin::Grant(staff())),
        Err(CodeChangeError::Archived)
    );
}

#[test]
fn co_5_a_staff_edit_is_a_ledger_entry_with_audited_changes_and_never_breaks_a_renewal() {
    let mut renewed = code(&subscription(false));
    let mut code = code(&package());
    let later = today().succ_opt();
    let edit = |remaining, expires_on| CodeEdit {
        remaining,
        expires_on,
        ..CodeEdit::default()
    };

    let edited = code
        .edit(edit(Some(5), Some(later)), staff(), now())
        .unwrap();

    assert_eq!(code.remaining(), 5);
    assert_eq!(
        edited.entry.map(|e| (e.delta, e.actor, e.reason)),
        Some((2, Some(staff()), Reason::StaffEdit))
    );
    assert_eq!(
        edited
            .changes
            .iter()
            .map(|c| (c.field.as_str(), c.old.clone(), c.new.clone()))
            .collect::<Vec<_>>(),
        [
            ("remaining", Some("3".into()), Some("5".into())),
            ("expires_on", None, later.map(|d| d.to_string())),
        ]
    );
    assert_eq!(code.expires_on(), later);
    assert_eq!(
        code.edit(edit(Some(5), Some(later)), staff(), now()),
        Ok(Edited {
            entry: None,
            changes: vec![]
        }),
        "the same values change nothing"
    );
    assert_eq!(
        renewed.edit(edit(None, Some(later)), staff(), now()),
        Err(CodeChangeError::BreaksRenewal)
    );
    assert_eq!(
        code.edit(edit(Some(-1), None), staff(), now()),
        Err(CodeChangeError::OutOfRange)
    );
    assert!(renewed.edit(edit(Some(4), None), staff(), now()).is_ok());
}

#[test]
fn co_6_a_cancelled_code_is_neither_used_nor_edited() {
    let package = package();
    let mut code = code(&package);

    code.cancel(now()).unwrap();

    assert_eq!(code.status(), Status::Cancelled);
    assert_eq!(code.remaining(), 3, "the balance stays for the record");
    assert_eq!(code.cancel(now()), Err(CodeChangeError::Cancelled));
    assert_eq!(
        code.edit(CodeEdit::default(), staff(), now()),
        Err(CodeChangeError::Cancelled)
    );
    assert_eq!(
        redeem(&mut code, &package, "60.00"),
        Err(RedeemError::Cancelled)
    );
}

#[test]
fn co_9_cancelling_gives_back_exactly_what_the_appointment_took_once() {
    let gift = gift();
    let mut code = code(&gift);
    let used = redeem(&mut code, &gift, "60.00").unwrap();
    let mut entries = vec![used.entry];

    let back = code
        .give_back(&entries, appointment(1), Some(staff()), now())
        .unwrap();
    entries.push(back);

    assert_eq!(
        (back.delta, back.reason, back.actor),
        (6_000, Reason::GiveBack(appointment(1)), Some(staff()))
    );
    assert_eq!(code.remaining(), 10_000);
    assert_eq!(
        code.give_back(&entries, appointment(1), None, now()),
        None,
        "given back once"
    );
    assert_eq!(
        code.give_back(&entries, appointment(2), None, now()),
        None,
        "nothing taken"
    );
}

#[test]
fn co_10_a_renewal_refreshes_to_the_period_count_and_rolls_over_only_if_told() {
    let plain = subscription(false);
    let rolling = subscription(true);
    let mut code_plain = code(&plain);
    let mut code_rolling = code(&rolling);
    redeem(&mut code_plain, &plain, "1").unwrap();
    redeem(&mut code_rolling, &rolling, "1").unwrap();

    let refreshed = code_plain.refresh(&plain, now()).unwrap();
    let rolled = code_rolling.refresh(&rolling, now()).unwrap();

    assert_eq!(
        refreshed.map(|e| (e.delta, e.reason)),
        Some((1, Reason::Refresh))
    );
    assert_eq!(code_plain.remaining(), 3);
    assert_eq!(code_plain.refresh(&plain, now()), Ok(None), "already full");
    assert_eq!(rolled.map(|e| e.delta), Some(3));
    assert_eq!(code_rolling.remaining(), 5);
    assert_eq!(
        code(&package()).refresh(&package(), now()),
        Err(CodeChangeError::NotSubscription)
    );
}

#[test]
fn co_10_a_cancelled_subscription_is_usable_until_its_renewal_date_then_expires() {
    let plain = subscription(false);
    let mut code = code(&plain);
    let renewal = today().succ_opt().unwrap().succ_opt().unwrap();

    code.end_subscription(renewal, now()).unwrap();

    assert_eq!(code.refresh(&plain, now()), Err(CodeChangeError::Ended));
    assert_eq!(code.expire(renewal.pred_opt().unwrap(), now()), None);
    assert!(redeem(&mut code, &plain, "1").is_ok(), "usable before");
    let expired = code.expire(renewal, now()).unwrap();
    assert_eq!((expired.delta, expired.reason), (-2, Reason::Expiry));
    assert_eq!((code.status(), code.remaining()), (Status::Expired, 0));
    assert_eq!(code.expire(renewal, now()), None, "expires once");
    assert!(matches!(
        redeem(&mut code, &plain, "1"),
        Err(RedeemError::Expired(_))
    ));
}

#[test]
fn co_10_a_subscription_reactivated_before_its_last_day_is_refreshed_again() {
    let plain = subscription(false);
    let mut ended = code(&plain);
    redeem(&mut ended, &plain, "1").unwrap();
    let renewal = today().succ_opt().unwrap();
    ended.end_subscription(renewal, now()).unwrap();

    assert_eq!(ended.continue_subscription(now()), Ok(true));
    assert_eq!(
        ended.continue_subscription(now()),
        Ok(false),
        "already going on"
    );
    assert_eq!(ended.expires_on(), None);
    assert_eq!(
        ended.refresh(&plain, now()).unwrap().map(|e| e.delta),
        Some(1)
    );
    assert_eq!(
        code(&package()).continue_subscription(now()),
        Err(CodeChangeError::NotSubscription)
    );
}

#[test]
fn co_10_a_membership_without_a_code_is_given_one_by_a_refresh() {
    let plain = subscription(false);
    let (code, first) = Code::issue(
        CodeId::from_uuid(Uuid::from_u128(6)),
        &plain,
        CodeText::from_random([3; 16]),
        None,
        Origin::Renewal,
        today(),
        now(),
    )
    .unwrap();

    assert_eq!(
        (first.reason, first.delta, first.actor),
        (Reason::Refresh, 3, None)
    );
    assert_eq!((code.order_id(), code.remaining()), (None, 3));
}

#[test]
fn co_12_a_reason_is_read_back_from_its_stored_parts() {
    let order = OrderId::from_uuid(Uuid::from_u128(7));
    let reasons = [
        Reason::Purchase(order),
        Reason::Grant,
        Reason::Redemption(appointment(1)),
        Reason::GiveBack(appointment(1)),
        Reason::Refresh,
        Reason::StaffEdit,
        Reason::Expiry,
    ];
    for reason in reasons {
        assert_eq!(
            Reason::from_parts(reason.name(), reason.appointment(), reason.order()),
            Some(reason)
        );
    }
    assert_eq!(
        Reason::from_parts("grant", Some(appointment(1)), None),
        None
    );
    assert_eq!(Reason::from_parts("redemption", None, None), None);
}

/// One step of the property test: what a code goes through in its life.
#[derive(Debug, Clone)]
enum Step {
    Redeem { appointment: u8, cents: i64 },
    GiveBack { appointment: u8 },
    Edit { remaining: i64 },
    Refresh,
    Expire,
    Cancel,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0_u8..6, 1_i64..8_000)
            .prop_map(|(appointment, cents)| Step::Redeem { appointment, cents }),
        (0_u8..6).prop_map(|appointment| Step::GiveBack { appointment }),
        (-5_i64..20_000).prop_map(|remaining| Step::Edit { remaining }),
        Just(Step::Refresh),
        Just(Step::Expire),
        Just(Step::Cancel),
    ]
}

proptest! {
    /// CO-12: whatever happens to a code, its balance is never negative and is always the
    /// sum of the entries it produced (which are only ever appended).
    #[test]
    fn co_12_the_balance_is_the_ledgers_sum_and_never_negative(
        money in any::<bool>(),
        steps in proptest::collection::vec(step(), 0..40),
    ) {
        let product = if money { gift() } else { subscription(false) };
        let (mut code, first) = Code::issue(
            CodeId::from_uuid(Uuid::from_u128(5)),
            &product,
            CodeText::from_random([3; 16]),
            Some(Owner { client: client(), email: None }),
            Origin::Grant(staff()),
            today(),
            now(),
        )
        .unwrap();
        let mut ledger = vec![first];
        for step in steps {
            let entry = match step {
                Step::Redeem { appointment: n, cents } => {
                    let price = Money::from_minor_units(cents, eur()).unwrap();
                    let usage = Use { price, ..usage(u128::from(n), massage(), "1", own()) };
                    code.redeem(&product, usage).ok().map(|r| r.entry)
                }
                Step::GiveBack { appointment: n } => {
                    code.give_back(&ledger, appointment(u128::from(n)), None, now())
                }
                Step::Edit { remaining } => code
                    .edit(CodeEdit { remaining: Some(remaining), ..CodeEdit::default() }, staff(), now())
                    .ok()
                    .and_then(|edited| edited.entry),
                Step::Refresh => code.refresh(&product, now()).ok().flatten(),
                Step::Expire => {
                    let last_day = CodeEdit { expires_on: Some(Some(today())), ..CodeEdit::default() };
                    if code.end_subscription(today().succ_opt().unwrap(), now()).is_err() {
                        code.edit(last_day, staff(), now()).ok();
                    }
                    code.expire(today().succ_opt().unwrap(), now())
                }
                Step::Cancel => {
                    code.cancel(now()).ok();
                    None
                }
            };
            ledger.extend(entry);
            prop_assert!(code.remaining() >= 0);
            prop_assert_eq!(code.remaining(), ledger.iter().map(|e| e.delta).sum::<i64>());
        }
    }
}
