//! Black-box HTTP tests: a real server on a random port over a real database — a fresh SQLite
//! file, or a fresh PostgreSQL database when `CIVICDESK_TEST_DATABASE_URL` is set (and then a
//! PostgreSQL that cannot be reached fails the tests). One binary for all, to save link time.

mod abuse;
mod accounts;
mod audit;
mod backup;
mod bad_input;
mod breaches;
mod case_authorisation;
mod case_numbers;
mod casework;
mod catalogue;
mod city_idp;
mod city_login;
mod clock;
mod consents;
mod counter;
mod data_requests;
mod demo_city;
mod desk;
mod import;
mod intake;
mod jobs;
mod mandates;
mod media;
mod module_migrations;
mod modules;
mod my_data;
mod mydata;
mod new_module;

mod notify;
mod open311;
mod open311_clients;
mod openapi;
mod passkeys;
mod payments;
mod permissions;
mod privacy;
mod processes;
mod retention;
mod second_factor_stages;
mod sign_in_limits;
mod smtp_sink;
mod snapshots;
mod soft_authenticator;
mod step_up;
mod supervise_csv;
mod support;
mod ui_admin;
mod ui_citizen;
mod ui_staff;
mod ui_supervise;
mod upgrade;
mod webhooks;
