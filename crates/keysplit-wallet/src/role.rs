//! Share roles: who holds each of a wallet's three shares.

use core::fmt;
use core::str::FromStr;

/// Who holds a share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Kept on the user's device, sealed under a device key.
    Device,
    /// Kept by the app's backend, sealed under a key it releases when the user
    /// authenticates.
    Auth,
    /// Kept by the user (or a backup service), sealed under a password-derived key or a
    /// random recovery key.
    Recovery,
}

impl Role {
    /// All roles, in share order.
    pub const ALL: [Role; 3] = [Role::Device, Role::Auth, Role::Recovery];

    /// The byte stored in a sealed share.
    pub const fn to_byte(self) -> u8 {
        match self {
            Role::Device => 1,
            Role::Auth => 2,
            Role::Recovery => 3,
        }
    }

    /// The role of a stored byte.
    pub const fn from_byte(byte: u8) -> Option<Role> {
        match byte {
            1 => Some(Role::Device),
            2 => Some(Role::Auth),
            3 => Some(Role::Recovery),
            _ => None,
        }
    }

    /// `"device"`, `"auth"` or `"recovery"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Device => "device",
            Role::Auth => "auth",
            Role::Recovery => "recovery",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Role, UnknownRole> {
        match text.trim() {
            "device" => Ok(Role::Device),
            "auth" => Ok(Role::Auth),
            "recovery" => Ok(Role::Recovery),
            _ => Err(UnknownRole),
        }
    }
}

/// A role name other than `device`, `auth` or `recovery`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownRole;

impl fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown share role; expected device, auth or recovery")
    }
}
