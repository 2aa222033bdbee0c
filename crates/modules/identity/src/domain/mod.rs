//! The identity module's own rules, pure (no I/O): city logins' claims, assurance levels and
//! account linking; mandates (who may act for whom, on what); consent (on what basis a use of
//! personal data stands); breaches (the duties a breach of personal data brings).

pub mod breaches;
pub mod city_login;
pub mod consent;
pub mod mandates;
pub mod mydata;
pub mod mydata_import;
