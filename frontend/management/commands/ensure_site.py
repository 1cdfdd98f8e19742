from django.core.management.base import BaseCommand

from frontend.site_setup import ensure_site


class Command(BaseCommand):
    help = "Make the Linli home page the root of the default site, with its news and notice sections (idempotent)."

    def handle(self, *args, **options):
        home = ensure_site()
        self.stdout.write(f"Site root: {home.title} (#{home.pk})")
