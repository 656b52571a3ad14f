//! Emails a business sends (PL-18): their kinds and their texts. Rendering is pure; the
//! outbox stores the rendered email in the same transaction as the change that causes it,
//! and the worker sends it later through the email port.

use chrono::{DateTime, Utc};

use crate::business::TimeZone;
use crate::contact::EmailAddress;
use crate::ids::{BusinessId, EmailId, SiteId};
use crate::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    BookingConfirmation,
    Cancellation,
    Refund,
    Invoice,
    /// ME-7: a membership's period was paid.
    MembershipReceipt,
    /// ME-8: a membership's charge was declined.
    PaymentFailed,
    /// ME-21: a manual payment is due.
    PaymentReminder,
    /// ME-8: a membership was cancelled for non-payment.
    MembershipCancelled,
    /// ME-15: the client is asked to set up a direct-debit mandate.
    MandateRequest,
    /// AC-3: a new account's verification link.
    AccountVerification,
    /// AC-1: a sign-up with an email that already has an account (told by email only).
    AccountExists,
    /// AC-5: a link to set a new password.
    PasswordReset,
    /// PL-24: to the owners, a webhook endpoint was disabled after failing for days.
    WebhookEndpointDisabled,
}

impl EmailKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::BookingConfirmation => "booking_confirmation",
            Self::Cancellation => "cancellation",
            Self::Refund => "refund",
            Self::Invoice => "invoice",
            Self::MembershipReceipt => "membership_receipt",
            Self::PaymentFailed => "payment_failed",
            Self::PaymentReminder => "payment_reminder",
            Self::MembershipCancelled => "membership_cancelled",
            Self::MandateRequest => "mandate_request",
            Self::AccountVerification => "account_verification",
            Self::AccountExists => "account_exists",
            Self::PasswordReset => "password_reset",
            Self::WebhookEndpointDisabled => "webhook_endpoint_disabled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "booking_confirmation" => Some(Self::BookingConfirmation),
            "cancellation" => Some(Self::Cancellation),
            "refund" => Some(Self::Refund),
            "invoice" => Some(Self::Invoice),
            "membership_receipt" => Some(Self::MembershipReceipt),
            "payment_failed" => Some(Self::PaymentFailed),
            "payment_reminder" => Some(Self::PaymentReminder),
            "membership_cancelled" => Some(Self::MembershipCancelled),
            "mandate_request" => Some(Self::MandateRequest),
            "account_verification" => Some(Self::AccountVerification),
            "account_exists" => Some(Self::AccountExists),
            "password_reset" => Some(Self::PasswordReset),
            "webhook_endpoint_disabled" => Some(Self::WebhookEndpointDisabled),
            _ => None,
        }
    }
}

impl EmailKind {
    /// Whether the email may carry a link only its recipient may use (a confirmation's
    /// sign-up link AC-1, a verification link AC-3, a reset link AC-5): staff see it without the link's token
    /// ([`EmailContent::without_tokens`]), so that no staff member can act as the client.
    pub fn carries_secret(&self) -> bool {
        matches!(
            self,
            Self::BookingConfirmation | Self::AccountVerification | Self::PasswordReset
        )
    }
}

/// A rendered email: subject, plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailContent {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl EmailContent {
    /// The content with the value of every `token=` in it hidden.
    pub fn without_tokens(&self) -> Self {
        Self {
            subject: self.subject.clone(),
            text: hide_tokens(&self.text),
            html: hide_tokens(&self.html),
        }
    }
}

fn hide_tokens(text: &str) -> String {
    const MARK: &str = "token=";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at + MARK.len()]);
        out.push('…');
        let after = &rest[at + MARK.len()..];
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '"' | '&'))
            .unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// An email waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub id: EmailId,
    pub business_id: BusinessId,
    /// The site the email is about (an appointment's), if any: members limited to some
    /// sites see only their sites' emails (PL-14).
    pub site_id: Option<SiteId>,
    pub kind: EmailKind,
    pub to: EmailAddress,
    pub content: EmailContent,
    pub created_at: DateTime<Utc>,
}

/// What every appointment email says.
#[derive(Debug, Clone)]
pub struct AppointmentEmail<'a> {
    pub business_name: &'a str,
    pub client_first_name: &'a str,
    pub service: &'a str,
    pub starts_at: DateTime<Utc>,
    pub time_zone: TimeZone,
    /// Where the client manages the appointment (self-service link).
    pub manage_url: String,
    /// AC-1: where the client creates an account from this confirmation, when the
    /// business has client accounts.
    pub sign_up_url: Option<String>,
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// One email from paragraphs: the text joins them, the HTML escapes each.
pub(crate) fn compose(subject: String, paragraphs: &[String]) -> EmailContent {
    let text = paragraphs.join("\n\n") + "\n";
    let html = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape(p)))
        .collect::<Vec<_>>()
        .join("\n");
    EmailContent {
        subject,
        text,
        html: format!("<!doctype html>\n<html><body>\n{html}\n</body></html>\n"),
    }
}

