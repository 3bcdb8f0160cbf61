"""The login lockout's handler (AXES_HANDLER): loaded by django-axes once the apps are ready."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class LoginLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a limit of its own for an address.

    One account is locked after LOGIN_FAILURE_LIMIT wrong passwords (a guess at one person's
    password); one address after LOGIN_ADDRESS_FAILURE_LIMIT wrong passwords over any accounts
    (a password spray). The address limit is higher because a whole office may share one
    address: a few typos of colleagues must not lock everyone out.
    """

    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        # Axes compares the result with AXES_FAILURE_LIMIT: an address past its own limit
        # counts as a full account's worth.
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_account, settings.AXES_FAILURE_LIMIT)
        return by_account

    def reset_user_attempts(self, request, credentials=None) -> int:
        """On a successful log-in, forget the failures of that account only. Axes would also
        forget every failure from the address, so that anyone holding one working account
        could log in between guesses and never be locked out."""
        from axes.helpers import get_client_username
        from axes.models import AccessAttempt

        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
