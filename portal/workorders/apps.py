from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "portal.workorders"
    label = "workorders"
    verbose_name = _("Repairs and complaints")

    def ready(self):
        from commerce.payments.hooks import register_bill_paid
        from frontend.shortcuts import Shortcut, register
        from portal.access import register_office_path

        from . import (
            notification_events,  # noqa: F401 - registers the events
            services,
        )
        from .models import (
            OrderLine,
            PriceItem,
            ReturnVisit,
            ServiceSettings,
            WorkOrder,
            WorkOrderEvent,
            WorkOrderPhoto,
        )

        register_office_path(WorkOrder, "office")
        register_office_path(ServiceSettings, "office")
        register_office_path(PriceItem, "office")
        for model in (WorkOrderEvent, WorkOrderPhoto, OrderLine, ReturnVisit):
            register_office_path(model, "order__office")
        register(
            Shortcut(key="repairs", label=_("Repairs and requests"), url_name="workorders:index", order=30, in_nav=True)
        )
        register_bill_paid("workorders", services.bill_paid)
