//! PL-24 (SSRF): the addresses a delivery may never go to, whatever name resolved to
//! them: private networks, loopback (allowed in development), link-local (cloud metadata
//! services live there), and every other address that is not the public internet's.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AddressError {
    #[error("the endpoint is on this machine (loopback), allowed in development only")]
    Loopback,
    #[error("the endpoint is on a private network")]
    Private,
    #[error("the endpoint is link-local (cloud metadata services live there)")]
    LinkLocal,
    #[error("the endpoint's address is not a public internet address")]
    NotPublic,
}

/// Why events may not be sent to `ip`, if they may not; loopback passes in
/// `development`.
pub fn refused_address(ip: IpAddr, development: bool) -> Result<(), AddressError> {
    match ip {
        IpAddr::V4(v4) => v4_refusal(v4, development),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_refusal(v4, development),
            None => v6_refusal(v6, development),
        },
    }
}

fn v4_refusal(ip: Ipv4Addr, development: bool) -> Result<(), AddressError> {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        return if development {
            Ok(())
        } else {
            Err(AddressError::Loopback)
        };
    }
    if ip.is_private() {
        return Err(AddressError::Private);
    }
    if ip.is_link_local() {
        return Err(AddressError::LinkLocal);
    }
    let not_public = ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24; benchmarking, 198.18.0.0/15.
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        // Reserved, 240.0.0.0/4.
        || a >= 240;
    if not_public {
        Err(AddressError::NotPublic)
    } else {
        Ok(())
    }
}

fn v6_refusal(ip: Ipv6Addr, development: bool) -> Result<(), AddressError> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        return if development {
            Ok(())
        } else {
            Err(AddressError::Loopback)
        };
    }
    // Unique local, fc00::/7.
    if first & 0xfe00 == 0xfc00 {
        return Err(AddressError::Private);
    }
    // Link-local, fe80::/10.
    if first & 0xffc0 == 0xfe80 {
        return Err(AddressError::LinkLocal);
    }
    let not_public = ip.is_unspecified()
        || ip.is_multicast()
        // Documentation, 2001:db8::/32; the discard prefix, 100::/64; NAT64, 64:ff9b::/96
        // (it names IPv4 addresses, private ones too).
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        || first == 0x0100
        || first == 0x0064
        // Only 2000::/3 is global unicast.
        || first & 0xe000 != 0x2000;
    if not_public {
        Err(AddressError::NotPublic)
    } else {
        Ok(())
    }
}
