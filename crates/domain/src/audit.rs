//! Audit trails: who changed what and when. Clients (CL-14: bans for now, every profile
//! change with the client-list issue) and appointment attendance (AP-4).

use chrono::{DateTime, Utc};

use crate::appointment::Attendance;
use crate::ids::{AppointmentId, AuditId, BusinessId, ClientId, StaffId};

/// Something that happened to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuditAction {
    Banned,
    Unbanned,
}

impl ClientAuditAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Banned => "banned",
            Self::Unbanned => "unbanned",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "banned" => Some(Self::Banned),
            "unbanned" => Some(Self::Unbanned),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAuditEntry {
    pub id: AuditId,
    pub business_id: BusinessId,
    pub client_id: ClientId,
    /// The staff member who acted.
    pub actor: StaffId,
    pub at: DateTime<Utc>,
    pub action: ClientAuditAction,
}

/// AP-4: one change of an appointment's attendance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceChange {
    pub id: AuditId,
    pub business_id: BusinessId,
    pub appointment_id: AppointmentId,
    pub from: Attendance,
    pub to: Attendance,
    pub actor: StaffId,
    pub at: DateTime<Utc>,
}
