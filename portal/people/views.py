from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def join(request):
    return render(request, "people/join.html", {})
