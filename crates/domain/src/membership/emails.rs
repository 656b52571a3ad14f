//! The emails of the billing run (ME-7, ME-8, ME-21): a receipt for each paid period, a
//! "payment failed" email on a period's first decline, reminders of a manual payment, and
//! the notice of a cancellation for non-payment. Rendering is pure; the billing run stores
//! them in the outbox in the transaction that records the outcome.

use chrono::NaiveDate;

use crate::email::{EmailContent, compose};
use crate::money::Money;

use super::MembershipNumber;

/// What every billing email says: who sends it, to whom, about which membership.
#[derive(Debug, Clone, Copy)]
pub struct BillingEmail<'a> {
    pub business_name: &'a str,
    pub client_first_name: &'a str,
    pub type_name: &'a str,
    pub number: MembershipNumber,
    pub amount: Money,
    /// ME-12: the client's signed link to manage the membership without logging in.
    pub manage_url: &'a str,
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn long_date(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

impl BillingEmail<'_> {
    fn hello(&self) -> String {
        format!("Hello {},", self.client_first_name)
    }

    fn manage(&self) -> String {
        format!(
            "See your payments, change your card or cancel: {}",
            self.manage_url
        )
    }

    fn membership(&self) -> String {
        format!("your {} membership {}", self.type_name, self.number)
    }

    /// ME-7: the period from `period_start` to `period_end` was paid.
    pub fn receipt(
        &self,
        period_start: NaiveDate,
        period_end: NaiveDate,
        next_billing_date: NaiveDate,
    ) -> EmailContent {
        compose(
            format!("Receipt for {} from {}", self.number, self.business_name),
            &[
                self.hello(),
                format!(
                    "We received {} for {}, for {} to {}.",
                    self.amount,
                    self.membership(),
                    long_date(period_start),
                    long_date(period_end)
                ),
                format!("Your next payment is on {}.", long_date(next_billing_date)),
                self.manage(),
                self.business_name.to_owned(),
            ],
        )
    }

    /// ME-8: the first decline of a period; `retry_on` when it is tried again.
    pub fn payment_failed(&self, reason: &str, retry_on: Option<NaiveDate>) -> EmailContent {
        let next = match retry_on {
            Some(day) => format!(
                "We will try again on {}. To pay with another card now, update it here: {}",
                long_date(day),
                self.manage_url
            ),
            None => format!(
                "To pay with another card, update it here: {}",
                self.manage_url
            ),
        };
        compose(
            format!("Your payment to {} failed", self.business_name),
            &[
                self.hello(),
                format!(
                    "We could not take {} for {} ({reason}).",
                    self.amount,
                    self.membership()
                ),
                next,
                self.business_name.to_owned(),
            ],
        )
    }

    /// ME-21: a manual payment of the period starting on `period_start` is due.
    pub fn reminder(&self, period_start: NaiveDate) -> EmailContent {
        compose(
            format!("Payment due to {}", self.business_name),
            &[
                self.hello(),
                format!(
                    "{} is due since {} for {}.",
                    self.amount,
                    long_date(period_start),
                    self.membership()
                ),
                "Please pay at your next visit or by bank transfer.".to_owned(),
                self.business_name.to_owned(),
            ],
        )
    }

    /// ME-15: the client is asked to set up the direct-debit mandate `reference`.
    pub fn mandate_request(&self, reference: &str) -> EmailContent {
        compose(
            format!("Set up your direct debit with {}", self.business_name),
            &[
                self.hello(),
                format!(
                    "{} is paid by direct debit. Please set up the mandate {reference} with \
                     your bank details here: {}",
                    capitalised(&self.membership()),
                    self.manage_url
                ),
                format!("Until it is set up, {} cannot be paid.", self.membership()),
                self.business_name.to_owned(),
            ],
        )
    }

    /// ME-8: cancelled for non-payment; what was paid stays usable until `usable_until`.
    pub fn cancelled(&self, usable_until: NaiveDate) -> EmailContent {
        compose(
            format!("Your membership with {} was cancelled", self.business_name),
            &[
                self.hello(),
                format!(
                    "We could not take the payment for {}, so it was cancelled. What you \
                     paid for stays yours until {}.",
                    self.membership(),
                    long_date(usable_until)
                ),
                self.business_name.to_owned(),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;

    fn email() -> BillingEmail<'static> {
        BillingEmail {
            business_name: "Spa <Lumière>",
            client_first_name: "Ana",
            type_name: "Gold",
            number: MembershipNumber::from_sequence(42).unwrap(),
            amount: Money::parse("rate", "49.90", Currency::parse("EUR").unwrap()).unwrap(),
            manage_url: "https://spa.example/v1/self-service/abc/membership",
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn me_7_a_receipt_names_the_membership_the_amount_and_the_period() {
        let content = email().receipt(day(2027, 1, 31), day(2027, 2, 27), day(2027, 2, 28));
        assert!(content.subject.contains("M-000042"));
        assert!(content.text.contains("49.90"), "{}", content.text);
        assert!(content.text.contains("31 January 2027 to 27 February 2027"));
        assert!(content.text.contains("next payment is on 28 February 2027"));
        assert!(content.html.contains("Spa &lt;Lumière&gt;"));
        assert!(content.text.contains("/v1/self-service/abc/membership"));
    }

    #[test]
    fn me_8_a_payment_failed_email_says_why_and_when_it_is_tried_again() {
        let content = email().payment_failed("card_declined", Some(day(2027, 2, 1)));
        assert!(content.text.contains("card_declined"));
        assert!(content.text.contains("try again on 1 February 2027"));
        let last = email().payment_failed("card_declined", None);
        assert!(!last.text.contains("try again"));
        for content in [content, last] {
            assert!(
                content.text.contains("/v1/self-service/abc/membership"),
                "ME-12"
            );
        }
    }

    #[test]
    fn me_15_a_mandate_request_names_the_mandate_and_links_to_its_set_up() {
        let content = email().mandate_request("MD-0A1B2C");
        assert!(
            content.text.contains("Your Gold membership M-000042"),
            "{}",
            content.text
        );
        assert!(content.text.contains("MD-0A1B2C"));
        assert!(content.text.contains("/v1/self-service/abc/membership"));
    }

    #[test]
    fn me_21_a_reminder_says_since_when_the_payment_is_due() {
        let content = email().reminder(day(2027, 1, 31));
        assert!(content.text.contains("due since 31 January 2027"));
    }
}
