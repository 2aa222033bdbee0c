//! `civicdesk user …`: staff accounts from the command line, acting as the operator. Every
//! change is audited like one made through the API.

use crate::{explain, operator};
use anyhow::{Result, bail};
use clap::Subcommand;
use domain::Locale;
use identity::accounts::NewStaff;
use platform::authz::{Grant, ScopeGiven, ScopeKind};
use web::Modules;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a staff account. Prints a generated password once unless --password-stdin.
    Create {
        #[arg(long)]
        jurisdiction: String,
        /// Sign-in name: a user name, an email address or a mobile number
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// Roles as ROLE or ROLE:DEPARTMENT (e.g. dispatcher:PWD-PKS); repeat for several.
        /// Roles: agent, dispatcher, field_worker, supervisor, counter_clerk,
        /// community_manager, jurisdiction_admin
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Read the password from standard input instead of generating one
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the staff accounts of a jurisdiction.
    List {
        #[arg(long)]
        jurisdiction: String,
    },
    /// Disable an account: its sessions and access tokens end at once.
    Disable {
        #[arg(long)]
        jurisdiction: String,
        /// Account id or login
        account: String,
    },
    /// Give an account a new random password (printed once) and end its sessions.
    ResetPassword {
        #[arg(long)]
        jurisdiction: String,
        /// Account id or login
        account: String,
        /// Also remove its second factor (lost phone)
        #[arg(long)]
        clear_second_factor: bool,
    },
}

/// `ROLE` or `ROLE:SCOPE`, read by `Grant::parse` as the API and the pages read theirs.
fn parse_role(jurisdiction: &str, text: &str) -> Result<Grant> {
    let (role, scope) = match text.split_once(':') {
        Some((r, s)) => (r, ScopeGiven::Id(s)),
        None => (text, ScopeGiven::Whole),
    };
    Ok(Grant::parse(jurisdiction, role, scope)?)
}

async fn find(modules: &Modules, jurisdiction: &str, account: &str) -> Result<String> {
    let staff = modules
        .identity
        .list_staff(&operator(jurisdiction))
        .await
        .map_err(explain)?;
    match staff
        .iter()
        .find(|s| s.id == account || s.login == account.to_lowercase())
    {
        Some(s) => Ok(s.id.clone()),
        None => bail!("no staff account {account:?} in {jurisdiction}"),
    }
}

pub async fn run(modules: &Modules, cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Create {
            jurisdiction,
            login,
            name,
            email,
            roles,
            password_stdin,
        } => {
            let roles = roles
                .iter()
                .map(|r| parse_role(&jurisdiction, r))
                .collect::<Result<Vec<_>>>()?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                Some(line.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let (view, generated) = modules
                .identity
                .create_staff(
                    &operator(&jurisdiction),
                    NewStaff {
                        login,
                        display_name: name,
                        email,
                        mobile: None,
                        locale: Locale::ZhTw,
                        roles,
                        password,
                    },
                )
                .await
                .map_err(explain)?;
            println!("created {} ({})", view.login, view.id);
            if let Some(p) = generated {
                println!("password: {p}");
                eprintln!(
                    "The password is shown only now. Ask the user to change it after signing in."
                );
            }
        }
        UserCommand::List { jurisdiction } => {
            for s in modules
                .identity
                .list_staff(&operator(&jurisdiction))
                .await
                .map_err(explain)?
            {
                let roles: Vec<String> = s
                    .roles
                    .iter()
                    .map(|g| match g.scope {
                        ScopeKind::Jurisdiction => g.role.to_string(),
                        _ => format!("{}:{}", g.role, g.scope_id),
                    })
                    .collect();
                let second = if s.second_factor { "2fa" } else { "-" };
                println!(
                    "{}  {:<24} {:<9} {:<4} {:<16} {}",
                    s.id,
                    s.login,
                    s.status,
                    second,
                    s.display_name,
                    roles.join(",")
                );
            }
        }
        UserCommand::Disable {
            jurisdiction,
            account,
        } => {
            let id = find(modules, &jurisdiction, &account).await?;
            modules
                .identity
                .set_staff_enabled(&operator(&jurisdiction), &id, false)
                .await
                .map_err(explain)?;
            println!("disabled");
        }
        UserCommand::ResetPassword {
            jurisdiction,
            account,
            clear_second_factor,
        } => {
            let id = find(modules, &jurisdiction, &account).await?;
            let password = modules
                .identity
                .reset_staff_password(&operator(&jurisdiction), &id, clear_second_factor)
                .await
                .map_err(explain)?;
            println!("password: {password}");
            eprintln!("The password is shown only now; every session of the account has ended.");
        }
    }
    Ok(())
}
