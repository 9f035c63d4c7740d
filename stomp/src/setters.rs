//! `setters!`: the by-value setters of the settings types ([`Limits`](crate::Limits),
//! [`ClientConfig`](crate::ClientConfig), [`ServerConfig`](crate::ServerConfig),
//! [`BrokerConfig`](crate::BrokerConfig)).

/// One `#[must_use] pub fn name(mut self, value: T) -> Self` per `name: T;` (a `const fn`
/// for `const name: T;`), setting the field of the same name, with the docs given.
macro_rules! setters {
    () => {};
    ($(#[$doc:meta])* const $name:ident: $ty:ty; $($rest:tt)*) => {
        $(#[$doc])*
        #[must_use]
        pub const fn $name(mut self, value: $ty) -> Self {
            self.$name = value;
            self
        }
        $crate::setters::setters! { $($rest)* }
    };
    ($(#[$doc:meta])* $name:ident: $ty:ty; $($rest:tt)*) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.$name = value;
            self
        }
        $crate::setters::setters! { $($rest)* }
    };
}
pub(crate) use setters;
