"""`flask mfa-reseal`: seal every stored factor again with the first FIELD_ENCRYPTION_KEY (rotation's middle step)."""

from __future__ import annotations

import logging

import click
from flask.cli import with_appcontext

from app.mfa import sealing
from app.mfa.models import TotpFactor

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
