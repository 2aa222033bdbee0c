//! The identity module's own rules, pure (no I/O): city logins' claims, assurance levels and
//! account linking.

pub mod city_login;
