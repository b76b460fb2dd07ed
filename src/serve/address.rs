//! The addresses of a running server: the one its colleagues can reach (printed on the
//! slips and in the office's address), the one that works on this machine, and the host
//! names a request may give.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::access::allowed_hosts;

/// Where the server is, once bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addresses {
    /// `http://192.168.1.20:8000`: what the office's colleagues open, with no `/` at the
    /// end. `--public-url` when given.
    pub public: String,
    /// `http://127.0.0.1:8000`: what opens on this machine.
    pub local: String,
    /// The host names a `Host` header may give.
    pub hosts: Vec<String>,
}

impl Addresses {
    /// `own`: the machine's interface addresses.
    pub fn new(bound: SocketAddr, own: &[IpAddr], public_url: Option<&url::Url>) -> Self {
        let local_ip =
            if bound.ip().is_unspecified() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { bound.ip() };
        let public = match public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_string(),
            None => {
                let ip = if bound.ip().is_unspecified() {
                    network_address(own).unwrap_or(local_ip)
                } else {
                    bound.ip()
                };
                base(SocketAddr::new(ip, bound.port()))
            }
        };
        let public_host = public_url.and_then(url::Url::host_str);
        // Bound to every address, any of the machine's addresses reaches it.
        let own: &[IpAddr] = if bound.ip().is_unspecified() { own } else { &[] };
        Self {
            public,
            local: base(SocketAddr::new(local_ip, bound.port())),
            hosts: allowed_hosts(bound.ip(), own, public_host),
        }
    }
}

/// The machine's interface addresses, loopback included; none when they cannot be read.
pub fn own_addresses() -> Vec<IpAddr> {
    if_addrs::get_if_addrs().map(|all| all.iter().map(|i| i.ip()).collect()).unwrap_or_default()
}

/// The address a colleague on the office network most likely reaches this machine by: a
/// private IPv4 address first, then any other IPv4 address that is neither loopback nor
/// link-local.
fn network_address(own: &[IpAddr]) -> Option<IpAddr> {
    let usable = |ip: &&IpAddr| match ip {
        IpAddr::V4(v4) => !v4.is_loopback() && !v4.is_link_local() && !v4.is_unspecified(),
        IpAddr::V6(_) => false,
    };
    let private = |ip: &&IpAddr| matches!(ip, IpAddr::V4(v4) if v4.is_private());
    own.iter().filter(usable).find(private).or_else(|| own.iter().find(usable)).copied()
}

fn base(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_address_means_the_machines_network_address() {
        let own = [ip("127.0.0.1"), ip("169.254.3.4"), ip("8.8.4.4"), ip("192.168.1.20")];
        let at = Addresses::new("0.0.0.0:8000".parse().unwrap(), &own, None);
        assert_eq!(at.public, "http://192.168.1.20:8000");
        assert_eq!(at.local, "http://127.0.0.1:8000");
        assert!(at.hosts.contains(&"192.168.1.20".to_string()));
        assert!(at.hosts.contains(&"8.8.4.4".to_string()));
        let lonely = Addresses::new("0.0.0.0:8000".parse().unwrap(), &[ip("127.0.0.1")], None);
        assert_eq!(lonely.public, "http://127.0.0.1:8000");
    }

    #[test]
    fn a_bound_address_is_its_own_public_address() {
        let own = [ip("192.168.1.20"), ip("10.0.0.2")];
        let at = Addresses::new("10.0.0.2:8001".parse().unwrap(), &own, None);
        assert_eq!(at.public, "http://10.0.0.2:8001");
        assert_eq!(at.local, "http://10.0.0.2:8001");
        assert!(!at.hosts.contains(&"192.168.1.20".to_string()));
    }

    #[test]
    fn the_public_url_wins_and_its_host_is_allowed() {
        let url = url::Url::parse("http://kaoping.school.lan:9000/").unwrap();
        let at = Addresses::new("0.0.0.0:8000".parse().unwrap(), &[], Some(&url));
        assert_eq!(at.public, "http://kaoping.school.lan:9000");
        assert!(at.hosts.contains(&"kaoping.school.lan".to_string()));
    }
}
