from wagtail import hooks
from wagtail.admin.ui.components import Component

from commerce.money import format_money

from .models import Account, Entry
from .services import balance

LATEST_ENTRIES = 10


class HouseholdAccountPanel(Component):
    """The household's balance and latest entries on the unit lookup (联查)."""

    template_name = "ledger/admin/household_panel.html"
    shows_receivables = True

    def __init__(self, account: Account):
        self.account = account

    def get_context_data(self, parent_context=None):
        account = self.account
        entries = list(
            Entry.objects.filter(account=account)
            .select_related("posting")
            .order_by("-posting__created_at", "-pk")[:LATEST_ENTRIES]
        )
        owed = balance(account)
        return {
            "balance": owed,
            "balance_display": format_money(abs(owed), account.currency),
            "entries": [
                {"at": e.posting.created_at, "memo": e.posting.memo, "amount": format_money(e.amount, e.currency)}
                for e in entries
            ],
        }


@hooks.register("properties_unit_lookup_panels")
def household_account_panel(request, unit):
    # The lookup view has already scoped the unit to the user's offices. Units without an account
    # keep the lookup's own "billing is not set up yet" note.
    account = Account.objects.filter(unit=unit).first()
    return HouseholdAccountPanel(account) if account is not None else None
