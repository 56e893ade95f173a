"""``adwatch users``: dashboard accounts (add, list, disable)."""

from __future__ import annotations

import sys

import typer
from sqlalchemy.orm import Session

from adwatch.context import console, load_settings, session_scope
from storage import people_repo
from storage.models.people import ROLES, User

users_app = typer.Typer(no_args_is_help=True, help="Dashboard users: admin, analyst, outreach.")


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="Username (letters, digits, . _ @ -)."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    language: str = typer.Option("da", "--language", help="Interface language: da or en."),
    email: str = typer.Option("", "--email", help="Address for saved-search alert e-mails (optional)."),
) -> None:
    """Create a user; the password is prompted for (twice) unless --password-stdin is given."""
    if role not in ROLES:
        console.print(f"[red]unknown role {role!r}; one of {', '.join(ROLES)}[/red]")
        raise typer.Exit(2)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        from dashboard.auth import hash_password  # argon2 set-up: only for this command

        password_hash = hash_password(password)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    settings = load_settings()
    with session_scope(settings) as session:
        try:
            user = people_repo.create_user(session=session, username=name, password_hash=password_hash,
                                           role=role, language=language, email=email or None)
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
        session.commit()
        console.print(f"[green]created {user.username} ({user.role})[/green]")


@users_app.command("list")
def users_list() -> None:
    """List users with role, status and last login."""
    settings = load_settings()
    with session_scope(settings) as session:
        for user in people_repo.list_users(session=session):
            last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
            status = "active" if user.active else "disabled"
            typer.echo(f"{user.username}\t{user.role}\t{status}\t{last}")


def _user_or_exit(session: Session, name: str) -> User:
    """_user_or_exit (User): the named account, or a red message and exit code 1."""
    user = people_repo.get_user_by_name(session=session, username=name)
    if user is None:
        console.print(f"[red]no user {name!r}[/red]")
        raise typer.Exit(1)
    return user


@users_app.command("disable")
def users_disable(name: str = typer.Argument(..., help="Username.")) -> None:
    """Disable a user; their open sessions end at once."""
    settings = load_settings()
    with session_scope(settings) as session:
        user = _user_or_exit(session, name)
        people_repo.set_user_active(session=session, user=user, active=False)
        session.commit()
        console.print(f"[green]disabled {name}[/green]")


@users_app.command("email")
def users_email(name: str = typer.Argument(..., help="Username."),
                address: str = typer.Argument("", help="E-mail address; leave out to remove it.")) -> None:
    """Set (or remove) the address a user's saved-search alerts are e-mailed to."""
    settings = load_settings()
    with session_scope(settings) as session:
        user = _user_or_exit(session, name)
        try:
            people_repo.set_user_email(session=session, user=user, email=address)
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        session.commit()
        console.print(f"[green]{name}: e-mail {'set' if address else 'removed'}[/green]")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
