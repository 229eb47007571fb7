"""The operator's commands: `flask mfa-reseal` (key rotation's middle step) and `flask mfa-remove` (a lost device
and lost recovery codes)."""

from __future__ import annotations

import logging

import click
from flask.cli import with_appcontext

from app.accounts import normalise_email
from app.errors import BadRequest
from app.mfa import sealing, service
from app.mfa.models import TotpFactor
from app.models import User

log = logging.getLogger("app.mfa")


def reseal_all() -> tuple[int, int]:
    """Re-seal each factor's secret and recovery codes with the first key: (re-sealed, unreadable) counts.

    Each write is a compare-and-set on the value read, so a factor changed meanwhile (a code spent, the factor
    turned off) is left as it now is: it was sealed with the first key by that change.
    """
    done = unreadable = 0
    for factor in TotpFactor.objects.only("id", "sealed_secret", "sealed_recovery_codes").order_by("id"):
        try:
            changes = {"set__sealed_secret": sealing.reseal(factor.sealed_secret)}
            if factor.sealed_recovery_codes:
                changes["set__sealed_recovery_codes"] = sealing.reseal(factor.sealed_recovery_codes)
        except sealing.SealBroken:
            unreadable += 1
            log.error("TOTP factor %s opens with no FIELD_ENCRYPTION_KEY", factor.id)
            continue
        done += TotpFactor.objects(
            id=factor.id, sealed_secret=factor.sealed_secret, sealed_recovery_codes=factor.sealed_recovery_codes
        ).update_one(**changes)
    return done, unreadable


@click.command("mfa-reseal")
@with_appcontext
def reseal_command() -> None:
    """Seal every second factor again with the first FIELD_ENCRYPTION_KEY, so older keys can be dropped."""
    done, unreadable = reseal_all()
    click.echo(f"re-sealed {done} factor(s); {unreadable} open with no configured key")
    if unreadable:
        raise SystemExit(1)


@click.command("mfa-remove")
@click.option("--email", required=True, help="The account's e-mail address.")
@with_appcontext
def remove_command(email: str) -> None:
    """Take the second factor off an account whose owner lost the device and the recovery codes."""
    try:
        user = User.objects(email=normalise_email(email)).first()
    except BadRequest as error:
        raise click.ClickException(error.detail) from None
    if user is None:
        raise click.ClickException("No account has this e-mail address")
    if not service.remove_for_operator(user):
        raise click.ClickException("This account has no second factor")
    click.echo(f"The second factor of {user.email} is off; the owner is told by mail.")