impl AppointmentEmail<'_> {
    fn when(&self) -> String {
        self.time_zone.describe(self.starts_at)
    }

    /// AP-2: sent when an appointment is booked; AC-1: with the link to create an
    /// account, when the business has client accounts.
    pub fn booking_confirmation(&self) -> EmailContent {
        let mut paragraphs = vec![
            format!("Hello {},", self.client_first_name),
            format!(
                "Your appointment for {} on {} is confirmed.",
                self.service,
                self.when()
            ),
            format!("To manage your appointment: {}", self.manage_url),
        ];
        if let Some(url) = &self.sign_up_url {
            paragraphs.push(format!(
                "To see all your appointments online, create your account: {url}"
            ));
        }
        paragraphs.push(format!("See you soon,\n{}", self.business_name));
        compose(
            format!("Your appointment at {} is confirmed", self.business_name),
            &paragraphs,
        )
    }

    /// AP-7: sent when an appointment is cancelled, if asked for.
    pub fn cancellation(&self) -> EmailContent {
        compose(
            format!("Your appointment at {} is cancelled", self.business_name),
            &[
                format!("Hello {},", self.client_first_name),
                format!(
                    "Your appointment for {} on {} has been cancelled.",
                    self.service,
                    self.when()
                ),
                self.business_name.to_owned(),
            ],
        )
    }

    /// AP-7, AP-8: sent when money is given back, if asked for.
    pub fn refund(&self, amount: Money) -> EmailContent {
        compose(
            format!("{} refunded you {amount}", self.business_name),
            &[
                format!("Hello {},", self.client_first_name),
                format!(
                    "We have refunded {amount} for your appointment for {} on {}.",
                    self.service,
                    self.when()
                ),
                self.business_name.to_owned(),
            ],
        )
    }

    /// AP-6: the invoice of what is due for an appointment.
    pub fn invoice(&self, number: &str, amount_due: Money) -> EmailContent {
        compose(
            format!("Invoice {number} from {}", self.business_name),
            &[
                format!("Hello {},", self.client_first_name),
                format!(
                    "Invoice {number}: {amount_due} is due for your appointment for {} on {}.",
                    self.service,
                    self.when()
                ),
                self.business_name.to_owned(),
            ],
        )
    }
}

/// CO-3, AP-6: the invoice of a product sold on invoice.
pub fn order_invoice(
    business_name: &str,
    client_first_name: &str,
    product: &str,
    number: &str,
    amount_due: Money,
) -> EmailContent {
    compose(
        format!("Invoice {number} from {business_name}"),
        &[
            format!("Hello {client_first_name},"),
            format!("Invoice {number}: {amount_due} is due for {product}."),
            business_name.to_owned(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn email() -> AppointmentEmail<'static> {
        AppointmentEmail {
            business_name: "Spa <Lumière>",
            client_first_name: "Ana",
            service: "Massage",
            starts_at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
            time_zone: TimeZone::parse("Europe/Paris").unwrap(),
            manage_url: "http://127.0.0.1:8080/manage/1".into(),
            sign_up_url: None,
        }
    }

    #[test]
    fn ac_1_a_confirmation_links_to_sign_up_only_when_given_the_link() {
        let without = email().booking_confirmation();
        let with = AppointmentEmail {
            sign_up_url: Some("http://127.0.0.1:8080/sign-up?token=abc".into()),
            ..email()
        }
        .booking_confirmation();
        assert!(!without.text.contains("sign-up"));
        assert!(
            with.text
                .contains("create your account: http://127.0.0.1:8080/sign-up?token=abc")
        );
    }

    #[test]
    fn ac_3_staff_see_account_links_without_their_tokens() {
        let content = EmailContent {
            subject: "Confirm".into(),
            text: "Open https://x/verify?token=clv_1_secret now, or token=abc".into(),
            html: "<a href=\"https://x/verify?token=clv_1_secret\">here</a>".into(),
        };
        let hidden = content.without_tokens();
        assert_eq!(hidden.text, "Open https://x/verify?token=… now, or token=…");
        assert_eq!(hidden.html, "<a href=\"https://x/verify?token=…\">here</a>");
        assert!(EmailKind::AccountVerification.carries_secret());
        assert!(EmailKind::BookingConfirmation.carries_secret());
        assert!(!EmailKind::Cancellation.carries_secret());
    }

    #[test]
    fn pl_18_a_confirmation_says_when_in_the_business_time_zone_and_links_to_manage_it() {
        let content = email().booking_confirmation();
        assert!(content.subject.contains("confirmed"));
        assert!(content.text.contains("Monday 23 November 2026 at 10:00"));
        assert!(content.text.contains("http://127.0.0.1:8080/manage/1"));
    }

    #[test]
    fn pl_18_html_is_escaped_and_text_is_not() {
        let content = email().cancellation();
        assert!(content.html.contains("Spa &lt;Lumière&gt;"));
        assert!(!content.html.contains("<Lumière>"));
        assert!(content.text.contains("Spa <Lumière>"));
    }
}
