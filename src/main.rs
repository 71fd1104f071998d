//! The `furusato` command: serve (default), migrate [--status], admin create, admin
//! my-number-access, demo, openapi.

use clap::{Parser, Subcommand};

use furusato::auth::{self, password, Role};
use furusato::config::Settings;
use furusato::db::write_transaction;
use furusato::startup::{self, Application};

#[derive(Parser)]
#[command(
    name = "furusato",
    version,
    about = "Hometown-tax donation service (ふるさと納税)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate {
        /// List applied and pending migrations instead, changing nothing.
        #[arg(long)]
        status: bool,
    },
    /// Load the Shinagawa demo data set (does nothing if the catalogue is not empty).
    Demo,
    /// Print the OpenAPI 3.1 document (the same as GET /api/openapi.json) and exit.
    Openapi,
    /// Manage staff logins.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a staff login and print its generated password once.
    Create {
        #[arg(long)]
        email: String,
        /// A read-only staff login (role `viewer`): sees the console and staff reads, changes
        /// nothing, exports no personal data.
        #[arg(long)]
        read_only: bool,
    },
    /// Grant or revoke a staff login's permission to read My Numbers (個人番号) of one-stop
    /// applications; recorded in the audit log. Only from here, never through the API.
    MyNumberAccess {
        #[arg(long)]
        email: String,
        #[arg(long, conflicts_with = "revoke", required_unless_present = "revoke")]
        grant: bool,
        #[arg(long)]
        revoke: bool,
    },
}

fn main() {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("furusato: {e}");
            std::process::exit(2);
        }
    };
    let _log_writer = furusato::telemetry::init(&settings.log);
    if let Err(e) = run(cli.command.unwrap_or(Command::Serve), settings) {
        eprintln!("furusato: {e:#}");
        std::process::exit(1);
    }
}

fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(settings),
        Command::Migrate { status: false } => {
            startup::database(&settings)?;
            println!("migrations applied");
            Ok(())
        }
        Command::Migrate { status: true } => {
            let db = furusato::db::Db::new(&settings.database)?;
            let states = furusato::db::migration_status(&mut *db.get()?)?;
            for m in &states {
                match (&m.name, m.applied) {
                    (Some(name), true) => println!("applied  {name}"),
                    (Some(name), false) => println!("pending  {name}"),
                    (None, _) => println!("applied  {} (unknown to this release)", m.version),
                }
            }
            let pending = states.iter().filter(|m| !m.applied).count();
            println!("{} applied, {pending} pending", states.len() - pending);
            Ok(())
        }
        Command::Openapi => {
            let document = furusato::openapi::to_json(&startup::openapi_document());
            println!("{}", serde_json::to_string_pretty(&document)?);
            Ok(())
        }
        Command::Demo => {
            let db = startup::database(&settings)?;
            let mut conn = db.get()?;
            if furusato::demo::load_if_empty(&mut conn, &settings)? {
                println!("demo data loaded");
            } else {
                println!("catalogue not empty; nothing loaded");
            }
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create { email, read_only },
        } => {
            let db = startup::database(&settings)?;
            let email = auth::normalize_email(&email);
            if !email.contains('@') {
                anyhow::bail!("--email must be an email address");
            }
            let generated = password::generate_password();
            let hash = password::hash_password(&generated, &settings.auth)?;
            let role = if read_only { Role::Viewer } else { Role::Admin };
            let mut conn = db.get()?;
            write_transaction(&mut conn, |c| {
                auth::store::insert_user(c, &email, &hash, role, None)
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{} {email} created; password (shown once): {generated}",
                role.as_str()
            );
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::MyNumberAccess {
                    email,
                    grant,
                    revoke,
                },
        } => {
            let grant = match (grant, revoke) {
                (true, false) => true,
                (false, true) => false,
                _ => anyhow::bail!("give one of --grant and --revoke"),
            };
            let db = startup::database(&settings)?;
            let email = auth::normalize_email(&email);
            let mut conn = db.get()?;
            // No actor: the audit log records the command line.
            let before = write_transaction(&mut conn, |c| {
                furusato::one_stop::my_number::set_access(c, None, &email, grant)
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let Some(before) = before else {
                anyhow::bail!("no staff login has the email {email}");
            };
            let now = if grant { "granted" } else { "revoked" };
            let already = if before == grant { " (already so)" } else { "" };
            println!("My Number access {now} for {email}{already}");
            Ok(())
        }
    }
}

#[actix_web::main]
async fn serve(settings: Settings) -> anyhow::Result<()> {
    let host = settings.server.host.clone();
    let app = Application::build(settings).await?;
    tracing::info!("listening on http://{host}:{}", app.port());
    app.run_until_stopped().await?;
    Ok(())
}
